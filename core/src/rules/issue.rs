//! Issues: handover to the performer, stock goes "in work" against a demand
//! line (or, for an emergency issue, against the issue itself until it is
//! linked to a work order).

use super::approval;
use super::reserve::{consume, tolerance_ceiling};
use super::roles::approvers;
use super::status::Movement;
use super::{Ctx, Rule};
use crate::document::Pick;
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

/// Checks shared by every issue kind: the item is consumable and the pick
/// is well-formed.
fn check_issuable<V: LedgerView>(ctx: &Ctx<V>, pick: &Pick) -> Rule<(Item, Bin)> {
    let (item, bin) = ctx.check_pick(pick)?;
    if item.kind == ItemKind::Tool {
        return Err(Refusal::new(ReasonCode::ToolNotConsumable)
            .detail(&item.id)
            .into());
    }
    Ok((item, bin))
}

/// The requester or approver of a demand may not issue against it.
fn check_separation<V: LedgerView>(ctx: &Ctx<V>, wo: &WorkOrder, line: &DemandLine) -> Rule {
    if !ctx.policy.separation_of_duties {
        return Ok(());
    }
    let author = &ctx.doc.author;
    if *author == line.requested_by || wo.approved_by.as_ref() == Some(author) {
        return Err(Refusal::new(ReasonCode::SeparationOfDuties)
            .detail(format!("{author} requested or approved line {}", line.id))
            .into());
    }
    Ok(())
}

/// Moves the pick into work against `holding`, with the line and issue
/// bookkeeping.
fn hand_over<V: LedgerView>(
    ctx: &mut Ctx<V>,
    pick: &Pick,
    item: &Item,
    holding: Holding,
    work_order: Option<WorkOrderId>,
    holder: UserId,
) -> Rule {
    let h = holding.clone();
    ctx.take_from_shelf(pick, item, move |batch, condition| SerialState::InWork {
        holding: h.clone(),
        work_order: work_order.clone(),
        holder: holder.clone(),
        batch: batch.clone(),
        condition,
    })?;
    if let Holding::Line(line) = &holding {
        ctx.push(Effect::LineCount {
            line: line.clone(),
            counter: LineCounter::Issued,
            delta: pick.qty,
        });
    }
    ctx.push(Effect::InWork {
        key: InWorkKey {
            holding,
            item: pick.item.clone(),
            batch: pick.batch.clone(),
        },
        delta: pick.qty,
    });
    ctx.push(Effect::IssueOpen {
        issue: ctx.doc.id,
        delta: pick.qty,
    });
    Ok(())
}

/// Issue and substitution issue share everything but the item check.
/// `substitution` is `Some` for a substitute, with the approved request it
/// cites, if any.
fn issue_to_line<V: LedgerView>(
    ctx: &mut Ctx<V>,
    pick: &Pick,
    holder: Option<&UserId>,
    substitution: Option<Option<&DocId>>,
) -> Rule {
    let wo = ctx.work_order_for(Movement::Issue)?;
    let line = ctx.line_of(&wo)?;
    let (item, bin) = check_issuable(ctx, pick)?;
    if let Some(cited) = substitution {
        ctx.require_reason()?;
        let listed = line.substitutes.contains(&item.id)
            || ctx
                .view
                .item(&line.item)?
                .is_some_and(|i| i.substitutes.contains(&item.id));
        if item.id == line.item {
            return Err(Refusal::new(ReasonCode::SubstituteNotAllowed)
                .detail("this is the line's own item: record a plain issue")
                .into());
        }
        if let Some(request) = cited {
            approval::draw(ctx, request, ApprovalKind::Substitution, &item.id, pick.qty)?;
        } else if !listed && !ctx.qualified_approver(approvers::SUBSTITUTION)? {
            if ctx.doc.approver.is_some() {
                ctx.require_approver(approvers::SUBSTITUTION)?;
            }
            return Err(Refusal::new(ReasonCode::SubstituteNotAllowed)
                .detail(format!("{} for {}", item.id, line.item))
                .into());
        }
    } else if item.id != line.item {
        return Err(Refusal::new(ReasonCode::ItemNotOnLine)
            .detail(format!("line {} asks for {}", line.id, line.item))
            .into());
    }
    check_separation(ctx, &wo, &line)?;
    // Where the unit is comes before the plan: a serial in someone else's
    // hands is an impossible state (a person must hear who has it), going
    // over plan only a planning matter.
    for serial in &pick.serials {
        let key = SerialKey {
            item: item.id.clone(),
            serial: serial.clone(),
        };
        if let Some(state) = ctx.view.serial(&key)?
            && !matches!(state, SerialState::InStock { .. })
        {
            return Err(Refusal::new(ReasonCode::SerialHeldElsewhere)
                .detail(super::describe_serial(serial, &state))
                .into());
        }
    }
    let counts = ctx.view.line_counts(&line.id)?;
    let ceiling = tolerance_ceiling(ctx, &line);
    if counts.issued + pick.qty > ceiling {
        return Err(Refusal::new(ReasonCode::OverTolerance)
            .detail(format!(
                "planned {}, issued {}, this issue {}, limit {ceiling}",
                line.planned, counts.issued, pick.qty
            ))
            .into());
    }
    ctx.check_free_for(pick, &bin, Some(&line.id))?;
    let holder = ctx.holder(holder)?;
    consume(ctx, &line.id, pick.qty)?;
    hand_over(
        ctx,
        pick,
        &item,
        Holding::Line(line.id.clone()),
        Some(wo.id),
        holder,
    )
}

pub(super) fn issue<V: LedgerView>(ctx: &mut Ctx<V>, pick: &Pick, holder: Option<&UserId>) -> Rule {
    issue_to_line(ctx, pick, holder, None)
}

pub(super) fn substitution<V: LedgerView>(
    ctx: &mut Ctx<V>,
    pick: &Pick,
    holder: Option<&UserId>,
    approval: Option<&DocId>,
) -> Rule {
    issue_to_line(ctx, pick, holder, Some(approval))
}

/// Beyond the plan or an unplanned item: a reason, an approver other than
/// the requester (present, or through an approved request), and a new
/// demand line marked additional.
pub(super) fn additional<V: LedgerView>(
    ctx: &mut Ctx<V>,
    pick: &Pick,
    new_line: &DemandLineId,
    task: Option<&TaskId>,
    holder: Option<&UserId>,
    cited: Option<&DocId>,
) -> Rule {
    let wo = ctx.work_order_for(Movement::Issue)?;
    let (item, bin) = check_issuable(ctx, pick)?;
    ctx.require_reason()?;
    match cited {
        Some(request) => {
            approval::draw(ctx, request, ApprovalKind::Additional, &item.id, pick.qty)?;
        }
        None => {
            ctx.require_approver(approvers::ADDITIONAL_ISSUE)?;
        }
    }
    // The line it goes beyond, if any, must be on this order.
    let base = match &ctx.doc.line {
        Some(_) => Some(ctx.line_of(&wo)?),
        None => None,
    };
    if ctx.view.line(new_line)?.is_some() {
        return Err(Refusal::new(ReasonCode::LineExists).detail(new_line).into());
    }
    let task = task
        .cloned()
        .or_else(|| base.as_ref().and_then(|l| l.task.clone()));
    if let Some(t) = &task
        && !wo.tasks.iter().any(|x| x.id == *t)
    {
        return Err(Refusal::new(ReasonCode::UnknownLine)
            .detail(format!("task {t} on {}", wo.id))
            .into());
    }
    ctx.check_free_for(pick, &bin, None)?;
    let holder = ctx.holder(holder)?;
    let line = DemandLine {
        id: new_line.clone(),
        work_order: wo.id.clone(),
        task,
        item: item.id.clone(),
        planned: pick.qty,
        unit: item.unit.clone(),
        mandatory: false,
        substitutes: Vec::new(),
        tolerance_percent: Some(0),
        requested_by: ctx.doc.author.clone(),
        additional: true,
        cost_account: None,
        planned_max: None,
        clarified: None,
        // The additional issue's approver agreed to exactly this.
        approved: Some(pick.qty),
    };
    ctx.push(Effect::Line {
        id: new_line.clone(),
        before: None,
        after: Some(Box::new(line)),
    });
    hand_over(
        ctx,
        pick,
        &item,
        Holding::Line(new_line.clone()),
        Some(wo.id),
        holder,
    )
}

/// Before the order exists, on a supervisor's approval; counted as "issued
/// without an order" until linked.
pub(super) fn emergency<V: LedgerView>(
    ctx: &mut Ctx<V>,
    pick: &Pick,
    asset: Option<&AssetId>,
    holder: Option<&UserId>,
) -> Rule {
    let (item, bin) = check_issuable(ctx, pick)?;
    ctx.require_reason()?;
    let approver = ctx.require_approver(approvers::EMERGENCY_ISSUE)?;
    if let Some(a) = asset
        && ctx.view.asset(a)?.is_none_or(|x| x.site != ctx.doc.site)
    {
        return Err(Refusal::new(ReasonCode::UnknownAsset).detail(a).into());
    }
    // An order that exists already but cannot take issues yet (created,
    // approved) may be named so its closure waits for the link.
    if let Some(wo) = &ctx.doc.work_order {
        let wo = ctx.known_work_order(wo)?;
        if !wo.state.status.is_open() {
            return Err(Refusal::new(ReasonCode::WorkOrderStatus)
                .detail(format!("{} is {:?}", wo.id, wo.state.status))
                .into());
        }
    }
    ctx.check_free_for(pick, &bin, None)?;
    let holder = ctx.holder(holder)?;
    let record = Emergency {
        doc: ctx.doc.id,
        item: item.id.clone(),
        batch: pick.batch.clone(),
        serials: pick.serials.clone(),
        qty: pick.qty,
        asset: asset.cloned(),
        work_order: ctx.doc.work_order.clone(),
        approver: approver.id,
        issued_at: ctx.doc.device_time,
        linked: None,
    };
    ctx.push(Effect::Emergency {
        doc: ctx.doc.id,
        before: None,
        after: Some(Box::new(record)),
    });
    hand_over(
        ctx,
        pick,
        &item,
        Holding::Emergency(ctx.doc.id),
        None,
        holder,
    )
}

/// Ties an emergency issue to the envelope's order and line: what is still
/// in work moves onto the line and counts as issued there.
pub(super) fn link_emergency<V: LedgerView>(ctx: &mut Ctx<V>, id: &DocId) -> Rule {
    let wo = ctx.work_order_for(Movement::WriteOff)?;
    let line = ctx.line_of(&wo)?;
    let em = ctx
        .view
        .emergency(id)?
        .ok_or_else(|| Refusal::new(ReasonCode::UnknownDocument).detail(id))?;
    if em.linked.is_some() {
        return Err(ReasonCode::AlreadyLinked.into());
    }
    let substitute_ok = line.substitutes.contains(&em.item)
        || ctx
            .view
            .item(&line.item)?
            .is_some_and(|i| i.substitutes.contains(&em.item));
    if em.item != line.item && !substitute_ok {
        return Err(Refusal::new(ReasonCode::ItemNotOnLine)
            .detail(format!("line {} asks for {}", line.id, line.item))
            .into());
    }
    let from = Holding::Emergency(*id);
    let to = Holding::Line(line.id.clone());
    let mut moved = Qty::ZERO;
    for (key, qty) in ctx.view.in_work_of(&from)? {
        moved += qty;
        ctx.push(Effect::InWork {
            key: key.clone(),
            delta: -qty,
        });
        ctx.push(Effect::InWork {
            key: InWorkKey {
                holding: to.clone(),
                ..key
            },
            delta: qty,
        });
    }
    for serial in &em.serials {
        let key = SerialKey {
            item: em.item.clone(),
            serial: serial.clone(),
        };
        if let Some(SerialState::InWork {
            holding,
            holder,
            batch,
            condition,
            ..
        }) = ctx.view.serial(&key)?
            && holding == from
        {
            let before = ctx.view.serial(&key)?;
            ctx.push(Effect::Serial {
                key,
                before,
                after: Some(SerialState::InWork {
                    holding: to.clone(),
                    work_order: Some(wo.id.clone()),
                    holder,
                    batch,
                    condition,
                }),
            });
        }
    }
    if moved.is_positive() {
        ctx.push(Effect::LineCount {
            line: line.id.clone(),
            counter: LineCounter::Issued,
            delta: moved,
        });
    }
    let mut after = em.clone();
    after.linked = Some((wo.id, line.id));
    ctx.push(Effect::Emergency {
        doc: *id,
        before: Some(Box::new(em)),
        after: Some(Box::new(after)),
    });
    Ok(())
}
