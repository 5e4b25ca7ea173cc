//! Sessions end when what they stood for changes (issue 14, item 4): a PIN
//! reset or a role change, over real HTTPS against the server on 127.0.0.1.

mod common;

use common::*;
use serde_json::{Value, json};
use sparescan_server::client::Client;
use sparescan_server::demo::SITE;

async fn office(ts: &TestServer, user: &str) -> Client {
    let (badge, pin) = pin_of(user);
    let mut c = ts.client();
    c.sign_in(badge, pin, Some(SITE)).await.expect("sign in");
    c
}

/// Sends a request with the client's session: the status and the body
/// (JSON where it is JSON, else the text as a string).
async fn send(c: &Client, req: reqwest::RequestBuilder) -> (u16, Value) {
    let req = match c.session() {
        Some(s) => req.bearer_auth(s),
        None => req,
    };
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

async fn get(c: &Client, path: &str) -> (u16, Value) {
    send(c, c.http().get(format!("{}{path}", c.base()))).await
}

async fn put(c: &Client, path: &str, body: Value) -> (u16, Value) {
    send(c, c.http().put(format!("{}{path}", c.base())).json(&body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_reset_or_a_role_change_ends_the_sessions() {
    let ts = TestServer::start().await;
    let admin = office(&ts, "admin").await;
    let clerk = office(&ts, "clerk-1").await;
    let sup = office(&ts, "sup-1").await;
    assert_eq!(get(&clerk, "/api/v1/master/items").await.0, 200);
    assert_eq!(get(&sup, "/api/v1/master/items").await.0, 200);

    // A new PIN: whoever knew the old one is signed out.
    let (s, body) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "clerk-1", "pin": "135792" }]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = get(&clerk, "/api/v1/master/items").await;
    assert_eq!(
        s, 401,
        "the old session still works after a PIN reset: {body}"
    );

    // A role change: the supervisor's session ends too.
    let (s, body) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "sup-1", "roles": ["technician"] }]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = get(&sup, "/api/v1/master/items").await;
    assert_eq!(
        s, 401,
        "the old session still works after a role change: {body}"
    );
    // Others keep theirs.
    assert_eq!(get(&admin, "/api/v1/master/items").await.0, 200);
    ts.stop().await;
}
