//! What is still out with people: items in work past the return deadline,
//! and tools checked out.

use super::common::{holder, issue_line, item_name, join, live, unit_of};
use super::csv_out::{self, CsvRow};
use super::{Params, ReportError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sparescan_core::ids::*;
use sparescan_core::memory::{MemoryLedger, infallible};
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::rules::{overdue_tools, return_deadline};
use sparescan_core::view::Accepted;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Items in work past the return deadline. An order whose work was
/// reported complete (`completed_at`) must have its leftovers back within
/// the site's `return_deadline_working_days` working days
/// (`rules::return_deadline`: Saturdays and Sundays skipped, same time of
/// day). Past that deadline, every position still out on the order is
/// listed, most overdue first:
/// - `in_work`: quantity issued to a line and neither written off nor
///   returned, per item and batch, with the serials still in work;
/// - `removed_unit`: a unit taken off the asset and not yet returned to
///   quarantine or rejected.
///
/// Holders are the people holding the serials; for items not tracked by
/// serial, who received the line's issues that are not wholly returned.
/// `days_overdue` is whole days past the deadline.
///
/// CSV: one row per position, serials and holders space-separated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueReturns {
    pub working_days: u32,
    pub positions: Vec<OverduePosition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionKind {
    InWork,
    RemovedUnit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverduePosition {
    pub work_order: WorkOrderId,
    pub asset: AssetId,
    pub order_status: WoStatus,
    pub completed_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub days_overdue: i64,
    pub kind: PositionKind,
    pub line: Option<DemandLineId>,
    pub item: ItemId,
    pub item_name: String,
    pub unit: String,
    pub batch: Option<BatchCode>,
    pub qty: Qty,
    pub serials: Vec<SerialNo>,
    pub holders: Vec<UserId>,
}

/// Serial units in work, by holding: (item, batch, serial, holder).
type InWorkSerials = HashMap<Holding, Vec<(ItemId, Option<BatchCode>, SerialNo, UserId)>>;

fn serials_in_work(ledger: &MemoryLedger) -> InWorkSerials {
    let mut map: InWorkSerials = HashMap::new();
    for (key, state) in &ledger.projections().serials {
        if let SerialState::InWork {
            holding,
            holder,
            batch,
            ..
        } = state
        {
            map.entry(holding.clone()).or_default().push((
                key.item.clone(),
                batch.clone(),
                key.serial.clone(),
                holder.clone(),
            ));
        }
    }
    map
}

pub fn overdue_returns(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    now: DateTime<Utc>,
    params: &Params,
) -> OverdueReturns {
    let working_days = ledger.policy().return_deadline_working_days;
    let overdue: Vec<(&WorkOrder, DateTime<Utc>, DateTime<Utc>)> = ledger
        .projections()
        .work_orders
        .values()
        .filter(|w| w.state.status != WoStatus::Closed)
        .filter(|w| params.wo.as_ref().is_none_or(|x| *x == w.id))
        .filter(|w| params.asset.as_ref().is_none_or(|a| *a == w.asset))
        .filter_map(|w| {
            let done = w.state.completed_at?;
            let deadline = return_deadline(done, working_days);
            (now > deadline).then_some((w, done, deadline))
        })
        .collect();
    let mut positions = Vec::new();
    if overdue.is_empty() {
        return OverdueReturns {
            working_days,
            positions,
        };
    }
    let serials = serials_in_work(ledger);
    let issue_holders = open_issue_holders(ledger, docs);
    for (wo, completed_at, deadline) in overdue {
        let base = |kind, line, item: &ItemId, batch, qty, serials, holders| OverduePosition {
            work_order: wo.id.clone(),
            asset: wo.asset.clone(),
            order_status: wo.state.status,
            completed_at,
            deadline,
            days_overdue: (now - deadline).num_days().max(0),
            kind,
            line,
            item: item.clone(),
            item_name: item_name(ledger, item),
            unit: unit_of(ledger, item),
            batch,
            qty,
            serials,
            holders,
        };
        let mut lines = ledger.lines_of(&wo.id);
        lines.sort_by(|a, b| a.id.cmp(&b.id));
        for line in lines {
            let holding = Holding::Line(line.id.clone());
            for (key, qty) in ledger.in_work_of(&holding) {
                if !qty.is_positive() {
                    continue;
                }
                let units: Vec<_> = serials
                    .get(&holding)
                    .into_iter()
                    .flatten()
                    .filter(|(i, b, _, _)| *i == key.item && *b == key.batch)
                    .collect();
                let holders: BTreeSet<UserId> = if units.is_empty() {
                    issue_holders
                        .get(&(line.id.clone(), key.item.clone()))
                        .cloned()
                        .unwrap_or_default()
                } else {
                    units.iter().map(|u| u.3.clone()).collect()
                };
                positions.push(base(
                    PositionKind::InWork,
                    Some(line.id.clone()),
                    &key.item,
                    key.batch.clone(),
                    qty,
                    units.iter().map(|u| u.2.clone()).collect(),
                    holders.into_iter().collect(),
                ));
            }
        }
        for key in ledger.removed_units_of(&wo.id) {
            let holder = match ledger.serial(&key) {
                Some(SerialState::Removed { holder, .. }) => vec![holder],
                _ => Vec::new(),
            };
            positions.push(base(
                PositionKind::RemovedUnit,
                None,
                &key.item,
                None,
                Qty::units(1),
                vec![key.serial.clone()],
                holder,
            ));
        }
    }
    positions.sort_by(|a, b| {
        (
            a.deadline,
            &a.work_order,
            a.kind,
            &a.line,
            &a.item,
            &a.serials,
        )
            .cmp(&(
                b.deadline,
                &b.work_order,
                b.kind,
                &b.line,
                &b.item,
                &b.serials,
            ))
    });
    OverdueReturns {
        working_days,
        positions,
    }
}

/// Who received each line's issues that are not wholly returned, by
/// (line, item).
fn open_issue_holders(
    ledger: &MemoryLedger,
    docs: &[Accepted],
) -> HashMap<(DemandLineId, ItemId), BTreeSet<UserId>> {
    let mut map: HashMap<(DemandLineId, ItemId), BTreeSet<UserId>> = HashMap::new();
    for acc in docs {
        let Some(pick) = super::common::issue_pick(&acc.doc.body) else {
            continue;
        };
        if !live(ledger, acc) || !ledger.issue_open(&acc.doc.id).is_positive() {
            continue;
        }
        if let Some((_, line)) = issue_line(ledger, &acc.doc) {
            map.entry((line, pick.item.clone()))
                .or_default()
                .insert(holder(&acc.doc));
        }
    }
    map
}

#[derive(Debug, Serialize)]
struct OverdueRow<'a> {
    work_order: &'a WorkOrderId,
    asset: &'a AssetId,
    order_status: WoStatus,
    completed_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    days_overdue: i64,
    kind: PositionKind,
    line: Option<&'a DemandLineId>,
    item: &'a ItemId,
    item_name: &'a str,
    unit: &'a str,
    batch: Option<&'a BatchCode>,
    qty: Qty,
    serials: String,
    holders: String,
}

impl CsvRow for OverdueRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "work_order",
        "asset",
        "order_status",
        "completed_at",
        "deadline",
        "days_overdue",
        "kind",
        "line",
        "item",
        "item_name",
        "unit",
        "batch",
        "qty",
        "serials",
        "holders",
    ];
}

impl OverdueReturns {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.positions.iter().map(|p| OverdueRow {
            work_order: &p.work_order,
            asset: &p.asset,
            order_status: p.order_status,
            completed_at: p.completed_at,
            deadline: p.deadline,
            days_overdue: p.days_overdue,
            kind: p.kind,
            line: p.line.as_ref(),
            item: &p.item,
            item_name: &p.item_name,
            unit: &p.unit,
            batch: p.batch.as_ref(),
            qty: p.qty,
            serials: join(&p.serials),
            holders: join(&p.holders),
        }))
    }
}

/// Tools checked out, by due time. `overdue` is `rules::overdue_tools`:
/// due before now. `hours_overdue` is whole hours past due (0 when not
/// overdue). With `overdue=true` only the overdue ones are listed.
///
/// CSV: one row per checkout, serials space-separated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolsOut {
    pub out: usize,
    pub overdue: usize,
    pub tools: Vec<ToolOutRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolOutRow {
    pub checkout: DocId,
    pub item: ItemId,
    pub item_name: String,
    pub serials: Vec<SerialNo>,
    pub qty: Qty,
    pub holder: UserId,
    pub work_order: Option<WorkOrderId>,
    pub from_bin: BinId,
    pub due: DateTime<Utc>,
    pub overdue: bool,
    pub hours_overdue: i64,
}

pub fn tools_out(ledger: &MemoryLedger, now: DateTime<Utc>, params: &Params) -> ToolsOut {
    let late: HashSet<DocId> = infallible(overdue_tools(ledger, now))
        .into_iter()
        .map(|t| t.checkout)
        .collect();
    let mut tools: Vec<ToolOutRow> = ledger
        .projections()
        .tools
        .values()
        .filter(|t| params.item.as_ref().is_none_or(|i| *i == t.item))
        .map(|t| {
            let overdue = late.contains(&t.checkout);
            ToolOutRow {
                checkout: t.checkout,
                item: t.item.clone(),
                item_name: item_name(ledger, &t.item),
                serials: t.serials.clone(),
                qty: t.qty,
                holder: t.holder.clone(),
                work_order: t.work_order.clone(),
                from_bin: t.from.bin.clone(),
                due: t.due,
                overdue,
                hours_overdue: if overdue {
                    (now - t.due).num_hours().max(0)
                } else {
                    0
                },
            }
        })
        .collect();
    let out = tools.len();
    let overdue = tools.iter().filter(|t| t.overdue).count();
    if params.overdue == Some(true) {
        tools.retain(|t| t.overdue);
    }
    tools.sort_by_key(|a| (a.due, a.checkout));
    ToolsOut {
        out,
        overdue,
        tools,
    }
}

#[derive(Debug, Serialize)]
struct ToolRow<'a> {
    checkout: DocId,
    item: &'a ItemId,
    item_name: &'a str,
    serials: String,
    qty: Qty,
    holder: &'a UserId,
    work_order: Option<&'a WorkOrderId>,
    from_bin: &'a BinId,
    due: DateTime<Utc>,
    overdue: bool,
    hours_overdue: i64,
}

impl CsvRow for ToolRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "checkout",
        "item",
        "item_name",
        "serials",
        "qty",
        "holder",
        "work_order",
        "from_bin",
        "due",
        "overdue",
        "hours_overdue",
    ];
}

impl ToolsOut {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.tools.iter().map(|t| ToolRow {
            checkout: t.checkout,
            item: &t.item,
            item_name: &t.item_name,
            serials: join(&t.serials),
            qty: t.qty,
            holder: &t.holder,
            work_order: t.work_order.as_ref(),
            from_bin: &t.from_bin,
            due: t.due,
            overdue: t.overdue,
            hours_overdue: t.hours_overdue,
        }))
    }
}

#[cfg(test)]
mod tests;
