//! Who is acting (docs/security.md), over real HTTPS: a device token alone
//! records nothing in anybody's name, an approver proves their own
//! presence, back-office powers never come from a device, and withdrawn
//! keys hold documents back instead of losing them.

use crate::common::*;
use chrono::{Duration, NaiveDate, Utc};
use sparescan_client::ClientError;
use sparescan_core::document::{Body, Document, Transition};
use sparescan_core::ids::DocId;
use sparescan_core::model::Condition;
use sparescan_core::presence;
use sparescan_core::qty::Qty;
use sparescan_core::reason::ReasonCode;
use sparescan_core::sync::Verdict;

fn code(v: &Verdict) -> Option<ReasonCode> {
    match v {
        Verdict::Rejected { refusal, .. } => Some(refusal.code),
        _ => None,
    }
}

fn start(dev: &str, author: &str, wo: &str) -> Document {
    doc(
        dev,
        author,
        Some(wo),
        None,
        Body::WoStatusChange {
            transition: Transition::Start,
        },
    )
}

/// Whether the ledger recorded `id` (read from the store: the server's
/// memory keeps only the documents later ones follow).
fn accepted(ts: &TestServer, id: DocId) -> bool {
    ts.server
        .backend()
        .reader()
        .expect("reader")
        .document(&id)
        .expect("read")
        .is_some()
}

/// The attacks of issue 14 with nothing but a device token: every one was
/// accepted before proofs of presence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_token_alone_records_nothing_in_anyones_name() {
    let ts = TestServer::start().await;
    let (c, dev) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    let approve = doc(
        &dev,
        "eng-1",
        Some("WO-1001"),
        None,
        Body::WoStatusChange {
            transition: Transition::Approve,
        },
    );
    let adjust = doc(
        &dev,
        "ctrl-1",
        None,
        None,
        Body::Count {
            item: "ZIP-200".into(),
            bin: "A-01".into(),
            batch: None,
            condition: Condition::New,
            counted: Qty::units(9_999),
            adjust: true,
        },
    );
    let mut emergency = doc(
        &dev,
        "tech-1",
        None,
        None,
        Body::EmergencyIssue {
            pick: pick("TERM-6MM", "A-01", 5, &[]),
            asset: Some("INV-UPS-01".into()),
            holder: None,
        },
    );
    emergency.approver = Some("sup-1".into());
    emergency.reason = Some("UPS down".into());
    let close = doc(
        &dev,
        "acct-1",
        None,
        None,
        Body::PeriodClose {
            until: NaiveDate::from_ymd_opt(9999, 12, 30).expect("date"),
        },
    );
    let start_it = start(&dev, "tech-1", "WO-1002");
    let docs = vec![
        start_it.clone(),
        approve.clone(),
        adjust.clone(),
        emergency.clone(),
        close.clone(),
    ];
    let r = c.push_as_is(&docs).await.expect("push");
    let codes: Vec<_> = r.verdicts.iter().map(code).collect();
    for d in &docs {
        assert!(
            !accepted(&ts, d.id),
            "{:?} was recorded: {codes:?}",
            d.kind()
        );
    }
    // The first is held for its author's sign-in, and so is the later
    // document of the same person; each back-office power is refused as
    // such, whoever it names.
    assert_eq!(
        codes,
        vec![
            Some(ReasonCode::ProofMissing),
            Some(ReasonCode::BackOfficeOnly),
            Some(ReasonCode::BackOfficeOnly),
            Some(ReasonCode::WaitingForEarlier),
            Some(ReasonCode::BackOfficeOnly),
        ]
    );
    let r = c
        .push_as_is(std::slice::from_ref(&emergency))
        .await
        .expect("push");
    assert_eq!(code(&r.verdicts[0]), Some(ReasonCode::ProofMissing));
    // The site is not frozen: a later movement, properly signed, goes in.
    let (mut signed, dev2) = enroll_only(&ts, "PLANT-1", "HH-02").await;
    let (b, p) = pin_of("tech-1");
    signed.sign_in(b, p, None).await.expect("sign in");
    let later = start(&dev2, "tech-1", "WO-1002");
    let r = signed
        .push(std::slice::from_ref(&later))
        .await
        .expect("push");
    assert!(
        matches!(r.verdicts[0], Verdict::Accepted { .. }),
        "{:?}",
        r.verdicts
    );
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_is_one_persons_on_one_device_for_one_document() {
    let ts = TestServer::start().await;
    let (mut c, dev) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    let (b, p) = pin_of("tech-1");
    let signed = c.sign_in(b, p, None).await.expect("sign in");
    let key = signed.presence.expect("a presence key on a device");
    let raw = presence::hex_decode(&key.key).expect("32 bytes");
    assert!(key.expires_at > Utc::now() + Duration::days(6));

    // Another person's document with tech-1's key: a forgery.
    let forged = presence::prove(start(&dev, "sup-1", "WO-1002"), (&key.id, &raw), None);
    // tech-1's own document, changed after it was proved.
    let mut tampered = presence::prove(start(&dev, "tech-1", "WO-1002"), (&key.id, &raw), None);
    tampered.work_order = Some("WO-1001".into());
    // A made-up MAC.
    let mut made_up = start(&dev, "tech-1", "WO-1002");
    made_up.proof = Some(presence::Proof {
        author: presence::KeyMac {
            key: key.id.clone(),
            mac: "0".repeat(64),
        },
        approver: None,
    });
    for d in [&forged, &tampered, &made_up] {
        let r = c.push_as_is(std::slice::from_ref(d)).await.expect("push");
        assert_eq!(
            code(&r.verdicts[0]),
            Some(ReasonCode::ProofInvalid),
            "{:?}",
            r.verdicts
        );
        assert!(!accepted(&ts, d.id));
    }
    // tech-1's key used by another device, for a document naming it.
    let (other, dev2) = enroll_only(&ts, "PLANT-1", "HH-02").await;
    let elsewhere = presence::prove(start(&dev2, "tech-1", "WO-1002"), (&key.id, &raw), None);
    let r = other
        .push_as_is(std::slice::from_ref(&elsewhere))
        .await
        .expect("push");
    assert_eq!(code(&r.verdicts[0]), Some(ReasonCode::ProofInvalid));

    // The real thing is accepted, in tech-1's name.
    let good = presence::prove(start(&dev, "tech-1", "WO-1002"), (&key.id, &raw), None);
    let r = c
        .push_as_is(std::slice::from_ref(&good))
        .await
        .expect("push");
    assert!(
        matches!(r.verdicts[0], Verdict::Accepted { .. }),
        "{:?}",
        r.verdicts
    );
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_proves_their_own_presence() {
    let ts = TestServer::start().await;
    let (mut c, dev) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    let (b, p) = pin_of("tech-1");
    c.sign_in(b, p, None).await.expect("sign in");
    let mut emergency = doc(
        &dev,
        "tech-1",
        None,
        None,
        Body::EmergencyIssue {
            pick: pick("TERM-6MM", "A-01", 5, &[]),
            asset: Some("INV-UPS-01".into()),
            holder: None,
        },
    );
    emergency.approver = Some("sup-1".into());
    emergency.reason = Some("UPS down".into());
    // Proved by the author alone: the supervisor was not there.
    let r = c
        .push(std::slice::from_ref(&emergency))
        .await
        .expect("push");
    let Verdict::Rejected { refusal, .. } = &r.verdicts[0] else {
        panic!("{:?}", r.verdicts)
    };
    assert_eq!(refusal.code, ReasonCode::ProofMissing);
    assert!(
        refusal.message.contains("approver sup-1"),
        "{}",
        refusal.message
    );
    // The supervisor enters their PIN on this device: their own proof.
    let (b, p) = pin_of("sup-1");
    c.sign_in(b, p, None).await.expect("supervisor");
    let r = c
        .push(std::slice::from_ref(&emergency))
        .await
        .expect("push");
    assert!(
        matches!(r.verdicts[0], Verdict::Accepted { .. }),
        "{:?}",
        r.verdicts
    );
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_keys_hold_documents_until_the_person_signs_in_again() {
    let ts = TestServer::start().await;
    let (mut c, dev) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    let (b, p) = pin_of("tech-1");
    c.sign_in(b, p, None).await.expect("sign in");
    let d = c.prove(start(&dev, "tech-1", "WO-1002"));
    // A second online sign-in on the device supersedes the first key.
    let mut again = c.clone();
    again.sign_in(b, p, None).await.expect("sign in again");
    let r = c.push_as_is(std::slice::from_ref(&d)).await.expect("push");
    assert_eq!(code(&r.verdicts[0]), Some(ReasonCode::ProofRevoked));
    assert!(!accepted(&ts, d.id));
    // Proved again with the new key, the same document goes in.
    let mut fresh = d.clone();
    fresh.proof = None;
    let r = again
        .push(std::slice::from_ref(&fresh))
        .await
        .expect("push");
    assert!(
        matches!(r.verdicts[0], Verdict::Accepted { .. }),
        "{:?}",
        r.verdicts
    );

    // Revoking the device withdraws every key on it.
    let d2 = again.prove(start(&dev, "tech-1", "WO-1001"));
    revoke_then_push(&ts, &again, &dev, &d2).await;
    ts.stop().await;
}

/// Pushes `stale` (proved with a key since withdrawn): held as
/// `proof_revoked`.
async fn refused_as_revoked(c: &sparescan_client::Client, stale: &Document, when: &str) {
    let r = c
        .push_as_is(std::slice::from_ref(stale))
        .await
        .expect("push");
    assert_eq!(
        code(&r.verdicts[0]),
        Some(ReasonCode::ProofRevoked),
        "{when}"
    );
}

/// Revokes the device `dev`, then pushes `proved` (proved before) from it.
/// The device's token may still be trusted for a few seconds (its cache),
/// but nothing it pushes is recorded in anybody's name.
async fn revoke_then_push(
    ts: &TestServer,
    c: &sparescan_client::Client,
    dev: &str,
    proved: &Document,
) {
    ts.server
        .ledger()
        .write({
            let dev = dev.to_owned();
            move |s| s.revoke_device(&dev)
        })
        .await
        .expect("revoke");
    match c.push_as_is(std::slice::from_ref(proved)).await {
        Err(ClientError::Api { status: 401, .. }) => {}
        Ok(r) => assert_eq!(
            code(&r.verdicts[0]),
            Some(ReasonCode::ProofRevoked),
            "after revoking the device"
        ),
        Err(e) => panic!("{e}"),
    }
    assert!(!accepted(ts, proved.id));
}

/// A key the server has just used to prove a document (and so may hold in
/// memory) stops proving the moment it is withdrawn: by a newer sign-in on
/// the device, by a PIN reset, by revoking the device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_just_used_stops_proving_the_moment_it_is_withdrawn() {
    let ts = TestServer::start().await;
    let (mut c, dev) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    let (b, p) = pin_of("tech-1");
    // Judged by the rules (accepted or not): the proof held.
    let proved = |r: &sparescan_core::sync::PushResponse| {
        !matches!(
            code(&r.verdicts[0]),
            Some(
                ReasonCode::ProofMissing
                    | ReasonCode::ProofInvalid
                    | ReasonCode::ProofRevoked
                    | ReasonCode::ProofExpired
            )
        )
    };

    // A newer sign-in on the device supersedes the key.
    c.sign_in(b, p, None).await.expect("sign in");
    let r = c
        .push(&[start(&dev, "tech-1", "WO-1002")])
        .await
        .expect("push");
    assert!(proved(&r), "{:?}", r.verdicts);
    let stale = c.prove(start(&dev, "tech-1", "WO-1001"));
    let mut again = c.clone();
    again.sign_in(b, p, None).await.expect("sign in again");
    refused_as_revoked(&c, &stale, "after a newer sign-in").await;

    // A PIN reset withdraws the person's keys.
    let r = again
        .push(&[start(&dev, "tech-1", "WO-1002")])
        .await
        .expect("push");
    assert!(proved(&r), "{:?}", r.verdicts);
    let stale = again.prove(start(&dev, "tech-1", "WO-1003"));
    ts.server
        .set_credential(&"PLANT-1".into(), &"tech-1".into(), b, "918273")
        .await
        .expect("reset");
    refused_as_revoked(&again, &stale, "after a PIN reset").await;
    assert!(!accepted(&ts, stale.id));

    // Revoking the device withdraws every key on it.
    let (b2, p2) = pin_of("tech-2");
    again.sign_in(b2, p2, None).await.expect("sign in");
    let r = again
        .push(&[start(&dev, "tech-2", "WO-1002")])
        .await
        .expect("push");
    assert!(proved(&r), "{:?}", r.verdicts);
    let stale = again.prove(start(&dev, "tech-2", "WO-1004"));
    revoke_then_push(&ts, &again, &dev, &stale).await;
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_office_people_and_powers_stay_off_handhelds() {
    let ts = TestServer::start().await;
    let (mut c, _) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    // The accountant and the admin never sign in on a handheld.
    for who in ["acct-1", "admin"] {
        let (b, p) = pin_of(who);
        let err = c.sign_in(b, p, None).await.expect_err("not on a handheld");
        assert!(
            matches!(err, ClientError::Api { status: 403, .. }),
            "{who}: {err}"
        );
    }
    // A supervisor's session opened on the handheld does not open the back
    // office: what a shared device holds approves nothing.
    let (b, p) = pin_of("sup-1");
    c.sign_in(b, p, None)
        .await
        .expect("supervisor on the handheld");
    let resp = c
        .http()
        .post(format!("{}/api/v1/work-orders/WO-1001/approve", c.base()))
        .bearer_auth(c.session().expect("session"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("approve");
    assert_eq!(resp.status().as_u16(), 401, "{:?}", resp.text().await);
    let resp = c
        .http()
        .get(format!("{}/api/v1/work-orders", c.base()))
        .bearer_auth(c.session().expect("session"))
        .send()
        .await
        .expect("list");
    assert_eq!(resp.status().as_u16(), 401);
    ts.stop().await;
}

/// A document held for one person's sign-in holds back that person's later
/// documents, not everybody's: one absent person does not stop a shared
/// device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_absent_person_does_not_stop_a_shared_device() {
    let ts = TestServer::start().await;
    let (mut c, dev) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    let (b, p) = pin_of("tech-1");
    c.sign_in(b, p, None).await.expect("sign in");
    // The supervisor never signed in here: their documents carry no proof.
    let theirs = start(&dev, "sup-1", "WO-1002");
    let mine = c.prove(start(&dev, "tech-1", "WO-1002"));
    let theirs_again = start(&dev, "sup-1", "WO-1001");
    let r = c
        .push_as_is(&[theirs.clone(), mine.clone(), theirs_again.clone()])
        .await
        .expect("push");
    let codes: Vec<_> = r.verdicts.iter().map(code).collect();
    assert_eq!(
        codes,
        vec![
            Some(ReasonCode::ProofMissing),
            None,
            Some(ReasonCode::WaitingForEarlier)
        ]
    );
    assert!(accepted(&ts, mine.id) && !accepted(&ts, theirs.id));
    ts.stop().await;
}

/// Whoever can read or write the database but not `chain.key` cannot make
/// proofs: presence keys are kept sealed under it, a key written over a
/// row's proves nothing, and neither does an empty one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_keys_in_the_database_prove_nothing_without_the_chain_key() {
    let ts = TestServer::start().await;
    let (mut c, dev) = enroll_only(&ts, "PLANT-1", "HH-01").await;
    let (b, p) = pin_of("tech-1");
    let key = c
        .sign_in(b, p, None)
        .await
        .expect("sign in")
        .presence
        .expect("a presence key on a device");
    let raw = presence::hex_decode(&key.key).expect("32 bytes");
    let db = rusqlite::Connection::open(ts.dir.path().join("sparescan.db")).expect("database");
    let stored: Vec<u8> = db
        .query_row(
            "SELECT key FROM presence_keys WHERE id = ?1",
            [&key.id],
            |r| r.get(0),
        )
        .expect("the key's row");
    assert!(
        !stored.windows(raw.len()).any(|w| w == raw.as_slice()),
        "the presence key is in the database in the clear: whoever reads it can prove anything in tech-1's name"
    );

    // Writes `stored` (and `revoked_at`) into the key's row, as whoever can
    // write the database would, then pushes tech-1's start of WO-1002
    // proved with `mac_key`: the verdict, and whether it was recorded.
    let plant_and_push = async |stored: &[u8], revoked: Option<&str>, mac_key: &[u8]| {
        db.execute(
            "UPDATE presence_keys SET key = ?1, revoked_at = ?3 WHERE id = ?2",
            rusqlite::params![stored, key.id, revoked],
        )
        .expect("write the key");
        let d = presence::prove(start(&dev, "tech-1", "WO-1002"), (&key.id, mac_key), None);
        let r = c.push_as_is(std::slice::from_ref(&d)).await.expect("push");
        (r.verdicts[0].clone(), accepted(&ts, d.id))
    };
    for planted in [vec![7u8; presence::KEY_LEN], Vec::new()] {
        let (verdict, recorded) = plant_and_push(&planted, None, &planted).await;
        assert_eq!(
            code(&verdict),
            Some(ReasonCode::ProofInvalid),
            "a key of {} bytes written into the database proved a document: {verdict:?}",
            planted.len(),
        );
        assert!(!recorded);
    }
    // A bare key as kept before sealing, withdrawn by the upgrade (migration
    // 0006): it holds the document for tech-1's online sign-in, and proves
    // nothing.
    let (verdict, recorded) = plant_and_push(&raw, Some("2026-01-01T00:00:00.000000Z"), &raw).await;
    assert_eq!(
        code(&verdict),
        Some(ReasonCode::ProofRevoked),
        "{verdict:?}"
    );
    assert!(!recorded);
    // The sealed key put back: tech-1's own proof works again.
    let (verdict, recorded) = plant_and_push(&stored, None, &raw).await;
    assert!(matches!(verdict, Verdict::Accepted { .. }), "{verdict:?}");
    assert!(recorded);
    ts.stop().await;
}
