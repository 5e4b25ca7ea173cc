//! A scan never waits for the network: with the server's address taken by
//! a listener that accepts connections and never answers (a shop floor's
//! access point that drops packets), scans are judged at once while a sync
//! and an online sign-in hang; the status line says offline within 5 s;
//! neither a PIN nor the device token reaches the log.

use chrono::{Duration as Days, Utc};
use sparescan_core::memory::MemoryLedger;
use sparescan_core::scan::ScanConfig;
use sparescan_demo as demo;
use sparescan_handheld::cache::Cache;
use sparescan_handheld::config::SyncConfig;
use sparescan_handheld::engine::Input;
use sparescan_handheld::engine::meta;
use sparescan_handheld::engine::model::{ScreenId, UiModel};
use sparescan_handheld::worker::{Command, Worker};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

mod common;

const TOKEN: &str = "tok-8f3a-never-in-the-log";
/// A PIN no log line can contain by chance.
const PIN: &str = "97531";

/// Every log line of this test binary.
struct Captured(Mutex<Vec<String>>);

impl log::Log for Captured {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(format!("{} {}", record.target(), record.args()));
        }
    }
    fn flush(&self) {}
}

fn captured() -> &'static Captured {
    static LOGGER: OnceLock<&'static Captured> = OnceLock::new();
    LOGGER.get_or_init(|| {
        let logger: &'static Captured = Box::leak(Box::new(Captured(Mutex::new(Vec::new()))));
        let _ = log::set_logger(logger);
        log::set_max_level(log::LevelFilter::Trace);
        logger
    })
}

/// A listener on 127.0.0.1 that accepts every connection and never
/// answers; counts the connections. Its sockets stay open.
fn black_hole() -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let addr = listener.local_addr().expect("address");
    let accepted = Arc::new(Mutex::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
            if let Ok(mut n) = count.lock() {
                *n += 1;
            }
        }
    });
    (format!("https://{addr}"), accepted)
}

/// A cache file holding the demo site, enrolled against `url`, with the
/// technician's sign-in kept from an earlier online one.
fn enrolled_cache(dir: &Path, url: &str) -> Cache {
    let mut ledger = MemoryLedger::new(demo::site());
    for d in demo::seed_documents(Utc::now() - Days::hours(2)) {
        if let Err(r) = ledger.submit(d) {
            panic!("seed refused: {} {}", r.code, r.message);
        }
    }
    // Any CA will do: the black hole never gets as far as a handshake.
    let ca_pem = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .expect("a CA")
        .cert
        .pem();
    let mut cache = Cache::open(&dir.join("device.sqlite")).expect("cache");
    cache.apply_rows(&ledger.rows(), Some(1)).expect("rows");
    for (key, value) in [
        (meta::DEVICE_ID, "dev-test"),
        (meta::SITE, demo::SITE),
        (meta::SERVER_URL, url),
        (meta::CA_PEM, ca_pem.as_str()),
        (meta::DEVICE_TOKEN, TOKEN),
    ] {
        cache.set_meta(key, Some(value)).expect("meta");
    }
    common::provision(&mut cache, &["B-1001"]);
    cache
}

struct Device {
    worker: Worker,
    models: Receiver<UiModel>,
}

impl Device {
    fn start(cache: Cache) -> Device {
        let (sink, models) = channel();
        let worker = Worker::spawn(
            cache,
            ScanConfig::default(),
            SyncConfig {
                interval_secs: 1,
                max_backoff_secs: 1,
            },
            sink,
        )
        .expect("worker");
        Device { worker, models }
    }

    /// The first model that satisfies `cond`, and when it came.
    fn wait(&self, what: &str, within: Duration, cond: impl Fn(&UiModel) -> bool) -> Instant {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.models.recv_timeout(left) {
                Ok(m) if cond(&m) => return Instant::now(),
                Ok(_) => {}
                Err(_) => panic!("no {what} within {within:?}"),
            }
        }
    }
}

fn wait_for_connection(accepted: &Mutex<usize>, at_least: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while accepted.lock().map(|n| *n).unwrap_or(0) < at_least {
        assert!(
            Instant::now() < deadline,
            "the device never connected to the server's address"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_scan_during_a_hanging_sync_gets_its_verdict_at_once_and_offline_shows_within_5_s() {
    captured();
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, accepted) = black_hole();
    let device = Device::start(enrolled_cache(dir.path(), &url));
    // The first sync has begun: its connection is accepted and hangs.
    wait_for_connection(&accepted, 1);
    let began = Instant::now();
    device
        .worker
        .send(Command::Input(Input::Scan(b"USR:B-1001".to_vec())));
    let judged = device.wait("the badge's verdict", Duration::from_secs(30), |m| {
        !m.sign_in.badge_name.is_empty()
    });
    let waited = judged - began;
    assert!(
        waited < Duration::from_millis(500),
        "the badge scan waited {waited:?} for the sync"
    );
    let offline = device.wait("offline on the status line", Duration::from_secs(30), |m| {
        !m.sync.online && m.sync.activity.starts_with("Offline since")
    });
    let took = offline - began;
    assert!(
        took < Duration::from_secs(5),
        "offline was shown {took:?} after the sync began"
    );
}

#[test]
fn an_online_sign_in_that_hangs_never_stops_scanning_and_ends_offline() {
    let logs = captured();
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, accepted) = black_hole();
    let device = Device::start(enrolled_cache(dir.path(), &url));
    wait_for_connection(&accepted, 1);
    device
        .worker
        .send(Command::Input(Input::Scan(b"USR:B-1001".to_vec())));
    device.wait("the badge", Duration::from_secs(5), |m| {
        !m.sign_in.badge_name.is_empty()
    });
    // A wrong PIN first: the server is asked, never answers, and the device
    // falls back to its own check.
    let asked = Instant::now();
    device
        .worker
        .send(Command::Input(Input::SignIn { pin: PIN.into() }));
    let checking = device.wait("Checking with the server", Duration::from_secs(5), |m| {
        m.sign_in.status.contains("Checking with the server")
    });
    assert!(checking - asked < Duration::from_millis(500));
    // Meanwhile scanning goes on: a scan on the sign-in screen is judged.
    let scanned = Instant::now();
    device
        .worker
        .send(Command::Input(Input::Scan(b"BIN:A-01".to_vec())));
    let judged = device.wait("the scan's verdict", Duration::from_secs(5), |m| {
        m.sign_in.error.contains("not a badge")
    });
    assert!(
        judged - scanned < Duration::from_millis(500),
        "a scan waited {:?} for the online sign-in",
        judged - scanned
    );
    // The server never answers: the device checks the PIN itself.
    device.wait(
        "the offline check's refusal",
        Duration::from_secs(15),
        |m| m.sign_in.error.contains("Wrong PIN"),
    );
    device
        .worker
        .send(Command::Input(Input::SignIn { pin: "1111".into() }));
    device.wait("home, signed in offline", Duration::from_secs(20), |m| {
        m.screen == ScreenId::Home
    });
    drop(device);
    let lines = logs.0.lock().expect("log").clone();
    assert!(
        lines.iter().any(|l| l.contains("sign-in")),
        "the sign-in left a log line: {lines:#?}"
    );
    for line in &lines {
        assert!(!line.contains(PIN), "a PIN in the log: {line}");
        assert!(!line.contains(TOKEN), "the device token in the log: {line}");
    }
}
