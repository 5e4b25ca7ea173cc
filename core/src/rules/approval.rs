//! Approval asked for later: a technician at the shelf with no approver at
//! hand asks for an additional issue or a substitute; an approver decides
//! in the back office; the issues that follow cite the approved request in
//! place of an approver's PIN, up to the quantity approved.

use super::roles::approvers;
use super::status::Movement;
use super::{Ctx, Rule, check_qty, roles_list};
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::{LedgerView, ViewError};

/// Who may decide a request of `kind`: the roles that approve that
/// movement at the shelf.
pub fn deciders(kind: ApprovalKind) -> &'static [Role] {
    match kind {
        ApprovalKind::Additional => approvers::ADDITIONAL_ISSUE,
        ApprovalKind::Substitution => approvers::SUBSTITUTION,
    }
}

/// `ApprovalRequest`: the order must take issues now, the item be a part,
/// the reason given; a substitute names the line it stands in for.
pub(super) fn request<V: LedgerView>(
    ctx: &mut Ctx<V>,
    kind: ApprovalKind,
    item: &ItemId,
    qty: Qty,
) -> Rule {
    let wo = ctx.work_order_for(Movement::Issue)?;
    let part = ctx.item(item)?;
    if part.kind == ItemKind::Tool {
        return Err(Refusal::new(ReasonCode::ToolNotConsumable)
            .detail(item)
            .into());
    }
    check_qty(qty)?;
    ctx.require_reason()?;
    let line = match (&ctx.doc.line, kind) {
        (None, ApprovalKind::Additional) => None,
        (_, _) => Some(ctx.line_of(&wo)?),
    };
    if kind == ApprovalKind::Substitution
        && let Some(l) = &line
        && l.item == *item
    {
        return Err(Refusal::new(ReasonCode::SubstituteNotAllowed)
            .detail("this is the line's own item: no approval is needed")
            .into());
    }
    let approval = Approval {
        request: ctx.doc.id,
        kind,
        work_order: wo.id,
        line: line.map(|l| l.id),
        item: item.clone(),
        qty,
        reason: ctx.doc.reason.clone(),
        reason_code: ctx.doc.reason_code.clone(),
        requested_by: ctx.doc.author.clone(),
        requested_at: ctx.doc.device_time,
        decision: None,
        used: Qty::ZERO,
    };
    ctx.push(Effect::Approval {
        request: ctx.doc.id,
        before: None,
        after: Some(Box::new(approval)),
    });
    Ok(())
}

/// `ApprovalDecision`: once, by an approver of the kind who did not ask;
/// a refusal says why.
pub(super) fn decide<V: LedgerView>(ctx: &mut Ctx<V>, request: &DocId, approve: bool) -> Rule {
    let before = known(ctx, request)?;
    if let Some(d) = &before.decision {
        return Err(Refusal::new(ReasonCode::ApprovalDecided)
            .detail(format!(
                "{} by {} on {}",
                if d.approved { "approved" } else { "refused" },
                d.by,
                d.at.format("%Y-%m-%d %H:%M")
            ))
            .into());
    }
    if ctx
        .doc
        .work_order
        .as_ref()
        .is_some_and(|wo| *wo != before.work_order)
    {
        return Err(Refusal::new(ReasonCode::ApprovalMismatch)
            .detail(format!("the request is for {}", before.work_order))
            .into());
    }
    let roles = deciders(before.kind);
    let author = ctx
        .view
        .user(&ctx.doc.author)?
        .ok_or_else(|| Refusal::new(ReasonCode::UnknownUser).detail(&ctx.doc.author))?;
    if !author.has_any(roles) {
        return Err(Refusal::new(ReasonCode::ApproverNotAllowed)
            .detail(format!("{} is not {}", author.id, roles_list(roles)))
            .into());
    }
    if author.id == before.requested_by {
        return Err(ReasonCode::ApproverIsAuthor.into());
    }
    if !approve {
        ctx.require_reason()?;
    }
    let after = Approval {
        decision: Some(ApprovalDecided {
            by: author.id,
            at: ctx.doc.device_time,
            approved: approve,
            reason: ctx.doc.reason.clone(),
        }),
        ..before.clone()
    };
    ctx.push(Effect::Approval {
        request: *request,
        before: Some(Box::new(before)),
        after: Some(Box::new(after)),
    });
    Ok(())
}

fn known<V: LedgerView>(ctx: &Ctx<V>, request: &DocId) -> Rule<Approval> {
    let unknown = || Refusal::new(ReasonCode::UnknownApproval).detail(request);
    let approval = ctx.view.approval(request)?.ok_or_else(unknown)?;
    // Requests are kept by id across sites; one of another site's orders
    // is not this site's to decide or draw on.
    match ctx.view.work_order(&approval.work_order)? {
        Some(w) if w.site == ctx.doc.site => Ok(approval),
        _ => Err(unknown().into()),
    }
}

/// An issue under an approved request: the same kind, order, item (and for
/// a substitute, line), within what is left, by someone other than the
/// approver. Records what it draws.
pub(super) fn draw<V: LedgerView>(
    ctx: &mut Ctx<V>,
    request: &DocId,
    kind: ApprovalKind,
    item: &ItemId,
    qty: Qty,
) -> Rule {
    let before = known(ctx, request)?;
    // The approval is the approver: one named beside it would be recorded
    // unchecked.
    if let Some(approver) = &ctx.doc.approver {
        return Err(Refusal::new(ReasonCode::ApprovalMismatch)
            .detail(format!(
                "an issue under an approval names no approver of its own ({approver})"
            ))
            .into());
    }
    let same_line = match kind {
        ApprovalKind::Substitution => before.line == ctx.doc.line,
        ApprovalKind::Additional => before.line.is_none() || before.line == ctx.doc.line,
    };
    if before.kind != kind
        || Some(&before.work_order) != ctx.doc.work_order.as_ref()
        || before.item != *item
        || !same_line
    {
        return Err(Refusal::new(ReasonCode::ApprovalMismatch)
            .detail(describe(&before))
            .into());
    }
    match &before.decision {
        None => {
            return Err(Refusal::new(ReasonCode::ApprovalNotGranted)
                .detail(format!(
                    "request {request} waits for {}",
                    roles_list(deciders(kind))
                ))
                .into());
        }
        Some(d) if !d.approved => {
            return Err(Refusal::new(ReasonCode::ApprovalNotGranted)
                .detail(format!(
                    "refused by {}: {}",
                    d.by,
                    d.reason.as_deref().unwrap_or("")
                ))
                .into());
        }
        Some(d) if d.by == ctx.doc.author => {
            return Err(ReasonCode::ApproverIsAuthor.into());
        }
        Some(_) => {}
    }
    if qty > before.left() {
        return Err(Refusal::new(ReasonCode::ApprovalUsedUp)
            .detail(format!(
                "approved {}, issued {}, this issue {qty}",
                before.qty, before.used
            ))
            .into());
    }
    let mut after = before.clone();
    after.used += qty;
    ctx.push(Effect::Approval {
        request: *request,
        before: Some(Box::new(before)),
        after: Some(Box::new(after)),
    });
    Ok(())
}

fn describe(a: &Approval) -> String {
    let kind = match a.kind {
        ApprovalKind::Additional => "additional",
        ApprovalKind::Substitution => "substitute",
    };
    match &a.line {
        Some(l) => format!(
            "approved: {} {} {kind} on {} line {l}",
            a.qty, a.item, a.work_order
        ),
        None => format!("approved: {} {} {kind} on {}", a.qty, a.item, a.work_order),
    }
}

/// The approved request a person may issue `item` under on an order (for
/// a substitute, on `line`), with at least `qty` left: the oldest such.
/// The handheld cites it so nobody needs to stand beside the shelf.
pub fn usable(
    view: &impl LedgerView,
    kind: ApprovalKind,
    work_order: &WorkOrderId,
    line: Option<&DemandLineId>,
    item: &ItemId,
    qty: Qty,
    author: &UserId,
) -> Result<Option<Approval>, ViewError> {
    let mut found: Vec<Approval> = view
        .approvals_of(work_order)?
        .into_iter()
        .filter(|a| {
            a.kind == kind
                && a.item == *item
                && a.left() >= qty
                && a.decision.as_ref().is_some_and(|d| d.by != *author)
                && match kind {
                    ApprovalKind::Substitution => a.line.as_ref() == line,
                    ApprovalKind::Additional => a.line.is_none() || a.line.as_ref() == line,
                }
        })
        .collect();
    found.sort_by_key(|a| (a.requested_at, a.request));
    Ok(found.into_iter().next())
}
