//! The domain article's scenarios, each told as a test.

mod common;

use common::*;
use sparescan_core::document::*;
use sparescan_core::ids::SerialNo;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::{Blocker, ReasonCode};
use sparescan_core::rules::{closure_blockers, overdue_tools};

/// A UPS goes to bypass; the battery module is replaced. The issue records
/// the module's serial, the write-off records the removed module's serial,
/// the unused consumables come back, and the order closes.
#[test]
fn ups_battery_module_replaced_and_order_closed() {
    let mut site = site();
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .line("L-TERM", TERMINALS, 10)
        .line("L-ZIP", ZIP_TIES, 20)
        .add();
    let mut book = Book::new(site);

    // The clerk issues strictly against the order: module by serial, and the
    // consumables, to the technician.
    let battery_issue = book.accept(
        doc(
            CLERK,
            Body::Issue {
                pick: pick_serials(BATTERY, SHELF, &["BM-0101"]),
                holder: Some(TECH.into()),
            },
        )
        .on("WO-UPS", "L-BATT"),
    );
    let terminals_issue =
        book.accept(doc(CLERK, issue(pick(TERMINALS, SHELF, 10))).on("WO-UPS", "L-TERM"));
    let zip_issue = book.accept(doc(CLERK, issue(pick(ZIP_TIES, SHELF, 20))).on("WO-UPS", "L-ZIP"));
    assert!(matches!(
        book.serial(BATTERY, "BM-0101"),
        Some(SerialState::InWork { ref holder, .. }) if holder.as_str() == TECH
    ));

    // The engineer installs the module, records the removed one, and uses
    // part of the consumables.
    book.accept(
        doc(
            TECH,
            Body::WriteOff {
                item: BATTERY.into(),
                batch: None,
                qty: q(1),
                installed: vec!["BM-0101".into()],
                position: Some("slot 1".into()),
                removed: vec![RemovedUnit {
                    item: BATTERY.into(),
                    serial: "BM-0001".into(),
                }],
            },
        )
        .on("WO-UPS", "L-BATT")
        .at(60),
    );
    book.accept(
        doc(TECH, write_off(TERMINALS, 6, &[]))
            .on("WO-UPS", "L-TERM")
            .at(61),
    );
    book.accept(
        doc(TECH, write_off(ZIP_TIES, 12, &[]))
            .on("WO-UPS", "L-ZIP")
            .at(62),
    );

    // Unused consumables go back to stock against their issues.
    book.accept(
        doc(CLERK, ret(TERMINALS, 4, Condition::New, SHELF))
            .wo("WO-UPS")
            .follows(terminals_issue)
            .at(90),
    );
    book.accept(
        doc(CLERK, ret(ZIP_TIES, 8, Condition::New, SHELF))
            .wo("WO-UPS")
            .follows(zip_issue)
            .at(91),
    );
    // The removed module goes to quarantine for failure analysis.
    book.accept(
        doc(
            CLERK,
            Body::RemovedUnitReturn {
                item: BATTERY.into(),
                serial: "BM-0001".into(),
                condition: Condition::UnderInspection,
                to_bin: QUARANTINE.into(),
            },
        )
        .wo("WO-UPS")
        .at(92),
    );

    book.accept(
        doc(SUPERVISOR, status(Transition::Complete))
            .wo("WO-UPS")
            .at(100),
    );
    book.accept(
        doc(SUPERVISOR, status(Transition::Close))
            .wo("WO-UPS")
            .at(101),
    );

    // The picture is transparent.
    assert_eq!(book.wo_status("WO-UPS"), WoStatus::Closed);
    assert_eq!(
        book.serial(BATTERY, "BM-0101"),
        Some(SerialState::Installed {
            asset: UPS.into(),
            work_order: Some("WO-UPS".into()),
            position: Some("slot 1".into()),
        })
    );
    assert!(matches!(
        book.serial(BATTERY, "BM-0001"),
        Some(SerialState::InStock { ref bin, condition: Condition::UnderInspection, .. })
            if bin.as_str() == QUARANTINE
    ));
    let terms = book.counts("L-TERM");
    assert_eq!(
        (terms.issued, terms.written_off, terms.returned),
        (q(10), q(6), q(4))
    );
    assert_eq!(terms.in_work(), q(0));
    assert_eq!(book.counts("L-ZIP").returned, q(8));
    assert_eq!(book.stock(TERMINALS, SHELF, Condition::New), q(44));
    assert_eq!(book.ledger.available(&TERMINALS.into()), q(44));
    // The removed module never counts as available.
    assert_eq!(book.ledger.available(&BATTERY.into()), q(1));
    let _ = battery_issue;
}

/// Four filters planned, two on the shelf: the reserve is partially
/// supplied, two are issued, the other two stay reserved with the shortfall
/// visible, and a transfer from the north store confirms them.
#[test]
fn four_filters_planned_two_issued_shortfall_stays_visible() {
    let mut site = site();
    work_order(&mut site, "WO-AHU", CABINET)
        .status(WoStatus::Approved)
        .line("L-FLT", FILTER, 4)
        .add();
    let mut book = Book::new(site);

    let reserve = book.accept(
        doc(
            CLERK,
            Body::Reserve {
                warehouse: WH.into(),
                qty: q(4),
            },
        )
        .on("WO-AHU", "L-FLT"),
    );
    let r = &book.reserves("L-FLT")[0];
    assert_eq!((r.open, r.locked, r.shortfall()), (q(4), q(2), q(2)));
    assert_eq!(r.status(), ReserveStatus::PartiallySupplied);

    book.accept(doc(TECH, status(Transition::Start)).wo("WO-AHU").at(5));
    book.accept(
        doc(CLERK, issue(pick(FILTER, SHELF, 2)))
            .on("WO-AHU", "L-FLT")
            .at(10),
    );

    // Two issued; the reserve keeps the remaining two, none of them on the
    // shelf: the shortfall is shown, not forgotten.
    let r = &book.reserves("L-FLT")[0];
    assert_eq!(r.id, reserve);
    assert_eq!((r.open, r.locked, r.shortfall()), (q(2), q(0), q(2)));
    assert!(r.is_active());
    assert_eq!(book.counts("L-FLT").issued, q(2));

    // The north store sends two for this reserve; the reserve confirms
    // only when they are received.
    let transfer = book.accept(
        doc(
            CLERK,
            Body::TransferOut {
                pick: pick(FILTER, NORTH_SHELF, 2),
                to_warehouse: WH.into(),
                for_reserve: Some(reserve),
            },
        )
        .at(20),
    );
    assert_eq!(
        book.reserves("L-FLT")[0].locked,
        q(0),
        "in transit is not available"
    );
    assert_eq!(
        book.ledger.available(&FILTER.into()),
        q(4),
        "north has 4 left"
    );
    book.accept(
        doc(
            CLERK,
            Body::TransferIn {
                to_bin: SHELF.into(),
                qty: q(2),
                serials: vec![],
            },
        )
        .follows(transfer)
        .at(60),
    );
    let r = &book.reserves("L-FLT")[0];
    assert_eq!(r.status(), ReserveStatus::Confirmed);
    assert_eq!((r.open, r.locked), (q(2), q(2)));
}

/// A reserve's confirmation names no order, but it belongs to its reserve's
/// order: once that order is closed, correcting the confirmation is
/// refused, even when the reserve itself was corrected away before (found
/// by property 5a of domain_properties).
#[test]
fn a_reserve_confirmation_is_not_corrected_once_its_order_is_closed() {
    let mut site = site();
    work_order(&mut site, "WO-AHU", CABINET)
        .status(WoStatus::Approved)
        .line("L-FLT", FILTER, 4)
        .add();
    let mut book = Book::new(site);
    let reserve = book.accept(
        doc(
            SUPERVISOR,
            Body::Reserve {
                warehouse: WH.into(),
                qty: q(2),
            },
        )
        .on("WO-AHU", "L-FLT"),
    );
    let confirm = book.accept(doc(DISPATCHER, Body::ReserveConfirm { reserve }).at(1));
    book.accept(
        doc(SUPERVISOR, Body::Correction)
            .follows(reserve)
            .reason("reserved on the wrong order")
            .approver(CONTROLLER)
            .at(2),
    );
    book.accept(doc(TECH, status(Transition::Start)).wo("WO-AHU").at(3));
    book.accept(doc(TECH, status(Transition::Complete)).wo("WO-AHU").at(4));
    book.accept(
        doc(SUPERVISOR, status(Transition::Close))
            .wo("WO-AHU")
            .at(5),
    );
    assert_eq!(book.wo_status("WO-AHU"), WoStatus::Closed);

    book.refuse(
        doc(CONTROLLER, Body::Correction)
            .follows(confirm)
            .reason("confirmed by mistake")
            .approver(SUPERVISOR)
            .at(6),
        ReasonCode::WorkOrderStatus,
    );
}

/// A mechanic took two bearings, installed one and returned the other
/// opened: the warehouse keeps controlled stock, flagged opened.
#[test]
fn two_bearings_one_installed_one_returned_opened() {
    let mut site = site();
    work_order(&mut site, "WO-CONV", PUMP)
        .line("L-BRG", BEARING, 2)
        .add();
    let mut book = Book::new(site);
    let issued = book.accept(doc(CLERK, issue(pick(BEARING, SHELF2, 2))).on("WO-CONV", "L-BRG"));
    book.accept(doc(TECH, write_off(BEARING, 1, &[])).on("WO-CONV", "L-BRG"));
    book.accept(
        doc(CLERK, ret(BEARING, 1, Condition::Opened, RETURNS))
            .wo("WO-CONV")
            .follows(issued),
    );

    assert_eq!(book.stock(BEARING, RETURNS, Condition::Opened), q(1));
    // Opened stock is available again, and the stock row says it is opened.
    assert_eq!(book.ledger.available(&BEARING.into()), q(9));
    let c = book.counts("L-BRG");
    assert_eq!(
        (c.issued, c.written_off, c.returned, c.in_work()),
        (q(2), q(1), q(1), q(0))
    );
    // An opened bearing can be issued again, when asked for explicitly.
    let mut site_wo = book.ledger.work_order(&"WO-CONV".into()).expect("wo");
    site_wo.id = "WO-CONV-2".into();
    book.ledger.upsert_work_order(
        site_wo,
        vec![DemandLine {
            id: "L-BRG-2".into(),
            work_order: "WO-CONV-2".into(),
            task: None,
            item: BEARING.into(),
            planned: q(1),
            unit: "pcs".into(),
            mandatory: true,
            substitutes: vec![],
            tolerance_percent: None,
            requested_by: DISPATCHER.into(),
            additional: false,
            cost_account: None,
            planned_max: None,
            clarified: None,
            approved: None,
        }],
    );
    book.accept(
        doc(
            CLERK,
            issue(Pick {
                condition: Condition::Opened,
                ..pick(BEARING, RETURNS, 1)
            }),
        )
        .on("WO-CONV-2", "L-BRG-2"),
    );
    assert_eq!(book.stock(BEARING, RETURNS, Condition::Opened), q(0));
}

/// A fan in a server cabinet is replaced; the old fan (never recorded in
/// the ledger) is returned as faulty into quarantine; the order closes with
/// no excess issues; inspection rejects the old fan.
#[test]
fn server_cabinet_fan_replaced_old_fan_to_quarantine() {
    let mut site = site();
    work_order(&mut site, "WO-FAN", CABINET)
        .line("L-FAN", FAN, 1)
        .add();
    let mut book = Book::new(site);
    let available_before = book.ledger.available(&FAN.into());

    book.accept(doc(CLERK, issue(pick_serials(FAN, SHELF2, &["FAN-A1"]))).on("WO-FAN", "L-FAN"));
    book.accept(
        doc(
            TECH,
            Body::WriteOff {
                item: FAN.into(),
                batch: None,
                qty: q(1),
                installed: vec!["FAN-A1".into()],
                position: Some("top".into()),
                removed: vec![RemovedUnit {
                    item: FAN.into(),
                    serial: "FAN-OLD-77".into(),
                }],
            },
        )
        .on("WO-FAN", "L-FAN"),
    );
    // The unit the ledger never saw was created at removal.
    assert!(matches!(
        book.serial(FAN, "FAN-OLD-77"),
        Some(SerialState::Removed { ref asset, .. }) if asset.as_str() == CABINET
    ));
    // It cannot go back to available stock directly.
    book.refuse(
        doc(
            CLERK,
            Body::RemovedUnitReturn {
                item: FAN.into(),
                serial: "FAN-OLD-77".into(),
                condition: Condition::New,
                to_bin: SHELF2.into(),
            },
        )
        .wo("WO-FAN"),
        ReasonCode::ZoneMismatch,
    );
    // Closure waits for the old fan.
    let blockers = closure_blockers(&book.ledger, &"WO-FAN".into()).expect("memory ledger");
    assert_eq!(
        blockers,
        vec![Blocker::RemovedUnitNotReturned {
            item: FAN.into(),
            serial: "FAN-OLD-77".into()
        }]
    );
    book.accept(
        doc(
            CLERK,
            Body::RemovedUnitReturn {
                item: FAN.into(),
                serial: "FAN-OLD-77".into(),
                condition: Condition::UnderInspection,
                to_bin: QUARANTINE.into(),
            },
        )
        .wo("WO-FAN"),
    );
    book.accept(doc(SUPERVISOR, status(Transition::Close)).wo("WO-FAN"));

    // Quarantine never adds to available stock.
    assert_eq!(book.ledger.available(&FAN.into()), available_before - q(1));
    // The inspection rejects it: it goes to the rejected bin.
    book.accept(doc(
        CONTROLLER,
        Body::InspectionDecision {
            item: FAN.into(),
            from_bin: QUARANTINE.into(),
            batch: None,
            serials: vec!["FAN-OLD-77".into()],
            qty: q(1),
            decision: Decision::Reject {
                to_bin: REJECTED.into(),
            },
        },
    ));
    assert!(matches!(
        book.serial(FAN, "FAN-OLD-77"),
        Some(SerialState::InStock {
            condition: Condition::Rejected,
            ..
        })
    ));
    assert_eq!(book.ledger.available(&FAN.into()), available_before - q(1));
    let c = book.counts("L-FAN");
    assert_eq!((c.issued, c.written_off, c.returned), (q(1), q(1), q(0)));
}

/// "Urgent, to avoid downtime": an issue without a work order is refused;
/// the supervisor approves an emergency issue, which counts as issued
/// without an order until the dispatcher's order is linked.
#[test]
fn issue_without_order_refused_then_emergency_issue_linked_later() {
    let mut book = Book::new(site());
    book.refuse(
        doc(TECH, issue(pick(CABLE, SHELF2, 1))),
        ReasonCode::NoWorkOrder,
    );
    // Without the supervisor's approval, no emergency issue either.
    book.refuse(
        doc(
            TECH,
            Body::EmergencyIssue {
                pick: pick(CABLE, SHELF2, 1),
                asset: Some(PUMP.into()),
                holder: None,
            },
        )
        .reason("pump down, line stopped"),
        ReasonCode::ApproverRequired,
    );
    let emergency = book.accept(
        doc(
            TECH,
            Body::EmergencyIssue {
                pick: pick(CABLE, SHELF2, 1),
                asset: Some(PUMP.into()),
                holder: None,
            },
        )
        .reason("pump down, line stopped")
        .approver(SUPERVISOR),
    );
    let unlinked: Vec<_> = book
        .ledger
        .emergencies()
        .into_iter()
        .filter(|e| e.linked.is_none())
        .collect();
    assert_eq!(unlinked.len(), 1, "counted as issued without an order");

    // The dispatcher creates the order afterwards.
    let mut master = site();
    work_order(&mut master, "WO-PUMP", PUMP)
        .status(WoStatus::Created)
        .line("L-CBL", CABLE, 1)
        .add();
    book.ledger.upsert_work_order(
        master.work_orders.remove(0),
        master.lines.drain(..).collect(),
    );
    book.accept(
        doc(ENGINEER, status(Transition::Approve))
            .wo("WO-PUMP")
            .at(30),
    );
    book.accept(doc(TECH, status(Transition::Start)).wo("WO-PUMP").at(31));
    // The order on that asset cannot close while the emergency issue waits.
    assert!(
        closure_blockers(&book.ledger, &"WO-PUMP".into())
            .expect("memory ledger")
            .contains(&Blocker::EmergencyNotLinked {
                emergency,
                item: CABLE.into()
            })
    );
    book.accept(
        doc(CLERK, Body::EmergencyLink { emergency })
            .on("WO-PUMP", "L-CBL")
            .at(32),
    );
    book.refuse(
        doc(CLERK, Body::EmergencyLink { emergency })
            .on("WO-PUMP", "L-CBL")
            .at(33),
        ReasonCode::AlreadyLinked,
    );
    assert_eq!(book.counts("L-CBL").issued, q(1));
    book.accept(
        doc(TECH, write_off(CABLE, 1, &[]))
            .on("WO-PUMP", "L-CBL")
            .at(40),
    );
    book.accept(
        doc(SUPERVISOR, status(Transition::Close))
            .wo("WO-PUMP")
            .at(41),
    );
    assert!(book.ledger.emergencies().iter().all(|e| e.linked.is_some()));
}

/// The wrong serial was recorded at issue: a correction reverses the issue
/// and a re-issue with the right serial follows it. History is kept.
#[test]
fn wrong_serial_corrected_by_reversal_and_reissue() {
    let mut site = site();
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .add();
    let mut book = Book::new(site);
    let wrong = book.accept(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-UPS", "L-BATT"),
    );
    // A correction needs a reason and an approver other than the author.
    book.refuse(
        doc(CLERK, Body::Correction)
            .follows(wrong)
            .approver(SUPERVISOR),
        ReasonCode::ReasonRequired,
    );
    book.refuse(
        doc(CLERK, Body::Correction)
            .follows(wrong)
            .reason("wrong serial scanned"),
        ReasonCode::ApproverRequired,
    );
    let correction = book.accept(
        doc(CLERK, Body::Correction)
            .follows(wrong)
            .reason("wrong serial scanned: BM-0102 was taken")
            .approver(SUPERVISOR)
            .at(5),
    );
    book.accept(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0102"])))
            .on("WO-UPS", "L-BATT")
            .follows(correction)
            .at(6),
    );

    assert!(matches!(
        book.serial(BATTERY, "BM-0101"),
        Some(SerialState::InStock { ref bin, .. }) if bin.as_str() == SHELF
    ));
    assert!(matches!(
        book.serial(BATTERY, "BM-0102"),
        Some(SerialState::InWork { .. })
    ));
    assert_eq!(book.counts("L-BATT").issued, q(1));
    // The wrong issue stays in the ledger, marked reversed; it cannot be
    // reversed twice.
    let original = book.ledger.accepted(&wrong).expect("kept in the ledger");
    assert_eq!(original.reversed_by, Some(correction));
    book.refuse(
        doc(CLERK, Body::Correction)
            .follows(wrong)
            .reason("again")
            .approver(SUPERVISOR)
            .at(7),
        ReasonCode::AlreadyReversed,
    );
    assert_eq!(book.ledger.accepted_docs().count(), 3);
}

/// Closure is refused while anything is left, listing every blocker; once
/// each is cleared the order closes.
#[test]
fn closure_refused_with_blockers_listed_then_allowed() {
    let mut site = site();
    site.policy.serial_required_items.insert(CABLE.into());
    work_order(&mut site, "WO-PC", PUMP)
        .line("L-CTRL", PUMP_CTRL, 1)
        .line("L-FLT", FILTER, 1)
        .line("L-CBL", CABLE, 1)
        .add();
    let mut book = Book::new(site);
    let reserve = book.accept(
        doc(
            CLERK,
            Body::Reserve {
                warehouse: WH.into(),
                qty: q(1),
            },
        )
        .on("WO-PC", "L-FLT"),
    );
    book.accept(
        doc(CLERK, issue(pick_serials(PUMP_CTRL, SHELF, &["PC-NEW-1"]))).on("WO-PC", "L-CTRL"),
    );
    book.accept(doc(CLERK, issue(pick(CABLE, SHELF2, 1))).on("WO-PC", "L-CBL"));
    // The cable's serial must be captured at write-off; it was not.
    let cable_wo = book.accept(doc(TECH, write_off(CABLE, 1, &[])).on("WO-PC", "L-CBL"));
    let tool = book.accept(
        doc(
            TECH,
            Body::ToolCheckout {
                pick: pick_serials(DRILL, SHELF2, &["DR-1"]),
                due: at(240),
                holder: None,
            },
        )
        .wo("WO-PC"),
    );

    let refusal = book.refuse(
        doc(SUPERVISOR, status(Transition::Close))
            .wo("WO-PC")
            .at(10),
        ReasonCode::ClosureBlocked,
    );
    assert_eq!(
        refusal.blockers,
        vec![
            Blocker::InWork {
                line: "L-CTRL".into(),
                item: PUMP_CTRL.into(),
                qty: q(1)
            },
            Blocker::ReserveHeld {
                reserve,
                line: "L-FLT".into(),
                open: q(1)
            },
            Blocker::WriteOffLacksSerial {
                write_off: cable_wo,
                item: CABLE.into(),
                missing: 1
            },
            Blocker::ToolOut {
                checkout: tool,
                item: DRILL.into()
            },
        ]
    );
    assert!(
        refusal.message.contains("still in work"),
        "{}",
        refusal.message
    );

    // Completing work with items in work moves the order to awaiting return.
    book.accept(doc(TECH, status(Transition::Complete)).wo("WO-PC").at(11));
    assert_eq!(book.wo_status("WO-PC"), WoStatus::AwaitingReturn);

    // Clear each blocker.
    book.accept(
        doc(
            SUPERVISOR,
            Body::WriteOff {
                item: PUMP_CTRL.into(),
                batch: None,
                qty: q(1),
                installed: vec!["PC-NEW-1".into()],
                position: None,
                removed: vec![RemovedUnit {
                    item: PUMP_CTRL.into(),
                    serial: "PC-OLD-1".into(),
                }],
            },
        )
        .on("WO-PC", "L-CTRL")
        .at(20),
    );
    book.accept(
        doc(
            CLERK,
            Body::RemovedUnitReturn {
                item: PUMP_CTRL.into(),
                serial: "PC-OLD-1".into(),
                condition: Condition::UnderInspection,
                to_bin: QUARANTINE.into(),
            },
        )
        .wo("WO-PC")
        .at(21),
    );
    book.accept(doc(CLERK, Body::ReserveRelease { reserve, qty: None }).at(22));
    let correction = book.accept(
        doc(SUPERVISOR, Body::Correction)
            .follows(cable_wo)
            .reason("serial confirmed on site")
            .approver(CONTROLLER)
            .at(23),
    );
    book.accept(
        doc(SUPERVISOR, write_off(CABLE, 1, &["CBL-778812"]))
            .on("WO-PC", "L-CBL")
            .follows(correction)
            .at(24),
    );
    book.accept(
        doc(
            TECH,
            Body::ToolReturn {
                to_bin: SHELF2.into(),
            },
        )
        .follows(tool)
        .at(25),
    );

    assert!(
        closure_blockers(&book.ledger, &"WO-PC".into())
            .expect("memory ledger")
            .is_empty()
    );
    book.accept(
        doc(SUPERVISOR, status(Transition::Close))
            .wo("WO-PC")
            .at(30),
    );
    assert_eq!(book.wo_status("WO-PC"), WoStatus::Closed);
    assert!(matches!(
        book.serial(CABLE, "CBL-778812"),
        Some(SerialState::Installed { ref asset, .. }) if asset.as_str() == PUMP
    ));
}

/// Work is frozen: putting the order on hold releases its reserves, stops
/// issues, still takes returns, and resumes where it was.
#[test]
fn order_on_hold_releases_its_reserves() {
    let mut site = site();
    work_order(&mut site, "WO-HOLD", CABINET)
        .line("L-BRG", BEARING, 4)
        .line("L-TERM", TERMINALS, 5)
        .add();
    let mut book = Book::new(site);
    book.accept(
        doc(
            CLERK,
            Body::Reserve {
                warehouse: WH.into(),
                qty: q(4),
            },
        )
        .on("WO-HOLD", "L-BRG"),
    );
    assert_eq!(book.ledger.available(&BEARING.into()), q(6));
    let issued = book.accept(doc(CLERK, issue(pick(TERMINALS, SHELF, 5))).on("WO-HOLD", "L-TERM"));

    book.accept(
        doc(DISPATCHER, status(Transition::Hold))
            .wo("WO-HOLD")
            .at(10),
    );
    assert_eq!(book.wo_status("WO-HOLD"), WoStatus::OnHold);
    let r = &book.reserves("L-BRG")[0];
    assert_eq!(r.status(), ReserveStatus::Cancelled);
    assert_eq!(r.locked, q(0));
    assert_eq!(book.ledger.available(&BEARING.into()), q(10), "stock freed");

    book.refuse(
        doc(CLERK, issue(pick(BEARING, SHELF2, 1)))
            .on("WO-HOLD", "L-BRG")
            .at(11),
        ReasonCode::WorkOrderStatus,
    );
    book.refuse(
        doc(
            CLERK,
            Body::Reserve {
                warehouse: WH.into(),
                qty: q(1),
            },
        )
        .on("WO-HOLD", "L-BRG")
        .at(11),
        ReasonCode::WorkOrderStatus,
    );
    book.accept(
        doc(CLERK, ret(TERMINALS, 5, Condition::New, SHELF))
            .wo("WO-HOLD")
            .follows(issued)
            .at(12),
    );
    book.accept(
        doc(DISPATCHER, status(Transition::Resume))
            .wo("WO-HOLD")
            .at(13),
    );
    assert_eq!(book.wo_status("WO-HOLD"), WoStatus::InProgress);
}

/// A cancelled order takes back what was issued, and nothing else.
#[test]
fn cancelled_order_accepts_returns_only() {
    let mut site = site();
    work_order(&mut site, "WO-X", PUMP)
        .line("L-TERM", TERMINALS, 4)
        .add();
    let mut book = Book::new(site);
    let issued = book.accept(doc(CLERK, issue(pick(TERMINALS, SHELF, 4))).on("WO-X", "L-TERM"));
    book.accept(doc(DISPATCHER, status(Transition::Cancel)).wo("WO-X").at(5));
    book.refuse(
        doc(CLERK, issue(pick(TERMINALS, SHELF, 1)))
            .on("WO-X", "L-TERM")
            .at(6),
        ReasonCode::WorkOrderStatus,
    );
    book.refuse(
        doc(TECH, write_off(TERMINALS, 1, &[]))
            .on("WO-X", "L-TERM")
            .at(6),
        ReasonCode::WorkOrderStatus,
    );
    // Closing the cancelled order waits for the return.
    book.refuse(
        doc(SUPERVISOR, status(Transition::Close)).wo("WO-X").at(7),
        ReasonCode::ClosureBlocked,
    );
    book.accept(
        doc(CLERK, ret(TERMINALS, 4, Condition::New, SHELF))
            .wo("WO-X")
            .follows(issued)
            .at(8),
    );
    book.accept(doc(SUPERVISOR, status(Transition::Close)).wo("WO-X").at(9));
    assert_eq!(book.stock(TERMINALS, SHELF, Condition::New), q(50));
}

/// The technician who requested the part may not issue it to himself.
#[test]
fn separation_of_duties_refuses_the_requester_as_issuer() {
    let mut site = site();
    work_order(&mut site, "WO-SOD", PUMP)
        .line_by("L-CBL", CABLE, 1, TECH)
        .add();
    let mut book = Book::new(site.clone());
    let refusal = book.refuse(
        doc(TECH, issue(pick(CABLE, SHELF2, 1))).on("WO-SOD", "L-CBL"),
        ReasonCode::SeparationOfDuties,
    );
    assert!(refusal.message.contains(TECH));
    // Another technician may issue it to him.
    book.accept(
        doc(
            TECH2,
            Body::Issue {
                pick: pick(CABLE, SHELF2, 1),
                holder: Some(TECH.into()),
            },
        )
        .on("WO-SOD", "L-CBL"),
    );
    // Where the site does not separate duties, the requester may.
    site.policy.separation_of_duties = false;
    let mut relaxed = Book::new(site);
    relaxed.accept(doc(TECH, issue(pick(CABLE, SHELF2, 1))).on("WO-SOD", "L-CBL"));
}

/// A tool goes out for the job, is flagged when overdue, comes back, and is
/// never written off.
#[test]
fn tool_checked_out_overdue_then_returned() {
    let mut site = site();
    work_order(&mut site, "WO-T", PUMP)
        .line("L-BRG", BEARING, 1)
        .add();
    let mut book = Book::new(site);
    let checkout = book.accept(
        doc(
            TECH,
            Body::ToolCheckout {
                pick: pick_serials(DRILL, SHELF2, &["DR-1"]),
                due: at(120),
                holder: None,
            },
        )
        .wo("WO-T"),
    );
    assert!(
        overdue_tools(&book.ledger, at(60))
            .expect("memory ledger")
            .is_empty()
    );
    let overdue = overdue_tools(&book.ledger, at(121)).expect("memory ledger");
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].holder.as_str(), TECH);
    // Tools are not consumed: neither issued nor written off.
    book.refuse(
        doc(CLERK, issue(pick_serials(DRILL, SHELF2, &["DR-1"]))).on("WO-T", "L-BRG"),
        ReasonCode::ToolNotConsumable,
    );
    book.refuse(
        doc(TECH, write_off(DRILL, 1, &["DR-1"])).on("WO-T", "L-BRG"),
        ReasonCode::ToolNotConsumable,
    );
    book.accept(
        doc(
            TECH,
            Body::ToolReturn {
                to_bin: SHELF2.into(),
            },
        )
        .follows(checkout)
        .at(130),
    );
    assert!(
        overdue_tools(&book.ledger, at(200))
            .expect("memory ledger")
            .is_empty()
    );
    assert!(matches!(
        book.serial(DRILL, "DR-1"),
        Some(SerialState::InStock { .. })
    ));
}

/// Planned two cables, three needed: a plain issue over plan plus tolerance
/// is refused; an additional issue with a reason and an approver other than
/// the requester is accepted and creates a line marked additional.
#[test]
fn issue_over_tolerance_refused_then_accepted_as_additional_issue() {
    let mut site = site();
    work_order(&mut site, "WO-CBL", CABINET)
        .line("L-CBL", CABLE, 2)
        .add();
    let mut book = Book::new(site);
    book.accept(doc(CLERK, issue(pick(CABLE, SHELF2, 2))).on("WO-CBL", "L-CBL"));
    let refusal = book.refuse(
        doc(CLERK, issue(pick(CABLE, SHELF2, 1))).on("WO-CBL", "L-CBL"),
        ReasonCode::OverTolerance,
    );
    assert!(refusal.what_to_do.contains("additional issue"));

    let additional = |approver: Option<&str>| {
        let d = doc(
            CLERK,
            Body::AdditionalIssue {
                pick: pick(CABLE, SHELF2, 1),
                new_line: "L-CBL-ADD".into(),
                task: None,
                holder: Some(TECH.into()),
                approval: None,
            },
        )
        .on("WO-CBL", "L-CBL")
        .reason("second power feed found during the job");
        match approver {
            Some(a) => d.approver(a),
            None => d,
        }
    };
    book.refuse(additional(None), ReasonCode::ApproverRequired);
    book.refuse(additional(Some(CLERK)), ReasonCode::ApproverIsAuthor);
    book.refuse(additional(Some(TECH2)), ReasonCode::ApproverNotAllowed);
    book.accept(additional(Some(ENGINEER)));

    let line = book.ledger.line(&"L-CBL-ADD".into()).expect("line created");
    assert!(line.additional);
    assert_eq!(line.planned, q(1));
    assert_eq!(line.task, Some("T1".into()));
    assert_eq!(book.counts("L-CBL-ADD").issued, q(1));
}

/// Two people cannot hold the same unit: the second issue of a serial is
/// refused naming who has it.
#[test]
fn the_same_serial_cannot_be_in_two_hands() {
    let mut site = site();
    work_order(&mut site, "WO-A", UPS)
        .line("L-A", BATTERY, 1)
        .add();
    work_order(&mut site, "WO-B", UPS)
        .line("L-B", BATTERY, 1)
        .add();
    let mut book = Book::new(site);
    book.accept(
        doc(
            CLERK,
            Body::Issue {
                pick: pick_serials(BATTERY, SHELF, &["BM-0101"]),
                holder: Some(TECH.into()),
            },
        )
        .on("WO-A", "L-A"),
    );
    let refusal = book.refuse(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-B", "L-B"),
        ReasonCode::SerialHeldElsewhere,
    );
    assert!(refusal.message.contains(TECH), "{}", refusal.message);
    assert!(refusal.message.contains("WO-A"), "{}", refusal.message);
}

/// Misreads and bad stock are caught at the shelf.
#[test]
fn expired_batches_bad_serials_and_quarantine_are_refused_at_issue() {
    let mut site = site();
    work_order(&mut site, "WO-G", PUMP)
        .line("L-GR", GREASE, 2)
        .line("L-BATT", BATTERY, 1)
        .add();
    let mut book = Book::new(site);
    book.refuse(
        doc(CLERK, issue(pick(GREASE, SHELF2, 1))).on("WO-G", "L-GR"),
        ReasonCode::BatchRequired,
    );
    book.refuse(
        doc(CLERK, issue(pick_batch(GREASE, SHELF2, "G-OLD", 1))).on("WO-G", "L-GR"),
        ReasonCode::BatchExpired,
    );
    book.accept(doc(CLERK, issue(pick_batch(GREASE, SHELF2, "G-NEW", 1))).on("WO-G", "L-GR"));
    book.refuse(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-101"]))).on("WO-G", "L-BATT"),
        ReasonCode::SerialFormat,
    );
    book.refuse(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-9999"]))).on("WO-G", "L-BATT"),
        ReasonCode::SerialUnknown,
    );
    book.refuse(
        doc(CLERK, issue(pick(BATTERY, SHELF, 1))).on("WO-G", "L-BATT"),
        ReasonCode::SerialRequired,
    );
    book.refuse(
        doc(CLERK, issue(pick(GREASE, QUARANTINE, 1))).on("WO-G", "L-GR"),
        ReasonCode::ZoneMismatch,
    );
    book.refuse(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-G", "L-GR"),
        ReasonCode::ItemNotOnLine,
    );
}

/// Books versus facts: the part has left the shelf although the books show
/// less. The issue is accepted with an exception that opens a discrepancy
/// for a controller; a site can make it a refusal instead.
#[test]
fn stock_shortfall_is_a_fact_accepted_with_a_discrepancy() {
    let mut site = site();
    work_order(&mut site, "WO-S", PUMP)
        .line("L-FLT", FILTER, 3)
        .add();
    let mut book = Book::new(site.clone());
    let outcome = book
        .submit(doc(CLERK, issue(pick(FILTER, SHELF, 3))).on("WO-S", "L-FLT"))
        .expect("accepted with an exception");
    assert_eq!(outcome.exceptions, vec![ReasonCode::StockShortfall]);
    assert_eq!(book.stock(FILTER, SHELF, Condition::New), q(0));
    let d: Vec<_> = book.ledger.projections().discrepancies.values().collect();
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].book, d[0].actual), (q(2), q(3)));
    assert_eq!(book.counts("L-FLT").issued, q(3));

    site.policy.exceptions.clear();
    let mut strict = Book::new(site);
    strict.refuse(
        doc(CLERK, issue(pick(FILTER, SHELF, 3))).on("WO-S", "L-FLT"),
        ReasonCode::StockShortfall,
    );
}

/// Substitutions are recorded as replacements with a reason: a listed
/// substitute needs only the reason, another item an engineer's approval.
#[test]
fn substitution_needs_a_reason_and_a_listed_item_or_an_engineer() {
    let mut site = site();
    work_order(&mut site, "WO-F", CABINET)
        .line("L-FAN", FAN, 1)
        .add();
    work_order(&mut site, "WO-F2", CABINET)
        .line("L-FAN2", FAN, 1)
        .add();
    let mut book = Book::new(site);
    let sub = |p: Pick| Body::SubstitutionIssue {
        pick: p,
        holder: None,
        approval: None,
    };
    book.refuse(
        doc(CLERK, sub(pick_serials(FAN_ALT, SHELF2, &["FANB-1"]))).on("WO-F", "L-FAN"),
        ReasonCode::ReasonRequired,
    );
    book.accept(
        doc(CLERK, sub(pick_serials(FAN_ALT, SHELF2, &["FANB-1"])))
            .on("WO-F", "L-FAN")
            .reason("FAN-120 out of stock"),
    );
    assert_eq!(book.counts("L-FAN").issued, q(1));
    // The pump controller is no listed substitute for a fan.
    book.refuse(
        doc(CLERK, sub(pick_serials(PUMP_CTRL, SHELF, &["PC-NEW-2"])))
            .on("WO-F2", "L-FAN2")
            .reason("try"),
        ReasonCode::SubstituteNotAllowed,
    );
    book.accept(
        doc(CLERK, sub(pick_serials(PUMP_CTRL, SHELF, &["PC-NEW-2"])))
            .on("WO-F2", "L-FAN2")
            .reason("engineer approved a different part")
            .approver(ENGINEER),
    );
}

/// A count records the discrepancy without touching the books; only a
/// controller adjusts them.
#[test]
fn counts_record_discrepancies_and_only_controllers_adjust() {
    let mut book = Book::new(site());
    let count = |adjust| Body::Count {
        item: CABLE.into(),
        bin: SHELF2.into(),
        batch: None,
        condition: Condition::New,
        counted: q(4),
        adjust,
    };
    book.accept(doc(CLERK, count(false)));
    assert_eq!(book.stock(CABLE, SHELF2, Condition::New), q(5));
    assert_eq!(book.ledger.projections().discrepancies.len(), 1);
    book.refuse(doc(CLERK, count(true)), ReasonCode::RoleNotAllowed);
    book.accept(doc(CONTROLLER, count(true)));
    assert_eq!(book.stock(CABLE, SHELF2, Condition::New), q(4));
}

/// An accountant closes a period; documents dated inside it are refused,
/// corrections post in the open period.
#[test]
fn closed_period_refuses_backdated_documents() {
    let mut site = site();
    work_order(&mut site, "WO-P", PUMP)
        .line("L-TERM", TERMINALS, 5)
        .add();
    let mut book = Book::new(site);
    let issued = book.accept(doc(CLERK, issue(pick(TERMINALS, SHELF, 2))).on("WO-P", "L-TERM"));
    book.refuse(
        doc(CLERK, Body::PeriodClose { until: day(19) }),
        ReasonCode::RoleNotAllowed,
    );
    book.accept(doc(ACCOUNTANT, Body::PeriodClose { until: day(19) }));
    book.refuse(
        doc(ACCOUNTANT, Body::PeriodClose { until: day(18) }),
        ReasonCode::PeriodNotAfter,
    );
    let backdated = doc(CLERK, issue(pick(TERMINALS, SHELF, 1)))
        .on("WO-P", "L-TERM")
        .time(at(0) - chrono::Duration::days(2));
    book.refuse(backdated, ReasonCode::PeriodClosed);
    // Today's documents still post.
    book.accept(
        doc(CLERK, ret(TERMINALS, 1, Condition::New, SHELF))
            .wo("WO-P")
            .follows(issued),
    );
}

/// The same document twice is recorded once; the same id with other content
/// is refused.
#[test]
fn a_document_is_recorded_once() {
    let mut site = site();
    work_order(&mut site, "WO-D", PUMP)
        .line("L-TERM", TERMINALS, 5)
        .add();
    let mut book = Book::new(site);
    let d = doc(CLERK, issue(pick(TERMINALS, SHELF, 2))).on("WO-D", "L-TERM");
    let again = d.0.clone();
    let mut changed = d.0.clone();
    book.accept(d);
    let r = book.refuse(D(again), ReasonCode::Duplicate);
    assert_eq!(r.related, Some(changed.id));
    changed.reason = Some("edited".into());
    book.refuse(D(changed), ReasonCode::IdReused);
    assert_eq!(book.counts("L-TERM").issued, q(2));
}

/// Documents that depend on a refused one are refused naming it.
#[test]
fn a_document_following_a_refused_one_is_refused_naming_it() {
    let mut site = site();
    work_order(&mut site, "WO-R", PUMP)
        .line("L-TERM", TERMINALS, 5)
        .add();
    let mut book = Book::new(site);
    let bad = doc(CLERK, issue(pick(TERMINALS, SHELF, 9))).on("WO-R", "L-TERM");
    let bad_id = bad.id();
    book.refuse(bad, ReasonCode::OverTolerance);
    let r = book.refuse(
        doc(CLERK, ret(TERMINALS, 1, Condition::New, SHELF))
            .wo("WO-R")
            .follows(bad_id),
        ReasonCode::ReferenceRefused,
    );
    assert_eq!(r.related, Some(bad_id));
    assert!(r.message.contains("over_tolerance"), "{}", r.message);
}

/// A return under inspection goes to quarantine and is not available until
/// inspection releases it.
#[test]
fn return_under_inspection_is_not_available_until_released() {
    let mut site = site();
    work_order(&mut site, "WO-I", PUMP)
        .line("L-BRG", BEARING, 2)
        .add();
    let mut book = Book::new(site);
    let issued = book.accept(doc(CLERK, issue(pick(BEARING, SHELF2, 2))).on("WO-I", "L-BRG"));
    let before = book.ledger.available(&BEARING.into());
    // Under inspection cannot go to a storage bin.
    book.refuse(
        doc(CLERK, ret(BEARING, 1, Condition::UnderInspection, SHELF2))
            .wo("WO-I")
            .follows(issued),
        ReasonCode::ZoneMismatch,
    );
    book.accept(
        doc(
            CLERK,
            ret(BEARING, 2, Condition::UnderInspection, QUARANTINE),
        )
        .wo("WO-I")
        .follows(issued),
    );
    assert_eq!(book.ledger.available(&BEARING.into()), before);
    book.accept(doc(
        CLERK,
        Body::InspectionDecision {
            item: BEARING.into(),
            from_bin: QUARANTINE.into(),
            batch: None,
            serials: vec![],
            qty: q(1),
            decision: Decision::Release {
                condition: Condition::Opened,
                to_bin: RETURNS.into(),
            },
        },
    ));
    assert_eq!(book.ledger.available(&BEARING.into()), before + q(1));
    book.refuse(
        doc(
            CLERK,
            Body::InspectionDecision {
                item: BEARING.into(),
                from_bin: QUARANTINE.into(),
                batch: None,
                serials: vec![],
                qty: q(2),
                decision: Decision::Reject {
                    to_bin: REJECTED.into(),
                },
            },
        ),
        ReasonCode::NothingToInspect,
    );
}

/// At the shelf the technician scans the later batch; the app hints the
/// earlier-expiring one (never an expired one).
#[test]
fn fefo_hint_points_to_the_earlier_expiring_batch() {
    use sparescan_core::rules::fefo_hint;
    let mut site = site();
    site.batches.push(Batch {
        item: GREASE.into(),
        code: "G-MID".into(),
        expiry: Some(day(28)),
    });
    site.opening_stock.push((
        stock_key(GREASE, SHELF, Some("G-MID"), Condition::New),
        q(1),
    ));
    let book = Book::new(site);
    let hint = fefo_hint(
        &book.ledger,
        &GREASE.into(),
        &WH.into(),
        &"G-NEW".into(),
        day(20),
    )
    .expect("memory ledger");
    assert_eq!(hint, Some(("G-MID".into(), SHELF.into(), day(28))));
    // G-OLD expired on the 10th: not a hint. G-MID is the earliest left.
    assert_eq!(
        fefo_hint(
            &book.ledger,
            &GREASE.into(),
            &WH.into(),
            &"G-MID".into(),
            day(20)
        )
        .expect("memory ledger"),
        None
    );
}

/// A piece or a kit moves in whole units, metres in thousandths (issue 16,
/// item 11): half a kit and a thousandth of a piece were accepted before.
#[test]
fn pieces_and_kits_move_whole_metres_in_fractions() {
    let mut site = site();
    for item in &mut site.items {
        match item.id.as_str() {
            CABLE => item.unit = "m".into(),
            FILTER => item.unit = "kit".into(),
            _ => {}
        }
    }
    work_order(&mut site, "WO-UNITS", CABINET)
        .line("L-ZIP", ZIP_TIES, 10)
        .line("L-CABLE", CABLE, 3)
        .line("L-FLT", FILTER, 2)
        .add();
    let mut book = Book::new(site);
    let milli = |item: &str, bin: &str, milli: i64| {
        let mut p = pick(item, bin, 0);
        p.qty = Qty::from_milli(milli);
        p
    };
    let r = book.refuse(
        doc(CLERK, issue(milli(ZIP_TIES, SHELF, 1))).on("WO-UNITS", "L-ZIP"),
        ReasonCode::QuantityNotWhole,
    );
    assert!(r.message.contains("pcs"), "{r:?}");
    book.accept(
        doc(CLERK, issue(pick(FILTER, SHELF, 2)))
            .on("WO-UNITS", "L-FLT")
            .at(1),
    );
    let write_off_milli = |item: &str, milli: i64| {
        let mut body = write_off(item, 0, &[]);
        if let Body::WriteOff { qty, .. } = &mut body {
            *qty = Qty::from_milli(milli);
        }
        body
    };
    book.refuse(
        doc(TECH, write_off_milli(FILTER, 500))
            .on("WO-UNITS", "L-FLT")
            .at(2),
        ReasonCode::QuantityNotWhole,
    );
    // Metres take fractions: 1.5 m issued, 1.25 m written off.
    book.accept(
        doc(CLERK, issue(milli(CABLE, SHELF2, 1_500)))
            .on("WO-UNITS", "L-CABLE")
            .at(3),
    );
    book.accept(
        doc(TECH, write_off_milli(CABLE, 1_250))
            .on("WO-UNITS", "L-CABLE")
            .at(4),
    );
    assert_eq!(book.counts("L-CABLE").written_off, Qty::from_milli(1_250));
    assert_eq!(
        book.stock(CABLE, SHELF2, Condition::New),
        Qty::from_milli(3_500)
    );
}

/// A site's opening stock and a supplier's delivery are documents, so the
/// ledger explains every unit (issue 16, item 2): plain, serial and batch
/// stock received into bins, each unit new to the ledger, by the roles the
/// matrix names, and a receipt corrected away like any movement.
#[test]
fn opening_stock_and_a_delivery_are_received_into_bins() {
    let mut book = Book::new(site());
    let receipt = |item: &str, bin: &str, qty: i64, serials: &[&str]| Receipt {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        expiry: None,
        condition: Condition::New,
        qty: q(qty),
        serials: serials.iter().map(|s| SerialNo::from(*s)).collect(),
        reference: None,
        unit_cost: None,
        warranty_until: None,
    };
    let opening = |r: Receipt| Body::OpeningBalance { receipt: r };
    let delivery = |r: Receipt| Body::GoodsReceipt { receipt: r };

    let terminals = book.stock(TERMINALS, SHELF, Condition::New);
    book.accept(doc(ADMIN, opening(receipt(TERMINALS, SHELF, 25, &[]))));
    assert_eq!(
        book.stock(TERMINALS, SHELF, Condition::New),
        terminals + q(25)
    );
    book.accept(doc(
        CONTROLLER,
        opening(receipt(BATTERY, SHELF, 2, &["BM-7001", "BM-7002"])),
    ));
    assert_eq!(
        book.serial(BATTERY, "BM-7001"),
        Some(SerialState::InStock {
            bin: SHELF.into(),
            batch: None,
            condition: Condition::New,
        })
    );

    // Each unit is new to the ledger, and one serial per unit.
    book.refuse(
        doc(CLERK, delivery(receipt(BATTERY, SHELF, 1, &["BM-7001"]))),
        ReasonCode::SerialKnown,
    );
    book.refuse(
        doc(CLERK, delivery(receipt(BATTERY, SHELF, 2, &["BM-7003"]))),
        ReasonCode::SerialCountMismatch,
    );
    // Batch stock names a batch of master data; a quarantine bin takes
    // stock under inspection only.
    book.refuse(
        doc(CLERK, delivery(receipt(GREASE, SHELF2, 2, &[]))),
        ReasonCode::BatchRequired,
    );
    book.refuse(
        doc(CLERK, delivery(receipt(TERMINALS, QUARANTINE, 2, &[]))),
        ReasonCode::ZoneMismatch,
    );
    let mut grease = receipt(GREASE, SHELF2, 2, &[]);
    grease.batch = Some("G-NEW".into());
    grease.reference = Some("DN-4711".into());
    book.accept(doc(CLERK, delivery(grease)));
    assert_eq!(
        book.ledger
            .stock(&stock_key(GREASE, SHELF2, Some("G-NEW"), Condition::New)),
        q(5)
    );

    // A new lot the delivery brings is made known by its receipt, with the
    // expiry its label gives; a known lot's label must agree with the
    // books; an expiry is kept per lot.
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
    let mut new_lot = receipt(GREASE, SHELF2, 3, &[]);
    new_lot.batch = Some("G-2712".into());
    book.refuse(
        doc(CLERK, delivery(new_lot.clone())),
        ReasonCode::ExpiryRequired,
    );
    new_lot.expiry = day(2027, 12, 31);
    let lot_receipt = book.accept(doc(CLERK, delivery(new_lot.clone())));
    assert_eq!(
        book.ledger
            .batch(&GREASE.into(), &"G-2712".into())
            .and_then(|b| b.expiry),
        day(2027, 12, 31)
    );
    let mut misprint = new_lot.clone();
    misprint.expiry = day(2028, 1, 31);
    book.refuse(doc(CLERK, delivery(misprint)), ReasonCode::ExpiryMismatch);
    let mut blank = new_lot.clone();
    blank.batch = Some(" ".into());
    book.refuse(doc(CLERK, delivery(blank)), ReasonCode::UnknownBatch);
    let mut no_lot = receipt(TERMINALS, SHELF, 1, &[]);
    no_lot.expiry = day(2027, 12, 31);
    book.refuse(doc(CLERK, delivery(no_lot)), ReasonCode::ExpiryWithoutBatch);
    book.accept(
        doc(CLERK, Body::Correction)
            .follows(lot_receipt)
            .reason("wrong delivery")
            .approver(SUPERVISOR)
            .at(3),
    );
    assert_eq!(book.ledger.batch(&GREASE.into(), &"G-2712".into()), None);

    // Who: a clerk receives; a site's opening stock is the back office's.
    book.refuse(
        doc(TECH, delivery(receipt(TERMINALS, SHELF, 1, &[]))),
        ReasonCode::RoleNotAllowed,
    );
    book.refuse(
        doc(CLERK, opening(receipt(TERMINALS, SHELF, 1, &[]))),
        ReasonCode::RoleNotAllowed,
    );
    assert!(
        sparescan_core::rules::roles::check_from_device(&opening(receipt(
            TERMINALS,
            SHELF,
            1,
            &[]
        )))
        .is_err()
    );

    // A warranty end date is kept per unit received; a receipt without
    // serials has no unit to keep it on.
    let mut warranted = receipt(BATTERY, SHELF, 1, &["BM-7008"]);
    warranted.warranty_until = chrono::NaiveDate::from_ymd_opt(2028, 6, 30);
    book.accept(doc(CLERK, delivery(warranted)));
    let key = |serial: &str| SerialKey {
        item: BATTERY.into(),
        serial: serial.into(),
    };
    assert_eq!(
        book.ledger.warranty(&key("BM-7008")),
        chrono::NaiveDate::from_ymd_opt(2028, 6, 30)
    );
    assert_eq!(book.ledger.warranty(&key("BM-7001")), None);
    let mut no_units = receipt(TERMINALS, SHELF, 5, &[]);
    no_units.warranty_until = chrono::NaiveDate::from_ymd_opt(2028, 6, 30);
    book.refuse(
        doc(CLERK, delivery(no_units)),
        ReasonCode::WarrantyNeedsSerial,
    );

    // A receipt recorded twice is corrected away: the stock, the units
    // and their warranty are as before it.
    let mut with_warranty = receipt(BATTERY, SHELF, 1, &["BM-7009"]);
    with_warranty.warranty_until = chrono::NaiveDate::from_ymd_opt(2028, 6, 30);
    let twice = book.accept(doc(CLERK, delivery(with_warranty)));
    assert!(book.ledger.warranty(&key("BM-7009")).is_some());
    book.accept(
        doc(CLERK, Body::Correction)
            .follows(twice)
            .reason("delivery note entered twice")
            .approver(SUPERVISOR)
            .at(5),
    );
    assert_eq!(book.serial(BATTERY, "BM-7009"), None);
    assert_eq!(book.ledger.warranty(&key("BM-7009")), None);
    assert_eq!(
        book.stock(TERMINALS, SHELF, Condition::New),
        terminals + q(25)
    );
}

/// The article's imprecise diagnosis: "specify a range (for example, 1–2
/// filters) and mark it as to be clarified". Reserves lock the minimum;
/// issues within the range are planned; above its maximum is additional.
#[test]
fn a_range_line_reserves_its_minimum_and_issues_up_to_its_maximum() {
    let mut master = site();
    work_order(&mut master, "WO-R", CABINET)
        .status(WoStatus::InProgress)
        .line("WO-R-L1", FILTER, 1)
        .add();
    for l in &mut master.lines {
        if l.id.as_str() == "WO-R-L1" {
            l.planned_max = Some(q(2));
        }
    }
    let mut book = Book::new(master);
    let reserve = |n: i64| {
        doc(
            CLERK,
            Body::Reserve {
                warehouse: WH.into(),
                qty: q(n),
            },
        )
        .on("WO-R", "WO-R-L1")
    };
    let refusal = book.refuse(reserve(2), ReasonCode::OverTolerance);
    assert!(
        refusal.message.contains("to be clarified"),
        "{}",
        refusal.message
    );
    book.accept(reserve(1));
    // Two filters: within the range, a planned issue.
    book.accept(doc(TECH, issue(pick(FILTER, SHELF, 2))).on("WO-R", "WO-R-L1"));
    assert_eq!(book.counts("WO-R-L1").issued, q(2));
    // A third is above the maximum: an additional issue's, not this line's.
    book.refuse(
        doc(TECH, issue(pick(FILTER, NORTH_SHELF, 1))).on("WO-R", "WO-R-L1"),
        ReasonCode::OverTolerance,
    );
}

/// A serial unit received without a warranty date gets the item's
/// standard warranty from the day it is received; a date on the receipt
/// wins.
#[test]
fn a_received_unit_gets_the_items_standard_warranty() {
    let mut site = site();
    for item in &mut site.items {
        if item.id.as_str() == BATTERY {
            item.warranty_months = Some(24);
        }
    }
    let mut book = Book::new(site);
    let receipt = |serial: &str, until: Option<chrono::NaiveDate>| Body::GoodsReceipt {
        receipt: Receipt {
            item: BATTERY.into(),
            bin: SHELF.into(),
            batch: None,
            expiry: None,
            condition: Condition::New,
            qty: q(1),
            serials: vec![SerialNo::from(serial)],
            reference: Some("DN-9".into()),
            unit_cost: None,
            warranty_until: until,
        },
    };
    let when = doc(CLERK, receipt("BM-8001", None)).build().device_time;
    book.accept(doc(CLERK, receipt("BM-8001", None)));
    book.accept(doc(
        CLERK,
        receipt("BM-8002", chrono::NaiveDate::from_ymd_opt(2031, 1, 31)),
    ));
    let warranty = |serial: &str| {
        book.ledger.warranty(&SerialKey {
            item: BATTERY.into(),
            serial: serial.into(),
        })
    };
    assert_eq!(
        warranty("BM-8001"),
        when.date_naive()
            .checked_add_months(chrono::Months::new(24))
    );
    assert_eq!(
        warranty("BM-8002"),
        chrono::NaiveDate::from_ymd_opt(2031, 1, 31)
    );
}
