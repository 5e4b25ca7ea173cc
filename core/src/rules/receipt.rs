//! Stock coming in: a site's opening balances and goods receipts. What is
//! received is new to the ledger: a serial it already knows is a unit that
//! moves (returned, transferred), never one received again.

use super::{Ctx, Rule, describe_serial};
use crate::document::Receipt;
use crate::effect::Effect;
use crate::model::{SerialKey, SerialState, StockKey};
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

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
    ctx.check_batch(&item, r.batch.as_ref(), false)?;
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
        if let Some(until) = r.warranty_until {
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
