//! The handheld end to end, as people use it: the real window on Slint's
//! testing backend (headless, software renderer), a keyboard-wedge scanner
//! typing into it, the worker syncing with a real server on 127.0.0.1:0.

mod support;

use slint::ComponentHandle;
use sparescan::demo::DemoServer;
use sparescan::engine::model::ScreenId;
use sparescan_core::model::{Condition, SerialKey, SerialState};
use sparescan_server::demo::{SITE, gtin};
use sparescan_server::reports::{Format, Params, ReportKind};
use support::Handheld;

fn fan_label(serial: &str) -> String {
    // A GS1 DataMatrix as the scanner reports it: AIM id, GTIN, serial.
    format!("]d201{}21{serial}", gtin("0401234500002"))
}

fn server_serial(server: &DemoServer, item: &str, serial: &str) -> Option<SerialState> {
    let key = SerialKey {
        item: item.into(),
        serial: serial.into(),
    };
    server
        .server()
        .ledger()
        .read(&SITE.into(), |s| s.ledger.serial(&key))
        .expect("site")
}

/// The demo server in `dir` and a handheld enrolled at it (its window:
/// the enrollment form filled, then the badge scanned and the PIN typed),
/// with `badge` signed in.
fn signed_in(dir: &std::path::Path, badge: &str, pin: &str) -> (DemoServer, Handheld) {
    let server = DemoServer::start(dir, ([127, 0, 0, 1], 0).into()).expect("server");
    let code = server.enrollment_code().expect("code");
    let mut hh = Handheld::open(&dir.join("device.sqlite"));
    hh.wait("the enrollment screen", |m| m.screen == ScreenId::Enroll);
    hh.enroll(&server.url(), &server.ca_path, &code);
    hh.wait("the first bootstrap", |m| m.sync.online);
    hh.sign_in(badge, pin);
    (server, hh)
}

#[test]
fn issue_return_and_on_site_confirmation_against_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Enroll → sign in by badge and PIN.
    let (server, mut hh) = signed_in(dir.path(), "B-1001", "1111");

    // Issue a serial part to WO-1004 at the shelf.
    hh.navigate(ScreenId::Issue);
    hh.scan("WO:WO-1004");
    let m = hh.wait("the order's lines", |m| !m.flow.lines.is_empty());
    assert!(
        m.flow.lines.iter().any(|l| l.item == "FAN-120"),
        "{:?}",
        m.flow.lines
    );
    hh.scan("BIN:A-02");
    hh.wait("the bin", |m| m.flow.prompt.contains("A-02"));
    hh.scan(&fan_label("FAN-A1"));
    let m = hh.wait("a verdict on the part", |m| {
        m.flow.pending.len() == 1 || m.verdict.as_ref().is_some_and(|v| !v.ok)
    });
    assert!(
        m.verdict.as_ref().is_some_and(|v| v.ok),
        "verdict: {:?}",
        m.verdict
    );
    hh.tap("Confirm");
    hh.wait("the document in the outbox", |m| m.flow.pending.is_empty());
    hh.synced();

    // The server recorded it: the consumption report shows the serial.
    let report = server
        .block_on(sparescan_server::reports::run(
            server.server(),
            &SITE.into(),
            ReportKind::Consumption,
            &Params::default(),
            Format::Json,
        ))
        .expect("runtime")
        .expect("report");
    let json: serde_json::Value = serde_json::from_str(&report).expect("json");
    let fan_line = json["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["work_order"] == "WO-1004")
        .flat_map(|o| o["lines"].as_array().cloned().unwrap_or_default())
        .find(|l| l["item"] == "FAN-120")
        .expect("WO-1004's fan line in the consumption report");
    assert_eq!(fan_line["issued"], "1", "{fan_line}");
    assert!(fan_line.to_string().contains("FAN-A1"), "{fan_line}");

    // A clerk takes it back under inspection: into quarantine, not available.
    hh.window
        .global::<sparescan::ui::AppAdapter>()
        .invoke_sign_out();
    hh.sign_in("B-2001", "3333");
    hh.navigate(ScreenId::Return);
    hh.scan(&fan_label("FAN-A1"));
    let m = hh.wait("the original issue found", |m| {
        m.flow.can_confirm || m.verdict.as_ref().is_some_and(|v| !v.ok)
    });
    assert!(
        m.verdict.as_ref().is_none_or(|v| v.ok),
        "verdict: {:?}",
        m.verdict
    );
    hh.tap("Confirm");
    hh.wait("the return recorded", |m| {
        m.verdict.as_ref().is_some_and(|v| v.ok) && !m.flow.can_confirm
    });
    hh.synced();
    match server_serial(&server, "FAN-120", "FAN-A1") {
        Some(SerialState::InStock { bin, condition, .. }) => {
            assert_eq!(condition, Condition::UnderInspection);
            assert_eq!(bin.as_str(), "Q-01");
        }
        other => panic!("FAN-A1 on the server: {other:?}"),
    }
    // Not available: issuing it again is refused, offline, by the cache.
    hh.window
        .global::<sparescan::ui::AppAdapter>()
        .invoke_sign_out();
    hh.sign_in("B-1001", "1111");
    hh.navigate(ScreenId::Issue);
    hh.scan("WO:WO-1004");
    hh.wait("the order", |m| !m.flow.lines.is_empty());
    hh.scan("BIN:Q-01");
    hh.wait("the bin", |m| m.flow.prompt.contains("Q-01"));
    hh.scan(&fan_label("FAN-A1"));
    let m = hh.wait("the refusal", |m| m.verdict.as_ref().is_some_and(|v| !v.ok));
    assert!(m.flow.pending.is_empty());
    let v = m.verdict.expect("verdict");
    assert!(!v.what_to_do.is_empty(), "a refusal says what to do: {v:?}");

    // Supervisor on site: WO-1003 on the UPS — module BM-0101 (issued by the
    // seed) installed, BM-0001 removed; then the closure check.
    hh.window
        .global::<sparescan::ui::AppAdapter>()
        .invoke_sign_out();
    hh.sign_in("B-3001", "444444");
    hh.navigate(ScreenId::Confirm);
    hh.scan("AST:INV-UPS-01");
    hh.wait("the asset's open order", |m| {
        m.flow.header.contains("WO-1003")
    });
    hh.scan(&format!("]d201{}21BM-0101", gtin("0401234500001")));
    hh.wait("the installed serial", |m| m.flow.pending.len() == 1);
    hh.window
        .global::<sparescan::ui::ConfirmAdapter>()
        .invoke_choose("removed".into());
    hh.scan(&format!("]d201{}21BM-0001", gtin("0401234500001")));
    let m = hh.wait("the removed serial", |m| {
        m.flow.pending.len() == 2 || m.verdict.as_ref().is_some_and(|v| !v.ok)
    });
    assert_eq!(m.flow.pending.len(), 2, "verdict: {:?}", m.verdict);
    hh.tap("Confirm");
    let m = hh.wait("the write-off", |m| m.flow.pending.is_empty());
    // The removed unit is not back yet: closure is blocked, and says so.
    assert!(
        !m.flow.blockers.is_empty(),
        "closure blockers listed: {:?}",
        m.flow
    );
    hh.synced();
    match server_serial(&server, "UPS-BATT-MOD", "BM-0101") {
        Some(SerialState::Installed { asset, .. }) => assert_eq!(asset.as_str(), "INV-UPS-01"),
        other => panic!("BM-0101 on the server: {other:?}"),
    }
    assert!(
        !matches!(
            server_serial(&server, "UPS-BATT-MOD", "BM-0001"),
            Some(SerialState::Installed { .. })
        ),
        "BM-0001 is no longer installed"
    );
}

/// A clerk receives a supplier's delivery at the shelf from its GS1 labels
/// (a new lot with its expiry and count, battery modules by serial), typed
/// by the wedge scanner into the window; the server records the receipts
/// and knows the new lot after the sync.
#[test]
fn a_delivery_received_at_the_shelf_reaches_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, mut hh) = signed_in(dir.path(), "B-2001", "3333");

    // From the home screen, as the clerk would.
    hh.wait("the home screen", |m| {
        m.home.iter().any(|r| r.id == "receive")
    });
    hh.tap("Goods receipt");
    hh.wait("the receipt screen", |m| m.screen == ScreenId::Receive);
    hh.scan("BIN:A-02");
    hh.wait("the bin", |m| m.flow.header.contains("A-02"));
    // GTIN, expiry 2027-12-31, count 6, GS, the new lot.
    hh.scan(&format!(
        "]d201{}17271231306\u{1d}10G-2712",
        gtin("0401234500006")
    ));
    hh.wait("the grease", |m| m.flow.pending.len() == 1);
    for serial in ["BM-0301", "BM-0302"] {
        hh.scan(&format!("]d201{}21{serial}", gtin("0401234500001")));
    }
    let m = hh.wait("the modules", |m| {
        m.flow.pending.len() == 3 || m.verdict.as_ref().is_some_and(|v| !v.ok)
    });
    assert_eq!(m.flow.pending.len(), 3, "verdict: {:?}", m.verdict);
    hh.tap("Confirm");
    hh.wait("the receipts recorded", |m| m.flow.pending.is_empty());
    hh.synced();

    let (lot, module, grease) = server
        .server()
        .ledger()
        .read(&SITE.into(), |s| {
            (
                s.ledger.batch(&"GREASE-EP2".into(), &"G-2712".into()),
                s.ledger.serial(&SerialKey {
                    item: "UPS-BATT-MOD".into(),
                    serial: "BM-0302".into(),
                }),
                s.ledger.stock(&sparescan_core::model::StockKey {
                    item: "GREASE-EP2".into(),
                    bin: "A-02".into(),
                    batch: Some("G-2712".into()),
                    condition: Condition::New,
                }),
            )
        })
        .expect("site");
    assert_eq!(
        lot.and_then(|b| b.expiry),
        chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
        "the new lot is known on the server with its expiry"
    );
    assert!(
        matches!(module, Some(SerialState::InStock { ref bin, .. }) if bin.as_str() == "A-02"),
        "{module:?}"
    );
    assert_eq!(grease, sparescan_core::qty::Qty::units(6));
}

/// No approver at the shelf: the technician cancels the PIN dialog and
/// taps "Ask an approver"; the engineer approves over the back-office API;
/// after the sync the same fan is issued without a PIN, and the server
/// records the issue under the approval.
#[test]
fn an_additional_issue_asked_at_the_shelf_is_approved_in_the_back_office() {
    use sparescan_core::document::Body;
    use sparescan_core::model::ApprovalStatus;
    use sparescan_core::sync::{PushRequest, PushResponse, Verdict};

    let dir = tempfile::tempdir().expect("tempdir");
    let (server, mut hh) = signed_in(dir.path(), "B-1001", "1111");

    hh.navigate(ScreenId::Issue);
    hh.scan("WO:WO-1004");
    hh.wait("the order's lines", |m| !m.flow.lines.is_empty());
    hh.scan("BIN:A-02");
    hh.wait("the bin", |m| m.flow.prompt.contains("A-02"));
    hh.tap("Additional");
    hh.scan(&fan_label("FAN-A1"));
    hh.wait("the approver's PIN dialog", |m| m.flow.ask_pin.is_some());
    // Nobody to approve here: the dialog's Cancel, then the offer to ask.
    hh.tap_last("Cancel");
    hh.wait("the offer to ask", |m| {
        m.flow.ask_pin.is_none() && m.flow.choices.iter().any(|c| c.id == "ask-approval")
    });
    hh.tap("Ask an approver");
    let m = hh.wait("the request recorded", |m| {
        m.verdict
            .as_ref()
            .is_some_and(|v| v.title == "Approval asked" || !v.ok)
    });
    assert_eq!(
        m.verdict.as_ref().map(|v| (v.ok, v.title.as_str())),
        Some((true, "Approval asked")),
        "{:?}",
        m.verdict
    );
    hh.synced();

    // The engineer, signed in to the back office, approves it.
    let waiting = server
        .server()
        .ledger()
        .read(&SITE.into(), |s| s.ledger.approvals_of(&"WO-1004".into()))
        .expect("site");
    let [asked] = waiting.as_slice() else {
        panic!("one request on the server: {waiting:?}")
    };
    assert_eq!(asked.status(), ApprovalStatus::Waiting);
    assert_eq!(asked.requested_by.as_str(), "tech-1");
    let ca = std::fs::read(&server.ca_path).expect("ca");
    let answer: PushResponse = server
        .block_on(async {
            let mut office = sparescan_client::Client::new(&server.url(), &ca).expect("client");
            office
                .sign_in_office("eng-1", "demo-pass-4001", SITE)
                .await
                .expect("engineer signs in");
            let decision = sparescan_core::document::Document {
                id: sparescan_core::ids::DocId::new_v7(),
                author: "eng-1".into(),
                device: "backoffice".into(),
                site: SITE.into(),
                device_time: chrono::Utc::now(),
                work_order: Some("WO-1004".into()),
                line: None,
                reason: None,
                reason_code: None,
                approver: None,
                follows: None,
                proof: None,
                body: Body::ApprovalDecision {
                    request: asked.request,
                    approve: true,
                },
            };
            office
                .post_json(
                    "/api/v1/documents",
                    &PushRequest {
                        documents: vec![decision],
                    },
                )
                .await
                .expect("decision")
        })
        .expect("runtime");
    assert!(
        matches!(answer.verdicts[..], [Verdict::Accepted { .. }]),
        "{answer:?}"
    );

    // The handheld hears of it at its next sync, and issues without a PIN.
    hh.wait("the approval on the device", |m| {
        m.flow
            .rows
            .iter()
            .any(|r| r.detail.contains("approved by eng-1"))
    });
    hh.scan(&fan_label("FAN-A1"));
    let m = hh.wait("the fan judged", |m| {
        m.flow.pending.len() == 1
            || m.flow.ask_pin.is_some()
            || m.verdict.as_ref().is_some_and(|v| !v.ok)
    });
    assert!(m.flow.ask_pin.is_none(), "no PIN once approved");
    assert_eq!(m.flow.pending.len(), 1, "{:?}", m.verdict);
    hh.tap("Confirm");
    hh.wait("the issue recorded", |m| m.flow.pending.is_empty());
    hh.synced();
    match server_serial(&server, "FAN-120", "FAN-A1") {
        Some(SerialState::InWork { work_order, .. }) => {
            assert_eq!(work_order, Some("WO-1004".into()))
        }
        other => panic!("FAN-A1 on the server: {other:?}"),
    }
    let used = server
        .server()
        .ledger()
        .read(&SITE.into(), |s| s.ledger.approval(&asked.request))
        .expect("site")
        .expect("the approval");
    assert_eq!(used.left(), sparescan_core::qty::Qty::ZERO, "{used:?}");
}
