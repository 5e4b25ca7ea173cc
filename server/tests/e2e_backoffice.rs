//! The back office end to end over real HTTPS: master data (JSON and CSV),
//! badges and PINs, work orders from plan to closure, back-office
//! documents through the rules, and the needs-attention list.

mod common;

use common::*;
use serde_json::{Value, json};
use sparescan_client::{Client, ClientError};
use sparescan_core::document::{Body, Document, Transition};
use sparescan_core::ids::DocId;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::qty::Qty;
use sparescan_core::reason::{Blocker, ReasonCode};
use sparescan_core::sync::{PushRequest, PushResponse, Verdict};
use sparescan_server::demo::SITE;

const ENTITIES: [&str; 7] = [
    "items",
    "warehouses",
    "bins",
    "batches",
    "assets",
    "users",
    "policy",
];

/// A back-office client signed in as `user` (no device).
async fn office(ts: &TestServer, user: &str) -> Client {
    let (badge, password) = password_of(user);
    let mut c = ts.client();
    c.sign_in_office(badge, password, SITE)
        .await
        .expect("sign in");
    c
}

async fn device(ts: &TestServer, name: &str) -> (Client, String) {
    let code = ts.server.enrollment_code(&SITE.into()).await.expect("code");
    let mut c = ts.client();
    let r = c.enroll(&code, name).await.expect("enroll");
    sign_in_everyone(&mut c).await;
    (c, r.device_id)
}

/// Sends a request with the client's session; the status and the body
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

async fn put(c: &Client, path: &str, body: Value) -> (u16, Value) {
    let url = format!("{}{path}", c.base());
    send(c, c.http().put(url).json(&body)).await
}

async fn post(c: &Client, path: &str, body: Value) -> (u16, Value) {
    let url = format!("{}{path}", c.base());
    send(c, c.http().post(url).json(&body)).await
}

async fn get(c: &Client, path: &str) -> (u16, Value) {
    let url = format!("{}{path}", c.base());
    send(c, c.http().get(url)).await
}

async fn import_csv(c: &Client, entity: &str, csv: &str) -> (u16, Value) {
    let url = format!("{}/api/v1/master/{entity}/import", c.base());
    let req = c
        .http()
        .post(url)
        .header("content-type", "text/csv")
        .body(csv.to_owned());
    send(c, req).await
}

async fn export_csv(c: &Client, entity: &str) -> String {
    let (status, body) = get(c, &format!("/api/v1/master/{entity}?format=csv")).await;
    assert_eq!(status, 200, "{body}");
    body.as_str().expect("CSV text").to_owned()
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or("")
}

/// A document from the back office.
fn office_doc(author: &str, wo: Option<&str>, line: Option<&str>, body: Body) -> Document {
    doc("backoffice", author, wo, line, body)
}

async fn submit(c: &Client, docs: &[Document]) -> Vec<Verdict> {
    let r: PushResponse = c
        .post_json(
            "/api/v1/documents",
            &PushRequest {
                documents: docs.to_vec(),
            },
        )
        .await
        .expect("documents");
    r.verdicts
}

fn accepted(v: &[Verdict]) {
    for verdict in v {
        assert!(
            matches!(verdict, Verdict::Accepted { .. }),
            "expected accepted: {verdict:?}"
        );
    }
}

fn rejected(v: &Verdict) -> &sparescan_core::reason::Refusal {
    match v {
        Verdict::Rejected { refusal, .. } => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn status(card: &Value) -> &str {
    card["status"].as_str().unwrap_or("")
}

fn line<'a>(card: &'a Value, id: &str) -> &'a Value {
    card["lines"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["id"] == id))
        .unwrap_or_else(|| panic!("line {id} on the card: {card}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_data_edits_reach_devices() {
    let ts = TestServer::start().await;
    let (dev, _) = device(&ts, "HH-01").await;
    let (rows, cursor) = dev.bootstrap(|_, _| {}).await.expect("bootstrap");
    let mut local = MemoryLedger::from_rows(rows).expect("rows");
    let admin = office(&ts, "admin").await;

    let (s, body) = put(
        &admin,
        "/api/v1/master/items",
        json!([{
            "id": "BOLT-M8", "name": "Bolt M8x30", "unit": "pcs",
            "barcodes": ["04012345000999"], "substitutes": ["BRG-6204"]
        }]),
    )
    .await;
    assert_eq!((s, body["saved"].clone()), (200, json!(1)), "{body}");
    let (s, body) = put(
        &admin,
        "/api/v1/master/bins",
        json!([{ "id": "B-07", "warehouse": "WH-MAIN", "zone": "storage" }]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // A partial edit keeps what it does not name.
    let (s, body) = put(
        &admin,
        "/api/v1/master/items",
        json!([{ "id": "BOLT-M8", "critical": true }]),
    )
    .await;
    assert_eq!(s, 200, "{body}");

    // References must exist; the error names the entry, field and fix.
    let (s, body) = put(
        &admin,
        "/api/v1/master/bins",
        json!([{ "id": "B-08", "warehouse": "WH-NOPE", "zone": "storage" }]),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    let m = message(&body);
    assert!(
        m.contains("entry 1") && m.contains("warehouse") && m.contains("WH-NOPE"),
        "{m}"
    );
    let (s, body) = put(
        &admin,
        "/api/v1/master/items",
        json!([{ "id": "NUT-M8", "name": "Nut", "unit": "pcs", "substitutes": ["NOPE"] }]),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("substitutes"), "{body}");
    let (s, body) = put(
        &admin,
        "/api/v1/master/items",
        json!([{ "id": "NUT-M8", "name": "Nut", "unit": "pcs", "colour": "red" }]),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("unknown field `colour`"), "{body}");
    // A bin that holds stock keeps its zone.
    let (s, body) = put(
        &admin,
        "/api/v1/master/bins",
        json!([{ "id": "A-01", "zone": "quarantine" }]),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("holds stock"), "{body}");

    let (_, items) = get(&admin, "/api/v1/master/items").await;
    let bolt = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == "BOLT-M8"))
        .expect("new item listed");
    assert_eq!(bolt["name"], "Bolt M8x30");
    assert_eq!(bolt["critical"], true);
    assert_eq!(bolt["kind"], "material");

    // The device sees the edits on its next pull.
    dev.pull_into(&mut local, cursor).await.expect("pull");
    let item = local.item(&"BOLT-M8".into()).expect("item on the device");
    assert!(item.critical);
    assert!(local.bin(&"B-07".into()).is_some());
    assert!(local.bin(&"B-08".into()).is_none());
    assert_eq!(local.rows(), ts.rows());
    let report = ts.server.verify().expect("verify");
    assert!(report.is_clean(), "{report}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_get_a_badge_and_pin_that_never_leave() {
    let ts = TestServer::start().await;
    let admin = office(&ts, "admin").await;
    let (s, body) = put(
        &admin,
        "/api/v1/master/users",
        json!([{
            "id": "tech-3", "name": "Nina Technician", "roles": ["technician"],
            "badge": "B-1003", "pin": "3030"
        }]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // A PIN is for a handheld.
    let (mut nina, _) = enroll_only(&ts, SITE, "hh-nina").await;
    let signed = nina
        .sign_in("B-1003", "3030", None)
        .await
        .expect("the new user signs in");
    assert_eq!(signed.user.id.as_str(), "tech-3");

    let (_, users) = get(&admin, "/api/v1/master/users").await;
    let text = users.to_string();
    assert!(!text.contains("3030") && !text.contains("argon2"), "{text}");
    let u = users
        .as_array()
        .and_then(|a| a.iter().find(|u| u["id"] == "tech-3"))
        .expect("listed");
    assert_eq!(u["badge"], "B-1003");
    // Others read users without badges; the CSV never has them.
    let clerk = office(&ts, "clerk-1").await;
    let (_, users) = get(&clerk, "/api/v1/master/users").await;
    assert!(!users.to_string().contains("B-1003"));
    let csv = export_csv(&admin, "users").await;
    assert!(
        csv.contains("tech-3,Nina Technician,technician,true"),
        "{csv}"
    );
    assert!(!csv.contains("B-1003") && !csv.contains("argon2"), "{csv}");

    // A new PIN alone keeps the badge.
    let (s, body) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "tech-3", "pin": "4040" }]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (mut again, _) = enroll_only(&ts, SITE, "hh-again").await;
    again
        .sign_in("B-1003", "4040", None)
        .await
        .expect("new PIN");
    // Badges are unique; roles are known; PINs are digits.
    let (s, body) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "tech-3", "badge": "B-1001" }]),
    )
    .await;
    assert_eq!(s, 409, "{body}");
    assert!(message(&body).contains("tech-1"), "{body}");
    let (s, body) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "tech-4", "name": "X", "roles": ["boss"] }]),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("roles"), "{body}");
    let (s, _) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "tech-3", "pin": "12ab" }]),
    )
    .await;
    assert_eq!(s, 400);
    // An admin cannot lock themselves out.
    let (s, body) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "admin", "roles": ["clerk"] }]),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    // Deactivated users cannot sign in.
    let (s, _) = put(
        &admin,
        "/api/v1/master/users",
        json!([{ "id": "tech-3", "active": false }]),
    )
    .await;
    assert_eq!(s, 200);
    let (mut late, _) = enroll_only(&ts, SITE, "hh-late").await;
    let err = late
        .sign_in("B-1003", "4040", None)
        .await
        .expect_err("inactive");
    assert!(matches!(err, ClientError::Api { status: 401, .. }), "{err}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_then_import_changes_nothing() {
    let ts = TestServer::start().await;
    let admin = office(&ts, "admin").await;
    let before = ts.rows();
    for entity in ENTITIES {
        let csv = export_csv(&admin, entity).await;
        let (s, body) = import_csv(&admin, entity, &csv).await;
        assert_eq!(s, 200, "{entity}: {body}");
        assert_eq!(export_csv(&admin, entity).await, csv, "{entity}");
    }
    assert_eq!(ts.rows(), before, "the round trip changes no row");
    let bins = export_csv(&admin, "bins").await;
    assert!(bins.starts_with("id,warehouse,zone\n"), "{bins}");
    assert!(bins.contains("\nA-01,WH-MAIN,storage\n"), "{bins}");
    let items = export_csv(&admin, "items").await;
    assert!(
        items.contains("FAN-120,Cabinet fan 120 mm,pcs,material,serial,false,,"),
        "{items}"
    );
    assert!(items.contains(",FAN-120-B,false,23.50,\n"), "{items}");
    let policy = export_csv(&admin, "policy").await;
    assert!(policy.contains("tolerance_percent,10\n"), "{policy}");

    // A file may carry only some columns: the rest stay as they are.
    let (s, body) = import_csv(&admin, "items", "id,critical\nZIP-200,true\n").await;
    assert_eq!(s, 200, "{body}");
    let (_, items) = get(&admin, "/api/v1/master/items").await;
    let zip = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == "ZIP-200"))
        .expect("zip ties");
    assert_eq!(
        (zip["critical"].clone(), zip["name"].clone()),
        (json!(true), json!("Zip tie 200 mm"))
    );
    // The policy takes the settings given, one per line.
    let (s, body) = import_csv(&admin, "policy", "setting,value\ntolerance_percent,5\n").await;
    assert_eq!(s, 200, "{body}");
    let (_, policy) = get(&admin, "/api/v1/master/policy").await;
    assert_eq!(policy["tolerance_percent"], 5);
    assert_eq!(policy["separation_of_duties"], true);
    let report = ts.server.verify().expect("verify");
    assert!(report.is_clean(), "{report}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_with_a_bad_line_is_refused_whole() {
    let ts = TestServer::start().await;
    let clerk = office(&ts, "clerk-1").await;
    let before = ts.rows();
    let cases = [
        (
            "bins",
            "id,warehouse,zone\nB-10,WH-MAIN,storage\nB-11,WH-MAIN,storag\n",
            &["line 3, column zone", "storag"][..],
        ),
        (
            "bins",
            "id,warehouse,zone\nB-10,WH-MAIN,storage\nB-11,WH-NOPE,storage\n",
            &["line 3, column warehouse", "WH-NOPE", "does not exist"],
        ),
        (
            "bins",
            "id,warehouse,zone\nB-10,WH-MAIN,storage\nB-10,WH-MAIN,returns\n",
            &["line 3", "also on line 2"],
        ),
        (
            "bins",
            "id,warehouse,zone,colour\nB-10,WH-MAIN,storage,red\n",
            &["line 1, column colour", "unknown column"],
        ),
        (
            "bins",
            "id,warehouse,zone\nB-10,WH-MAIN\n",
            &["line 2", "2 cells"],
        ),
        (
            "bins",
            "warehouse,zone\nWH-MAIN,storage\n",
            &["line 1, column id", "missing"],
        ),
        (
            "bins",
            "id,zone\nB-12,storage\n",
            &["line 2, column warehouse", "a new bin needs warehouse"],
        ),
        (
            "items",
            "id,name,unit,expiry_tracked\nNUT-M8,Nut M8,pcs,maybe\n",
            &["line 2, column expiry_tracked", "true or false"],
        ),
        (
            "batches",
            "item,code,expiry\nGREASE-EP2,G-9,2027-02-30\n",
            &["line 2, column expiry"],
        ),
        (
            "batches",
            "item,code,expiry\nZIP-200,Z-1,\n",
            &["line 2, column item", "not batch-tracked"],
        ),
        ("bins", "", &["line 1", "empty"]),
    ];
    for (entity, csv, expect) in cases {
        let (s, body) = import_csv(&clerk, entity, csv).await;
        assert_eq!(s, 400, "{csv}: {body}");
        assert_eq!(body["code"], "invalid_csv", "{body}");
        for e in expect {
            assert!(message(&body).contains(e), "{csv}: want `{e}` in {body}");
        }
    }
    assert_eq!(ts.rows(), before, "nothing of a refused file is recorded");
    let bins = export_csv(&clerk, "bins").await;
    assert!(!bins.contains("B-10"), "{bins}");
    // Not CSV at all.
    let url = format!("{}/api/v1/master/bins/import", clerk.base());
    let (s, body) = send(
        &clerk,
        clerk
            .http()
            .post(url)
            .header("content-type", "application/json")
            .body("[]"),
    )
    .await;
    assert_eq!(s, 415, "{body}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_editors_edit_master_data() {
    let ts = TestServer::start().await;
    let tech = office(&ts, "tech-1").await;
    let before = ts.rows();
    let item = json!([{ "id": "NUT-M8", "name": "Nut", "unit": "pcs" }]);
    let (s, body) = put(&tech, "/api/v1/master/items", item.clone()).await;
    assert_eq!(s, 403, "{body}");
    let m = message(&body);
    assert!(m.contains("admin or clerk") && m.contains("tech-1"), "{m}");
    let (s, _) = import_csv(&tech, "items", "id,name,unit\nNUT-M8,Nut,pcs\n").await;
    assert_eq!(s, 403);
    // Reading is for everyone signed in.
    let (s, _) = get(&tech, "/api/v1/master/items").await;
    assert_eq!(s, 200);
    // Each entity has its editors.
    let clerk = office(&ts, "clerk-1").await;
    let asset = json!([{ "id": "INV-CRANE-1", "name": "Crane 1", "area": "Hall" }]);
    let (s, body) = put(&clerk, "/api/v1/master/assets", asset.clone()).await;
    assert_eq!(s, 403, "{body}");
    let (s, _) = put(
        &clerk,
        "/api/v1/master/policy",
        json!({ "tolerance_percent": 5 }),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(ts.rows(), before);
    let disp = office(&ts, "disp-1").await;
    let (s, body) = put(&disp, "/api/v1/master/assets", asset).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = put(&disp, "/api/v1/master/assets", json!([])).await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("nothing to save"), "{body}");
    // Without a sign-in, nothing.
    let (s, _) = get(&ts.client(), "/api/v1/master/items").await;
    assert_eq!(s, 401);
    let (s, body) = get(&tech, "/api/v1/master/gadgets").await;
    assert_eq!(s, 404, "{body}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_edits_are_partial_and_checked() {
    let ts = TestServer::start().await;
    let admin = office(&ts, "admin").await;
    let (s, body) = put(
        &admin,
        "/api/v1/master/policy",
        json!({ "tolerance_percent": 5, "serial_required_items": ["BRG-6204"] }),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (_, p) = get(&admin, "/api/v1/master/policy").await;
    assert_eq!(p["tolerance_percent"], 5);
    assert_eq!(p["return_deadline_working_days"], 2);
    assert_eq!(p["serial_required_items"], json!(["BRG-6204"]));
    let (s, body) = put(
        &admin,
        "/api/v1/master/policy",
        json!({ "exceptions": ["duplicate"] }),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("exceptions"), "{body}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_work_order_from_plan_to_closure() {
    let ts = TestServer::start().await;
    let disp = office(&ts, "disp-1").await;
    let eng = office(&ts, "eng-1").await;
    let clerk = office(&ts, "clerk-1").await;
    let tech = office(&ts, "tech-1").await;

    // The dispatcher plans the order.
    let order = json!({
        "id": "WO-2001", "asset": "INV-AHU-02", "scope": "Replace bearings and filters",
        "performer": "tech-1", "tasks": [{ "id": "T1", "title": "Bearings" }],
        "lines": [
            { "task": "T1", "item": "BRG-6204", "planned": "2" },
            { "item": "FLT-AIR-500", "planned": "4" }
        ]
    });
    let (s, card) = post(&disp, "/api/v1/work-orders", order.clone()).await;
    assert_eq!(s, 201, "{card}");
    assert_eq!(status(&card), "created");
    assert_eq!(card["asset"]["name"], "Air handling unit 2");
    assert_eq!(line(&card, "WO-2001-L1")["planned"], "2");
    assert_eq!(line(&card, "WO-2001-L2")["requested_by"], "disp-1");
    let (s, _) = post(&disp, "/api/v1/work-orders", order).await;
    assert_eq!(s, 409, "the number is taken");
    for (bad, want) in [
        (
            json!({ "id": "WO-2002", "asset": "INV-NOPE", "scope": "x" }),
            "INV-NOPE",
        ),
        (
            json!({ "id": "WO-2002", "asset": "INV-AHU-02", "scope": "x",
                    "lines": [{ "item": "NOPE", "planned": "1" }] }),
            "NOPE",
        ),
        (
            json!({ "id": "WO-2002", "asset": "INV-AHU-02", "scope": "x",
                    "lines": [{ "id": "A", "item": "ZIP-200", "planned": "1" },
                              { "id": "A", "item": "ZIP-200", "planned": "1" }] }),
            "line A exists already",
        ),
    ] {
        let (s, body) = post(&disp, "/api/v1/work-orders", bad).await;
        assert_eq!(s, 400, "{body}");
        assert!(message(&body).contains(want), "want {want}: {body}");
    }
    let (s, _) = post(
        &tech,
        "/api/v1/work-orders",
        json!({ "id": "WO-2003", "asset": "INV-AHU-02", "scope": "x" }),
    )
    .await;
    assert_eq!(s, 403, "technicians do not plan orders");

    // The creator may not approve (separation of duties); nothing changes.
    let (s, answer) = post(&disp, "/api/v1/work-orders/WO-2001/approve", json!({})).await;
    assert_eq!(s, 200, "{answer}");
    assert_eq!(answer["verdict"]["verdict"], "rejected");
    assert_eq!(answer["verdict"]["refusal"]["code"], "separation_of_duties");
    assert_eq!(status(&answer["work_order"]), "created");
    assert_eq!(answer["work_order"]["approved_by"], Value::Null);
    let (s, _) = post(&tech, "/api/v1/work-orders/WO-2001/approve", json!({})).await;
    assert_eq!(s, 403);

    // The engineer approves with limits: no tolerance on the bearings.
    let limits = json!({ "lines": [
        { "line": "WO-2001-L1", "tolerance_percent": 0 },
        { "line": "WO-2001-L2", "tolerance_percent": 5, "substitutes": [] }
    ]});
    let (s, answer) = post(&eng, "/api/v1/work-orders/WO-2001/approve", limits).await;
    assert_eq!(s, 200, "{answer}");
    assert_eq!(answer["verdict"]["verdict"], "accepted", "{answer}");
    let card = &answer["work_order"];
    assert_eq!(status(card), "approved");
    assert_eq!(card["approved_by"], "eng-1");
    assert_eq!(line(card, "WO-2001-L1")["ceiling"], "2");
    assert_eq!(line(card, "WO-2001-L2")["tolerance_percent"], 5);

    // The clerk reserves: the bearings in full, the filters only in part
    // (two on the shelf at the main store).
    let res_brg = office_doc(
        "clerk-1",
        Some("WO-2001"),
        Some("WO-2001-L1"),
        Body::Reserve {
            warehouse: "WH-MAIN".into(),
            qty: Qty::units(2),
        },
    );
    let res_flt = office_doc(
        "clerk-1",
        Some("WO-2001"),
        Some("WO-2001-L2"),
        Body::Reserve {
            warehouse: "WH-MAIN".into(),
            qty: Qty::units(4),
        },
    );
    accepted(&submit(&clerk, &[res_brg.clone(), res_flt.clone()]).await);
    let (_, card) = get(&clerk, "/api/v1/work-orders/WO-2001").await;
    let flt = line(&card, "WO-2001-L2");
    assert_eq!(
        (
            flt["reserved"].clone(),
            flt["locked"].clone(),
            flt["shortfall"].clone()
        ),
        (json!("4"), json!("2"), json!("2"))
    );
    let reserve = card["reserves"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["line"] == "WO-2001-L2"))
        .expect("reserve on the card");
    assert_eq!(reserve["status"], "partially_supplied");
    assert_eq!(reserve["shortfall"], "2");
    assert_eq!(line(&card, "WO-2001-L1")["locked"], "2");

    // Started from the back office; a device issues and writes off.
    let start = office_doc(
        "disp-1",
        Some("WO-2001"),
        None,
        Body::WoStatusChange {
            transition: Transition::Start,
        },
    );
    accepted(&submit(&disp, &[start]).await);
    let (hh, dev) = device(&ts, "HH-01").await;
    let give = issue(
        &dev,
        "WO-2001",
        "WO-2001-L1",
        pick("BRG-6204", "A-02", 2, &[]),
    );
    let use_one = |n: i64| {
        doc(
            &dev,
            "tech-1",
            Some("WO-2001"),
            Some("WO-2001-L1"),
            Body::WriteOff {
                item: "BRG-6204".into(),
                batch: None,
                qty: Qty::units(n),
                installed: vec![],
                position: None,
                removed: vec![],
            },
        )
    };
    accepted(&hh.push(&[give, use_one(1)]).await.expect("push").verdicts);

    // The plan cannot drop below what was issued.
    let (s, body) = put(
        &disp,
        "/api/v1/work-orders/WO-2001/lines",
        json!({ "lines": [{ "id": "WO-2001-L1", "item": "BRG-6204", "planned": "1" }] }),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("2 already issued"), "{body}");
    // The order is approved: a line the approval did not list goes to an
    // approver, with a reason, and is not planned until one accepts it.
    let add = |reason: Option<&str>| json!({ "lines": [{ "item": "ZIP-200", "planned": "10" }], "reason": reason });
    let (s, body) = put(&disp, "/api/v1/work-orders/WO-2001/lines", add(None)).await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("say why"), "{body}");
    let (s, card) = put(
        &disp,
        "/api/v1/work-orders/WO-2001/lines",
        add(Some("the coupling needs ties too")),
    )
    .await;
    assert_eq!(s, 200, "{card}");
    assert_eq!(card["lines"].as_array().map(Vec::len), Some(2), "{card}");
    assert_eq!(card["plan_changes"][0]["line"]["id"], "WO-2001-L3");
    assert_eq!(card["plan_changes"][0]["by"], "disp-1");
    // Not the proposer's to decide, nor a clerk's.
    let decide =
        |approve: bool, reason: Option<&str>| json!({ "approve": approve, "reason": reason });
    let url = "/api/v1/work-orders/WO-2001/plan-changes/WO-2001-L3";
    let (s, body) = post(&disp, url, decide(true, None)).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (409, Some("own_plan_change")),
        "{body}"
    );
    let (s, _) = post(&clerk, url, decide(true, None)).await;
    assert_eq!(s, 403);
    // A refusal needs a reason; then the order keeps it for the planner.
    let (s, body) = post(&eng, url, decide(false, None)).await;
    assert_eq!(s, 400, "{body}");
    let (s, card) = post(
        &eng,
        url,
        decide(false, Some("ties are stock items: take them from the kit")),
    )
    .await;
    assert_eq!(s, 200, "{card}");
    assert_eq!(card["plan_changes"][0]["refused"]["by"], "eng-1");
    let (s, body) = post(&eng, url, decide(true, None)).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (409, Some("approval_decided")),
        "{body}"
    );
    // A new line that only waits (or was refused) is withdrawn by removing it.
    let (s, card) = put(
        &disp,
        "/api/v1/work-orders/WO-2001/lines",
        json!({ "remove": ["WO-2001-L3"] }),
    )
    .await;
    assert_eq!(s, 200, "{card}");
    assert_eq!(card["plan_changes"], json!([]), "{card}");
    // Proposed again, and accepted: the line is planned, and approved.
    let (s, _) = put(
        &disp,
        "/api/v1/work-orders/WO-2001/lines",
        json!({ "lines": [{ "id": "WO-2001-L3", "item": "ZIP-200", "planned": "10" }],
                "reason": "the kit has none left" }),
    )
    .await;
    assert_eq!(s, 200);
    // Meanwhile another order (not approved: its plan is free) took the
    // waiting line's id: accepting must not overwrite that order's line.
    let (s, body) = post(
        &disp,
        "/api/v1/work-orders",
        json!({ "id": "WO-2002", "asset": "INV-AHU-02", "scope": "ties" }),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let other = |body: Value| put(&disp, "/api/v1/work-orders/WO-2002/lines", body);
    let (s, body) =
        other(json!({ "lines": [{ "id": "WO-2001-L3", "item": "ZIP-200", "planned": "1" }] }))
            .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = post(&eng, url, decide(true, None)).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (409, Some("line_id_taken")),
        "{body}"
    );
    let (s, body) = other(json!({ "remove": ["WO-2001-L3"] })).await;
    assert_eq!(s, 200, "{body}");
    let (s, card) = post(&eng, url, decide(true, None)).await;
    assert_eq!(s, 200, "{card}");
    assert_eq!(card["plan_changes"], json!([]), "{card}");
    assert_eq!(line(&card, "WO-2001-L3")["planned"], "10");
    let (s, card) = put(
        &disp,
        "/api/v1/work-orders/WO-2001/lines",
        json!({ "remove": ["WO-2001-L3"] }),
    )
    .await;
    assert_eq!(s, 200, "{card}");
    assert_eq!(card["lines"].as_array().map(Vec::len), Some(2));

    // Closure is refused with every blocker listed.
    let close = || {
        office_doc(
            "disp-1",
            Some("WO-2001"),
            None,
            Body::WoStatusChange {
                transition: Transition::Close,
            },
        )
    };
    let v = submit(&disp, &[close()]).await;
    let refusal = rejected(&v[0]);
    assert_eq!(refusal.code, ReasonCode::ClosureBlocked);
    assert_eq!(refusal.blockers.len(), 2, "{refusal:?}");
    assert!(refusal.blockers.iter().any(|b| matches!(b,
        Blocker::InWork { line, qty, .. } if line.as_str() == "WO-2001-L1" && *qty == Qty::units(1))));
    assert!(refusal.blockers.iter().any(|b| matches!(b,
        Blocker::ReserveHeld { reserve, .. } if *reserve == res_flt.id)));
    let (_, card) = get(&disp, "/api/v1/work-orders/WO-2001").await;
    assert_eq!(card["blockers"].as_array().map(Vec::len), Some(2), "{card}");
    assert!(
        card["blockers"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("—"))
    );

    // Clear the blockers: the last bearing is used, the filter reserve
    // released; then the order closes.
    accepted(&hh.push(&[use_one(1)]).await.expect("push").verdicts);
    let release = office_doc(
        "clerk-1",
        Some("WO-2001"),
        Some("WO-2001-L2"),
        Body::ReserveRelease {
            reserve: res_flt.id,
            qty: None,
        },
    );
    accepted(&submit(&clerk, &[release]).await);
    accepted(&submit(&disp, &[close()]).await);
    let (_, card) = get(&disp, "/api/v1/work-orders/WO-2001").await;
    assert_eq!(status(&card), "closed");
    assert_eq!(card["blockers"], json!([]));
    let brg = line(&card, "WO-2001-L1");
    assert_eq!(
        [
            &brg["issued"],
            &brg["written_off"],
            &brg["in_work"],
            &brg["deviation"]
        ],
        [&json!("2"), &json!("2"), &json!("0"), &json!("0")]
    );
    assert_eq!(line(&card, "WO-2001-L2")["deviation"], "-4");

    let (_, closed) = get(&disp, "/api/v1/work-orders?status=closed").await;
    assert!(
        closed
            .as_array()
            .is_some_and(|l| l.iter().any(|w| w["id"] == "WO-2001"))
    );
    let (_, created) = get(&disp, "/api/v1/work-orders?status=created").await;
    assert!(
        created
            .as_array()
            .is_some_and(|l| l.iter().all(|w| w["status"] == "created"))
    );
    let (s, body) = get(&disp, "/api/v1/work-orders?status=finished").await;
    assert_eq!(s, 400, "{body}");
    let (s, _) = get(&disp, "/api/v1/work-orders/WO-9999").await;
    assert_eq!(s, 404);
    // A closed order's plan is final.
    let (s, body) = put(
        &disp,
        "/api/v1/work-orders/WO-2001/lines",
        json!({ "lines": [{ "item": "ZIP-200", "planned": "1" }] }),
    )
    .await;
    assert_eq!(s, 409, "{body}");
    assert!(message(&body).contains("WO-2001 is closed"), "{body}");
    let report = ts.server.verify().expect("verify");
    assert!(report.is_clean(), "{report}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_not_of_the_signed_in_person_record_nothing() {
    let ts = TestServer::start().await;
    let clerk = office(&ts, "clerk-1").await;
    let sup = office(&ts, "sup-1").await;
    let before = ts.rows();
    let mine = office_doc(
        "clerk-1",
        Some("WO-1002"),
        Some("WO-1002-L1"),
        Body::Reserve {
            warehouse: "WH-MAIN".into(),
            qty: Qty::units(1),
        },
    );
    let theirs = office_doc(
        "sup-1",
        Some("WO-1002"),
        Some("WO-1002-L1"),
        Body::Reserve {
            warehouse: "WH-MAIN".into(),
            qty: Qty::units(1),
        },
    );
    let err = clerk
        .post_json::<_, PushResponse>(
            "/api/v1/documents",
            &PushRequest {
                documents: vec![mine.clone(), theirs.clone()],
            },
        )
        .await
        .expect_err("someone else's document");
    match &err {
        ClientError::Api {
            status, message, ..
        } => {
            assert_eq!(*status, 403);
            assert!(
                message.contains("sup-1") && message.contains("clerk-1"),
                "{message}"
            );
        }
        other => panic!("{other}"),
    }
    let mut other_device = mine.clone();
    other_device.id = DocId::new_v7();
    other_device.device = "HH-01".into();
    let mut other_site = mine.clone();
    other_site.id = DocId::new_v7();
    other_site.site = "PLANT-2".into();
    for (d, want) in [(other_device, 400), (other_site, 403)] {
        let (s, body) = post(&clerk, "/api/v1/documents", json!({ "documents": [d] })).await;
        assert_eq!(s, want, "{body}");
    }
    assert_eq!(ts.rows(), before, "nothing recorded");
    let (_, list) = get(&sup, "/api/v1/needs-attention").await;
    assert!(!list.to_string().contains(&mine.id.to_string()), "{list}");
    // The clerk's own document alone goes through.
    accepted(&submit(&clerk, &[mine]).await);
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_need_attention() {
    let ts = TestServer::start().await;
    let clerk = office(&ts, "clerk-1").await;
    // Nothing moves on a closed order.
    let late = office_doc(
        "clerk-1",
        Some("WO-1008"),
        Some("WO-1008-L1"),
        Body::Reserve {
            warehouse: "WH-MAIN".into(),
            qty: Qty::units(1),
        },
    );
    let v = submit(&clerk, std::slice::from_ref(&late)).await;
    assert_eq!(rejected(&v[0]).code, ReasonCode::WorkOrderStatus);
    let sup = office(&ts, "sup-1").await;
    let (s, list) = get(&sup, "/api/v1/needs-attention").await;
    assert_eq!(s, 200, "{list}");
    let entry = list
        .as_array()
        .and_then(|l| l.iter().find(|e| e["id"] == json!(late.id)))
        .expect("listed");
    assert_eq!(entry["code"], "work_order_status");
    assert_eq!(entry["kind"], "reserve");
    assert!(entry["what_to_do"].as_str().is_some_and(|t| !t.is_empty()));
    let (s, _) = get(&clerk, "/api/v1/needs-attention").await;
    assert_eq!(s, 403);
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_office_documents_take_the_device_rule_path() {
    use sparescan_core::document::Decision;
    use sparescan_core::model::Condition;
    let ts = TestServer::start().await;
    let clerk = office(&ts, "clerk-1").await;
    let ctrl = office(&ts, "ctrl-1").await;
    let acct = office(&ts, "acct-1").await;

    // WO-1005's old controller comes back into quarantine; the controller
    // rejects it.
    let back = office_doc(
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::RemovedUnitReturn {
            item: "PUMP-CTRL".into(),
            serial: "PC-OLD-1".into(),
            condition: Condition::UnderInspection,
            to_bin: "Q-01".into(),
        },
    );
    accepted(&submit(&clerk, &[back]).await);
    let decide = office_doc(
        "ctrl-1",
        None,
        None,
        Body::InspectionDecision {
            item: "PUMP-CTRL".into(),
            from_bin: "Q-01".into(),
            batch: None,
            serials: vec!["PC-OLD-1".into()],
            qty: Qty::units(1),
            decision: Decision::Reject {
                to_bin: "X-01".into(),
            },
        },
    );
    accepted(&submit(&ctrl, &[decide]).await);

    // Filters move from the north store to the main one.
    let mut filters = pick("FLT-AIR-500", "N-01", 2, &[]);
    filters.batch = Some("F-77".into());
    let out = office_doc(
        "clerk-1",
        None,
        None,
        Body::TransferOut {
            pick: filters,
            to_warehouse: "WH-MAIN".into(),
            for_reserve: None,
        },
    );
    let mut arrive = office_doc(
        "clerk-1",
        None,
        None,
        Body::TransferIn {
            to_bin: "A-02".into(),
            qty: Qty::units(2),
            serials: vec![],
        },
    );
    arrive.follows = Some(out.id);
    accepted(&submit(&clerk, &[out, arrive.clone()]).await);

    // A correction needs an approver other than its author.
    let mut undo = office_doc("clerk-1", None, None, Body::Correction);
    undo.follows = Some(arrive.id);
    undo.reason = Some("wrong bin".into());
    undo.approver = Some("clerk-1".into());
    let v = submit(&clerk, std::slice::from_ref(&undo)).await;
    assert_eq!(rejected(&v[0]).code, ReasonCode::ApproverIsAuthor);
    let mut undo = undo.clone();
    undo.id = DocId::new_v7();
    undo.approver = Some("sup-1".into());
    accepted(&submit(&clerk, &[undo]).await);

    // Counts record the discrepancy; the accountant closes the period and
    // what is dated inside it is refused.
    let count = office_doc(
        "clerk-1",
        None,
        None,
        Body::Count {
            item: "BRG-6204".into(),
            bin: "A-02".into(),
            batch: None,
            condition: Condition::New,
            counted: Qty::units(11),
            adjust: false,
        },
    );
    accepted(&submit(&clerk, &[count]).await);
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let close = office_doc("acct-1", None, None, Body::PeriodClose { until: yesterday });
    accepted(&submit(&acct, &[close]).await);
    let mut late = office_doc(
        "clerk-1",
        None,
        None,
        Body::Count {
            item: "BRG-6204".into(),
            bin: "A-02".into(),
            batch: None,
            condition: Condition::New,
            counted: Qty::units(11),
            adjust: false,
        },
    );
    late.device_time -= chrono::Duration::days(2);
    let v = submit(&clerk, &[late]).await;
    assert_eq!(rejected(&v[0]).code, ReasonCode::PeriodClosed);
    // The role matrix applies: a clerk does not close periods.
    let v = submit(
        &clerk,
        &[office_doc(
            "clerk-1",
            None,
            None,
            Body::PeriodClose { until: yesterday },
        )],
    )
    .await;
    assert_eq!(rejected(&v[0]).code, ReasonCode::RoleNotAllowed);
    let report = ts.server.verify().expect("verify");
    assert!(report.is_clean(), "{report}");
    ts.stop().await;
}

/// A line planned as a range is to be clarified: the card shows the part
/// no reserve locks, and only an engineer settles it, recorded with who
/// and when (issue 16, item 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_line_is_settled_by_an_engineer() {
    let ts = TestServer::start().await;
    let disp = office(&ts, "disp-1").await;
    let eng = office(&ts, "eng-1").await;
    let order = json!({
        "id": "WO-2101", "asset": "INV-AHU-02", "scope": "Filters, count unknown",
        "lines": [
            { "item": "FLT-AIR-500", "planned": "1", "planned_max": "2" },
            { "item": "BRG-6204", "planned": "2" }
        ]
    });
    let (s, card) = post(&disp, "/api/v1/work-orders", order).await;
    assert_eq!(s, 201, "{card}");
    let l1 = line(&card, "WO-2101-L1");
    assert_eq!(
        (
            l1["planned_max"].clone(),
            l1["to_clarify"].clone(),
            l1["ceiling"].clone()
        ),
        (json!("2"), json!("1"), json!("2"))
    );
    let (s, body) = post(
        &disp,
        "/api/v1/work-orders",
        json!({ "id": "WO-2102", "asset": "INV-AHU-02", "scope": "x",
                "lines": [{ "item": "FLT-AIR-500", "planned": "2", "planned_max": "2" }] }),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(message(&body).contains("planned_max"), "{body}");

    let clarify = "/api/v1/work-orders/WO-2101/lines/WO-2101-L1/clarify";
    let (s, _) = post(&disp, clarify, json!({ "planned": "2" })).await;
    assert_eq!(s, 403, "a dispatcher does not settle ranges");
    let (s, body) = post(
        &eng,
        "/api/v1/work-orders/WO-2101/lines/WO-2101-L2/clarify",
        json!({ "planned": "2" }),
    )
    .await;
    assert_eq!(s, 409, "not a range: {body}");
    let (s, card) = post(&eng, clarify, json!({ "planned": "2" })).await;
    assert_eq!(s, 200, "{card}");
    let l1 = line(&card, "WO-2101-L1");
    assert_eq!(l1["planned"], "2");
    assert_eq!(l1["planned_max"], Value::Null);
    assert_eq!(l1["clarified"]["by"], "eng-1");
    assert_eq!(
        (
            l1["clarified"]["min"].clone(),
            l1["clarified"]["max"].clone()
        ),
        (json!("1"), json!("2"))
    );
    let (s, _) = post(&eng, clarify, json!({ "planned": "2" })).await;
    assert_eq!(s, 409, "settled once");
    ts.stop().await;
}
