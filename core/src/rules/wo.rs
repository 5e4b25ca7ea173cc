//! Work-order status changes (design §6.1).

use super::closure::closure_blockers;
use super::reserve::release_all;
use super::{Ctx, Rule};
use crate::document::Transition;
use crate::effect::Effect;
use crate::model::*;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

/// The status a transition leads to from `from`, if it is allowed.
/// `Complete` is resolved by the caller (awaiting return or not).
pub fn next_status(from: WoStatus, t: Transition, held_from: Option<WoStatus>) -> Option<WoStatus> {
    use Transition as T;
    use WoStatus as S;
    match (t, from) {
        (T::Approve, S::Created) => Some(S::Approved),
        (T::Start, S::Approved) => Some(S::InProgress),
        (T::Complete, S::InProgress) => Some(S::InProgress),
        (T::Hold, S::Created | S::Approved | S::InProgress | S::AwaitingReturn) => Some(S::OnHold),
        (T::Resume, S::OnHold) => held_from,
        (T::Cancel, s) if s.is_open() => Some(S::Cancelled),
        (T::Close, S::InProgress | S::AwaitingReturn | S::Cancelled) => Some(S::Closed),
        _ => None,
    }
}

pub(super) fn status_change<V: LedgerView>(ctx: &mut Ctx<V>, t: Transition) -> Rule {
    let id = ctx
        .doc
        .work_order
        .as_ref()
        .ok_or_else(|| Refusal::new(ReasonCode::NoWorkOrder))?;
    let wo = ctx.known_work_order(id)?;
    let before = wo.state.clone();
    let mut status = next_status(before.status, t, before.held_from).ok_or_else(|| {
        Refusal::new(ReasonCode::InvalidTransition)
            .detail(format!("{} is {:?}, cannot {t:?}", wo.id, before.status))
    })?;
    let mut after = before.clone();
    match t {
        Transition::Approve => {
            // The approver of the order may not also issue against it
            // (separation of duties), so the approval is recorded.
            if ctx.policy.separation_of_duties && wo.created_by == ctx.doc.author {
                return Err(Refusal::new(ReasonCode::SeparationOfDuties)
                    .detail("the order's creator may not approve it")
                    .into());
            }
        }
        Transition::Complete => {
            after.completed_at = Some(ctx.doc.device_time);
            if has_items_out(ctx, &wo)? {
                status = WoStatus::AwaitingReturn;
            }
        }
        Transition::Hold | Transition::Cancel => {
            if t == Transition::Hold {
                after.held_from = Some(before.status);
            }
            for line in ctx.view.lines_of(&wo.id)? {
                for r in ctx.view.reserves_of_line(&line.id)? {
                    if r.is_active() {
                        release_all(ctx, &r);
                    }
                }
            }
        }
        Transition::Resume => after.held_from = None,
        Transition::Close => {
            let blockers = closure_blockers(ctx.view, &wo.id)?;
            if !blockers.is_empty() {
                let mut refusal = Refusal::new(ReasonCode::ClosureBlocked).detail(
                    blockers
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                refusal.blockers = blockers;
                return Err(refusal.into());
            }
        }
        Transition::Start => {}
    }
    after.status = status;
    if after != before {
        ctx.push(Effect::WorkOrder {
            id: wo.id.clone(),
            before,
            after,
        });
    }
    Ok(())
}

/// Anything still with people on this order: in work on its lines, or a
/// removed unit not yet returned.
fn has_items_out<V: LedgerView>(ctx: &Ctx<V>, wo: &WorkOrder) -> Rule<bool> {
    for l in ctx.view.lines_of(&wo.id)? {
        if ctx.view.line_counts(&l.id)?.in_work().is_positive() {
            return Ok(true);
        }
    }
    Ok(!ctx.view.removed_units_of(&wo.id)?.is_empty())
}
