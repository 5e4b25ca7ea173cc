//! Crash safety: the real server process is killed with SIGKILL at random
//! points during a push load and restarted; every document the client sent
//! is then either recorded exactly once or absent and sent again — never
//! lost once acknowledged, never recorded twice — and the projections still
//! match the ledger.
//!
//! `KILL_TRIALS` sets the number of kills (default 50).

use rand::Rng;
use sparescan_client::Client;
use sparescan_core::document::{Body, Document};
use sparescan_core::ids::DocId;
use sparescan_core::model::Condition;
use sparescan_core::qty::Qty;
use sparescan_core::sync::Verdict;
use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_sparescan-server");

mod common;
use common::start_demo_binary as start;

fn count(device: &str, n: u64) -> Document {
    Document {
        id: DocId::new_v7(),
        author: "clerk-1".into(),
        device: device.into(),
        site: "PLANT-1".into(),
        device_time: chrono::Utc::now(),
        work_order: None,
        line: None,
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body: Body::Count {
            item: "BRG-6204".into(),
            bin: "A-02".into(),
            batch: None,
            condition: Condition::New,
            counted: Qty::units((n % 7) as i64),
            adjust: false,
        },
    }
}

/// What the client knows of each document it sent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Known {
    Acknowledged(u64),
    Unknown,
}

/// Records the verdicts; returns how many documents the client had not
/// heard back about yet that turn out to be recorded already (the server
/// died after committing, before answering).
fn check(verdicts: &[Verdict], docs: &[Document], known: &mut HashMap<DocId, Known>) -> usize {
    assert_eq!(verdicts.len(), docs.len(), "one verdict per document");
    let mut committed_unanswered = 0;
    for (v, d) in verdicts.iter().zip(docs) {
        assert_eq!(v.id(), d.id);
        let seq = match v {
            Verdict::Accepted { seq, .. } | Verdict::Duplicate { seq, .. } => *seq,
            Verdict::Rejected { refusal, .. } => panic!("count refused: {}", refusal.message),
        };
        match known.get(&d.id) {
            Some(Known::Acknowledged(before)) => {
                assert_eq!(*before, seq, "a document's sequence never changes")
            }
            Some(Known::Unknown) if matches!(v, Verdict::Duplicate { .. }) => {
                committed_unanswered += 1
            }
            _ => {}
        }
        known.insert(d.id, Known::Acknowledged(seq));
    }
    committed_unanswered
}

#[test]
fn kill_during_push_loses_and_duplicates_nothing() {
    let trials: usize = std::env::var("KILL_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    let mut proc = start(dir.path());
    let ca = std::fs::read(dir.path().join("tls/ca.pem")).expect("CA");
    let out = Command::new(BIN)
        .args(["enroll-device", "--site", "PLANT-1"])
        .env("SPARESCAN_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("enroll-device");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    // The clerk signs in on the device once: every count carries their
    // proof of presence.
    let (token, device, key) = rt.block_on(async {
        let mut c = Client::new(&proc.base, &ca).expect("client");
        let e = c.enroll(&code, "kill-test").await.expect("enroll");
        let signed = c.sign_in("B-2001", "3333", None).await.expect("sign in");
        let key = signed.presence.expect("presence key");
        let raw = sparescan_core::presence::hex_decode(&key.key).expect("key");
        (e.token, e.device_id, (key.id, raw))
    });

    let mut known: HashMap<DocId, Known> = HashMap::new();
    let mut sent: HashMap<DocId, Document> = HashMap::new();
    let mut n = 0u64;
    let mut rng = rand::rng();
    let mut kills_mid_push = 0;
    let mut committed_unanswered = 0;
    for _ in 0..trials {
        let client = Client::new(&proc.base, &ca)
            .expect("client")
            .with_device_token(&token);
        // Everything not yet acknowledged goes first, as a device's outbox.
        let mut outbox: Vec<Document> = known
            .iter()
            .filter(|(_, k)| **k == Known::Unknown)
            .map(|(id, _)| sent[id].clone())
            .collect();
        outbox.sort_by_key(|d| d.id);
        let kill_after = Duration::from_millis(rng.random_range(5..120));
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let load = {
            let client = client.clone();
            let device = device.clone();
            let key = key.clone();
            let mut known = known.clone();
            let mut sent = sent.clone();
            let mut n = n;
            rt.spawn(async move {
                let mut batch = outbox;
                let mut died_mid_push = false;
                let mut dups = 0;
                loop {
                    while batch.len() < 20 {
                        n += 1;
                        batch.push(sparescan_core::presence::prove(
                            count(&device, n),
                            (&key.0, &key.1),
                            None,
                        ));
                    }
                    for d in &batch {
                        sent.insert(d.id, d.clone());
                        known.entry(d.id).or_insert(Known::Unknown);
                    }
                    match client.push(&batch).await {
                        Ok(r) => dups += check(&r.verdicts, &batch, &mut known),
                        Err(_) => {
                            died_mid_push = true;
                            break;
                        }
                    }
                    batch = Vec::new();
                    if stop_rx.try_recv().is_ok() {
                        break;
                    }
                }
                (known, sent, n, died_mid_push, dups)
            })
        };
        std::thread::sleep(kill_after);
        proc.child.kill().expect("SIGKILL");
        proc.child.wait().expect("reap");
        let _ = stop_tx.send(());
        let (k, s, last, died, dups) = rt.block_on(load).expect("load task");
        committed_unanswered += dups;
        known = k;
        sent = s;
        n = last;
        if died {
            kills_mid_push += 1;
        }
        proc = start(dir.path());
    }

    // Drain the outbox against the last restart.
    let client = Client::new(&proc.base, &ca)
        .expect("client")
        .with_device_token(&token);
    let mut outbox: Vec<Document> = known
        .iter()
        .filter(|(_, k)| **k == Known::Unknown)
        .map(|(id, _)| sent[id].clone())
        .collect();
    outbox.sort_by_key(|d| d.id);
    for chunk in outbox.chunks(100) {
        let r = rt.block_on(client.push(chunk)).expect("push after restart");
        committed_unanswered += check(&r.verdicts, chunk, &mut known);
    }
    proc.child.kill().expect("stop");
    proc.child.wait().expect("reap");

    // Every document sent is in the ledger exactly once, at the sequence
    // the client was told.
    let db = rusqlite::Connection::open(dir.path().join("sparescan.db")).expect("db");
    let mut by_id: HashMap<String, (i64, i64)> = HashMap::new();
    {
        let mut stmt = db.prepare("SELECT id, seq FROM documents").expect("query");
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .expect("rows");
        for row in rows {
            let (id, seq) = row.expect("row");
            let e = by_id.entry(id).or_insert((0, seq));
            e.0 += 1;
        }
    }
    let mut counts_recorded = 0;
    for (id, k) in &known {
        let Known::Acknowledged(seq) = k else {
            panic!("document {id} never acknowledged");
        };
        let (times, stored_seq) = by_id.get(&id.to_string()).copied().unwrap_or((0, 0));
        assert_eq!(times, 1, "document {id} recorded {times} times");
        assert_eq!(stored_seq as u64, *seq, "document {id} at another sequence");
        counts_recorded += 1;
    }
    drop(db);
    let verify = Command::new(BIN)
        .arg("verify")
        .env("SPARESCAN_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("verify");
    assert!(
        verify.status.success(),
        "verify: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    println!(
        "kill test: {trials} kills ({kills_mid_push} during a push), {counts_recorded} documents sent, each recorded exactly once; {committed_unanswered} committed before the answer was lost came back as duplicates on retry; verify clean"
    );
}
