//! What a document's movement is worth (docs/domain.md, "Costs").
//!
//! Each item has one moving-average pool per site ([`Valuation`]) over every
//! unit the site holds: on a shelf in any zone, in work, out as a tool, in
//! transit. A document's quantity effects say, per item, what it moved and
//! how much came into or left the site's holding:
//!
//! - units coming in are valued at the receipt's price, else the item's
//!   ERP price, else the pool's average, else at zero (a correction of
//!   units that had left comes back at exactly what they left at);
//! - units leaving (consumption on an order, a count loss) take their share
//!   of the pool's value, the last unit all that is left, so a value never
//!   outlives its quantity;
//! - a move within the site (issue, return, transfer, inspection) changes
//!   neither, and is worth its share at the average.
//!
//! The rule runs only on a view that keeps values (the server's): the
//! handheld judges without them and reads nothing for them, and the
//! server values what it accepts.

use crate::document::{Body, Document};
use crate::effect::Effect;
use crate::ids::*;
use crate::model::Valuation;
use crate::money::Money;
use crate::qty::Qty;
use crate::view::{LedgerView, ViewError};
use std::collections::BTreeMap;

/// What a list of effects moves of one item: units into the site's
/// holding and out of it, counted effect by effect.
#[derive(Default)]
struct Flow {
    into: Qty,
    out: Qty,
}

impl Flow {
    fn add(&mut self, delta: Qty) {
        if delta.is_positive() {
            self.into += delta;
        } else {
            self.out -= delta;
        }
    }
}

/// The [`Effect::Value`]s of a document whose other effects are `effects`;
/// none on a view that keeps no values.
pub fn value_effects(
    view: &impl LedgerView,
    doc: &Document,
    effects: &[Effect],
) -> Result<Vec<Effect>, ViewError> {
    if !view.keeps_values() {
        return Ok(Vec::new());
    }
    let flows = flows(view, effects)?;
    let mut out = Vec::new();
    for (item, flow) in flows {
        let pool = view.valuation(&item)?;
        let moved = flow.into.max(flow.out);
        if moved.is_zero() {
            continue;
        }
        let net = flow.into - flow.out;
        let (stock_value, worth) = if net.is_positive() {
            let value_in = inflow_value(view, doc, &item, net, &pool)?;
            (value_in, value_in + pool.worth(moved - net))
        } else if net.is_negative() {
            let value_out = pool.worth(-net);
            (-value_out, pool.worth(moved).max(value_out))
        } else {
            (Money::ZERO, pool.worth(moved))
        };
        out.push(Effect::Value {
            item,
            moved,
            worth,
            stock_qty: net,
            stock_value,
        });
    }
    Ok(out)
}

/// Per item, the quantity each effect adds to or takes from the site's
/// holding.
fn flows(view: &impl LedgerView, effects: &[Effect]) -> Result<BTreeMap<ItemId, Flow>, ViewError> {
    let mut flows: BTreeMap<ItemId, Flow> = BTreeMap::new();
    let mut add = |item: &ItemId, delta: Qty| flows.entry(item.clone()).or_default().add(delta);
    // Transits this list creates (a transfer's receipt reads the one on
    // record).
    let mut transit_items: BTreeMap<DocId, ItemId> = BTreeMap::new();
    for e in effects {
        match e {
            Effect::Stock { key, delta } => add(&key.item, *delta),
            Effect::InWork { key, delta } => add(&key.item, *delta),
            Effect::Transit { before, after, .. } => {
                if let Some(t) = before {
                    add(&t.item, -t.qty);
                }
                if let Some(t) = after {
                    transit_items.insert(t.transfer, t.item.clone());
                    add(&t.item, t.qty);
                }
            }
            Effect::TransitQty { transfer, delta } => {
                let item = match transit_items.get(transfer) {
                    Some(item) => Some(item.clone()),
                    None => view.transit(transfer)?.map(|t| t.item),
                };
                if let Some(item) = item {
                    add(&item, *delta);
                }
            }
            Effect::Tool { before, after, .. } => {
                if let Some(t) = before {
                    add(&t.item, -t.qty);
                }
                if let Some(t) = after {
                    add(&t.item, t.qty);
                }
            }
            _ => {}
        }
    }
    Ok(flows)
}

/// What `net` units of `item` coming into the site's holding are worth.
fn inflow_value(
    view: &impl LedgerView,
    doc: &Document,
    item: &ItemId,
    net: Qty,
    pool: &Valuation,
) -> Result<Money, ViewError> {
    // Units a correction brings back left at a value: they return at it.
    if let Body::Correction = doc.body
        && let Some(original) = doc
            .follows
            .map(|f| view.accepted(&f))
            .transpose()?
            .flatten()
    {
        for e in &original.effects {
            if let Effect::Value {
                item: i,
                stock_qty,
                stock_value,
                ..
            } = e
                && i == item
                && stock_qty.is_negative()
            {
                return Ok((-*stock_value).scaled(net, -*stock_qty));
            }
        }
    }
    let erp_price = view.item(item)?.and_then(|i| i.unit_cost);
    if let Body::OpeningBalance { receipt } | Body::GoodsReceipt { receipt } = &doc.body
        && receipt.item == *item
        && let Some(price) = receipt.unit_cost.or(erp_price)
    {
        return Ok(price.times(net));
    }
    if pool.qty.is_positive() {
        return Ok(pool.value.scaled(net, pool.qty));
    }
    Ok(erp_price.map(|p| p.times(net)).unwrap_or(Money::ZERO))
}
