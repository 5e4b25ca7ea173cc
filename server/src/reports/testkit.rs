//! A small ledger for the reports' unit tests: the demo site, its seed
//! documents at a fixed time, and a helper to add documents.

use crate::demo;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sparescan_core::document::*;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::Condition;
use sparescan_core::qty::Qty;
use sparescan_core::view::Accepted;

/// Monday 2026-03-02 12:00 UTC: the seed runs from 09:05 to 09:40 and
/// completes WO-1005 at 09:40 with terminals and the old controller out.
pub fn seed_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub struct Kit {
    pub ledger: MemoryLedger,
    /// Device time of the next document.
    pub t: DateTime<Utc>,
}

impl Kit {
    pub fn seeded() -> Kit {
        Kit::seeded_with(demo::site())
    }

    /// The seed over the demo's master data as `master` changed it.
    pub fn seeded_with(master: sparescan_core::model::MasterData) -> Kit {
        let mut ledger = MemoryLedger::new(master);
        for d in demo::seed_documents(seed_time()) {
            if let Err(r) = ledger.submit(d) {
                panic!("seed refused: {} {}", r.code, r.message);
            }
        }
        Kit {
            ledger,
            t: seed_time(),
        }
    }

    /// A document `minutes` after the previous one.
    pub fn doc_after(
        &mut self,
        minutes: i64,
        author: &str,
        wo: Option<&str>,
        line: Option<&str>,
        body: Body,
    ) -> Document {
        self.t += Duration::minutes(minutes);
        Document {
            id: DocId::new_v7(),
            author: author.into(),
            device: "test".into(),
            site: demo::SITE.into(),
            device_time: self.t,
            work_order: wo.map(Into::into),
            line: line.map(Into::into),
            reason: None,
            reason_code: None,
            approver: None,
            follows: None,
            proof: None,
            body,
        }
    }

    pub fn doc(
        &mut self,
        author: &str,
        wo: Option<&str>,
        line: Option<&str>,
        body: Body,
    ) -> Document {
        self.doc_after(1, author, wo, line, body)
    }

    /// Submits a document that must be accepted.
    pub fn ok(&mut self, doc: Document) -> DocId {
        let id = doc.id;
        if let Err(r) = self.ledger.submit(doc) {
            panic!("refused: {} {} ({})", r.code, r.message, r.what_to_do);
        }
        id
    }

    pub fn docs(&self) -> Vec<Accepted> {
        self.ledger.accepted_docs().cloned().collect()
    }

    /// The accepted document of a kind whose body mentions `needle`.
    pub fn find(&self, kind: DocKind, needle: &str) -> DocId {
        self.ledger
            .accepted_docs()
            .find(|a| {
                a.doc.kind() == kind
                    && serde_json::to_string(&a.doc.body).is_ok_and(|s| s.contains(needle))
            })
            .map(|a| a.doc.id)
            .expect("document in the seed")
    }
}

pub fn pick(item: &str, bin: &str, qty: i64, serials: &[&str]) -> Pick {
    Pick {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        serials: serials.iter().map(|s| SerialNo::from(*s)).collect(),
        qty: Qty::units(qty),
        condition: Condition::New,
    }
}

pub fn q(n: i64) -> Qty {
    Qty::units(n)
}
