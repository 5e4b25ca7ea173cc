//! Transfers between warehouses: in transit in between, never available.

use super::{Ctx, Rule, check_qty};
use crate::document::{Body, Pick};
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

pub(super) fn transfer_out<V: LedgerView>(
    ctx: &mut Ctx<V>,
    pick: &Pick,
    to_wh: &WarehouseId,
    for_reserve: Option<&ReserveId>,
) -> Rule {
    let (item, bin) = ctx.check_pick(pick)?;
    ctx.warehouse(to_wh)?;
    if bin.warehouse == *to_wh {
        return Err(Refusal::new(ReasonCode::WrongWarehouse)
            .detail("a transfer goes to another warehouse; move within one by count")
            .into());
    }
    if let Some(r) = for_reserve {
        let reserve = ctx.view.reserve(r)?.filter(|x| x.is_active());
        match reserve {
            Some(x) if x.warehouse == *to_wh && x.item == item.id => {}
            _ => return Err(Refusal::new(ReasonCode::UnknownReserve).detail(r).into()),
        }
    }
    ctx.check_free_for(pick, &bin, None)?;
    let transfer = ctx.doc.id;
    ctx.take_from_shelf(pick, &item, |batch, condition| SerialState::InTransit {
        transfer,
        batch: batch.clone(),
        condition,
    })?;
    ctx.push(Effect::Transit {
        transfer,
        before: None,
        after: Some(Box::new(Transit {
            transfer,
            item: item.id.clone(),
            batch: pick.batch.clone(),
            condition: pick.condition,
            serials: pick.serials.clone(),
            qty: pick.qty,
            to_warehouse: to_wh.clone(),
            for_reserve: for_reserve.copied(),
        })),
    });
    Ok(())
}

pub(super) fn transfer_in<V: LedgerView>(
    ctx: &mut Ctx<V>,
    to_bin: &BinId,
    qty: Qty,
    serials: &[SerialNo],
) -> Rule {
    check_qty(qty)?;
    let id = ctx
        .doc
        .follows
        .ok_or_else(|| Refusal::new(ReasonCode::ReferenceRequired))?;
    let transit = match ctx.view.transit(&id)? {
        Some(t) => t,
        None => {
            let known = ctx.view.accepted(&id)?;
            return Err(match known {
                Some(a) if !matches!(a.doc.body, Body::TransferOut { .. }) => {
                    Refusal::new(ReasonCode::WrongReference)
                        .detail(format!("{id} is not a transfer out"))
                }
                Some(_) => Refusal::new(ReasonCode::NotInTransit)
                    .detail(format!("transfer {id} was fully received")),
                None => Refusal::new(ReasonCode::UnknownDocument).detail(id),
            }
            .into());
        }
    };
    let bin = ctx.bin(to_bin)?;
    if bin.warehouse != transit.to_warehouse {
        return Err(Refusal::new(ReasonCode::WrongWarehouse)
            .detail(format!("transfer {id} goes to {}", transit.to_warehouse))
            .into());
    }
    if !transit.condition.fits_zone(bin.zone) {
        return Err(Refusal::new(ReasonCode::ZoneMismatch)
            .detail(format!("bin {} is {:?}", bin.id, bin.zone))
            .into());
    }
    if qty > transit.qty {
        return Err(Refusal::new(ReasonCode::NotInTransit)
            .detail(format!("{} in transit, receiving {qty}", transit.qty))
            .into());
    }
    let item = ctx.item(&transit.item)?;
    ctx.check_serials(&item, serials, qty)?;
    if item.tracking.serial() {
        for serial in serials {
            let key = SerialKey {
                item: item.id.clone(),
                serial: serial.clone(),
            };
            let state = ctx.view.serial(&key)?;
            let in_this =
                matches!(&state, Some(SerialState::InTransit { transfer, .. }) if *transfer == id);
            if !in_this {
                return Err(Refusal::new(ReasonCode::NotInTransit)
                    .detail(format!("{serial} is not on transfer {id}"))
                    .into());
            }
            ctx.push(Effect::Serial {
                key,
                before: state,
                after: Some(SerialState::InStock {
                    bin: to_bin.clone(),
                    batch: transit.batch.clone(),
                    condition: transit.condition,
                }),
            });
        }
    }
    ctx.push(Effect::Stock {
        key: StockKey {
            item: item.id.clone(),
            bin: to_bin.clone(),
            batch: transit.batch.clone(),
            condition: transit.condition,
        },
        delta: qty,
    });
    if qty == transit.qty {
        ctx.push(Effect::Transit {
            transfer: id,
            before: Some(Box::new(transit.clone())),
            after: None,
        });
    } else {
        ctx.push(Effect::TransitQty {
            transfer: id,
            delta: -qty,
        });
    }
    if let Some(r) = &transit.for_reserve {
        super::reserve::top_up(ctx, r, qty)?;
    }
    Ok(())
}
