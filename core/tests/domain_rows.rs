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

#[test]
fn master_data_edits_apply_in_one_pass_and_keep_order_states() {
    let mut site = site();
    work_order(&mut site, "WO-M", PUMP)
        .line("L-M", CABLE, 1)
        .add();
    let mut master = site.clone();
    let mut wo = master.work_orders[0].clone();
    wo.scope = "re-scoped".into();
    wo.state.status = WoStatus::Closed; // a status is never edited here
    let mut item = master.items[0].clone();
    item.name = "renamed".into();
    let new_bin = Bin {
        id: "Z-99".into(),
        warehouse: WH.into(),
        zone: Zone::Storage,
    };
    let rows = vec![
        Row {
            key: RowKey::WorkOrder("WO-M".into()),
            value: Some(serde_json::to_value(&wo).expect("json")),
        },
        Row {
            key: RowKey::Item(item.id.clone()),
            value: Some(serde_json::to_value(&item).expect("json")),
        },
        Row {
            key: RowKey::Bin("Z-99".into()),
            value: Some(serde_json::to_value(&new_bin).expect("json")),
        },
        Row {
            key: RowKey::Asset(PUMP.into()),
            value: None,
        },
    ];
    assert!(master.apply_rows(&rows).expect("valid rows"));
    assert_eq!(master.work_orders[0].scope, "re-scoped");
    assert_eq!(master.work_orders[0].state.status, WoStatus::InProgress);
    assert_eq!(master.items[0].name, "renamed");
    assert_eq!(master.items.len(), site.items.len());
    assert!(master.bins.iter().any(|b| b.id.as_str() == "Z-99"));
    assert!(!master.assets.iter().any(|a| a.id.as_str() == PUMP));
    // Projections are not master data: nothing applies.
    let before = master.clone();
    let stock = Row {
        key: RowKey::Stock(stock_key(CABLE, SHELF2, None, Condition::New)),
        value: Some(serde_json::json!("1")),
    };
    assert!(
        !master
            .apply_rows(&[rows[1].clone(), stock])
            .expect("no error")
    );
    assert_eq!(master, before);
}
