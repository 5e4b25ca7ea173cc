//! Tools: checked out for temporary use and returned, never written off.

use super::{Ctx, Rule};
use crate::document::Pick;
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;
use chrono::{DateTime, Utc};

pub(super) fn checkout<V: LedgerView>(
    ctx: &mut Ctx<V>,
    pick: &Pick,
    due: DateTime<Utc>,
    holder: Option<&UserId>,
) -> Rule {
    let (item, _bin) = ctx.check_pick(pick)?;
    if item.kind != ItemKind::Tool {
        return Err(Refusal::new(ReasonCode::NotATool).detail(&item.id).into());
    }
    if let Some(wo) = &ctx.doc.work_order {
        let wo = ctx.known_work_order(wo)?;
        if !wo.state.status.is_open() {
            return Err(Refusal::new(ReasonCode::WorkOrderStatus)
                .detail(format!("{} is {:?}", wo.id, wo.state.status))
                .into());
        }
    }
    let holder = ctx.holder(holder)?;
    let checkout = ctx.doc.id;
    let h = holder.clone();
    ctx.take_from_shelf(pick, &item, move |_, _| SerialState::CheckedOut {
        checkout,
        holder: h.clone(),
    })?;
    ctx.push(Effect::Tool {
        checkout,
        before: None,
        after: Some(Box::new(ToolOut {
            checkout,
            item: item.id.clone(),
            serials: pick.serials.clone(),
            qty: pick.qty,
            from: StockKey {
                item: item.id.clone(),
                bin: pick.bin.clone(),
                batch: pick.batch.clone(),
                condition: pick.condition,
            },
            holder,
            work_order: ctx.doc.work_order.clone(),
            due,
        })),
    });
    Ok(())
}

pub(super) fn tool_return<V: LedgerView>(ctx: &mut Ctx<V>, to_bin: &BinId) -> Rule {
    let id = ctx
        .doc
        .follows
        .ok_or_else(|| Refusal::new(ReasonCode::ReferenceRequired))?;
    let out = ctx.view.tool_out(&id)?.ok_or_else(|| {
        Refusal::new(ReasonCode::UnknownDocument).detail(format!("no tool out on checkout {id}"))
    })?;
    let bin = ctx.bin(to_bin)?;
    if !out.from.condition.fits_zone(bin.zone) {
        return Err(Refusal::new(ReasonCode::ZoneMismatch)
            .detail(format!("bin {} is {:?}", bin.id, bin.zone))
            .into());
    }
    for serial in &out.serials {
        let key = SerialKey {
            item: out.item.clone(),
            serial: serial.clone(),
        };
        let before = ctx.view.serial(&key)?;
        ctx.push(Effect::Serial {
            key,
            before,
            after: Some(SerialState::InStock {
                bin: to_bin.clone(),
                batch: out.from.batch.clone(),
                condition: out.from.condition,
            }),
        });
    }
    ctx.push(Effect::Stock {
        key: StockKey {
            bin: to_bin.clone(),
            ..out.from.clone()
        },
        delta: out.qty,
    });
    ctx.push(Effect::Tool {
        checkout: id,
        before: Some(Box::new(out)),
        after: None,
    });
    Ok(())
}

/// Tools out past their due time at `now`, oldest due first.
pub fn overdue_tools(
    view: &impl LedgerView,
    now: DateTime<Utc>,
) -> Result<Vec<ToolOut>, crate::view::ViewError> {
    let mut out: Vec<ToolOut> = view
        .tools_out()?
        .into_iter()
        .filter(|t| t.due < now)
        .collect();
    out.sort_by_key(|t| t.due);
    Ok(out)
}
