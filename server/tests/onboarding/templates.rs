//! Work templates (issue 16, item 5) over HTTPS against the real binary:
//! an engineer writes one (and is told what is wrong when it is), a
//! dispatcher plans a work order from a request with it — the template's
//! tasks and lines, its range to be clarified — and the template
//! consumption report sees the order at work; all of it after a restart
//! too.

use crate::common::{call_api as call, http_for, start_binary};
use crate::demo_session as session;
use reqwest::Method as M;
use serde_json::{Value, json};

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_planned_from_a_template_gets_its_tasks_and_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let server = start_binary(d, "demo");
    let http = http_for(d);
    let base = server.base.clone();
    let eng = session(&http, &base, "eng-1").await;
    let tech = session(&http, &base, "tech-1").await;

    // A pump seal job: bearings, one or two tins of grease (a range),
    // terminals only when the motor is re-wired (not mandatory).
    let seal = json!({
        "name": "Pump seal replacement",
        "scope": "Replace the mechanical seal",
        "tasks": [{"id": "T1", "title": "Replace the seal"}, {"id": "T2", "title": "Re-terminate the motor"}],
        "lines": [
            {"task": "T1", "item": "BRG-6204", "planned": "2"},
            {"task": "T1", "item": "GREASE-EP2", "planned": "1", "planned_max": "2"},
            {"task": "T2", "item": "TERM-6MM", "planned": "6", "mandatory": false, "substitutes": []}
        ]
    });
    let put = |token: String, id: &'static str, body: Value| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            call(
                &http,
                &base,
                M::PUT,
                &format!("/api/v1/templates/{id}"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, body) = put(tech.clone(), "PM-SEAL", seal.clone()).await;
    assert_eq!(status, 403, "a technician does not write standards: {body}");

    // Wrong standards are refused, each with what to fix.
    let wrong = |lines: Value| {
        let mut t = seal.clone();
        t["lines"] = lines;
        t
    };
    for (lines, says) in [
        (json!([{"item": "NO-SUCH", "planned": "1"}]), "NO-SUCH"),
        (json!([{"item": "TOOL-DRILL", "planned": "1"}]), "tool"),
        (
            json!([{"item": "BRG-6204", "planned": "2", "planned_max": "1"}]),
            "planned_max",
        ),
        (json!([{"item": "BRG-6204", "planned": "0.5"}]), "whole"),
        (json!([{"item": "BRG-6204", "planned": "0"}]), "more than 0"),
        (
            json!([{"task": "T9", "item": "BRG-6204", "planned": "1"}]),
            "T9",
        ),
        (json!([]), "at least one"),
    ] {
        let (status, body) = put(eng.clone(), "PM-SEAL", wrong(lines.clone())).await;
        assert_eq!(status, 400, "{lines}: {body}");
        assert!(message(&body).contains(says), "{lines}: {body}");
    }
    let (status, saved) = put(eng.clone(), "PM-SEAL", seal.clone()).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["saved_by"], "eng-1", "{saved}");
    assert_eq!(saved["lines"][2]["mandatory"], false, "{saved}");
    let (status, _) = put(eng.clone(), "PM-SEAL", seal.clone()).await;
    assert_eq!(status, 200, "saved again: replaced");

    // Everyone signed in reads them: the demo's and the new one.
    let (status, list) = call(&http, &base, M::GET, "/api/v1/templates", Some(&tech), None).await;
    assert_eq!(status, 200, "{list}");
    let codes: Vec<&str> = list
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, ["PM-AHU-Q", "PM-SEAL"], "{list}");

    // The dispatcher turns the AHU alarm into an order from the AHU
    // template, adding a line of their own.
    let disp = session(&http, &base, "disp-1").await;
    let order = json!({
        "id": "WO-PM-1", "asset": "INV-AHU-02", "request": "REQ-0001", "template": "PM-AHU-Q",
        "lines": [{"item": "ZIP-200", "planned": "10"}]
    });
    let (status, body) = call(
        &http,
        &base,
        M::POST,
        "/api/v1/work-orders",
        Some(&disp),
        Some(json!({"id": "WO-PM-0", "asset": "INV-AHU-02", "template": "NOPE"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("NOPE"), "{body}");
    let (status, card) = call(
        &http,
        &base,
        M::POST,
        "/api/v1/work-orders",
        Some(&disp),
        Some(order),
    )
    .await;
    assert_eq!(status, 201, "{card}");
    assert_eq!(card["template"], "PM-AHU-Q", "{card}");
    assert_eq!(card["request"], "REQ-0001", "{card}");
    assert_eq!(
        card["scope"], "Quarterly service: filters and fan bearings",
        "{card}"
    );
    let tasks: Vec<&str> = card["tasks"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(tasks, ["T1", "T2"], "{card}");
    let lines = card["lines"].as_array().cloned().unwrap_or_default();
    let line = |item: &str| {
        lines
            .iter()
            .find(|l| l["item"] == item)
            .cloned()
            .unwrap_or_else(|| panic!("{item} in {card}"))
    };
    assert_eq!(lines.len(), 4, "{card}");
    let filters = line("FLT-AIR-500");
    assert_eq!(
        (&filters["planned"], &filters["planned_max"]),
        (&json!("1"), &json!("2")),
        "a range to be clarified: {filters}"
    );
    assert_eq!(line("BRG-6204")["mandatory"], false, "{card}");
    assert_eq!(line("ZIP-200")["planned"], "10", "{card}");

    // The report sees the order at work, not yet compared.
    let report = "/api/v1/reports/template-consumption?template=PM-AHU-Q";
    let (status, r) = call(&http, &base, M::GET, report, Some(&eng), None).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["templates"][0]["orders_at_work"], 1, "{r}");
    assert_eq!(r["templates"][0]["orders"], 0, "{r}");
    let (status, r) = call(
        &http,
        &base,
        M::GET,
        "/api/v1/reports/template-consumption?template=NOPE",
        Some(&eng),
        None,
    )
    .await;
    assert_eq!(status, 404, "{r}");

    // After a restart: the template and the order's link are kept.
    drop(server);
    let server = start_binary(d, "serve");
    let base = server.base.clone();
    let eng = session(&http, &base, "eng-1").await;
    let (status, kept) = call(
        &http,
        &base,
        M::GET,
        "/api/v1/templates/PM-SEAL",
        Some(&eng),
        None,
    )
    .await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["lines"], saved["lines"], "{kept}");
    let (status, card) = call(
        &http,
        &base,
        M::GET,
        "/api/v1/work-orders/WO-PM-1",
        Some(&eng),
        None,
    )
    .await;
    assert_eq!(status, 200, "{card}");
    assert_eq!(card["template"], "PM-AHU-Q", "{card}");
    drop(server);
}
