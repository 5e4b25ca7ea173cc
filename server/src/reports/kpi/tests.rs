use super::*;
use crate::reports::testkit::{Kit, pick, q, seed_time};
use chrono::Duration;
use sparescan_core::document::Decision;
use sparescan_core::model::Condition;

fn kpis_now(kit: &Kit) -> Kpis {
    kpis(&kit.ledger, &kit.docs(), kit.t, Period::default(), 20)
}

fn rate(shares: &[UnitShare]) -> Option<(Qty, Qty, Option<&str>)> {
    shares
        .iter()
        .find(|s| s.unit == "pcs")
        .map(|s| (s.numerator, s.denominator, s.percent.as_deref()))
}

fn emergency(kit: &mut Kit) -> DocId {
    let mut d = kit.doc(
        "clerk-1",
        None,
        None,
        Body::EmergencyIssue {
            pick: pick("ZIP-200", "A-01", 5, &[]),
            asset: Some("INV-UPS-01".into()),
            holder: Some("tech-1".into()),
        },
    );
    d.reason = Some("strap broke".into());
    d.approver = Some("sup-1".into());
    kit.ok(d)
}

fn return_terminals(kit: &mut Kit, n: i64, condition: Condition, bin: &str) {
    let issue = kit.find(DocKind::Issue, "\"qty\":\"4\"");
    let mut d = kit.doc(
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::Return {
            item: "TERM-6MM".into(),
            batch: None,
            serials: vec![],
            qty: q(n),
            condition,
            to_bin: bin.into(),
        },
    );
    d.follows = Some(issue);
    kit.ok(d);
}

fn decide(kit: &mut Kit, minutes: i64, item: &str, serials: &[&str], decision: Decision) {
    let d = kit.doc_after(
        minutes,
        "ctrl-1",
        None,
        None,
        Body::InspectionDecision {
            item: item.into(),
            from_bin: "Q-01".into(),
            batch: None,
            serials: serials.iter().map(|s| SerialNo::from(*s)).collect(),
            qty: q(1),
            decision,
        },
    );
    kit.ok(d);
}

#[test]
fn the_seed_is_all_tied_to_orders() {
    let kit = Kit::seeded();
    let k = kpis_now(&kit);
    assert_eq!(
        k.issues_tied_to_order,
        CountShare {
            numerator: 4,
            denominator: 4,
            percent: Some("100.0".into())
        }
    );
    assert_eq!(rate(&k.return_rate), Some((Qty::ZERO, q(16), Some("0.0"))));
    assert_eq!(k.return_processing.processed, 0);
    assert_eq!(k.return_processing.median_seconds, None);
    assert!(k.inspection_pass.is_empty());
    assert_eq!(k.issues_without_order.unlinked, 0);
    assert_eq!(k.count_discrepancy.items_ranked, 3);
}

#[test]
fn emergency_issues_count_against_the_share_until_linked() {
    let mut kit = Kit::seeded();
    let em = emergency(&mut kit);
    let k = kpis_now(&kit);
    assert_eq!(k.issues_tied_to_order.percent.as_deref(), Some("80.0"));
    let w = &k.issues_without_order;
    assert_eq!(w.unlinked, 1);
    assert_eq!(
        w.unlinked_qty,
        [UnitQty {
            unit: "pcs".into(),
            qty: q(5)
        }]
    );
    assert_eq!(w.unlinked_issues[0].doc, em);
    assert_eq!(
        w.unlinked_issues[0].approver.as_ref().map(UserId::as_str),
        Some("sup-1")
    );
    let link = kit.doc_after(
        45,
        "clerk-1",
        Some("WO-1003"),
        Some("WO-1003-L3"),
        Body::EmergencyLink { emergency: em },
    );
    kit.ok(link);
    let k = kpis_now(&kit);
    assert_eq!(k.issues_tied_to_order.percent.as_deref(), Some("100.0"));
    let w = &k.issues_without_order;
    assert_eq!((w.unlinked, w.linked_later), (0, 1));
    assert_eq!(w.median_link_seconds, Some(45 * 60));
    assert_eq!(w.linked_later_qty[0].qty, q(5));
}

/// The seed reports WO-1005 complete at 09:40 on Monday 2026-03-02 with
/// terminals and the old controller out: two working days to bring them
/// back, until Wednesday 09:40.
#[test]
fn leftovers_are_timed_from_the_end_of_work_against_the_deadline() {
    let mut kit = Kit::seeded();
    let end = seed_time() - Duration::minutes(140);
    let k = kpis_now(&kit);
    let l = &k.leftover_returns;
    assert_eq!((l.deadline_working_days, l.orders, l.returns), (2, 1, 0));
    let (_, out, pct) = rate(&l.within_deadline).expect("pcs leftovers");
    assert!(
        out >= q(3),
        "terminals and the old controller are out: {out}"
    );
    assert_eq!(pct, Some("0.0"));

    // One terminal back at 12:01, within the deadline.
    return_terminals(&mut kit, 1, Condition::New, "R-01");
    let k = kpis_now(&kit);
    let l = &k.leftover_returns;
    assert_eq!(l.returns, 1);
    assert_eq!(l.median_seconds, Some((kit.t - end).num_seconds()));
    assert_eq!(
        rate(&l.within_deadline).map(|r| (r.0, r.1)),
        Some((q(1), out))
    );

    // Another on Thursday: after the deadline, still a leftover back.
    kit.t += Duration::days(3);
    return_terminals(&mut kit, 1, Condition::New, "R-01");
    let k = kpis_now(&kit);
    let l = &k.leftover_returns;
    assert_eq!(l.returns, 2);
    assert_eq!(
        rate(&l.within_deadline).map(|r| (r.0, r.1)),
        Some((q(1), out))
    );
    assert_eq!(
        l.p90_seconds,
        Some((kit.t - end).num_seconds()),
        "the late one is the slowest"
    );
    let still: Qty = l.still_out.iter().map(|u| u.qty).sum();
    assert_eq!(still, out - q(2));
    // Returns during the work are not leftovers, and a period that ends
    // before the work did sees no order.
    let before = Period {
        from: None,
        to: (seed_time() - Duration::days(1)).date_naive().into(),
    };
    assert_eq!(
        kpis(&kit.ledger, &kit.docs(), kit.t, before, 20)
            .leftover_returns
            .orders,
        0
    );
}

#[test]
fn returns_and_inspections_move_the_kpis() {
    let mut kit = Kit::seeded();
    return_terminals(&mut kit, 1, Condition::New, "R-01");
    let k = kpis_now(&kit);
    assert_eq!(rate(&k.return_rate), Some((q(1), q(16), Some("6.3"))));

    // One terminal back under inspection, released after 30 minutes; the old
    // controller back under inspection, rejected after 90.
    return_terminals(&mut kit, 1, Condition::UnderInspection, "Q-01");
    let d = kit.doc_after(
        0,
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::RemovedUnitReturn {
            item: "PUMP-CTRL".into(),
            serial: "PC-OLD-1".into(),
            condition: Condition::UnderInspection,
            to_bin: "Q-01".into(),
        },
    );
    kit.ok(d);
    let k = kpis_now(&kit);
    assert_eq!(rate(&k.return_rate), Some((q(2), q(16), Some("12.5"))));
    assert_eq!(
        (k.return_processing.processed, k.return_processing.pending),
        (0, 2)
    );
    decide(
        &mut kit,
        30,
        "TERM-6MM",
        &[],
        Decision::Release {
            condition: Condition::New,
            to_bin: "A-01".into(),
        },
    );
    decide(
        &mut kit,
        60,
        "PUMP-CTRL",
        &["PC-OLD-1"],
        Decision::Reject {
            to_bin: "X-01".into(),
        },
    );
    let k = kpis_now(&kit);
    let p = &k.return_processing;
    assert_eq!((p.processed, p.pending), (2, 0));
    assert_eq!(
        (p.median_seconds, p.p90_seconds),
        (Some(30 * 60), Some(90 * 60))
    );
    assert_eq!(rate(&k.inspection_pass), Some((q(1), q(2), Some("50.0"))));
    // A period that ends before the decisions sees none of them.
    let before = Period {
        from: None,
        to: (seed_time() - Duration::days(1)).date_naive().into(),
    };
    let k = kpis(&kit.ledger, &kit.docs(), kit.t, before, 20);
    assert_eq!(k.return_processing.processed, 0);
    assert_eq!(k.issues_tied_to_order.denominator, 0);
    assert_eq!(k.issues_tied_to_order.percent, None);
}

#[test]
fn a_decision_clears_the_return_holding_its_serial_first() {
    let mut kit = Kit::seeded();
    // Two units wait in quarantine: terminals (no serial) first, then the
    // old controller by serial. Different items queue apart; the serial
    // decides within an item.
    let d = kit.doc(
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::RemovedUnitReturn {
            item: "PUMP-CTRL".into(),
            serial: "PC-OLD-1".into(),
            condition: Condition::UnderInspection,
            to_bin: "Q-01".into(),
        },
    );
    kit.ok(d);
    let m = super::super::inspection::match_inspections(&kit.ledger, &kit.docs());
    assert_eq!(m.pending.len(), 1);
    decide(
        &mut kit,
        10,
        "PUMP-CTRL",
        &["PC-OLD-1"],
        Decision::Release {
            condition: Condition::Opened,
            to_bin: "R-01".into(),
        },
    );
    let m = super::super::inspection::match_inspections(&kit.ledger, &kit.docs());
    assert!(m.pending.is_empty());
    assert_eq!(m.clearings.len(), 1);
    assert!(m.clearings[0].released && m.clearings[0].completes);
}

#[test]
fn csv_has_a_row_per_figure() {
    let mut kit = Kit::seeded();
    emergency(&mut kit);
    let k = kpis_now(&kit);
    let text = k.csv().expect("csv");
    let first = text.lines().nth(1).unwrap_or_default();
    assert_eq!(first, "issues_tied_to_order,,4,5,80.0");
    assert!(text.contains("return_rate,pcs,0,21,0.0"), "{text}");
    assert!(text.contains("issues_without_order,,,,1"), "{text}");
    assert!(text.contains("issues_without_order_qty,pcs,,,5"), "{text}");
}
