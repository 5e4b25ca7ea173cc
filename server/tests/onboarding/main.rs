//! From an empty server to a site at work (issue 16), through the real
//! binary's command line and its HTTPS API, as a new admin would — in one
//! test binary, since each links the whole server.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod init;
mod new_site;
mod reasons;
mod requests;
mod sites;
mod stock;
mod templates;

/// A command's output as text.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The first admin of a site made by `init` signs in with the one-time
/// password and chooses their own: their session token.
async fn first_admin_session(
    http: &reqwest::Client,
    base: &str,
    site: &str,
    badge: &str,
    one_time: &str,
) -> String {
    use serde_json::json;
    let sign_in = |password: String| {
        common::call_api(
            http,
            base,
            reqwest::Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"badge": badge, "password": password, "site": site})),
        )
    };
    let (status, body) = sign_in(one_time.to_owned()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password_change_required"], true, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    let mine = format!("{site}-admin-password-2026");
    let (status, body) = common::call_api(
        http,
        base,
        reqwest::Method::PUT,
        "/api/v1/me/password",
        Some(&token),
        Some(json!({"current": one_time, "new": mine})),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    let (status, body) = sign_in(mine).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password_change_required"], false, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

/// A CSV file sent to `path` with `token`: the status and the JSON answer.
async fn post_csv(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: &'static str,
) -> (u16, serde_json::Value) {
    let resp = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// A demo person's back-office session at the demo site.
async fn demo_session(http: &reqwest::Client, base: &str, user: &str) -> String {
    let (badge, password) = common::password_of(user);
    let (status, body) = common::call_api(
        http,
        base,
        reqwest::Method::POST,
        "/api/v1/sessions",
        None,
        Some(serde_json::json!({"badge": badge, "password": password, "site": sparescan_server::demo::SITE})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}
