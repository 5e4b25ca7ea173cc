//! What clears "in work": write-off (installed or consumed on the order's
//! asset) and returns. Also the removed unit's return and the inspection
//! decision that takes it out of quarantine.

use super::status::Movement;
use super::{Ctx, Rule, check_qty, describe_serial};
use crate::document::{Body, Decision, RemovedUnit};
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

pub(super) struct WriteOff<'b> {
    pub item: &'b ItemId,
    pub batch: Option<&'b BatchCode>,
    pub qty: Qty,
    pub installed: &'b [SerialNo],
    pub position: Option<&'b String>,
    pub removed: &'b [RemovedUnit],
}

pub(super) fn write_off<V: LedgerView>(ctx: &mut Ctx<V>, w: WriteOff<'_>) -> Rule {
    let wo = ctx.work_order_for(Movement::WriteOff)?;
    let line = ctx.line_of(&wo)?;
    let item = ctx.item(w.item)?;
    if item.kind == ItemKind::Tool {
        return Err(Refusal::new(ReasonCode::ToolNotConsumable)
            .detail(&item.id)
            .into());
    }
    // Only removals (the old unit came off, nothing consumed yet) is a
    // write-off of zero.
    let only_removal = w.qty.is_zero() && w.installed.is_empty() && !w.removed.is_empty();
    if !only_removal {
        check_qty(w.qty)?;
        ctx.check_batch(&item, w.batch, false)?;
        let key = InWorkKey {
            holding: Holding::Line(line.id.clone()),
            item: item.id.clone(),
            batch: w.batch.cloned(),
        };
        let in_work = ctx.view.in_work(&key)?;
        if w.qty > in_work {
            return Err(Refusal::new(ReasonCode::NotInWork)
                .detail(format!(
                    "{in_work} of {} in work on line {}, writing off {}",
                    item.id, line.id, w.qty
                ))
                .into());
        }
        install(ctx, &wo, &line, &item, &w)?;
        ctx.push(Effect::InWork { key, delta: -w.qty });
        ctx.push(Effect::LineCount {
            line: line.id.clone(),
            counter: LineCounter::WrittenOff,
            delta: w.qty,
        });
    }
    for unit in w.removed {
        remove(ctx, &wo, unit)?;
    }
    Ok(())
}

/// Installed serials move onto the asset. Serial-tracked items must name
/// every unit; items whose serial the site requires at write-off may be
/// recorded without it, which blocks closure until corrected.
fn install<V: LedgerView>(
    ctx: &mut Ctx<V>,
    wo: &WorkOrder,
    line: &DemandLine,
    item: &Item,
    w: &WriteOff<'_>,
) -> Rule {
    let installed_state = || SerialState::Installed {
        asset: wo.asset.clone(),
        work_order: Some(wo.id.clone()),
        position: w.position.cloned(),
    };
    if item.tracking.serial() {
        ctx.check_serials(item, w.installed, w.qty)?;
        for serial in w.installed {
            let key = SerialKey {
                item: item.id.clone(),
                serial: serial.clone(),
            };
            let state = ctx.view.serial(&key)?;
            match &state {
                Some(SerialState::InWork { holding, batch, .. })
                    if *holding == Holding::Line(line.id.clone())
                        && (w.batch.is_none() || batch.as_ref() == w.batch) => {}
                Some(SerialState::InWork { .. }) | None => {
                    return Err(Refusal::new(ReasonCode::SerialNotInWork)
                        .detail(format!("{serial} was not issued to line {}", line.id))
                        .into());
                }
                Some(other) => {
                    return Err(Refusal::new(ReasonCode::SerialNotInWork)
                        .detail(describe_serial(serial, other))
                        .into());
                }
            }
            ctx.push(Effect::Serial {
                key,
                before: state,
                after: Some(installed_state()),
            });
        }
        return Ok(());
    }
    // Not tracked in stock: serials captured here create installed units.
    ctx.check_serial_labels(item, w.installed)?;
    for serial in w.installed {
        let key = SerialKey {
            item: item.id.clone(),
            serial: serial.clone(),
        };
        if let Some(state) = ctx.view.serial(&key)? {
            return Err(Refusal::new(ReasonCode::SerialInstalledElsewhere)
                .detail(describe_serial(serial, &state))
                .into());
        }
        ctx.push(Effect::Serial {
            key,
            before: None,
            after: Some(installed_state()),
        });
    }
    if ctx.policy.serial_required_items.contains(&item.id) {
        let units = (w.qty.milli() + 999) / 1000;
        let missing = units - w.installed.len() as i64;
        if missing > 0 {
            let record = MissingSerial {
                write_off: ctx.doc.id,
                work_order: wo.id.clone(),
                line: line.id.clone(),
                item: item.id.clone(),
                missing: u32::try_from(missing).unwrap_or(u32::MAX),
            };
            ctx.push(Effect::MissingSerial {
                write_off: ctx.doc.id,
                before: None,
                after: Some(Box::new(record)),
            });
        }
    }
    Ok(())
}

/// The old unit comes off the order's asset. A unit the ledger never saw is
/// created at removal.
fn remove<V: LedgerView>(ctx: &mut Ctx<V>, wo: &WorkOrder, unit: &RemovedUnit) -> Rule {
    let item = ctx.item(&unit.item)?;
    ctx.check_serial_labels(&item, std::slice::from_ref(&unit.serial))?;
    let key = SerialKey {
        item: unit.item.clone(),
        serial: unit.serial.clone(),
    };
    let state = ctx.view.serial(&key)?;
    match &state {
        None => {}
        Some(SerialState::Installed { asset, .. }) if *asset == wo.asset => {}
        Some(SerialState::Installed { asset, .. }) => {
            return Err(Refusal::new(ReasonCode::SerialInstalledElsewhere)
                .detail(format!("{} is installed on {asset}", unit.serial))
                .into());
        }
        Some(other) => {
            return Err(Refusal::new(ReasonCode::SerialNotOnAsset)
                .detail(describe_serial(&unit.serial, other))
                .into());
        }
    }
    ctx.push(Effect::Serial {
        key,
        before: state,
        after: Some(SerialState::Removed {
            asset: wo.asset.clone(),
            work_order: wo.id.clone(),
            holder: ctx.doc.author.clone(),
        }),
    });
    Ok(())
}

/// The bin for returned stock must take its condition.
fn return_bin<V: LedgerView>(ctx: &Ctx<V>, to_bin: &BinId, condition: Condition) -> Rule<Bin> {
    let bin = ctx.bin(to_bin)?;
    if !condition.fits_zone(bin.zone) {
        return Err(Refusal::new(ReasonCode::ZoneMismatch)
            .detail(format!(
                "{condition:?} cannot go to bin {} ({:?})",
                bin.id, bin.zone
            ))
            .into());
    }
    Ok(bin)
}

/// What an issue document handed out, and against what it is held now.
struct IssueRef {
    doc: DocId,
    item: ItemId,
    serials: Vec<SerialNo>,
    holding: Holding,
    work_order: Option<WorkOrderId>,
}

fn referenced_issue<V: LedgerView>(ctx: &Ctx<V>) -> Rule<IssueRef> {
    let id = ctx
        .doc
        .follows
        .ok_or_else(|| Refusal::new(ReasonCode::ReferenceRequired))?;
    let acc = ctx
        .view
        .accepted(&id)?
        .ok_or_else(|| Refusal::new(ReasonCode::UnknownDocument).detail(id))?;
    if acc.reversed_by.is_some() {
        return Err(Refusal::new(ReasonCode::WrongReference)
            .detail(format!("issue {id} was reversed"))
            .into());
    }
    let (pick, holding, work_order) = match &acc.doc.body {
        Body::Issue { pick, .. } | Body::SubstitutionIssue { pick, .. } => (
            pick,
            acc.doc.line.clone().map(Holding::Line),
            acc.doc.work_order.clone(),
        ),
        Body::AdditionalIssue { pick, new_line, .. } => (
            pick,
            Some(Holding::Line(new_line.clone())),
            acc.doc.work_order.clone(),
        ),
        Body::EmergencyIssue { pick, .. } => {
            let linked = ctx.view.emergency(&id)?.and_then(|e| e.linked);
            match linked {
                Some((wo, line)) => (pick, Some(Holding::Line(line)), Some(wo)),
                None => (pick, Some(Holding::Emergency(id)), None),
            }
        }
        _ => None.ok_or_else(|| {
            Refusal::new(ReasonCode::WrongReference).detail(format!("{id} is not an issue"))
        })?,
    };
    let holding = holding.ok_or_else(|| Refusal::new(ReasonCode::WrongReference))?;
    Ok(IssueRef {
        doc: id,
        item: pick.item.clone(),
        serials: pick.serials.clone(),
        holding,
        work_order,
    })
}

pub(super) fn return_unused<V: LedgerView>(
    ctx: &mut Ctx<V>,
    item_id: &ItemId,
    batch: Option<&BatchCode>,
    serials: &[SerialNo],
    qty: Qty,
    condition: Condition,
    to_bin: &BinId,
) -> Rule {
    // The order's status decides first: nothing moves on a closed order.
    if let Some(wo_id) = &ctx.doc.work_order {
        let wo = ctx.known_work_order(wo_id)?;
        super::status::require(&wo, Movement::Return)?;
    }
    let issue = referenced_issue(ctx)?;
    if let Some(wo_id) = &issue.work_order {
        if ctx.doc.work_order.as_ref().is_some_and(|w| w != wo_id) {
            return Err(Refusal::new(ReasonCode::WrongReference)
                .detail(format!("issue {} belongs to {wo_id}", issue.doc))
                .into());
        }
        let wo = ctx.known_work_order(wo_id)?;
        super::status::require(&wo, Movement::Return)?;
    }
    if issue.item != *item_id {
        return Err(Refusal::new(ReasonCode::WrongReference)
            .detail(format!("issue {} handed out {}", issue.doc, issue.item))
            .into());
    }
    let item = ctx.item(item_id)?;
    ctx.check_batch(&item, batch, false)?;
    ctx.check_serials(&item, serials, qty)?;
    return_bin(ctx, to_bin, condition)?;
    let open = ctx.view.issue_open(&issue.doc)?;
    if qty > open {
        return Err(Refusal::new(ReasonCode::ReturnExceedsIssue)
            .detail(format!(
                "{open} of issue {} still out, returning {qty}",
                issue.doc
            ))
            .into());
    }
    let key = InWorkKey {
        holding: issue.holding.clone(),
        item: item.id.clone(),
        batch: batch.cloned(),
    };
    let in_work = ctx.view.in_work(&key)?;
    if qty > in_work {
        return Err(Refusal::new(ReasonCode::NotInWork)
            .detail(format!("{in_work} in work, returning {qty}"))
            .into());
    }
    for serial in serials {
        let skey = SerialKey {
            item: item.id.clone(),
            serial: serial.clone(),
        };
        let state = ctx.view.serial(&skey)?;
        let ok = issue.serials.contains(serial)
            && matches!(&state, Some(SerialState::InWork { holding, .. }) if *holding == issue.holding);
        if !ok {
            let detail = match &state {
                Some(s) => describe_serial(serial, s),
                None => format!("{serial} is unknown"),
            };
            return Err(Refusal::new(ReasonCode::SerialNotInWork)
                .detail(detail)
                .into());
        }
        ctx.push(Effect::Serial {
            key: skey,
            before: state,
            after: Some(SerialState::InStock {
                bin: to_bin.clone(),
                batch: batch.cloned(),
                condition,
            }),
        });
    }
    ctx.push(Effect::InWork { key, delta: -qty });
    ctx.push(Effect::IssueOpen {
        issue: issue.doc,
        delta: -qty,
    });
    if let Holding::Line(line) = &issue.holding {
        ctx.push(Effect::LineCount {
            line: line.clone(),
            counter: LineCounter::Returned,
            delta: qty,
        });
    }
    ctx.push(Effect::Stock {
        key: StockKey {
            item: item.id.clone(),
            bin: to_bin.clone(),
            batch: batch.cloned(),
            condition,
        },
        delta: qty,
    });
    Ok(())
}

pub(super) fn removed_unit_return<V: LedgerView>(
    ctx: &mut Ctx<V>,
    item: &ItemId,
    serial: &SerialNo,
    condition: Condition,
    to_bin: &BinId,
) -> Rule {
    let tracked = ctx.item(item)?.tracking.serial();
    let key = SerialKey {
        item: item.clone(),
        serial: serial.clone(),
    };
    let state = ctx.view.serial(&key)?;
    let Some(SerialState::Removed { work_order, .. }) = &state else {
        let detail = match &state {
            Some(s) => describe_serial(serial, s),
            None => format!("{serial} is unknown"),
        };
        return Err(Refusal::new(ReasonCode::SerialNotRemoved)
            .detail(detail)
            .into());
    };
    if ctx.doc.work_order.as_ref().is_some_and(|w| w != work_order) {
        return Err(Refusal::new(ReasonCode::SerialNotRemoved)
            .detail(format!("{serial} was removed on {work_order}"))
            .into());
    }
    let wo = ctx.known_work_order(work_order)?;
    super::status::require(&wo, Movement::Return)?;
    // A removed unit never goes straight to available stock.
    if condition.is_usable() {
        return Err(Refusal::new(ReasonCode::ZoneMismatch)
            .detail("a removed unit goes to quarantine (under inspection) or rejected")
            .into());
    }
    return_bin(ctx, to_bin, condition)?;
    // Units of items not tracked by serial in stock are counted by quantity
    // once back on a shelf; the serial stays in the documents' history.
    let after = tracked.then(|| SerialState::InStock {
        bin: to_bin.clone(),
        batch: None,
        condition,
    });
    ctx.push(Effect::Serial {
        key,
        before: state.clone(),
        after,
    });
    ctx.push(Effect::Stock {
        key: StockKey {
            item: item.clone(),
            bin: to_bin.clone(),
            batch: None,
            condition,
        },
        delta: Qty::units(1),
    });
    Ok(())
}

pub(super) fn inspection<V: LedgerView>(
    ctx: &mut Ctx<V>,
    item_id: &ItemId,
    from_bin: &BinId,
    batch: Option<&BatchCode>,
    serials: &[SerialNo],
    qty: Qty,
    decision: &Decision,
) -> Rule {
    let item = ctx.item(item_id)?;
    let from = ctx.bin(from_bin)?;
    if from.zone != Zone::Quarantine {
        return Err(Refusal::new(ReasonCode::ZoneMismatch)
            .detail(format!("bin {} is not a quarantine bin", from.id))
            .into());
    }
    ctx.check_batch(&item, batch, false)?;
    ctx.check_serials(&item, serials, qty)?;
    // Removed units keep their serial even where stock is not serial-tracked.
    if !serials.is_empty() && qty != Qty::units(serials.len() as i64) {
        return Err(Refusal::new(ReasonCode::SerialCountMismatch)
            .detail(format!("quantity {qty}, {} serial(s)", serials.len()))
            .into());
    }
    let (to_bin, condition) = match decision {
        Decision::Release { condition, to_bin } if condition.is_usable() => (to_bin, *condition),
        Decision::Release { .. } => {
            return Err(Refusal::new(ReasonCode::ZoneMismatch)
                .detail("a release makes stock new or opened")
                .into());
        }
        Decision::Reject { to_bin } => (to_bin, Condition::Rejected),
    };
    let to = return_bin(ctx, to_bin, condition)?;
    if to.warehouse != from.warehouse {
        return Err(Refusal::new(ReasonCode::WrongWarehouse)
            .detail("inspection moves stock within one warehouse; record a transfer")
            .into());
    }
    let from_key = StockKey {
        item: item.id.clone(),
        bin: from_bin.clone(),
        batch: batch.cloned(),
        condition: Condition::UnderInspection,
    };
    let under = ctx.view.stock(&from_key)?;
    if qty > under {
        return Err(Refusal::new(ReasonCode::NothingToInspect)
            .detail(format!(
                "{under} of {} under inspection in {from_bin}",
                item.id
            ))
            .into());
    }
    for serial in serials {
        let key = SerialKey {
            item: item.id.clone(),
            serial: serial.clone(),
        };
        let state = ctx.view.serial(&key)?;
        let here = matches!(&state, Some(SerialState::InStock { bin, condition: Condition::UnderInspection, batch: b })
            if bin == from_bin && b.as_ref() == batch);
        if !here {
            return Err(Refusal::new(ReasonCode::SerialNotInBin)
                .detail(format!("{serial} is not under inspection in {from_bin}"))
                .into());
        }
        ctx.push(Effect::Serial {
            key,
            before: state,
            after: Some(SerialState::InStock {
                bin: to_bin.clone(),
                batch: batch.cloned(),
                condition,
            }),
        });
    }
    ctx.push(Effect::Stock {
        key: from_key.clone(),
        delta: -qty,
    });
    ctx.push(Effect::Stock {
        key: StockKey {
            bin: to_bin.clone(),
            condition,
            ..from_key
        },
        delta: qty,
    });
    Ok(())
}
