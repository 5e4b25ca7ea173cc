//! Reserves (design §6.2): block stock for a demand line at a source
//! warehouse; partial reserves keep the shortfall visible.

use super::status::{Allowance, Movement};
use super::{Ctx, Rule, check_qty};
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::{LedgerView, ViewError};

/// Usable stock of an item at a warehouse on the document's day: new or
/// opened, in available zones, batch not expired.
pub(crate) fn usable_qty<V: LedgerView>(
    ctx: &Ctx<V>,
    item: &ItemId,
    wh: &WarehouseId,
) -> Result<Qty, ViewError> {
    let day = ctx.day();
    let mut total = Qty::ZERO;
    for (key, q) in ctx.view.usable_stock(item, wh)? {
        let expired = match &key.batch {
            Some(code) => ctx
                .view
                .batch(item, code)?
                .is_some_and(|b| b.expired_on(day)),
            None => false,
        };
        if !expired {
            total += q;
        }
    }
    Ok(total)
}

/// What is not locked by any active reserve.
fn free_qty<V: LedgerView>(
    ctx: &Ctx<V>,
    item: &ItemId,
    wh: &WarehouseId,
) -> Result<Qty, ViewError> {
    Ok((usable_qty(ctx, item, wh)? - ctx.view.locked(item, wh)?).max(Qty::ZERO))
}

pub(super) fn reserve<V: LedgerView>(ctx: &mut Ctx<V>, wh: &WarehouseId, qty: Qty) -> Rule {
    check_qty(qty)?;
    let wo = ctx.work_order_for(Movement::Reserve)?;
    let line = ctx.line_of(&wo)?;
    ctx.warehouse(wh)?;
    // What the line may still take: plan plus tolerance (a range to be
    // clarified: its minimum), minus what was issued and what open
    // reserves already ask for.
    let counts = ctx.view.line_counts(&line.id)?;
    let open: Qty = ctx
        .view
        .reserves_of_line(&line.id)?
        .iter()
        .filter(|r| r.is_active())
        .map(|r| r.open)
        .sum();
    let ceiling = line.reserve_ceiling(&ctx.policy);
    if counts.issued + open + qty > ceiling {
        let range = match line.planned_max {
            Some(max) => format!(
                " (planned {}–{max}, to be clarified: only the minimum is reserved)",
                line.planned
            ),
            None => String::new(),
        };
        return Err(Refusal::new(ReasonCode::OverTolerance)
            .detail(format!(
                "line {} allows {ceiling}{range}; {} issued, {open} reserved",
                line.id, counts.issued
            ))
            .into());
    }
    let locked = match super::status::require(&wo, Movement::Reserve)? {
        Allowance::DemandOnly => Qty::ZERO,
        _ => qty.min(free_qty(ctx, &line.item, wh)?),
    };
    let reserve = Reserve {
        id: ctx.doc.id,
        line: line.id,
        work_order: wo.id,
        item: line.item,
        warehouse: wh.clone(),
        open: qty,
        locked,
        cancelled: false,
        created_at: ctx.doc.device_time,
    };
    ctx.push(Effect::Reserve {
        id: ctx.doc.id,
        before: None,
        after: Some(Box::new(reserve)),
    });
    Ok(())
}

/// Planned quantity plus the line's (or the site's) tolerance.
pub(crate) fn tolerance_ceiling<V: LedgerView>(ctx: &Ctx<V>, line: &DemandLine) -> Qty {
    line.ceiling(&ctx.policy)
}

fn active_reserve<V: LedgerView>(ctx: &Ctx<V>, id: &ReserveId) -> Rule<Reserve> {
    ctx.view
        .reserve(id)?
        .filter(|r| r.is_active())
        .ok_or_else(|| Refusal::new(ReasonCode::UnknownReserve).detail(id).into())
}

pub(super) fn confirm<V: LedgerView>(ctx: &mut Ctx<V>, id: &ReserveId) -> Rule {
    let r = active_reserve(ctx, id)?;
    let wo = ctx.known_work_order(&r.work_order)?;
    if super::status::require(&wo, Movement::Reserve)? == Allowance::DemandOnly {
        return Err(Refusal::new(ReasonCode::WorkOrderStatus)
            .detail(format!("{} is not approved yet", wo.id))
            .into());
    }
    let add = r.shortfall().min(free_qty(ctx, &r.item, &r.warehouse)?);
    if add.is_positive() {
        ctx.push(Effect::ReserveQty {
            id: r.id,
            open: Qty::ZERO,
            locked: add,
        });
    }
    Ok(())
}

pub(super) fn release<V: LedgerView>(ctx: &mut Ctx<V>, id: &ReserveId, qty: Option<Qty>) -> Rule {
    let r = active_reserve(ctx, id)?;
    match qty {
        Some(q) if q < r.open => {
            check_qty(q)?;
            let open = r.open - q;
            let locked = r.locked.min(open);
            ctx.push(Effect::ReserveQty {
                id: r.id,
                open: -q,
                locked: locked - r.locked,
            });
        }
        _ => release_all(ctx, &r),
    }
    Ok(())
}

/// Frees a reserve wholly (release, hold, cancel).
pub(crate) fn release_all<V: LedgerView>(ctx: &mut Ctx<V>, r: &Reserve) {
    if r.locked.is_positive() {
        ctx.push(Effect::ReserveQty {
            id: r.id,
            open: Qty::ZERO,
            locked: -r.locked,
        });
    }
    ctx.push(Effect::ReserveCancelled {
        id: r.id,
        cancelled: true,
    });
}

/// An issue against a line consumes its reserves, oldest first: the open
/// quantity drops, and the lock with it.
pub(crate) fn consume<V: LedgerView>(ctx: &mut Ctx<V>, line: &DemandLineId, qty: Qty) -> Rule {
    let mut reserves: Vec<Reserve> = ctx
        .view
        .reserves_of_line(line)?
        .into_iter()
        .filter(|r| r.is_active())
        .collect();
    reserves.sort_by_key(|r| (r.created_at, r.id));
    let mut left = qty;
    for r in reserves {
        if !left.is_positive() {
            break;
        }
        let take = left.min(r.open);
        let locked_take = take.min(r.locked);
        left -= take;
        ctx.push(Effect::ReserveQty {
            id: r.id,
            open: -take,
            locked: -locked_take,
        });
    }
    Ok(())
}

/// Transfer in tops up the reserve it was sent for: the reserve on the
/// target confirms only once the goods are there.
pub(crate) fn top_up<V: LedgerView>(ctx: &mut Ctx<V>, id: &ReserveId, received: Qty) -> Rule {
    if let Some(r) = ctx.view.reserve(id)?.filter(|r| r.is_active()) {
        let add = r.shortfall().min(received);
        if add.is_positive() {
            ctx.push(Effect::ReserveQty {
                id: r.id,
                open: Qty::ZERO,
                locked: add,
            });
        }
    }
    Ok(())
}
