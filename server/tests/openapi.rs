//! The OpenAPI document (`docs/openapi.json`, `GET /api/v1/openapi.json`):
//!
//! - the checked-in copy is what the code generates (regenerate with
//!   `UPDATE_DOCS=1 cargo test -p sparescan-server --test openapi`);
//! - every route the server's sources register is in the document, and
//!   every documented operation is a route;
//! - over real HTTPS, the server serves the generated document, answers
//!   every documented operation, and each answer — its status, content type
//!   and JSON body — is one the document describes (a small JSON-Schema
//!   check of the subset utoipa writes).

mod common;

use common::*;
use serde_json::{Value, json};
use sparescan_core::document::{Body, Document};
use sparescan_core::ids::*;
use sparescan_core::model::{Condition, Holding, InWorkKey, SerialKey, StockKey};
use sparescan_core::sync::RowKey;
use sparescan_server::api::openapi;
use sparescan_server::demo::SITE;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn checked_in_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

/// The document as checked in: pretty JSON and a final newline.
fn generated_text() -> String {
    let mut text = openapi::document().to_pretty_json().expect("document");
    text.push('\n');
    text
}

fn generated() -> Value {
    serde_json::to_value(openapi::document()).expect("document")
}

#[test]
fn checked_in_document_is_current() {
    let text = generated_text();
    let path = checked_in_path();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &text).expect("writing docs/openapi.json");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if on_disk != text {
        let line = on_disk
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| on_disk.lines().count().min(text.lines().count()));
        panic!(
            "docs/openapi.json differs from the generated document (first at line {}): \
             regenerate it with `UPDATE_DOCS=1 cargo test -p sparescan-server --test openapi` \
             and commit it",
            line + 1
        );
    }
}

/// The documented operations, as (METHOD, path template).
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every `.route("path", get(…).post(…))` in the server's sources, as
/// (METHOD, path) of the API. Routers are merged, never nested, so the
/// paths are whole.
fn routes_in_sources() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src dir") {
            let path = entry.expect("entry").path();
            // The console's pages are HTML for people, not the API
            // (docs/console.md).
            if path.is_dir() && !path.ends_with("console") {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        assert!(
            !text.contains(".nest(") && !text.contains(".route_service("),
            "{}: nested routers or services: teach routes_in_sources about them",
            file.display()
        );
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let args = rest.trim_start();
            let Some(args) = args.strip_prefix('"') else {
                panic!("{}: a route whose path is not a literal", file.display());
            };
            let end = args.find('"').expect("closing quote");
            let path = &args[..end];
            // The method router: the text up to the `)` closing `.route(`.
            let after = args[end + 1..].trim_start().trim_start_matches(',');
            let mut depth = 0usize;
            let mut ident = String::new();
            let mut methods = Vec::new();
            for c in after.chars() {
                match c {
                    '(' => {
                        if depth == 0 && METHODS.contains(&ident.as_str()) {
                            methods.push(ident.to_uppercase());
                        }
                        depth += 1;
                        ident.clear();
                    }
                    ')' if depth == 0 => break,
                    ')' => depth -= 1,
                    c if c.is_alphanumeric() || c == '_' => ident.push(c),
                    _ => ident.clear(),
                }
            }
            assert!(
                !methods.is_empty(),
                "{}: route {path} with no method I can read",
                file.display()
            );
            for m in methods {
                out.insert((m, path.to_owned()));
            }
        }
    }
    out
}

#[test]
fn every_route_is_documented_and_every_operation_is_a_route() {
    let doc = generated();
    let documented = documented(&doc);
    let routed = routes_in_sources();
    assert!(routed.len() >= 20, "too few routes found: {routed:?}");
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document (annotate the handler with \
         #[utoipa::path] and list it in api/openapi.rs): {undocumented:?}"
    );
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        unrouted.is_empty(),
        "documented operations that no route serves: {unrouted:?}"
    );
}

/// Every variant of RowKey, so a new one cannot be forgotten in its
/// hand-written schema.
fn row_key_samples() -> Vec<RowKey> {
    let doc = DocId::new_v7();
    let stock = StockKey {
        item: "I".into(),
        bin: "B".into(),
        batch: None,
        condition: Condition::New,
    };
    let samples = vec![
        RowKey::Policy,
        RowKey::Item("I".into()),
        RowKey::Warehouse("W".into()),
        RowKey::Bin("B".into()),
        RowKey::Batch("I".into(), "L".into()),
        RowKey::Asset("A".into()),
        RowKey::User("U".into()),
        RowKey::WorkOrder("WO".into()),
        RowKey::Line("L1".into()),
        RowKey::Request("R1".into()),
        RowKey::Template("T1".into()),
        RowKey::SiteReason("WORN".into()),
        RowKey::Stock(stock),
        RowKey::InWork(InWorkKey {
            holding: Holding::Line("L1".into()),
            item: "I".into(),
            batch: Some("L".into()),
        }),
        RowKey::IssueOpen(doc),
        RowKey::Serial(SerialKey {
            item: "I".into(),
            serial: "S".into(),
        }),
        RowKey::LineCounts("L1".into()),
        RowKey::Reserve(doc),
        RowKey::Tool(doc),
        RowKey::Emergency(doc),
        RowKey::Transit(doc),
        RowKey::MissingSerial(doc),
        RowKey::Discrepancy(doc),
        RowKey::ClosedUntil,
        RowKey::Reversed(doc),
        RowKey::ReceivedBatch("I".into(), "L".into()),
        RowKey::Warranty(SerialKey {
            item: "I".into(),
            serial: "S".into(),
        }),
        RowKey::Document(doc),
        RowKey::Approval(doc),
    ];
    // Fails to compile when RowKey grows: add the variant above and to
    // RowKey's schema in core/src/sync.rs.
    for k in &samples {
        match k {
            RowKey::Policy
            | RowKey::Item(_)
            | RowKey::Warehouse(_)
            | RowKey::Bin(_)
            | RowKey::Batch(..)
            | RowKey::Asset(_)
            | RowKey::User(_)
            | RowKey::WorkOrder(_)
            | RowKey::Line(_)
            | RowKey::Request(_)
            | RowKey::Template(_)
            | RowKey::SiteReason(_)
            | RowKey::Stock(_)
            | RowKey::InWork(_)
            | RowKey::IssueOpen(_)
            | RowKey::Serial(_)
            | RowKey::LineCounts(_)
            | RowKey::Reserve(_)
            | RowKey::Tool(_)
            | RowKey::Emergency(_)
            | RowKey::Approval(_)
            | RowKey::Transit(_)
            | RowKey::MissingSerial(_)
            | RowKey::Discrepancy(_)
            | RowKey::ClosedUntil
            | RowKey::Reversed(_)
            | RowKey::Warranty(_)
            | RowKey::ReceivedBatch(..)
            | RowKey::Document(_) => {}
        }
    }
    samples
}

#[test]
fn row_keys_match_their_schema() {
    let doc = generated();
    let v = Validator { doc: &doc };
    let schema = json!({"$ref": "#/components/schemas/RowKey"});
    let variants = doc["components"]["schemas"]["RowKey"]["oneOf"]
        .as_array()
        .expect("RowKey is a oneOf");
    let samples = row_key_samples();
    assert_eq!(variants.len(), samples.len(), "one schema per variant");
    for k in samples {
        let json = serde_json::to_value(&k).expect("key");
        let errors = v.check(&schema, &json);
        assert!(errors.is_empty(), "{json}: {errors:?}");
        // Exactly one variant takes it.
        let taking = variants
            .iter()
            .filter(|s| v.check(s, &json).is_empty())
            .count();
        assert_eq!(taking, 1, "{json}");
    }
}

#[test]
fn wire_types_match_their_schemas() {
    let doc = generated();
    let v = Validator { doc: &doc };
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    // What a device learns of a badge: no secret.
    let holder = serde_json::to_value(sparescan_core::sync::BadgeHolder {
        user: "tech-1".into(),
        badge: "B-1".into(),
    })
    .expect("badge holder");
    assert_eq!(
        v.check(&schema("BadgeHolder"), &holder),
        Vec::<String>::new()
    );
    // Quantities are decimal strings in the documented pattern.
    for q in ["0", "2.5", "-1.25", "1000.001"] {
        let qty: sparescan_core::qty::Qty = q.parse().expect("qty");
        let json = serde_json::to_value(qty).expect("qty");
        assert_eq!(json, json!(q));
        assert_eq!(v.check(&schema("Qty"), &json), Vec::<String>::new());
    }
    assert!(!v.check(&schema("Qty"), &json!(2.5)).is_empty());
    assert!(!v.check(&schema("Qty"), &json!("2.5000")).is_empty());
    // A document of every body kind that carries optional parts.
    let d = doc_for(
        "backoffice",
        Body::Count {
            item: "I".into(),
            bin: "B".into(),
            batch: Some("L".into()),
            condition: Condition::Opened,
            counted: "3.5".parse().expect("qty"),
            adjust: true,
        },
    );
    let json = serde_json::to_value(&d).expect("document");
    assert_eq!(v.check(&schema("Document"), &json), Vec::<String>::new());
}

#[test]
fn the_check_refuses_what_the_schemas_do_not_say() {
    let doc = generated();
    let v = Validator { doc: &doc };
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let id = DocId::new_v7().to_string();
    let accepted = json!({"verdict": "accepted", "id": id, "seq": 3});
    assert_eq!(v.check(&schema("Verdict"), &accepted), Vec::<String>::new());
    for bad in [
        json!({"verdict": "maybe", "id": id, "seq": 3}),
        json!({"verdict": "accepted", "id": id}),
        json!({"verdict": "accepted", "id": id, "seq": "3"}),
        json!({"verdict": "accepted", "id": id, "seq": 3, "extra": true}),
        json!({"verdict": "rejected", "id": id, "refusal": {"code": "nonsense", "message": "", "what_to_do": ""}}),
    ] {
        assert!(!v.check(&schema("Verdict"), &bad).is_empty(), "{bad}");
    }
    let blocker = json!({"blocker": "tool_out", "checkout": id, "item": "DR", "message": "m"});
    assert_eq!(
        v.check(&schema("BlockerCard"), &blocker),
        Vec::<String>::new()
    );
    let mut odd = blocker.clone();
    odd["colour"] = json!("red");
    assert!(!v.check(&schema("BlockerCard"), &odd).is_empty());
    let user = json!({"id": "u", "name": "U", "roles": ["admin"], "site": "S", "active": true});
    let mut with_badge = user.clone();
    with_badge["badge"] = json!("B-1");
    assert_eq!(
        v.check(&schema("UserRecord"), &with_badge),
        Vec::<String>::new()
    );
    let mut with_pin = user;
    with_pin["pin_hash"] = json!("x");
    assert!(!v.check(&schema("UserRecord"), &with_pin).is_empty());
}

fn doc_for(device: &str, body: Body) -> Document {
    Document {
        id: DocId::new_v7(),
        author: "sup-1".into(),
        device: device.into(),
        site: SITE.into(),
        device_time: chrono::Utc::now(),
        work_order: None,
        line: None,
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body,
    }
}

// ---- over HTTPS ----

/// Sends requests and checks each answer against the document.
struct Api<'d> {
    doc: &'d Value,
    http: reqwest::Client,
    base: String,
    /// Operations called, as (METHOD, path template).
    called: BTreeSet<(String, String)>,
}

enum Send {
    Nothing,
    Json(Value),
    Text(&'static str, String),
}

impl Api<'_> {
    /// Calls `method template` at `path` (the template filled in) with a
    /// bearer token; checks the status, content type and body against the
    /// operation's responses; returns the status and the body (JSON, or
    /// the text as a JSON string).
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Send,
    ) -> (u16, Value) {
        let op = &self.doc["paths"][template][method.to_lowercase()];
        assert!(op.is_object(), "{method} {template} is not documented");
        self.called
            .insert((method.to_uppercase(), template.to_owned()));
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method.parse().expect("method"), &url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match body {
            Send::Nothing => req,
            Send::Json(v) => req.json(&v),
            Send::Text(ct, text) => req.header("content-type", ct).body(text),
        };
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = resp.text().await.expect("body");
        let what = format!("{method} {path} → {status}");
        let mut response = &op["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{what}: status not documented ({text})"
        );
        if let Some(r) = response["$ref"].as_str() {
            let name = r.rsplit('/').next().expect("ref");
            response = &self.doc["components"]["responses"][name];
        }
        let mime = media_type(&content_type);
        let content = response["content"].as_object();
        let Some(content) = content else {
            assert!(text.is_empty(), "{what}: a body where none is documented");
            return (status, Value::Null);
        };
        let media = content
            .iter()
            .find(|(declared, _)| media_type(declared) == mime)
            .map(|(_, m)| m)
            .unwrap_or_else(|| {
                panic!(
                    "{what}: content type `{content_type}` not documented (documented: {:?})",
                    content.keys().collect::<Vec<_>>()
                )
            });
        let value = if mime == "application/json" {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"))
        } else {
            Value::String(text)
        };
        let errors = Validator { doc: self.doc }.check(&media["schema"], &value);
        assert!(
            errors.is_empty(),
            "{what}: the body does not match the documented schema:\n{}\n{}",
            errors.join("\n"),
            serde_json::to_string(&value)
                .unwrap_or_default()
                .chars()
                .take(2000)
                .collect::<String>()
        );
        (status, value)
    }

    async fn get(&mut self, template: &str, path: &str, token: Option<&str>) -> (u16, Value) {
        self.call("GET", template, path, token, Send::Nothing).await
    }
}

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

async fn sign_in(api: &mut Api<'_>, user: &str, device: Option<&str>) -> String {
    sign_in_for_key(api, user, device).await.0
}

/// A sign-in's session token and, on a device, the presence key's id and
/// bytes.
async fn sign_in_for_key(
    api: &mut Api<'_>,
    user: &str,
    device: Option<&str>,
) -> (String, Option<(String, Vec<u8>)>) {
    let (badge, pin) = pin_of(user);
    let (_, password) = password_of(user);
    let request = match device {
        Some(_) => json!({"badge": badge, "pin": pin}),
        None => json!({"badge": badge, "password": password, "site": SITE}),
    };
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/sessions",
            "/api/v1/sessions",
            device,
            Send::Json(request),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let key = body["presence"].as_object().map(|p| {
        (
            p["id"].as_str().expect("id").to_owned(),
            sparescan_core::presence::hex_decode(p["key"].as_str().expect("key")).expect("hex"),
        )
    });
    (body["token"].as_str().expect("token").to_owned(), key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_serves_the_document_and_answers_as_it_says() {
    let ts = TestServer::start().await;
    let doc = generated();
    let client = ts.client();
    let mut api = Api {
        doc: &doc,
        http: client.http().clone(),
        base: ts.base.clone(),
        called: BTreeSet::new(),
    };

    // The document itself, unauthenticated, equals the generated one.
    let (status, served) = api
        .get("/api/v1/openapi.json", "/api/v1/openapi.json", None)
        .await;
    assert_eq!(status, 200);
    assert!(
        served == doc,
        "the served document differs from the generated one"
    );
    let (status, ok) = api.get("/healthz", "/healthz", None).await;
    assert_eq!((status, ok), (200, json!("ok")));
    // The CA devices pin, for the enrollment QR code: the test server's.
    let c = "/api/v1/tls/ca.pem";
    let (status, pem) = api.get(c, c, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        pem.as_str().map(str::as_bytes),
        Some(ts.ca.as_slice()),
        "the served CA is the one devices pin"
    );

    // Devices.
    let e = "/api/v1/devices/enroll";
    let (status, _) = api
        .call(
            "POST",
            e,
            e,
            None,
            Send::Json(json!({"code": "AAAA-BBBB-CCCC", "name": "x"})),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = api
        .call("POST", e, e, None, Send::Json(json!({"code": 1})))
        .await;
    assert_eq!(status, 422);
    let (status, _) = api
        .call(
            "POST",
            e,
            e,
            None,
            Send::Text("application/json", "{".into()),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = api
        .call("POST", e, e, None, Send::Text("text/plain", "{}".into()))
        .await;
    assert_eq!(status, 415);
    let code = ts.server.enrollment_code(&SITE.into()).await.expect("code");
    let (status, enrolled) = api
        .call(
            "POST",
            e,
            e,
            None,
            Send::Json(json!({"code": code, "name": "HH-OA"})),
        )
        .await;
    assert_eq!(status, 200);
    let dev_token = enrolled["token"].as_str().expect("token").to_owned();
    let dev_id = enrolled["device_id"].as_str().expect("id").to_owned();
    let dev = Some(dev_token.as_str());

    // Sign-in: from the device, from the back office, refused.
    let tech_device = sign_in(&mut api, "tech-1", dev).await;
    assert!(tech_device.starts_with("ses_") && dev_token.starts_with("dev_"));
    // A session opened on a handheld does not open the back office.
    let (status, _) = api
        .get(
            "/api/v1/work-orders",
            "/api/v1/work-orders",
            Some(tech_device.as_str()),
        )
        .await;
    assert_eq!(status, 401);
    let tech = sign_in(&mut api, "tech-1", None).await;
    let s = "/api/v1/sessions";
    let (status, _) = api
        .call(
            "POST",
            s,
            s,
            None,
            Send::Json(json!({"badge": "B-1001", "pin": "0000", "site": SITE})),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = api
        .call(
            "POST",
            s,
            s,
            None,
            Send::Json(json!({"badge": "B-1001", "pin": "1111"})),
        )
        .await;
    assert_eq!(status, 400);
    let admin = sign_in(&mut api, "admin", None).await;
    let sup = sign_in(&mut api, "sup-1", None).await;
    let disp = sign_in(&mut api, "disp-1", None).await;
    let eng = sign_in(&mut api, "eng-1", None).await;
    let (admin, sup, disp, eng) = (
        Some(admin.as_str()),
        Some(sup.as_str()),
        Some(disp.as_str()),
        Some(eng.as_str()),
    );

    // Sync: bootstrap every page, each row's value as its key says.
    let b = "/api/v1/sync/bootstrap";
    let mut page: Option<String> = None;
    let mut entities = BTreeSet::new();
    loop {
        let path = match &page {
            Some(p) => format!("{b}?page={p}"),
            None => b.to_owned(),
        };
        let (status, body) = api.get(b, &path, dev).await;
        assert_eq!(status, 200);
        for row in body["rows"].as_array().expect("rows") {
            entities.insert(check_row_value(&doc, row));
        }
        match body["next"].as_str() {
            Some(n) => page = Some(n.to_owned()),
            None => break,
        }
    }
    assert!(
        entities.len() >= 12,
        "the demo covers most entities: {entities:?}"
    );
    let (status, _) = api.get(b, &format!("{b}?page=nonsense"), dev).await;
    assert_eq!(status, 400);
    let (status, _) = api.get(b, b, None).await;
    assert_eq!(status, 401);
    let c = "/api/v1/sync/credentials";
    let (status, creds) = api.get(c, c, dev).await;
    assert_eq!(status, 200);
    assert!(!creds.as_array().expect("list").is_empty());

    // A push with every verdict: accepted, duplicate, rejected.
    let (_, clerk_key) = sign_in_for_key(&mut api, "clerk-1", dev).await;
    let (key_id, key) = clerk_key.expect("a presence key on a device");
    let issued = sparescan_core::presence::prove(
        issue(
            &dev_id,
            "WO-1004",
            "WO-1004-L1",
            pick("FAN-120", "A-02", 1, &["FAN-A1"]),
        ),
        (&key_id, &key),
        None,
    );
    let mut foreign = issued.clone();
    foreign.id = DocId::new_v7();
    foreign.site = "ELSEWHERE".into();
    let p = "/api/v1/sync/push";
    let (status, pushed) = api
        .call(
            "POST",
            p,
            p,
            dev,
            Send::Json(json!({"documents": [issued, issued, foreign]})),
        )
        .await;
    assert_eq!(status, 200);
    let verdicts: Vec<&str> = pushed["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .map(|v| v["verdict"].as_str().expect("verdict"))
        .collect();
    assert_eq!(verdicts, ["accepted", "duplicate", "rejected"]);
    let (status, _) = api
        .call(
            "POST",
            p,
            p,
            Some(tech.as_str()),
            Send::Json(json!({"documents": []})),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = api
        .call(
            "POST",
            p,
            p,
            dev,
            Send::Json(json!({"documents": [], "extra": 1})),
        )
        .await;
    assert_eq!(status, 422);

    let pl = "/api/v1/sync/pull";
    let (status, pulled) = api.get(pl, &format!("{pl}?after=0&limit=50"), dev).await;
    assert_eq!(status, 200);
    for change in pulled["changes"].as_array().expect("changes") {
        check_row_value(&doc, change);
    }
    let (status, _) = api.get(pl, &format!("{pl}?after=soon"), dev).await;
    assert_eq!(status, 400);

    // Master data, JSON and CSV, read and edited.
    for entity in [
        "items",
        "warehouses",
        "bins",
        "batches",
        "assets",
        "users",
        "policy",
    ] {
        let t = "/api/v1/master/{entity}";
        let path = format!("/api/v1/master/{entity}");
        for token in [admin, Some(tech.as_str())] {
            let (status, _) = api.get(t, &path, token).await;
            assert_eq!(status, 200, "{path}");
        }
        let (status, _) = api.get(t, &format!("{path}?format=csv"), sup).await;
        assert_eq!(status, 200);
    }
    let t = "/api/v1/master/{entity}";
    let (status, _) = api.get(t, "/api/v1/master/items?format=xml", sup).await;
    assert_eq!(status, 400);
    let (status, _) = api.get(t, "/api/v1/master/nonsense", sup).await;
    assert_eq!(status, 404);
    let (status, _) = api.get(t, "/api/v1/master/items", None).await;
    assert_eq!(status, 401);
    let edit = json!([{"id": "OA-ITEM", "name": "OpenAPI test item", "unit": "pcs"}]);
    let (status, _) = api
        .call(
            "PUT",
            t,
            "/api/v1/master/items",
            sup,
            Send::Json(edit.clone()),
        )
        .await;
    assert_eq!(status, 403);
    let (status, saved) = api
        .call("PUT", t, "/api/v1/master/items", admin, Send::Json(edit))
        .await;
    assert_eq!((status, saved["saved"].as_u64()), (200, Some(1)));
    let (status, _) = api
        .call(
            "PUT",
            t,
            "/api/v1/master/policy",
            admin,
            Send::Json(json!({"tolerance_percent": 15})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api
        .call(
            "PUT",
            t,
            "/api/v1/master/users",
            admin,
            Send::Json(json!([{"id": "tech-2", "badge": "B-1001"}])),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = api
        .call(
            "PUT",
            t,
            "/api/v1/master/items",
            admin,
            Send::Json(json!({"id": "X"})),
        )
        .await;
    assert_eq!(status, 400);
    let i = "/api/v1/master/{entity}/import";
    let csv = "id,name,unit\nOA-ITEM-2,Imported item,pcs\n".to_owned();
    let (status, saved) = api
        .call(
            "POST",
            i,
            "/api/v1/master/items/import",
            admin,
            Send::Text("text/csv", csv.clone()),
        )
        .await;
    assert_eq!((status, saved["saved"].as_u64()), (200, Some(1)));
    let (status, _) = api
        .call(
            "POST",
            i,
            "/api/v1/master/items/import",
            admin,
            Send::Text("application/json", csv),
        )
        .await;
    assert_eq!(status, 415);
    let (status, _) = api
        .call(
            "POST",
            i,
            "/api/v1/master/bins/import",
            admin,
            Send::Text(
                "text/csv",
                "id,warehouse,zone\nB-X,WH-NOPE,storage\n".into(),
            ),
        )
        .await;
    assert_eq!(status, 400);

    // Stock in: opening balances (admin), deliveries (a clerk's), a line
    // the rules refuse, a kind there is not.
    let st = "/api/v1/stock/{kind}";
    let (status, recorded) = api
        .call(
            "POST",
            st,
            "/api/v1/stock/opening",
            admin,
            Send::Text(
                "text/csv",
                "item,bin,qty
TERM-6MM,A-01,5
"
                .into(),
            ),
        )
        .await;
    assert_eq!((status, recorded["recorded"].as_u64()), (200, Some(1)));
    for (path, csv, expected) in [
        (
            "/api/v1/stock/receipts",
            "item,bin,qty
TERM-6MM,A-01,5
",
            403,
        ),
        (
            "/api/v1/stock/opening",
            "item,bin,qty
TERM-6MM,NO-BIN,5
",
            400,
        ),
        (
            "/api/v1/stock/sideways",
            "item,bin,qty
TERM-6MM,A-01,5
",
            404,
        ),
    ] {
        let (status, _) = api
            .call("POST", st, path, admin, Send::Text("text/csv", csv.into()))
            .await;
        assert_eq!(status, expected, "{path}");
    }

    // Work orders: list, card, create, replan, approve.
    let w = "/api/v1/work-orders";
    let (status, list) = api.get(w, w, sup).await;
    assert_eq!(status, 200);
    let card = "/api/v1/work-orders/{id}";
    for wo in list.as_array().expect("list") {
        let id = wo["id"].as_str().expect("id");
        let (status, _) = api.get(card, &format!("{w}/{id}"), sup).await;
        assert_eq!(status, 200);
    }
    let (status, _) = api
        .get(w, &format!("{w}?status=in_progress&asset=INV-UPS-01"), sup)
        .await;
    assert_eq!(status, 200);
    let (status, _) = api.get(w, &format!("{w}?status=sideways"), sup).await;
    assert_eq!(status, 400);
    let (status, _) = api.get(card, &format!("{w}/WO-NOPE"), sup).await;
    assert_eq!(status, 404);
    let new = json!({
        "id": "WO-OA-1",
        "asset": "INV-AHU-02",
        "scope": "OpenAPI test order",
        "tasks": [{"id": "T1", "title": "Do it"}],
        "lines": [{"item": "ZIP-200", "planned": "4", "task": "T1"}],
    });
    let (status, _) = api
        .call("POST", w, w, Some(tech.as_str()), Send::Json(new.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, created) = api.call("POST", w, w, disp, Send::Json(new.clone())).await;
    assert_eq!(status, 201);
    let (status, _) = api.call("POST", w, w, disp, Send::Json(new)).await;
    assert_eq!(status, 409);
    let line = created["lines"][0]["id"].as_str().expect("line").to_owned();
    let l = "/api/v1/work-orders/{id}/lines";
    let (status, _) = api
        .call(
            "PUT",
            l,
            "/api/v1/work-orders/WO-OA-1/lines",
            disp,
            Send::Json(json!({"lines": [{"id": line, "item": "ZIP-200", "planned": "6"}]})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api
        .call(
            "PUT",
            l,
            "/api/v1/work-orders/WO-OA-1/lines",
            disp,
            Send::Json(json!({})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = api
        .call(
            "PUT",
            l,
            "/api/v1/work-orders/WO-1007/lines",
            disp,
            Send::Json(json!({"remove": ["WO-1007-L1"]})),
        )
        .await;
    assert!(status == 409 || status == 400, "{status}");
    let a = "/api/v1/work-orders/{id}/approve";
    let approval = json!({"lines": [{"line": line, "tolerance_percent": 20}]});
    let (status, answer) = api
        .call(
            "POST",
            a,
            "/api/v1/work-orders/WO-OA-1/approve",
            eng,
            Send::Json(approval),
        )
        .await;
    assert_eq!(
        (status, answer["verdict"]["verdict"].as_str()),
        (200, Some("accepted"))
    );
    let (status, answer) = api
        .call(
            "POST",
            a,
            "/api/v1/work-orders/WO-OA-1/approve",
            eng,
            Send::Json(json!({})),
        )
        .await;
    assert_eq!(
        (status, answer["verdict"]["verdict"].as_str()),
        (200, Some("rejected"))
    );
    let (status, _) = api
        .call(
            "POST",
            a,
            "/api/v1/work-orders/WO-NOPE/approve",
            eng,
            Send::Json(json!({})),
        )
        .await;
    assert_eq!(status, 404);
    // A range line settled by an engineer; a line with one quantity is
    // not to be clarified.
    let c = "/api/v1/work-orders/{id}/lines/{line}/clarify";
    let (status, _) = api
        .call(
            "PUT",
            l,
            "/api/v1/work-orders/WO-OA-1/lines",
            disp,
            Send::Json(json!({"lines": [{"id": "WO-OA-1-R", "item": "ZIP-200", "planned": "1", "planned_max": "3"}],
                              "reason": "a second coupling may be worn"})),
        )
        .await;
    assert_eq!(status, 200);
    // The order is approved: the new line waits for an approver, who is
    // never its proposer.
    let pc = "/api/v1/work-orders/{id}/plan-changes/{line}";
    let (status, _) = api
        .call(
            "POST",
            pc,
            "/api/v1/work-orders/WO-OA-1/plan-changes/WO-OA-1-R",
            disp,
            Send::Json(json!({"approve": true})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, card) = api
        .call(
            "POST",
            pc,
            "/api/v1/work-orders/WO-OA-1/plan-changes/WO-OA-1-R",
            eng,
            Send::Json(json!({"approve": true})),
        )
        .await;
    assert_eq!(status, 200, "{card}");
    let (status, _) = api
        .call(
            "POST",
            pc,
            "/api/v1/work-orders/WO-OA-1/plan-changes/WO-OA-1-R",
            eng,
            Send::Json(json!({"approve": true})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = api
        .call(
            "POST",
            c,
            "/api/v1/work-orders/WO-OA-1/lines/WO-OA-1-R/clarify",
            eng,
            Send::Json(json!({"planned": "2"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api
        .call(
            "POST",
            c,
            &format!("/api/v1/work-orders/WO-OA-1/lines/{line}/clarify"),
            eng,
            Send::Json(json!({"planned": "2"})),
        )
        .await;
    assert_eq!(status, 409);

    // Back-office documents and what needs attention.
    let d = "/api/v1/documents";
    let mut orphan = doc_for("backoffice", Body::Correction);
    orphan.follows = Some(DocId::new_v7());
    let (status, judged) = api
        .call(
            "POST",
            d,
            d,
            sup,
            Send::Json(json!({"documents": [orphan]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(judged["verdicts"][0]["verdict"], "rejected");
    let mut not_mine = doc_for("backoffice", Body::Correction);
    not_mine.author = "ctrl-1".into();
    let (status, _) = api
        .call(
            "POST",
            d,
            d,
            sup,
            Send::Json(json!({"documents": [not_mine]})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = api
        .call(
            "POST",
            d,
            d,
            sup,
            Send::Json(json!({"documents": [doc_for("HH-9", Body::Correction)]})),
        )
        .await;
    assert_eq!(status, 400);
    let n = "/api/v1/needs-attention";
    let (status, attention) = api.get(n, &format!("{n}?limit=10"), sup).await;
    assert_eq!(status, 200);
    assert!(!attention.as_array().expect("list").is_empty());
    let (status, _) = api.get(n, n, Some(tech.as_str())).await;
    assert_eq!(status, 403);
    let (status, _) = api.get(n, &format!("{n}?limit=many"), sup).await;
    assert_eq!(status, 400);

    // Reports: the list, every report as JSON, one as CSV, refusals.
    let r = "/api/v1/reports";
    let (status, reports) = api.get(r, r, sup).await;
    assert_eq!(status, 200);
    let (status, _) = api.get(r, r, Some(tech.as_str())).await;
    assert_eq!(status, 403);
    let one = "/api/v1/reports/{name}";
    for report in reports.as_array().expect("reports") {
        let name = report["name"].as_str().expect("name");
        let params = match name {
            "serial-history" => "&item=FAN-120&serial=FAN-A1",
            "asset-history" => "&asset=INV-PUMP-03",
            _ => "",
        };
        let (status, body) = api
            .get(one, &format!("{r}/{name}?format=json{params}"), sup)
            .await;
        assert_eq!(status, 200, "{name}: {body}");
    }
    let (status, _) = api
        .get(
            one,
            &format!("{r}/consumption?format=csv&from=2020-01-01"),
            sup,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api.get(one, &format!("{r}/tools-out?wo=WO-1"), sup).await;
    assert_eq!(status, 400);
    let (status, _) = api.get(one, &format!("{r}/nonsense"), sup).await;
    assert_eq!(status, 404);

    // Passwords: an admin's one-time password, changed by its holder.
    let o = "/api/v1/users/{id}/one-time-password";
    let (status, _) = api
        .call(
            "POST",
            o,
            "/api/v1/users/acct-1/one-time-password",
            sup,
            Send::Nothing,
        )
        .await;
    assert_eq!(status, 403);
    let (status, otp) = api
        .call(
            "POST",
            o,
            "/api/v1/users/acct-1/one-time-password",
            admin,
            Send::Nothing,
        )
        .await;
    assert_eq!(status, 200);
    let one_time = otp["password"].as_str().expect("password").to_owned();
    let s = "/api/v1/sessions";
    let (status, signed) = api
        .call(
            "POST",
            s,
            s,
            None,
            Send::Json(json!({"badge": "acct-1", "password": one_time, "site": SITE})),
        )
        .await;
    assert_eq!(status, 200);
    let acct = signed["token"].as_str().expect("token").to_owned();
    let m = "/api/v1/me/password";
    let (status, _) = api
        .call(
            "PUT",
            m,
            m,
            Some(&acct),
            Send::Json(json!({"current": one_time, "new": "short"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = api
        .call(
            "PUT",
            m,
            m,
            Some(&acct),
            Send::Json(json!({"current": one_time, "new": "the books are closed"})),
        )
        .await;
    assert_eq!(status, 204);

    // Requests: raised (again: the same), listed, declined once.
    let q = "/api/v1/requests";
    let raised =
        json!({"id": "OA-REQ-1", "asset": "INV-UPS-01", "symptoms": "alarm", "priority": "high"});
    let (status, _) = api
        .call("POST", q, q, sup, Send::Json(raised.clone()))
        .await;
    assert_eq!(status, 201);
    let (status, _) = api.call("POST", q, q, sup, Send::Json(raised)).await;
    assert_eq!(status, 200);
    let (status, _) = api
        .call(
            "POST",
            q,
            q,
            sup,
            Send::Json(json!({"asset": "NOPE", "symptoms": "x"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, list) = api.get(q, "/api/v1/requests?status=open", sup).await;
    assert_eq!(status, 200);
    assert!(list.to_string().contains("OA-REQ-1"));
    let (status, _) = api.get(q, "/api/v1/requests?status=nonsense", sup).await;
    assert_eq!(status, 400);
    let dq = "/api/v1/requests/{id}/decline";
    let why = json!({"reason": "duplicate"});
    let (status, _) = api
        .call(
            "POST",
            dq,
            "/api/v1/requests/OA-REQ-1/decline",
            sup,
            Send::Json(why.clone()),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api
        .call(
            "POST",
            dq,
            "/api/v1/requests/OA-REQ-1/decline",
            sup,
            Send::Json(why.clone()),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = api
        .call(
            "POST",
            dq,
            "/api/v1/requests/NOPE/decline",
            sup,
            Send::Json(why),
        )
        .await;
    assert_eq!(status, 404);

    // Work templates: written (again: replaced), refused when wrong,
    // listed, read.
    let tl = "/api/v1/templates";
    let tid = "/api/v1/templates/{id}";
    let template = json!({"name": "Terminals", "scope": "Re-terminate cables",
        "lines": [{"item": "TERM-6MM", "planned": "4", "planned_max": "8"}]});
    for expected in [201, 200] {
        let (status, _) = api
            .call(
                "PUT",
                tid,
                "/api/v1/templates/OA-T1",
                sup,
                Send::Json(template.clone()),
            )
            .await;
        assert_eq!(status, expected);
    }
    let (status, _) = api
        .call(
            "PUT",
            tid,
            "/api/v1/templates/OA-T2",
            sup,
            Send::Json(
                json!({"name": "x", "scope": "y", "lines": [{"item": "NOPE", "planned": "1"}]}),
            ),
        )
        .await;
    assert_eq!(status, 400);
    let (status, list) = api.get(tl, tl, sup).await;
    assert_eq!(status, 200);
    assert!(list.to_string().contains("OA-T1"));
    let (status, _) = api.get(tid, "/api/v1/templates/OA-T1", sup).await;
    assert_eq!(status, 200);
    let (status, _) = api.get(tid, "/api/v1/templates/NOPE", sup).await;
    assert_eq!(status, 404);

    // Another site, by an admin only; once.
    let t = "/api/v1/sites";
    let site = json!({"site": "OA-2", "name": "Second", "admin": "B-OA2", "admin_name": "Olga"});
    let (status, _) = api.call("POST", t, t, sup, Send::Json(site.clone())).await;
    assert_eq!(status, 403);
    let (status, _) = api
        .call("POST", t, t, admin, Send::Json(site.clone()))
        .await;
    assert_eq!(status, 201);
    let (status, _) = api.call("POST", t, t, admin, Send::Json(site)).await;
    assert_eq!(status, 409);

    // Metrics last: they count what went before.
    let (status, metrics) = api.get("/metrics", "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(
        metrics
            .as_str()
            .is_some_and(|m| m.contains("sparescan_documents"))
    );

    // Every documented operation was called: each is a route that answers.
    let missed: Vec<_> = documented(&doc).difference(&api.called).cloned().collect();
    assert!(missed.is_empty(), "operations not exercised: {missed:?}");
    ts.stop().await;
}

/// Checks a row's (or change's) value against the schema its key's
/// variant names; returns the entity.
/// Whether `value` fits `schema` as standard JSON Schema reads it — objects
/// open unless they say otherwise — as far as types and required fields go
/// (what tells untagged alternatives apart; schemathesis validates this
/// way, unlike [`Validator`], which holds objects to their documented
/// fields).
fn fits_open(doc: &Value, schema: &Value, value: &Value) -> bool {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().expect("ref");
        return fits_open(doc, &doc["components"]["schemas"][name], value);
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        return one.iter().filter(|s| fits_open(doc, s, value)).count() == 1;
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        return any.iter().any(|s| fits_open(doc, s, value));
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array)
        && !all.iter().all(|s| fits_open(doc, s, value))
    {
        return false;
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => value
            .as_array()
            .is_some_and(|items| items.iter().all(|v| fits_open(doc, &schema["items"], v))),
        Some("object") => value.as_object().is_some_and(|obj| {
            schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .all(|r| obj.contains_key(r))
        }),
        _ => true,
    }
}

/// Every entity's `GET /master/{entity}` answer fits `MasterRecords` as a
/// standard validator reads it: with `oneOf`, users (who have every field
/// a warehouse needs) fitted two alternatives, and an empty list all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_records_fit_their_schema_read_as_standard_json_schema() {
    let ts = TestServer::start().await;
    let admin = office(&ts, "admin").await;
    let doc = generated();
    let schema = &doc["components"]["schemas"]["MasterRecords"];
    assert!(schema.is_object(), "MasterRecords is documented");
    for entity in [
        "items",
        "warehouses",
        "bins",
        "batches",
        "assets",
        "users",
        "policy",
    ] {
        let (status, body) = get(&admin, &format!("/api/v1/master/{entity}")).await;
        assert_eq!(status, 200, "{entity}: {body}");
        assert!(
            fits_open(&doc, schema, &body),
            "GET /api/v1/master/{entity} does not fit MasterRecords as a standard JSON Schema validator reads it"
        );
    }
    ts.stop().await;
}

fn check_row_value(doc: &Value, row: &Value) -> String {
    let entity = row["key"]["entity"].as_str().expect("entity").to_owned();
    let variant = doc["components"]["schemas"]["RowKey"]["oneOf"]
        .as_array()
        .expect("variants")
        .iter()
        .find(|v| v["properties"]["entity"]["enum"][0] == entity.as_str())
        .unwrap_or_else(|| panic!("no RowKey variant for {entity}"));
    let description = variant["description"].as_str().expect("description");
    let value = &row["value"];
    if value.is_null() {
        return entity;
    }
    // "The row's value: `Item`." — a schema name in backticks, or words.
    let named = description
        .split('`')
        .nth(1)
        .filter(|n| doc["components"]["schemas"][*n].is_object());
    let schema = match named {
        Some(name) => json!({"$ref": format!("#/components/schemas/{name}")}),
        None => json!({"type": "string", "format": "date"}),
    };
    let errors = Validator { doc }.check(&schema, value);
    assert!(errors.is_empty(), "{entity} {value}: {errors:?}");
    entity
}

/// The JSON-Schema subset utoipa writes: `$ref`, `allOf`, `oneOf`, `anyOf`, `type`
/// (also as a list), `enum`, `properties`, `required`,
/// `additionalProperties`, `items`, `prefixItems`, `minItems`,
/// `maxItems`, `minimum`, `maximum` and the `pattern` of a quantity. An
/// object may hold only documented fields unless its schema is open
/// (`additionalProperties`) — the check that the schemas say what serde
/// writes.
struct Validator<'d> {
    doc: &'d Value,
}

impl Validator<'_> {
    fn check(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.walk(schema, value, "$", false, &mut errors);
        errors
    }

    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.strip_prefix("#/components/schemas/").expect("local ref");
                let target = &self.doc["components"]["schemas"][name];
                assert!(target.is_object(), "dangling $ref {r}");
                self.resolve(target)
            }
            None => schema,
        }
    }

    /// The fields an object schema documents, through `allOf` and
    /// `oneOf`; `None` when it takes any.
    fn fields(&self, schema: &Value) -> Option<BTreeSet<String>> {
        let s = self.resolve(schema);
        if s.get("additionalProperties")
            .is_some_and(|a| a != &Value::Bool(false))
        {
            return None;
        }
        let mut out: BTreeSet<String> = s
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        for key in ["allOf", "oneOf"] {
            for part in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                out.extend(self.fields(part)?);
            }
        }
        Some(out)
    }

    /// `open`: fields beyond this schema's are checked by the caller (a
    /// part of an `allOf`).
    fn walk(&self, schema: &Value, value: &Value, at: &str, open: bool, errors: &mut Vec<String>) {
        let Some(s) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                errors.push(format!("{at}: nothing is allowed here"));
            }
            return;
        };
        if s.contains_key("$ref") {
            self.walk(self.resolve(schema), value, at, open, errors);
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.walk(part, value, at, true, errors);
            }
            if !open && let (Some(obj), Some(fields)) = (value.as_object(), self.fields(schema)) {
                for k in obj.keys().filter(|k| !fields.contains(*k)) {
                    errors.push(format!("{at}: `{k}` is not a documented field"));
                }
            }
        }
        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            let fits: Vec<Vec<String>> = one
                .iter()
                .map(|sub| {
                    let mut e = Vec::new();
                    self.walk(sub, value, at, open, &mut e);
                    e
                })
                .collect();
            let n = fits.iter().filter(|e| e.is_empty()).count();
            // Untagged alternatives may overlap on empty lists.
            let empty_list = value.as_array().is_some_and(Vec::is_empty);
            if n == 0 {
                let closest = fits
                    .iter()
                    .min_by_key(|e| e.len())
                    .cloned()
                    .unwrap_or_default();
                errors.push(format!(
                    "{at}: none of {} alternatives fits (closest: {closest:?})",
                    one.len()
                ));
            } else if n > 1 && !empty_list {
                errors.push(format!("{at}: {n} of {} alternatives fit", one.len()));
            }
        }
        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            let fits: Vec<Vec<String>> = any
                .iter()
                .map(|sub| {
                    let mut e = Vec::new();
                    self.walk(sub, value, at, open, &mut e);
                    e
                })
                .collect();
            if !fits.iter().any(Vec::is_empty) {
                let closest = fits
                    .iter()
                    .min_by_key(|e| e.len())
                    .cloned()
                    .unwrap_or_default();
                errors.push(format!(
                    "{at}: none of {} alternatives fits (closest: {closest:?})",
                    any.len()
                ));
            }
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let fits = types.iter().any(|t| match *t {
                "null" => value.is_null(),
                "boolean" => value.is_boolean(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                _ => false,
            });
            if !fits {
                errors.push(format!("{at}: {value} is not {types:?}"));
                return;
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array)
            && !e.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {e:?}"));
        }
        if let Some(n) = value.as_f64() {
            if s.get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| n < m)
            {
                errors.push(format!("{at}: {n} is below the minimum"));
            }
            if s.get("maximum")
                .and_then(Value::as_f64)
                .is_some_and(|m| n > m)
            {
                errors.push(format!("{at}: {n} is above the maximum"));
            }
        }
        if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), value.as_str())
            && p == r"^-?[0-9]+(\.[0-9]{1,3})?$"
            && !is_quantity(text)
        {
            errors.push(format!("{at}: `{text}` is not a quantity"));
        }
        if let Some(obj) = value.as_object() {
            let props = s.get("properties").and_then(Value::as_object);
            for r in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let r = r.as_str().expect("required name");
                if !obj.contains_key(r) {
                    errors.push(format!("{at}: `{r}` is required"));
                }
            }
            for (k, v) in obj {
                let here = format!("{at}.{k}");
                match (props.and_then(|p| p.get(k)), s.get("additionalProperties")) {
                    (Some(ps), _) => self.walk(ps, v, &here, false, errors),
                    (None, Some(extra @ Value::Object(_))) => {
                        self.walk(extra, v, &here, false, errors)
                    }
                    (None, Some(Value::Bool(true))) => {}
                    // Only an object schema of its own says which fields
                    // there are; a part of an allOf leaves it to the whole.
                    (None, _) if props.is_some() && !open && !s.contains_key("allOf") => {
                        errors.push(format!("{at}: `{k}` is not a documented field"))
                    }
                    (None, _) => {}
                }
            }
        }
        if let Some(list) = value.as_array() {
            let prefix = s.get("prefixItems").and_then(Value::as_array);
            for (i, v) in list.iter().enumerate() {
                let at = format!("{at}[{i}]");
                match prefix.and_then(|p| p.get(i)) {
                    Some(ps) => self.walk(ps, v, &at, false, errors),
                    None => {
                        if let Some(items) = s.get("items") {
                            self.walk(items, v, &at, false, errors);
                        }
                    }
                }
            }
            let len = list.len() as u64;
            if s.get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| len < m)
            {
                errors.push(format!("{at}: fewer than minItems"));
            }
            if s.get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| len > m)
            {
                errors.push(format!("{at}: more than maxItems"));
            }
        }
    }
}

/// `^-?[0-9]+(\.[0-9]{1,3})?$`, without a regex crate.
fn is_quantity(text: &str) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && frac.is_none_or(|f| digits(f) && f.len() <= 3)
}
