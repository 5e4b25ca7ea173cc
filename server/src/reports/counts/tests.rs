use super::*;
use crate::reports::testkit::{Kit, q};

fn count(kit: &mut Kit, item: &str, bin: &str, counted: Qty) {
    let d = kit.doc(
        "clerk-1",
        None,
        None,
        Body::Count {
            item: item.into(),
            bin: bin.into(),
            batch: None,
            condition: Condition::New,
            counted,
            adjust: false,
        },
    );
    kit.ok(d);
}

fn book(kit: &Kit, item: &str, bin: &str) -> Qty {
    kit.ledger.stock(&StockKey {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        condition: Condition::New,
    })
}

#[test]
fn most_issued_parts_rank_by_quantity_then_code() {
    let kit = Kit::seeded();
    let ranked = most_issued(&kit.ledger, &kit.docs(), Period::default(), 20);
    let got: Vec<(&str, Qty)> = ranked.iter().map(|(i, n)| (i.as_str(), *n)).collect();
    assert_eq!(
        got,
        [
            ("TERM-6MM", q(14)),
            ("PUMP-CTRL", q(1)),
            ("UPS-BATT-MOD", q(1))
        ]
    );
    assert_eq!(
        most_issued(&kit.ledger, &kit.docs(), Period::default(), 1).len(),
        1
    );
}

#[test]
fn counted_against_recorded_for_the_top_parts() {
    let mut kit = Kit::seeded();
    let r = count_discrepancy(&kit.ledger, &kit.docs(), Period::default(), 20);
    assert_eq!(
        (r.items_counted, r.items_matching, r.percent_matching),
        (0, 0, None)
    );
    assert!(r.items.iter().all(|i| i.counted.is_none()));

    let term_book = book(&kit, "TERM-6MM", "A-01");
    assert_eq!(term_book, q(186));
    count(&mut kit, "TERM-6MM", "A-01", q(190));
    // Counted again: the latest count of a location stands.
    count(&mut kit, "TERM-6MM", "A-01", q(180));
    count(&mut kit, "PUMP-CTRL", "A-01", q(1));
    // Not among the top parts: ignored.
    count(&mut kit, "BRG-6204", "A-02", q(3));
    let r = count_discrepancy(&kit.ledger, &kit.docs(), Period::default(), 20);
    let term = &r.items[0];
    assert_eq!((term.rank, term.item.as_str()), (1, "TERM-6MM"));
    assert_eq!(
        (
            term.recorded,
            term.counted,
            term.difference,
            term.abs_difference
        ),
        (Some(q(186)), Some(q(180)), Some(-q(6)), Some(q(6)))
    );
    assert_eq!(term.locations.len(), 1);
    let pump = &r.items[1];
    assert_eq!(
        (pump.recorded, pump.difference),
        (Some(q(1)), Some(Qty::ZERO))
    );
    assert_eq!(r.items[2].counted, None);
    assert_eq!(
        (
            r.items_counted,
            r.items_matching,
            r.percent_matching.as_deref()
        ),
        (2, 1, Some("50.0"))
    );
    let text = r.csv().expect("csv");
    assert_eq!(text.lines().count(), 1 + 3);
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.contains(",186,180,-6,6,")),
        "{text}"
    );
}
