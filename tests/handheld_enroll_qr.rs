//! Enrolling a handheld from the console's QR code: the scanner reads the
//! enrollment link on the enrollment screen, the device fetches the
//! server's CA, pins it only if its fingerprint is the link's, and enrolls
//! with the one-time code — nothing typed on the device.

mod support;

use sparescan::demo::DemoServer;
use sparescan::engine::model::ScreenId;
use sparescan::worker::Command;
use sparescan_core::enrollment::EnrollmentLink;
use std::time::Instant;
use support::{Device, Handheld, free_port};

/// What a 2D scanner sends for a QR code: its AIM identifier, the text.
fn scanned(d: &Device, link: &EnrollmentLink) {
    d.send(Command::Scan {
        bytes: format!("]Q1{}", link.to_text()).into_bytes(),
        last_key: Instant::now(),
    });
}

#[test]
fn a_handheld_enrolls_from_the_consoles_qr_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server =
        DemoServer::start(dir.path(), ([127, 0, 0, 1], free_port()).into()).expect("server");
    let ca = std::fs::read(&server.ca_path).expect("CA");
    let mut d = Device::open(&dir.path().join("device.sqlite"));
    d.wait("the enrollment screen", |m| m.screen == ScreenId::Enroll);

    // A code naming another CA: the server's is not trusted, nothing is
    // enrolled, and the person is told why.
    let mut link = EnrollmentLink {
        server: server.url(),
        ca_sha256: "0".repeat(64),
        code: server.enrollment_code().expect("code"),
    };
    scanned(&d, &link);
    let m = d.wait("the refusal", |m| {
        !m.enroll.working && !m.enroll.error.is_empty()
    });
    assert!(
        m.enroll
            .error
            .contains("not the one in the enrollment QR code"),
        "{}",
        m.enroll.error
    );
    assert_eq!(m.screen, ScreenId::Enroll);
    // A damaged code is named as such.
    d.send(Command::Scan {
        bytes: b"sparescan:enroll?server=https%3A%2F%2Fx&ca=12".to_vec(),
        last_key: Instant::now(),
    });
    let m = d.wait("the damaged code", |m| {
        m.enroll
            .error
            .contains("certificate fingerprint is not valid")
    });
    assert_eq!(m.screen, ScreenId::Enroll);

    // The console's code: enrolled, the site downloaded, sign-in next.
    link.ca_sha256 = sparescan_client::tls::ca_fingerprint(&ca).expect("fingerprint");
    scanned(&d, &link);
    let m = d.wait("enrolled and synced", |m| {
        m.screen == ScreenId::SignIn && m.sync.online
    });
    assert!(m.enroll.error.is_empty(), "{}", m.enroll.error);
    assert_eq!(m.enroll.server_url, server.url());
    d.sign_in("B-1001", "1111");
}

/// The same through the window: the scanner's keys (a keyboard wedge)
/// reach the enrollment screen's root, not a text field, and enroll it.
#[test]
fn the_qr_code_scanned_into_the_window_enrolls_the_handheld() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server =
        DemoServer::start(dir.path(), ([127, 0, 0, 1], free_port()).into()).expect("server");
    let ca = std::fs::read(&server.ca_path).expect("CA");
    let link = EnrollmentLink {
        server: server.url(),
        ca_sha256: sparescan_client::tls::ca_fingerprint(&ca).expect("fingerprint"),
        code: server.enrollment_code().expect("code"),
    };
    let mut h = Handheld::open(&dir.path().join("device.sqlite"));
    h.wait("the enrollment screen", |m| m.screen == ScreenId::Enroll);
    h.scan(&format!("]Q1{}", link.to_text()));
    let m = h.wait("enrolled and synced", |m| {
        m.screen == ScreenId::SignIn && m.sync.online
    });
    assert!(m.enroll.error.is_empty(), "{}", m.enroll.error);
    h.sign_in("B-1001", "1111");
}
