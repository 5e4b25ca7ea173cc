//! The row model the server stores and devices pull: a ledger rebuilt from
//! another's rows, or kept in step by applying only the rows each document
//! touched, holds the same state and gives the same verdicts.

mod common;

use common::*;
use sparescan_core::document::*;
use sparescan_core::ids::ItemId;
use sparescan_core::memory::{MemoryLedger, touched_by};
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules::evaluate;
use sparescan_core::sync::{Row, RowKey};
use sparescan_core::view::Accepted;

/// Submits `d` on `server` and applies the rows it touched to `device`,
/// as a pull does.
#[track_caller]
fn accept_and_follow(server: &mut Book, device: &mut MemoryLedger, d: D) {
    let doc = d.0.clone();
    let outcome = server.submit(d).expect("accepted");
    for key in touched_by(&doc, &outcome.effects) {
        let value = server.ledger.row(&key);
        device.set_row(Row { key, value }).expect("valid row");
    }
}

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
        accept_and_follow(&mut server, &mut device, d);
    }
    assert_eq!(device.rows(), server.ledger.rows());
    assert_eq!(server.wo_status("WO-UPS"), WoStatus::AwaitingReturn);

    // The follower judges the next document exactly as the server does.
    let next = doc(TECH, write_off(TERMINALS, 4, &[])).on("WO-UPS", "L-TERM");
    let on_device = sparescan_core::rules::evaluate(&device, &next.0).expect_err("refused");
    let on_server = server.refuse(next, ReasonCode::NotInWork);
    assert_eq!(on_device, on_server.into());
}

#[test]
fn rows_round_trip_through_text() {
    let mut site = site();
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .add();
    let mut book = Book::new(site);
    let issued = book.accept(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-UPS", "L-BATT"),
    );
    assert!(book.ledger.row(&RowKey::Document(issued)).is_some());
    let text = RowKey::Document(issued).to_text();
    assert_eq!(
        text,
        format!(r#"{{"entity":"document","key":"{issued}"}}"#),
        "the same form as the other document-keyed rows"
    );
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

/// A maintenance request is master data: it travels as a row, and a
/// work order made from it changes the row, not a projection.
#[test]
fn a_request_travels_as_a_master_row() {
    let mut site = site();
    let request = MaintenanceRequest {
        id: "REQ-1".into(),
        site: site.site.clone().expect("site"),
        asset: PUMP.into(),
        symptoms: "leaking seal".into(),
        priority: Priority::High,
        requested_by: Requester::System("bms".into()),
        at: chrono::DateTime::from_timestamp(1_796_112_000, 0).expect("time"),
        work_order: None,
        declined: None,
    };
    site.requests.push(request.clone());
    let ledger = MemoryLedger::new(site.clone());
    let copy = MemoryLedger::from_rows(ledger.rows()).expect("rows");
    assert_eq!(copy.request(&request.id), Some(&request));
    assert_eq!(copy.requests().count(), 1);

    let ordered = MaintenanceRequest {
        work_order: Some("WO-9".into()),
        ..request.clone()
    };
    let row = Row {
        key: RowKey::Request(request.id.clone()),
        value: Some(serde_json::to_value(&ordered).expect("json")),
    };
    let mut master = site.clone();
    assert!(
        master
            .apply_rows(std::slice::from_ref(&row))
            .expect("valid row")
    );
    assert_eq!(master.requests, vec![ordered.clone()]);
    let mut device = copy;
    device.set_row(row).expect("row");
    assert_eq!(
        device.request(&request.id).map(MaintenanceRequest::status),
        Some(RequestStatus::Ordered)
    );
}

/// A work template is a master row: it survives the rows a server keeps
/// and an edit replaces it whole. Its standard per item sums its lines;
/// a line that is not mandatory adds nothing to the least.
#[test]
fn a_template_travels_as_a_master_row_and_sums_its_standards() {
    let mut site = site();
    let line = |item: &str, planned: i64, max: Option<i64>, mandatory: bool| StandardLine {
        task: None,
        item: item.into(),
        planned: Qty::units(planned),
        planned_max: max.map(Qty::units),
        mandatory,
        substitutes: vec![],
    };
    let template = WorkTemplate {
        id: "PM-1".into(),
        site: site.site.clone().expect("site"),
        name: "Pump service".into(),
        scope: "Seal and bearings".into(),
        tasks: vec![],
        lines: vec![
            line(BATTERY, 1, Some(3), true),
            line(BATTERY, 2, None, true),
            line(PUMP_CTRL, 1, None, false),
        ],
        saved_by: "eng-1".into(),
        saved_at: chrono::DateTime::from_timestamp(1_796_112_000, 0).expect("time"),
    };
    let standard = template.standard_by_item();
    assert_eq!(
        standard.get(&ItemId::from(BATTERY)),
        Some(&(Qty::units(3), Qty::units(5)))
    );
    assert_eq!(
        standard.get(&ItemId::from(PUMP_CTRL)),
        Some(&(Qty::ZERO, Qty::units(1)))
    );
    assert_eq!(
        Conformity::of(Qty::units(2), Qty::units(3), Qty::units(5)),
        Conformity::Below
    );
    assert_eq!(
        Conformity::of(Qty::units(5), Qty::units(3), Qty::units(5)),
        Conformity::Within
    );
    assert_eq!(
        Conformity::of(Qty::units(6), Qty::units(3), Qty::units(5)),
        Conformity::Above
    );

    site.templates.push(template.clone());
    let ledger = MemoryLedger::new(site.clone());
    let copy = MemoryLedger::from_rows(ledger.rows()).expect("rows");
    assert_eq!(copy.template(&template.id), Some(&template));
    let renamed = WorkTemplate {
        name: "Pump service, yearly".into(),
        ..template.clone()
    };
    let row = Row {
        key: RowKey::Template(template.id.clone()),
        value: Some(serde_json::to_value(&renamed).expect("json")),
    };
    let mut master = site.clone();
    assert!(
        master
            .apply_rows(std::slice::from_ref(&row))
            .expect("valid row")
    );
    assert_eq!(master.templates, vec![renamed.clone()]);
    let mut device = copy;
    device.set_row(row).expect("row");
    assert_eq!(device.template(&template.id), Some(&renamed));
    assert_eq!(device.templates().count(), 1);
}

/// A device that did not see an issue judges its return from the rows
/// alone: the issue travels as a document row, and a correction that
/// reverses it updates the row's `reversed_by`.
#[test]
fn followable_documents_travel_as_rows() {
    let mut site = site();
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .add();
    let mut server = Book::new(site);
    let mut device = MemoryLedger::from_rows(server.ledger.rows()).expect("bootstrap");

    let issue_doc =
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-UPS", "L-BATT");
    let issued = issue_doc.id();
    accept_and_follow(&mut server, &mut device, issue_doc);
    // A status change follows nothing on another device: no row.
    let hold = doc(SUPERVISOR, status(Transition::Hold)).wo("WO-UPS");
    let held = hold.id();
    accept_and_follow(&mut server, &mut device, hold);
    let resume = doc(SUPERVISOR, status(Transition::Resume)).wo("WO-UPS");
    accept_and_follow(&mut server, &mut device, resume);
    assert_eq!(server.ledger.row(&RowKey::Document(held)), None);
    assert!(!server.ledger.row_keys().contains(&RowKey::Document(held)));
    assert_eq!(device.rows(), server.ledger.rows());

    let row = device
        .row(&RowKey::Document(issued))
        .expect("the issue's row");
    let acc: Accepted = serde_json::from_value(row).expect("an Accepted");
    assert_eq!(Some(acc.clone()), server.ledger.accepted(&issued));
    assert_eq!(device.accepted(&issued), Some(acc));
    // Kept, not recorded: nothing is replayed or listed twice.
    assert_eq!(device.accepted_docs().count(), 0);

    let back = doc(
        CLERK,
        ret_serials(BATTERY, &["BM-0101"], Condition::New, SHELF),
    )
    .wo("WO-UPS")
    .follows(issued);
    let on_device = evaluate(&device, &back.0).expect("the device accepts the return");
    let mut on_server = evaluate(&server.ledger, &back.0).expect("so does the server");
    // The server values the movement too; a device keeps no values.
    assert!(
        on_server
            .effects
            .iter()
            .any(|e| matches!(e, sparescan_core::effect::Effect::Value { .. }))
    );
    on_server
        .effects
        .retain(|e| !matches!(e, sparescan_core::effect::Effect::Value { .. }));
    assert_eq!(on_device, on_server);

    // A correction reverses the issue: its row says so.
    let correction = doc(CLERK, Body::Correction)
        .follows(issued)
        .reason("wrong unit scanned")
        .approver(SUPERVISOR);
    let corrected = correction.id();
    accept_and_follow(&mut server, &mut device, correction);
    assert_eq!(device.rows(), server.ledger.rows());
    assert_eq!(
        device.accepted(&issued).and_then(|a| a.reversed_by),
        Some(corrected)
    );
    let refused = evaluate(&device, &back.0).expect_err("the issue was reversed");
    assert_eq!(
        refused.refusal().map(|r| r.code),
        Some(ReasonCode::WrongReference)
    );
    assert_eq!(evaluate(&server.ledger, &back.0), Err(refused));

    // A bootstrap after all this holds the same.
    let fresh = MemoryLedger::from_rows(server.ledger.rows()).expect("bootstrap");
    assert_eq!(fresh.rows(), server.ledger.rows());
}

/// Document rows never override or delete what a ledger recorded itself,
/// and a row must hold the document its key names.
#[test]
fn document_rows_keep_recorded_documents() {
    let mut site = site();
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .add();
    let mut book = Book::new(site);
    let issued = book.accept(
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-UPS", "L-BATT"),
    );
    let mine = book.ledger.accepted(&issued).expect("recorded");
    let mut elsewhere = mine.clone();
    elsewhere.seq = 4711;
    book.ledger
        .set_row(Row {
            key: RowKey::Document(issued),
            value: Some(serde_json::to_value(&elsewhere).expect("json")),
        })
        .expect("valid row");
    book.ledger
        .set_row(Row {
            key: RowKey::Document(issued),
            value: None,
        })
        .expect("valid row");
    assert_eq!(book.ledger.accepted(&issued), Some(mine.clone()));
    assert_eq!(book.ledger.accepted_docs().count(), 1);

    let mut other = MemoryLedger::default();
    let wrong_key = Row {
        key: RowKey::Document(sparescan_core::ids::DocId::new_v7()),
        value: Some(serde_json::to_value(&mine).expect("json")),
    };
    assert!(
        other.set_row(wrong_key).is_err(),
        "the key names the document"
    );
    assert_eq!(other.accepted(&issued), None);
    // A kept copy goes with its row.
    other
        .set_row(Row {
            key: RowKey::Document(issued),
            value: Some(serde_json::to_value(&elsewhere).expect("json")),
        })
        .expect("valid row");
    assert_eq!(other.accepted(&issued).map(|a| a.seq), Some(4711));
    other
        .set_row(Row {
            key: RowKey::Document(issued),
            value: None,
        })
        .expect("valid row");
    assert_eq!(other.accepted(&issued), None);
}
