use super::*;
use crate::demo;
use crate::reports::ReportKind;
use crate::reports::testkit::{Kit, seed_time};
use sparescan_core::document::Body;

fn return_controller(kit: &mut Kit) -> DocId {
    let mut d = kit.doc(
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
    d.reason = Some("warranty replacement".into());
    kit.ok(d)
}

fn report(kit: &Kit, pairs: &[(&str, &str)]) -> WarrantyRemovals {
    let (params, _) =
        Params::from_pairs(ReportKind::WarrantyRemovals, pairs.iter().copied()).expect("params");
    warranty_removals(&kit.ledger, &kit.docs(), &params)
}

#[test]
fn a_unit_removed_under_warranty_is_listed_with_its_return() {
    // The seed takes WO-1005's old pump controller off; the demo keeps its
    // warranty to 2027-09-30.
    let mut kit = Kit::seeded();
    let r = report(&kit, &[]);
    assert_eq!(r.removals.len(), 1, "{r:#?}");
    let out = &r.removals[0];
    assert_eq!(
        (out.item.as_str(), out.serial.as_str(), out.asset.as_str()),
        ("PUMP-CTRL", "PC-OLD-1", "INV-PUMP-03")
    );
    assert_eq!(out.work_order.as_ref().map(|w| w.as_str()), Some("WO-1005"));
    assert_eq!(out.warranty_until.to_string(), "2027-09-30");
    assert_eq!((out.returned_doc, out.state_now), (None, "removed"));

    let back = return_controller(&mut kit);
    let r = report(&kit, &[("asset", "INV-PUMP-03")]);
    let out = &r.removals[0];
    assert_eq!(out.returned_doc, Some(back));
    assert_eq!(out.returned_condition, Some(Condition::UnderInspection));
    assert_eq!(out.return_reason.as_deref(), Some("warranty replacement"));
    assert_eq!(out.state_now, "in_stock");
    let csv = r.csv().expect("csv");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("PC-OLD-1,INV-PUMP-03,WO-1005"), "{csv}");

    // Another asset, or a period before the removal: nothing.
    assert!(report(&kit, &[("asset", "INV-UPS-01")]).removals.is_empty());
    let day_before = (seed_time().date_naive() - chrono::Duration::days(1)).to_string();
    assert!(report(&kit, &[("to", &day_before)]).removals.is_empty());
    // The history reports say it too.
    let history = crate::reports::serial_history(
        &kit.ledger,
        &kit.docs(),
        &"PUMP-CTRL".into(),
        &"PC-OLD-1".into(),
    );
    assert!(
        history.events.iter().all(|e| e.under_warranty),
        "{history:#?}"
    );
}

#[test]
fn a_unit_whose_warranty_ended_is_not_listed() {
    let mut master = demo::site();
    for (key, until) in &mut master.warranties {
        if key.serial.as_str() == "PC-OLD-1" {
            *until = seed_time().date_naive() - chrono::Duration::days(1);
        }
    }
    let kit = Kit::seeded_with(master);
    assert!(report(&kit, &[]).removals.is_empty());
    let history = crate::reports::serial_history(
        &kit.ledger,
        &kit.docs(),
        &"PUMP-CTRL".into(),
        &"PC-OLD-1".into(),
    );
    assert!(
        history
            .events
            .iter()
            .all(|e| !e.under_warranty && e.warranty_until.is_some()),
        "{history:#?}"
    );
}
