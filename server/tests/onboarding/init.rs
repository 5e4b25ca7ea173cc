//! `sparescan-server init`: a site and its first admin on a fresh server,
//! who signs in with the one-time password, chooses their own, and enrolls
//! a device.

use crate::common::{cli, http_for, start_binary};
use serde_json::{Value, json};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn call(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method, format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

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
    let bad = cli(
        d,
        &["init", "--site", "NO|RTH", "--name", "x", "--admin", "B-1"],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("site id"),
        "{}",
        text(&bad.stderr)
    );
    let blank = cli(
        d,
        &["init", "--site", "SOUTH", "--name", " ", "--admin", "B-1"],
    );
    assert!(!blank.status.success());
    assert!(
        text(&blank.stderr).contains("--name"),
        "{}",
        text(&blank.stderr)
    );

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
    let post = reqwest::Method::POST;
    let sign_in = |password: String| {
        call(
            &http,
            &base,
            post.clone(),
            "/api/v1/sessions",
            None,
            Some(json!({"badge": "B-9001", "password": password, "site": "NORTH"})),
        )
    };
    let (status, body) = sign_in(otp.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password_change_required"], true, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    let mine = "north-plant-admin-2026";
    let (status, body) = call(
        &http,
        &base,
        reqwest::Method::PUT,
        "/api/v1/me/password",
        Some(&token),
        Some(json!({"current": otp, "new": mine})),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    let (status, body) = sign_in(mine.to_owned()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password_change_required"], false, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
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
        post.clone(),
        "/api/v1/devices/enroll",
        None,
        Some(json!({"code": text(&code.stdout).trim(), "name": "HH-N1"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["site"], "NORTH", "{body}");
}
