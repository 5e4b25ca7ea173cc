//! What repairs cost and what stock is worth (docs/domain.md, "Costs").

use super::common::{Period, item_name, live};
use super::csv_out::{self, CsvRow};
use super::{Params, ReportError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sparescan_core::document::Body;
use sparescan_core::effect::Effect;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::money::Money;
use sparescan_core::qty::Qty;
use sparescan_core::view::Accepted;
use std::collections::BTreeMap;

/// How the repair-cost report groups its documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostGrouping {
    #[default]
    Order,
    Asset,
    Account,
}

impl CostGrouping {
    pub fn parse(value: &str) -> Result<CostGrouping, ReportError> {
        match value {
            "order" => Ok(CostGrouping::Order),
            "asset" => Ok(CostGrouping::Asset),
            "account" => Ok(CostGrouping::Account),
            other => Err(ReportError::Params(format!(
                "`by` must be order, asset or account, not `{other}`"
            ))),
        }
    }
}

/// Repair cost in the period: what the write-offs on work orders took from
/// stock, at the item's moving-average cost when each was accepted (the
/// value the ledger recorded with the document; one recorded before values
/// were kept counts as 0.00). Grouped by work order, asset or cost account
/// (the line's account, else the order's; `account` empty when neither has
/// one), each group drilled down to its documents. Reversed write-offs and
/// corrections do not count.
///
/// CSV: one row per document, with its group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairCost {
    pub period: Period,
    pub by: CostGrouping,
    pub total: Money,
    pub groups: Vec<CostGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostGroup {
    /// The order, asset or account.
    pub key: String,
    /// The order's scope or the asset's name.
    pub name: Option<String>,
    pub cost: Money,
    pub documents: Vec<CostDocument>,
}

/// One write-off and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostDocument {
    pub seq: u64,
    pub doc: DocId,
    pub device_time: DateTime<Utc>,
    pub author: UserId,
    pub work_order: WorkOrderId,
    pub line: Option<DemandLineId>,
    pub asset: AssetId,
    pub account: Option<String>,
    pub item: ItemId,
    pub item_name: String,
    pub qty: Qty,
    pub cost: Money,
}

pub fn repair_cost(ledger: &MemoryLedger, docs: &[Accepted], params: &Params) -> RepairCost {
    let period = params.period();
    let by = params.by.unwrap_or_default();
    let mut groups: BTreeMap<String, CostGroup> = BTreeMap::new();
    for acc in docs {
        let Body::WriteOff { item, qty, .. } = &acc.doc.body else {
            continue;
        };
        if !live(ledger, acc) || !period.contains(acc.doc.device_time) {
            continue;
        }
        let Some(wo) = acc
            .doc
            .work_order
            .as_ref()
            .and_then(|w| ledger.work_order(w))
        else {
            continue;
        };
        let line = acc.doc.line.as_ref().and_then(|l| ledger.line(l));
        let account = line
            .and_then(|l| l.cost_account)
            .or_else(|| wo.cost_account.clone());
        let wanted = params.wo.as_ref().is_none_or(|w| *w == wo.id)
            && params.asset.as_ref().is_none_or(|a| *a == wo.asset)
            && params.item.as_ref().is_none_or(|i| i == item)
            && params
                .account
                .as_ref()
                .is_none_or(|a| account.as_ref() == Some(a));
        if !wanted {
            continue;
        }
        let (key, name) = match by {
            CostGrouping::Order => (wo.id.to_string(), Some(wo.scope.clone())),
            CostGrouping::Asset => (
                wo.asset.to_string(),
                ledger.asset(&wo.asset).map(|a| a.name),
            ),
            CostGrouping::Account => (account.clone().unwrap_or_default(), None),
        };
        let document = CostDocument {
            seq: acc.seq,
            doc: acc.doc.id,
            device_time: acc.doc.device_time,
            author: acc.doc.author.clone(),
            work_order: wo.id.clone(),
            line: acc.doc.line.clone(),
            asset: wo.asset.clone(),
            account,
            item: item.clone(),
            item_name: item_name(ledger, item),
            qty: *qty,
            cost: Effect::value_taken(&acc.effects),
        };
        let group = groups.entry(key.clone()).or_insert_with(|| CostGroup {
            key,
            name,
            cost: Money::ZERO,
            documents: Vec::new(),
        });
        group.cost += document.cost;
        group.documents.push(document);
    }
    let groups: Vec<CostGroup> = groups.into_values().collect();
    RepairCost {
        period,
        by,
        total: groups.iter().map(|g| g.cost).sum(),
        groups,
    }
}

#[derive(Serialize)]
struct CostRow<'a> {
    group: &'a str,
    seq: u64,
    doc: DocId,
    device_time: DateTime<Utc>,
    author: &'a UserId,
    work_order: &'a WorkOrderId,
    line: Option<&'a DemandLineId>,
    asset: &'a AssetId,
    account: Option<&'a str>,
    item: &'a ItemId,
    item_name: &'a str,
    qty: Qty,
    cost: Money,
}

impl CsvRow for CostRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "group",
        "seq",
        "doc",
        "device_time",
        "author",
        "work_order",
        "line",
        "asset",
        "account",
        "item",
        "item_name",
        "qty",
        "cost",
    ];
}

impl RepairCost {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.groups.iter().flat_map(|g| {
            g.documents.iter().map(|d| CostRow {
                group: &g.key,
                seq: d.seq,
                doc: d.doc,
                device_time: d.device_time,
                author: &d.author,
                work_order: &d.work_order,
                line: d.line.as_ref(),
                asset: &d.asset,
                account: d.account.as_deref(),
                item: &d.item,
                item_name: &d.item_name,
                qty: d.qty,
                cost: d.cost,
            })
        }))
    }
}

/// Where a site's units of an item are, by what their value means to the
/// books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// On a storage or returns shelf.
    Shelves,
    Quarantine,
    Rejected,
    /// Issued to a job, not yet written off or returned.
    InWork,
    ToolsOut,
    InTransit,
}

/// Quantity and value in one place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Worth {
    pub qty: Qty,
    pub value: Money,
}

/// What each item's stock is worth now, at its moving-average cost, and
/// where it is: on shelves, in quarantine, rejected, in work, tools out,
/// in transit. Each place's value is its share of the item's value,
/// shares rounded so that they add up to the item's value exactly; the
/// totals add the items'.
///
/// CSV: one row per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockValue {
    pub items: Vec<ItemValue>,
    pub total: PlaceValues,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlaceValues {
    pub on_shelves: Worth,
    pub quarantine: Worth,
    pub rejected: Worth,
    pub in_work: Worth,
    pub tools_out: Worth,
    pub in_transit: Worth,
    pub held: Worth,
}

impl PlaceValues {
    fn place(&mut self, place: Place) -> &mut Worth {
        match place {
            Place::Shelves => &mut self.on_shelves,
            Place::Quarantine => &mut self.quarantine,
            Place::Rejected => &mut self.rejected,
            Place::InWork => &mut self.in_work,
            Place::ToolsOut => &mut self.tools_out,
            Place::InTransit => &mut self.in_transit,
        }
    }

    fn add(&mut self, other: &PlaceValues) {
        for (mine, theirs) in [
            (&mut self.on_shelves, other.on_shelves),
            (&mut self.quarantine, other.quarantine),
            (&mut self.rejected, other.rejected),
            (&mut self.in_work, other.in_work),
            (&mut self.tools_out, other.tools_out),
            (&mut self.in_transit, other.in_transit),
            (&mut self.held, other.held),
        ] {
            mine.qty += theirs.qty;
            mine.value += theirs.value;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemValue {
    pub item: ItemId,
    pub item_name: String,
    pub unit: String,
    /// The moving-average price per unit; none with nothing held.
    pub unit_cost: Option<Money>,
    #[serde(flatten)]
    pub places: PlaceValues,
}

pub fn stock_value(ledger: &MemoryLedger, params: &Params) -> StockValue {
    let p = ledger.projections();
    let mut qty: BTreeMap<&ItemId, BTreeMap<Place, Qty>> = BTreeMap::new();
    for (k, q) in &p.stock {
        let place = match ledger.bin(&k.bin).map(|b| b.zone) {
            Some(Zone::Quarantine) => Place::Quarantine,
            Some(Zone::Rejected) => Place::Rejected,
            _ => Place::Shelves,
        };
        *qty.entry(&k.item).or_default().entry(place).or_default() += *q;
    }
    for (k, q) in &p.in_work {
        *qty.entry(&k.item)
            .or_default()
            .entry(Place::InWork)
            .or_default() += *q;
    }
    for t in p.tools.values() {
        *qty.entry(&t.item)
            .or_default()
            .entry(Place::ToolsOut)
            .or_default() += t.qty;
    }
    for t in p.transits.values() {
        *qty.entry(&t.item)
            .or_default()
            .entry(Place::InTransit)
            .or_default() += t.qty;
    }
    let mut items = Vec::new();
    let mut total = PlaceValues::default();
    for (item, places) in qty {
        if params.item.as_ref().is_some_and(|i| i != item) {
            continue;
        }
        let pool = ledger.valuation_of(item);
        let mut values = PlaceValues::default();
        // Each place's value is the change in the running share, so the
        // places add up to the pool's value to the cent.
        let (mut running, mut shared) = (Qty::ZERO, Money::ZERO);
        for (place, q) in places.into_iter().filter(|(_, q)| !q.is_zero()) {
            running += q;
            let share = pool.worth(running);
            *values.place(place) = Worth {
                qty: q,
                value: share - shared,
            };
            shared = share;
        }
        values.held = Worth {
            qty: running,
            value: shared,
        };
        if running.is_zero() {
            continue;
        }
        total.add(&values);
        let unit = ledger.item(item).map(|i| i.unit).unwrap_or_default();
        items.push(ItemValue {
            item: item.clone(),
            item_name: item_name(ledger, item),
            unit,
            unit_cost: pool.unit_cost(),
            places: values,
        });
    }
    StockValue { items, total }
}

#[derive(Serialize)]
struct ItemValueRow<'a> {
    item: &'a ItemId,
    item_name: &'a str,
    unit: &'a str,
    unit_cost: Option<Money>,
    on_shelves_qty: Qty,
    on_shelves_value: Money,
    quarantine_qty: Qty,
    quarantine_value: Money,
    rejected_qty: Qty,
    rejected_value: Money,
    in_work_qty: Qty,
    in_work_value: Money,
    tools_out_qty: Qty,
    tools_out_value: Money,
    in_transit_qty: Qty,
    in_transit_value: Money,
    held_qty: Qty,
    held_value: Money,
}

impl CsvRow for ItemValueRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "item",
        "item_name",
        "unit",
        "unit_cost",
        "on_shelves_qty",
        "on_shelves_value",
        "quarantine_qty",
        "quarantine_value",
        "rejected_qty",
        "rejected_value",
        "in_work_qty",
        "in_work_value",
        "tools_out_qty",
        "tools_out_value",
        "in_transit_qty",
        "in_transit_value",
        "held_qty",
        "held_value",
    ];
}

impl StockValue {
    pub(crate) fn csv(&self) -> Result<String, ReportError> {
        csv_out::write(self.items.iter().map(|i| {
            let p = &i.places;
            ItemValueRow {
                item: &i.item,
                item_name: &i.item_name,
                unit: &i.unit,
                unit_cost: i.unit_cost,
                on_shelves_qty: p.on_shelves.qty,
                on_shelves_value: p.on_shelves.value,
                quarantine_qty: p.quarantine.qty,
                quarantine_value: p.quarantine.value,
                rejected_qty: p.rejected.qty,
                rejected_value: p.rejected.value,
                in_work_qty: p.in_work.qty,
                in_work_value: p.in_work.value,
                tools_out_qty: p.tools_out.qty,
                tools_out_value: p.tools_out.value,
                in_transit_qty: p.in_transit.qty,
                in_transit_value: p.in_transit.value,
                held_qty: p.held.qty,
                held_value: p.held.value,
            }
        }))
    }
}
