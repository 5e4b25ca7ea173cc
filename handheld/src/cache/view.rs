//! The view the rules judge against: the server's rows in SQLite, each
//! look-up one indexed statement, with the overlay (the outbox's effects)
//! on top. The overlay wins over a stored row; a `None` in it hides one.

use super::error::CacheError;
use super::scope::{self, Scope};
use super::{Cache, sql};
use rusqlite::OptionalExtension;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sparescan_core::ids::*;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::sync::RowKey;
use sparescan_core::view::{Accepted, LedgerView};

/// The cache as the rules see it (snapshot plus outbox).
#[derive(Clone, Copy)]
pub struct CacheView<'c> {
    pub(super) cache: &'c Cache,
}

/// What a listing does with a row that does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bad {
    /// Fail, naming the row (the device look-ups).
    Fail,
    /// Log it and leave it out (the rules' view cannot return errors).
    Skip,
}

fn decode<T: DeserializeOwned>(key: &str, text: &str) -> Result<T, CacheError> {
    serde_json::from_str(text).map_err(|source| CacheError::Row {
        key: key.to_owned(),
        source,
    })
}

fn decode_value<T: DeserializeOwned>(key: &str, value: &Value) -> Result<T, CacheError> {
    T::deserialize(value).map_err(|source| CacheError::Row {
        key: key.to_owned(),
        source,
    })
}

fn parse_key(key: &str) -> Result<RowKey, CacheError> {
    RowKey::from_text(key).map_err(|source| CacheError::Key {
        key: key.to_owned(),
        source,
    })
}

/// The rules' view cannot fail: a broken row is logged and reads as
/// missing.
fn or_log<T: Default>(result: Result<T, CacheError>) -> T {
    result.unwrap_or_else(|e| {
        log::error!("cache: {e}");
        T::default()
    })
}

impl<'c> CacheView<'c> {
    /// The current value of one row, decoded.
    pub(super) fn get<T: DeserializeOwned>(&self, key: &RowKey) -> Result<Option<T>, CacheError> {
        let text = key.to_text();
        if let Some(entry) = self.cache.overlay.get(&text) {
            return entry
                .value
                .as_ref()
                .map(|v| decode_value(&text, v))
                .transpose();
        }
        self.stored(&text)?
            .map(|stored| decode(&text, &stored))
            .transpose()
    }

    /// The current value of one row as JSON (for the scratch ledger that
    /// applies effects).
    pub(super) fn raw(&self, key: &RowKey) -> Result<Option<Value>, CacheError> {
        self.get(key)
    }

    fn stored(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(self
            .cache
            .conn
            .prepare_cached(sql::ROW_GET)?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// The rows of `kind` matching `scope`, stored and overlaid, in key
    /// order (the order a `MemoryLedger` answers in).
    pub(super) fn scoped<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        scope: Scope<'_>,
        bad: Bad,
    ) -> Result<Vec<(RowKey, T)>, CacheError> {
        let overlay = &self.cache.overlay;
        let mut out = Vec::new();
        let mut keep = |decoded: Result<(RowKey, T), CacheError>| match decoded {
            Ok(row) => {
                out.push(row);
                Ok(())
            }
            Err(e) if bad == Bad::Skip => {
                log::error!("cache: {e} (left out)");
                Ok(())
            }
            Err(e) => Err(e),
        };
        let (statement, arg) = match scope {
            Scope::A(v) => (sql::ROWS_BY_A, Some(v)),
            Scope::B(v) => (sql::ROWS_BY_B, Some(v)),
            Scope::AnyA => (sql::ROWS_WITH_A, None),
            Scope::AnyB => (sql::ROWS_WITH_B, None),
        };
        let mut stmt = self.cache.conn.prepare_cached(statement)?;
        let mut rows = match arg {
            Some(v) => stmt.query(rusqlite::params![kind, v])?,
            None => stmt.query([kind])?,
        };
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            if overlay.contains(&key) {
                continue;
            }
            let value: String = row.get(1)?;
            let decoded = parse_key(&key).and_then(|k| Ok((k, decode(&key, &value)?)));
            keep(decoded)?;
        }
        for (key, value) in overlay.scoped(kind, scope) {
            let decoded = parse_key(key).and_then(|k| Ok((k, decode_value(key, value)?)));
            keep(decoded)?;
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn values<T: DeserializeOwned>(&self, kind: &'static str, scope: Scope<'_>) -> Vec<T> {
        or_log(self.scoped(kind, scope, Bad::Skip))
            .into_iter()
            .map(|(_, v)| v)
            .collect()
    }

    /// An accepted document: one of the outbox (accepted here, seq 0), a
    /// document row from the server, or an own document the server
    /// accepted whose row has not arrived yet; `reversed_by` as the
    /// reversal rows say now.
    pub(super) fn accepted_doc(&self, id: &DocId) -> Result<Option<Accepted>, CacheError> {
        let base = match self.cache.local.accepted.get(id) {
            Some(acc) => Some(acc.clone()),
            None => match self.get::<Accepted>(&RowKey::Document(*id))? {
                // Only followable documents are kept, as in a MemoryLedger.
                Some(acc) => Some(acc).filter(|a| a.doc.kind().is_followable()),
                None => self.settled(id)?,
            },
        };
        let Some(mut acc) = base else {
            return Ok(None);
        };
        if let Some(by) = self.get::<DocId>(&RowKey::Reversed(*id))? {
            acc.reversed_by = Some(by);
        }
        Ok(Some(acc))
    }

    fn settled(&self, id: &DocId) -> Result<Option<Accepted>, CacheError> {
        let id = id.to_string();
        let text: Option<String> = self
            .cache
            .conn
            .prepare_cached(sql::SETTLED_GET)?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|source| CacheError::Record {
                what: "settled document",
                id,
                source,
            })
        })
        .transpose()
    }

    /// Why the server refused a document, if it did (attention items, open
    /// or resolved).
    pub(super) fn refusal(&self, id: &DocId) -> Result<Option<Refusal>, CacheError> {
        let id = id.to_string();
        let text: Option<String> = self
            .cache
            .conn
            .prepare_cached(sql::ATTENTION_REFUSAL)?
            .query_row([&id], |r| r.get(0))
            .optional()?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|source| CacheError::Record {
                what: "refusal of document",
                id,
                source,
            })
        })
        .transpose()
    }
}

impl LedgerView for CacheView<'_> {
    fn policy(&self) -> SitePolicy {
        self.cache.snapshot.policy.clone()
    }
    fn site(&self) -> Option<SiteId> {
        self.cache.snapshot.site.borrow().clone()
    }
    fn closed_until(&self) -> Option<chrono::NaiveDate> {
        match self.cache.overlay.get(&RowKey::ClosedUntil.to_text()) {
            Some(_) => or_log(self.get(&RowKey::ClosedUntil)),
            None => self.cache.snapshot.closed_until,
        }
    }

    fn user(&self, id: &UserId) -> Option<User> {
        or_log(self.get(&RowKey::User(id.clone())))
    }
    fn item(&self, id: &ItemId) -> Option<Item> {
        or_log(self.get(&RowKey::Item(id.clone())))
    }
    fn bin(&self, id: &BinId) -> Option<Bin> {
        // Bins are master data: never in the overlay, kept in memory.
        self.cache.snapshot.bins.get(id).cloned()
    }
    fn warehouse(&self, id: &WarehouseId) -> Option<Warehouse> {
        or_log(self.get(&RowKey::Warehouse(id.clone())))
    }
    fn batch(&self, item: &ItemId, code: &BatchCode) -> Option<Batch> {
        or_log(self.get(&RowKey::Batch(item.clone(), code.clone())))
    }
    fn asset(&self, id: &AssetId) -> Option<Asset> {
        or_log(self.get(&RowKey::Asset(id.clone())))
    }
    fn work_order(&self, id: &WorkOrderId) -> Option<WorkOrder> {
        or_log(self.get(&RowKey::WorkOrder(id.clone())))
    }
    fn line(&self, id: &DemandLineId) -> Option<DemandLine> {
        or_log(self.get(&RowKey::Line(id.clone())))
    }
    fn lines_of(&self, wo: &WorkOrderId) -> Vec<DemandLine> {
        self.values("line", Scope::A(wo.as_str()))
    }
    fn line_counts(&self, id: &DemandLineId) -> LineCounts {
        or_log(self.get(&RowKey::LineCounts(id.clone()))).unwrap_or_default()
    }

    fn stock(&self, key: &StockKey) -> Qty {
        or_log(self.get(&RowKey::Stock(key.clone()))).unwrap_or_default()
    }
    fn usable_stock(&self, item: &ItemId, warehouse: &WarehouseId) -> Vec<(StockKey, Qty)> {
        let bins = &self.cache.snapshot.bins;
        or_log(self.scoped::<Qty>("stock", Scope::A(item.as_str()), Bad::Skip))
            .into_iter()
            .filter_map(|(key, q)| match key {
                RowKey::Stock(k) => Some((k, q)),
                _ => None,
            })
            .filter(|(k, q)| {
                q.is_positive()
                    && k.condition.is_usable()
                    && bins
                        .get(&k.bin)
                        .is_some_and(|b| b.warehouse == *warehouse && b.zone.is_available())
            })
            .collect()
    }
    fn in_work(&self, key: &InWorkKey) -> Qty {
        or_log(self.get(&RowKey::InWork(key.clone()))).unwrap_or_default()
    }
    fn in_work_of(&self, holding: &Holding) -> Vec<(InWorkKey, Qty)> {
        let scope = scope::holding(holding);
        or_log(self.scoped::<Qty>("in_work", Scope::A(&scope), Bad::Skip))
            .into_iter()
            .filter_map(|(key, q)| match key {
                RowKey::InWork(k) => Some((k, q)),
                _ => None,
            })
            .collect()
    }
    fn issue_open(&self, issue: &DocId) -> Qty {
        or_log(self.get(&RowKey::IssueOpen(*issue))).unwrap_or_default()
    }
    fn serial(&self, key: &SerialKey) -> Option<SerialState> {
        or_log(self.get(&RowKey::Serial(key.clone())))
    }
    fn removed_units_of(&self, wo: &WorkOrderId) -> Vec<SerialKey> {
        or_log(self.scoped::<SerialState>("serial", Scope::A(wo.as_str()), Bad::Skip))
            .into_iter()
            .filter_map(|(key, _)| match key {
                RowKey::Serial(k) => Some(k),
                _ => None,
            })
            .collect()
    }

    fn reserve(&self, id: &ReserveId) -> Option<Reserve> {
        or_log(self.get(&RowKey::Reserve(*id)))
    }
    fn reserves_of_line(&self, line: &DemandLineId) -> Vec<Reserve> {
        self.values("reserve", Scope::A(line.as_str()))
    }
    fn locked(&self, item: &ItemId, warehouse: &WarehouseId) -> Qty {
        self.values::<Reserve>("reserve", Scope::B(item.as_str()))
            .into_iter()
            .filter(|r| r.warehouse == *warehouse && r.is_active())
            .map(|r| r.locked)
            .sum()
    }

    fn tool_out(&self, checkout: &DocId) -> Option<ToolOut> {
        or_log(self.get(&RowKey::Tool(*checkout)))
    }
    fn tools_out(&self) -> Vec<ToolOut> {
        self.values("tool", Scope::AnyA)
    }
    fn emergency(&self, doc: &DocId) -> Option<Emergency> {
        or_log(self.get(&RowKey::Emergency(*doc)))
    }
    fn emergencies(&self) -> Vec<Emergency> {
        self.values("emergency", Scope::AnyA)
    }
    fn transit(&self, transfer: &DocId) -> Option<Transit> {
        or_log(self.get(&RowKey::Transit(*transfer)))
    }
    fn missing_serials_of(&self, wo: &WorkOrderId) -> Vec<MissingSerial> {
        self.values("missing_serial", Scope::A(wo.as_str()))
    }
    fn missing_serial(&self, write_off: &DocId) -> Option<MissingSerial> {
        or_log(self.get(&RowKey::MissingSerial(*write_off)))
    }

    fn accepted(&self, id: &DocId) -> Option<Accepted> {
        or_log(self.accepted_doc(id))
    }
    fn refused(&self, id: &DocId) -> Option<ReasonCode> {
        or_log(self.refusal(id)).map(|r| r.code)
    }
}
