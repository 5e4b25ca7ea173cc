//! Warranty removals: serial units taken off an asset while still under
//! the supplier's warranty — the claims to make.

use super::assets::events;
use super::common::{Period, item_name, live};
use super::csv_out::{self, CsvRow};
use super::{Params, ReportError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sparescan_core::document::{Body, DocKind};
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::view::Accepted;

/// Every removal of a serial unit from an asset in the period (by the
/// removing write-off's device time) while the unit was under warranty
/// (its warranty's last day on or after that day), in ledger order; with
/// the return that brought it back into the stores, if any, and where it
/// is now. Removals that a correction reversed do not count.
///
/// CSV: one row per removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyRemovals {
    pub period: Period,
    pub removals: Vec<WarrantyRemoval>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyRemoval {
    pub item: ItemId,
    pub item_name: String,
    pub serial: SerialNo,
    pub asset: AssetId,
    pub work_order: Option<WorkOrderId>,
    pub removed_at: DateTime<Utc>,
    pub removed_by: UserId,
    pub removal_doc: DocId,
    pub warranty_until: NaiveDate,
    /// The return of the removed unit into quarantine or rejected.
    pub returned_doc: Option<DocId>,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_condition: Option<Condition>,
    /// The return's reason: one of the site's, and free text.
    pub return_reason_code: Option<ReasonId>,
    pub return_reason: Option<String>,
    /// Where the unit is now (`serial-history`'s words).
    pub state_now: &'static str,
}

pub fn warranty_removals(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    params: &Params,
) -> WarrantyRemovals {
    let period = params.period();
    let counted: Vec<Accepted> = docs.iter().filter(|a| live(ledger, a)).cloned().collect();
    let removed = events(ledger, &counted, |acc, key, _, after| {
        matches!(after, Some(SerialState::Removed { asset, .. })
            if params.asset.as_ref().is_none_or(|a| a == asset))
            && params.item.as_ref().is_none_or(|i| *i == key.item)
            && period.contains(acc.doc.device_time)
    });
    let removals = removed
        .into_iter()
        .filter(|e| e.under_warranty)
        .filter_map(|e| {
            let key = SerialKey {
                item: e.item.clone(),
                serial: e.serial.clone(),
            };
            let removal = counted.iter().find(|a| a.doc.id == e.doc)?;
            let asset = removal.effects.iter().find_map(|x| match x {
                sparescan_core::effect::Effect::Serial {
                    key: k,
                    after: Some(SerialState::Removed { asset, .. }),
                    ..
                } if *k == key => Some(asset.clone()),
                _ => None,
            })?;
            // The first return of this unit after its removal.
            let back = counted.iter().find(|a| {
                a.seq > removal.seq
                    && a.doc.kind() == DocKind::RemovedUnitReturn
                    && matches!(&a.doc.body, Body::RemovedUnitReturn { item, serial, .. }
                        if *item == key.item && *serial == key.serial)
            });
            let condition = back.and_then(|a| match &a.doc.body {
                Body::RemovedUnitReturn { condition, .. } => Some(*condition),
                _ => None,
            });
            let (state_now, _) = super::assets::describe(ledger.serial(&key).as_ref());
            Some(WarrantyRemoval {
                item_name: item_name(ledger, &key.item),
                item: key.item,
                serial: key.serial,
                asset,
                work_order: e.work_order,
                removed_at: e.device_time,
                removed_by: e.author,
                removal_doc: e.doc,
                warranty_until: e.warranty_until?,
                returned_doc: back.map(|a| a.doc.id),
                returned_at: back.map(|a| a.doc.device_time),
                returned_condition: condition,
                return_reason_code: back.and_then(|a| a.doc.reason_code.clone()),
                return_reason: back.and_then(|a| a.doc.reason.clone()),
                state_now,
            })
        })
        .collect();
    WarrantyRemovals { period, removals }
}

impl CsvRow for WarrantyRemoval {
    const HEADER: &'static [&'static str] = &[
        "item",
        "item_name",
        "serial",
        "asset",
        "work_order",
        "removed_at",
        "removed_by",
        "removal_doc",
        "warranty_until",
        "returned_doc",
        "returned_at",
        "returned_condition",
        "return_reason_code",
        "return_reason",
        "state_now",
    ];
}

impl WarrantyRemovals {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(&self.removals)
    }
}

#[cfg(test)]
mod tests;
