//! Offline work and conflicts: nothing recorded on the device is lost or
//! recorded twice, even when the app is killed; a conflict ends in Needs
//! attention with the reason and the holder.

mod support;

use sparescan::cache::Cache;
use sparescan::demo::DemoServer;
use sparescan::engine::Input;
use sparescan::engine::model::ScreenId;
use sparescan_core::model::{SerialKey, SerialState};
use sparescan_core::view::LedgerView;
use sparescan_server::demo::{SITE, gtin};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use support::{Device, free_port};

fn fan_label(serial: &str) -> String {
    format!("]d201{}21{serial}", gtin("0401234500002"))
}

fn start(dir: &Path, port: u16) -> DemoServer {
    DemoServer::start(dir, ([127, 0, 0, 1], port).into()).expect("server")
}

/// Issues FAN-`serial` to WO-1004 and `terms` ZIP-200 ties to WO-1003.
fn issue_offline(d: &mut Device, serial: &str, terms: Option<&str>) {
    d.input(Input::Navigate(ScreenId::Issue));
    d.scan("WO:WO-1004");
    d.scan("BIN:A-02");
    d.scan(&fan_label(serial));
    d.input(Input::Confirm);
    if let Some(q) = terms {
        d.scan("WO:WO-1003");
        d.scan("BIN:A-01");
        d.scan("ZIP-200");
        d.input(Input::Quantity(Some(q.into())));
        d.input(Input::Confirm);
    }
}

/// The app as a child process, killed with SIGKILL after recording.
#[test]
fn child_app_records_offline() {
    let Ok(path) = std::env::var("SPARESCAN_CHILD_CACHE") else {
        return; // Only runs as the child of the test below.
    };
    let mut d = Device::open(Path::new(&path));
    d.wait("sign-in", |m| m.screen == ScreenId::SignIn);
    d.sign_in("B-1001", "1111");
    issue_offline(&mut d, "FAN-A1", Some("5"));
    let m = d.wait("two documents in the outbox", |m| m.sync.pending == 2);
    assert!(!m.sync.online);
    println!("RECORDED");
    // Wait to be killed.
    std::thread::sleep(std::time::Duration::from_secs(600));
}

#[test]
fn offline_issues_survive_a_kill_and_drain_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let cache_path = dir.path().join("device.sqlite");
    {
        let server = start(dir.path(), port);
        let mut d = Device::open(&cache_path);
        d.enroll(
            &server.url(),
            &server.ca_path,
            &server.enrollment_code().expect("code"),
        );
    }
    // Server down. The app records two issues offline and is killed.
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "child_app_records_offline",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SPARESCAN_CHILD_CACHE", &cache_path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("child app");
    let stdout = child.stdout.take().expect("stdout");
    let recorded = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("RECORDED"));
    assert!(recorded, "the child app recorded its documents");
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let outbox = Cache::open(&cache_path)
        .expect("cache")
        .outbox()
        .expect("outbox");
    assert_eq!(outbox.len(), 2, "both documents survived the kill");

    // Server back: the outbox drains; each document recorded once.
    let server = start(dir.path(), port);
    let mut d = Device::open(&cache_path);
    d.wait("the outbox drained", |m| {
        m.sync.online && m.sync.pending == 0
    });
    drop(d);
    for doc in &outbox {
        let found = server
            .server()
            .backend()
            .reader()
            .expect("reader")
            .document(&doc.id)
            .expect("read");
        assert!(found.is_some(), "{} recorded", doc.id);
    }
    // Sending them again (a retry after a lost answer) records nothing new.
    let again = server
        .block_on(async {
            let cache = Cache::open(&cache_path).expect("cache");
            let client = sparescan_server::client::Client::new(
                &server.url(),
                std::fs::read(&server.ca_path).expect("ca").as_slice(),
            )
            .expect("client")
            .with_device_token(cache.meta("device_token").expect("meta").expect("token"));
            client.push(&outbox).await
        })
        .expect("runtime")
        .expect("push");
    assert!(
        again
            .verdicts
            .iter()
            .all(|v| matches!(v, sparescan_core::sync::Verdict::Duplicate { .. })),
        "{:?}",
        again.verdicts
    );
    let key = SerialKey {
        item: "FAN-120".into(),
        serial: "FAN-A1".into(),
    };
    let state = server
        .server()
        .ledger()
        .read(&SITE.into(), |s| s.ledger.serial(&key))
        .expect("site");
    assert!(
        matches!(state, Some(SerialState::InWork { .. })),
        "{state:?}"
    );
}

#[test]
fn the_same_serial_issued_on_two_devices_offline_ends_in_needs_attention() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let (a_path, b_path) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
    {
        let server = start(dir.path(), port);
        for path in [&a_path, &b_path] {
            let mut d = Device::open(path);
            d.enroll(
                &server.url(),
                &server.ca_path,
                &server.enrollment_code().expect("code"),
            );
        }
    }
    // Offline, both issue FAN-A2.
    let mut a = Device::open(&a_path);
    a.sign_in("B-1001", "1111");
    issue_offline(&mut a, "FAN-A2", None);
    a.wait("A's outbox", |m| m.sync.pending == 1);
    let mut b = Device::open(&b_path);
    b.sign_in("B-1002", "2222");
    issue_offline(&mut b, "FAN-A2", None);
    b.wait("B's outbox", |m| m.sync.pending == 1);
    drop(b);

    let _server = start(dir.path(), port);
    a.wait("A synced", |m| m.sync.online && m.sync.pending == 0);
    let mut b = Device::open(&b_path);
    let m = b.wait("B's refusal in needs attention", |m| {
        m.sync.online && m.sync.pending == 0 && m.sync.attention == 1
    });
    let item = &m.attention[0];
    assert!(item.title.contains("FAN-A2"), "{item:?}");
    assert!(
        item.reason.contains("tech-1") && item.reason.contains("WO-1004"),
        "the reason names the holder and the order: {item:?}"
    );
    assert!(!item.what_to_do.is_empty() && !item.action_label.is_empty());
}
