//! The issue screen's substitution, additional and emergency modes, and the
//! return, inspection, on-site confirmation, transfer, tools and count
//! screens driven through the engine by `Input`s, as the UI drives them,
//! against the demo site loaded into an in-memory cache.

use chrono::{Duration, Utc};
use sparescan_core::document::{Body, Decision, Document, Pick, Receipt, Transition};
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::{ApprovalKind, Condition, ReasonKind, SiteReason, WoStatus};
use sparescan_core::qty::Qty;
use sparescan_core::scan::ScanConfig;
use sparescan_core::sync::{Row, RowKey};
use sparescan_core::view::LedgerView;
use sparescan_demo as demo;
use sparescan_handheld::cache::Cache;
use sparescan_handheld::engine::model::{ScreenId, ScreenModel, Tone, UiModel};
use sparescan_handheld::engine::{Engine, Input};

mod common;
use common::provision;

/// Documents the demo's seed lacks that these screens need: a filter
/// transfer from the north store to the main one, a fan sent north, and a
/// drill out since yesterday (overdue).
struct Extra {
    filter_transfer: DocId,
    fan_transfer: DocId,
    overdue_checkout: DocId,
}

fn doc(author: &str, body: Body) -> Document {
    Document {
        id: DocId::new_v7(),
        author: author.into(),
        device: "seed".into(),
        site: demo::SITE.into(),
        device_time: Utc::now() - Duration::hours(1),
        work_order: None,
        line: None,
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body,
    }
}

fn pick(item: &str, bin: &str, batch: Option<&str>, qty: i64, serials: &[&str]) -> Pick {
    Pick {
        item: item.into(),
        bin: bin.into(),
        batch: batch.map(Into::into),
        serials: serials.iter().map(|s| (*s).into()).collect(),
        qty: Qty::units(qty),
        condition: Condition::New,
    }
}

fn ledger() -> (MemoryLedger, Extra) {
    let mut ledger = MemoryLedger::new(demo::site());
    for d in demo::seed_documents(Utc::now() - Duration::hours(2)) {
        if let Err(r) = ledger.submit(d) {
            panic!("seed refused: {} {}", r.code, r.message);
        }
    }
    let filter = doc(
        "clerk-1",
        Body::TransferOut {
            pick: pick("FLT-AIR-500", "N-01", Some("F-77"), 3, &[]),
            to_warehouse: demo::MAIN.into(),
            for_reserve: None,
        },
    );
    let fan = doc(
        "clerk-1",
        Body::TransferOut {
            pick: pick("FAN-120", "A-02", None, 1, &["FAN-A2"]),
            to_warehouse: demo::NORTH.into(),
            for_reserve: None,
        },
    );
    let mut drill = doc(
        "tech-1",
        Body::ToolCheckout {
            pick: pick("TOOL-DRILL", "A-03", None, 1, &["DR-2"]),
            due: Utc::now() - Duration::minutes(30),
            holder: None,
        },
    );
    drill.device_time = Utc::now() - Duration::hours(20);
    let extra = Extra {
        filter_transfer: filter.id,
        fan_transfer: fan.id,
        overdue_checkout: drill.id,
    };
    for d in [filter, fan, drill] {
        if let Err(r) = ledger.submit(d) {
            panic!("extra document refused: {} {}", r.code, r.message);
        }
    }
    (ledger, extra)
}

/// An engine over the demo site, signed in with `badge`.
fn engine_as(badge: &str) -> (Engine, Extra) {
    engine_with_badges(badge, &[])
}

/// An engine signed in with `badge` on which the `others` can approve
/// with their badge and PIN.
fn engine_with_badges(badge: &str, others: &[&str]) -> (Engine, Extra) {
    let (ledger, extra) = ledger();
    (engine_over(&ledger, badge, others), extra)
}

/// An engine over `ledger`'s rows, signed in with `badge`.
fn engine_over(ledger: &MemoryLedger, badge: &str, others: &[&str]) -> Engine {
    let mut cache = Cache::open_in_memory().expect("cache");
    cache.apply_rows(&ledger.rows(), Some(1)).expect("rows");
    let mut people = vec![badge];
    people.extend_from_slice(others);
    cache.set_meta("device_id", Some("dev-test")).expect("meta");
    cache.set_meta("site", Some(demo::SITE)).expect("meta");
    provision(&mut cache, &people);
    let mut engine = Engine::new(cache, ScanConfig::default());
    assert_eq!(engine.screen(), ScreenId::SignIn);
    engine.handle(Input::Scan(format!("USR:{badge}").into_bytes()));
    engine.handle(Input::SignIn {
        pin: pin_of(badge).into(),
    });
    assert_eq!(engine.screen(), ScreenId::Home, "signed in as {badge}");
    engine
}

fn pin_of(badge: &str) -> &'static str {
    demo::PEOPLE
        .iter()
        .find(|p| p.badge == badge)
        .map(|p| p.pin)
        .expect("person")
}

const TECHNICIAN: &str = "B-1001";
const CLERK: &str = "B-2001";
const SUPERVISOR: &str = "B-3001";
const ENGINEER: &str = "B-4001";

/// A GS1 DataMatrix of an item's GTIN with a serial (AI 21) or batch
/// (AI 10) last.
fn gs1(item_stem: &str, ai: &str, value: &str) -> Input {
    Input::Scan(format!("]d201{}{ai}{value}", demo::gtin(item_stem)).into_bytes())
}

const BATTERY: &str = "0401234500001";
const FAN: &str = "0401234500002";
const FAN_B: &str = "0401234500003";
const PUMP_CTRL: &str = "0401234500004";
const TERMINAL: &str = "0401234500005";
const FILTER: &str = "0401234500007";
const DRILL: &str = "0401234500011";

fn item_only(stem: &str) -> Input {
    Input::Scan(format!("]d201{}", demo::gtin(stem)).into_bytes())
}

fn label(text: &str) -> Input {
    Input::Scan(text.as_bytes().to_vec())
}

/// Sends `input` and returns the model after it.
fn step(engine: &mut Engine, input: Input) -> UiModel {
    engine.handle(input);
    engine.model()
}

/// The verdict now, which must be there and be `ok`; dismissed.
fn ok(engine: &mut Engine) -> UiModel {
    let m = engine.model();
    match &m.verdict {
        Some(v) if v.ok => {}
        other => panic!(
            "expected an accepted verdict, got {other:?}\nscreen: {:#?}",
            m.flow
        ),
    }
    engine.handle(Input::DismissVerdict);
    m
}

/// The verdict now, which must be a refusal or problem with `code`.
fn refused(engine: &mut Engine, code: &str) -> UiModel {
    let m = engine.model();
    match &m.verdict {
        Some(v) if !v.ok && v.code == code => {}
        other => panic!(
            "expected refusal {code}, got {other:?}\nscreen: {:#?}",
            m.flow
        ),
    }
    engine.handle(Input::DismissVerdict);
    m
}

fn outbox(engine: &Engine) -> Vec<Document> {
    engine.cache().outbox().expect("outbox")
}

fn row_id(flow: &ScreenModel, title_part: &str) -> String {
    flow.rows
        .iter()
        .find(|r| r.title.contains(title_part))
        .unwrap_or_else(|| panic!("no row with {title_part}: {:#?}", flow.rows))
        .id
        .clone()
}

/// The seed's issue of `item` on `wo`.
fn seed_issue(engine: &Engine, item: &str, wo: &str) -> DocId {
    engine
        .cache()
        .open_issues_of_item(&item.into())
        .expect("issues")
        .into_iter()
        .find(|(a, _)| a.doc.work_order.as_ref().map(|w| w.as_str()) == Some(wo))
        .map(|(a, _)| a.doc.id)
        .unwrap_or_else(|| panic!("no issue of {item} on {wo}"))
}

#[test]
fn a_serial_unit_returns_under_inspection_against_its_issue_and_the_quarantine_bin_becomes_the_default()
 {
    let (mut e, _) = engine_as(CLERK);
    let issue = seed_issue(&e, "UPS-BATT-MOD", "WO-1003");
    e.handle(Input::Navigate(ScreenId::Return));
    let m = e.model();
    let chosen: Vec<_> = m
        .flow
        .choices
        .iter()
        .filter(|c| c.tone == Tone::Ok)
        .collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(
        chosen[0].id, "under-inspection",
        "under inspection by default"
    );

    // The warehouse's one quarantine bin is the default: no bin scan.
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    let m = e.model();
    assert!(
        m.verdict
            .as_ref()
            .is_some_and(|v| v.ok && v.reason.contains("Q-01")),
        "{:?}",
        m.verdict
    );
    assert_eq!(m.flow.pending.len(), 1);
    assert!(m.flow.pending[0].detail.contains("BM-0101"));
    // The same unit twice is refused before the rules.
    e.handle(Input::DismissVerdict);
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    refused(&mut e, "already_scanned");
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!(d.follows, Some(issue));
    assert_eq!(d.work_order, Some("WO-1003".into()));
    assert_eq!(d.line, Some("WO-1003-L1".into()));
    match &d.body {
        Body::Return {
            item,
            serials,
            qty,
            condition,
            to_bin,
            ..
        } => {
            assert_eq!(item.as_str(), "UPS-BATT-MOD");
            assert_eq!(serials, &vec![SerialNo::from("BM-0101")]);
            assert_eq!(*qty, Qty::units(1));
            assert_eq!(*condition, Condition::UnderInspection);
            assert_eq!(to_bin.as_str(), "Q-01");
        }
        other => panic!("not a return: {other:?}"),
    }

    // Terminals next: one issue open → the quantity keypad with what is out;
    // the quarantine bin is found by itself now.
    e.handle(Input::Navigate(ScreenId::Return));
    e.handle(Input::Scan(b"WO:WO-1003".to_vec()));
    ok(&mut e);
    let m = step(&mut e, item_only(TERMINAL));
    let ask = m.flow.ask_quantity.expect("quantity asked");
    assert_eq!(ask.preset, "10");
    e.handle(Input::Quantity(Some("4".into())));
    let m = ok(&mut e);
    assert!(
        m.flow.pending[0].detail.contains("Q-01"),
        "{:?}",
        m.flow.pending
    );
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 2);
    assert!(
        matches!(&docs[1].body, Body::Return { qty, to_bin, condition: Condition::UnderInspection, .. }
        if *qty == Qty::units(4) && to_bin.as_str() == "Q-01")
    );
    assert_eq!(docs[1].follows, Some(seed_issue(&e, "TERM-6MM", "WO-1003")));
}

#[test]
fn several_open_issues_are_listed_and_the_chosen_one_is_followed_new_goes_back_to_its_bin() {
    let (mut e, _) = engine_as(CLERK);
    let wo1005 = seed_issue(&e, "TERM-6MM", "WO-1005");
    e.handle(Input::Navigate(ScreenId::Return));
    e.handle(Input::Choose("new".into()));
    let m = step(&mut e, item_only(TERMINAL));
    assert!(m.verdict.as_ref().is_some_and(|v| v.ok), "{:?}", m.verdict);
    assert_eq!(m.flow.rows.len(), 2, "{:#?}", m.flow.rows);
    assert!(m.flow.ask_quantity.is_none());
    let id = row_id(&m.flow, "WO-1005");
    assert_eq!(id, wo1005.to_string());
    let m = step(&mut e, Input::Select(id));
    // Four issued, two written off: two can come back.
    assert_eq!(m.flow.ask_quantity.expect("quantity").preset, "2");
    e.handle(Input::Quantity(Some("3".into())));
    refused(&mut e, "not_in_work");
    assert!(e.model().flow.pending.is_empty());

    e.handle(item_only(TERMINAL));
    e.handle(Input::DismissVerdict);
    e.handle(Input::Select(wo1005.to_string()));
    e.handle(Input::Quantity(Some("2".into())));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].follows, Some(wo1005));
    assert_eq!(docs[0].work_order, Some("WO-1005".into()));
    assert!(
        matches!(&docs[0].body, Body::Return { condition: Condition::New, to_bin, qty, .. }
            if to_bin.as_str() == "A-01" && *qty == Qty::units(2)),
        "{:?}",
        docs[0].body
    );
}

#[test]
fn the_removed_unit_goes_to_the_rejected_bin_never_to_usable_stock() {
    let (mut e, _) = engine_as(CLERK);
    e.handle(Input::Navigate(ScreenId::Return));
    e.handle(Input::Choose("opened".into()));
    e.handle(gs1(PUMP_CTRL, "21", "PC-OLD-1"));
    refused(&mut e, "zone_mismatch");
    assert!(e.model().flow.pending.is_empty());
    // Choosing rejected carries on with the waiting unit; the bin is asked.
    e.handle(Input::Choose("rejected".into()));
    refused(&mut e, "bin_required");
    e.handle(label("BIN:X-01"));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 1);
    assert!(
        m.flow.pending[0]
            .detail
            .contains("under warranty until 2027-09-30"),
        "{:?}",
        m.flow.pending
    );
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].work_order, Some("WO-1005".into()));
    assert_eq!(
        docs[0].body,
        Body::RemovedUnitReturn {
            item: "PUMP-CTRL".into(),
            serial: "PC-OLD-1".into(),
            condition: Condition::Rejected,
            to_bin: "X-01".into(),
        }
    );
    // A unit on the shelf is not a return.
    e.handle(gs1(PUMP_CTRL, "21", "PC-NEW-2"));
    refused(&mut e, "serial_not_in_work");
}

#[test]
fn the_issue_label_finds_the_issue_and_a_non_issue_label_is_refused() {
    let (mut e, extra) = engine_as(CLERK);
    let issue = seed_issue(&e, "TERM-6MM", "WO-1003");
    e.handle(Input::Navigate(ScreenId::Return));
    e.handle(label(&format!("DOC:{}", extra.filter_transfer)));
    refused(&mut e, "not_an_issue");
    let m = step(&mut e, label(&format!("DOC:{issue}")));
    assert_eq!(m.flow.ask_quantity.expect("quantity").preset, "10");
    e.handle(Input::Quantity(Some("0".into())));
    refused(&mut e, "bad_quantity");
}

#[test]
fn inspection_releases_a_serial_unit_and_rejects_terminals() {
    let (mut e, _) = engine_as(CLERK);
    // Into quarantine first.
    e.handle(Input::Navigate(ScreenId::Return));
    e.handle(label("BIN:Q-01"));
    ok(&mut e);
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    ok(&mut e);
    e.handle(Input::Scan(b"WO:WO-1003".to_vec()));
    ok(&mut e);
    e.handle(item_only(TERMINAL));
    e.handle(Input::Quantity(Some("6".into())));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    assert_eq!(outbox(&e).len(), 2);

    e.handle(Input::Navigate(ScreenId::Inspect));
    let m = e.model();
    assert_eq!(m.flow.rows.len(), 2, "{:#?}", m.flow.rows);
    let battery = row_id(&m.flow, "UPS-BATT-MOD");
    e.handle(Input::Select(battery));
    let m = step(&mut e, Input::Choose("release-new".into()));
    assert!(m.verdict.is_none(), "{:?}", m.verdict);
    assert!(
        m.flow.prompt.to_lowercase().contains("serial"),
        "{}",
        m.flow.prompt
    );
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    e.handle(Input::DismissVerdict);
    // A quarantine bin is not where released stock goes.
    e.handle(label("BIN:Q-01"));
    refused(&mut e, "zone_mismatch");
    e.handle(label("BIN:A-01"));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 1);
    // The released unit leaves the queue.
    assert_eq!(m.flow.rows.len(), 1, "{:#?}", m.flow.rows);

    let terminals = row_id(&m.flow, "TERM-6MM");
    e.handle(Input::Select(terminals));
    e.handle(Input::Choose("reject".into()));
    e.handle(label("BIN:X-01"));
    let m = e.model();
    assert_eq!(m.flow.ask_quantity.expect("quantity").preset, "6");
    e.handle(Input::Quantity(Some("7".into())));
    refused(&mut e, "nothing_to_inspect");
    e.handle(Input::Quantity(Some("6".into())));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 4);
    assert_eq!(
        docs[2].body,
        Body::InspectionDecision {
            item: "UPS-BATT-MOD".into(),
            from_bin: "Q-01".into(),
            batch: None,
            serials: vec!["BM-0101".into()],
            qty: Qty::units(1),
            decision: Decision::Release {
                condition: Condition::New,
                to_bin: "A-01".into()
            },
        }
    );
    assert!(
        matches!(&docs[3].body, Body::InspectionDecision { qty, decision: Decision::Reject { to_bin }, .. }
        if *qty == Qty::units(6) && to_bin.as_str() == "X-01")
    );
    assert!(e.model().flow.rows.is_empty());
}

#[test]
fn on_site_the_supervisor_confirms_installed_and_removed_units_and_closure_waits_for_the_removed_one()
 {
    let (mut e, _) = engine_as(SUPERVISOR);
    let battery_issue = seed_issue(&e, "UPS-BATT-MOD", "WO-1003");
    let terminal_issue = seed_issue(&e, "TERM-6MM", "WO-1003");
    // From home, the asset label opens the confirmation screen.
    e.handle(label("AST:INV-UPS-01"));
    assert_eq!(e.screen(), ScreenId::Confirm);
    let m = ok(&mut e);
    assert!(m.flow.header.contains("WO-1003"), "{}", m.flow.header);
    assert_eq!(m.flow.lines.len(), 3);
    let ids: Vec<&str> = m.flow.choices.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["installed", "removed", "complete", "close"]);

    // A unit on the shelf was not issued to this order.
    e.handle(gs1(BATTERY, "21", "BM-0102"));
    refused(&mut e, "serial_not_in_work");
    // The installed base is removed, not installed.
    e.handle(gs1(BATTERY, "21", "BM-0001"));
    refused(&mut e, "serial_not_in_work");
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    ok(&mut e);
    e.handle(Input::Choose("removed".into()));
    e.handle(gs1(BATTERY, "21", "BM-0001"));
    let m = ok(&mut e);
    // The removed module is under the supplier's warranty: a claim is due.
    assert!(
        m.flow.pending.iter().any(|r| r.detail.contains("BM-0001")
            && r.detail.contains("under warranty until 2027-12-31")),
        "{:?}",
        m.flow.pending
    );
    // Terminals by quantity: pick the line.
    let m = step(&mut e, Input::Select("WO-1003-L2".into()));
    assert_eq!(m.flow.ask_quantity.expect("quantity").preset, "10");
    e.handle(Input::Quantity(Some("11".into())));
    refused(&mut e, "not_in_work");
    e.handle(Input::Select("WO-1003-L2".into()));
    e.handle(Input::Quantity(Some("8".into())));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 3);
    // Closing with unconfirmed scans is not offered.
    e.handle(Input::Choose("close".into()));
    refused(&mut e, "unconfirmed");

    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 2, "{docs:#?}");
    let battery = docs
        .iter()
        .find(|d| matches!(&d.body, Body::WriteOff { item, .. } if item.as_str() == "UPS-BATT-MOD"))
        .expect("battery write-off");
    assert_eq!(battery.follows, Some(battery_issue));
    assert_eq!(battery.line, Some("WO-1003-L1".into()));
    assert_eq!(battery.work_order, Some("WO-1003".into()));
    match &battery.body {
        Body::WriteOff {
            qty,
            installed,
            removed,
            position,
            ..
        } => {
            assert_eq!(*qty, Qty::units(1));
            assert_eq!(installed, &vec![SerialNo::from("BM-0101")]);
            assert_eq!(removed.len(), 1);
            assert_eq!(removed[0].serial.as_str(), "BM-0001");
            assert_eq!(*position, None);
        }
        _ => unreachable!(),
    }
    let terminals = docs
        .iter()
        .find(|d| matches!(&d.body, Body::WriteOff { item, .. } if item.as_str() == "TERM-6MM"))
        .expect("terminal write-off");
    assert_eq!(terminals.follows, Some(terminal_issue));
    assert_eq!(terminals.line, Some("WO-1003-L2".into()));
    assert!(matches!(&terminals.body, Body::WriteOff { qty, .. } if *qty == Qty::units(8)));

    // Two terminals still out and the removed module not back: closure is
    // blocked, and says so.
    let m = e.model();
    assert_eq!(m.flow.blockers.len(), 2, "{:#?}", m.flow.blockers);
    assert!(m.flow.blockers.iter().all(|b| b.tone == Tone::Bad));
    assert!(m.flow.blockers.iter().any(|b| b.title.contains("BM-0001")));
    e.handle(Input::Choose("close".into()));
    let m = refused(&mut e, "closure_blocked");
    assert_eq!(m.flow.blockers.len(), 2);
    e.handle(Input::Choose("complete".into()));
    let m = ok(&mut e);
    assert!(
        m.flow.header.contains("awaiting return"),
        "{}",
        m.flow.header
    );
    let ids: Vec<&str> = m.flow.choices.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["installed", "removed", "close"]);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 3);
    assert_eq!(
        docs[2].body,
        Body::WoStatusChange {
            transition: Transition::Complete
        }
    );
    assert_eq!(
        e.cache()
            .view()
            .work_order(&"WO-1003".into())
            .expect("cache view")
            .map(|w| w.state.status),
        Some(WoStatus::AwaitingReturn)
    );
}

#[test]
fn a_transfer_is_received_by_quantity_into_a_bin_of_its_store() {
    let (mut e, extra) = engine_as(CLERK);
    e.handle(Input::Navigate(ScreenId::Transfer));
    e.handle(label("BIN:A-02"));
    refused(&mut e, "transfer_required");
    let m = step(&mut e, label(&format!("DOC:{}", extra.filter_transfer)));
    assert!(m.verdict.as_ref().is_some_and(|v| v.ok), "{:?}", m.verdict);
    e.handle(Input::DismissVerdict);
    assert_eq!(m.flow.rows.len(), 1);
    assert!(m.flow.rows[0].title.contains("FLT-AIR-500"));
    e.handle(label("BIN:N-01"));
    refused(&mut e, "wrong_warehouse");
    let m = step(&mut e, label("BIN:A-02"));
    assert_eq!(m.flow.ask_quantity.expect("quantity").preset, "3");
    e.handle(Input::Quantity(Some("4".into())));
    refused(&mut e, "not_in_transit");
    assert!(!e.model().flow.can_confirm);
    e.handle(Input::Quantity(Some("3".into())));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].follows, Some(extra.filter_transfer));
    assert_eq!(
        docs[0].body,
        Body::TransferIn {
            to_bin: "A-02".into(),
            qty: Qty::units(3),
            serials: vec![]
        }
    );
    // Received in full.
    e.handle(label(&format!("DOC:{}", extra.filter_transfer)));
    refused(&mut e, "not_in_transit");
}

#[test]
fn a_serial_transfer_is_received_unit_by_unit() {
    let (mut e, extra) = engine_as(CLERK);
    e.handle(Input::Navigate(ScreenId::Transfer));
    e.handle(label(&format!("DOC:{}", extra.fan_transfer)));
    ok(&mut e);
    e.handle(label("BIN:N-01"));
    ok(&mut e);
    e.handle(gs1(FAN, "21", "FAN-A1"));
    refused(&mut e, "not_in_transit");
    // A bare serial reads as the transfer's item.
    e.handle(label("FAN-A2"));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 1);
    assert!(m.flow.can_confirm);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(
        docs[0].body,
        Body::TransferIn {
            to_bin: "N-01".into(),
            qty: Qty::units(1),
            serials: vec!["FAN-A2".into()]
        }
    );
}

#[test]
fn a_tool_goes_out_against_the_scanned_order_and_comes_back_and_the_overdue_one_is_red() {
    let (mut e, extra) = engine_as(CLERK);
    e.handle(Input::Navigate(ScreenId::Tools));
    let m = e.model();
    assert_eq!(m.flow.rows.len(), 1);
    assert_eq!(m.flow.rows[0].id, extra.overdue_checkout.to_string());
    assert_eq!(m.flow.rows[0].tone, Tone::Bad);

    e.handle(label("WO:WO-1003"));
    ok(&mut e);
    let before = Utc::now();
    e.handle(gs1(DRILL, "21", "DR-1"));
    ok(&mut e);
    e.handle(gs1(DRILL, "21", "DR-1"));
    refused(&mut e, "already_scanned");
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    let checkout = &docs[0];
    assert_eq!(checkout.work_order, Some("WO-1003".into()));
    match &checkout.body {
        Body::ToolCheckout { pick, due, holder } => {
            assert_eq!(pick.serials, vec![SerialNo::from("DR-1")]);
            assert_eq!(pick.bin.as_str(), "A-03");
            assert_eq!(*holder, None);
            let hours = (*due - before).num_minutes();
            assert!((479..=481).contains(&hours), "due in {hours} minutes");
        }
        other => panic!("{other:?}"),
    }
    let m = e.model();
    assert_eq!(m.flow.rows.len(), 2);

    // Back: the tool, then its bin.
    e.handle(gs1(DRILL, "21", "DR-1"));
    let m = ok(&mut e);
    assert!(
        m.flow.prompt.to_lowercase().contains("bin"),
        "{}",
        m.flow.prompt
    );
    e.handle(label("BIN:A-03"));
    ok(&mut e);
    // The overdue one by its row (the bin is known now).
    e.handle(Input::Select(extra.overdue_checkout.to_string()));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[1].follows, Some(checkout.id));
    assert_eq!(
        docs[1].body,
        Body::ToolReturn {
            to_bin: "A-03".into()
        }
    );
    assert_eq!(docs[2].follows, Some(extra.overdue_checkout));
    assert!(e.model().flow.rows.is_empty());
    // Parts are not tools.
    e.handle(gs1(BATTERY, "21", "BM-0102"));
    refused(&mut e, "not_a_tool");
}

#[test]
fn a_count_records_each_position_and_a_recount_replaces_it() {
    let (mut e, _) = engine_as(CLERK);
    e.handle(Input::Navigate(ScreenId::Count));
    e.handle(item_only(TERMINAL));
    refused(&mut e, "bin_required");
    e.handle(label("BIN:A-02"));
    ok(&mut e);
    // A batch item needs its batch label.
    e.handle(item_only(FILTER));
    refused(&mut e, "batch_required");
    let m = step(&mut e, gs1(FILTER, "10", "F-77"));
    assert!(m.flow.ask_quantity.is_some());
    e.handle(Input::Quantity(Some("2".into())));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending[0].tone, Tone::Plain, "matches the books");
    e.handle(label("BIN:A-01"));
    ok(&mut e);
    e.handle(item_only(TERMINAL));
    e.handle(Input::Quantity(Some("190".into())));
    ok(&mut e);
    e.handle(item_only(TERMINAL));
    e.handle(Input::Quantity(Some("185".into())));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 2, "{:#?}", m.flow.pending);
    assert_eq!(m.flow.pending[1].tone, Tone::Warn, "186 in the books");
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[1].body,
        Body::Count {
            item: "TERM-6MM".into(),
            bin: "A-01".into(),
            batch: None,
            condition: Condition::New,
            counted: Qty::units(185),
            adjust: false,
        }
    );
    assert!(
        matches!(&docs[0].body, Body::Count { batch: Some(b), counted, .. } if b.as_str() == "F-77" && *counted == Qty::units(2))
    );
}

/// Issue screen of `engine` on `wo` (if any) with `bin` scanned.
fn issue_screen(e: &mut Engine, wo: Option<&str>, bin: &str) {
    e.handle(Input::Navigate(ScreenId::Issue));
    if let Some(wo) = wo {
        e.handle(label(&format!("WO:{wo}")));
        ok(e);
    }
    e.handle(label(&format!("BIN:{bin}")));
    ok(e);
}

/// The approval dialog is open; `badge` is scanned and `pin` entered.
fn approve(e: &mut Engine, title_part: &str, badge: &str, pin: &str) {
    let m = e.model();
    let ask = m
        .flow
        .ask_pin
        .as_ref()
        .expect("the approver's PIN is asked");
    assert!(ask.title.contains(title_part), "{ask:?}");
    assert_eq!(ask.who, "", "nobody scanned yet");
    e.handle(label(&format!("USR:{badge}")));
    let who = e.model().flow.ask_pin.map(|a| a.who).unwrap_or_default();
    assert!(!who.is_empty(), "the approver's name is shown");
    e.handle(Input::Pin(Some(pin.into())));
}

#[test]
fn a_listed_substitute_goes_to_the_planned_line_only_in_substitution_mode() {
    let (mut e, _) = engine_as(TECHNICIAN);
    issue_screen(&mut e, Some("WO-1004"), "A-02");
    // Plain issue: the alternative make is not on the order.
    e.handle(gs1(FAN_B, "21", "FANB-1"));
    refused(&mut e, "item_not_on_line");
    assert!(outbox(&e).is_empty());

    e.handle(Input::Choose("substitution".into()));
    let chosen = e.model().flow.choices;
    assert!(
        chosen
            .iter()
            .any(|c| c.id == "substitution" && c.tone == Tone::Ok),
        "{chosen:?}"
    );
    e.handle(gs1(FAN_B, "21", "FANB-1"));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 1);
    assert!(m.flow.pending[0].detail.contains("FANB-1"));
    e.handle(Input::Confirm);
    ok(&mut e);

    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    match &d.body {
        Body::SubstitutionIssue { pick, .. } => {
            assert_eq!(pick.item.as_str(), "FAN-120-B");
            assert_eq!(pick.serials, vec![SerialNo::from("FANB-1")]);
        }
        other => panic!("expected a substitution, got {other:?}"),
    }
    assert_eq!(d.work_order, Some("WO-1004".into()));
    assert_eq!(d.line, Some("WO-1004-L1".into()), "the planned fan's line");
    assert!(d.reason.is_some(), "a substitution carries its reason");
    assert_eq!(d.approver, None, "a listed substitute needs no engineer");
    // The unit is in work now: the next scan of it is refused.
    e.handle(gs1(FAN_B, "21", "FANB-1"));
    let m = e.model();
    assert!(m.verdict.as_ref().is_some_and(|v| !v.ok), "{:?}", m.verdict);
}

#[test]
fn an_additional_issue_needs_a_second_person_with_an_approving_role_and_their_pin() {
    let (mut e, _) = engine_with_badges(TECHNICIAN, &[CLERK, ENGINEER]);
    issue_screen(&mut e, Some("WO-1004"), "A-02");
    e.handle(Input::Choose("additional".into()));
    e.handle(gs1(FAN, "21", "FAN-A1"));
    let m = e.model();
    assert!(m.verdict.is_none(), "no verdict before the approval");
    assert!(m.flow.ask_pin.is_some());
    // Only a badge answers the approval.
    e.handle(gs1(FAN, "21", "FAN-A1"));
    refused(&mut e, "badge_required");

    // The author cannot approve their own issue.
    approve(&mut e, "Approver", TECHNICIAN, pin_of(TECHNICIAN));
    refused(&mut e, "approver_is_author");
    // A clerk may not approve it; the refused approver is asked for again.
    e.handle(gs1(FAN, "21", "FAN-A1"));
    approve(&mut e, "Approver", CLERK, pin_of(CLERK));
    refused(&mut e, "approver_not_allowed");
    // A wrong PIN is refused on the device, before the rules.
    e.handle(gs1(FAN, "21", "FAN-A1"));
    approve(&mut e, "Approver", ENGINEER, "0000");
    refused(&mut e, "wrong_pin");
    assert!(e.model().flow.pending.is_empty());
    assert!(outbox(&e).is_empty(), "nothing recorded by a refusal");

    e.handle(gs1(FAN, "21", "FAN-A1"));
    approve(&mut e, "Approver", ENGINEER, pin_of(ENGINEER));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 1);
    e.handle(Input::Confirm);
    ok(&mut e);

    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    match &d.body {
        Body::AdditionalIssue { pick, new_line, .. } => {
            assert_eq!(pick.serials, vec![SerialNo::from("FAN-A1")]);
            assert!(new_line.as_str().starts_with("WO-1004-A"), "{new_line}");
        }
        other => panic!("expected an additional issue, got {other:?}"),
    }
    assert_eq!(d.approver, Some("eng-1".into()));
    assert_eq!(d.author.as_str(), "tech-1");
    assert_eq!(d.work_order, Some("WO-1004".into()));
    assert!(d.reason.is_some());
}

#[test]
fn an_emergency_issue_without_an_order_needs_a_supervisors_badge_and_pin() {
    let (mut e, _) = engine_with_badges(TECHNICIAN, &[ENGINEER, SUPERVISOR]);
    issue_screen(&mut e, None, "A-02");
    // No order, no issue — unless it is an emergency.
    e.handle(gs1(FAN, "21", "FAN-A1"));
    refused(&mut e, "work_order_required");

    e.handle(Input::Choose("emergency".into()));
    e.handle(gs1(FAN, "21", "FAN-A1"));
    // An engineer may approve additional issues but not emergencies.
    approve(&mut e, "Supervisor", ENGINEER, pin_of(ENGINEER));
    refused(&mut e, "approver_not_allowed");
    e.handle(gs1(FAN, "21", "FAN-A1"));
    approve(&mut e, "Supervisor", SUPERVISOR, pin_of(SUPERVISOR));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);

    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert!(
        matches!(&d.body, Body::EmergencyIssue { pick, .. } if pick.item.as_str() == "FAN-120"),
        "{:?}",
        d.body
    );
    assert_eq!(d.approver, Some("sup-1".into()));
    assert_eq!(d.work_order, None);
    assert!(d.reason.is_some());
    // The cache's replay holds the emergency: the unit is no longer on the shelf.
    e.handle(Input::Choose("emergency".into()));
    e.handle(gs1(FAN, "21", "FAN-A1"));
    let m = e.model();
    if m.flow.ask_pin.is_some() {
        approve(&mut e, "Supervisor", SUPERVISOR, pin_of(SUPERVISOR));
    }
    let m = e.model();
    assert!(m.verdict.as_ref().is_some_and(|v| !v.ok), "{:?}", m.verdict);
}

#[test]
fn every_text_of_these_screens_has_a_russian_translation() {
    let tsv = include_str!("../../lang/ru/engine.tsv");
    let known: std::collections::BTreeSet<&str> = tsv
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(en, _)| en)
        .collect();
    let mut missing = Vec::new();
    for src in [
        include_str!("../src/engine/issue.rs"),
        include_str!("../src/engine/returns.rs"),
        include_str!("../src/engine/site.rs"),
        include_str!("../src/engine/stock.rs"),
    ] {
        let mut rest = src;
        while let Some(i) = rest.find("t(\"") {
            let before = rest[..i].chars().last();
            rest = &rest[i + 3..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(end) = rest.find('"') else { break };
            let text = &rest[..end];
            if !known.contains(text) {
                missing.push(text.to_string());
            }
        }
    }
    assert!(missing.is_empty(), "no Russian for: {missing:#?}");
}

/// The demo site after its seed, with reasons of its own: defect,
/// warranty replacement, return and write-off.
fn ledger_with_reasons() -> MemoryLedger {
    let (mut ledger, _) = ledger();
    for (code, kind, text) in [
        ("WORN", ReasonKind::Defect, "Worn out"),
        (
            "WARRANTY",
            ReasonKind::WarrantyReplacement,
            "Warranty replacement",
        ),
        ("LEFT", ReasonKind::Return, "Not needed"),
        ("USED", ReasonKind::WriteOff, "Used on the job"),
    ] {
        let reason = SiteReason {
            code: code.into(),
            kind,
            text_en: text.into(),
            text_ru: format!("{text} (ru)"),
            free_text: false,
            active: true,
        };
        ledger
            .set_row(Row {
                key: RowKey::SiteReason(reason.code.clone()),
                value: serde_json::to_value(&reason).ok(),
            })
            .expect("reason row");
    }
    ledger
}

/// A site with its own reasons: the clerk chooses one on the return
/// screen; a unit under warranty takes the warranty replacement reason,
/// and the document carries the code chosen.
#[test]
fn the_clerk_chooses_the_sites_reason_for_a_removed_unit() {
    let ledger = ledger_with_reasons();
    let mut e = engine_over(&ledger, CLERK, &[]);
    e.handle(Input::Navigate(ScreenId::Return));
    let m = e.model();
    let offered: Vec<(&str, &str)> = m
        .flow
        .choices
        .iter()
        .filter(|c| c.id.starts_with("reason:"))
        .map(|c| (c.id.as_str(), c.title.as_str()))
        .collect();
    assert_eq!(
        offered,
        [
            ("reason:LEFT", "Not needed"),
            ("reason:WORN", "Worn out"),
            ("reason:WARRANTY", "Warranty replacement"),
        ],
        "the return screen offers return, defect and warranty reasons, not write-off ones"
    );
    e.handle(Input::Choose("rejected".into()));
    e.handle(gs1(PUMP_CTRL, "21", "PC-OLD-1"));
    refused(&mut e, "bin_required");
    e.handle(label("BIN:X-01"));
    refused(&mut e, "reason_code_required");
    // A defect reason for a unit under warranty: refused, saying so.
    e.handle(Input::Choose("reason:WORN".into()));
    e.handle(gs1(PUMP_CTRL, "21", "PC-OLD-1"));
    let m = refused(&mut e, "reason_code_required");
    assert!(
        m.verdict.is_some_and(|v| v.reason.contains("warranty")),
        "the worn-out reason is no warranty replacement"
    );
    e.handle(Input::Choose("reason:WARRANTY".into()));
    let chosen = e
        .model()
        .flow
        .choices
        .iter()
        .find(|c| c.id == "reason:WARRANTY")
        .map(|c| c.tone);
    assert_eq!(chosen, Some(Tone::Ok));
    e.handle(gs1(PUMP_CTRL, "21", "PC-OLD-1"));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].reason_code, Some("WARRANTY".into()));
}

/// A clerk receives a supplier's delivery into a bin from its GS1 labels:
/// a new lot of grease with its expiry and count, battery modules by
/// serial, terminals by the keypad; what the label gets wrong is refused
/// with what to do, and the new lot is known once confirmed.
#[test]
fn a_clerk_receives_a_delivery_from_its_gs1_labels() {
    const GREASE: &str = "0401234500006";
    let (mut e, _) = engine_as(CLERK);
    let m = e.model();
    assert!(
        m.home.iter().any(|r| r.id == "receive"),
        "a clerk has goods receipt on the home screen: {:?}",
        m.home
    );
    e.handle(Input::Navigate(ScreenId::Receive));
    // The bin first.
    e.handle(gs1(BATTERY, "21", "BM-0301"));
    refused(&mut e, "bin_required");
    e.handle(label("BIN:A-02"));
    ok(&mut e);

    // A new lot with expiry (AI 17) and count (AI 30) on one label.
    let grease = |lot: &str, expiry: &str, count: &str| {
        Input::Scan(
            format!(
                "]d201{}17{expiry}30{count}\u{1d}10{lot}",
                demo::gtin(GREASE)
            )
            .into_bytes(),
        )
    };
    e.handle(grease("G-2712", "271231", "6"));
    let m = ok(&mut e);
    let row = m.flow.pending.last().expect("pending");
    assert!(
        row.detail.contains("G-2712")
            && row.detail.contains("2027-12-31")
            && row.detail.contains("× 6"),
        "{row:?}"
    );
    assert_eq!(row.tone, Tone::Warn, "a new lot is marked");
    // A known lot whose label disagrees with the books.
    e.handle(grease("G-2611", "300101", "2"));
    refused(&mut e, "expiry_mismatch");
    // A lot-kept item without its lot, a serial item without its serial.
    e.handle(item_only(GREASE));
    refused(&mut e, "batch_required");
    e.handle(item_only(BATTERY));
    refused(&mut e, "serial_required");
    // Two modules by serial; the same one twice is one unit.
    e.handle(gs1(BATTERY, "21", "BM-0301"));
    ok(&mut e);
    e.handle(gs1(BATTERY, "21", "BM-0302"));
    ok(&mut e);
    e.handle(gs1(BATTERY, "21", "BM-0301"));
    refused(&mut e, "already_scanned");
    // A serial the ledger knows already is no new unit.
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    refused(&mut e, "serial_known");
    // Terminals without a count on the label: the keypad asks.
    e.handle(item_only(TERMINAL));
    let m = e.model();
    assert!(m.flow.ask_quantity.is_some(), "{:?}", m.flow);
    e.handle(Input::Quantity(Some("50".into())));
    let m = ok(&mut e);
    assert_eq!(m.flow.pending.len(), 4, "{:#?}", m.flow.pending);

    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 4);
    let receipts: Vec<&Receipt> = docs
        .iter()
        .map(|d| match &d.body {
            Body::GoodsReceipt { receipt } => receipt,
            other => panic!("not a receipt: {other:?}"),
        })
        .collect();
    assert_eq!(receipts[0].batch, Some("G-2712".into()));
    assert_eq!(
        receipts[0].expiry,
        chrono::NaiveDate::from_ymd_opt(2027, 12, 31)
    );
    assert_eq!(receipts[0].qty, Qty::units(6));
    assert_eq!(receipts[1].serials, vec![SerialNo::from("BM-0301")]);
    assert_eq!(receipts[3].qty, Qty::units(50));
    assert!(receipts.iter().all(|r| r.bin.as_str() == "A-02"));
    // The device knows the new lot now (its own receipt, not yet synced).
    let lot = e
        .cache()
        .view()
        .batch(&"GREASE-EP2".into(), &"G-2712".into())
        .expect("view");
    assert_eq!(
        lot.and_then(|b| b.expiry),
        chrono::NaiveDate::from_ymd_opt(2027, 12, 31)
    );
}

/// The supervisor chooses the site's write-off reason on the confirm
/// screen; the write-off carries it.
#[test]
fn the_supervisor_chooses_the_write_off_reason() {
    let ledger = ledger_with_reasons();
    let mut e = engine_over(&ledger, SUPERVISOR, &[]);
    e.handle(Input::Navigate(ScreenId::Confirm));
    e.handle(label("AST:INV-UPS-01"));
    let m = ok(&mut e);
    let offered: Vec<&str> = m
        .flow
        .choices
        .iter()
        .filter(|c| c.id.starts_with("reason:"))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(offered, ["reason:USED"], "write-off reasons only");
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    refused(&mut e, "reason_code_required");
    e.handle(Input::Choose("reason:USED".into()));
    e.handle(gs1(BATTERY, "21", "BM-0101"));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1, "{docs:#?}");
    assert_eq!(docs[0].reason_code, Some("USED".into()));
}

/// Each person's home screen shows the workflows core's role matrix lets
/// them record documents in — each tile leads to a screen that records a
/// kind of document their role may author — and nothing else.
#[test]
fn every_tile_leads_to_a_screen_the_role_may_record_in() {
    use sparescan_core::document::DocKind;
    use sparescan_core::rules::roles::author_roles;
    use sparescan_handheld::engine::screen_of_kind;
    let expected: &[(&str, &[&str])] = &[
        (TECHNICIAN, &["issue", "confirm", "tools"]),
        (
            CLERK,
            &[
                "issue", "return", "inspect", "confirm", "transfer", "tools", "count", "receive",
            ],
        ),
        (SUPERVISOR, &["issue", "return", "confirm", "tools"]),
        (ENGINEER, &[]),
        ("B-6001", &["inspect", "count"]),
    ];
    for (badge, tiles) in expected {
        let (mut e, _) = engine_as(badge);
        let m = e.model();
        let shown: Vec<&str> = m
            .home
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| *id != "attention")
            .collect();
        assert_eq!(&shown, tiles, "{badge}'s home");
        let person = demo::PEOPLE
            .iter()
            .find(|p| p.badge == *badge)
            .expect("person");
        for tile in shown {
            let screen = ScreenId::from_name(tile).expect("screen");
            let records = DocKind::ALL.iter().any(|&kind| {
                screen_of_kind(kind) == screen
                    && if kind == DocKind::WoStatusChange {
                        sparescan_core::document::Transition::ALL
                            .iter()
                            .any(|&t| author_roles(kind, Some(t)).contains(&person.role))
                    } else {
                        author_roles(kind, None).contains(&person.role)
                    }
            });
            assert!(
                records,
                "{badge}: the {tile} tile records nothing a {:?} may author",
                person.role
            );
        }
    }
}

/// What a sync does, on `server`'s ledger: the outbox pushed and judged,
/// `then` recorded there (the back office), the rows pulled.
fn sync_with(e: &mut Engine, server: &mut MemoryLedger, then: Vec<Document>) {
    use sparescan_core::sync::Verdict;
    let mut verdicts = Vec::new();
    for d in outbox(e) {
        let id = d.id;
        verdicts.push(match server.submit(d) {
            Ok(_) => Verdict::Accepted {
                id,
                seq: server.accepted(&id).map(|a| a.seq).unwrap_or_default(),
                exceptions: Vec::new(),
            },
            Err(refusal) => Verdict::Rejected { id, refusal },
        });
    }
    e.cache_mut().settle(&verdicts).expect("settle");
    for d in then {
        if let Err(r) = server.submit(d) {
            panic!("back office refused: {} {}", r.code, r.message);
        }
    }
    let cursor = server.accepted_docs().count() as u64;
    e.cache_mut()
        .apply_rows(&server.rows(), Some(cursor))
        .expect("rows");
}

fn decision(request: DocId, approve: bool, reason: Option<&str>) -> Document {
    let mut d = doc("eng-1", Body::ApprovalDecision { request, approve });
    d.device = "backoffice".into();
    d.device_time = Utc::now();
    d.reason = reason.map(Into::into);
    d
}

/// No approver at the shelf: the technician asks instead of entering a
/// PIN; the engineer approves in the back office; after the sync the same
/// part is issued under the approval, without a PIN — once.
#[test]
fn an_additional_issue_asked_for_is_issued_without_a_pin_once_approved() {
    let (mut server, _) = ledger();
    let mut e = engine_over(&server, TECHNICIAN, &[]);
    issue_screen(&mut e, Some("WO-1004"), "A-02");
    e.handle(Input::Choose("additional".into()));
    e.handle(gs1(FAN, "21", "FAN-A1"));
    assert!(e.model().flow.ask_pin.is_some(), "an approver's PIN first");
    assert!(
        !e.model()
            .flow
            .choices
            .iter()
            .any(|c| c.id == "ask-approval"),
        "not offered over the PIN dialog"
    );
    // Nobody to approve: the dialog is cancelled, asking offered.
    e.handle(Input::Pin(None));
    let m = e.model();
    let ask = m
        .flow
        .choices
        .iter()
        .find(|c| c.id == "ask-approval")
        .unwrap_or_else(|| panic!("Ask an approver offered: {:?}", m.flow.choices));
    assert_eq!(ask.detail, "1 × Cabinet fan 120 mm");
    e.handle(Input::Choose("ask-approval".into()));
    let m = ok(&mut e);
    assert_eq!(m.verdict.map(|v| v.title), Some("Approval asked".into()));
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    let request = docs[0].id;
    assert!(
        matches!(
            &docs[0].body,
            Body::ApprovalRequest { what: ApprovalKind::Additional, item, qty }
                if item.as_str() == "FAN-120" && *qty == Qty::units(1)
        ),
        "{:?}",
        docs[0].body
    );
    assert_eq!(docs[0].work_order, Some("WO-1004".into()));
    assert!(docs[0].reason.is_some());
    let m = e.model();
    assert_eq!(m.flow.rows_title, "Approvals you asked for");
    assert!(
        m.flow.rows.iter().any(|r| r.title == "1 × FAN-120"
            && r.detail == "waiting for an approver"
            && r.tone == Tone::Warn),
        "{:?}",
        m.flow.rows
    );
    // Not approved yet: scanning again still asks for a PIN.
    e.handle(gs1(FAN, "21", "FAN-A1"));
    assert!(e.model().flow.ask_pin.is_some());
    e.handle(Input::Pin(None));

    sync_with(&mut e, &mut server, vec![decision(request, true, None)]);
    let m = e.model();
    assert!(
        m.flow
            .rows
            .iter()
            .any(|r| r.detail.contains("approved by eng-1") && r.tone == Tone::Ok),
        "{:?}",
        m.flow.rows
    );
    e.handle(gs1(FAN, "21", "FAN-A1"));
    let m = ok(&mut e);
    assert!(m.flow.ask_pin.is_none(), "no PIN once approved");
    assert_eq!(m.flow.pending.len(), 1);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert_eq!(docs.len(), 1);
    assert!(
        matches!(
            &docs[0].body,
            Body::AdditionalIssue { approval: Some(r), pick, .. }
                if *r == request && pick.serials == vec![SerialNo::from("FAN-A1")]
        ),
        "{:?}",
        docs[0].body
    );
    assert_eq!(docs[0].approver, None);
    // The approval covered one fan: the next needs a PIN again.
    e.handle(gs1(FAN, "21", "FAN-A3"));
    assert!(e.model().flow.ask_pin.is_some());
    e.handle(Input::Pin(None));
    // The server takes the issue the device recorded.
    sync_with(&mut e, &mut server, Vec::new());
    assert!(outbox(&e).is_empty(), "accepted by the server");
    assert!(e.cache().attention().expect("attention").is_empty());
}

/// A substitute nobody listed: refused at the shelf with the offer to ask;
/// an engineer's refusal comes back with the reason; an approval lets the
/// part go to the line it replaces.
#[test]
fn an_unlisted_substitute_is_asked_for_and_decided_by_an_engineer() {
    let (mut server, _) = ledger();
    let mut e = engine_over(&server, TECHNICIAN, &[]);
    issue_screen(&mut e, Some("WO-1004"), "A-01");
    e.handle(Input::Choose("substitution".into()));
    let ask_for = |e: &mut Engine| -> DocId {
        e.handle(gs1(PUMP_CTRL, "21", "PC-NEW-2"));
        let m = refused(e, "substitute_not_allowed");
        assert!(
            m.verdict
                .is_some_and(|v| v.what_to_do.contains("Ask an approver")),
            "the refusal points to asking"
        );
        e.handle(Input::Choose("ask-approval".into()));
        ok(e);
        let docs = outbox(e);
        let d = docs.last().expect("the request");
        assert!(
            matches!(
                &d.body,
                Body::ApprovalRequest {
                    what: ApprovalKind::Substitution,
                    ..
                }
            ),
            "{:?}",
            d.body
        );
        assert_eq!(d.line, Some("WO-1004-L1".into()), "the fan's line");
        d.id
    };
    let first = ask_for(&mut e);
    sync_with(
        &mut e,
        &mut server,
        vec![decision(first, false, Some("the controller is no fan"))],
    );
    let rows = e.model().flow.rows;
    assert!(
        rows.iter().any(
            |r| r.tone == Tone::Bad && r.detail == "refused by eng-1: the controller is no fan"
        ),
        "{rows:?}"
    );
    // Refused stays refused: the part is still not taken.
    e.handle(gs1(PUMP_CTRL, "21", "PC-NEW-2"));
    refused(&mut e, "substitute_not_allowed");

    let second = ask_for(&mut e);
    sync_with(&mut e, &mut server, vec![decision(second, true, None)]);
    e.handle(gs1(PUMP_CTRL, "21", "PC-NEW-2"));
    ok(&mut e);
    e.handle(Input::Confirm);
    ok(&mut e);
    let docs = outbox(&e);
    assert!(
        matches!(
            &docs[0].body,
            Body::SubstitutionIssue { approval: Some(r), .. } if *r == second
        ),
        "{:?}",
        docs[0].body
    );
    assert_eq!(docs[0].line, Some("WO-1004-L1".into()));
    sync_with(&mut e, &mut server, Vec::new());
    assert!(outbox(&e).is_empty(), "accepted by the server");
}

/// What was to be asked for belongs to its order: another order scanned
/// takes the offer away (it would have asked on the new order).
#[test]
fn asking_is_offered_only_on_the_order_it_belongs_to() {
    let (mut e, _) = engine_as(TECHNICIAN);
    issue_screen(&mut e, Some("WO-1004"), "A-02");
    e.handle(Input::Choose("additional".into()));
    e.handle(gs1(FAN, "21", "FAN-A1"));
    e.handle(Input::Pin(None));
    let offered = |e: &mut Engine| {
        e.model()
            .flow
            .choices
            .iter()
            .any(|c| c.id == "ask-approval")
    };
    assert!(offered(&mut e));
    e.handle(label("WO:WO-1003"));
    e.handle(Input::DismissVerdict);
    assert!(!offered(&mut e), "{:?}", e.model().flow.choices);
    // Asking anyway (a stale tap) records nothing.
    e.handle(Input::Choose("ask-approval".into()));
    assert!(outbox(&e).is_empty());
}
