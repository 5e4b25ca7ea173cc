//! Consumption by work order with drill-down, and issued vs planned
//! deviations (design §8, §6.3).

use super::common::{Period, holder, issue_line, issue_pick, item_name, live, percent};
use super::csv_out::{self, CsvRow};
use super::{Params, ReportError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sparescan_core::document::{Body, DocKind, RemovedUnit};
use sparescan_core::effect::Effect;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::money::Money;
use sparescan_core::qty::Qty;
use sparescan_core::view::Accepted;
use std::collections::{BTreeMap, HashMap};

/// Consumption by work order, from the documents in the period: each
/// order, each of its demand lines with what was issued, written off and
/// returned, and under each line every document that moved it with its
/// batch and serials.
///
/// - A movement belongs to a line as the ledger holds it: an issue to its
///   line (an additional issue to the line it created, an emergency issue
///   to the line it was linked to), a write-off to its line, a return to
///   the line of the issue it follows.
/// - A linked emergency issue counts in full on its line, with every
///   return that follows it, including returns before the link (the
///   ledger's line counter counts only what was still out at the link).
/// - Emergency issues not linked yet, and their returns, are listed under
///   `without_order`.
/// - Line totals are sums of the movements listed, so they cover the
///   period only; the ledger's running counters are in the deviations
///   report.
///
/// CSV: one row per movement and serial (a serial unit's row has quantity
/// 1; a removed unit's row has quantity 0, the removal is not
/// consumption), so summing `qty` by `serial_role` gives the line totals.
/// A substitution shows as its kind, with the line's item beside the
/// substitute issued, the reason recorded and who approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consumption {
    pub period: Period,
    pub orders: Vec<OrderConsumption>,
    pub without_order: Vec<Movement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderConsumption {
    pub work_order: WorkOrderId,
    pub asset: AssetId,
    pub scope: String,
    pub status: WoStatus,
    pub lines: Vec<LineConsumption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineConsumption {
    pub line: DemandLineId,
    pub task: Option<TaskId>,
    pub item: ItemId,
    pub item_name: String,
    pub unit: String,
    pub planned: Qty,
    /// Created by an additional issue rather than planned.
    pub additional: bool,
    pub issued: Qty,
    pub written_off: Qty,
    pub returned: Qty,
    /// Issued − returned: what the job kept.
    pub net_issued: Qty,
    pub movements: Vec<Movement>,
}

/// One document's movement on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    pub seq: u64,
    pub doc: DocId,
    pub kind: DocKind,
    pub device_time: DateTime<Utc>,
    pub author: UserId,
    /// Who received the parts (issues).
    pub holder: Option<UserId>,
    pub item: ItemId,
    pub batch: Option<BatchCode>,
    pub qty: Qty,
    /// Serials issued, installed or returned.
    pub serials: Vec<SerialNo>,
    /// Units taken off the asset (write-offs).
    pub removed: Vec<RemovedUnit>,
    /// Condition returned in (returns).
    pub condition: Option<Condition>,
    /// Bin picked from (issues) or returned to (returns).
    pub bin: Option<BinId>,
    /// The issue a return follows.
    pub follows: Option<DocId>,
    /// Why, as recorded (e.g. why a substitute was issued).
    pub reason: Option<String>,
    /// Who approved it (an unlisted substitute, an additional or emergency
    /// issue).
    pub approver: Option<UserId>,
    /// What the movement was worth at the item's cost when it was accepted
    /// (none when recorded before values were kept).
    pub value: Option<Money>,
}

impl Movement {
    fn new(acc: &Accepted, item: &ItemId, qty: Qty) -> Movement {
        Movement {
            seq: acc.seq,
            doc: acc.doc.id,
            kind: acc.doc.kind(),
            device_time: acc.doc.device_time,
            author: acc.doc.author.clone(),
            holder: None,
            item: item.clone(),
            batch: None,
            qty,
            serials: Vec::new(),
            removed: Vec::new(),
            condition: None,
            bin: None,
            follows: acc.doc.follows,
            reason: acc.doc.reason.clone(),
            approver: acc.doc.approver.clone(),
            value: acc.effects.iter().find_map(|e| match e {
                Effect::Value {
                    item: valued,
                    worth,
                    ..
                } if valued == item => Some(*worth),
                _ => None,
            }),
        }
    }

    /// The line movement a document records, if it is one.
    fn of(acc: &Accepted) -> Option<Movement> {
        let doc = &acc.doc;
        if let Some(pick) = issue_pick(&doc.body) {
            let mut m = Movement::new(acc, &pick.item, pick.qty);
            m.holder = Some(holder(doc));
            m.batch = pick.batch.clone();
            m.serials = pick.serials.clone();
            m.bin = Some(pick.bin.clone());
            return Some(m);
        }
        match &doc.body {
            Body::WriteOff {
                item,
                batch,
                qty,
                installed,
                removed,
                ..
            } => {
                let mut m = Movement::new(acc, item, *qty);
                m.batch = batch.clone();
                m.serials = installed.clone();
                m.removed = removed.clone();
                Some(m)
            }
            Body::Return {
                item,
                batch,
                serials,
                qty,
                condition,
                to_bin,
            } => {
                let mut m = Movement::new(acc, item, *qty);
                m.batch = batch.clone();
                m.serials = serials.clone();
                m.condition = Some(*condition);
                m.bin = Some(to_bin.clone());
                Some(m)
            }
            _ => None,
        }
    }
}

/// Where a movement belongs: a line of an order, or nowhere yet.
type Target = Option<(WorkOrderId, DemandLineId)>;

pub fn consumption(ledger: &MemoryLedger, docs: &[Accepted], params: &Params) -> Consumption {
    let period = params.period();
    // Every live issue, period or not: a return in the period may follow an
    // issue before it.
    let issues: HashMap<DocId, Target> = docs
        .iter()
        .filter(|a| a.doc.kind().is_issue() && live(ledger, a))
        .map(|a| (a.doc.id, issue_line(ledger, &a.doc)))
        .collect();
    let mut by_line: BTreeMap<WorkOrderId, BTreeMap<DemandLineId, Vec<Movement>>> = BTreeMap::new();
    let mut without_order = Vec::new();
    for acc in docs {
        if !live(ledger, acc) || !period.contains(acc.doc.device_time) {
            continue;
        }
        let Some(m) = Movement::of(acc) else { continue };
        if params.item.as_ref().is_some_and(|i| *i != m.item) {
            continue;
        }
        let target: Target = match &acc.doc.body {
            Body::WriteOff { .. } => acc.doc.work_order.clone().zip(acc.doc.line.clone()),
            Body::Return { .. } => acc
                .doc
                .follows
                .and_then(|f| issues.get(&f).cloned())
                .flatten(),
            _ => issues.get(&acc.doc.id).cloned().flatten(),
        };
        match target {
            Some((wo, line)) => {
                let wanted = params.wo.as_ref().is_none_or(|w| *w == wo)
                    && params
                        .asset
                        .as_ref()
                        .is_none_or(|a| ledger.work_order(&wo).is_some_and(|w| w.asset == *a));
                if wanted {
                    by_line
                        .entry(wo)
                        .or_default()
                        .entry(line)
                        .or_default()
                        .push(m);
                }
            }
            None => {
                if emergency_wanted(docs, acc, params) {
                    without_order.push(m);
                }
            }
        }
    }
    if let Some(wo) = &params.wo {
        by_line.entry(wo.clone()).or_default();
    }
    let orders = by_line
        .into_iter()
        .filter_map(|(wo, moves)| order_consumption(ledger, &wo, moves, params))
        .collect();
    Consumption {
        period,
        orders,
        without_order,
    }
}

/// An unlinked emergency issue (or a return of one) passes the filters by
/// the asset, or the order it named before it could be linked.
fn emergency_wanted(docs: &[Accepted], acc: &Accepted, params: &Params) -> bool {
    let issue = match &acc.doc.body {
        Body::Return { .. } => acc
            .doc
            .follows
            .and_then(|f| docs.iter().find(|d| d.doc.id == f)),
        _ => Some(acc),
    };
    let Some(issue) = issue else { return false };
    let asset = match &issue.doc.body {
        Body::EmergencyIssue { asset, .. } => asset.as_ref(),
        _ => None,
    };
    params
        .wo
        .as_ref()
        .is_none_or(|w| issue.doc.work_order.as_ref() == Some(w))
        && params.asset.as_ref().is_none_or(|a| asset == Some(a))
}

fn order_consumption(
    ledger: &MemoryLedger,
    wo: &WorkOrderId,
    mut moves: BTreeMap<DemandLineId, Vec<Movement>>,
    params: &Params,
) -> Option<OrderConsumption> {
    let order = ledger.work_order(wo)?;
    let mut lines = ledger.lines_of(wo);
    lines.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = Vec::new();
    for line in lines {
        let movements = moves.remove(&line.id).unwrap_or_default();
        // With an item filter, a planned line of another item is noise.
        if movements.is_empty() && params.item.as_ref().is_some_and(|i| *i != line.item) {
            continue;
        }
        out.push(line_consumption(ledger, &line, movements));
    }
    Some(OrderConsumption {
        work_order: order.id,
        asset: order.asset,
        scope: order.scope,
        status: order.state.status,
        lines: out,
    })
}

fn line_consumption(
    ledger: &MemoryLedger,
    line: &DemandLine,
    movements: Vec<Movement>,
) -> LineConsumption {
    let sum = |f: fn(DocKind) -> bool| -> Qty {
        movements.iter().filter(|m| f(m.kind)).map(|m| m.qty).sum()
    };
    let issued = sum(DocKind::is_issue);
    let written_off = sum(|k| k == DocKind::WriteOff);
    let returned = sum(|k| k == DocKind::Return);
    LineConsumption {
        line: line.id.clone(),
        task: line.task.clone(),
        item: line.item.clone(),
        item_name: item_name(ledger, &line.item),
        unit: line.unit.clone(),
        planned: line.planned,
        additional: line.additional,
        issued,
        written_off,
        returned,
        net_issued: issued - returned,
        movements,
    }
}

#[derive(Debug, Serialize)]
struct ConsumptionRow<'a> {
    work_order: Option<&'a WorkOrderId>,
    asset: Option<&'a AssetId>,
    order_status: Option<WoStatus>,
    line: Option<&'a DemandLineId>,
    line_item: Option<&'a ItemId>,
    planned: Option<Qty>,
    seq: u64,
    doc: DocId,
    kind: DocKind,
    device_time: DateTime<Utc>,
    author: &'a UserId,
    holder: Option<&'a UserId>,
    item: &'a ItemId,
    batch: Option<&'a BatchCode>,
    serial: Option<&'a SerialNo>,
    serial_role: &'static str,
    qty: Qty,
    condition: Option<Condition>,
    bin: Option<&'a BinId>,
    follows: Option<DocId>,
    reason: Option<&'a str>,
    approver: Option<&'a UserId>,
}

impl CsvRow for ConsumptionRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "work_order",
        "asset",
        "order_status",
        "line",
        "line_item",
        "planned",
        "seq",
        "doc",
        "kind",
        "device_time",
        "author",
        "holder",
        "item",
        "batch",
        "serial",
        "serial_role",
        "qty",
        "condition",
        "bin",
        "follows",
        "reason",
        "approver",
    ];
}

/// The rows of one movement: one per serial (quantity 1 each), the rest
/// of the quantity on a row without serial, and a row of quantity 0 per
/// removed unit.
fn movement_rows<'a>(
    order: Option<&'a OrderConsumption>,
    line: Option<&'a LineConsumption>,
    m: &'a Movement,
    out: &mut Vec<ConsumptionRow<'a>>,
) {
    let role = match m.kind {
        DocKind::WriteOff => "installed",
        DocKind::Return => "returned",
        _ => "issued",
    };
    let row = |serial: Option<&'a SerialNo>, item: &'a ItemId, role, qty| ConsumptionRow {
        work_order: order.map(|o| &o.work_order),
        asset: order.map(|o| &o.asset),
        order_status: order.map(|o| o.status),
        line: line.map(|l| &l.line),
        line_item: line.map(|l| &l.item),
        planned: line.map(|l| l.planned),
        seq: m.seq,
        doc: m.doc,
        kind: m.kind,
        device_time: m.device_time,
        author: &m.author,
        holder: m.holder.as_ref(),
        item,
        batch: m.batch.as_ref(),
        serial,
        serial_role: role,
        qty,
        condition: m.condition,
        bin: m.bin.as_ref(),
        follows: m.follows,
        reason: m.reason.as_deref(),
        approver: m.approver.as_ref(),
    };
    let mut left = m.qty;
    for s in &m.serials {
        let q = left.min(Qty::units(1)).max(Qty::ZERO);
        left -= q;
        out.push(row(Some(s), &m.item, role, q));
    }
    if m.serials.is_empty() || left.is_positive() {
        out.push(row(None, &m.item, role, left));
    }
    for r in &m.removed {
        out.push(row(Some(&r.serial), &r.item, "removed", Qty::ZERO));
    }
}

impl Consumption {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        let mut rows = Vec::new();
        for o in &self.orders {
            for l in &o.lines {
                for m in &l.movements {
                    movement_rows(Some(o), Some(l), m, &mut rows);
                }
            }
        }
        for m in &self.without_order {
            movement_rows(None, None, m, &mut rows);
        }
        csv_out::write(rows)
    }
}

/// Issued vs planned (design §6.3: deviation = issued − planned), from the
/// ledger's line counters as they are now, per line and per order.
///
/// - Orders still created or approved are left out: nothing can be issued
///   on them yet. An order in progress shows what is not issued yet as
///   under plan.
/// - An additional line's recorded plan is the additional issue that
///   created it; against the order's plan it is unplanned, so it is
///   reported with `planned` 0 and its whole issue as deviation.
/// - `deviation_percent` is deviation / planned (null for unplanned
///   lines).
/// - Lines issued exactly as planned are left out unless `all=true`; the
///   order still counts them in `lines_on_plan`. Orders with no line left
///   are dropped (unless asked for by `wo`).
///
/// CSV: one row per line, with its order's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deviations {
    pub orders: Vec<OrderDeviation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderDeviation {
    pub work_order: WorkOrderId,
    pub asset: AssetId,
    pub status: WoStatus,
    /// Lines issued beyond plan (additional lines included).
    pub lines_over: usize,
    pub lines_under: usize,
    pub lines_on_plan: usize,
    pub additional_lines: usize,
    pub lines: Vec<LineDeviation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineDeviation {
    pub line: DemandLineId,
    pub task: Option<TaskId>,
    pub item: ItemId,
    pub item_name: String,
    pub unit: String,
    pub additional: bool,
    pub planned: Qty,
    pub issued: Qty,
    pub written_off: Qty,
    pub returned: Qty,
    pub in_work: Qty,
    /// Issued − planned.
    pub deviation: Qty,
    pub deviation_percent: Option<String>,
}

pub fn deviations(ledger: &MemoryLedger, params: &Params) -> Deviations {
    let all = params.all.unwrap_or(false);
    let mut orders = Vec::new();
    for wo in ledger.projections().work_orders.values() {
        let asked = params.wo.as_ref() == Some(&wo.id);
        if params.wo.as_ref().is_some_and(|w| *w != wo.id)
            || params.asset.as_ref().is_some_and(|a| *a != wo.asset)
            || (!asked && matches!(wo.state.status, WoStatus::Created | WoStatus::Approved))
        {
            continue;
        }
        let mut lines = ledger.lines_of(&wo.id);
        lines.sort_by(|a, b| a.id.cmp(&b.id));
        let mut order = OrderDeviation {
            work_order: wo.id.clone(),
            asset: wo.asset.clone(),
            status: wo.state.status,
            lines_over: 0,
            lines_under: 0,
            lines_on_plan: 0,
            additional_lines: 0,
            lines: Vec::new(),
        };
        for line in lines {
            if params.item.as_ref().is_some_and(|i| *i != line.item) {
                continue;
            }
            let d = line_deviation(ledger, &line);
            order.additional_lines += usize::from(line.additional);
            match d.deviation.milli().signum() {
                1 => order.lines_over += 1,
                -1 => order.lines_under += 1,
                _ => order.lines_on_plan += 1,
            }
            if all || !d.deviation.is_zero() {
                order.lines.push(d);
            }
        }
        if !order.lines.is_empty() || asked {
            orders.push(order);
        }
    }
    Deviations { orders }
}

fn line_deviation(ledger: &MemoryLedger, line: &DemandLine) -> LineDeviation {
    let c = ledger.line_counts(&line.id);
    let planned = if line.additional {
        Qty::ZERO
    } else {
        line.planned
    };
    let deviation = c.issued - planned;
    LineDeviation {
        line: line.id.clone(),
        task: line.task.clone(),
        item: line.item.clone(),
        item_name: item_name(ledger, &line.item),
        unit: line.unit.clone(),
        additional: line.additional,
        planned,
        issued: c.issued,
        written_off: c.written_off,
        returned: c.returned,
        in_work: c.in_work(),
        deviation,
        deviation_percent: percent(deviation.milli().into(), planned.milli().into()),
    }
}

#[derive(Debug, Serialize)]
struct DeviationRow<'a> {
    work_order: &'a WorkOrderId,
    asset: &'a AssetId,
    order_status: WoStatus,
    line: &'a DemandLineId,
    item: &'a ItemId,
    item_name: &'a str,
    unit: &'a str,
    additional: bool,
    planned: Qty,
    issued: Qty,
    written_off: Qty,
    returned: Qty,
    in_work: Qty,
    deviation: Qty,
    deviation_percent: Option<&'a str>,
}

impl CsvRow for DeviationRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "work_order",
        "asset",
        "order_status",
        "line",
        "item",
        "item_name",
        "unit",
        "additional",
        "planned",
        "issued",
        "written_off",
        "returned",
        "in_work",
        "deviation",
        "deviation_percent",
    ];
}

impl Deviations {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.orders.iter().flat_map(|o| {
            o.lines.iter().map(move |l| DeviationRow {
                work_order: &o.work_order,
                asset: &o.asset,
                order_status: o.status,
                line: &l.line,
                item: &l.item,
                item_name: &l.item_name,
                unit: &l.unit,
                additional: l.additional,
                planned: l.planned,
                issued: l.issued,
                written_off: l.written_off,
                returned: l.returned,
                in_work: l.in_work,
                deviation: l.deviation,
                deviation_percent: l.deviation_percent.as_deref(),
            })
        }))
    }
}

#[cfg(test)]
mod tests;
