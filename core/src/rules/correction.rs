//! Corrections cancel a prior movement by reversing its effects, checked
//! against the state as it is now; history is never edited. A re-record
//! (the right serial, the right order) is an ordinary document that
//! follows the correction.

use super::roles::approvers;
use super::status::Movement;
use super::{Ctx, Rule};
use crate::document::{Body, DocKind};
use crate::effect::Effect;
use crate::model::WoStatus;
use crate::reason::{ReasonCode, Refusal};
use crate::view::LedgerView;

pub(super) fn correction<V: LedgerView>(ctx: &mut Ctx<V>) -> Rule {
    let id = ctx
        .doc
        .follows
        .ok_or_else(|| Refusal::new(ReasonCode::ReferenceRequired))?;
    ctx.require_reason()?;
    ctx.require_approver(approvers::CORRECTION)?;
    let original = ctx
        .view
        .accepted(&id)?
        .ok_or_else(|| Refusal::new(ReasonCode::UnknownDocument).detail(id))?;
    if let Some(by) = original.reversed_by {
        return Err(Refusal::new(ReasonCode::AlreadyReversed)
            .detail(format!("by {by}"))
            .related(by)
            .into());
    }
    let kind = original.doc.kind();
    if matches!(
        kind,
        DocKind::Correction | DocKind::WoStatusChange | DocKind::PeriodClose
    ) {
        return Err(Refusal::new(ReasonCode::NotCorrectable)
            .detail(format!("{kind:?}"))
            .into());
    }
    // Nothing moves on a closed order: the original's, or for a reserve's
    // confirmation or release (which name no order) the reserve's, taken
    // from the reserve's document since a corrected reserve is gone.
    let reserve_order = match &original.doc.body {
        Body::ReserveConfirm { reserve } | Body::ReserveRelease { reserve, .. } => {
            match ctx.view.reserve(reserve)? {
                Some(r) => Some(r.work_order),
                None => ctx.view.accepted(reserve)?.and_then(|a| a.doc.work_order),
            }
        }
        _ => None,
    };
    for wo in original.doc.work_order.iter().chain(reserve_order.iter()) {
        let wo = ctx.known_work_order(wo)?;
        if wo.state.status == WoStatus::Closed {
            super::status::require(&wo, Movement::Return)?;
        }
    }
    // A reserve released since stays released: what the original took from
    // it is not put back.
    let mut inverse: Vec<Effect> = Vec::new();
    for e in original.effects.iter().rev().filter_map(Effect::inverse) {
        if let Effect::ReserveQty { id, .. } = &e
            && ctx.view.reserve(id)?.is_some_and(|r| r.cancelled)
        {
            continue;
        }
        inverse.push(e);
    }
    match super::check_effects(ctx.view, &inverse) {
        Ok(()) => {}
        Err(super::EffectsError::Conflict(why)) => {
            return Err(Refusal::new(ReasonCode::NotReversible).detail(why).into());
        }
        Err(super::EffectsError::Storage(e)) => return Err(e.into()),
    }
    ctx.effects.append(&mut inverse);
    ctx.push(Effect::Reversed {
        doc: id,
        by: Some(ctx.doc.id),
    });
    Ok(())
}
