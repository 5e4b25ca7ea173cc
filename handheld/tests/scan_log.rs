//! Every scan accounted for: the issue screen lists the task's last scans
//! with what became of each, a later scan never hides an earlier one, and a
//! burst of scans (some refused) leaves every accepted part in the pick.
//! Driven through the engine against the demo site in an in-memory cache.

use chrono::{Duration, Utc};
use sparescan_core::memory::MemoryLedger;
use sparescan_core::scan::ScanConfig;
use sparescan_demo as demo;
use sparescan_handheld::cache::Cache;
use sparescan_handheld::engine::model::{RowModel, ScreenId, Tone, UiModel};
use sparescan_handheld::engine::{Engine, Input};

mod common;

const TECHNICIAN: &str = "B-1001";

/// An engine over the demo site, signed in as the technician.
fn technician() -> Engine {
    let mut ledger = MemoryLedger::new(demo::site());
    for d in demo::seed_documents(Utc::now() - Duration::hours(2)) {
        if let Err(r) = ledger.submit(d) {
            panic!("seed refused: {} {}", r.code, r.message);
        }
    }
    let mut cache = Cache::open_in_memory().expect("cache");
    cache.apply_rows(&ledger.rows(), Some(1)).expect("rows");
    cache.set_meta("device_id", Some("dev-test")).expect("meta");
    cache.set_meta("site", Some(demo::SITE)).expect("meta");
    common::provision(&mut cache, &[TECHNICIAN]);
    let mut engine = Engine::new(cache, ScanConfig::default());
    engine.handle(Input::Scan(format!("USR:{TECHNICIAN}").into_bytes()));
    engine.handle(Input::SignIn { pin: "1111".into() });
    assert_eq!(engine.screen(), ScreenId::Home);
    engine
}

fn scan(engine: &mut Engine, code: &str) -> UiModel {
    engine.handle(Input::Scan(code.as_bytes().to_vec()));
    engine.model()
}

fn serial_label(stem: &str, serial: &str) -> String {
    format!("(01){}(21){serial}", demo::gtin(stem))
}

fn entry<'a>(m: &'a UiModel, code: &str) -> &'a RowModel {
    m.recent_scans
        .iter()
        .find(|r| r.title == code)
        .unwrap_or_else(|| panic!("{code} not in the list: {:#?}", m.recent_scans))
}

#[test]
fn a_burst_of_ten_scans_keeps_every_verdict_and_every_accepted_part() {
    let mut e = technician();
    e.handle(Input::Navigate(ScreenId::Issue));
    const FAN: &str = "0401234500002";
    const FAN_B: &str = "0401234500003";
    let burst = [
        "WO:WO-1004".to_string(),
        "BIN:A-02".to_string(),
        serial_label(FAN, "FAN-A1"),
        serial_label(FAN, "FAN-A2"),
        // Not on the order.
        serial_label(FAN_B, "FANB-1"),
        // The same unit twice.
        serial_label(FAN, "FAN-A1"),
        "NO-SUCH-CODE".to_string(),
        // A GTIN with a wrong check digit.
        "(01)04012345000024(21)X".to_string(),
        "BIN:A-02".to_string(),
        serial_label(FAN, "FAN-A2"),
    ];
    for code in &burst {
        e.handle(Input::Scan(code.as_bytes().to_vec()));
    }
    let m = e.model();
    assert_eq!(m.recent_scans.len(), 10, "{:#?}", m.recent_scans);
    // Newest first; every scan has its verdict, none is left waiting.
    for (row, code) in m.recent_scans.iter().zip(burst.iter().rev()) {
        assert_eq!(&row.title, code);
        assert!(
            matches!(row.tone, Tone::Ok | Tone::Bad),
            "{code}: {row:?} has no verdict"
        );
        if row.tone == Tone::Bad {
            assert!(row.detail.len() > "Refused: ".len(), "{row:?} says why");
        }
    }
    assert_eq!(entry(&m, "NO-SUCH-CODE").tone, Tone::Bad);
    let fan_b = entry(&m, &serial_label(FAN_B, "FANB-1"));
    assert_eq!(fan_b.tone, Tone::Bad, "FANB-1 is not on WO-1004");
    // The list's accepted parts are exactly the pick.
    let accepted_units: std::collections::BTreeSet<&str> = ["FAN-A1", "FAN-A2"]
        .into_iter()
        .filter(|s| {
            m.recent_scans
                .iter()
                .any(|r| r.title.ends_with(&format!("(21){s}")) && r.tone == Tone::Ok)
        })
        .collect();
    assert!(accepted_units.contains("FAN-A1"), "{:#?}", m.recent_scans);
    for unit in &accepted_units {
        assert!(
            m.flow.pending.iter().any(|p| p.detail.contains(unit)),
            "{unit} was accepted but is not in the pick: {:#?}",
            m.flow.pending
        );
    }
    assert_eq!(
        m.flow.pending.len(),
        accepted_units.len(),
        "the pick holds what the list accepted: {:#?}",
        m.flow.pending
    );
    let count = |tone| m.recent_scans.iter().filter(|r| r.tone == tone).count();
    println!(
        "burst: {} scans listed, {} accepted, {} refused; {} parts in the pick",
        m.recent_scans.len(),
        count(Tone::Ok),
        count(Tone::Bad),
        m.flow.pending.len()
    );
}

#[test]
fn a_part_waiting_for_its_quantity_says_so_until_answered() {
    let mut e = technician();
    e.handle(Input::Navigate(ScreenId::Issue));
    scan(&mut e, "WO:WO-1003");
    scan(&mut e, "BIN:A-01");
    let terminal = format!("(01){}", demo::gtin("0401234500005"));
    let m = scan(&mut e, &terminal);
    assert!(m.flow.ask_quantity.is_some());
    let row = entry(&m, &terminal);
    assert_eq!(
        (row.tone, row.detail.as_str()),
        (Tone::Warn, "Waiting for the quantity")
    );
    // A second part scanned before the quantity replaces the first: the
    // list says so rather than dropping it silently.
    let zip = format!("(01){}", demo::gtin("0401234500009"));
    let m = scan(&mut e, &zip);
    assert_eq!(entry(&m, &zip).tone, Tone::Warn);
    assert_eq!(
        m.recent_scans[1].detail, "Not taken: a later scan replaced it",
        "{:#?}",
        m.recent_scans
    );
    e.handle(Input::Quantity(Some("5".into())));
    let m = e.model();
    let row = entry(&m, &zip);
    assert_eq!(row.tone, Tone::Ok, "{row:?}");
    assert!(row.detail.starts_with("Accepted"), "{row:?}");
    // A new task starts a new list.
    e.handle(Input::Navigate(ScreenId::Return));
    assert!(e.model().recent_scans.is_empty());
}
