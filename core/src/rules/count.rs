//! Counts and period close.

use super::{Ctx, Rule};
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;
use chrono::NaiveDate;

/// A counted quantity: the discrepancy is recorded, never silently
/// adjusted; with `adjust` (a controller) the books follow the count.
pub(super) fn count<V: LedgerView>(
    ctx: &mut Ctx<V>,
    item: &ItemId,
    bin: &BinId,
    batch: Option<&BatchCode>,
    condition: Condition,
    counted: Qty,
    adjust: bool,
) -> Rule {
    let item = ctx.item(item)?;
    let bin = ctx.bin(bin)?;
    if counted.is_negative() {
        return Err(Refusal::new(ReasonCode::QuantityInvalid)
            .detail(counted)
            .into());
    }
    if !condition.fits_zone(bin.zone) {
        return Err(Refusal::new(ReasonCode::ZoneMismatch)
            .detail(format!("bin {} is {:?}", bin.id, bin.zone))
            .into());
    }
    ctx.check_batch(&item, batch, false)?;
    let key = StockKey {
        item: item.id.clone(),
        bin: bin.id.clone(),
        batch: batch.cloned(),
        condition,
    };
    let book = ctx.view.stock(&key)?;
    if book == counted {
        return Ok(());
    }
    if adjust && item.tracking.serial() {
        return Err(Refusal::new(ReasonCode::SerialRequired)
            .detail("serial units are adjusted one by one: correct or receive each unit")
            .into());
    }
    ctx.push(Effect::Discrepancy(Discrepancy {
        doc: ctx.doc.id,
        code: ReasonCode::CountDiscrepancy,
        stock: key.clone(),
        book,
        actual: counted,
        work_order: None,
    }));
    if adjust {
        ctx.push(Effect::Stock {
            key,
            delta: counted - book,
        });
    }
    Ok(())
}

pub(super) fn period_close<V: LedgerView>(ctx: &mut Ctx<V>, until: NaiveDate) -> Rule {
    if until >= ctx.day() {
        return Err(Refusal::new(ReasonCode::PeriodInFuture)
            .detail(format!("closing through {until} on {}", ctx.day()))
            .into());
    }
    let before = ctx.view.closed_until()?;
    if before.is_some_and(|b| until <= b) {
        return Err(Refusal::new(ReasonCode::PeriodNotAfter)
            .detail(format!("closed through {}", before.unwrap_or(until)))
            .into());
    }
    ctx.push(Effect::PeriodClosed {
        before,
        after: until,
    });
    Ok(())
}
