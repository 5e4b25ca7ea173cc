//! Reports end to end over real HTTPS: a device pushes movements, the back
//! office reads the reports in JSON and CSV, the roles are enforced, and
//! the KPIs follow returns and inspections. Also the CLI's entry point.

mod common;

use common::*;
use serde_json::Value;
use sparescan_client::{Client, ClientError};
use sparescan_core::document::{Body, Decision};
use sparescan_core::model::Condition;
use sparescan_core::qty::Qty;
use sparescan_core::sync::Verdict;
use sparescan_server::reports::{self, Format, Params, ReportKind};

async fn enrolled(ts: &TestServer, name: &str) -> (Client, String) {
    let code = ts
        .server
        .enrollment_code(&"PLANT-1".into())
        .await
        .expect("code");
    let mut c = ts.client();
    let r = c.enroll(&code, name).await.expect("enroll");
    sign_in_everyone(&mut c).await;
    (c, r.device_id)
}

/// A back-office client signed in as `user`.
async fn office(ts: &TestServer, user: &str) -> Client {
    let mut c = ts.client();
    let (badge, password) = password_of(user);
    c.sign_in_office(badge, password, "PLANT-1")
        .await
        .expect("sign in");
    c
}

async fn push_ok(device: &Client, doc: sparescan_core::document::Document) {
    let r = device.push(&[doc]).await.expect("push");
    assert!(
        matches!(r.verdicts[..], [Verdict::Accepted { .. }]),
        "{:?}",
        r.verdicts
    );
}

/// The raw response of a report request, for CSV and status checks.
async fn get_raw(c: &Client, path: &str) -> reqwest::Response {
    let mut req = c.http().get(format!("{}{path}", c.base()));
    if let Some(s) = c.session() {
        req = req.bearer_auth(s);
    }
    req.send().await.expect("request")
}

fn qty(v: &Value) -> Qty {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a quantity, got {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issued_serial_shows_in_consumption_and_json_agrees_with_csv() {
    let ts = TestServer::start().await;
    let (device, dev) = enrolled(&ts, "HH-01").await;
    push_ok(
        &device,
        issue(
            &dev,
            "WO-1004",
            "WO-1004-L1",
            pick("FAN-120", "A-02", 1, &["FAN-A1"]),
        ),
    )
    .await;
    let sup = office(&ts, "sup-1").await;

    let json: Value = sup
        .get_json("/api/v1/reports/consumption?wo=WO-1004")
        .await
        .expect("consumption");
    assert_eq!(json["report"], "consumption");
    assert_eq!(json["site"], "PLANT-1");
    let line = &json["orders"][0]["lines"][0];
    assert_eq!(line["line"], "WO-1004-L1");
    assert_eq!(qty(&line["issued"]), Qty::units(1));
    let m = &line["movements"][0];
    assert_eq!(m["kind"], "issue");
    assert_eq!(m["serials"], serde_json::json!(["FAN-A1"]));
    assert_eq!(m["holder"], "tech-1");

    // The whole site in both formats: every line's totals are the sums of
    // its CSV rows.
    let all: Value = sup
        .get_json("/api/v1/reports/consumption")
        .await
        .expect("consumption");
    let resp = get_raw(&sup, "/api/v1/reports/consumption?format=csv").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        resp.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("consumption-PLANT-1-")),
    );
    let text = resp.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let sum = |line: &str, role: &str| -> Qty {
        rows.iter()
            .filter(|r| &r[col("line")] == line && &r[col("serial_role")] == role)
            .map(|r| r[col("qty")].parse::<Qty>().expect("qty"))
            .sum()
    };
    let orders = all["orders"].as_array().expect("orders");
    assert!(orders.len() >= 3, "{all}");
    for o in orders {
        for l in o["lines"].as_array().expect("lines") {
            let id = l["line"].as_str().expect("line id");
            assert_eq!(sum(id, "issued"), qty(&l["issued"]), "{id}");
            assert_eq!(sum(id, "installed"), qty(&l["written_off"]), "{id}");
            assert_eq!(sum(id, "returned"), qty(&l["returned"]), "{id}");
        }
    }
    let fan = rows
        .iter()
        .find(|r| &r[col("serial")] == "FAN-A1")
        .expect("the fan's row");
    assert_eq!(&fan[col("work_order")], "WO-1004");
    assert_eq!(&fan[col("qty")], "1");

    // The serial's history comes from the store's serial index.
    let hist: Value = sup
        .get_json("/api/v1/reports/serial-history?item=FAN-120&serial=FAN-A1")
        .await
        .expect("serial history");
    assert_eq!(hist["state_now"], "in_work");
    assert_eq!(hist["events"].as_array().map(Vec::len), Some(1));
    assert_eq!(hist["events"][0]["state_before"], "in_stock");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn technicians_and_clerks_are_refused_and_bad_requests_are_explained() {
    let ts = TestServer::start().await;
    for user in ["tech-1", "clerk-1"] {
        let c = office(&ts, user).await;
        let err = c
            .get_json::<Value>("/api/v1/reports/kpis")
            .await
            .expect_err("refused");
        match err {
            ClientError::Api {
                status, message, ..
            } => {
                assert_eq!(status, 403, "{user}");
                assert!(message.contains("reports are for supervisors"), "{message}");
            }
            other => panic!("{user}: {other}"),
        }
        let r = get_raw(&c, "/api/v1/reports").await;
        assert_eq!(r.status(), 403);
    }
    let anonymous = ts.client();
    assert_eq!(
        get_raw(&anonymous, "/api/v1/reports/kpis").await.status(),
        401
    );

    let acct = office(&ts, "acct-1").await;
    let list: Value = acct.get_json("/api/v1/reports").await.expect("list");
    assert_eq!(list.as_array().map(Vec::len), Some(ReportKind::ALL.len()));
    let expect = |status: u16, code: &'static str, needle: &'static str| {
        move |e: ClientError| match e {
            ClientError::Api {
                status: s,
                code: c,
                message,
            } => {
                assert_eq!((s, c.as_str()), (status, code), "{message}");
                assert!(message.contains(needle), "{message}");
            }
            other => panic!("{other}"),
        }
    };
    for (path, status, code, needle) in [
        ("/api/v1/reports/profit", 404, "not_found", "kpis"),
        (
            "/api/v1/reports/kpis?format=xml",
            400,
            "invalid_params",
            "json or csv",
        ),
        (
            "/api/v1/reports/kpis?wo=WO-1003",
            400,
            "invalid_params",
            "does not take `wo`",
        ),
        (
            "/api/v1/reports/consumption?wo=WO-404",
            404,
            "not_found",
            "WO-404",
        ),
        (
            "/api/v1/reports/serial-history?item=FAN-120",
            400,
            "invalid_params",
            "needs `serial`",
        ),
        (
            "/api/v1/reports/kpis?from=yesterday",
            400,
            "invalid_params",
            "2026-03-31",
        ),
    ] {
        let err = acct.get_json::<Value>(path).await.expect_err(path);
        expect(status, code, needle)(err);
    }
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kpis_follow_a_return_and_its_inspection() {
    let ts = TestServer::start().await;
    let (device, dev) = enrolled(&ts, "HH-01").await;
    let ctrl = office(&ts, "ctrl-1").await;

    let k: Value = ctrl.get_json("/api/v1/reports/kpis").await.expect("kpis");
    assert_eq!(k["issues_tied_to_order"]["percent"], "100.0");
    assert_eq!(k["return_rate"][0]["unit"], "pcs");
    assert_eq!(qty(&k["return_rate"][0]["numerator"]), Qty::ZERO);
    assert_eq!(qty(&k["return_rate"][0]["denominator"]), Qty::units(16));
    assert_eq!(k["inspection_pass"], serde_json::json!([]));

    // The terminal left over on WO-1005 comes back under inspection: find
    // its issue through the consumption report.
    let c: Value = ctrl
        .get_json("/api/v1/reports/consumption?wo=WO-1005&item=TERM-6MM")
        .await
        .expect("consumption");
    let issue_id = c["orders"][0]["lines"][0]["movements"][0]["doc"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the issue's id");
    let mut ret = doc(
        &dev,
        "clerk-1",
        Some("WO-1005"),
        None,
        Body::Return {
            item: "TERM-6MM".into(),
            batch: None,
            serials: vec![],
            qty: Qty::units(1),
            condition: Condition::UnderInspection,
            to_bin: "Q-01".into(),
        },
    );
    ret.follows = Some(issue_id);
    push_ok(&device, ret).await;
    let k: Value = ctrl.get_json("/api/v1/reports/kpis").await.expect("kpis");
    assert_eq!(qty(&k["return_rate"][0]["numerator"]), Qty::units(1));
    assert_eq!(k["return_rate"][0]["percent"], "6.3");
    assert_eq!(k["return_processing"]["pending"], 1);
    assert_eq!(k["return_processing"]["processed"], 0);

    // Released after inspection: processed, and it passed.
    let decision = doc(
        &dev,
        "ctrl-1",
        None,
        None,
        Body::InspectionDecision {
            item: "TERM-6MM".into(),
            from_bin: "Q-01".into(),
            batch: None,
            serials: vec![],
            qty: Qty::units(1),
            decision: Decision::Release {
                condition: Condition::Opened,
                to_bin: "R-01".into(),
            },
        },
    );
    push_ok(&device, decision).await;
    let k: Value = ctrl.get_json("/api/v1/reports/kpis").await.expect("kpis");
    assert_eq!(k["return_processing"]["pending"], 0);
    assert_eq!(k["return_processing"]["processed"], 1);
    assert!(k["return_processing"]["median_seconds"].is_i64());
    assert_eq!(k["inspection_pass"][0]["percent"], "100.0");

    // The CSV says the same.
    let text = get_raw(&ctrl, "/api/v1/reports/kpis?format=csv")
        .await
        .text()
        .await
        .expect("csv");
    assert!(text.contains("return_rate,pcs,1,16,6.3"), "{text}");
    assert!(text.contains("inspection_pass,pcs,1,1,100.0"), "{text}");
    assert!(text.contains("returns_processed,,,,1"), "{text}");

    // The CLI's entry point gives the same figures.
    let cli = reports::run(
        &ts.server,
        &"PLANT-1".into(),
        ReportKind::Kpis,
        &Params::default(),
        Format::Csv,
    )
    .await
    .expect("cli report");
    assert!(cli.contains("inspection_pass,pcs,1,1,100.0"), "{cli}");
    let err = reports::run(
        &ts.server,
        &"NOWHERE".into(),
        ReportKind::Kpis,
        &Params::default(),
        Format::Json,
    )
    .await
    .expect_err("unknown site");
    assert!(err.to_string().contains("NOWHERE"), "{err}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_reports_over_https() {
    let ts = TestServer::start().await;
    let disp = office(&ts, "disp-1").await;
    let r: Value = disp
        .get_json("/api/v1/reports/hanging-reserves")
        .await
        .expect("hanging reserves");
    assert_eq!(r["reserves"][0]["work_order"], "WO-1002");
    assert_eq!(r["reserves"][0]["order_not_progressing"], true);
    let r: Value = disp
        .get_json("/api/v1/reports/installed-base?asset=INV-PUMP-03")
        .await
        .expect("installed base");
    assert_eq!(r["assets"][0]["units"][0]["serial"], "PC-NEW-1");
    let r: Value = disp
        .get_json("/api/v1/reports/deviations?wo=WO-1003")
        .await
        .expect("deviations");
    assert_eq!(r["orders"][0]["lines"][0]["line"], "WO-1003-L3");
    let r: Value = disp
        .get_json("/api/v1/reports/tools-out")
        .await
        .expect("tools out");
    assert_eq!(r["out"], 0);
    // Nothing is past its return deadline right after the seed.
    let text = get_raw(&disp, "/api/v1/reports/overdue-returns?format=csv")
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("work_order,asset,"), "{text}");
    ts.stop().await;
}
