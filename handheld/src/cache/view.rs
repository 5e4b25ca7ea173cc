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
use sparescan_core::view::{Accepted, LedgerView, ViewError};

/// The cache as the rules see it (snapshot plus outbox).
#[derive(Clone, Copy)]
pub struct CacheView<'c> {
    pub(super) cache: &'c Cache,
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

/// A cache failure seen by the rules: a storage error, never "missing" or
/// zero (a damaged row is one too). The engine shows it as such.
impl From<CacheError> for ViewError {
    fn from(e: CacheError) -> Self {
        match e {
            CacheError::View(v) => v,
            other => ViewError::new(other),
        }
    }
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
    ) -> Result<Vec<(RowKey, T)>, CacheError> {
        let overlay = &self.cache.overlay;
        let mut out = Vec::new();
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
            let k = parse_key(&key)?;
            out.push((k, decode(&key, &value)?));
        }
        for (key, value) in overlay.scoped(kind, scope) {
            out.push((parse_key(key)?, decode_value(key, value)?));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn values<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        scope: Scope<'_>,
    ) -> Result<Vec<T>, ViewError> {
        Ok(self
            .scoped(kind, scope)?
            .into_iter()
            .map(|(_, v)| v)
            .collect())
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
    fn policy(&self) -> Result<SitePolicy, ViewError> {
        Ok(self.cache.snapshot.policy.clone())
    }
    fn site(&self) -> Result<Option<SiteId>, ViewError> {
        Ok(self.cache.snapshot.site.borrow().clone())
    }
    fn closed_until(&self) -> Result<Option<chrono::NaiveDate>, ViewError> {
        match self.cache.overlay.get(&RowKey::ClosedUntil.to_text()) {
            Some(_) => Ok(self.get(&RowKey::ClosedUntil)?),
            None => Ok(self.cache.snapshot.closed_until),
        }
    }

    fn user(&self, id: &UserId) -> Result<Option<User>, ViewError> {
        Ok(self.get(&RowKey::User(id.clone()))?)
    }
    fn item(&self, id: &ItemId) -> Result<Option<Item>, ViewError> {
        Ok(self.get(&RowKey::Item(id.clone()))?)
    }
    fn bin(&self, id: &BinId) -> Result<Option<Bin>, ViewError> {
        // Bins are master data: never in the overlay, kept in memory.
        Ok(self.cache.snapshot.bins.get(id).cloned())
    }
    fn warehouse(&self, id: &WarehouseId) -> Result<Option<Warehouse>, ViewError> {
        Ok(self.get(&RowKey::Warehouse(id.clone()))?)
    }
    /// A batch of master data, else one its receipt made known.
    fn batch(&self, item: &ItemId, code: &BatchCode) -> Result<Option<Batch>, ViewError> {
        if let Some(b) = self.get(&RowKey::Batch(item.clone(), code.clone()))? {
            return Ok(Some(b));
        }
        Ok(self.get(&RowKey::ReceivedBatch(item.clone(), code.clone()))?)
    }
    fn asset(&self, id: &AssetId) -> Result<Option<Asset>, ViewError> {
        Ok(self.get(&RowKey::Asset(id.clone()))?)
    }
    fn work_order(&self, id: &WorkOrderId) -> Result<Option<WorkOrder>, ViewError> {
        Ok(self.get(&RowKey::WorkOrder(id.clone()))?)
    }
    fn line(&self, id: &DemandLineId) -> Result<Option<DemandLine>, ViewError> {
        Ok(self.get(&RowKey::Line(id.clone()))?)
    }
    fn lines_of(&self, wo: &WorkOrderId) -> Result<Vec<DemandLine>, ViewError> {
        self.values("line", Scope::A(wo.as_str()))
    }
    fn line_counts(&self, id: &DemandLineId) -> Result<LineCounts, ViewError> {
        Ok(self
            .get(&RowKey::LineCounts(id.clone()))?
            .unwrap_or_default())
    }

    fn stock(&self, key: &StockKey) -> Result<Qty, ViewError> {
        Ok(self.get(&RowKey::Stock(key.clone()))?.unwrap_or_default())
    }
    fn usable_stock(
        &self,
        item: &ItemId,
        warehouse: &WarehouseId,
    ) -> Result<Vec<(StockKey, Qty)>, ViewError> {
        let bins = &self.cache.snapshot.bins;
        Ok(self
            .scoped::<Qty>("stock", Scope::A(item.as_str()))?
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
            .collect())
    }
    fn in_work(&self, key: &InWorkKey) -> Result<Qty, ViewError> {
        Ok(self.get(&RowKey::InWork(key.clone()))?.unwrap_or_default())
    }
    fn in_work_of(&self, holding: &Holding) -> Result<Vec<(InWorkKey, Qty)>, ViewError> {
        let scope = scope::holding(holding);
        Ok(self
            .scoped::<Qty>("in_work", Scope::A(&scope))?
            .into_iter()
            .filter_map(|(key, q)| match key {
                RowKey::InWork(k) => Some((k, q)),
                _ => None,
            })
            .collect())
    }
    fn issue_open(&self, issue: &DocId) -> Result<Qty, ViewError> {
        Ok(self.get(&RowKey::IssueOpen(*issue))?.unwrap_or_default())
    }
    fn serial(&self, key: &SerialKey) -> Result<Option<SerialState>, ViewError> {
        Ok(self.get(&RowKey::Serial(key.clone()))?)
    }
    fn removed_units_of(&self, wo: &WorkOrderId) -> Result<Vec<SerialKey>, ViewError> {
        Ok(self
            .scoped::<SerialState>("serial", Scope::A(wo.as_str()))?
            .into_iter()
            .filter_map(|(key, _)| match key {
                RowKey::Serial(k) => Some(k),
                _ => None,
            })
            .collect())
    }

    fn reserve(&self, id: &ReserveId) -> Result<Option<Reserve>, ViewError> {
        Ok(self.get(&RowKey::Reserve(*id))?)
    }
    fn reserves_of_line(&self, line: &DemandLineId) -> Result<Vec<Reserve>, ViewError> {
        self.values("reserve", Scope::A(line.as_str()))
    }
    fn locked(&self, item: &ItemId, warehouse: &WarehouseId) -> Result<Qty, ViewError> {
        Ok(self
            .values::<Reserve>("reserve", Scope::B(item.as_str()))?
            .into_iter()
            .filter(|r| r.warehouse == *warehouse && r.is_active())
            .map(|r| r.locked)
            .sum())
    }

    fn tool_out(&self, checkout: &DocId) -> Result<Option<ToolOut>, ViewError> {
        Ok(self.get(&RowKey::Tool(*checkout))?)
    }
    fn tools_out(&self) -> Result<Vec<ToolOut>, ViewError> {
        self.values("tool", Scope::AnyA)
    }
    fn emergency(&self, doc: &DocId) -> Result<Option<Emergency>, ViewError> {
        Ok(self.get(&RowKey::Emergency(*doc))?)
    }
    fn emergencies(&self) -> Result<Vec<Emergency>, ViewError> {
        self.values("emergency", Scope::AnyA)
    }
    fn approval(&self, request: &DocId) -> Result<Option<Approval>, ViewError> {
        Ok(self.get(&RowKey::Approval(*request))?)
    }
    fn approvals_of(&self, wo: &WorkOrderId) -> Result<Vec<Approval>, ViewError> {
        self.values("approval", Scope::A(wo.as_str()))
    }
    fn transit(&self, transfer: &DocId) -> Result<Option<Transit>, ViewError> {
        Ok(self.get(&RowKey::Transit(*transfer))?)
    }
    fn missing_serials_of(&self, wo: &WorkOrderId) -> Result<Vec<MissingSerial>, ViewError> {
        self.values("missing_serial", Scope::A(wo.as_str()))
    }
    fn missing_serial(&self, write_off: &DocId) -> Result<Option<MissingSerial>, ViewError> {
        Ok(self.get(&RowKey::MissingSerial(*write_off))?)
    }
    fn warranty(&self, key: &SerialKey) -> Result<Option<chrono::NaiveDate>, ViewError> {
        Ok(self.get(&RowKey::Warranty(key.clone()))?)
    }
    fn site_reason(&self, code: &ReasonId) -> Result<Option<SiteReason>, ViewError> {
        Ok(self.get(&RowKey::SiteReason(code.clone()))?)
    }
    fn site_reasons(&self, kind: ReasonKind) -> Result<Vec<SiteReason>, ViewError> {
        let mut list: Vec<SiteReason> =
            self.values("site_reason", Scope::A(&scope::text(&kind)))?;
        list.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(list)
    }

    fn accepted(&self, id: &DocId) -> Result<Option<Accepted>, ViewError> {
        Ok(self.accepted_doc(id)?)
    }
    fn refused(&self, id: &DocId) -> Result<Option<ReasonCode>, ViewError> {
        Ok(self.refusal(id)?.map(|r| r.code))
    }
}
