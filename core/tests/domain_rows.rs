//! The row model the server stores and devices pull: a ledger rebuilt from
//! another's rows, or kept in step by applying only the rows each document
//! touched, holds the same state and gives the same verdicts.

mod common;

use common::*;
use sparescan_core::document::*;
use sparescan_core::memory::{MemoryLedger, touched};
use sparescan_core::model::*;
use sparescan_core::reason::ReasonCode;
use sparescan_core::sync::{Row, RowKey};

#[test]
fn a_follower_fed_touched_rows_converges() {
    let mut site = site();
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .line("L-TERM", TERMINALS, 10)
        .add();
    let mut server = Book::new(site);
    let mut device = MemoryLedger::from_rows(server.ledger.rows()).expect("bootstrap");
    assert_eq!(device.rows(), server.ledger.rows());

    let docs = vec![
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-UPS", "L-BATT"),
        doc(CLERK, issue(pick(TERMINALS, SHELF, 10))).on("WO-UPS", "L-TERM"),
        doc(
            TECH,
            Body::WriteOff {
                item: BATTERY.into(),
                batch: None,
                qty: q(1),
                installed: vec!["BM-0101".into()],
                position: None,
                removed: vec![RemovedUnit {
                    item: BATTERY.into(),
                    serial: "BM-0001".into(),
                }],
            },
        )
        .on("WO-UPS", "L-BATT"),
        doc(TECH, write_off(TERMINALS, 7, &[])).on("WO-UPS", "L-TERM"),
        doc(TECH, status(Transition::Complete)).wo("WO-UPS"),
    ];
    for d in docs {
        let outcome = server.submit(d).expect("accepted");
        for key in touched(&outcome.effects) {
            let value = server.ledger.row(&key);
            device.set_row(Row { key, value }).expect("valid row");
        }
    }
    assert_eq!(device.rows(), server.ledger.rows());
    assert_eq!(server.wo_status("WO-UPS"), WoStatus::AwaitingReturn);

    // The follower judges the next document exactly as the server does.
    let next = doc(TECH, write_off(TERMINALS, 4, &[])).on("WO-UPS", "L-TERM");
    let on_device = sparescan_core::rules::evaluate(&device, &next.0).expect_err("refused");
    let on_server = server.refuse(next, ReasonCode::NotInWork);
    assert_eq!(on_device, on_server);
}

#[test]
fn rows_round_trip_through_text() {
    let book = Book::new(site());
    for row in book.ledger.rows() {
        let text = row.key.to_text();
        assert_eq!(RowKey::from_text(&text).expect("parses"), row.key, "{text}");
    }
    let bad = Row {
        key: RowKey::Item("X".into()),
        value: Some(serde_json::json!({"id": 5})),
    };
    let mut ledger = MemoryLedger::from_rows(book.ledger.rows()).expect("rows");
    assert!(ledger.set_row(bad).is_err(), "a malformed row is refused");
    assert_eq!(ledger.rows(), book.ledger.rows(), "and changes nothing");
}
