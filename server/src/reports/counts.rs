//! Discrepancy between counted and recorded stock for the most-issued
//! parts (design §8: top 20).

use super::ReportError;
use super::common::{Period, issue_pick, item_name, live, percent, unit_of};
use super::csv_out::{self, CsvRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sparescan_core::document::Body;
use sparescan_core::effect::Effect;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::view::Accepted;
use std::collections::{BTreeMap, HashMap};

/// Counted vs recorded stock for the `top` parts with the most issued
/// quantity.
///
/// - Ranking: the sum of the quantities of issue-kind documents in the
///   period per item, largest first (ties by item code). Items never
///   issued are not ranked, so the list may be shorter than `top`.
/// - For each ranked item, the latest count document in the period per
///   location (bin, batch, condition). `recorded` is what the books said
///   when it was counted (the count's discrepancy, or the count itself
///   when there was none); `counted` is what was found.
/// - Per item: sums over its counted locations; `difference` = counted −
///   recorded (net, so a surplus in one bin can hide a shortage in
///   another); `abs_difference` = the sum of each location's |counted −
///   recorded|. An item not counted in the period has nulls.
/// - `items_matching`: counted items whose `abs_difference` is 0;
///   `percent_matching` = items_matching / items_counted.
///
/// CSV: one row per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountDiscrepancy {
    pub period: Period,
    pub top: usize,
    pub items_counted: usize,
    pub items_matching: usize,
    pub percent_matching: Option<String>,
    pub items: Vec<CountedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedItem {
    pub rank: usize,
    pub item: ItemId,
    pub item_name: String,
    pub unit: String,
    pub issued: Qty,
    pub recorded: Option<Qty>,
    pub counted: Option<Qty>,
    pub difference: Option<Qty>,
    pub abs_difference: Option<Qty>,
    pub last_counted_at: Option<DateTime<Utc>>,
    pub locations: Vec<CountedLocation>,
}

/// The latest count of one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedLocation {
    pub bin: BinId,
    pub batch: Option<BatchCode>,
    pub condition: Condition,
    pub recorded: Qty,
    pub counted: Qty,
    pub difference: Qty,
    pub doc: DocId,
    pub counted_at: DateTime<Utc>,
}

/// Where a count was taken: bin, batch, condition.
type Location = (BinId, Option<BatchCode>, Condition);

/// Issued quantity per item in the period, largest first.
pub(crate) fn most_issued(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    period: Period,
    top: usize,
) -> Vec<(ItemId, Qty)> {
    let mut issued: HashMap<&ItemId, Qty> = HashMap::new();
    for acc in docs {
        if let Some(pick) = issue_pick(&acc.doc.body)
            && live(ledger, acc)
            && period.contains(acc.doc.device_time)
        {
            *issued.entry(&pick.item).or_default() += pick.qty;
        }
    }
    let mut ranked: Vec<(ItemId, Qty)> = issued.into_iter().map(|(i, q)| (i.clone(), q)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(top);
    ranked
}

pub fn count_discrepancy(
    ledger: &MemoryLedger,
    docs: &[Accepted],
    period: Period,
    top: usize,
) -> CountDiscrepancy {
    let ranked = most_issued(ledger, docs, period, top);
    let wanted: HashMap<&ItemId, usize> = ranked
        .iter()
        .enumerate()
        .map(|(n, (i, _))| (i, n))
        .collect();
    // Latest count per location, in ledger order.
    let mut latest: Vec<BTreeMap<Location, CountedLocation>> = vec![BTreeMap::new(); ranked.len()];
    for acc in docs {
        let Body::Count {
            item,
            bin,
            batch,
            condition,
            counted,
            ..
        } = &acc.doc.body
        else {
            continue;
        };
        let Some(&n) = wanted.get(item) else { continue };
        if !live(ledger, acc) || !period.contains(acc.doc.device_time) {
            continue;
        }
        let recorded = acc
            .effects
            .iter()
            .find_map(|e| match e {
                Effect::Discrepancy(d) => Some(d.book),
                _ => None,
            })
            .unwrap_or(*counted);
        if let Some(slot) = latest.get_mut(n) {
            slot.insert(
                (bin.clone(), batch.clone(), *condition),
                CountedLocation {
                    bin: bin.clone(),
                    batch: batch.clone(),
                    condition: *condition,
                    recorded,
                    counted: *counted,
                    difference: *counted - recorded,
                    doc: acc.doc.id,
                    counted_at: acc.doc.device_time,
                },
            );
        }
    }
    let items: Vec<CountedItem> = ranked
        .into_iter()
        .zip(latest)
        .enumerate()
        .map(|(n, ((item, issued), locations))| {
            let locations: Vec<CountedLocation> = locations.into_values().collect();
            let counted_any = !locations.is_empty();
            let sum = |f: fn(&CountedLocation) -> Qty| {
                counted_any.then(|| locations.iter().map(f).sum::<Qty>())
            };
            CountedItem {
                rank: n + 1,
                item_name: item_name(ledger, &item),
                unit: unit_of(ledger, &item),
                issued,
                recorded: sum(|l| l.recorded),
                counted: sum(|l| l.counted),
                difference: sum(|l| l.difference),
                abs_difference: sum(|l| {
                    if l.difference.is_negative() {
                        -l.difference
                    } else {
                        l.difference
                    }
                }),
                last_counted_at: locations.iter().map(|l| l.counted_at).max(),
                item,
                locations,
            }
        })
        .collect();
    let items_counted = items.iter().filter(|i| i.counted.is_some()).count();
    let items_matching = items
        .iter()
        .filter(|i| i.abs_difference.is_some_and(Qty::is_zero))
        .count();
    CountDiscrepancy {
        period,
        top,
        items_counted,
        items_matching,
        percent_matching: percent(items_matching as i128, items_counted as i128),
        items,
    }
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    rank: usize,
    item: &'a ItemId,
    item_name: &'a str,
    unit: &'a str,
    issued: Qty,
    locations_counted: usize,
    recorded: Option<Qty>,
    counted: Option<Qty>,
    difference: Option<Qty>,
    abs_difference: Option<Qty>,
    last_counted_at: Option<DateTime<Utc>>,
}

impl CsvRow for Row<'_> {
    const HEADER: &'static [&'static str] = &[
        "rank",
        "item",
        "item_name",
        "unit",
        "issued",
        "locations_counted",
        "recorded",
        "counted",
        "difference",
        "abs_difference",
        "last_counted_at",
    ];
}

impl CountDiscrepancy {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.items.iter().map(|i| Row {
            rank: i.rank,
            item: &i.item,
            item_name: &i.item_name,
            unit: &i.unit,
            issued: i.issued,
            locations_counted: i.locations.len(),
            recorded: i.recorded,
            counted: i.counted,
            difference: i.difference,
            abs_difference: i.abs_difference,
            last_counted_at: i.last_counted_at,
        }))
    }
}

#[cfg(test)]
mod tests;
