//! Costs (docs/domain.md, "Costs"): every movement valued at the item's
//! moving-average cost when it is accepted, checked to the cent against
//! figures worked out by hand. `Book` checks after every document that
//! each item's valued quantity is what the site holds and that no value
//! outlives its units.

mod common;

use common::*;
use sparescan_core::document::{Body, Receipt};
use sparescan_core::effect::Effect;
use sparescan_core::ids::ItemId;
use sparescan_core::model::*;
use sparescan_core::money::Money;
use sparescan_core::qty::Qty;
use sparescan_core::rules::Outcome;

fn money(text: &str) -> Money {
    text.parse().expect("an amount")
}

fn receipt(item: &str, bin: &str, qty: i64, unit_cost: Option<&str>) -> Body {
    Body::GoodsReceipt {
        receipt: Receipt {
            item: item.into(),
            bin: bin.into(),
            batch: None,
            expiry: None,
            condition: Condition::New,
            qty: q(qty),
            serials: Vec::new(),
            reference: Some("PO-77".into()),
            unit_cost: unit_cost.map(money),
            warranty_until: None,
        },
    }
}

/// The value effect of `item` in an outcome: (moved, worth, stock_qty,
/// stock_value).
fn value(outcome: &Outcome, item: &str) -> (Qty, Money, Qty, Money) {
    outcome
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Value {
                item: i,
                moved,
                worth,
                stock_qty,
                stock_value,
            } if i.as_str() == item => Some((*moved, *worth, *stock_qty, *stock_value)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no value of {item} in {:#?}", outcome.effects))
}

fn pool(book: &Book, item: &str) -> (Qty, Money) {
    let v = book.ledger.valuation_of(&ItemId::from(item));
    (v.qty, v.value)
}

#[test]
fn a_repair_costs_what_its_write_offs_took_at_the_moving_average() {
    let mut master = site();
    // The ERP's price for bearings: the 10 that came with the master data
    // are worth 10 × 4.00.
    for i in &mut master.items {
        if i.id.as_str() == BEARING {
            i.unit_cost = Some(money("4.00"));
        }
    }
    work_order(&mut master, "WO-1", UPS)
        .status(WoStatus::InProgress)
        .line("WO-1-L1", BEARING, 4)
        .add();
    let mut book = Book::new(master);
    assert_eq!(pool(&book, BEARING), (q(10), money("40.00")));

    // 5 more at 7.30: 76.50 for 15, an average of 5.10.
    let out = book
        .submit(doc(CLERK, receipt(BEARING, SHELF2, 5, Some("7.30"))))
        .expect("receipt");
    assert_eq!(
        value(&out, BEARING),
        (q(5), money("36.50"), q(5), money("36.50"))
    );
    assert_eq!(pool(&book, BEARING), (q(15), money("76.50")));

    // Issued to the job: worth 4 × 5.10, still the site's stock.
    let issue_doc = doc(TECH, issue(pick(BEARING, SHELF2, 4))).on("WO-1", "WO-1-L1");
    let issue_id = issue_doc.id();
    let out = book.submit(issue_doc).expect("issue");
    assert_eq!(
        value(&out, BEARING),
        (q(4), money("20.40"), Qty::ZERO, Money::ZERO)
    );

    // 3 installed: 76.50 × 3 / 15 = 15.30 leaves the stock: the repair's
    // cost.
    let write_off_doc = doc(TECH, write_off(BEARING, 3, &[])).on("WO-1", "WO-1-L1");
    let write_off_id = write_off_doc.id();
    let out = book.submit(write_off_doc).expect("write-off");
    assert_eq!(
        value(&out, BEARING),
        (q(3), money("15.30"), q(-3), money("-15.30"))
    );
    assert_eq!(pool(&book, BEARING), (q(12), money("61.20")));

    // The leftover back: worth 5.10, nothing changes in the books.
    let out = book
        .submit(
            doc(CLERK, ret(BEARING, 1, Condition::New, SHELF2))
                .on("WO-1", "WO-1-L1")
                .follows(issue_id),
        )
        .expect("return");
    assert_eq!(
        value(&out, BEARING),
        (q(1), money("5.10"), Qty::ZERO, Money::ZERO)
    );

    // A delivery without a price: the ERP's 4.00 values it (3 × 4.00), and
    // the average moves to 73.20 / 15 = 4.88.
    book.submit(doc(CLERK, receipt(BEARING, SHELF2, 3, None)))
        .expect("receipt");
    assert_eq!(pool(&book, BEARING), (q(15), money("73.20")));
    assert_eq!(
        book.ledger.valuation_of(&BEARING.into()).unit_cost(),
        Some(money("4.88"))
    );

    // The write-off corrected: its 3 units come back at exactly the 15.30
    // they left at, whatever the average is now.
    let out = book
        .submit(
            doc(SUPERVISOR, Body::Correction)
                .follows(write_off_id)
                .reason("installed on the wrong order")
                .approver(CONTROLLER),
        )
        .expect("correction");
    assert_eq!(
        value(&out, BEARING),
        (q(3), money("15.30"), q(3), money("15.30"))
    );
    assert_eq!(pool(&book, BEARING), (q(18), money("88.50")));
}

#[test]
fn the_last_units_out_take_all_that_is_left_of_the_value() {
    let mut master = site();
    work_order(&mut master, "WO-2", UPS)
        .status(WoStatus::InProgress)
        .line("WO-2-L1", TERMINALS, 3)
        .add();
    // Terminals: 50 from the master data with no ERP price (worth 0), then
    // 3 at 0.33 and 0.01 of rounding to come.
    master
        .opening_stock
        .retain(|(k, _)| k.item.as_str() != TERMINALS);
    let mut book = Book::new(master);
    book.accept(doc(CLERK, receipt(TERMINALS, SHELF, 3, Some("0.33"))));
    book.accept(doc(CLERK, receipt(TERMINALS, SHELF, 1, Some("0.35"))));
    assert_eq!(pool(&book, TERMINALS), (q(4), money("1.34")));
    book.accept(doc(TECH, issue(pick(TERMINALS, SHELF, 3))).on("WO-2", "WO-2-L1"));
    // One at a time: 1.34 / 4 = 0.335 → 0.34 (half up), then 1.00 / 3 =
    // 0.33, then 0.67 / 2 = 0.335 → 0.34.
    let mut costs = Vec::new();
    for _ in 0..3 {
        let out = book
            .submit(doc(TECH, write_off(TERMINALS, 1, &[])).on("WO-2", "WO-2-L1"))
            .expect("write-off");
        costs.push(value(&out, TERMINALS).1);
    }
    assert_eq!(costs, [money("0.34"), money("0.33"), money("0.34")]);
    // The last unit on the shelf carries what is left, to the cent: 0.33.
    assert_eq!(pool(&book, TERMINALS), (q(1), money("0.33")));
}

#[test]
fn units_with_no_price_anywhere_come_in_at_the_average_or_at_nothing() {
    let mut master = site();
    master
        .opening_stock
        .retain(|(k, _)| k.item.as_str() != CABLE);
    let mut book = Book::new(master);
    // No price on the receipt, none from the ERP, nothing held: nothing to
    // value it at.
    let out = book
        .submit(doc(CLERK, receipt(CABLE, SHELF2, 2, None)))
        .expect("receipt");
    assert_eq!(value(&out, CABLE), (q(2), Money::ZERO, q(2), Money::ZERO));
    // Priced units arrive, then unpriced ones come in at the average.
    book.accept(doc(CLERK, receipt(CABLE, SHELF2, 2, Some("9.00"))));
    assert_eq!(pool(&book, CABLE), (q(4), money("18.00")));
    let out = book
        .submit(doc(CLERK, receipt(CABLE, SHELF2, 1, None)))
        .expect("receipt");
    assert_eq!(value(&out, CABLE).3, money("4.50"));
    assert_eq!(pool(&book, CABLE), (q(5), money("22.50")));
}
