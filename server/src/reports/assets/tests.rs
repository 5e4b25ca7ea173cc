use super::*;
use crate::reports::testkit::Kit;
use sparescan_core::document::Body;

fn units(r: &InstalledBase, asset: &str) -> Vec<(String, Option<String>)> {
    r.assets
        .iter()
        .find(|a| a.asset.as_str() == asset)
        .map(|a| {
            a.units
                .iter()
                .map(|u| {
                    (
                        u.serial.to_string(),
                        u.work_order.as_ref().map(ToString::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn installed_base_per_asset() {
    let kit = Kit::seeded();
    let r = installed_base(&kit.ledger, &Params::default());
    assert_eq!(units(&r, "INV-UPS-01"), [("BM-0001".into(), None)]);
    assert_eq!(
        r.assets
            .iter()
            .find(|a| a.asset.as_str() == "INV-UPS-01")
            .map(|a| (a.name.as_str(), a.units[0].position.as_deref())),
        Some(("UPS, rack room 2", Some("slot 1")))
    );
    // The controller swap: the new one is on, the old one came off.
    assert_eq!(
        units(&r, "INV-PUMP-03"),
        [("PC-NEW-1".into(), Some("WO-1005".into()))]
    );
    let text = r.csv().expect("csv");
    assert_eq!(text.lines().count(), 1 + 2, "{text}");
    // An asset asked for is listed even with nothing installed.
    let r = installed_base(
        &kit.ledger,
        &Params {
            asset: Some("INV-AHU-02".into()),
            ..Params::default()
        },
    );
    assert_eq!(r.assets.len(), 1);
    assert!(r.assets[0].units.is_empty());
}

fn return_old_controller(kit: &mut Kit) {
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
}

#[test]
fn serial_history_follows_a_unit_through_the_ledger() {
    let mut kit = Kit::seeded();
    return_old_controller(&mut kit);
    let r = serial_history(
        &kit.ledger,
        &kit.docs(),
        &"PUMP-CTRL".into(),
        &"PC-OLD-1".into(),
    );
    let steps: Vec<(DocKind, &str, &str)> = r
        .events
        .iter()
        .map(|e| (e.kind, e.state_before, e.state_after))
        .collect();
    assert_eq!(
        steps,
        [
            (DocKind::WriteOff, "installed", "removed"),
            (DocKind::RemovedUnitReturn, "removed", "in_stock"),
        ]
    );
    assert_eq!(
        r.events[0].place_after,
        "from INV-PUMP-03 by tech-2, WO-1005"
    );
    assert_eq!(
        (r.state_now, r.place_now.as_str()),
        ("in_stock", "bin Q-01, under_inspection")
    );
    assert!(r.events.windows(2).all(|w| w[0].seq < w[1].seq));
    let text = r.csv().expect("csv");
    assert_eq!(text.lines().count(), 1 + r.events.len());

    let never = serial_history(
        &kit.ledger,
        &kit.docs(),
        &"PUMP-CTRL".into(),
        &"NOPE".into(),
    );
    assert!(never.events.is_empty());
    assert_eq!(never.state_now, "none");
}

#[test]
fn asset_history_shows_installs_removals_and_their_returns() {
    let mut kit = Kit::seeded();
    return_old_controller(&mut kit);
    let r = asset_history(
        &kit.ledger,
        &kit.docs(),
        &"INV-PUMP-03".into(),
        Period::default(),
    );
    let steps: Vec<(&str, &str, &str)> = r
        .events
        .iter()
        .map(|e| (e.serial.as_str(), e.state_before, e.state_after))
        .collect();
    assert_eq!(
        steps,
        [
            ("PC-NEW-1", "in_work", "installed"),
            ("PC-OLD-1", "installed", "removed"),
            ("PC-OLD-1", "removed", "in_stock"),
        ]
    );
    assert_eq!(r.installed_now, 1);
    assert_eq!(r.name, "Cooling pump 3");
    let none = asset_history(
        &kit.ledger,
        &kit.docs(),
        &"INV-AHU-02".into(),
        Period::default(),
    );
    assert!(none.events.is_empty());
}
