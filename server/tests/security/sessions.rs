//! Sessions end when what they stood for changes (issue 14, item 4): a PIN
//! reset or a role change, over real HTTPS against the server on 127.0.0.1.

use crate::common::*;
use serde_json::json;

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
