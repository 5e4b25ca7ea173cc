use super::*;
use crate::reports::testkit::{Kit, pick, q, seed_time};
use chrono::Duration;
use sparescan_core::document::{Body, DocKind};

#[test]
fn items_in_work_past_the_return_deadline() {
    let mut kit = Kit::seeded();
    // WO-1005 was completed on Monday 09:40: two working days later is
    // Wednesday 09:40.
    let r = overdue_returns(&kit.ledger, &kit.docs(), seed_time(), &Params::default());
    assert!(r.positions.is_empty());
    assert_eq!(r.working_days, 2);
    let wednesday = seed_time() + Duration::days(2);
    let r = overdue_returns(&kit.ledger, &kit.docs(), wednesday, &Params::default());
    assert_eq!(r.positions.len(), 2);
    let thursday = seed_time() + Duration::days(3);
    let r = overdue_returns(&kit.ledger, &kit.docs(), thursday, &Params::default());
    type Seen<'a> = (
        PositionKind,
        Option<&'a str>,
        &'a str,
        Qty,
        Vec<&'a str>,
        Vec<&'a str>,
    );
    let got: Vec<Seen> = r
        .positions
        .iter()
        .map(|p| {
            (
                p.kind,
                p.line.as_ref().map(DemandLineId::as_str),
                p.item.as_str(),
                p.qty,
                p.serials.iter().map(SerialNo::as_str).collect(),
                p.holders.iter().map(UserId::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                PositionKind::InWork,
                Some("WO-1005-L2"),
                "TERM-6MM",
                q(2),
                vec![],
                vec!["tech-2"]
            ),
            (
                PositionKind::RemovedUnit,
                None,
                "PUMP-CTRL",
                q(1),
                vec!["PC-OLD-1"],
                vec!["tech-2"]
            ),
        ]
    );
    let p = &r.positions[0];
    assert_eq!(
        p.deadline,
        seed_time() - Duration::minutes(140) + Duration::days(2)
    );
    assert_eq!(p.days_overdue, 1);
    assert_eq!(p.order_status, WoStatus::AwaitingReturn);
    let text = r.csv().expect("csv");
    assert!(text.contains("removed_unit"), "{text}");
    assert_eq!(text.lines().count(), 3);

    // Everything back: nothing is overdue any more.
    let issue = kit.find(DocKind::Issue, "\"qty\":\"4\"");
    let mut ret = kit.doc(
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::Return {
            item: "TERM-6MM".into(),
            batch: None,
            serials: vec![],
            qty: q(2),
            condition: Condition::New,
            to_bin: "R-01".into(),
        },
    );
    ret.follows = Some(issue);
    kit.ok(ret);
    let d = kit.doc(
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::RemovedUnitReturn {
            item: "PUMP-CTRL".into(),
            serial: "PC-OLD-1".into(),
            condition: Condition::Rejected,
            to_bin: "X-01".into(),
        },
    );
    kit.ok(d);
    let r = overdue_returns(&kit.ledger, &kit.docs(), thursday, &Params::default());
    assert!(r.positions.is_empty(), "{:?}", r.positions);
}

#[test]
fn serial_items_in_work_name_their_units_and_holders() {
    let mut kit = Kit::seeded();
    // WO-1003 has the battery module BM-0101 out with tech-1; complete it.
    let d = kit.doc(
        "sup-1",
        Some("WO-1003"),
        None,
        Body::WoStatusChange {
            transition: sparescan_core::document::Transition::Complete,
        },
    );
    kit.ok(d);
    let r = overdue_returns(
        &kit.ledger,
        &kit.docs(),
        seed_time() + Duration::days(7),
        &Params {
            wo: Some("WO-1003".into()),
            ..Params::default()
        },
    );
    let battery = r
        .positions
        .iter()
        .find(|p| p.item.as_str() == "UPS-BATT-MOD")
        .expect("battery out");
    assert_eq!(battery.serials, vec![SerialNo::from("BM-0101")]);
    assert_eq!(battery.holders, vec![UserId::from("tech-1")]);
    assert!(
        r.positions
            .iter()
            .all(|p| p.work_order.as_str() == "WO-1003")
    );
}

#[test]
fn tools_out_with_the_overdue_flag() {
    let mut kit = Kit::seeded();
    let due_soon = seed_time() + Duration::minutes(30);
    let due_late = seed_time() + Duration::hours(6);
    let d = kit.doc(
        "tech-1",
        Some("WO-1003"),
        None,
        Body::ToolCheckout {
            pick: pick("TOOL-TORQUE", "A-03", 1, &["TW-1"]),
            due: due_soon,
            holder: None,
        },
    );
    let torque = kit.ok(d);
    let d = kit.doc(
        "tech-2",
        None,
        None,
        Body::ToolCheckout {
            pick: pick("TOOL-DRILL", "A-03", 1, &["DR-1"]),
            due: due_late,
            holder: None,
        },
    );
    kit.ok(d);
    let now = seed_time() + Duration::minutes(150);
    let r = tools_out(&kit.ledger, now, &Params::default());
    assert_eq!((r.out, r.overdue), (2, 1));
    let t = &r.tools[0];
    assert_eq!(t.checkout, torque);
    assert!(t.overdue);
    assert_eq!(t.hours_overdue, 2);
    assert_eq!(t.holder.as_str(), "tech-1");
    assert_eq!(
        t.work_order.as_ref().map(WorkOrderId::as_str),
        Some("WO-1003")
    );
    assert!(!r.tools[1].overdue);
    assert_eq!(r.tools[1].hours_overdue, 0);
    let only = tools_out(
        &kit.ledger,
        now,
        &Params {
            overdue: Some(true),
            ..Params::default()
        },
    );
    assert_eq!(only.tools.len(), 1);
    let text = only.csv().expect("csv");
    assert!(text.contains("TW-1"), "{text}");
    assert!(!text.contains("DR-1"), "{text}");
}
