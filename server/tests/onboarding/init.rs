//! `sparescan-server init`: a site and its first admin on a fresh server,
//! who signs in with the one-time password, chooses their own
//! ([`first_admin_session`]), and enrolls a device.

use crate::common::{call_api as call, cli, http_for, start_binary};
use crate::first_admin_session;
use crate::text;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_server_gets_its_first_site_and_admin_from_init() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let init = [
        "init",
        "--site",
        "NORTH",
        "--name",
        "North plant",
        "--admin",
        "B-9001",
        "--admin-name",
        "Anna Admin",
    ];
    let out = cli(d, &init);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let otp = text(&out.stdout).trim().to_owned();
    assert_eq!(otp.lines().count(), 1, "only the password on stdout: {otp}");
    assert!(
        otp.len() >= 20,
        "a one-time password of 20 characters: {otp}"
    );
    assert!(
        text(&out.stderr).contains("B-9001"),
        "{}",
        text(&out.stderr)
    );

    // A second init of the same site changes nothing and says why.
    let again = cli(d, &init);
    assert!(!again.status.success());
    let why = text(&again.stderr);
    assert!(why.contains("NORTH exists already"), "{why}");
    assert!(
        again.stdout.is_empty(),
        "no password printed for a refused init"
    );

    // Bad input is refused with what to do, and makes no site.
    for (site, name, admin, says) in [
        ("NO|RTH", "x", "B-1", "site id"),
        ("SOUTH", " ", "B-1", "site name"),
        ("SOUTH", "South", " B-1", "badge"),
    ] {
        let bad = cli(
            d,
            &["init", "--site", site, "--name", name, "--admin", admin],
        );
        assert!(
            !bad.status.success(),
            "{site} {name:?} {admin:?} was accepted"
        );
        assert!(text(&bad.stderr).contains(says), "{}", text(&bad.stderr));
    }

    // The admin signs in to the back office with badge and the one-time
    // password, and may only choose their own.
    let server = start_binary(d, "serve");
    // Not beside a running server, which would not see the new site.
    let beside = cli(
        d,
        &[
            "init", "--site", "SOUTH", "--name", "South", "--admin", "B-1",
        ],
    );
    assert!(!beside.status.success());
    assert!(
        text(&beside.stderr).contains("systemctl stop sparescan-server"),
        "{}",
        text(&beside.stderr)
    );
    let http = http_for(d);
    let base = server.base.clone();
    let token = first_admin_session(&http, &base, "NORTH", "B-9001", &otp).await;
    let (status, users) = call(
        &http,
        &base,
        reqwest::Method::GET,
        "/api/v1/master/users",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{users}");
    let text_of = users.to_string();
    assert!(
        text_of.contains("B-9001") && text_of.contains("Anna Admin"),
        "{users}"
    );

    // A device of the new site enrolls with a code from the CLI.
    let code = cli(d, &["enroll-device", "--site", "NORTH"]);
    assert!(code.status.success(), "{}", text(&code.stderr));
    let (status, body) = call(
        &http,
        &base,
        reqwest::Method::POST,
        "/api/v1/devices/enroll",
        None,
        Some(json!({"code": text(&code.stdout).trim(), "name": "HH-N1"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["site"], "NORTH", "{body}");
}
