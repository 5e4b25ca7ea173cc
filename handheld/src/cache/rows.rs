//! The server's rows: bootstrap pages and pulled changes written in one
//! transaction each, with their scopes.

use super::error::CacheError;
use super::scope::{self, Scope};
use super::{Cache, keys, sql};
use rusqlite::{OptionalExtension, params};
use serde::de::DeserializeOwned;
use sparescan_core::ids::SiteId;
use sparescan_core::model::Bin;
use sparescan_core::sync::{Row, RowKey};

impl Cache {
    /// Writes server rows (a bootstrap page or pulled changes) in one
    /// transaction; a `None` value deletes. A row whose value is not of its
    /// entity's type refuses the whole batch, naming the row.
    ///
    /// `cursor` is `Some` only at the end of a bootstrap or of a pull: it
    /// is stored, and the outbox is replayed on the new rows. Own documents
    /// the server accepted before that pull are in its rows now, so they
    /// leave the overlay.
    pub fn apply_rows(&mut self, rows: &[Row], cursor: Option<u64>) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        let mut hot = false;
        {
            let mut put = tx.prepare_cached(sql::ROW_PUT)?;
            let mut del = tx.prepare_cached(sql::ROW_DEL)?;
            let mut codes_del = tx.prepare_cached(sql::CODES_DEL)?;
            let mut codes_put = tx.prepare_cached(sql::CODES_PUT)?;
            for row in rows {
                let key = row.key.to_text();
                hot |= matches!(
                    row.key,
                    RowKey::Policy | RowKey::Bin(_) | RowKey::ClosedUntil
                );
                if matches!(row.key, RowKey::Item(_)) {
                    codes_del.execute([&key])?;
                }
                match &row.value {
                    Some(value) => {
                        let scopes =
                            scope::of(&row.key, value).map_err(|source| CacheError::Row {
                                key: key.clone(),
                                source,
                            })?;
                        put.execute(params![
                            key,
                            row.key.entity(),
                            scopes.a,
                            scopes.b,
                            value.to_string()
                        ])?;
                        for code in &scopes.codes {
                            codes_put.execute([code, &key])?;
                        }
                    }
                    None => {
                        del.execute([&key])?;
                    }
                }
            }
        }
        if let Some(cursor) = cursor {
            tx.execute(sql::META_SET, params![keys::CURSOR, cursor.to_string()])?;
            tx.execute(sql::SETTLED_CLEAR, [])?;
        }
        tx.commit()?;
        if hot {
            self.load_snapshot()?;
        }
        if cursor.is_some() {
            self.replay()?;
        }
        Ok(())
    }

    /// Drops every server row and the cursor before a re-bootstrap. The
    /// outbox, settled documents and attention items stay.
    pub fn clear_rows(&mut self) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        tx.execute(sql::ROWS_CLEAR, [])?;
        tx.execute(sql::CODES_CLEAR, [])?;
        tx.execute(sql::META_DEL, [keys::CURSOR])?;
        tx.commit()?;
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
        self.snapshot.policy = self.stored_row(&RowKey::Policy)?.unwrap_or_default();
        self.snapshot.closed_until = self.stored_row(&RowKey::ClosedUntil)?;
        *self.snapshot.site.borrow_mut() = self.meta(keys::SITE)?.map(SiteId::from);
        let bins = self.view().scoped::<Bin>("bin", Scope::AnyA)?;
        self.snapshot.bins = bins.into_iter().map(|(_, b)| (b.id.clone(), b)).collect();
        Ok(())
    }
}
