//! Maintenance requests (issue 16, item 4) over HTTPS against the real
//! binary: a monitoring system with its own key raises one (once, however
//! often it retries), a technician another; the dispatcher sees the queue,
//! makes a work order from one (the order keeps the link) and declines the
//! other; the key opens nothing else and stops when withdrawn.

use crate::common::{call_api as call, cli, http_for, start_binary};
use crate::demo_session as session;
use crate::text;
use serde_json::{Value, json};
use sparescan_server::demo::SITE;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_from_a_monitoring_system_becomes_a_work_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let server = start_binary(d, "demo");
    let http = http_for(d);
    let base = server.base.clone();
    let api = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let (http, base, path, token) = (
            http.clone(),
            base.clone(),
            path.to_owned(),
            token.to_owned(),
        );
        async move { call(&http, &base, method, &path, Some(&token), body).await }
    };
    use reqwest::Method as M;

    // The admin gives the building-management system a key (beside the
    // running server, as enrollment codes are made).
    let out = cli(d, &["system-key", "--site", SITE, "--name", "bms-east"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = text(&out.stdout).trim().to_owned();
    assert!(key.starts_with("sys_"), "{key}");

    let alarm = json!({"id": "BMS-4711", "asset": "INV-UPS-01", "symptoms": "battery string 2 at 38 °C", "priority": "urgent"});
    let (status, raised) = api(M::POST, "/api/v1/requests", &key, Some(alarm.clone())).await;
    assert_eq!(status, 201, "{raised}");
    assert_eq!(
        raised["requested_by"],
        json!({"system": "bms-east"}),
        "{raised}"
    );
    // The alarm retried: the same request, not a second one.
    let (status, again) = api(M::POST, "/api/v1/requests", &key, Some(alarm.clone())).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["at"], raised["at"], "{again}");
    // The same number with other content is a conflict.
    let mut other = alarm.clone();
    other["symptoms"] = json!("fan failure");
    let (status, body) = api(M::POST, "/api/v1/requests", &key, Some(other)).await;
    assert_eq!(status, 409, "{body}");
    // Bad input: what to fix.
    let (status, body) = api(
        M::POST,
        "/api/v1/requests",
        &key,
        Some(json!({"asset": "NO-SUCH", "symptoms": "smoke"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("NO-SUCH"),
        "{body}"
    );
    // The key opens nothing else.
    let (status, _) = api(M::GET, "/api/v1/work-orders", &key, None).await;
    assert_eq!(status, 401);
    let (status, _) = api(M::GET, "/api/v1/requests", &key, None).await;
    assert_eq!(status, 401);

    // A technician reports a fault; they do not see the queue.
    let tech = session(&http, &base, "tech-1").await;
    let (status, reported) = api(
        M::POST,
        "/api/v1/requests",
        &tech,
        Some(json!({"asset": "INV-RACK-07", "symptoms": "door lock broken"})),
    )
    .await;
    assert_eq!(status, 201, "{reported}");
    assert_eq!(reported["requested_by"], json!({"person": "tech-1"}));
    assert_eq!(reported["priority"], "normal");
    let reported_id = reported["id"].as_str().expect("id").to_owned();
    assert!(reported_id.starts_with("REQ-"), "{reported_id}");
    let (status, _) = api(M::GET, "/api/v1/requests", &tech, None).await;
    assert_eq!(status, 403);

    // The dispatcher's queue: open requests, the most urgent first.
    let disp = session(&http, &base, "disp-1").await;
    let (status, open) = api(M::GET, "/api/v1/requests?status=open", &disp, None).await;
    assert_eq!(status, 200, "{open}");
    let open_ids = ids(&open);
    assert_eq!(
        open_ids.first().map(String::as_str),
        Some("BMS-4711"),
        "{open}"
    );
    assert!(open_ids.contains(&reported_id), "{open}");
    assert!(
        open_ids.contains(&"REQ-0001".to_owned()),
        "the demo's: {open}"
    );

    // An order for another asset than the request's is refused.
    let order = |id: &str, asset: &str| json!({"id": id, "asset": asset, "scope": "replace battery string 2", "request": "BMS-4711"});
    let (status, body) = api(
        M::POST,
        "/api/v1/work-orders",
        &disp,
        Some(order("WO-REQ-0", "INV-PUMP-03")),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "request_asset_mismatch", "{body}");
    let (status, card) = api(
        M::POST,
        "/api/v1/work-orders",
        &disp,
        Some(order("WO-REQ-1", "INV-UPS-01")),
    )
    .await;
    assert_eq!(status, 201, "{card}");
    assert_eq!(card["request"], "BMS-4711", "{card}");
    // One request, one order.
    let (status, body) = api(
        M::POST,
        "/api/v1/work-orders",
        &disp,
        Some(order("WO-REQ-2", "INV-UPS-01")),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "request_not_open", "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("WO-REQ-1"),
        "{body}"
    );

    // The technician's request is declined, once, with the reason kept.
    let decline = format!("/api/v1/requests/{reported_id}/decline");
    let (status, body) = api(M::POST, &decline, &disp, Some(json!({"reason": " "}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, declined) = api(
        M::POST,
        &decline,
        &disp,
        Some(json!({"reason": "lock replaced by facilities"})),
    )
    .await;
    assert_eq!(status, 200, "{declined}");
    assert_eq!(declined["declined"]["by"], "disp-1", "{declined}");
    let (status, body) = api(M::POST, &decline, &disp, Some(json!({"reason": "again"}))).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = api(
        M::POST,
        "/api/v1/requests/NOPE/decline",
        &disp,
        Some(json!({"reason": "x"})),
    )
    .await;
    assert_eq!(status, 404);

    // Statuses as listed, after a restart too.
    drop(server);
    let server = start_binary(d, "serve");
    let base = server.base.clone();
    let disp = session(&http, &base, "disp-1").await;
    let (status, all) = call(&http, &base, M::GET, "/api/v1/requests", Some(&disp), None).await;
    assert_eq!(status, 200, "{all}");
    let status_of = |id: &str| {
        all.as_array()
            .and_then(|a| a.iter().find(|r| r["id"] == id))
            .map(|r| r["status"].clone())
    };
    assert_eq!(status_of("BMS-4711"), Some(json!("ordered")), "{all}");
    assert_eq!(status_of(&reported_id), Some(json!("declined")), "{all}");
    assert_eq!(status_of("REQ-0002"), Some(json!("open")), "{all}");
    let (_, card) = call(
        &http,
        &base,
        M::GET,
        "/api/v1/work-orders/WO-REQ-1",
        Some(&disp),
        None,
    )
    .await;
    assert_eq!(card["request"], "BMS-4711", "{card}");

    // A withdrawn key stops at once.
    let out = cli(
        d,
        &[
            "system-key",
            "--site",
            SITE,
            "--name",
            "bms-east",
            "--revoke",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut fresh = alarm.clone();
    fresh["id"] = json!("BMS-4712");
    let (status, body) = call(
        &http,
        &base,
        M::POST,
        "/api/v1/requests",
        Some(&key),
        Some(fresh),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("withdrawn"),
        "{body}"
    );
    drop(server);
    let verify = cli(d, &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));
}
