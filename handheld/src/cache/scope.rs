//! The secondary keys of a row, computed from its key and value at write
//! time: what the rules and the UI look rows up by besides their key. Each
//! value is decoded to its entity's type here, so a row that does not hold
//! its type is refused before it is stored.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sparescan_core::document::{Body, Document};
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::sync::RowKey;
use sparescan_core::view::Accepted;

/// Scope values that look-ups query by; `None` keeps a row out of that
/// index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes {
    pub a: Option<String>,
    pub b: Option<String>,
    /// Barcodes of an item (several per item, kept in their own table).
    pub codes: Vec<String>,
}

/// A look-up by one scope of one kind of row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'s> {
    A(&'s str),
    B(&'s str),
    /// Every row of the kind that has a scope A.
    AnyA,
    /// Every row of the kind that has a scope B.
    AnyB,
}

/// Text of a scope value: strings as they are, anything else as JSON.
pub fn text<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The scope of in-work rows and documents by holding.
pub fn holding(h: &Holding) -> String {
    text(h)
}

fn de<T: DeserializeOwned>(v: &Value) -> Result<T, serde_json::Error> {
    T::deserialize(v)
}

fn scopes(a: Option<String>, b: Option<String>) -> Scopes {
    Scopes {
        a,
        b,
        codes: Vec::new(),
    }
}

/// Validates `value` as the entity `key` names and computes its scopes.
pub fn of(key: &RowKey, value: &Value) -> Result<Scopes, serde_json::Error> {
    Ok(match key {
        RowKey::Policy => {
            de::<SitePolicy>(value)?;
            Scopes::default()
        }
        RowKey::Item(_) => {
            let item: Item = de(value)?;
            Scopes {
                codes: item.barcodes,
                ..Scopes::default()
            }
        }
        RowKey::Warehouse(_) => {
            let w: Warehouse = de(value)?;
            scopes(Some(w.site.0), None)
        }
        // Bins are listed whole (the cache keeps them in memory).
        RowKey::Bin(_) => {
            let b: Bin = de(value)?;
            scopes(Some(b.warehouse.0), Some(text(&b.zone)))
        }
        RowKey::Batch(item, _) | RowKey::ReceivedBatch(item, _) => {
            de::<Batch>(value)?;
            scopes(Some(item.0.clone()), None)
        }
        RowKey::Asset(_) => {
            de::<Asset>(value)?;
            Scopes::default()
        }
        RowKey::User(_) => {
            de::<User>(value)?;
            Scopes::default()
        }
        // B only while open: the open orders are few, closed ones pile up.
        RowKey::WorkOrder(_) => {
            let wo: WorkOrder = de(value)?;
            let open = wo.state.status.is_open().then(|| text(&wo.state.status));
            scopes(Some(wo.asset.0), open)
        }
        RowKey::Line(_) => {
            let l: DemandLine = de(value)?;
            scopes(Some(l.work_order.0), Some(l.item.0))
        }
        RowKey::Request(_) => {
            let r: MaintenanceRequest = de(value)?;
            scopes(Some(r.asset.0), None)
        }
        RowKey::Template(_) => {
            de::<WorkTemplate>(value)?;
            Scopes::default()
        }
        // A: the kind, while the reason is active (what the lists offer).
        RowKey::SiteReason(_) => {
            let r: SiteReason = de(value)?;
            scopes(r.active.then(|| text(&r.kind)), None)
        }
        RowKey::Stock(k) => {
            de::<Qty>(value)?;
            scopes(Some(k.item.0.clone()), Some(k.bin.0.clone()))
        }
        RowKey::InWork(k) => {
            de::<Qty>(value)?;
            scopes(Some(holding(&k.holding)), Some(k.item.0.clone()))
        }
        RowKey::IssueOpen(_) => {
            de::<Qty>(value)?;
            Scopes::default()
        }
        // Only removed units need a secondary key; the million units on the
        // shelves stay out of the index.
        RowKey::Serial(_) => match de::<SerialState>(value)? {
            SerialState::Removed { work_order, .. } => scopes(Some(work_order.0), None),
            _ => Scopes::default(),
        },
        RowKey::LineCounts(_) => {
            de::<LineCounts>(value)?;
            Scopes::default()
        }
        RowKey::Reserve(_) => {
            let r: Reserve = de(value)?;
            scopes(Some(r.line.0), Some(r.item.0))
        }
        RowKey::Tool(_) => {
            let t: ToolOut = de(value)?;
            scopes(Some(t.holder.0), Some(t.item.0))
        }
        RowKey::Emergency(_) => {
            let e: Emergency = de(value)?;
            scopes(Some(e.item.0), None)
        }
        // A: the order, where the issue screen looks for what was approved.
        RowKey::Approval(_) => {
            let a: Approval = de(value)?;
            scopes(Some(a.work_order.0), Some(a.item.0))
        }
        RowKey::Transit(_) => {
            let t: Transit = de(value)?;
            scopes(Some(t.to_warehouse.0), Some(t.item.0))
        }
        RowKey::MissingSerial(_) => {
            let m: MissingSerial = de(value)?;
            scopes(Some(m.work_order.0), None)
        }
        RowKey::Discrepancy(_) => {
            de::<Discrepancy>(value)?;
            Scopes::default()
        }
        RowKey::ClosedUntil | RowKey::Warranty(_) => {
            de::<chrono::NaiveDate>(value)?;
            Scopes::default()
        }
        RowKey::Reversed(_) => {
            de::<sparescan_core::ids::DocId>(value)?;
            Scopes::default()
        }
        RowKey::Document(id) => {
            let acc: Accepted = de(value)?;
            if acc.doc.id != *id {
                return Err(serde::de::Error::custom(format!(
                    "the row holds document {}",
                    acc.doc.id
                )));
            }
            document(&acc.doc)
        }
    })
}

/// A followable document is looked up by the item it moved (A) and, for
/// issues, by the holding it put in work (B).
pub fn document(doc: &Document) -> Scopes {
    let (item, holding) = match &doc.body {
        Body::Issue { pick, .. } | Body::SubstitutionIssue { pick, .. } => {
            (Some(&pick.item), doc.line.clone().map(Holding::Line))
        }
        Body::AdditionalIssue { pick, new_line, .. } => {
            (Some(&pick.item), Some(Holding::Line(new_line.clone())))
        }
        Body::EmergencyIssue { pick, .. } => (Some(&pick.item), Some(Holding::Emergency(doc.id))),
        Body::TransferOut { pick, .. } | Body::ToolCheckout { pick, .. } => {
            (Some(&pick.item), None)
        }
        _ => (None, None),
    };
    scopes(
        item.map(|i| i.0.clone()),
        holding.as_ref().map(self::holding),
    )
}
