//! Installed base per asset, and the serial histories behind it.

use super::common::{Period, item_name};
use super::csv_out::{self, CsvRow};
use super::{Params, ReportError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sparescan_core::document::DocKind;
use sparescan_core::effect::Effect;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::rules;
use sparescan_core::view::Accepted;
use std::collections::BTreeMap;

/// The serial units installed on each asset now (design §3: the installed
/// base), from the ledger's serial states: units installed by write-offs
/// and those the site started with. Assets with nothing installed are
/// listed only when asked for by `asset`.
///
/// CSV: one row per unit, with its asset's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledBase {
    pub assets: Vec<AssetBase>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetBase {
    pub asset: AssetId,
    pub name: String,
    pub area: String,
    pub units: Vec<InstalledUnit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledUnit {
    pub item: ItemId,
    pub item_name: String,
    pub serial: SerialNo,
    pub position: Option<String>,
    /// The order that installed it (none for the opening installed base).
    pub work_order: Option<WorkOrderId>,
}

pub fn installed_base(ledger: &MemoryLedger, params: &Params) -> InstalledBase {
    let mut by_asset: BTreeMap<AssetId, Vec<InstalledUnit>> = BTreeMap::new();
    if let Some(a) = &params.asset {
        by_asset.entry(a.clone()).or_default();
    }
    for (key, state) in &ledger.projections().serials {
        let SerialState::Installed {
            asset,
            work_order,
            position,
        } = state
        else {
            continue;
        };
        if params.asset.as_ref().is_some_and(|a| a != asset)
            || params.item.as_ref().is_some_and(|i| *i != key.item)
        {
            continue;
        }
        by_asset
            .entry(asset.clone())
            .or_default()
            .push(InstalledUnit {
                item: key.item.clone(),
                item_name: item_name(ledger, &key.item),
                serial: key.serial.clone(),
                position: position.clone(),
                work_order: work_order.clone(),
            });
    }
    let assets = by_asset
        .into_iter()
        .map(|(id, units)| {
            let a = ledger.asset(&id);
            AssetBase {
                name: a.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                area: a.map(|a| a.area).unwrap_or_default(),
                asset: id,
                units,
            }
        })
        .collect();
    InstalledBase { assets }
}

#[derive(Debug, Serialize)]
struct UnitRow<'a> {
    asset: &'a AssetId,
    asset_name: &'a str,
    area: &'a str,
    item: &'a ItemId,
    item_name: &'a str,
    serial: &'a SerialNo,
    position: Option<&'a str>,
    work_order: Option<&'a WorkOrderId>,
}

impl CsvRow for UnitRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "asset",
        "asset_name",
        "area",
        "item",
        "item_name",
        "serial",
        "position",
        "work_order",
    ];
}

impl InstalledBase {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.assets.iter().flat_map(|a| {
            a.units.iter().map(move |u| UnitRow {
                asset: &a.asset,
                asset_name: &a.name,
                area: &a.area,
                item: &u.item,
                item_name: &u.item_name,
                serial: &u.serial,
                position: u.position.as_deref(),
                work_order: u.work_order.as_ref(),
            })
        }))
    }
}

/// One document's move of one serial unit, with where it was before and
/// after: `state` is none, in_stock, in_work, installed, removed,
/// in_transit or checked_out, and `place` says where (bin and condition,
/// holder and order, asset and position). A correction shows as its own
/// event; the document it reversed carries `reversed_by`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SerialEvent {
    pub seq: u64,
    pub doc: DocId,
    pub kind: DocKind,
    pub device_time: DateTime<Utc>,
    pub author: UserId,
    pub work_order: Option<WorkOrderId>,
    pub item: ItemId,
    pub serial: SerialNo,
    pub state_before: &'static str,
    pub place_before: String,
    pub state_after: &'static str,
    pub place_after: String,
    pub reversed_by: Option<DocId>,
    /// The last day of the unit's warranty, where one is known.
    pub warranty_until: Option<NaiveDate>,
    /// Under warranty on the day of the move.
    pub under_warranty: bool,
}

impl CsvRow for SerialEvent {
    const HEADER: &'static [&'static str] = &[
        "seq",
        "doc",
        "kind",
        "device_time",
        "author",
        "work_order",
        "item",
        "serial",
        "state_before",
        "place_before",
        "state_after",
        "place_after",
        "reversed_by",
        "warranty_until",
        "under_warranty",
    ];
}

/// A serial state as a word and a place.
pub(super) fn describe(state: Option<&SerialState>) -> (&'static str, String) {
    let Some(state) = state else {
        return ("none", String::new());
    };
    match state {
        SerialState::InStock {
            bin,
            batch,
            condition,
        } => {
            let mut place = format!("bin {bin}, {}", crate::csv_io::serde_name(condition));
            if let Some(b) = batch {
                place.push_str(&format!(", batch {b}"));
            }
            ("in_stock", place)
        }
        SerialState::InWork {
            holding,
            work_order,
            holder,
            ..
        } => {
            let on = match (work_order, holding) {
                (Some(wo), _) => wo.to_string(),
                (None, Holding::Emergency(doc)) => format!("emergency issue {doc}"),
                (None, Holding::Line(line)) => line.to_string(),
            };
            ("in_work", format!("{holder}, {on}"))
        }
        SerialState::Installed {
            asset, position, ..
        } => (
            "installed",
            match position {
                Some(p) => format!("{asset}, {p}"),
                None => asset.to_string(),
            },
        ),
        SerialState::Removed {
            asset,
            work_order,
            holder,
        } => ("removed", format!("from {asset} by {holder}, {work_order}")),
        SerialState::InTransit { transfer, .. } => ("in_transit", format!("transfer {transfer}")),
        SerialState::CheckedOut { holder, .. } => ("checked_out", holder.to_string()),
    }
}

/// Serial moves in `docs` that `wanted` selects, in ledger order.
pub(super) fn events(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    wanted: impl Fn(&Accepted, &SerialKey, Option<&SerialState>, Option<&SerialState>) -> bool,
) -> Vec<SerialEvent> {
    let mut out = Vec::new();
    for acc in docs {
        for e in &acc.effects {
            let Effect::Serial { key, before, after } = e else {
                continue;
            };
            if !wanted(acc, key, before.as_ref(), after.as_ref()) {
                continue;
            }
            let (state_before, place_before) = describe(before.as_ref());
            let (state_after, place_after) = describe(after.as_ref());
            let warranty_until = ledger.warranty(key);
            out.push(SerialEvent {
                seq: acc.seq,
                doc: acc.doc.id,
                kind: acc.doc.kind(),
                device_time: acc.doc.device_time,
                author: acc.doc.author.clone(),
                work_order: acc.doc.work_order.clone(),
                item: key.item.clone(),
                serial: key.serial.clone(),
                state_before,
                place_before,
                state_after,
                place_after,
                reversed_by: acc
                    .reversed_by
                    .or_else(|| ledger.projections().reversed.get(&acc.doc.id).copied()),
                warranty_until,
                under_warranty: warranty_until
                    .is_some_and(|w| rules::warranty::covers(w, acc.doc.device_time)),
            });
        }
    }
    out.sort_by_key(|e| e.seq);
    out
}

/// Every document that moved one serial unit, in ledger order, and where
/// the unit is now.
///
/// CSV: one row per event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SerialHistory {
    pub item: ItemId,
    pub serial: SerialNo,
    pub state_now: &'static str,
    pub place_now: String,
    pub events: Vec<SerialEvent>,
}

pub fn serial_history(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    item: &ItemId,
    serial: &SerialNo,
) -> SerialHistory {
    let key = SerialKey {
        item: item.clone(),
        serial: serial.clone(),
    };
    let now = ledger.serial(&key);
    let (state_now, place_now) = describe(now.as_ref());
    SerialHistory {
        item: item.clone(),
        serial: serial.clone(),
        state_now,
        place_now,
        events: events(ledger, docs, |_, k, _, _| *k == key),
    }
}

impl SerialHistory {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(&self.events)
    }
}

/// The serial history of one asset: every move that installed a unit on
/// it, removed one from it, or took a removed unit on (returned it), in
/// ledger order, within the period.
///
/// CSV: one row per event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetHistory {
    pub asset: AssetId,
    pub name: String,
    pub period: Period,
    pub installed_now: usize,
    pub events: Vec<SerialEvent>,
}

fn concerns(asset: &AssetId, state: Option<&SerialState>) -> bool {
    match state {
        Some(SerialState::Installed { asset: a, .. })
        | Some(SerialState::Removed { asset: a, .. }) => a == asset,
        _ => false,
    }
}

pub fn asset_history(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    asset: &AssetId,
    period: Period,
) -> AssetHistory {
    let installed_now = ledger
        .projections()
        .serials
        .values()
        .filter(|s| matches!(s, SerialState::Installed { asset: a, .. } if a == asset))
        .count();
    AssetHistory {
        asset: asset.clone(),
        name: ledger.asset(asset).map(|a| a.name).unwrap_or_default(),
        period,
        installed_now,
        events: events(ledger, docs, |acc, _, before, after| {
            period.contains(acc.doc.device_time)
                && (concerns(asset, before) || concerns(asset, after))
        }),
    }
}

impl AssetHistory {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(&self.events)
    }
}

#[cfg(test)]
mod tests;
