//! What a scan names: a decoded scan (`scan::classify`) resolved against a
//! site's state to a work order, bin, asset, badge, document or part. The
//! handheld resolves against its cache, the console's scan box against the
//! server's state: one resolver for both.

use crate::ids::*;
use crate::model::{Asset, Bin, Item, WorkOrder};
use crate::qty::Qty;
use crate::scan::{Scan, SiteLabelKind};
use crate::view::{LedgerView, ViewError};

/// A part as scanned: the item, and whatever the label said about the unit.
#[derive(Debug, Clone, PartialEq)]
pub struct PartScan {
    pub item: Item,
    pub serial: Option<SerialNo>,
    pub batch: Option<BatchCode>,
    /// The expiry the label gives (GS1 AI 17, HIBC).
    pub expiry: Option<chrono::NaiveDate>,
    pub qty: Option<Qty>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    WorkOrder(WorkOrder),
    Bin(Bin),
    Asset(Asset),
    Badge(String),
    Document(DocId),
    Part(PartScan),
    /// Nothing in the cache has this code.
    Unknown(String),
}

/// Resolves a decoded scan against `view`; `by_barcode` finds an item by
/// a code printed on it (GTIN, supplier code). `context_item` is the item
/// the screen expects (a bare serial number is looked up as that item's
/// serial first). State that cannot be read is an error, never "unknown
/// code".
pub fn resolve<V, E>(
    view: &V,
    by_barcode: impl Fn(&str) -> Result<Option<Item>, E>,
    scan: &Scan,
    context_item: Option<&ItemId>,
) -> Result<Resolved, E>
where
    V: LedgerView + ?Sized,
    E: From<ViewError>,
{
    let item_by_code = |code: &str| -> Result<Option<Item>, E> {
        match view.item(&code.into())? {
            Some(item) => Ok(Some(item)),
            None => by_barcode(code),
        }
    };
    Ok(match scan {
        Scan::Site(label) => {
            let v = label.value.as_str();
            match label.kind {
                SiteLabelKind::WorkOrder => view
                    .work_order(&v.into())?
                    .map(Resolved::WorkOrder)
                    .unwrap_or_else(|| Resolved::Unknown(v.into())),
                SiteLabelKind::Bin => view
                    .bin(&v.into())?
                    .map(Resolved::Bin)
                    .unwrap_or_else(|| Resolved::Unknown(v.into())),
                SiteLabelKind::Asset => view
                    .asset(&v.into())?
                    .map(Resolved::Asset)
                    .unwrap_or_else(|| Resolved::Unknown(v.into())),
                SiteLabelKind::User => Resolved::Badge(v.into()),
                SiteLabelKind::Document => match uuid::Uuid::parse_str(v) {
                    Ok(id) => Resolved::Document(DocId(id)),
                    Err(_) => Resolved::Unknown(v.into()),
                },
            }
        }
        Scan::Gs1(g) => {
            let item = match g.gtin() {
                Some(gtin) => item_by_code(gtin)?,
                None => None,
            };
            match item {
                Some(item) => Resolved::Part(PartScan {
                    item,
                    serial: g.serial().map(Into::into),
                    batch: g.batch().map(Into::into),
                    expiry: g.expiry(),
                    qty: g.quantity().map(|n| Qty::units(n as i64)),
                }),
                None => Resolved::Unknown(g.gtin().unwrap_or_default().to_string()),
            }
        }
        Scan::Hibc(h) => {
            let code = h.product.clone().unwrap_or_default();
            match item_by_code(&code)? {
                Some(item) => Resolved::Part(PartScan {
                    item,
                    serial: h.serial.clone().map(Into::into),
                    batch: h.lot.clone().map(Into::into),
                    expiry: h.expiry,
                    qty: h.quantity.map(|n| Qty::units(i64::from(n))),
                }),
                None => Resolved::Unknown(code),
            }
        }
        Scan::Supplier(s) => {
            let code = s.customer_part().unwrap_or_default().to_string();
            match item_by_code(&code)? {
                Some(item) => Resolved::Part(PartScan {
                    item,
                    serial: s.serial().map(Into::into),
                    batch: None,
                    expiry: None,
                    qty: None,
                }),
                None => Resolved::Unknown(code),
            }
        }
        Scan::Plain(text) => plain(view, item_by_code, text.trim(), context_item)?,
    })
}

/// A bare code: the site's own ids first (orders, bins, assets, items),
/// then barcodes, then a serial number.
fn plain<V, E>(
    view: &V,
    item_by_code: impl Fn(&str) -> Result<Option<Item>, E>,
    text: &str,
    context_item: Option<&ItemId>,
) -> Result<Resolved, E>
where
    V: LedgerView + ?Sized,
    E: From<ViewError>,
{
    if let Some(wo) = view.work_order(&text.into())? {
        return Ok(Resolved::WorkOrder(wo));
    }
    if let Some(bin) = view.bin(&text.into())? {
        return Ok(Resolved::Bin(bin));
    }
    if let Some(asset) = view.asset(&text.into())? {
        return Ok(Resolved::Asset(asset));
    }
    if let Some(item) = item_by_code(text)? {
        return Ok(Resolved::Part(PartScan {
            item,
            serial: None,
            batch: None,
            expiry: None,
            qty: None,
        }));
    }
    let context = match context_item {
        Some(i) => view.item(i)?,
        None => None,
    };
    if let Some(item) = context {
        let key = crate::model::SerialKey {
            item: item.id.clone(),
            serial: text.into(),
        };
        if view.serial(&key)?.is_some() {
            return Ok(Resolved::Part(PartScan {
                item,
                serial: Some(text.into()),
                batch: None,
                expiry: None,
                qty: None,
            }));
        }
    }
    if let Ok(id) = uuid::Uuid::parse_str(text) {
        return Ok(Resolved::Document(DocId(id)));
    }
    Ok(Resolved::Unknown(text.into()))
}
