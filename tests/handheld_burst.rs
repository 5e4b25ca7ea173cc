//! A burst of scans through the window's keyboard-wedge path while the
//! worker judges each one: none dropped, none reordered. Defaults are the
//! issue's 5,000 scans at 20 per second (250 s); BURST_SCANS and BURST_RATE
//! change them.

mod support;

use sparescan::demo::DemoServer;
use sparescan::engine::model::ScreenId;
use std::time::{Duration, Instant};
use support::Handheld;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn five_thousand_scans_at_twenty_per_second_all_processed_in_order() {
    let scans = env("BURST_SCANS", 5000);
    let rate = env("BURST_RATE", 20).max(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let server = DemoServer::start(dir.path(), ([127, 0, 0, 1], 0).into()).expect("server");
    let mut hh = Handheld::open(&dir.path().join("device.sqlite"));
    hh.enroll(
        &server.url(),
        &server.ca_path,
        &server.enrollment_code().expect("code"),
    );
    hh.sign_in("B-1001", "1111");
    hh.navigate(ScreenId::Issue);
    hh.scan("WO:WO-1003");
    let base = hh
        .wait("the order", |m| !m.flow.lines.is_empty())
        .scans_handled;

    let period = Duration::from_nanos(1_000_000_000 / rate);
    let start = Instant::now();
    let mut seen = Vec::new();
    for i in 0..scans {
        // Every tenth scan is a real bin label (a verdict from the rules'
        // look-ups); the others are numbered codes the cache doesn't know.
        let code = if i % 10 == 9 {
            "BIN:A-01".to_string()
        } else {
            format!("SEQ-{i:05}")
        };
        hh.scan(&code);
        seen.extend(hh.pump());
        let next = start + period * (i as u32 + 1);
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let injected_in = start.elapsed();
    // Every model counts (a wait that skipped the ones queued meanwhile
    // would report their scans as dropped).
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.last().is_none_or(|m| m.scans_handled < base + scans) {
        assert!(
            Instant::now() < deadline,
            "not every scan handled in 60 s: {:?}",
            seen.last().map(|m| m.scans_handled - base)
        );
        std::thread::sleep(Duration::from_millis(20));
        seen.extend(hh.pump());
    }
    let last = seen.last().cloned().expect("a model");
    let numbers: Vec<u64> = seen
        .iter()
        .filter_map(|m| m.last_scan.strip_prefix("SEQ-"))
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] <= w[1]),
        "scans handled out of order"
    );
    let mut distinct = numbers.clone();
    distinct.dedup();
    // Every model is one handled command: each numbered scan is seen once
    // as the last scan of its model.
    let expected = (0..scans).filter(|i| i % 10 != 9).count();
    assert_eq!(distinct.len(), expected, "a scan was dropped");
    println!(
        "burst: {scans} scans injected in {:.1} s ({:.1}/s), all {} handled in order",
        injected_in.as_secs_f64(),
        scans as f64 / injected_in.as_secs_f64(),
        last.scans_handled - base
    );
}
