//! The server's rows: bootstrap pages and pulled changes, checked whole and
//! written in short transactions, with their scopes.

use super::error::CacheError;
use super::scope::{self, Scope, Scopes};
use super::{Cache, ROWS_PER_WRITE, keys, sql};
use rusqlite::{OptionalExtension, params};
use serde::de::DeserializeOwned;
use sparescan_core::ids::SiteId;
use sparescan_core::model::Bin;
use sparescan_core::sync::{Row, RowKey};

/// A row ready to be written: key text, entity, scopes and value text.
struct Prepared {
    key: String,
    is_item: bool,
    hot: bool,
    /// `None`: delete the row.
    value: Option<(&'static str, Scopes, String)>,
}

fn prepare(row: &Row) -> Result<Prepared, CacheError> {
    let key = row.key.to_text();
    let value = match &row.value {
        Some(value) => {
            let scopes = scope::of(&row.key, value).map_err(|source| CacheError::Row {
                key: key.clone(),
                source,
            })?;
            Some((row.key.entity(), scopes, value.to_string()))
        }
        None => None,
    };
    Ok(Prepared {
        is_item: matches!(row.key, RowKey::Item(_)),
        hot: matches!(
            row.key,
            RowKey::Policy | RowKey::Bin(_) | RowKey::ClosedUntil
        ),
        key,
        value,
    })
}

impl Cache {
    /// Writes server rows (a bootstrap page or pulled changes); a `None`
    /// value deletes. Every row is checked first: a row whose value is not
    /// of its entity's type refuses the whole batch, naming the row, and
    /// nothing is written. Then they are written [`ROWS_PER_WRITE`] to a
    /// transaction, so a scan's document never waits behind a big page
    /// (rows are idempotent: a batch cut short is written again whole by
    /// the next pull from the old cursor).
    ///
    /// `cursor` is `Some` only at the end of a bootstrap or of a pull: it
    /// is stored with the last rows, and the outbox is replayed on the new
    /// rows. Own documents the server accepted before that pull are in its
    /// rows now, so they leave the overlay.
    pub fn apply_rows(&mut self, rows: &[Row], cursor: Option<u64>) -> Result<(), CacheError> {
        let prepared = rows.iter().map(prepare).collect::<Result<Vec<_>, _>>()?;
        let generation = self.meta_number(keys::ROW_GEN)? as i64;
        let hot = prepared.iter().any(|p| p.hot);
        let mut chunks: Vec<&[Prepared]> = prepared.chunks(ROWS_PER_WRITE).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        let last = chunks.len() - 1;
        for (n, chunk) in chunks.into_iter().enumerate() {
            let turn = self.gate.enter(self.role);
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut put = tx.prepare_cached(sql::ROW_PUT)?;
                let mut del = tx.prepare_cached(sql::ROW_DEL)?;
                let mut codes_del = tx.prepare_cached(sql::CODES_DEL)?;
                let mut codes_put = tx.prepare_cached(sql::CODES_PUT)?;
                for row in chunk {
                    if row.is_item {
                        codes_del.execute([&row.key])?;
                    }
                    match &row.value {
                        Some((entity, scopes, value)) => {
                            put.execute(params![
                                row.key, entity, scopes.a, scopes.b, value, generation
                            ])?;
                            for code in &scopes.codes {
                                codes_put.execute([code, &row.key])?;
                            }
                        }
                        None => {
                            del.execute([&row.key])?;
                        }
                    }
                }
            }
            if n == last
                && let Some(cursor) = cursor
            {
                tx.execute(sql::META_SET, params![keys::CURSOR, cursor.to_string()])?;
                tx.execute(sql::SETTLED_CLEAR, [])?;
            }
            tx.commit()?;
            drop(turn);
        }
        // At the end of a bootstrap or of a pull: what a re-bootstrap did
        // not bring back is gone from the server.
        let swept = match cursor {
            Some(_) => self.sweep_stale_rows()?,
            None => 0,
        };
        if hot || swept > 0 {
            self.load_snapshot()?;
        }
        if cursor.is_some() {
            self.replay()?;
        }
        Ok(())
    }

    /// A re-bootstrap (the server no longer has the changes since the
    /// cursor) that leaves no gap: the cursor goes, so the next round
    /// bootstraps, but the rows stay, and scans are judged on the old site
    /// until each row is written again. The rows this bootstrap does not
    /// bring back (gone from the server since) are swept when its last
    /// page is in. The outbox, settled documents and attention items stay.
    pub fn begin_rebootstrap(&mut self) -> Result<(), CacheError> {
        let next = self.meta_number(keys::ROW_GEN)? + 1;
        let turn = self.gate.enter(self.role);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(sql::META_DEL, [keys::CURSOR])?;
        tx.execute(sql::META_SET, params![keys::ROW_GEN, next.to_string()])?;
        tx.commit()?;
        drop(turn);
        Ok(())
    }

    /// Deletes the rows (and their item codes) older than the current
    /// generation, [`ROWS_PER_WRITE`] to a transaction, walking the table
    /// once; nothing to do unless a re-bootstrap began. Returns how many.
    fn sweep_stale_rows(&mut self) -> Result<u64, CacheError> {
        let generation = self.meta_number(keys::ROW_GEN)?;
        if self.meta_number(keys::SWEPT_GEN)? >= generation {
            return Ok(0);
        }
        let mut after = String::new();
        let mut swept = 0u64;
        loop {
            let turn = self.gate.enter(self.role);
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let stale: Vec<String> = tx
                .prepare_cached(sql::ROWS_STALE_SOME)?
                .query_map(
                    params![generation as i64, after, ROWS_PER_WRITE as i64],
                    |r| r.get(0),
                )?
                .collect::<Result<_, _>>()?;
            {
                let mut del = tx.prepare_cached(sql::ROW_DEL)?;
                let mut codes_del = tx.prepare_cached(sql::CODES_DEL)?;
                for key in &stale {
                    codes_del.execute([key])?;
                    del.execute([key])?;
                }
            }
            if stale.is_empty() {
                tx.execute(
                    sql::META_SET,
                    params![keys::SWEPT_GEN, generation.to_string()],
                )?;
            }
            tx.commit()?;
            drop(turn);
            swept += stale.len() as u64;
            match stale.into_iter().last() {
                Some(last) => after = last,
                None => break,
            }
        }
        log::info!("sync: re-bootstrap done, {swept} rows gone from the server removed");
        Ok(swept)
    }

    pub fn row_count(&self) -> Result<u64, CacheError> {
        let n: i64 = self
            .conn
            .prepare_cached(sql::ROWS_COUNT)?
            .query_row([], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// A stored row, without the overlay.
    fn stored_row<T: DeserializeOwned>(&self, key: &RowKey) -> Result<Option<T>, CacheError> {
        let key = key.to_text();
        let text: Option<String> = self
            .conn
            .prepare_cached(sql::ROW_GET)?
            .query_row([&key], |r| r.get(0))
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(|source| CacheError::Row { key, source }))
            .transpose()
    }

    /// Reads the hot values of the stored rows again.
    pub(super) fn load_snapshot(&mut self) -> Result<(), CacheError> {
        if !self.keeps_view() {
            return Ok(());
        }
        self.snapshot.policy = self.stored_row(&RowKey::Policy)?.unwrap_or_default();
        self.snapshot.closed_until = self.stored_row(&RowKey::ClosedUntil)?;
        *self.snapshot.site.borrow_mut() = self.meta(keys::SITE)?.map(SiteId::from);
        let bins = self.view().scoped::<Bin>("bin", Scope::AnyA)?;
        self.snapshot.bins = bins.into_iter().map(|(_, b)| (b.id.clone(), b)).collect();
        Ok(())
    }
}
