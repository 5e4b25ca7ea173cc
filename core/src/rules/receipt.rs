//! Stock coming in: a site's opening balances and goods receipts. What is
//! received is new to the ledger: a serial it already knows is a unit that
//! moves (returned, transferred), never one received again.

use super::{Ctx, Rule, describe_serial};
use crate::document::Receipt;
use crate::effect::Effect;
use crate::model::{Batch, Item, SerialKey, SerialState, StockKey};
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

/// The receipt's batch: one the site knows (the label's expiry, if any,
/// agreeing with the books), or a new lot the delivery brings, made known
/// with the receipt — with its expiry, for an item whose expiry is kept.
fn lot<V: LedgerView>(ctx: &mut Ctx<V>, item: &Item, r: &Receipt) -> Rule {
    let Some(code) = r.batch.as_ref().filter(|_| item.tracking.batch()) else {
        if r.expiry.is_some() && r.batch.is_none() {
            return Err(Refusal::new(ReasonCode::ExpiryWithoutBatch)
                .detail(&item.id)
                .into());
        }
        return ctx.check_batch(item, r.batch.as_ref(), false);
    };
    match ctx.view.batch(&item.id, code)? {
        Some(known) => {
            if let (Some(label), Some(books)) = (r.expiry, known.expiry)
                && label != books
            {
                return Err(Refusal::new(ReasonCode::ExpiryMismatch)
                    .detail(format!(
                        "batch {code} of {} expires {books}, the label says {label}",
                        item.id
                    ))
                    .into());
            }
        }
        None => {
            // A code read off a label becomes master data: no blank one.
            if code.as_str().trim().is_empty() || code.as_str().trim() != code.as_str() {
                return Err(Refusal::new(ReasonCode::UnknownBatch)
                    .detail(format!(
                        "batch code `{code}` is blank or has spaces around it"
                    ))
                    .into());
            }
            if item.expiry_tracked && r.expiry.is_none() {
                return Err(Refusal::new(ReasonCode::ExpiryRequired)
                    .detail(format!("new batch {code} of {}", item.id))
                    .into());
            }
            ctx.push(Effect::ReceivedBatch {
                key: (item.id.clone(), code.clone()),
                before: None,
                after: Some(Batch {
                    item: item.id.clone(),
                    code: code.clone(),
                    expiry: r.expiry,
                }),
            });
        }
    }
    Ok(())
}

/// A unit's warranty: the receipt's date, else the item's standard
/// warranty from the day it is received.
fn warranty_until(
    item: &Item,
    r: &Receipt,
    received: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::NaiveDate> {
    r.warranty_until.or_else(|| {
        let months = item.warranty_months?;
        received
            .date_naive()
            .checked_add_months(chrono::Months::new(months))
    })
}

pub(super) fn receive<V: LedgerView>(ctx: &mut Ctx<V>, r: &Receipt) -> Rule {
    let item = ctx.item(&r.item)?;
    let bin = ctx.bin(&r.bin)?;
    if !r.condition.fits_zone(bin.zone) {
        return Err(Refusal::new(ReasonCode::ZoneMismatch)
            .detail(format!(
                "bin {} is {:?}, the stock is {:?}",
                bin.id, bin.zone, r.condition
            ))
            .into());
    }
    if let Some(price) = r.unit_cost
        && price.is_negative()
    {
        return Err(Refusal::new(ReasonCode::PriceInvalid)
            .detail(format!("{} a unit", price))
            .into());
    }
    // Stock past its expiry is still a fact on the shelf: it is received,
    // and the expiry rules keep it from being issued.
    lot(ctx, &item, r)?;
    ctx.check_serials(&item, &r.serials, r.qty)?;
    if r.warranty_until.is_some() && r.serials.is_empty() {
        return Err(Refusal::new(ReasonCode::WarrantyNeedsSerial)
            .detail(format!("{} is received without serials", item.id))
            .into());
    }
    for serial in &r.serials {
        let key = SerialKey {
            item: item.id.clone(),
            serial: serial.clone(),
        };
        if let Some(state) = ctx.view.serial(&key)? {
            return Err(Refusal::new(ReasonCode::SerialKnown)
                .detail(describe_serial(serial, &state))
                .into());
        }
        if let Some(until) = warranty_until(&item, r, ctx.doc.device_time) {
            ctx.push(Effect::Warranty {
                key: key.clone(),
                before: ctx.view.warranty(&key)?,
                after: Some(until),
            });
        }
        ctx.push(Effect::Serial {
            key,
            before: None,
            after: Some(SerialState::InStock {
                bin: r.bin.clone(),
                batch: r.batch.clone(),
                condition: r.condition,
            }),
        });
    }
    ctx.push(Effect::Stock {
        key: StockKey {
            item: item.id.clone(),
            bin: r.bin.clone(),
            batch: r.batch.clone(),
            condition: r.condition,
        },
        delta: r.qty,
    });
    Ok(())
}
