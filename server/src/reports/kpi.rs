//! The KPIs of design §8 (from the domain article: "share of issues by
//! work orders, return rate, discrepancy between actual and warehouse for
//! top-20 spare parts, and number of issues without an order").
//!
//! Every KPI counts live documents only (not reversed by a correction)
//! dated in the period by device time. Quantities are summed per unit of
//! measure, never across units.

use super::ReportError;
use super::common::{
    Period, holder, issue_line, issue_pick, live, nearest_rank, percent, seconds_between, unit_of,
};
use super::counts::count_discrepancy;
use super::csv_out::{self, CsvRow};
use super::inspection::match_inspections;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sparescan_core::document::{Body, DocKind, Transition};
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::qty::Qty;
use sparescan_core::rules::return_deadline;
use sparescan_core::view::Accepted;
use std::collections::{BTreeMap, HashMap};

/// The KPIs. CSV: one row per figure (`kpi, unit, numerator,
/// denominator, value`), per unit of measure where the figure is a
/// quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kpis {
    pub period: Period,
    /// Issue-kind documents (issue, substitution, additional, emergency)
    /// tied to a work order / all of them. An emergency issue counts as
    /// not tied until it is linked to an order (as it is now).
    pub issues_tied_to_order: CountShare,
    /// Returned quantity (returns of unused parts; removed units are not
    /// returns of an issue) / issued quantity, per unit of measure.
    pub return_rate: Vec<UnitShare>,
    /// Leftovers of finished work: from work reported complete (or the
    /// order cancelled) to each return, and the share back by the site's
    /// deadline.
    pub leftover_returns: LeftoverReturns,
    pub return_processing: ReturnProcessing,
    /// Of the returns cleared by an inspection decision in the period:
    /// released quantity / (released + rejected), per unit of measure.
    pub inspection_pass: Vec<UnitShare>,
    pub issues_without_order: WithoutOrder,
    /// Summary of the count-discrepancy report for the top parts.
    pub count_discrepancy: CountSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountShare {
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<String>,
}

impl CountShare {
    fn new(numerator: u64, denominator: u64) -> Self {
        CountShare {
            numerator,
            denominator,
            percent: percent(numerator.into(), denominator.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitShare {
    pub unit: String,
    pub numerator: Qty,
    pub denominator: Qty,
    pub percent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitQty {
    pub unit: String,
    pub qty: Qty,
}

/// Time to process a return: from the return that put stock under
/// inspection (a return under inspection, or a removed unit returned
/// under inspection) to the inspection decision that cleared the last of
/// it (matching: serials named by the decision first, then first in,
/// first out per item, quarantine bin and batch). Returns processed in the
/// period (by the decision's time) count; times are whole seconds between
/// device times, nearest-rank median and 90th percentile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnProcessing {
    pub processed: usize,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    /// Returns still (partly) under inspection now, whatever the period.
    pub pending: usize,
    pub oldest_pending_seconds: Option<i64>,
}

/// Returns of leftovers, as the domain article means them ("time to
/// process a return, for example within the day of work closure"): for
/// each order whose work ended in the period — reported complete, or
/// cancelled (the latest such document, by device time) — every return to
/// the store after that moment (a return of unused parts, by the order of
/// the issue it follows; a removed unit returned, by its order) is timed
/// from the end of work, whole seconds between device times, nearest-rank
/// median and 90th percentile. Its leftovers are what came back after the
/// end plus what is still out now (in work on its lines, removed units not
/// returned). `within_deadline`: per unit of measure, the quantity back by
/// the site's deadline (`return_deadline_working_days` working days after
/// the end, Saturdays and Sundays skipped, as in overdue-returns) / the
/// leftovers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftoverReturns {
    pub deadline_working_days: u32,
    /// Orders whose work ended in the period.
    pub orders: usize,
    pub returns: usize,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    pub within_deadline: Vec<UnitShare>,
    pub still_out: Vec<UnitQty>,
}

/// Issues without an order: emergency issues in the period. `unlinked`
/// are still waiting for their work order (the KPI); `linked_later` were
/// tied to an order by a later link document, `median_link_seconds` from
/// issue to link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WithoutOrder {
    pub unlinked: usize,
    pub unlinked_qty: Vec<UnitQty>,
    pub linked_later: usize,
    pub linked_later_qty: Vec<UnitQty>,
    pub median_link_seconds: Option<i64>,
    pub unlinked_issues: Vec<UnlinkedIssue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnlinkedIssue {
    pub doc: DocId,
    pub item: ItemId,
    pub qty: Qty,
    pub serials: Vec<SerialNo>,
    pub asset: Option<AssetId>,
    /// The order it named, if one existed but could not take issues yet.
    pub work_order: Option<WorkOrderId>,
    pub holder: UserId,
    pub approver: Option<UserId>,
    pub issued_at: DateTime<Utc>,
    pub age_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountSummary {
    pub top: usize,
    pub items_ranked: usize,
    pub items_counted: usize,
    pub items_matching: usize,
    pub percent_matching: Option<String>,
}

fn by_unit(map: BTreeMap<String, Qty>) -> Vec<UnitQty> {
    map.into_iter()
        .map(|(unit, qty)| UnitQty { unit, qty })
        .collect()
}

/// `num / den` per unit, for every unit either side has.
fn shares(num: &BTreeMap<String, Qty>, den: &BTreeMap<String, Qty>) -> Vec<UnitShare> {
    let mut units: Vec<&String> = num.keys().chain(den.keys()).collect();
    units.sort();
    units.dedup();
    units
        .into_iter()
        .map(|u| {
            let n = num.get(u).copied().unwrap_or_default();
            let d = den.get(u).copied().unwrap_or_default();
            UnitShare {
                unit: u.clone(),
                numerator: n,
                denominator: d,
                percent: percent(n.milli().into(), d.milli().into()),
            }
        })
        .collect()
}

pub fn kpis(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    now: DateTime<Utc>,
    period: Period,
    top: usize,
) -> Kpis {
    let in_period: Vec<&Accepted> = docs
        .iter()
        .filter(|a| live(ledger, a) && period.contains(a.doc.device_time))
        .collect();
    let mut issues = 0u64;
    let mut tied = 0u64;
    let mut issued: BTreeMap<String, Qty> = BTreeMap::new();
    let mut returned: BTreeMap<String, Qty> = BTreeMap::new();
    for acc in &in_period {
        if let Some(pick) = issue_pick(&acc.doc.body) {
            issues += 1;
            let linked = acc.doc.kind() != DocKind::EmergencyIssue
                || ledger
                    .emergency(&acc.doc.id)
                    .is_some_and(|e| e.linked.is_some());
            tied += u64::from(linked);
            *issued.entry(unit_of(ledger, &pick.item)).or_default() += pick.qty;
        }
        if let Body::Return { item, qty, .. } = &acc.doc.body {
            *returned.entry(unit_of(ledger, item)).or_default() += *qty;
        }
    }
    let (return_processing, inspection_pass) = inspections(ledger, docs, now, period);
    let leftover_returns = leftover_returns(ledger, docs, period);
    let counts = count_discrepancy(ledger, docs, period, top);
    Kpis {
        period,
        issues_tied_to_order: CountShare::new(tied, issues),
        return_rate: shares(&returned, &issued),
        leftover_returns,
        return_processing,
        inspection_pass,
        issues_without_order: without_order(ledger, docs, &in_period, now),
        count_discrepancy: CountSummary {
            top,
            items_ranked: counts.items.len(),
            items_counted: counts.items_counted,
            items_matching: counts.items_matching,
            percent_matching: counts.percent_matching,
        },
    }
}

fn inspections(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    now: DateTime<Utc>,
    period: Period,
) -> (ReturnProcessing, Vec<UnitShare>) {
    let m = match_inspections(ledger, docs);
    let mut released: BTreeMap<String, Qty> = BTreeMap::new();
    let mut inspected: BTreeMap<String, Qty> = BTreeMap::new();
    let mut times = Vec::new();
    for c in m.clearings.iter().filter(|c| period.contains(c.decided_at)) {
        let unit = unit_of(ledger, &c.item);
        *inspected.entry(unit.clone()).or_default() += c.qty;
        if c.released {
            *released.entry(unit).or_default() += c.qty;
        }
        if c.completes {
            times.push(seconds_between(c.returned_at, c.decided_at));
        }
    }
    times.sort_unstable();
    let processing = ReturnProcessing {
        processed: times.len(),
        median_seconds: nearest_rank(&times, 50),
        p90_seconds: nearest_rank(&times, 90),
        pending: m.pending.len(),
        oldest_pending_seconds: m
            .pending
            .iter()
            .map(|p| seconds_between(p.returned_at, now))
            .max(),
    };
    (processing, shares(&released, &inspected))
}

fn leftover_returns(ledger: &MemoryLedger, docs: &[Accepted], period: Period) -> LeftoverReturns {
    let days = ledger.policy().return_deadline_working_days;
    let live: Vec<&Accepted> = docs.iter().filter(|a| live(ledger, a)).collect();
    // When each order's work ended: its latest completion or cancellation.
    let mut ended: BTreeMap<WorkOrderId, DateTime<Utc>> = BTreeMap::new();
    for acc in &live {
        if let (
            Body::WoStatusChange {
                transition: Transition::Complete | Transition::Cancel,
            },
            Some(wo),
        ) = (&acc.doc.body, &acc.doc.work_order)
        {
            let t = ended.entry(wo.clone()).or_insert(acc.doc.device_time);
            *t = (*t).max(acc.doc.device_time);
        }
    }
    ended.retain(|_, t| period.contains(*t));
    let issue_orders: HashMap<DocId, WorkOrderId> = live
        .iter()
        .filter(|a| a.doc.kind().is_issue())
        .filter_map(|a| Some((a.doc.id, issue_line(ledger, &a.doc)?.0)))
        .collect();
    let mut back: BTreeMap<String, Qty> = BTreeMap::new();
    let mut on_time: BTreeMap<String, Qty> = BTreeMap::new();
    let mut times = Vec::new();
    for acc in &live {
        let (wo, item, qty) = match &acc.doc.body {
            Body::Return { item, qty, .. } => {
                let wo = acc.doc.follows.and_then(|f| issue_orders.get(&f));
                (wo.cloned(), item, *qty)
            }
            Body::RemovedUnitReturn { item, .. } => {
                (acc.doc.work_order.clone(), item, Qty::units(1))
            }
            _ => continue,
        };
        let Some(end) = wo.and_then(|w| ended.get(&w).copied()) else {
            continue;
        };
        if acc.doc.device_time < end {
            continue;
        }
        let unit = unit_of(ledger, item);
        *back.entry(unit.clone()).or_default() += qty;
        if acc.doc.device_time <= return_deadline(end, days) {
            *on_time.entry(unit).or_default() += qty;
        }
        times.push(seconds_between(end, acc.doc.device_time));
    }
    let mut still_out: BTreeMap<String, Qty> = BTreeMap::new();
    for wo in ended.keys() {
        for line in ledger.lines_of(wo) {
            let q = ledger.line_counts(&line.id).in_work();
            if q.is_positive() {
                *still_out.entry(unit_of(ledger, &line.item)).or_default() += q;
            }
        }
        for unit in ledger.removed_units_of(wo) {
            *still_out.entry(unit_of(ledger, &unit.item)).or_default() += Qty::units(1);
        }
    }
    let mut leftovers = back;
    for (unit, q) in &still_out {
        *leftovers.entry(unit.clone()).or_default() += *q;
    }
    times.sort_unstable();
    LeftoverReturns {
        deadline_working_days: days,
        orders: ended.len(),
        returns: times.len(),
        median_seconds: nearest_rank(&times, 50),
        p90_seconds: nearest_rank(&times, 90),
        within_deadline: shares(&on_time, &leftovers),
        still_out: by_unit(still_out),
    }
}

fn without_order(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    in_period: &[&Accepted],
    now: DateTime<Utc>,
) -> WithoutOrder {
    // When each emergency issue was linked (the live link document).
    let links: HashMap<DocId, DateTime<Utc>> = docs
        .iter()
        .filter(|a| live(ledger, a))
        .filter_map(|a| match &a.doc.body {
            Body::EmergencyLink { emergency } => Some((*emergency, a.doc.device_time)),
            _ => None,
        })
        .collect();
    let mut unlinked_qty: BTreeMap<String, Qty> = BTreeMap::new();
    let mut linked_qty: BTreeMap<String, Qty> = BTreeMap::new();
    let mut linked_later = 0;
    let mut link_times = Vec::new();
    let mut unlinked_issues = Vec::new();
    for acc in in_period {
        let Body::EmergencyIssue { pick, asset, .. } = &acc.doc.body else {
            continue;
        };
        let unit = unit_of(ledger, &pick.item);
        let record = ledger.emergency(&acc.doc.id);
        if record.as_ref().is_some_and(|e| e.linked.is_some()) {
            linked_later += 1;
            *linked_qty.entry(unit).or_default() += pick.qty;
            if let Some(t) = links.get(&acc.doc.id) {
                link_times.push(seconds_between(acc.doc.device_time, *t));
            }
            continue;
        }
        *unlinked_qty.entry(unit).or_default() += pick.qty;
        unlinked_issues.push(UnlinkedIssue {
            doc: acc.doc.id,
            item: pick.item.clone(),
            qty: pick.qty,
            serials: pick.serials.clone(),
            asset: asset.clone(),
            work_order: acc.doc.work_order.clone(),
            holder: holder(&acc.doc),
            approver: record
                .map(|e| e.approver)
                .or_else(|| acc.doc.approver.clone()),
            issued_at: acc.doc.device_time,
            age_days: (now - acc.doc.device_time).num_days().max(0),
        });
    }
    link_times.sort_unstable();
    WithoutOrder {
        unlinked: unlinked_issues.len(),
        unlinked_qty: by_unit(unlinked_qty),
        linked_later,
        linked_later_qty: by_unit(linked_qty),
        median_link_seconds: nearest_rank(&link_times, 50),
        unlinked_issues,
    }
}

#[derive(Debug, Serialize)]
struct Row {
    kpi: &'static str,
    unit: Option<String>,
    numerator: Option<String>,
    denominator: Option<String>,
    value: Option<String>,
}

impl CsvRow for Row {
    const HEADER: &'static [&'static str] = &["kpi", "unit", "numerator", "denominator", "value"];
}

fn value(kpi: &'static str, v: Option<impl ToString>) -> Row {
    Row {
        kpi,
        unit: None,
        numerator: None,
        denominator: None,
        value: v.map(|v| v.to_string()),
    }
}

fn unit_rows(kpi: &'static str, shares: &[UnitShare], rows: &mut Vec<Row>) {
    for s in shares {
        rows.push(Row {
            kpi,
            unit: Some(s.unit.clone()),
            numerator: Some(s.numerator.to_string()),
            denominator: Some(s.denominator.to_string()),
            value: s.percent.clone(),
        });
    }
}

fn qty_rows(kpi: &'static str, qtys: &[UnitQty], rows: &mut Vec<Row>) {
    for q in qtys {
        rows.push(Row {
            kpi,
            unit: Some(q.unit.clone()),
            numerator: None,
            denominator: None,
            value: Some(q.qty.to_string()),
        });
    }
}

impl Kpis {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        let t = &self.issues_tied_to_order;
        let mut rows = vec![Row {
            kpi: "issues_tied_to_order",
            unit: None,
            numerator: Some(t.numerator.to_string()),
            denominator: Some(t.denominator.to_string()),
            value: t.percent.clone(),
        }];
        unit_rows("return_rate", &self.return_rate, &mut rows);
        let l = &self.leftover_returns;
        rows.push(value("leftover_orders", Some(l.orders)));
        rows.push(value("leftover_returns", Some(l.returns)));
        rows.push(value("leftover_return_median_seconds", l.median_seconds));
        rows.push(value("leftover_return_p90_seconds", l.p90_seconds));
        unit_rows("leftovers_back_by_deadline", &l.within_deadline, &mut rows);
        qty_rows("leftovers_still_out", &l.still_out, &mut rows);
        let p = &self.return_processing;
        rows.push(value("returns_processed", Some(p.processed)));
        rows.push(value("return_processing_median_seconds", p.median_seconds));
        rows.push(value("return_processing_p90_seconds", p.p90_seconds));
        rows.push(value("returns_pending", Some(p.pending)));
        rows.push(value(
            "returns_oldest_pending_seconds",
            p.oldest_pending_seconds,
        ));
        unit_rows("inspection_pass", &self.inspection_pass, &mut rows);
        let w = &self.issues_without_order;
        rows.push(value("issues_without_order", Some(w.unlinked)));
        qty_rows("issues_without_order_qty", &w.unlinked_qty, &mut rows);
        rows.push(value("issues_linked_later", Some(w.linked_later)));
        qty_rows("issues_linked_later_qty", &w.linked_later_qty, &mut rows);
        rows.push(value("link_median_seconds", w.median_link_seconds));
        let c = &self.count_discrepancy;
        rows.push(Row {
            kpi: "count_items_matching",
            unit: None,
            numerator: Some(c.items_matching.to_string()),
            denominator: Some(c.items_counted.to_string()),
            value: c.percent_matching.clone(),
        });
        rows.push(value("count_items_ranked", Some(c.items_ranked)));
        csv_out::write(rows)
    }
}

#[cfg(test)]
mod tests;
