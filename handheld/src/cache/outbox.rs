//! The outbox: documents recorded on the device, durable before their
//! verdict is shown, until the server settles them — accepted (kept until
//! the pull brings its rows) or rejected (to the attention list).

use super::error::CacheError;
use super::lookups::AttentionItem;
use super::replay::local_accepted;
use super::{Cache, sql};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sparescan_core::document::Document;
use sparescan_core::ids::DocId;
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::rules::Outcome;
use sparescan_core::sync::Verdict;
use sparescan_core::view::Accepted;

fn to_json<T: Serialize>(v: &T) -> String {
    // Plain data types always serialise.
    serde_json::to_string(v).unwrap_or_default()
}

fn from_json<T: DeserializeOwned>(
    what: &'static str,
    id: &str,
    text: &str,
) -> Result<T, CacheError> {
    serde_json::from_str(text).map_err(|source| CacheError::Record {
        what,
        id: id.to_owned(),
        source,
    })
}

pub(super) fn parse_time(id: &str, text: &str) -> Result<DateTime<Utc>, CacheError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| CacheError::Meta {
            key: format!("time of attention item {id}"),
            value: text.to_owned(),
        })
}

impl Cache {
    /// Judges a new document against the view. Accepted: appended to the
    /// outbox and synced to disk before this returns, its effects shown at
    /// once. Refused: nothing is stored.
    pub fn submit(&mut self, doc: Document) -> Result<Result<Outcome, Refusal>, CacheError> {
        // An outbox document the rules refuse now is not in the view's
        // accepted documents, but its id is taken all the same.
        if let Some(prior) = self.outbox_doc(&doc.id)? {
            let code = if prior == doc {
                ReasonCode::Duplicate
            } else {
                ReasonCode::IdReused
            };
            return Ok(Err(Refusal::new(code).related(doc.id)));
        }
        let (outcome, entries) = match self.judge(&doc)? {
            Ok(judged) => judged,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let tx = self.conn.transaction()?;
        tx.execute(
            sql::OUTBOX_PUT,
            params![doc.id.to_string(), to_json(&doc), Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
        self.overlay_put(entries);
        self.local
            .accepted
            .insert(doc.id, local_accepted(doc, outcome.clone()));
        Ok(Ok(outcome))
    }

    fn outbox_doc(&self, id: &DocId) -> Result<Option<Document>, CacheError> {
        let id = id.to_string();
        let text: Option<String> = self
            .conn
            .prepare_cached(sql::OUTBOX_GET)?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        text.map(|t| from_json("outbox document", &id, &t))
            .transpose()
    }

    /// Documents waiting for the server, in submission order.
    pub fn outbox(&self) -> Result<Vec<Document>, CacheError> {
        let mut stmt = self.conn.prepare_cached(sql::OUTBOX_ALL)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let text: String = row.get(1)?;
            out.push(from_json("outbox document", &id, &text)?);
        }
        Ok(out)
    }

    pub fn outbox_len(&self) -> Result<u64, CacheError> {
        let n: i64 = self
            .conn
            .prepare_cached(sql::OUTBOX_COUNT)?
            .query_row([], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// The server's verdicts on pushed documents, in one transaction.
    /// Accepted or duplicate: the document leaves the outbox and is kept,
    /// with the server's seq, until the next pull brings its rows (its
    /// effects stay shown meanwhile). Rejected: it leaves the outbox for
    /// the attention list with the refusal. Verdicts for documents not in
    /// the outbox are ignored. The remaining outbox is replayed.
    pub fn settle(&mut self, verdicts: &[Verdict]) -> Result<(), CacheError> {
        let now = Utc::now().to_rfc3339();
        let tx = self.conn.transaction()?;
        let mut settled = 0;
        for verdict in verdicts {
            let id = verdict.id().to_string();
            let text: Option<String> = tx
                .prepare_cached(sql::OUTBOX_GET)?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            let Some(text) = text else {
                log::info!("verdict for {id}, which is not in the outbox: ignored");
                continue;
            };
            match verdict {
                Verdict::Accepted { seq, .. } | Verdict::Duplicate { seq, .. } => {
                    let doc: Document = from_json("outbox document", &id, &text)?;
                    // The effects judged here; the server's arrive with the
                    // pull.
                    let effects = self
                        .local
                        .accepted
                        .get(&doc.id)
                        .map(|a| a.effects.clone())
                        .unwrap_or_default();
                    let acc = Accepted {
                        doc,
                        effects,
                        seq: *seq,
                        reversed_by: None,
                    };
                    let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
                    tx.execute(sql::SETTLED_PUT, params![id, seq, to_json(&acc)])?;
                }
                Verdict::Rejected { refusal, .. } => {
                    tx.execute(sql::ATTENTION_PUT, params![id, text, to_json(refusal), now])?;
                }
            }
            tx.execute(sql::OUTBOX_DEL, [&id])?;
            settled += 1;
        }
        tx.commit()?;
        if settled > 0 {
            self.replay()?;
        }
        Ok(())
    }

    /// Documents the server rejected, newest first.
    pub fn attention(&self) -> Result<Vec<AttentionItem>, CacheError> {
        let mut stmt = self.conn.prepare_cached(sql::ATTENTION_ALL)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let doc: String = row.get(1)?;
            let refusal: String = row.get(2)?;
            let at: String = row.get(3)?;
            out.push(AttentionItem {
                doc: from_json("attention document", &id, &doc)?,
                refusal: from_json("refusal of document", &id, &refusal)?,
                at: parse_time(&id, &at)?,
            });
        }
        Ok(out)
    }

    /// The user dealt with a rejected document: it moves to the archive
    /// (kept; its refusal still answers `refused`). Unknown ids change
    /// nothing.
    pub fn resolve_attention(&mut self, id: DocId) -> Result<(), CacheError> {
        let id = id.to_string();
        let tx = self.conn.transaction()?;
        tx.execute(sql::ATTENTION_ARCHIVE, params![id, Utc::now().to_rfc3339()])?;
        tx.execute(sql::ATTENTION_DEL, [&id])?;
        tx.commit()?;
        Ok(())
    }
}
