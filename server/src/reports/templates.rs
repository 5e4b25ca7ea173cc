//! Template consumption: what orders planned from a work template actually
//! consumed, set against the template's standards (the article's
//! "repeatability of repairs").

use super::common::{item_name, percent};
use super::csv_out::{self, CsvRow};
use super::{Params, ReportError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use std::collections::BTreeMap;

/// Per template (or the one `template` names), per item: the standard an
/// order should consume and what each order from the template did.
///
/// - An order counts once its work is reported complete (`completed_at`
///   within the period, when one is given) and it is not cancelled; orders
///   from the template still at work are counted in `orders_at_work` only.
/// - An order's actual consumption of an item is what was written off on
///   its lines of that item — planned or additional, substitutes included
///   (a substitute is written off on the line it replaced).
/// - The standard is the template's as it is now: per item, the least is
///   the sum of its mandatory lines' quantities (a line that is not
///   mandatory may be left out), the most the sum of every line's maximum
///   (its quantity when it is not a range). Items written off on orders
///   from the template but not in it have the standard 0–0
///   (`in_template` false).
/// - Each order is `below`, `within` or `above` its standard; `within`
///   is also given as a share of the orders.
///
/// CSV: one row per template, item and order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateConsumption {
    pub templates: Vec<TemplateUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateUse {
    pub template: TemplateId,
    pub name: String,
    /// Orders from the template whose work is complete, in the period.
    pub orders: u32,
    /// Orders from the template still at work (not compared yet).
    pub orders_at_work: u32,
    pub items: Vec<StandardUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardUse {
    pub item: ItemId,
    pub item_name: String,
    pub unit: String,
    pub in_template: bool,
    /// The standard per order.
    pub standard_min: Qty,
    pub standard_max: Qty,
    /// Written off over all the orders counted.
    pub actual_total: Qty,
    pub below: u32,
    pub within: u32,
    pub above: u32,
    /// `within` of `orders`, in percent.
    pub within_percent: Option<String>,
    pub work_orders: Vec<OrderUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderUse {
    pub work_order: WorkOrderId,
    pub asset: AssetId,
    pub completed_at: Option<DateTime<Utc>>,
    pub actual: Qty,
    pub conformity: Conformity,
}

pub fn template_consumption(ledger: &MemoryLedger, params: &Params) -> TemplateConsumption {
    let period = params.period();
    let templates = ledger
        .templates()
        .filter(|t| params.template.as_ref().is_none_or(|id| *id == t.id))
        .map(|t| {
            let mut orders_at_work = 0;
            let mut done = Vec::new();
            for wo in ledger.projections().work_orders.values() {
                if wo.template.as_ref() != Some(&t.id) || wo.state.status == WoStatus::Cancelled {
                    continue;
                }
                match wo.state.completed_at {
                    Some(at) if period.contains(at) => done.push(wo),
                    Some(_) => {}
                    None => orders_at_work += 1,
                }
            }
            // What each order wrote off, per item.
            let actual: Vec<BTreeMap<ItemId, Qty>> = done
                .iter()
                .map(|wo| {
                    let mut by = BTreeMap::new();
                    for line in ledger.lines_of(&wo.id) {
                        *by.entry(line.item.clone()).or_insert(Qty::ZERO) +=
                            ledger.line_counts(&line.id).written_off;
                    }
                    by.retain(|_, q| q.is_positive());
                    by
                })
                .collect();
            let standard = t.standard_by_item();
            let mut items: BTreeMap<ItemId, (bool, Qty, Qty)> = standard
                .iter()
                .map(|(i, (min, max))| (i.clone(), (true, *min, *max)))
                .collect();
            for by in &actual {
                for item in by.keys() {
                    items
                        .entry(item.clone())
                        .or_insert((false, Qty::ZERO, Qty::ZERO));
                }
            }
            let items = items
                .into_iter()
                .map(|(item, (in_template, min, max))| {
                    let work_orders: Vec<OrderUse> = done
                        .iter()
                        .zip(&actual)
                        .map(|(wo, by)| {
                            let q = by.get(&item).copied().unwrap_or(Qty::ZERO);
                            OrderUse {
                                work_order: wo.id.clone(),
                                asset: wo.asset.clone(),
                                completed_at: wo.state.completed_at,
                                actual: q,
                                conformity: Conformity::of(q, min, max),
                            }
                        })
                        .collect();
                    let count = |c: Conformity| {
                        work_orders.iter().filter(|o| o.conformity == c).count() as u32
                    };
                    let within = count(Conformity::Within);
                    StandardUse {
                        unit: ledger.item(&item).map(|i| i.unit).unwrap_or_default(),
                        item_name: item_name(ledger, &item),
                        in_template,
                        standard_min: min,
                        standard_max: max,
                        actual_total: work_orders.iter().map(|o| o.actual).sum(),
                        below: count(Conformity::Below),
                        within,
                        above: count(Conformity::Above),
                        within_percent: percent(within.into(), work_orders.len() as i128),
                        work_orders,
                        item,
                    }
                })
                .collect();
            TemplateUse {
                template: t.id.clone(),
                name: t.name.clone(),
                orders: done.len() as u32,
                orders_at_work,
                items,
            }
        })
        .collect();
    TemplateConsumption { templates }
}

/// A CSV row: one order's consumption of one item against its template.
#[derive(Serialize)]
struct Row<'r> {
    template: &'r TemplateId,
    item: &'r ItemId,
    item_name: &'r str,
    unit: &'r str,
    in_template: bool,
    standard_min: Qty,
    standard_max: Qty,
    work_order: &'r WorkOrderId,
    asset: &'r AssetId,
    completed_at: Option<DateTime<Utc>>,
    actual: Qty,
    conformity: Conformity,
}

impl CsvRow for Row<'_> {
    const HEADER: &'static [&'static str] = &[
        "template",
        "item",
        "item_name",
        "unit",
        "in_template",
        "standard_min",
        "standard_max",
        "work_order",
        "asset",
        "completed_at",
        "actual",
        "conformity",
    ];
}

impl TemplateConsumption {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.templates.iter().flat_map(|t| {
            t.items.iter().flat_map(move |s| {
                s.work_orders.iter().map(move |o| Row {
                    template: &t.template,
                    item: &s.item,
                    item_name: &s.item_name,
                    unit: &s.unit,
                    in_template: s.in_template,
                    standard_min: s.standard_min,
                    standard_max: s.standard_max,
                    work_order: &o.work_order,
                    asset: &o.asset,
                    completed_at: o.completed_at,
                    actual: o.actual,
                    conformity: o.conformity,
                })
            })
        }))
    }
}

#[cfg(test)]
mod tests;
