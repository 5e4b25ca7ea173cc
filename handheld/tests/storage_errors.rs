//! A storage failure is an error, never a business verdict (issue 15,
//! item 6): when the cache cannot read what the rules ask for, or cannot
//! record a document, the engine says so and what to do, records nothing,
//! and the same scan or Confirm goes through once the storage works again.
//!
//! The failures are made for real through a second SQLite connection to the
//! cache file: it breaks the stored stock rows, or makes the outbox refuse
//! inserts (and undoes it).

use chrono::{Duration, Utc};
use sparescan_core::memory::MemoryLedger;
use sparescan_core::scan::ScanConfig;
use sparescan_demo as demo;
use sparescan_handheld::cache::Cache;
use sparescan_handheld::engine::model::{ScreenId, Tone, UiModel};
use sparescan_handheld::engine::{Engine, Input};
use std::path::Path;

mod common;

const CLERK: &str = "B-2001";

fn fan_label(serial: &str) -> String {
    format!("(01){}(21){serial}", demo::gtin("0401234500002"))
}

/// An engine over the demo site in a cache file, signed in as the clerk,
/// on the issue screen.
fn clerk(path: &Path) -> Engine {
    let mut ledger = MemoryLedger::new(demo::site());
    for d in demo::seed_documents(Utc::now() - Duration::hours(2)) {
        if let Err(r) = ledger.submit(d) {
            panic!("seed refused: {} {}", r.code, r.message);
        }
    }
    let mut cache = Cache::open(path).expect("cache");
    cache.apply_rows(&ledger.rows(), Some(1)).expect("rows");
    cache.set_meta("device_id", Some("dev-test")).expect("meta");
    cache.set_meta("site", Some(demo::SITE)).expect("meta");
    common::provision(&mut cache, &[CLERK]);
    let mut engine = Engine::new(cache, ScanConfig::default());
    engine.handle(Input::Scan(format!("USR:{CLERK}").into_bytes()));
    engine.handle(Input::SignIn { pin: "3333".into() });
    assert_eq!(engine.screen(), ScreenId::Home);
    engine.handle(Input::Navigate(ScreenId::Issue));
    engine
}

/// Another connection breaks every stored stock row (their text is no
/// longer JSON), keeping the good ones aside.
fn break_stock(path: &Path) {
    let db = rusqlite::Connection::open(path).expect("second connection");
    db.execute_batch(
        "CREATE TABLE saved_stock AS SELECT key, value FROM rows WHERE kind = 'stock';
         UPDATE rows SET value = 'unreadable' WHERE kind = 'stock';",
    )
    .expect("break the stock rows");
}

fn repair_stock(path: &Path) {
    let db = rusqlite::Connection::open(path).expect("second connection");
    db.execute_batch(
        "UPDATE rows SET value = (SELECT value FROM saved_stock s WHERE s.key = rows.key)
           WHERE kind = 'stock';
         DROP TABLE saved_stock;",
    )
    .expect("repair the stock rows");
}

fn scan(engine: &mut Engine, code: &str) -> UiModel {
    engine.handle(Input::Scan(code.as_bytes().to_vec()));
    engine.model()
}

/// The verdict says storage, what to do, and is no refusal.
fn assert_storage_failure(m: &UiModel) {
    let v = m.verdict.as_ref().expect("a verdict is shown");
    assert!(!v.ok, "{v:?}");
    assert_eq!(v.code, "storage_error", "{v:?}");
    assert!(
        v.what_to_do.contains("Restart the app") && v.what_to_do.contains("support"),
        "{v:?}"
    );
}

// An unreadable stock row is a storage failure of the rules' view, not a
// stock of 0 (which the rules would answer `reserved_for_other_order`).
#[test]
fn a_scan_that_meets_a_storage_failure_is_not_a_refusal_and_can_be_retried() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.db");
    let mut e = clerk(&path);
    scan(&mut e, "WO:WO-1004");
    scan(&mut e, "BIN:A-02");
    let outbox = e.cache().outbox_len().expect("outbox");

    break_stock(&path);
    let m = scan(&mut e, &fan_label("FAN-A1"));
    assert_storage_failure(&m);
    assert!(
        m.flow.pending.is_empty(),
        "nothing picked: {:#?}",
        m.flow.pending
    );
    let row = &m.recent_scans[0];
    assert_eq!(row.title, fan_label("FAN-A1"));
    assert_eq!(row.tone, Tone::Bad);
    assert!(!row.detail.starts_with("Refused"), "{row:?}");
    assert_eq!(e.cache().outbox_len().expect("outbox"), outbox);

    repair_stock(&path);
    let m = scan(&mut e, &fan_label("FAN-A1"));
    assert!(m.verdict.as_ref().is_some_and(|v| v.ok), "{:?}", m.verdict);
    assert_eq!(m.flow.pending.len(), 1, "{:#?}", m.flow.pending);
}

/// A Confirm of one pick while `break_it` holds: a storage failure,
/// nothing recorded, the pick kept; after `repair`, the same Confirm
/// records it. The engine (and its cache's directory) is returned for more
/// checks.
fn confirm_through_a_storage_failure(
    break_it: fn(&Path),
    repair: fn(&Path),
) -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.db");
    let mut e = clerk(&path);
    scan(&mut e, "WO:WO-1004");
    scan(&mut e, "BIN:A-02");
    let m = scan(&mut e, &fan_label("FAN-A1"));
    assert_eq!(m.flow.pending.len(), 1, "{:#?}", m.flow.pending);
    let outbox = e.cache().outbox_len().expect("outbox");

    break_it(&path);
    e.handle(Input::Confirm);
    let m = e.model();
    assert_storage_failure(&m);
    assert_eq!(
        e.cache().outbox_len().expect("outbox"),
        outbox,
        "nothing recorded"
    );
    assert_eq!(
        m.flow.pending.len(),
        1,
        "the pick is kept: {:#?}",
        m.flow.pending
    );

    repair(&path);
    e.handle(Input::Confirm);
    assert_eq!(e.cache().outbox_len().expect("outbox"), outbox + 1);
    (e, dir)
}

#[test]
fn a_confirm_that_meets_a_storage_failure_records_nothing_and_keeps_the_pick() {
    confirm_through_a_storage_failure(break_stock, repair_stock);
}

/// Another connection makes every insert into the outbox fail.
fn refuse_outbox_writes(path: &Path) {
    let db = rusqlite::Connection::open(path).expect("second connection");
    db.execute_batch(
        "CREATE TRIGGER outbox_refuses BEFORE INSERT ON outbox
         BEGIN SELECT RAISE(ABORT, 'disk I/O error (test)'); END;",
    )
    .expect("trigger");
}

fn allow_outbox_writes(path: &Path) {
    let db = rusqlite::Connection::open(path).expect("second connection");
    db.execute_batch("DROP TRIGGER outbox_refuses;")
        .expect("drop trigger");
}

#[test]
fn a_confirm_that_cannot_record_says_storage_and_keeps_the_pick() {
    let (mut e, _dir) =
        confirm_through_a_storage_failure(refuse_outbox_writes, allow_outbox_writes);
    let m = e.model();
    assert!(m.verdict.as_ref().is_some_and(|v| v.ok), "{:?}", m.verdict);
    assert!(m.flow.pending.is_empty(), "{:#?}", m.flow.pending);
}

/// A badge whose person cannot be read is a storage failure on the sign-in
/// screen, not "Unknown badge" (which sends a person to their supervisor for
/// a badge that is registered).
#[test]
fn a_badge_that_cannot_be_read_is_a_storage_failure_not_an_unknown_badge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("device.sqlite");
    let mut engine = clerk(&path);
    engine.handle(Input::SignOut);
    assert_eq!(engine.screen(), ScreenId::SignIn);
    let db = rusqlite::Connection::open(&path).expect("second connection");
    db.execute_batch("UPDATE rows SET value = 'unreadable' WHERE kind = 'user';")
        .expect("break the user rows");
    let m = scan(&mut engine, &format!("USR:{CLERK}"));
    let error = &m.sign_in.error;
    assert!(
        !error.contains("Unknown badge"),
        "a storage failure shown as an unknown badge: {error}"
    );
    assert!(error.contains("storage"), "{error}");
}

/// What a screen shows is read without the rules (an order's header, names,
/// lists); when those reads fail, the status line says storage error and
/// what to do instead of the screen quietly showing less, until the
/// storage works again.
#[test]
fn a_screen_that_cannot_read_what_it_shows_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.db");
    let mut e = clerk(&path);
    let m = scan(&mut e, "WO:WO-1004");
    assert!(m.verdict.as_ref().is_some_and(|v| v.ok), "{:?}", m.verdict);
    assert!(!m.sync.activity.contains("Storage"), "{:?}", m.sync);

    let db = rusqlite::Connection::open(&path).expect("second connection");
    db.execute_batch(
        "CREATE TABLE saved AS SELECT key, value FROM rows WHERE kind = 'work_order';
         UPDATE rows SET value = 'unreadable' WHERE kind = 'work_order';",
    )
    .expect("break the order rows");
    let m = e.model();
    assert!(
        m.sync.activity.starts_with("Storage error"),
        "a failed read showed as an emptier screen, nothing said: {:?}",
        m.sync
    );

    db.execute_batch(
        "UPDATE rows SET value = (SELECT value FROM saved s WHERE s.key = rows.key)
           WHERE kind = 'work_order';
         DROP TABLE saved;",
    )
    .expect("repair the order rows");
    let m = e.model();
    assert!(!m.sync.activity.contains("Storage"), "{:?}", m.sync);
}
