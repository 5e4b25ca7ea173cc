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
        .accepted(&id)
        .ok_or_else(|| Refusal::new(ReasonCode::UnknownDocument).detail(id))?;
    if let Some(by) = original.reversed_by {
        return Err(Refusal::new(ReasonCode::AlreadyReversed)
            .detail(format!("by {by}"))
            .related(by));
    }
    let kind = original.doc.kind();
    if matches!(
        kind,
        DocKind::Correction | DocKind::WoStatusChange | DocKind::PeriodClose
    ) {
        return Err(Refusal::new(ReasonCode::NotCorrectable).detail(format!("{kind:?}")));
    }
    // Nothing moves on a closed order: the original's, or for a reserve's
    // confirmation or release (which name no order) the reserve's, taken
    // from the reserve's document since a corrected reserve is gone.
    let reserve_order = match &original.doc.body {
        Body::ReserveConfirm { reserve } | Body::ReserveRelease { reserve, .. } => ctx
            .view
            .reserve(reserve)
            .map(|r| r.work_order)
            .or_else(|| ctx.view.accepted(reserve)?.doc.work_order),
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
    let released = |id: &crate::ids::ReserveId| ctx.view.reserve(id).is_some_and(|r| r.cancelled);
    let mut inverse: Vec<Effect> = original
        .effects
        .iter()
        .rev()
        .filter_map(Effect::inverse)
        .filter(|e| !matches!(e, Effect::ReserveQty { id, .. } if released(id)))
        .collect();
    if let Err(why) = super::check_effects(ctx.view, &inverse) {
        return Err(Refusal::new(ReasonCode::NotReversible).detail(why));
    }
    ctx.effects.append(&mut inverse);
    ctx.push(Effect::Reversed {
        doc: id,
        by: Some(ctx.doc.id),
    });
    Ok(())
}
