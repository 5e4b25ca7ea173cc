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
            let code = if prior.same_content(&doc) {
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
        let turn = self.gate.enter(self.role);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            sql::OUTBOX_PUT,
            params![doc.id.to_string(), to_json(&doc), Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
        drop(turn);
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
    ///
    /// Refusals of who vouched for a document, not of the movement
    /// ([`ReasonCode::HELD_FOR_SIGN_IN`]), leave it in the outbox: it is
    /// sent again once its author has signed in online here. The answer is
    /// how many were held; the first one's reason is kept in
    /// [`super::keys::HELD`] for the status line.
    pub fn settle(&mut self, verdicts: &[Verdict]) -> Result<usize, CacheError> {
        let now = Utc::now().to_rfc3339();
        let turn = self.gate.enter(self.role);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut settled = 0;
        let mut held: Vec<&Refusal> = Vec::new();
        for verdict in verdicts {
            if let Verdict::Rejected { refusal, .. } = verdict
                && ReasonCode::HELD_FOR_SIGN_IN.contains(&refusal.code)
            {
                held.push(refusal);
                continue;
            }
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
        // The first held document names whose sign-in they wait for (the
        // later ones only wait behind it).
        let why = held
            .iter()
            .find(|r| r.code != ReasonCode::WaitingForEarlier)
            .or(held.first())
            .map(to_json);
        match &why {
            Some(w) => tx.execute(sql::META_SET, [super::keys::HELD, w.as_str()])?,
            None => tx.execute(sql::META_DEL, [super::keys::HELD])?,
        };
        tx.commit()?;
        drop(turn);
        if settled > 0 {
            self.replay()?;
        }
        Ok(held.len())
    }

    /// Why documents wait in the outbox for a sign-in, if they do.
    pub fn held(&self) -> Result<Option<Refusal>, CacheError> {
        self.meta(super::keys::HELD)?
            .map(|t| from_json("held reason", super::keys::HELD, &t))
            .transpose()
    }

    /// Gives the outbox documents that `user` authored or approved a fresh
    /// MAC with the key they just received here at an online sign-in, so
    /// those held for their sign-in go out again; the other person's MAC on
    /// a document stays as it was. The number changed.
    pub fn reprove(
        &mut self,
        user: &sparescan_core::ids::UserId,
        key_id: &str,
        key: &[u8],
    ) -> Result<usize, CacheError> {
        use sparescan_core::presence::{KeyMac, Proof, mac};
        let mut changed = Vec::new();
        for doc in self.outbox()? {
            let is_author = doc.author == *user;
            let is_approver = doc.approver.as_ref() == Some(user);
            let mine = KeyMac {
                key: key_id.to_owned(),
                mac: mac(key, &doc),
            };
            let proof = match (doc.proof.clone(), is_author, is_approver) {
                (_, false, false) => continue,
                (Some(mut p), a, b) => {
                    if a {
                        p.author = mine.clone();
                    }
                    if b {
                        p.approver = Some(mine);
                    }
                    p
                }
                (None, true, b) => Proof {
                    author: mine.clone(),
                    approver: b.then_some(mine),
                },
                // Only the approver is here: the author's own sign-in
                // proves it.
                (None, false, true) => continue,
            };
            let mut proved = doc;
            proved.proof = Some(proof);
            changed.push(proved);
        }
        let turn = self.gate.enter(self.role);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n = changed.len();
        for doc in changed {
            tx.execute(sql::OUTBOX_SET, params![doc.id.to_string(), to_json(&doc)])?;
        }
        tx.execute(sql::META_DEL, [super::keys::HELD])?;
        tx.commit()?;
        drop(turn);
        Ok(n)
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
        let turn = self.gate.enter(self.role);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(sql::ATTENTION_ARCHIVE, params![id, Utc::now().to_rfc3339()])?;
        tx.execute(sql::ATTENTION_DEL, [&id])?;
        tx.commit()?;
        drop(turn);
        Ok(())
    }
}
