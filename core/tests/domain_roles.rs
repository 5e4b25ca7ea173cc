//! The role × document-kind matrix: who may author what, checked for every
//! role and every kind against the matrix written out here as the spec.

mod common;

use common::*;
use sparescan_core::document::*;
use sparescan_core::model::*;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules::roles::{author_roles, check_author};
use std::collections::BTreeSet;

/// The spec, independent of the code's table.
fn spec(kind: DocKind, transition: Option<Transition>) -> &'static str {
    match (kind, transition) {
        (DocKind::Reserve | DocKind::ReserveConfirm | DocKind::ReserveRelease, _) => {
            "clerk dispatcher supervisor"
        }
        (
            DocKind::Issue
            | DocKind::SubstitutionIssue
            | DocKind::AdditionalIssue
            | DocKind::EmergencyIssue
            | DocKind::ToolCheckout
            | DocKind::ToolReturn,
            _,
        ) => "clerk supervisor technician",
        (DocKind::EmergencyLink, _) => "clerk dispatcher supervisor",
        (DocKind::ApprovalRequest, _) => "clerk supervisor technician",
        (DocKind::ApprovalDecision, _) => "dispatcher engineer supervisor",
        (DocKind::WriteOff, _) => "clerk supervisor technician",
        (DocKind::Return | DocKind::RemovedUnitReturn, _) => "clerk supervisor",
        (DocKind::InspectionDecision, _) => "clerk controller",
        (DocKind::TransferOut | DocKind::TransferIn, _) => "clerk",
        (DocKind::Correction, _) => "clerk controller supervisor",
        (DocKind::Count, _) => "clerk controller",
        (DocKind::PeriodClose, _) => "accountant",
        (DocKind::OpeningBalance, _) => "admin controller",
        (DocKind::GoodsReceipt, _) => "clerk",
        (DocKind::WoStatusChange, Some(Transition::Approve)) => "dispatcher engineer supervisor",
        (DocKind::WoStatusChange, Some(Transition::Start)) => "dispatcher supervisor technician",
        (DocKind::WoStatusChange, Some(Transition::Complete)) => "supervisor technician",
        (
            DocKind::WoStatusChange,
            Some(Transition::Hold | Transition::Resume | Transition::Cancel),
        ) => "dispatcher supervisor",
        (DocKind::WoStatusChange, Some(Transition::Close)) => "dispatcher supervisor",
        (DocKind::WoStatusChange, None) => "",
    }
}

fn role_name(r: Role) -> String {
    format!("{r:?}").to_lowercase()
}

#[test]
fn matrix_matches_the_spec_for_every_role_and_kind() {
    let mut cells = 0;
    for kind in DocKind::ALL {
        let transitions: Vec<Option<Transition>> = if kind == DocKind::WoStatusChange {
            Transition::ALL.into_iter().map(Some).collect()
        } else {
            vec![None]
        };
        for t in transitions {
            let want: BTreeSet<&str> = spec(kind, t).split_whitespace().collect();
            for role in Role::ALL {
                let allowed = author_roles(kind, t).contains(&role);
                assert_eq!(
                    allowed,
                    want.contains(role_name(role).as_str()),
                    "{role:?} × {kind:?} {t:?}"
                );
                cells += 1;
            }
        }
    }
    assert_eq!(
        cells,
        (DocKind::ALL.len() - 1 + Transition::ALL.len()) * Role::ALL.len()
    );
}

/// Through the rules: a user holding only one role is refused with
/// `role_not_allowed` exactly where the matrix says no.
#[test]
fn documents_are_authorised_by_role() {
    let bodies: Vec<Body> = vec![
        Body::Reserve {
            warehouse: WH.into(),
            qty: q(1),
        },
        issue(pick(TERMINALS, SHELF, 1)),
        write_off(TERMINALS, 1, &[]),
        ret(TERMINALS, 1, Condition::New, SHELF),
        Body::Correction,
        status(Transition::Close),
        Body::PeriodClose { until: day(1) },
        Body::Count {
            item: CABLE.into(),
            bin: SHELF2.into(),
            batch: None,
            condition: Condition::New,
            counted: q(1),
            adjust: false,
        },
    ];
    let users = [
        (TECH, Role::Technician),
        (CLERK, Role::Clerk),
        (SUPERVISOR, Role::Supervisor),
        (ENGINEER, Role::Engineer),
        (DISPATCHER, Role::Dispatcher),
        (CONTROLLER, Role::Controller),
        (ACCOUNTANT, Role::Accountant),
        (ADMIN, Role::Admin),
    ];
    for body in bodies {
        for (user, role) in users {
            let mut book = Book::new(site());
            let transition = match &body {
                Body::WoStatusChange { transition } => Some(*transition),
                _ => None,
            };
            let allowed = author_roles(body.kind(), transition).contains(&role);
            let result = book.submit(doc(user, body.clone()));
            let role_refused = matches!(&result, Err(r) if r.code == ReasonCode::RoleNotAllowed);
            assert_eq!(
                role_refused,
                !allowed,
                "{role:?} {:?}: {result:?}",
                body.kind()
            );
        }
    }
}

#[test]
fn technicians_issue_at_the_shelf_only_where_the_site_allows() {
    let mut site = site();
    site.policy.self_issue_allowed = false;
    let tech = site
        .users
        .iter()
        .find(|u| u.id.as_str() == TECH)
        .cloned()
        .expect("tech");
    let clerk = site
        .users
        .iter()
        .find(|u| u.id.as_str() == CLERK)
        .cloned()
        .expect("clerk");
    let body = issue(pick(TERMINALS, SHELF, 1));
    let refusal = check_author(&tech, &body, &site.policy).expect_err("technician refused");
    assert_eq!(refusal.code, ReasonCode::SelfIssueNotAllowed);
    assert!(check_author(&clerk, &body, &site.policy).is_ok());
    // Write-off is not self-issue: the technician still records it.
    assert!(check_author(&tech, &write_off(TERMINALS, 1, &[]), &site.policy).is_ok());
}

#[test]
fn only_a_controller_adjusts_the_books() {
    let site = site();
    let count = Body::Count {
        item: CABLE.into(),
        bin: SHELF2.into(),
        batch: None,
        condition: Condition::New,
        counted: q(1),
        adjust: true,
    };
    for (user, ok) in [(CLERK, false), (CONTROLLER, true)] {
        let u = site
            .users
            .iter()
            .find(|x| x.id.as_str() == user)
            .expect("user");
        assert_eq!(check_author(u, &count, &site.policy).is_ok(), ok, "{user}");
    }
}
