//! Offline work and conflicts: nothing recorded on the device is lost or
//! recorded twice, even when the app is killed; a conflict ends in Needs
//! attention with the reason and the holder.

mod support;

use sparescan::cache::Cache;
use sparescan::demo::DemoServer;
use sparescan::engine::Input;
use sparescan::engine::model::ScreenId;
use sparescan_core::model::{SerialKey, SerialState};
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
        // Online once: the technician's presence key for this device.
        d.sign_in("B-1001", "1111");
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
            let client = sparescan_client::Client::new(
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
        for (path, (badge, pin)) in [(&a_path, ("B-1001", "1111")), (&b_path, ("B-1002", "2222"))] {
            let mut d = Device::open(path);
            d.enroll(
                &server.url(),
                &server.ca_path,
                &server.enrollment_code().expect("code"),
            );
            d.sign_in(badge, pin);
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

/// Proof of presence across a day offline (docs/security.md): a person who
/// signed in online once signs in offline with their PIN and records in
/// their own name; a withdrawn sign-in holds the documents in the outbox
/// (nothing lost) until the person signs in online again; an expired one is
/// refused offline with what to do.
#[test]
fn offline_work_is_accepted_in_the_persons_name_and_waits_for_a_withdrawn_sign_in() {
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
        d.sign_in("B-1001", "1111");
        d.input(Input::SignOut);
        // Somebody who never signed in online here cannot sign in offline:
        // nothing on the device can check their PIN.
    }
    // Offline: the technician signs in with the PIN alone and issues.
    let mut d = Device::open(&cache_path);
    d.wait("sign-in", |m| m.screen == ScreenId::SignIn);
    d.scan("USR:B-3001");
    d.input(Input::SignIn {
        pin: "444444".into(),
    });
    let m = d.wait("refused offline", |m| !m.sign_in.error.is_empty());
    assert!(
        m.sign_in.error.contains("online"),
        "says to sign in online: {}",
        m.sign_in.error
    );
    d.input(Input::CancelSignIn);
    d.scan("USR:B-1001");
    d.input(Input::SignIn { pin: "0000".into() });
    d.wait("wrong PIN", |m| m.sign_in.error.contains("Wrong PIN"));
    d.sign_in("B-1001", "1111");
    issue_offline(&mut d, "FAN-A1", None);
    let m = d.wait("in the outbox", |m| m.sync.pending == 1);
    assert!(!m.sync.online);
    let outbox = Cache::open(&cache_path)
        .expect("cache")
        .outbox()
        .expect("outbox");
    assert_eq!(outbox[0].author.as_str(), "tech-1");
    assert!(outbox[0].proof.is_some(), "proved when recorded");
    drop(d);

    // Back online, but the technician's PIN was reset in the meantime: the
    // issue is held, not refused, and says whose sign-in it waits for.
    let server = start(dir.path(), port);
    server
        .block_on(
            server
                .server()
                .ledger()
                .write(|s| s.revoke_presence_keys(&SITE.into(), "tech-1")),
        )
        .expect("runtime")
        .expect("revoke");
    let mut d = Device::open(&cache_path);
    let m = d.wait("held for a sign-in", |m| {
        m.sync.online && m.sync.progress.contains("tech-1")
    });
    assert_eq!(m.sync.pending, 1, "still in the outbox");
    assert_eq!(m.sync.attention, 0, "not a refusal");
    // The technician signs in online: the issue goes, in their name.
    d.sign_in("B-1001", "1111");
    d.wait("the outbox drained", |m| {
        m.sync.online && m.sync.pending == 0
    });
    let found = server
        .server()
        .backend()
        .reader()
        .expect("reader")
        .document(&outbox[0].id)
        .expect("read")
        .expect("recorded");
    assert_eq!(found.doc.author.as_str(), "tech-1");
    d.input(Input::SignOut);
    drop(d);
    drop(server);

    // A sign-in older than the site allows is refused offline, with what
    // to do (the key's expiry is in the past, as if a week went by).
    let conn = rusqlite::Connection::open(&cache_path).expect("cache file");
    conn.execute(
        "UPDATE presence_keys SET expires_at = '2026-01-01T00:00:00+00:00'",
        [],
    )
    .expect("age the key");
    drop(conn);
    let mut d = Device::open(&cache_path);
    d.wait("sign-in", |m| m.screen == ScreenId::SignIn);
    d.scan("USR:B-1001");
    d.input(Input::SignIn { pin: "1111".into() });
    d.wait("expired offline, with what to do", |m| {
        m.sign_in.error.contains("too long ago") && m.sign_in.error.contains("sign in")
    });
}
