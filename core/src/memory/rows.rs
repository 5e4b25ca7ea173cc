//! The row view of a [`MemoryLedger`]: every piece of master data and every
//! projection as a [`RowKey`] with a JSON value (see [`crate::sync`]). The
//! server stores and logs rows; a device applies pulled rows; a ledger built
//! from another's rows equals it.

use super::{MasterData, MemoryLedger};
use crate::document::Document;
use crate::effect::Effect;
use crate::ids::DocId;
use crate::sync::{Row, RowKey};
use crate::view::Accepted;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

#[derive(Debug, thiserror::Error)]
#[error("row {key} does not hold a valid value: {source}")]
pub struct RowError {
    pub key: String,
    #[source]
    pub source: serde_json::Error,
}

fn json<T: Serialize>(v: &T) -> Value {
    // Plain data types always serialise.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The rows a list of effects changes. A reversal changes the reversed
/// document's row too; if that document is not followable it has no row,
/// and the key reads as no value (a store skips it: documents' rows are
/// never deleted).
pub fn touched(effects: &[Effect]) -> BTreeSet<RowKey> {
    let mut keys: BTreeSet<RowKey> = effects
        .iter()
        .filter_map(|e| {
            Some(match e {
                Effect::Stock { key, .. } => RowKey::Stock(key.clone()),
                Effect::InWork { key, .. } => RowKey::InWork(key.clone()),
                Effect::IssueOpen { issue, .. } => RowKey::IssueOpen(*issue),
                Effect::LineCount { line, .. } => RowKey::LineCounts(line.clone()),
                Effect::Serial { key, .. } => RowKey::Serial(key.clone()),
                Effect::Line { id, .. } => RowKey::Line(id.clone()),
                Effect::Reserve { id, .. }
                | Effect::ReserveQty { id, .. }
                | Effect::ReserveCancelled { id, .. } => RowKey::Reserve(*id),
                Effect::WorkOrder { id, .. } => RowKey::WorkOrder(id.clone()),
                Effect::Tool { checkout, .. } => RowKey::Tool(*checkout),
                Effect::Emergency { doc, .. } => RowKey::Emergency(*doc),
                Effect::Approval { request, .. } => RowKey::Approval(*request),
                Effect::Transit { transfer, .. } | Effect::TransitQty { transfer, .. } => {
                    RowKey::Transit(*transfer)
                }
                Effect::MissingSerial { write_off, .. } => RowKey::MissingSerial(*write_off),
                Effect::Warranty { key, .. } => RowKey::Warranty(key.clone()),
                Effect::ReceivedBatch { key, .. } => {
                    RowKey::ReceivedBatch(key.0.clone(), key.1.clone())
                }
                Effect::Discrepancy(d) => RowKey::Discrepancy(d.doc),
                Effect::PeriodClosed { .. } => RowKey::ClosedUntil,
                Effect::Reversed { doc, .. } => RowKey::Reversed(*doc),
                // Values stay on the server: a device has no row for them.
                Effect::Value { .. } => return None,
            })
        })
        .collect();
    keys.extend(effects.iter().filter_map(|e| match e {
        Effect::Reversed { doc, .. } => Some(RowKey::Document(*doc)),
        _ => None,
    }));
    keys
}

/// The rows an accepted document changes: its effects' rows and, if it is
/// followable, its own.
pub fn touched_by(doc: &Document, effects: &[Effect]) -> BTreeSet<RowKey> {
    let mut keys = touched(effects);
    if doc.kind().is_followable() {
        keys.insert(RowKey::Document(doc.id));
    }
    keys
}

fn hput<K: Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: Option<V>) {
    match value {
        Some(v) => map.insert(key, v),
        None => map.remove(&key),
    };
}

fn bput<K: Ord, V>(map: &mut BTreeMap<K, V>, key: K, value: Option<V>) {
    match value {
        Some(v) => map.insert(key, v),
        None => map.remove(&key),
    };
}

fn sorted_keys<K: Ord + Clone>(keys: impl Iterator<Item = K>) -> Vec<K> {
    let mut v: Vec<K> = keys.collect();
    v.sort();
    v
}

impl MemoryLedger {
    /// A ledger holding exactly these rows (a device's cache, a bootstrap).
    /// It records no documents: it evaluates new ones against the rows,
    /// finding the followable documents the rows carry.
    ///
    /// The ledger keeps no values (a device's view) until
    /// [`MemoryLedger::restore_valuations`] gives it the server's.
    pub fn from_rows(rows: impl IntoIterator<Item = Row>) -> Result<Self, RowError> {
        let mut ledger = MemoryLedger::new(MasterData::default());
        ledger.values_kept = false;
        ledger.proj.values.clear();
        for row in rows {
            ledger.set_row(row)?;
        }
        Ok(ledger)
    }

    /// The current value of one row.
    pub fn row(&self, key: &RowKey) -> Option<Value> {
        let c = &self.catalog;
        let p = &self.proj;
        match key {
            RowKey::Policy => Some(json(&c.policy)),
            RowKey::Item(id) => c.items.get(id).map(json),
            RowKey::Warehouse(id) => c.warehouses.get(id).map(json),
            RowKey::Bin(id) => c.bins.get(id).map(json),
            RowKey::Batch(item, code) => c.batches.get(&(item.clone(), code.clone())).map(json),
            RowKey::Asset(id) => c.assets.get(id).map(json),
            RowKey::User(id) => c.users.get(id).map(json),
            RowKey::Request(id) => c.requests.get(id).map(json),
            RowKey::Template(id) => c.templates.get(id).map(json),
            RowKey::SiteReason(id) => c.reasons.get(id).map(json),
            RowKey::WorkOrder(id) => p.work_orders.get(id).map(json),
            RowKey::Line(id) => p.lines.get(id).map(json),
            RowKey::Stock(k) => p.stock.get(k).map(json),
            RowKey::InWork(k) => p.in_work.get(k).map(json),
            RowKey::IssueOpen(id) => p.issue_open.get(id).map(json),
            RowKey::Serial(k) => p.serials.get(k).map(json),
            RowKey::LineCounts(id) => p.counts.get(id).map(json),
            RowKey::Reserve(id) => p.reserves.get(id).map(json),
            RowKey::Tool(id) => p.tools.get(id).map(json),
            RowKey::Emergency(id) => p.emergencies.get(id).map(json),
            RowKey::Approval(id) => p.approvals.get(id).map(json),
            RowKey::Transit(id) => p.transits.get(id).map(json),
            RowKey::MissingSerial(id) => p.missing_serials.get(id).map(json),
            RowKey::Warranty(k) => p.warranties.get(k).map(json),
            RowKey::ReceivedBatch(i, b) => {
                p.received_batches.get(&(i.clone(), b.clone())).map(json)
            }
            RowKey::Discrepancy(id) => p.discrepancies.get(id).map(json),
            RowKey::ClosedUntil => p.closed_until.map(|d| json(&d)),
            RowKey::Reversed(id) => p.reversed.get(id).map(json),
            RowKey::Document(id) => self
                .docs
                .get(id)
                .filter(|a| a.doc.kind().is_followable())
                .map(|a| {
                    json(&Accepted {
                        reversed_by: p.reversed.get(id).copied().or(a.reversed_by),
                        ..a.clone()
                    })
                }),
        }
    }

    /// Every row key: master data first, each entity in key order.
    pub fn row_keys(&self) -> Vec<RowKey> {
        let c = &self.catalog;
        let p = &self.proj;
        let mut keys = vec![RowKey::Policy];
        keys.extend(
            sorted_keys(c.items.keys().cloned())
                .into_iter()
                .map(RowKey::Item),
        );
        keys.extend(
            sorted_keys(c.warehouses.keys().cloned())
                .into_iter()
                .map(RowKey::Warehouse),
        );
        keys.extend(
            sorted_keys(c.bins.keys().cloned())
                .into_iter()
                .map(RowKey::Bin),
        );
        keys.extend(
            sorted_keys(c.batches.keys().cloned())
                .into_iter()
                .map(|(i, b)| RowKey::Batch(i, b)),
        );
        keys.extend(
            sorted_keys(c.assets.keys().cloned())
                .into_iter()
                .map(RowKey::Asset),
        );
        keys.extend(
            sorted_keys(c.users.keys().cloned())
                .into_iter()
                .map(RowKey::User),
        );
        keys.extend(c.requests.keys().cloned().map(RowKey::Request));
        keys.extend(c.templates.keys().cloned().map(RowKey::Template));
        keys.extend(c.reasons.keys().cloned().map(RowKey::SiteReason));
        keys.extend(p.work_orders.keys().cloned().map(RowKey::WorkOrder));
        keys.extend(p.lines.keys().cloned().map(RowKey::Line));
        keys.extend(p.stock.keys().cloned().map(RowKey::Stock));
        keys.extend(p.in_work.keys().cloned().map(RowKey::InWork));
        keys.extend(p.issue_open.keys().copied().map(RowKey::IssueOpen));
        keys.extend(p.serials.keys().cloned().map(RowKey::Serial));
        keys.extend(p.counts.keys().cloned().map(RowKey::LineCounts));
        keys.extend(p.reserves.keys().copied().map(RowKey::Reserve));
        keys.extend(p.tools.keys().copied().map(RowKey::Tool));
        keys.extend(p.emergencies.keys().copied().map(RowKey::Emergency));
        keys.extend(p.approvals.keys().copied().map(RowKey::Approval));
        keys.extend(p.transits.keys().copied().map(RowKey::Transit));
        keys.extend(p.missing_serials.keys().copied().map(RowKey::MissingSerial));
        keys.extend(p.warranties.keys().cloned().map(RowKey::Warranty));
        keys.extend(
            p.received_batches
                .keys()
                .cloned()
                .map(|(i, b)| RowKey::ReceivedBatch(i, b)),
        );
        keys.extend(p.discrepancies.keys().copied().map(RowKey::Discrepancy));
        if p.closed_until.is_some() {
            keys.push(RowKey::ClosedUntil);
        }
        keys.extend(p.reversed.keys().copied().map(RowKey::Reversed));
        keys.extend(
            sorted_keys(
                self.docs
                    .values()
                    .filter(|a| a.doc.kind().is_followable())
                    .map(|a| a.doc.id),
            )
            .into_iter()
            .map(RowKey::Document),
        );
        keys
    }

    /// Every row with its value.
    pub fn rows(&self) -> Vec<Row> {
        self.row_keys()
            .into_iter()
            .map(|key| {
                let value = self.row(&key);
                Row { key, value }
            })
            .collect()
    }

    /// Sets (with `None`, deletes) one row, as a device applies a pulled
    /// change or the back office edits master data. The value must be of the
    /// entity's type; a bad value changes nothing.
    pub fn set_row(&mut self, row: Row) -> Result<(), RowError> {
        fn de<T: DeserializeOwned>(v: Option<Value>) -> Result<Option<T>, serde_json::Error> {
            v.map(serde_json::from_value).transpose()
        }
        let Row { key, value } = row;
        let text = key.to_text();
        let err = |source| RowError {
            key: text.clone(),
            source,
        };
        let c = &mut self.catalog;
        let p = &mut self.proj;
        match key {
            RowKey::Policy => {
                if let Some(policy) = de(value).map_err(err)? {
                    c.policy = policy;
                }
            }
            RowKey::Item(id) => hput(&mut c.items, id, de(value).map_err(err)?),
            RowKey::Warehouse(id) => hput(&mut c.warehouses, id, de(value).map_err(err)?),
            RowKey::Bin(id) => hput(&mut c.bins, id, de(value).map_err(err)?),
            RowKey::Batch(i, b) => hput(&mut c.batches, (i, b), de(value).map_err(err)?),
            RowKey::Asset(id) => hput(&mut c.assets, id, de(value).map_err(err)?),
            RowKey::User(id) => hput(&mut c.users, id, de(value).map_err(err)?),
            RowKey::Request(id) => bput(&mut c.requests, id, de(value).map_err(err)?),
            RowKey::Template(id) => bput(&mut c.templates, id, de(value).map_err(err)?),
            RowKey::SiteReason(id) => bput(&mut c.reasons, id, de(value).map_err(err)?),
            RowKey::WorkOrder(id) => bput(&mut p.work_orders, id, de(value).map_err(err)?),
            RowKey::Line(id) => {
                let v = de(value).map_err(err)?;
                self.index.line(p.lines.get(&id), v.as_ref());
                bput(&mut p.lines, id, v);
            }
            RowKey::Stock(k) => bput(&mut p.stock, k, de(value).map_err(err)?),
            RowKey::InWork(k) => bput(&mut p.in_work, k, de(value).map_err(err)?),
            RowKey::IssueOpen(id) => bput(&mut p.issue_open, id, de(value).map_err(err)?),
            RowKey::Serial(k) => {
                let v = de(value).map_err(err)?;
                self.index.serial(&k, p.serials.get(&k), v.as_ref());
                bput(&mut p.serials, k, v);
            }
            RowKey::LineCounts(id) => bput(&mut p.counts, id, de(value).map_err(err)?),
            RowKey::Reserve(id) => {
                let v = de(value).map_err(err)?;
                self.index.reserve(p.reserves.get(&id), v.as_ref());
                bput(&mut p.reserves, id, v);
            }
            RowKey::Tool(id) => bput(&mut p.tools, id, de(value).map_err(err)?),
            RowKey::Emergency(id) => bput(&mut p.emergencies, id, de(value).map_err(err)?),
            RowKey::Approval(id) => bput(&mut p.approvals, id, de(value).map_err(err)?),
            RowKey::Transit(id) => bput(&mut p.transits, id, de(value).map_err(err)?),
            RowKey::MissingSerial(id) => bput(&mut p.missing_serials, id, de(value).map_err(err)?),
            RowKey::Warranty(k) => bput(&mut p.warranties, k, de(value).map_err(err)?),
            RowKey::ReceivedBatch(i, b) => {
                bput(&mut p.received_batches, (i, b), de(value).map_err(err)?)
            }
            RowKey::Discrepancy(id) => bput(&mut p.discrepancies, id, de(value).map_err(err)?),
            RowKey::ClosedUntil => p.closed_until = de(value).map_err(err)?,
            RowKey::Reversed(id) => {
                let by: Option<DocId> = de(value).map_err(err)?;
                if let Some(doc) = self.docs.get_mut(&id) {
                    doc.reversed_by = by;
                }
                bput(&mut p.reversed, id, by);
            }
            RowKey::Document(id) => {
                let acc: Option<Accepted> = de(value).map_err(err)?;
                match acc {
                    Some(acc) if acc.doc.id != id => {
                        return Err(err(serde::de::Error::custom(format!(
                            "the row holds document {}",
                            acc.doc.id
                        ))));
                    }
                    // A kind that is not followable is not kept: nothing
                    // here reads it.
                    Some(acc) => {
                        self.keep_accepted(acc);
                    }
                    // Documents are never deleted; a kept copy goes, one
                    // this ledger recorded stays.
                    None => {
                        if !self.is_recorded(&id) {
                            self.docs.remove(&id);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Upserts (or with `None` deletes) many entries of a list by id, with one
/// index for the whole batch.
fn upsert_many<T, K: Eq + Hash + Clone>(
    list: &mut Vec<T>,
    id: impl Fn(&T) -> K,
    changes: Vec<(K, Option<T>)>,
) {
    let mut index: HashMap<K, usize> = list.iter().enumerate().map(|(i, x)| (id(x), i)).collect();
    let mut deleted: std::collections::HashSet<K> = std::collections::HashSet::new();
    for (k, v) in changes {
        match (index.get(&k).copied(), v) {
            (Some(i), Some(v)) => {
                list[i] = v;
                deleted.remove(&k);
            }
            (None, Some(v)) => {
                index.insert(k.clone(), list.len());
                list.push(v);
                deleted.remove(&k);
            }
            (Some(_), None) => {
                deleted.insert(k);
            }
            (None, None) => {}
        }
    }
    if !deleted.is_empty() {
        list.retain(|x| !deleted.contains(&id(x)));
    }
}

impl MasterData {
    /// Applies master-data rows (items, bins, users, work orders, lines,
    /// the policy…) as the back office edits them, in one pass. A work
    /// order keeps the state it started in: its status changes are
    /// documents. Returns false, changing nothing, if any row is not master
    /// data.
    pub fn apply_rows(&mut self, rows: &[Row]) -> Result<bool, RowError> {
        fn de<T: DeserializeOwned>(row: &Row) -> Result<Option<T>, RowError> {
            row.value
                .clone()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|source| RowError {
                    key: row.key.to_text(),
                    source,
                })
        }
        if !rows.iter().all(|r| r.key.is_master_data()) {
            return Ok(false);
        }
        let (mut items, mut warehouses, mut bins, mut batches) = (vec![], vec![], vec![], vec![]);
        let (mut assets, mut users, mut orders, mut lines) = (vec![], vec![], vec![], vec![]);
        let (mut requests, mut templates, mut reasons) = (vec![], vec![], vec![]);
        let mut policy = None;
        for row in rows {
            match &row.key {
                RowKey::Policy => policy = de(row)?.or(policy),
                RowKey::Item(id) => items.push((id.clone(), de(row)?)),
                RowKey::Warehouse(id) => warehouses.push((id.clone(), de(row)?)),
                RowKey::Bin(id) => bins.push((id.clone(), de(row)?)),
                RowKey::Batch(i, b) => batches.push(((i.clone(), b.clone()), de(row)?)),
                RowKey::Asset(id) => assets.push((id.clone(), de(row)?)),
                RowKey::User(id) => users.push((id.clone(), de(row)?)),
                RowKey::WorkOrder(id) => {
                    let new: Option<crate::model::WorkOrder> = de(row)?;
                    orders.push((id.clone(), new));
                }
                RowKey::Line(id) => lines.push((id.clone(), de(row)?)),
                RowKey::Request(id) => requests.push((id.clone(), de(row)?)),
                RowKey::Template(id) => templates.push((id.clone(), de(row)?)),
                RowKey::SiteReason(id) => reasons.push((id.clone(), de(row)?)),
                _ => return Ok(false),
            }
        }
        // Orders keep the state they started in.
        let initial: HashMap<_, _> = self
            .work_orders
            .iter()
            .map(|w| (w.id.clone(), w.state.clone()))
            .collect();
        for (id, wo) in &mut orders {
            if let (Some(wo), Some(state)) = (wo.as_mut(), initial.get(id)) {
                wo.state = state.clone();
            }
        }
        if let Some(p) = policy {
            self.policy = p;
        }
        upsert_many(&mut self.items, |x| x.id.clone(), items);
        upsert_many(&mut self.warehouses, |x| x.id.clone(), warehouses);
        upsert_many(&mut self.bins, |x| x.id.clone(), bins);
        upsert_many(
            &mut self.batches,
            |x| (x.item.clone(), x.code.clone()),
            batches,
        );
        upsert_many(&mut self.assets, |x| x.id.clone(), assets);
        upsert_many(&mut self.users, |x| x.id.clone(), users);
        upsert_many(&mut self.work_orders, |x| x.id.clone(), orders);
        upsert_many(&mut self.lines, |x| x.id.clone(), lines);
        upsert_many(&mut self.requests, |x| x.id.clone(), requests);
        upsert_many(&mut self.templates, |x| x.id.clone(), templates);
        upsert_many(&mut self.reasons, |x| x.code.clone(), reasons);
        Ok(true)
    }

    /// One row of [`MasterData::apply_rows`].
    pub fn apply_row(&mut self, row: &Row) -> Result<bool, RowError> {
        self.apply_rows(std::slice::from_ref(row))
    }
}
