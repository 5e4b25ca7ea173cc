//! The domain article's scenarios driven through the API, as people would:
//! handhelds push documents, the back office signs in and acts, reports
//! show the result. Against the demo site over real HTTPS.

mod common;

use common::*;
use serde_json::Value;
use sparescan_client::Client;
use sparescan_core::document::*;
use sparescan_core::ids::DocId;
use sparescan_core::model::Condition;
use sparescan_core::qty::Qty;
use sparescan_core::reason::ReasonCode;
use sparescan_core::sync::{PushRequest, PushResponse, Verdict};

/// An enrolled handheld.
struct Handheld {
    client: Client,
    id: String,
}

impl Handheld {
    async fn new(ts: &TestServer, name: &str) -> Handheld {
        let code = ts
            .server
            .enrollment_code(&"PLANT-1".into())
            .await
            .expect("code");
        let mut client = ts.client();
        let e = client.enroll(&code, name).await.expect("enroll");
        sign_in_everyone(&mut client).await;
        Handheld {
            client,
            id: e.device_id,
        }
    }

    fn doc(&self, author: &str, wo: Option<&str>, line: Option<&str>, body: Body) -> Document {
        doc(&self.id, author, wo, line, body)
    }

    async fn verdict(&self, d: Document) -> Verdict {
        let mut r = self.client.push(&[d]).await.expect("push");
        r.verdicts.pop().expect("one verdict")
    }

    #[track_caller]
    fn accepted(v: Verdict) -> DocId {
        match v {
            Verdict::Accepted { id, .. } => id,
            other => panic!("expected accepted, got {other:?}"),
        }
    }

    async fn accept(&self, d: Document) -> DocId {
        let kind = d.kind();
        match self.verdict(d).await {
            Verdict::Accepted { id, .. } => id,
            other => panic!("{kind:?}: expected accepted, got {other:?}"),
        }
    }

    async fn refuse(&self, d: Document, code: ReasonCode) -> sparescan_core::reason::Refusal {
        let kind = d.kind();
        match self.verdict(d).await {
            Verdict::Rejected { refusal, .. } if refusal.code == code => refusal,
            other => panic!("{kind:?}: expected {code}, got {other:?}"),
        }
    }
}

/// A back-office sign-in.
async fn office(ts: &TestServer, user: &str) -> Client {
    let mut c = ts.client();
    let (badge, password) = password_of(user);
    c.sign_in_office(badge, password, "PLANT-1")
        .await
        .expect("sign in");
    c
}

fn office_doc(author: &str, wo: Option<&str>, body: Body) -> Document {
    doc("backoffice", author, wo, None, body)
}

async fn office_push(c: &Client, d: Document) -> Verdict {
    let mut r: PushResponse = c
        .post_json("/api/v1/documents", &PushRequest { documents: vec![d] })
        .await
        .expect("documents");
    r.verdicts.pop().expect("verdict")
}

fn q(n: i64) -> Qty {
    Qty::units(n)
}

fn write_off(item: &str, qty: i64, installed: &[&str], removed: &[(&str, &str)]) -> Body {
    Body::WriteOff {
        item: item.into(),
        batch: None,
        qty: q(qty),
        installed: installed.iter().map(|s| (*s).into()).collect(),
        position: None,
        removed: removed
            .iter()
            .map(|(i, s)| RemovedUnit {
                item: (*i).into(),
                serial: (*s).into(),
            })
            .collect(),
    }
}

fn removed_return(item: &str, serial: &str) -> Body {
    Body::RemovedUnitReturn {
        item: item.into(),
        serial: serial.into(),
        condition: Condition::UnderInspection,
        to_bin: "Q-01".into(),
    }
}

fn status(t: Transition) -> Body {
    Body::WoStatusChange { transition: t }
}

/// The UPS battery module: installed with its serial, the removed module's
/// serial recorded and quarantined, consumables partly returned, the order
/// closed; the installed base and the consumption report show it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ups_battery_module_through_the_api() {
    let ts = TestServer::start().await;
    let hh = Handheld::new(&ts, "HH-UPS").await;
    // Seeded: BM-0101 and 10 terminals already issued to tech-1 on WO-1003.
    hh.accept(hh.doc(
        "tech-1",
        Some("WO-1003"),
        Some("WO-1003-L1"),
        write_off(
            "UPS-BATT-MOD",
            1,
            &["BM-0101"],
            &[("UPS-BATT-MOD", "BM-0001")],
        ),
    ))
    .await;
    hh.accept(hh.doc(
        "tech-1",
        Some("WO-1003"),
        Some("WO-1003-L2"),
        write_off("TERM-6MM", 10, &[], &[]),
    ))
    .await;
    let zip = hh
        .accept(issue(
            &hh.id,
            "WO-1003",
            "WO-1003-L3",
            pick("ZIP-200", "A-01", 12, &[]),
        ))
        .await;
    hh.accept(hh.doc(
        "tech-1",
        Some("WO-1003"),
        Some("WO-1003-L3"),
        write_off("ZIP-200", 8, &[], &[]),
    ))
    .await;
    let mut back = hh.doc(
        "clerk-1",
        Some("WO-1003"),
        None,
        Body::Return {
            item: "ZIP-200".into(),
            batch: None,
            serials: vec![],
            qty: q(4),
            condition: Condition::New,
            to_bin: "A-01".into(),
        },
    );
    back.follows = Some(zip);
    hh.accept(back).await;

    // The supervisor: closure waits for the removed module.
    let sup = office(&ts, "sup-1").await;
    hh.accept(hh.doc("sup-1", Some("WO-1003"), None, status(Transition::Complete)))
        .await;
    match office_push(
        &sup,
        office_doc("sup-1", Some("WO-1003"), status(Transition::Close)),
    )
    .await
    {
        Verdict::Rejected { refusal, .. } => {
            assert_eq!(refusal.code, ReasonCode::ClosureBlocked);
            assert!(refusal.message.contains("BM-0001"), "{}", refusal.message);
        }
        other => panic!("closure should be blocked: {other:?}"),
    }
    hh.accept(hh.doc(
        "clerk-1",
        Some("WO-1003"),
        None,
        removed_return("UPS-BATT-MOD", "BM-0001"),
    ))
    .await;
    Handheld::accepted(
        office_push(
            &sup,
            office_doc("sup-1", Some("WO-1003"), status(Transition::Close)),
        )
        .await,
    );

    let base: Value = sup
        .get_json("/api/v1/reports/installed-base?asset=INV-UPS-01")
        .await
        .expect("installed base");
    let text = base.to_string();
    assert!(
        text.contains("BM-0101") && !text.contains("BM-0001"),
        "{text}"
    );
    let consumption: Value = sup
        .get_json("/api/v1/reports/consumption?wo=WO-1003")
        .await
        .expect("consumption");
    assert!(consumption.to_string().contains("BM-0101"));
    let card: Value = sup
        .get_json("/api/v1/work-orders/WO-1003")
        .await
        .expect("card");
    assert_eq!(card["status"], "closed");
    let verify = ts.server.verify().expect("verify");
    assert!(verify.is_clean(), "{verify}");
}

/// Four filters planned, two in the main store: the reserve is partially
/// supplied and the shortfall shows on the order card; putting the order on
/// hold releases it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_shortfall_then_hold_releases_the_reserve() {
    let ts = TestServer::start().await;
    let clerk = office(&ts, "clerk-1").await;
    let mut reserve = office_doc(
        "clerk-1",
        Some("WO-1002"),
        Body::Reserve {
            warehouse: "WH-MAIN".into(),
            qty: q(4),
        },
    );
    reserve.line = Some("WO-1002-L1".into());
    Handheld::accepted(office_push(&clerk, reserve).await);
    let card: Value = clerk
        .get_json("/api/v1/work-orders/WO-1002")
        .await
        .expect("card");
    let line = card["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["id"] == "WO-1002-L1")
        .expect("line")
        .clone();
    assert_eq!(
        (line["locked"].as_str(), line["shortfall"].as_str()),
        (Some("2"), Some("2"))
    );

    let disp = office(&ts, "disp-1").await;
    Handheld::accepted(
        office_push(
            &disp,
            office_doc("disp-1", Some("WO-1002"), status(Transition::Hold)),
        )
        .await,
    );
    let card: Value = clerk
        .get_json("/api/v1/work-orders/WO-1002")
        .await
        .expect("card");
    assert!(
        card["reserves"]
            .as_array()
            .expect("reserves")
            .iter()
            .all(|r| r["status"] == "cancelled"),
        "{card}"
    );
}

/// The cabinet fan: a wrong serial is corrected by reversal and re-issue;
/// the old fan (unknown to the ledger) goes to quarantine; the order closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cabinet_fan_with_a_corrected_serial() {
    let ts = TestServer::start().await;
    let hh = Handheld::new(&ts, "HH-FAN").await;
    let wrong = hh
        .accept(issue(
            &hh.id,
            "WO-1004",
            "WO-1004-L1",
            pick("FAN-120", "A-02", 1, &["FAN-A2"]),
        ))
        .await;
    let mut correction = hh.doc("clerk-1", None, None, Body::Correction);
    correction.follows = Some(wrong);
    correction.reason = Some("FAN-A1 was taken, FAN-A2 scanned".into());
    correction.approver = Some("sup-1".into());
    let correction = hh.accept(correction).await;
    let mut again = issue(
        &hh.id,
        "WO-1004",
        "WO-1004-L1",
        pick("FAN-120", "A-02", 1, &["FAN-A1"]),
    );
    again.follows = Some(correction);
    hh.accept(again).await;
    hh.accept(hh.doc(
        "tech-1",
        Some("WO-1004"),
        Some("WO-1004-L1"),
        write_off("FAN-120", 1, &["FAN-A1"], &[("FAN-120", "FAN-OLD-7")]),
    ))
    .await;
    hh.accept(hh.doc(
        "clerk-1",
        Some("WO-1004"),
        None,
        removed_return("FAN-120", "FAN-OLD-7"),
    ))
    .await;
    hh.accept(hh.doc("sup-1", Some("WO-1004"), None, status(Transition::Close)))
        .await;
    // The faulty fan is rejected after inspection.
    let ctrl = office(&ts, "ctrl-1").await;
    Handheld::accepted(
        office_push(
            &ctrl,
            office_doc(
                "ctrl-1",
                None,
                Body::InspectionDecision {
                    item: "FAN-120".into(),
                    from_bin: "Q-01".into(),
                    batch: None,
                    serials: vec!["FAN-OLD-7".into()],
                    qty: q(1),
                    decision: Decision::Reject {
                        to_bin: "X-01".into(),
                    },
                },
            ),
        )
        .await,
    );
    let sup = office(&ts, "sup-1").await;
    let history: Value = sup
        .get_json("/api/v1/reports/serial-history?item=FAN-120&serial=FAN-A2")
        .await
        .expect("history");
    assert!(history.to_string().contains("reversed"), "{history}");
}

/// No work order, no issue; an emergency issue on a supervisor's approval
/// counts as issued without an order until linked, and blocks closure of
/// the asset's order until then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emergency_issue_linked_later() {
    let ts = TestServer::start().await;
    let hh = Handheld::new(&ts, "HH-EM").await;
    hh.refuse(
        hh.doc(
            "clerk-1",
            None,
            None,
            Body::Issue {
                pick: pick("TERM-6MM", "A-01", 1, &[]),
                holder: None,
            },
        ),
        ReasonCode::NoWorkOrder,
    )
    .await;
    let mut em = hh.doc(
        "clerk-1",
        None,
        None,
        Body::EmergencyIssue {
            pick: pick("TERM-6MM", "A-01", 1, &[]),
            asset: Some("INV-PUMP-03".into()),
            holder: Some("tech-2".into()),
        },
    );
    em.reason = Some("pump down".into());
    em.approver = Some("sup-1".into());
    let em = hh.accept(em).await;
    let sup = office(&ts, "sup-1").await;
    let kpis: Value = sup.get_json("/api/v1/reports/kpis").await.expect("kpis");
    assert!(
        kpis.to_string().contains(&em.to_string()),
        "listed as issued without an order"
    );
    let card: Value = sup
        .get_json("/api/v1/work-orders/WO-1005")
        .await
        .expect("card");
    assert!(
        card["blockers"].to_string().contains(&em.to_string()),
        "{}",
        card["blockers"]
    );
    hh.accept(hh.doc(
        "clerk-1",
        Some("WO-1005"),
        Some("WO-1005-L2"),
        Body::EmergencyLink { emergency: em },
    ))
    .await;
    let card: Value = sup
        .get_json("/api/v1/work-orders/WO-1005")
        .await
        .expect("card");
    assert!(!card["blockers"].to_string().contains(&em.to_string()));
}

/// Two handhelds, offline, both took the same serial: the first to arrive is
/// accepted, the second refused naming who holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_issue_the_same_serial_offline() {
    let ts = TestServer::start().await;
    let a = Handheld::new(&ts, "HH-A").await;
    let b = Handheld::new(&ts, "HH-B").await;
    // Both recorded while offline; B's clock is even earlier.
    let mut from_a = issue(
        &a.id,
        "WO-1004",
        "WO-1004-L1",
        pick("FAN-120", "A-02", 1, &["FAN-A1"]),
    );
    let mut from_b = doc(
        &b.id,
        "clerk-1",
        None,
        None,
        Body::TransferOut {
            pick: pick("FAN-120", "A-02", 1, &["FAN-A1"]),
            to_warehouse: "WH-NORTH".into(),
            for_reserve: None,
        },
    );
    from_b.device_time = from_a.device_time - chrono::Duration::minutes(10);
    from_a.device_time -= chrono::Duration::minutes(5);
    a.accept(from_a).await;
    let refusal = b.refuse(from_b, ReasonCode::SerialHeldElsewhere).await;
    assert!(
        refusal.message.contains("tech-1") && refusal.message.contains("WO-1004"),
        "{}",
        refusal.message
    );
    // It waits in Needs attention with what to do.
    let sup = office(&ts, "sup-1").await;
    let attention: Value = sup
        .get_json("/api/v1/needs-attention")
        .await
        .expect("attention");
    assert!(
        attention.to_string().contains("serial_held_elsewhere"),
        "{attention}"
    );
}

/// Over plan plus tolerance: refused as a plain issue, accepted as an
/// additional issue with an approver; a tool goes out and comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn additional_issue_and_tool_round_trip() {
    let ts = TestServer::start().await;
    let hh = Handheld::new(&ts, "HH-X").await;
    hh.refuse(
        issue(
            &hh.id,
            "WO-1003",
            "WO-1003-L3",
            pick("ZIP-200", "A-01", 23, &[]),
        ),
        ReasonCode::OverTolerance,
    )
    .await;
    let mut add = hh.doc(
        "clerk-1",
        Some("WO-1003"),
        Some("WO-1003-L3"),
        Body::AdditionalIssue {
            pick: pick("ZIP-200", "A-01", 23, &[]),
            new_line: "WO-1003-ADD1".into(),
            task: None,
            holder: Some("tech-1".into()),
            approval: None,
        },
    );
    add.reason = Some("second cable run".into());
    add.approver = Some("eng-1".into());
    hh.accept(add).await;

    let mut out = hh.doc(
        "tech-1",
        Some("WO-1003"),
        None,
        Body::ToolCheckout {
            pick: pick("TOOL-DRILL", "A-03", 1, &["DR-1"]),
            due: chrono::Utc::now() - chrono::Duration::minutes(1),
            holder: None,
        },
    );
    out.device_time -= chrono::Duration::hours(2);
    let out = hh.accept(out).await;
    let sup = office(&ts, "sup-1").await;
    let tools: Value = sup
        .get_json("/api/v1/reports/tools-out")
        .await
        .expect("tools");
    assert!(tools.to_string().contains("DR-1"), "{tools}");
    let mut back = hh.doc(
        "tech-1",
        None,
        None,
        Body::ToolReturn {
            to_bin: "A-03".into(),
        },
    );
    back.follows = Some(out);
    hh.accept(back).await;
    let tools: Value = sup
        .get_json("/api/v1/reports/tools-out")
        .await
        .expect("tools");
    assert!(!tools.to_string().contains("DR-1"), "{tools}");
}

/// The role × document-kind matrix over HTTPS: a document authored by a
/// role the matrix does not allow is refused with `role_not_allowed`, and
/// only then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_by_document_kind_matrix() {
    use sparescan_core::model::Role;
    use sparescan_core::rules::roles::{author_roles, is_back_office_only, is_handheld_role};
    let ts = TestServer::start().await;
    let hh = Handheld::new(&ts, "HH-ROLES").await;
    let p = || pick("TERM-6MM", "A-01", 1, &[]);
    let any = DocId::new_v7();
    let bodies: Vec<Body> = {
        let mut v = vec![
            Body::Reserve {
                warehouse: "WH-MAIN".into(),
                qty: q(1),
            },
            Body::ReserveConfirm { reserve: any },
            Body::ReserveRelease {
                reserve: any,
                qty: None,
            },
            Body::Issue {
                pick: p(),
                holder: None,
            },
            Body::SubstitutionIssue {
                pick: p(),
                holder: None,
                approval: None,
            },
            Body::AdditionalIssue {
                pick: p(),
                new_line: "X".into(),
                task: None,
                holder: None,
                approval: None,
            },
            Body::EmergencyIssue {
                pick: p(),
                asset: None,
                holder: None,
            },
            Body::EmergencyLink { emergency: any },
            write_off("TERM-6MM", 1, &[], &[]),
            Body::Return {
                item: "TERM-6MM".into(),
                batch: None,
                serials: vec![],
                qty: q(1),
                condition: Condition::New,
                to_bin: "A-01".into(),
            },
            removed_return("PUMP-CTRL", "PC-OLD-1"),
            Body::InspectionDecision {
                item: "TERM-6MM".into(),
                from_bin: "Q-01".into(),
                batch: None,
                serials: vec![],
                qty: q(1),
                decision: Decision::Reject {
                    to_bin: "X-01".into(),
                },
            },
            Body::TransferOut {
                pick: p(),
                to_warehouse: "WH-NORTH".into(),
                for_reserve: None,
            },
            Body::TransferIn {
                to_bin: "A-01".into(),
                qty: q(1),
                serials: vec![],
            },
            Body::Correction,
            Body::ToolCheckout {
                pick: pick("TOOL-DRILL", "A-03", 1, &["DR-2"]),
                due: chrono::Utc::now(),
                holder: None,
            },
            Body::ToolReturn {
                to_bin: "A-03".into(),
            },
            Body::Count {
                item: "TERM-6MM".into(),
                bin: "A-01".into(),
                batch: None,
                condition: Condition::New,
                counted: q(1),
                adjust: false,
            },
            Body::PeriodClose {
                until: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
            },
        ];
        v.extend(Transition::ALL.iter().map(|t| status(*t)));
        v
    };
    let mut offices = std::collections::HashMap::new();
    for p in sparescan_server::demo::PEOPLE {
        offices.insert(p.id, office(&ts, p.id).await);
    }
    let mut cells = 0;
    for body in bodies {
        let transition = match &body {
            Body::WoStatusChange { transition } => Some(*transition),
            _ => None,
        };
        for person in sparescan_server::demo::PEOPLE
            .iter()
            .filter(|p| p.id != "tech-2")
        {
            let allowed = author_roles(body.kind(), transition).contains(&person.role);
            // Each where they would record it: on the handheld, or — for
            // back-office people and powers — in the back office.
            let on_handheld = is_handheld_role(person.role) && !is_back_office_only(&body);
            let office = &offices[person.id];
            let v = if on_handheld {
                let d = hh.doc(person.id, Some("WO-1002"), Some("WO-1002-L1"), body.clone());
                format!("{:?}", hh.verdict(d).await)
            } else if transition == Some(Transition::Approve) {
                let resp = office
                    .http()
                    .post(format!(
                        "{}/api/v1/work-orders/WO-1002/approve",
                        office.base()
                    ))
                    .bearer_auth(office.session().expect("session"))
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .expect("approve");
                if resp.status().as_u16() == 403 {
                    "RoleNotAllowed (403)".to_owned()
                } else {
                    resp.text().await.expect("body")
                }
            } else {
                let d = doc(
                    "backoffice",
                    person.id,
                    Some("WO-1002"),
                    Some("WO-1002-L1"),
                    body.clone(),
                );
                format!("{:?}", office_push(office, d).await)
            };
            let role_refused = v.contains("RoleNotAllowed") || v.contains("role_not_allowed");
            assert_eq!(
                role_refused,
                !allowed,
                "{:?} × {:?}: {v:?}",
                person.role,
                body.kind()
            );
            cells += 1;
        }
    }
    assert_eq!(cells, (19 + Transition::ALL.len()) * (Role::ALL.len()));
}
