use super::*;
use crate::reports::testkit::{Kit, q, seed_time};
use sparescan_core::document::Body;

#[test]
fn reserves_on_orders_not_progressing_hang_and_old_ones_too() {
    let mut kit = Kit::seeded();
    let d = kit.doc(
        "clerk-1",
        Some("WO-1003"),
        Some("WO-1003-L3"),
        Body::Reserve {
            warehouse: "WH-MAIN".into(),
            qty: q(5),
        },
    );
    let fresh = kit.ok(d);
    let now = seed_time() + Duration::hours(1);
    let r = hanging_reserves(&kit.ledger, now, 7, &Params::default());
    // Only the seed's reserve on WO-1002, which is approved, not started.
    assert_eq!(r.reserves.len(), 1);
    let h = &r.reserves[0];
    assert_eq!(
        (h.work_order.as_str(), h.order_status, h.status),
        ("WO-1002", WoStatus::Approved, ReserveStatus::Confirmed)
    );
    assert!(h.order_not_progressing && !h.too_old);
    assert_eq!(
        (h.open, h.locked, h.shortfall, h.age_days),
        (q(2), q(2), Qty::ZERO, 0)
    );

    // Eight days on, the reserve on the order in progress is old too;
    // oldest first.
    let later = seed_time() + Duration::days(8);
    let r = hanging_reserves(&kit.ledger, later, 7, &Params::default());
    let ids: Vec<ReserveId> = r.reserves.iter().map(|h| h.reserve).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[1], fresh);
    assert!(r.reserves[1].too_old && !r.reserves[1].order_not_progressing);
    assert_eq!(r.reserves[1].age_days, 7, "7 days 23 hours is 7 whole days");
    assert!(r.reserves[0].too_old && r.reserves[0].order_not_progressing);
    // The limit is a parameter; filters narrow.
    let r = hanging_reserves(&kit.ledger, now, 0, &Params::default());
    assert_eq!(r.reserves.len(), 2);
    let r = hanging_reserves(
        &kit.ledger,
        later,
        7,
        &Params {
            wo: Some("WO-1003".into()),
            ..Params::default()
        },
    );
    assert_eq!(r.reserves.len(), 1);
    let text = r.csv().expect("csv");
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn a_released_reserve_does_not_hang() {
    let mut kit = Kit::seeded();
    let reserve = kit.find(sparescan_core::document::DocKind::Reserve, "WH-MAIN");
    let d = kit.doc(
        "clerk-1",
        Some("WO-1002"),
        Some("WO-1002-L2"),
        Body::ReserveRelease { reserve, qty: None },
    );
    kit.ok(d);
    let r = hanging_reserves(&kit.ledger, seed_time(), 7, &Params::default());
    assert!(r.reserves.is_empty());
}
