//! A new site from nothing (issue 16's test), through the real binary's
//! command line and its HTTPS API only, as a new site's people would:
//! `init`; master data and opening stock from CSV; people with badges,
//! PINs and back-office passwords; a monitoring system's request made into
//! a work order from a template, its range line clarified by the engineer;
//! a delivery of GS1-labelled battery modules received on a handheld (the
//! device client, as the handheld sends it), each unit with the item's
//! standard warranty; the article's UPS and fan scenarios on that stock;
//! and the repair cost per order, asset and cost account checked to the
//! cent against hand-computed values.

use crate::common::{call_api as call, cli, http_for, start_binary};
use crate::{first_admin_session, text};
use chrono::{Months, Utc};
use reqwest::Method as M;
use serde_json::{Value, json};
use sparescan_core::document::*;
use sparescan_core::ids::*;
use sparescan_core::qty::Qty;
use sparescan_core::scan::{Scan, ScanConfig, classify, gs1_check_digit};
use sparescan_core::sync::Verdict;

const SITE: &str = "PLANT-9";

fn gtin(stem: &str) -> String {
    format!("{stem}{}", gs1_check_digit(stem.as_bytes()) as char)
}

/// What a repair-cost report grouped `by` says: group → cost.
fn costs(report: &Value) -> Vec<(String, String)> {
    report["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                g["key"].as_str().unwrap_or("").to_owned(),
                g["cost"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_site_from_nothing_to_its_repair_costs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let file = |name: &str, body: &str| {
        let path = d.join(name);
        std::fs::write(&path, body).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    let run = |args: &[&str]| {
        let out = cli(d, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    };

    // The site and its first admin.
    let otp = run(&[
        "init", "--site", SITE, "--name", "Plant 9", "--admin", "B-9001",
    ]);
    // Master data as CSV, as the ERP exports it.
    let module_gtin = gtin("0461234500001");
    let items = format!(
        "id,name,unit,tracking,serial_format,barcodes,substitutes,unit_cost,warranty_months\n\
         UPS-BATT-MOD,UPS battery module 48V,pcs,serial,BM-####,{module_gtin},,412.00,24\n\
         FAN-120,Cabinet fan 120 mm,pcs,serial,,,FAN-120-B,23.50,\n\
         FAN-120-B,Cabinet fan 120 mm alt. make,pcs,serial,,,,21.90,\n\
         TERM-6MM,Cable terminal 6 mm²,pcs,none,,,,0.12,\n"
    );
    for (entity, body) in [
        ("warehouses", "id,name\nWH-1,Main store\n".to_owned()),
        (
            "bins",
            "id,warehouse,zone\nA-01,WH-1,storage\nQ-01,WH-1,quarantine\n".to_owned(),
        ),
        ("items", items),
        (
            "assets",
            "id,name,area\nINV-UPS-01,UPS rack room 2,Rack room 2\nINV-RACK-07,Server cabinet 7,Rack room 2\n"
                .to_owned(),
        ),
        (
            "users",
            "id,name,roles\ntech-1,Ivan Technician,technician\nclerk-1,Olga Clerk,clerk\n\
             sup-1,Sergei Supervisor,supervisor\neng-1,Elena Engineer,engineer\n\
             disp-1,Dmitri Dispatcher,dispatcher\n"
                .to_owned(),
        ),
    ] {
        run(&["import", "--site", SITE, entity, &file(&format!("{entity}.csv"), &body)]);
    }
    // The stores' opening stock, valued at the ERP's prices.
    let opening = file(
        "opening.csv",
        "item,bin,qty,serials,unit_cost\n\
         TERM-6MM,A-01,200,,0.12\n\
         FAN-120,A-01,,FAN-1|FAN-2,23.50\n\
         FAN-120-B,A-01,,FANB-1,21.90\n",
    );
    run(&[
        "stock-in", "--site", SITE, "--by", "B-9001", "opening", &opening,
    ]);
    let bms = run(&["system-key", "--site", SITE, "--name", "bms"]);

    let server = start_binary(d, "serve");
    let http = http_for(d);
    let base = server.base.clone();
    let api = |method: M, path: String, token: String, body: Option<Value>| {
        let (http, base) = (http.clone(), base.clone());
        async move { call(&http, &base, method, &path, Some(&token), body).await }
    };
    let admin = first_admin_session(&http, &base, SITE, "B-9001", &otp).await;
    // Badges and PINs for the handheld; passwords for the back office.
    let people = json!([
        {"id": "tech-1", "badge": "B-101", "pin": "1111"},
        {"id": "clerk-1", "badge": "B-201", "pin": "2222"},
        {"id": "sup-1", "badge": "B-301", "pin": "333333"},
        {"id": "eng-1", "badge": "B-401", "pin": "444444"},
        {"id": "disp-1", "badge": "B-501", "pin": "555555"},
    ]);
    let (status, body) = api(
        M::PUT,
        "/api/v1/master/users".into(),
        admin.clone(),
        Some(people),
    )
    .await;
    assert!(status < 300, "{body}");
    let mut office = std::collections::HashMap::new();
    for (user, badge) in [("eng-1", "B-401"), ("disp-1", "B-501")] {
        let (status, body) = api(
            M::POST,
            format!("/api/v1/users/{user}/one-time-password"),
            admin.clone(),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let once = body["password"]
            .as_str()
            .expect("one-time password")
            .to_owned();
        office.insert(
            user,
            first_admin_session(&http, &base, SITE, badge, &once).await,
        );
    }
    let (eng, disp) = (office["eng-1"].clone(), office["disp-1"].clone());

    // The engineer's template for the UPS job: the module, and terminals
    // whose number shows on the job (4–8).
    let template = json!({
        "name": "UPS battery module replacement",
        "scope": "Replace a failed battery module",
        "tasks": [{"id": "T1", "title": "Swap the module"}],
        "lines": [
            {"task": "T1", "item": "UPS-BATT-MOD", "planned": "1"},
            {"task": "T1", "item": "TERM-6MM", "planned": "4", "planned_max": "8"}
        ]
    });
    let (status, body) = api(
        M::PUT,
        "/api/v1/templates/PM-UPS".into(),
        eng.clone(),
        Some(template),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // The building-management system raises a request; the dispatcher
    // makes it an order from the template, booked to CA-UPS.
    let (status, request) = api(
        M::POST,
        "/api/v1/requests".into(),
        bms.clone(),
        Some(json!({"id": "BMS-1", "asset": "INV-UPS-01", "symptoms": "UPS on bypass: battery string 2 failed", "priority": "urgent"})),
    )
    .await;
    assert_eq!(status, 201, "{request}");
    let (status, card) = api(
        M::POST,
        "/api/v1/work-orders".into(),
        disp.clone(),
        Some(
            json!({"id": "WO-1", "asset": "INV-UPS-01", "request": "BMS-1", "template": "PM-UPS",
                    "performer": "tech-1", "cost_account": "CA-UPS"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{card}");
    let lines = card["lines"].as_array().cloned().unwrap_or_default();
    let line_of = |item: &str| {
        lines
            .iter()
            .find(|l| l["item"] == item)
            .and_then(|l| l["id"].as_str())
            .unwrap_or_else(|| panic!("{item} in {card}"))
            .to_owned()
    };
    let (module_line, terminal_line) = (line_of("UPS-BATT-MOD"), line_of("TERM-6MM"));
    // The engineer settles the range at 6.
    let (status, card) = api(
        M::POST,
        format!("/api/v1/work-orders/WO-1/lines/{terminal_line}/clarify"),
        eng.clone(),
        Some(json!({"planned": "6"})),
    )
    .await;
    assert_eq!(status, 200, "{card}");
    // The fan job on the server cabinet: the fan, and terminals booked to
    // the consumables account.
    let (status, body) = api(
        M::POST,
        "/api/v1/work-orders".into(),
        disp.clone(),
        Some(json!({"id": "WO-2", "asset": "INV-RACK-07", "scope": "Replace the noisy cabinet fan",
                    "performer": "tech-1", "cost_account": "CA-IT",
                    "lines": [{"id": "WO-2-FAN", "item": "FAN-120", "planned": "1"},
                              {"id": "WO-2-TERM", "item": "TERM-6MM", "planned": "2", "cost_account": "CA-CONS"}]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    for wo in ["WO-1", "WO-2"] {
        let (status, answer) = api(
            M::POST,
            format!("/api/v1/work-orders/{wo}/approve"),
            eng.clone(),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["verdict"]["verdict"], "accepted", "{answer}");
    }

    // A handheld of the site: enrolled with a code from the CLI, its people
    // signed in with badge and PIN.
    let code = run(&["enroll-device", "--site", SITE]);
    let ca = std::fs::read(d.join("tls/ca.pem")).expect("CA");
    let mut hh = sparescan_client::Client::new(&base, &ca).expect("client");
    let enrolled = hh.enroll(&code, "HH-9").await.expect("enroll");
    for (badge, pin) in [("B-101", "1111"), ("B-201", "2222"), ("B-301", "333333")] {
        hh.sign_in(badge, pin, None).await.expect("sign in");
    }
    let device = DeviceId::from(enrolled.device_id.as_str());
    let doc = |author: &str, wo: Option<&str>, line: Option<&str>, body: Body| Document {
        id: DocId::new_v7(),
        author: author.into(),
        device: device.clone(),
        site: SITE.into(),
        device_time: Utc::now(),
        work_order: wo.map(Into::into),
        line: line.map(Into::into),
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body,
    };
    let push = |docs: Vec<Document>| {
        let hh = &hh;
        async move {
            let answer = hh.push(&docs).await.expect("push");
            for (d, v) in docs.iter().zip(&answer.verdicts) {
                assert!(
                    matches!(v, Verdict::Accepted { .. }),
                    "{:?}: {v:?}",
                    d.kind()
                );
            }
        }
    };

    // The delivery: two modules, each read from its GS1 label.
    let mut received = Vec::new();
    for serial in ["BM-0301", "BM-0302"] {
        let label = format!("]d201{module_gtin}21{serial}");
        let Ok(Scan::Gs1(g)) = classify(label.as_bytes(), &ScanConfig::default()) else {
            panic!("{label} is a GS1 label");
        };
        assert_eq!(g.gtin(), Some(module_gtin.as_str()));
        received.push(SerialNo::from(g.serial().expect("serial")));
    }
    push(vec![doc(
        "clerk-1",
        None,
        None,
        Body::GoodsReceipt {
            receipt: Receipt {
                item: "UPS-BATT-MOD".into(),
                bin: "A-01".into(),
                batch: None,
                expiry: None,
                condition: sparescan_core::model::Condition::New,
                qty: Qty::units(2),
                serials: received,
                reference: Some("DN-2026-0042".into()),
                unit_cost: None,
                warranty_until: None,
            },
        },
    )])
    .await;

    let pick = |item: &str, serials: &[&str], qty: i64| Pick {
        item: item.into(),
        bin: "A-01".into(),
        batch: None,
        serials: serials.iter().map(|s| SerialNo::from(*s)).collect(),
        qty: Qty::units(qty),
        condition: sparescan_core::model::Condition::New,
    };
    let start = |wo: &str| {
        doc(
            "sup-1",
            Some(wo),
            None,
            Body::WoStatusChange {
                transition: Transition::Start,
            },
        )
    };
    // The UPS: module BM-0301 and six terminals out; the module in, the
    // failed one (never seen by the ledger) out; five terminals used.
    let module_issue = doc(
        "tech-1",
        Some("WO-1"),
        Some(&module_line),
        Body::Issue {
            pick: pick("UPS-BATT-MOD", &["BM-0301"], 1),
            holder: None,
        },
    );
    let terminal_issue = doc(
        "tech-1",
        Some("WO-1"),
        Some(&terminal_line),
        Body::Issue {
            pick: pick("TERM-6MM", &[], 6),
            holder: None,
        },
    );
    let terminals_out = terminal_issue.id;
    push(vec![start("WO-1"), module_issue, terminal_issue]).await;
    push(vec![
        doc(
            "tech-1",
            Some("WO-1"),
            Some(&module_line),
            Body::WriteOff {
                item: "UPS-BATT-MOD".into(),
                batch: None,
                qty: Qty::units(1),
                installed: vec!["BM-0301".into()],
                position: Some("string 2".into()),
                removed: vec![RemovedUnit {
                    item: "UPS-BATT-MOD".into(),
                    serial: "BM-0007".into(),
                }],
            },
        ),
        doc(
            "tech-1",
            Some("WO-1"),
            Some(&terminal_line),
            Body::WriteOff {
                item: "TERM-6MM".into(),
                batch: None,
                qty: Qty::units(5),
                installed: vec![],
                position: None,
                removed: vec![],
            },
        ),
    ])
    .await;
    let mut back = doc(
        "clerk-1",
        Some("WO-1"),
        Some(&terminal_line),
        Body::Return {
            item: "TERM-6MM".into(),
            batch: None,
            serials: vec![],
            qty: Qty::units(1),
            condition: sparescan_core::model::Condition::New,
            to_bin: "A-01".into(),
        },
    );
    back.follows = Some(terminals_out);
    push(vec![
        back,
        doc(
            "clerk-1",
            Some("WO-1"),
            None,
            Body::RemovedUnitReturn {
                item: "UPS-BATT-MOD".into(),
                serial: "BM-0007".into(),
                condition: sparescan_core::model::Condition::UnderInspection,
                to_bin: "Q-01".into(),
            },
        ),
    ])
    .await;

    // The fan: the planned make is kept for another job, so the listed
    // substitute goes in, with a reason; two terminals.
    let mut substitute = doc(
        "tech-1",
        Some("WO-2"),
        Some("WO-2-FAN"),
        Body::SubstitutionIssue {
            pick: pick("FAN-120-B", &["FANB-1"], 1),
            holder: None,
            approval: None,
        },
    );
    substitute.reason = Some("FAN-120 kept for the UPS room".into());
    push(vec![
        start("WO-2"),
        substitute,
        doc(
            "tech-1",
            Some("WO-2"),
            Some("WO-2-TERM"),
            Body::Issue {
                pick: pick("TERM-6MM", &[], 2),
                holder: None,
            },
        ),
    ])
    .await;
    push(vec![
        doc(
            "tech-1",
            Some("WO-2"),
            Some("WO-2-FAN"),
            Body::WriteOff {
                item: "FAN-120-B".into(),
                batch: None,
                qty: Qty::units(1),
                installed: vec!["FANB-1".into()],
                position: Some("rear".into()),
                removed: vec![],
            },
        ),
        doc(
            "tech-1",
            Some("WO-2"),
            Some("WO-2-TERM"),
            Body::WriteOff {
                item: "TERM-6MM".into(),
                batch: None,
                qty: Qty::units(2),
                installed: vec![],
                position: None,
                removed: vec![],
            },
        ),
    ])
    .await;

    // The received module keeps the item's standard warranty: 24 months.
    let (status, history) = api(
        M::GET,
        "/api/v1/reports/serial-history?item=UPS-BATT-MOD&serial=BM-0302".into(),
        eng.clone(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{history}");
    let until = Utc::now()
        .date_naive()
        .checked_add_months(Months::new(24))
        .expect("date");
    assert_eq!(
        history["events"][0]["warranty_until"],
        json!(until.to_string()),
        "{history}"
    );

    // Repair cost, to the cent, by hand:
    //   WO-1: module 1 × 412.00 + terminals 5 × 0.12 = 412.60 (CA-UPS);
    //   WO-2: fan 1 × 21.90 (CA-IT) + terminals 2 × 0.12 = 0.24 (CA-CONS).
    let report = |by: &str| {
        api(
            M::GET,
            format!("/api/v1/reports/repair-cost?by={by}"),
            eng.clone(),
            None,
        )
    };
    let (status, by_order) = report("order").await;
    assert_eq!(status, 200, "{by_order}");
    assert_eq!(
        costs(&by_order),
        [
            ("WO-1".to_owned(), "412.60".to_owned()),
            ("WO-2".to_owned(), "22.14".to_owned())
        ],
        "{by_order}"
    );
    assert_eq!(by_order["total"], "434.74", "{by_order}");
    let (_, by_asset) = report("asset").await;
    assert_eq!(
        costs(&by_asset),
        [
            ("INV-RACK-07".to_owned(), "22.14".to_owned()),
            ("INV-UPS-01".to_owned(), "412.60".to_owned())
        ],
        "{by_asset}"
    );
    let (_, by_account) = report("account").await;
    assert_eq!(
        costs(&by_account),
        [
            ("CA-CONS".to_owned(), "0.24".to_owned()),
            ("CA-IT".to_owned(), "21.90".to_owned()),
            ("CA-UPS".to_owned(), "412.60".to_owned())
        ],
        "{by_account}"
    );
    // The request became the order; the order came from the template.
    let (_, card) = api(
        M::GET,
        "/api/v1/work-orders/WO-1".into(),
        disp.clone(),
        None,
    )
    .await;
    assert_eq!(
        (&card["request"], &card["template"]),
        (&json!("BMS-1"), &json!("PM-UPS")),
        "{card}"
    );
    drop(server);
    let verify = cli(d, &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));
}
