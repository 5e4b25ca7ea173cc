//! The site's reasons (issue 16, item 8) over HTTPS against the real
//! binary: an admin imports them as CSV (a clerk may not; a reason without
//! its Russian text is refused), and from then on the server's rules ask
//! for them — a removed unit under warranty comes back only as a warranty
//! replacement, and the warranty claims report names the reason.

use crate::common::{call_api as call, http_for, start_binary};
use crate::demo_session as session;
use reqwest::Method as M;
use serde_json::{Value, json};
use sparescan_server::demo::SITE;

const REASONS: &str = "code,kind,text_en,text_ru,free_text\n\
                       WORN,defect,Worn out,Износ,false\n\
                       OTHER,defect,Other defect,Другой дефект,true\n\
                       WARRANTY,warranty_replacement,Warranty replacement,Замена по гарантии,false\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_set_up_as_csv_are_asked_for_by_the_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let server = start_binary(d, "demo");
    let http = http_for(d);
    let base = server.base.clone();
    let import = |token: String, body: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move { crate::post_csv(&http, &base, "/api/v1/master/reasons/import", &token, body).await }
    };
    let clerk = session(&http, &base, "clerk-1").await;
    let admin = session(&http, &base, "admin").await;
    let (status, body) = import(clerk.clone(), REASONS).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = import(
        admin.clone(),
        "code,kind,text_en,text_ru\nWORN,defect,Worn out,\n",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("text_ru"), "{body}");
    let (status, body) = import(admin.clone(), "code,kind,text_en,text_ru\nX,broken,a,b\n").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("kind"), "{body}");
    let (status, body) = import(admin.clone(), REASONS).await;
    assert_eq!(status, 200, "{body}");
    let (status, listed) = call(
        &http,
        &base,
        M::GET,
        "/api/v1/master/reasons",
        Some(&clerk),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");

    // The demo's old pump controller came off WO-1005 under warranty.
    let back = |code: Option<&str>, reason: Option<&str>| {
        let mut doc = json!({
            "id": uuid::Uuid::now_v7(),
            "author": "clerk-1",
            "device": "backoffice",
            "site": SITE,
            "device_time": chrono::Utc::now(),
            "work_order": "WO-1005",
            "body": {"kind": "removed_unit_return", "item": "PUMP-CTRL", "serial": "PC-OLD-1",
                     "condition": "under_inspection", "to_bin": "Q-01"}
        });
        if let Some(c) = code {
            doc["reason_code"] = json!(c);
        }
        if let Some(r) = reason {
            doc["reason"] = json!(r);
        }
        json!({ "documents": [doc] })
    };
    let verdict = |body: &Value| body["verdicts"][0].clone();
    for (code, expected) in [
        (None, "reason_code_required"),
        (Some("WORN"), "reason_code_invalid"),
        (Some("NOPE"), "reason_code_invalid"),
    ] {
        let (status, body) = call(
            &http,
            &base,
            M::POST,
            "/api/v1/documents",
            Some(&clerk),
            Some(back(code, None)),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let v = verdict(&body);
        assert_eq!(v["verdict"], "rejected", "{code:?}: {v}");
        assert_eq!(v["refusal"]["code"], expected, "{code:?}: {v}");
    }
    let (_, body) = call(
        &http,
        &base,
        M::POST,
        "/api/v1/documents",
        Some(&clerk),
        Some(back(Some("WARRANTY"), None)),
    )
    .await;
    assert_eq!(verdict(&body)["verdict"], "accepted", "{body}");

    let eng = session(&http, &base, "eng-1").await;
    let (status, r) = call(
        &http,
        &base,
        M::GET,
        "/api/v1/reports/warranty-removals?asset=INV-PUMP-03",
        Some(&eng),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let claim = &r["removals"][0];
    assert_eq!(claim["serial"], "PC-OLD-1", "{r}");
    assert_eq!(claim["warranty_until"], "2027-09-30", "{r}");
    assert_eq!(claim["return_reason_code"], "WARRANTY", "{r}");
    assert_eq!(claim["state_now"], "in_stock", "{r}");
    drop(server);
}
