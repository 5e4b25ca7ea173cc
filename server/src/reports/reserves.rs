//! Hanging reserves: stock blocked for orders that are not progressing.

use super::common::item_name;
use super::csv_out::{self, CsvRow};
use super::{Params, ReportError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;

/// Active reserves (created, confirmed or partially supplied) that hang,
/// oldest first. A reserve hangs when
/// - its order is not progressing: any status but in progress (created,
///   approved, on hold, awaiting return, cancelled, closed), or in progress
///   with its work reported complete; or
/// - it is at least `older_than_days` old (from the reserve's
///   `created_at`, the reserve document's device time), whatever the
///   order.
///
/// `age_days` is whole days from `created_at` to now.
///
/// CSV: one row per reserve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HangingReserves {
    pub older_than_days: u32,
    pub reserves: Vec<HangingReserve>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HangingReserve {
    pub reserve: ReserveId,
    pub work_order: WorkOrderId,
    pub order_status: WoStatus,
    pub work_completed_at: Option<DateTime<Utc>>,
    pub line: DemandLineId,
    pub item: ItemId,
    pub item_name: String,
    pub warehouse: WarehouseId,
    pub status: ReserveStatus,
    /// Still wanted from this reserve.
    pub open: Qty,
    /// Part of `open` locked against stock.
    pub locked: Qty,
    pub shortfall: Qty,
    pub created_at: DateTime<Utc>,
    pub age_days: i64,
    /// Hangs because its order is not progressing.
    pub order_not_progressing: bool,
    /// Hangs because it is at least `older_than_days` old.
    pub too_old: bool,
}

pub fn hanging_reserves(
    ledger: &MemoryLedger,
    now: DateTime<Utc>,
    older_than_days: u32,
    params: &Params,
) -> HangingReserves {
    let limit = Duration::days(i64::from(older_than_days));
    let mut reserves: Vec<HangingReserve> = ledger
        .projections()
        .reserves
        .values()
        .filter(|r| r.is_active())
        .filter(|r| params.wo.as_ref().is_none_or(|w| *w == r.work_order))
        .filter(|r| params.item.as_ref().is_none_or(|i| *i == r.item))
        .filter_map(|r| {
            let state = ledger.work_order(&r.work_order).map(|w| w.state);
            let status = state.as_ref().map(|s| s.status).unwrap_or(WoStatus::Closed);
            let completed_at = state.and_then(|s| s.completed_at);
            let not_progressing = status != WoStatus::InProgress || completed_at.is_some();
            let too_old = now - r.created_at >= limit;
            (not_progressing || too_old).then(|| HangingReserve {
                reserve: r.id,
                work_order: r.work_order.clone(),
                order_status: status,
                work_completed_at: completed_at,
                line: r.line.clone(),
                item: r.item.clone(),
                item_name: item_name(ledger, &r.item),
                warehouse: r.warehouse.clone(),
                status: r.status(),
                open: r.open,
                locked: r.locked,
                shortfall: r.shortfall(),
                created_at: r.created_at,
                age_days: (now - r.created_at).num_days().max(0),
                order_not_progressing: not_progressing,
                too_old,
            })
        })
        .collect();
    reserves.sort_by_key(|a| (a.created_at, a.reserve));
    HangingReserves {
        older_than_days,
        reserves,
    }
}

impl CsvRow for HangingReserve {
    const HEADER: &'static [&'static str] = &[
        "reserve",
        "work_order",
        "order_status",
        "work_completed_at",
        "line",
        "item",
        "item_name",
        "warehouse",
        "status",
        "open",
        "locked",
        "shortfall",
        "created_at",
        "age_days",
        "order_not_progressing",
        "too_old",
    ];
}

impl HangingReserves {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(&self.reserves)
    }
}

#[cfg(test)]
mod tests;
