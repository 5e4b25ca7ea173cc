//! Design §6.1, row by row: for each work-order status, every movement
//! kind (reserve, issue, write-off, return) is driven through real
//! documents against an order in that status, and the verdict must match
//! the table. The pure table (`rules::status::allowance`) is checked too.

mod common;

use common::*;
use sparescan_core::document::*;
use sparescan_core::ids::DocId;
use sparescan_core::model::*;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules::status::{Allowance, Movement, allowance};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Accepted,
    /// Reserve recorded as demand only: nothing locked.
    DemandOnly,
    Refused,
}
use Expect::*;

/// An order brought into `target` through the ledger (so anything issued
/// before is really in work), plus the id of an issue still out.
fn order_in(target: WoStatus) -> (Book, Option<DocId>) {
    let mut site = site();
    let initial = match target {
        WoStatus::Created => WoStatus::Created,
        WoStatus::Approved => WoStatus::Approved,
        _ => WoStatus::InProgress,
    };
    work_order(&mut site, "WO", PUMP)
        .status(initial)
        .line("L", TERMINALS, 10)
        .add();
    let mut book = Book::new(site);
    if initial != WoStatus::InProgress {
        return (book, None);
    }
    let issued = book.accept(doc(CLERK, issue(pick(TERMINALS, SHELF, 4))).on("WO", "L"));
    let transition = |t| doc(SUPERVISOR, status(t)).wo("WO").at(1);
    match target {
        WoStatus::InProgress => {}
        WoStatus::AwaitingReturn => {
            book.accept(transition(Transition::Complete));
        }
        WoStatus::OnHold => {
            book.accept(transition(Transition::Hold));
        }
        WoStatus::Cancelled => {
            book.accept(transition(Transition::Cancel));
        }
        WoStatus::Closed => {
            // Nothing may be in work at closure: write it all off first.
            book.accept(doc(TECH, write_off(TERMINALS, 4, &[])).on("WO", "L"));
            book.accept(transition(Transition::Close));
        }
        WoStatus::Created | WoStatus::Approved => unreachable!(),
    }
    assert_eq!(book.wo_status("WO"), target);
    (book, Some(issued))
}

fn movement_doc(m: Movement, issued: Option<DocId>) -> D {
    let d = match m {
        Movement::Reserve => doc(
            CLERK,
            Body::Reserve {
                warehouse: WH.into(),
                qty: q(2),
            },
        )
        .on("WO", "L"),
        Movement::Issue => doc(CLERK, issue(pick(TERMINALS, SHELF, 1))).on("WO", "L"),
        Movement::WriteOff => doc(TECH, write_off(TERMINALS, 1, &[])).on("WO", "L"),
        Movement::Return => {
            let d = doc(CLERK, ret(TERMINALS, 1, Condition::New, SHELF)).wo("WO");
            match issued {
                Some(id) => d.follows(id),
                None => d,
            }
        }
    };
    d.at(10)
}

/// Drives one row: `expected` lists reserve, issue, write-off, return.
fn row(status: WoStatus, expected: [Expect; 4]) {
    for (m, want) in Movement::ALL.into_iter().zip(expected) {
        let table = allowance(status, m);
        let table_says = match table {
            Allowance::Yes => Accepted,
            Allowance::DemandOnly => DemandOnly,
            Allowance::No => Refused,
        };
        assert_eq!(table_says, want, "table: {status:?} × {m:?}");

        let (mut book, issued) = order_in(status);
        let result = book.submit(movement_doc(m, issued));
        match (want, result) {
            (Accepted, Ok(_)) => {}
            (DemandOnly, Ok(_)) => {
                let r = &book.reserves("L")[0];
                assert_eq!(r.locked, q(0), "{status:?}: demand only locks nothing");
                assert_eq!(r.status(), ReserveStatus::Created);
            }
            (Refused, Err(r)) => assert_eq!(
                r.code,
                ReasonCode::WorkOrderStatus,
                "{status:?} × {m:?} refused for another reason: {}",
                r.message
            ),
            (want, got) => panic!("{status:?} × {m:?}: expected {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn created_reserves_demand_only() {
    row(WoStatus::Created, [DemandOnly, Refused, Refused, Refused]);
}

#[test]
fn approved_reserves_only() {
    row(WoStatus::Approved, [Accepted, Refused, Refused, Refused]);
}

#[test]
fn in_progress_allows_everything() {
    row(
        WoStatus::InProgress,
        [Accepted, Accepted, Accepted, Accepted],
    );
}

#[test]
fn awaiting_return_writes_off_and_returns() {
    row(
        WoStatus::AwaitingReturn,
        [Refused, Refused, Accepted, Accepted],
    );
}

#[test]
fn on_hold_returns_only_and_reserves_are_released() {
    row(WoStatus::OnHold, [Refused, Refused, Refused, Accepted]);
}

#[test]
fn cancelled_returns_only_and_reserves_are_released() {
    row(WoStatus::Cancelled, [Refused, Refused, Refused, Accepted]);
}

#[test]
fn closed_allows_nothing() {
    row(WoStatus::Closed, [Refused, Refused, Refused, Refused]);
}

/// "Released" in the table: entering hold or cancel frees every reserve.
#[test]
fn hold_and_cancel_release_reserves() {
    for t in [Transition::Hold, Transition::Cancel] {
        let mut site = site();
        work_order(&mut site, "WO", PUMP)
            .line("L", TERMINALS, 10)
            .add();
        let mut book = Book::new(site);
        book.accept(
            doc(
                CLERK,
                Body::Reserve {
                    warehouse: WH.into(),
                    qty: q(3),
                },
            )
            .on("WO", "L"),
        );
        assert_eq!(book.ledger.available(&TERMINALS.into()), q(47));
        book.accept(doc(SUPERVISOR, status(t)).wo("WO"));
        assert_eq!(
            book.reserves("L")[0].status(),
            ReserveStatus::Cancelled,
            "{t:?}"
        );
        assert_eq!(book.ledger.available(&TERMINALS.into()), q(50), "{t:?}");
    }
}

/// Every transition from every status: allowed ones lead where §6.1 says.
#[test]
fn status_transitions() {
    use Transition as T;
    use WoStatus as S;
    let expected = |from: S, t: T| -> Option<S> {
        match (from, t) {
            (S::Created, T::Approve) => Some(S::Approved),
            (S::Approved, T::Start) => Some(S::InProgress),
            (S::InProgress, T::Complete) => Some(S::InProgress),
            (S::Created | S::Approved | S::InProgress | S::AwaitingReturn, T::Hold) => {
                Some(S::OnHold)
            }
            (S::OnHold, T::Resume) => Some(S::InProgress),
            (
                S::Created | S::Approved | S::InProgress | S::AwaitingReturn | S::OnHold,
                T::Cancel,
            ) => Some(S::Cancelled),
            (S::InProgress | S::AwaitingReturn | S::Cancelled, T::Close) => Some(S::Closed),
            _ => None,
        }
    };
    for from in WoStatus::ALL {
        for t in Transition::ALL {
            let mut site = site();
            work_order(&mut site, "WO", PUMP)
                .status(from)
                .line("L", TERMINALS, 1)
                .add();
            let mut state = WoState::new(from);
            if from == S::OnHold {
                state.held_from = Some(S::InProgress);
            }
            site.work_orders[0].state = state;
            let mut book = Book::new(site);
            // A supervisor and a dispatcher between them hold every
            // transition's role; approval needs someone not the creator.
            let author = match t {
                T::Approve => ENGINEER,
                T::Complete | T::Start => TECH,
                _ => SUPERVISOR,
            };
            let result = book.submit(doc(author, status(t)).wo("WO"));
            match (expected(from, t), result) {
                (Some(to), Ok(_)) => assert_eq!(book.wo_status("WO"), to, "{from:?} {t:?}"),
                (None, Err(r)) => {
                    assert_eq!(r.code, ReasonCode::InvalidTransition, "{from:?} {t:?}")
                }
                (want, got) => panic!("{from:?} {t:?}: expected {want:?}, got {got:?}"),
            }
        }
    }
}
