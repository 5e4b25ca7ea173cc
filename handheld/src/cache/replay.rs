//! Replaying the outbox: each document judged by the core rules against the
//! rows as the documents before it left them, and its effects put into the
//! overlay. Effects are applied by a scratch `MemoryLedger` holding just the
//! rows they touch, so the arithmetic is the core's own.

use super::error::CacheError;
use super::overlay::Entry;
use super::scope;
use super::view::CacheView;
use super::{Cache, Local, sql};
use sparescan_core::document::Document;
use sparescan_core::effect::Effect;
use sparescan_core::ids::DocId;
use sparescan_core::memory::{MemoryLedger, touched};
use sparescan_core::model::Holding;
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::rules::{self, EffectsError, Judgement, Outcome};
use sparescan_core::sync::{Row, RowKey};
use sparescan_core::view::Accepted;
use std::collections::BTreeSet;

/// Overlay entries, by row key text.
pub(super) type Entries = Vec<(String, Entry)>;

/// The overlay entries that `effects` of document `by` produce on the
/// current view, or why they do not apply (the refusal a store gives).
pub(super) fn effect_entries(
    view: &CacheView<'_>,
    by: DocId,
    effects: &[Effect],
) -> Result<Result<Entries, Refusal>, CacheError> {
    match rules::check_effects(view, effects) {
        Ok(()) => {}
        Err(EffectsError::Conflict(why)) => {
            return Ok(Err(Refusal::new(ReasonCode::NotReversible).detail(why)));
        }
        Err(EffectsError::Storage(e)) => return Err(e.into()),
    }
    let touched = touched(effects);
    // Besides the touched rows, the checks `apply_effects` repeats read an
    // emergency's link and a line's counters.
    let mut needed: BTreeSet<RowKey> = touched.clone();
    for e in effects {
        match e {
            Effect::InWork { key, .. } => {
                if let Holding::Emergency(doc) = &key.holding {
                    needed.insert(RowKey::Emergency(*doc));
                }
            }
            Effect::Line { id, .. } => {
                needed.insert(RowKey::LineCounts(id.clone()));
            }
            _ => {}
        }
    }
    let mut rows = Vec::with_capacity(needed.len());
    for key in needed {
        let value = view.raw(&key)?;
        rows.push(Row { key, value });
    }
    let mut scratch = MemoryLedger::from_rows(rows).map_err(|e| CacheError::Row {
        key: e.key,
        source: e.source,
    })?;
    if let Err(e) = scratch.apply_effects(by, effects) {
        return Ok(Err(Refusal::new(ReasonCode::NotReversible).detail(e.0)));
    }
    let mut entries = Vec::with_capacity(touched.len());
    for key in touched {
        let value = scratch.row(&key);
        // A reversed document that has no row here (a local one, or a kind
        // the server keeps to itself) gets none: document rows are never
        // deleted, and the reversal row answers for it.
        if matches!(key, RowKey::Document(_)) && value.is_none() {
            continue;
        }
        let scopes = match &value {
            Some(v) => scope::of(&key, v).map_err(|source| CacheError::Apply {
                doc: by.to_string(),
                why: format!("row {} after the effects: {source}", key.to_text()),
            })?,
            None => scope::Scopes::default(),
        };
        entries.push((
            key.to_text(),
            Entry {
                kind: key.entity(),
                scopes,
                value,
            },
        ));
    }
    Ok(Ok(entries))
}

impl Cache {
    /// The rules' verdict on `doc` against the current view, with the
    /// overlay entries of its effects.
    pub(super) fn judge(
        &self,
        doc: &Document,
    ) -> Result<Result<(Outcome, Entries), Refusal>, CacheError> {
        let view = self.view();
        // A storage failure is the cache's error, not a refusal.
        let outcome = match rules::evaluate(&view, doc) {
            Ok(outcome) => outcome,
            Err(Judgement::Refused(refusal)) => return Ok(Err(refusal)),
            Err(Judgement::Storage(e)) => return Err(e.into()),
        };
        Ok(effect_entries(&view, doc.id, &outcome.effects)?.map(|entries| (outcome, entries)))
    }

    pub(super) fn overlay_put(&mut self, entries: Entries) {
        for (key, entry) in entries {
            self.overlay.put(key, entry);
        }
    }

    /// Recomputes the overlay from the stored rows: first the effects of
    /// own documents the server accepted whose rows have not been pulled
    /// yet, then every outbox document in order, judged again.
    pub(super) fn replay(&mut self) -> Result<(), CacheError> {
        if !self.keeps_view() {
            return Ok(());
        }
        self.overlay.clear();
        self.local = Local::default();
        for acc in self.settled_docs()? {
            let applied = effect_entries(&self.view(), acc.doc.id, &acc.effects)?;
            match applied {
                Ok(entries) => self.overlay_put(entries),
                // The pulled rows moved on; the next pull brings the truth.
                Err(refusal) => log::warn!(
                    "settled document {} no longer applies to the rows: {}",
                    acc.doc.id,
                    refusal.message
                ),
            }
        }
        for doc in self.outbox()? {
            match self.judge(&doc)? {
                Ok((outcome, entries)) => {
                    self.overlay_put(entries);
                    self.local
                        .accepted
                        .insert(doc.id, local_accepted(doc, outcome));
                }
                Err(refusal) => {
                    log::warn!(
                        "outbox document {} is refused on the current rows: {} {}",
                        doc.id,
                        refusal.code,
                        refusal.message
                    );
                    self.local.refused.push((doc.id, refusal));
                }
            }
        }
        Ok(())
    }

    /// Own documents the server accepted, waiting for the pull, in ledger
    /// order.
    pub(super) fn settled_docs(&self) -> Result<Vec<Accepted>, CacheError> {
        let mut stmt = self.conn.prepare_cached(sql::SETTLED_ALL)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let text: String = row.get(1)?;
            let acc = serde_json::from_str(&text).map_err(|source| CacheError::Record {
                what: "settled document",
                id,
                source,
            })?;
            out.push(acc);
        }
        Ok(out)
    }
}

/// An outbox document as the view shows it: accepted here, not yet in the
/// server's ledger (seq 0).
pub(super) fn local_accepted(doc: Document, outcome: Outcome) -> Accepted {
    Accepted {
        doc,
        effects: outcome.effects,
        seq: 0,
        reversed_by: None,
    }
}
