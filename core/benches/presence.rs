//! What the proof of presence costs per document: the device's MAC and the
//! server's check (HMAC-SHA256 over the document without its proof), for a
//! push's typical issue document. Prints µs per document, to set against
//! the sync bench's per-document push time (`cargo bench -p
//! sparescan-server --bench sync`).
//!
//! `cargo bench -p sparescan-core --bench presence`

use chrono::DateTime;
use sparescan_core::document::{Body, Document, Pick};
use sparescan_core::ids::DocId;
use sparescan_core::model::Condition;
use sparescan_core::presence;
use sparescan_core::qty::Qty;
use std::hint::black_box;
use std::time::Instant;

fn issue() -> Document {
    Document {
        id: DocId::new_v7(),
        author: "clerk-1".into(),
        device: "dev-0123456789abcdef".into(),
        site: "PUSH".into(),
        device_time: DateTime::from_timestamp(1_796_000_000, 0).expect("a valid time"),
        work_order: Some("WO-000123".into()),
        line: Some("WO-000123-L2".into()),
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body: Body::Issue {
            pick: Pick {
                item: "ITEM-00042".into(),
                bin: "BIN-0042".into(),
                batch: None,
                serials: vec![],
                qty: Qty::units(1),
                condition: Condition::New,
            },
            holder: Some("tech-1".into()),
        },
    }
}

fn main() {
    let key = [7u8; 32];
    let n = 200_000;
    let docs: Vec<Document> = (0..1000).map(|_| issue()).collect();
    let proven: Vec<Document> = docs
        .iter()
        .map(|d| presence::prove(d.clone(), ("pk-0001", &key), None))
        .collect();
    let bytes = serde_json::to_vec(&proven[0]).map_or(0, |b| b.len());

    let t = Instant::now();
    for i in 0..n {
        black_box(presence::mac(&key, black_box(&docs[i % docs.len()])));
    }
    let mac_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;

    let t = Instant::now();
    let mut ok = 0usize;
    for i in 0..n {
        let d = &proven[i % proven.len()];
        let mac = d.proof.as_ref().map_or("", |p| p.author.mac.as_str());
        ok += usize::from(presence::verify(&key, black_box(d), mac));
    }
    let verify_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    assert_eq!(ok, n, "every proof verifies");
    println!(
        "presence: an issue document of {bytes} bytes: MAC {mac_us:.2} µs, server check {verify_us:.2} µs per document ({n} documents)"
    );
}
