//! The checks of master-data records against the site: references exist,
//! nothing clashes with what is there, and nothing changes under stock
//! that depends on it (a bin's zone, an item's tracking).

use super::rows::{Entity, check_id};
use crate::ledger::SiteState;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sparescan_core::ids::*;
use sparescan_core::model::*;
use sparescan_core::reason::ReasonCode;
use sparescan_core::sync::RowKey;
use std::collections::{BTreeSet, HashMap, HashSet};

pub(super) type Check = Result<(), (Option<&'static str>, String)>;

fn bad(field: &'static str, message: impl Into<String>) -> Check {
    Err((Some(field), message.into()))
}

/// What the references of the edited records resolve against: the site's
/// master data with the edit applied. Built once per edit (imports may
/// hold a whole catalog).
pub(super) struct After {
    items: HashMap<ItemId, Item>,
    warehouses: HashSet<WarehouseId>,
    users: HashSet<UserId>,
    barcodes: HashMap<String, BTreeSet<ItemId>>,
}

impl After {
    pub(super) fn new(state: &SiteState, entity: Entity, records: &[(RowKey, Value)]) -> After {
        let m = &state.master;
        let mut items: HashMap<ItemId, Item> =
            m.items.iter().map(|i| (i.id.clone(), i.clone())).collect();
        let mut warehouses: HashSet<WarehouseId> =
            m.warehouses.iter().map(|w| w.id.clone()).collect();
        let mut users: HashSet<UserId> = m.users.iter().map(|u| u.id.clone()).collect();
        for (key, value) in records {
            match (entity, key) {
                (Entity::Items, _) => {
                    if let Ok(item) = serde_json::from_value::<Item>(value.clone()) {
                        items.insert(item.id.clone(), item);
                    }
                }
                (Entity::Warehouses, RowKey::Warehouse(id)) => {
                    warehouses.insert(id.clone());
                }
                (Entity::Users, RowKey::User(id)) => {
                    users.insert(id.clone());
                }
                _ => {}
            }
        }
        let mut barcodes: HashMap<String, BTreeSet<ItemId>> = HashMap::new();
        if entity == Entity::Items {
            for item in items.values() {
                for b in &item.barcodes {
                    barcodes
                        .entry(b.clone())
                        .or_default()
                        .insert(item.id.clone());
                }
            }
        }
        After {
            items,
            warehouses,
            users,
            barcodes,
        }
    }

    pub(super) fn check(&self, state: &SiteState, entity: Entity, value: &Value) -> Check {
        fn typed<T: DeserializeOwned>(v: &Value) -> Result<T, (Option<&'static str>, String)> {
            T::deserialize(v).map_err(|e| (None, e.to_string()))
        }
        match entity {
            Entity::Items => self.check_item(state, &typed(value)?),
            Entity::Warehouses => {
                let w: Warehouse = typed(value)?;
                not_blank("name", &w.name)
            }
            Entity::Bins => self.check_bin(state, &typed(value)?),
            Entity::Batches => {
                let b: Batch = typed(value)?;
                match self.items.get(&b.item) {
                    None => bad(
                        "item",
                        format!("item {} does not exist: add the item first", b.item),
                    ),
                    Some(i) if !i.tracking.batch() => bad(
                        "item",
                        format!(
                            "item {} is not batch-tracked: set its tracking to batch first",
                            b.item
                        ),
                    ),
                    Some(_) => check_id(b.code.as_str()).or_else(|m| bad("code", m)),
                }
            }
            Entity::Assets => {
                let a: Asset = typed(value)?;
                not_blank("name", &a.name)?;
                match &a.custodian {
                    Some(c) if !self.users.contains(c) => bad(
                        "custodian",
                        format!("user {c} does not exist: add the user first or leave it empty"),
                    ),
                    _ => Ok(()),
                }
            }
            Entity::Users => {
                let u: User = typed(value)?;
                not_blank("name", &u.name)?;
                if u.roles.is_empty() {
                    return bad(
                        "roles",
                        "give at least one role: technician, clerk, supervisor, engineer, dispatcher, controller, accountant or admin",
                    );
                }
                Ok(())
            }
            Entity::Policy => self.check_policy(&typed(value)?),
            // A text in every UI language, so each person reads the reason
            // in their own.
            Entity::Reasons => {
                let r: SiteReason = typed(value)?;
                not_blank("text_en", &r.text_en)?;
                not_blank("text_ru", &r.text_ru)
            }
        }
    }

    fn check_item(&self, state: &SiteState, item: &Item) -> Check {
        not_blank("name", &item.name)?;
        not_blank("unit", &item.unit)?;
        if item
            .serial_format
            .as_deref()
            .is_some_and(|f| f.trim().is_empty())
        {
            return bad(
                "serial_format",
                "is blank: give a mask such as BM-#### or leave it empty",
            );
        }
        if item.unit_cost.is_some_and(|c| c.is_negative()) {
            return bad(
                "unit_cost",
                "is negative: give the price per unit, e.g. 12.50, or leave it empty",
            );
        }
        let mut seen = BTreeSet::new();
        for s in &item.substitutes {
            if *s == item.id {
                return bad("substitutes", format!("{s} is the item itself: remove it"));
            }
            if !self.items.contains_key(s) {
                return bad(
                    "substitutes",
                    format!(
                        "item {s} does not exist: add it first or remove it from the substitutes"
                    ),
                );
            }
            if !seen.insert(s) {
                return bad("substitutes", format!("{s} is listed twice"));
            }
        }
        for b in &item.barcodes {
            check_id(b).or_else(|m| bad("barcodes", format!("barcode {m}")))?;
            if let Some(other) = self
                .barcodes
                .get(b)
                .and_then(|owners| owners.iter().find(|o| **o != item.id))
            {
                return bad(
                    "barcodes",
                    format!("barcode {b} is on item {other} too: a scan must name one item"),
                );
            }
        }
        if let Some(before) = state.ledger.item(&item.id)
            && (before.tracking != item.tracking || before.kind != item.kind)
            && item_is_held(state, &item.id)
        {
            let field = if before.tracking != item.tracking {
                "tracking"
            } else {
                "kind"
            };
            return bad(
                field,
                format!(
                    "item {} has stock or units in the ledger, so its {field} cannot change: create a new item code instead",
                    item.id
                ),
            );
        }
        Ok(())
    }

    fn check_bin(&self, state: &SiteState, bin: &Bin) -> Check {
        if !self.warehouses.contains(&bin.warehouse) {
            let mut known: Vec<&str> = self.warehouses.iter().map(|w| w.as_str()).collect();
            known.sort();
            return bad(
                "warehouse",
                format!(
                    "warehouse {} does not exist: add it first or use one of {}",
                    bin.warehouse,
                    known.join(", ")
                ),
            );
        }
        if let Some(before) = state.ledger.bin(&bin.id)
            && (before.zone != bin.zone || before.warehouse != bin.warehouse)
            && bin_is_used(state, &bin.id)
        {
            let field = if before.zone != bin.zone {
                "zone"
            } else {
                "warehouse"
            };
            return bad(
                field,
                format!(
                    "bin {} holds stock, so its {field} cannot change: move the stock out first",
                    bin.id
                ),
            );
        }
        Ok(())
    }

    fn check_policy(&self, p: &SitePolicy) -> Check {
        if p.tolerance_percent > 1000 {
            return bad(
                "tolerance_percent",
                "is over 1000: give a percentage such as 10",
            );
        }
        if p.replan_free_percent > 1000 {
            return bad(
                "replan_free_percent",
                "is over 1000: give a percentage such as 10",
            );
        }
        if p.return_deadline_working_days > 365 {
            return bad(
                "return_deadline_working_days",
                "is over a year: give working days such as 2",
            );
        }
        if let Some(i) = p
            .serial_required_items
            .iter()
            .find(|i| !self.items.contains_key(*i))
        {
            return bad(
                "serial_required_items",
                format!("item {i} does not exist: add it first or remove it"),
            );
        }
        if let Some(c) = p
            .exceptions
            .iter()
            .find(|c| !ReasonCode::EXCEPTIONABLE.contains(c))
        {
            return bad(
                "exceptions",
                format!(
                    "{c} cannot be accepted as an exception: only {} can",
                    ReasonCode::EXCEPTIONABLE
                        .iter()
                        .map(|c| c.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        Ok(())
    }
}

fn not_blank(field: &'static str, value: &str) -> Check {
    if value.trim().is_empty() {
        return bad(field, format!("{field} is empty: fill it in"));
    }
    Ok(())
}

/// Stock, serial units or quantity in work of the item anywhere.
fn item_is_held(state: &SiteState, item: &ItemId) -> bool {
    let p = state.ledger.projections();
    p.stock.iter().any(|(k, q)| k.item == *item && !q.is_zero())
        || p.serials.keys().any(|k| k.item == *item)
        || p.in_work
            .iter()
            .any(|(k, q)| k.item == *item && !q.is_zero())
}

/// Stock or serial units on the bin's shelf.
fn bin_is_used(state: &SiteState, bin: &BinId) -> bool {
    let p = state.ledger.projections();
    p.stock.iter().any(|(k, q)| k.bin == *bin && !q.is_zero())
        || p.serials
            .values()
            .any(|s| matches!(s, SerialState::InStock { bin: b, .. } if b == bin))
}
