//! More sites on a running server (issue 16, item 1): an admin makes one
//! with its first admin through `POST /api/v1/sites`, over HTTPS against
//! the real binary; the new admin signs in at once and after a restart,
//! sees only their own site, and the making is in the audit chain.

use crate::common::{call_api as call, cli, http_for, start_binary};
use crate::demo_session as session;
use crate::first_admin_session;
use crate::text;
use serde_json::json;
use sparescan_server::demo::SITE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_another_site_on_the_running_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let server = start_binary(d, "demo");
    let http = http_for(d);
    let base = server.base.clone();
    let admin = session(&http, &base, "admin").await;
    let dispatcher = session(&http, &base, "disp-1").await;
    let east =
        json!({"site": "EAST", "name": "East plant", "admin": "B-E1", "admin_name": "Erik East"});
    let create = |token: String, body: serde_json::Value| {
        let http = http.clone();
        let base = base.clone();
        async move {
            call(
                &http,
                &base,
                reqwest::Method::POST,
                "/api/v1/sites",
                Some(&token),
                Some(body),
            )
            .await
        }
    };

    // Only an admin makes sites.
    let (status, body) = create(dispatcher.clone(), east.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("admin"),
        "{body}"
    );
    // Bad input: what to fix, and no site.
    for (bad, says) in [
        (
            json!({"site": "E|AST", "name": "East", "admin": "B-E1", "admin_name": "E"}),
            "site id",
        ),
        (
            json!({"site": "EAST", "name": "  ", "admin": "B-E1", "admin_name": "E"}),
            "site name",
        ),
        (
            json!({"site": "EAST", "name": "East", "admin": "", "admin_name": "E"}),
            "badge",
        ),
    ] {
        let (status, body) = create(admin.clone(), bad).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["code"], "invalid", "{body}");
        assert!(
            body["message"].as_str().unwrap_or("").contains(says),
            "{body}"
        );
    }

    let (status, otp) = create(admin.clone(), east.clone()).await;
    assert_eq!(status, 201, "{otp}");
    assert_eq!(otp["user"], "B-E1", "{otp}");
    let one_time = otp["password"].as_str().expect("password").to_owned();
    // Made once: the same id again, or an existing site's, is a conflict.
    for taken in ["EAST", SITE] {
        let mut again = east.clone();
        again["site"] = json!(taken);
        let (status, body) = create(admin.clone(), again).await;
        assert_eq!(status, 409, "{taken}: {body}");
        assert_eq!(body["code"], "exists", "{body}");
    }

    // The new admin signs in at once, chooses a password, and sees their
    // own site's people only.
    let token = first_admin_session(&http, &base, "EAST", "B-E1", &one_time).await;
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
    let listed = users.to_string();
    assert!(listed.contains("Erik East"), "{users}");
    assert!(!listed.contains("tech-1"), "another site's people: {users}");

    // After a restart the site is there, with its admin's own password.
    drop(server);
    let server = start_binary(d, "serve");
    let (status, body) = call(
        &http,
        &server.base,
        reqwest::Method::POST,
        "/api/v1/sessions",
        None,
        Some(json!({"badge": "B-E1", "password": "EAST-admin-password-2026", "site": "EAST"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    drop(server);

    // Who made it is in the audit chain of the site they were signed in at,
    // and the chains verify.
    let db = rusqlite::Connection::open(d.join("sparescan.db")).expect("database");
    let (actor, payload): (String, String) = db
        .query_row(
            "SELECT actor, payload FROM audit WHERE site = ?1 AND action = 'site.create'",
            [SITE],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the audit entry");
    assert_eq!(actor, "admin");
    assert!(payload.contains("EAST"), "{payload}");
    let verify = cli(d, &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));
}
