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
                            put.execute(params![row.key, entity, scopes.a, scopes.b, value])?;
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
        if hot {
            self.load_snapshot()?;
        }
        if cursor.is_some() {
            self.replay()?;
        }
        Ok(())
    }

    /// Drops every server row and the cursor before a re-bootstrap, a
    /// chunk at a time (a million rows in one transaction would hold the
    /// write lock for seconds). The cursor goes first, so a clear cut short
    /// is finished by the next bootstrap. The outbox, settled documents and
    /// attention items stay.
    pub fn clear_rows(&mut self) -> Result<(), CacheError> {
        self.set_meta(keys::CURSOR, None)?;
        for statement in [sql::ROWS_CLEAR_SOME, sql::CODES_CLEAR_SOME] {
            loop {
                let turn = self.gate.enter(self.role);
                let n = self
                    .conn
                    .prepare_cached(statement)?
                    .execute([ROWS_PER_WRITE as i64])?;
                drop(turn);
                if n == 0 {
                    break;
                }
            }
        }
        self.load_snapshot()?;
        self.replay()
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
