//! "Nothing moves on a closed work order", checked on the effects of every
//! document, so a follow-up or a correction that reaches an order only
//! indirectly (through the issue it follows, a reserve, a serial's holder)
//! is caught as well.

use crate::effect::Effect;
use crate::ids::WorkOrderId;
use crate::model::{Holding, SerialState, WoStatus};
use crate::view::{LedgerView, ViewError};

/// The first closed order these effects would touch.
pub(crate) fn closed_order_touched(
    view: &impl LedgerView,
    effects: &[Effect],
) -> Result<Option<WorkOrderId>, ViewError> {
    let closed = |wo: &WorkOrderId| -> Result<bool, ViewError> {
        Ok(view
            .work_order(wo)?
            .is_some_and(|w| w.state.status == WoStatus::Closed))
    };
    let line_order = |line: &crate::ids::DemandLineId| -> Result<Option<WorkOrderId>, ViewError> {
        Ok(view.line(line)?.map(|l| l.work_order))
    };
    for e in effects {
        let mut orders: Vec<WorkOrderId> = Vec::new();
        match e {
            Effect::InWork { key, .. } => match &key.holding {
                Holding::Line(l) => orders.extend(line_order(l)?),
                Holding::Emergency(doc) => {
                    if let Some(em) = view.emergency(doc)? {
                        orders.extend(em.linked.map(|(wo, _)| wo));
                        orders.extend(em.work_order);
                    }
                }
            },
            Effect::LineCount { line, .. } => orders.extend(line_order(line)?),
            Effect::Serial { before, after, .. } => {
                // Where the unit goes, and whom it leaves if it was in hand;
                // a unit installed under an old order may be removed later.
                if let Some(s) = after {
                    orders.extend(order_of(s));
                }
                if let Some(s @ (SerialState::InWork { .. } | SerialState::Removed { .. })) = before
                {
                    orders.extend(order_of(s));
                }
            }
            Effect::Reserve { id, before, after } => {
                orders.extend(
                    after
                        .as_ref()
                        .or(before.as_ref())
                        .map(|r| r.work_order.clone()),
                );
                orders.extend(view.reserve(id)?.map(|r| r.work_order));
            }
            Effect::ReserveQty { id, .. } | Effect::ReserveCancelled { id, .. } => {
                orders.extend(view.reserve(id)?.map(|r| r.work_order));
            }
            Effect::WorkOrder { id, before, .. } => {
                if before.status == WoStatus::Closed {
                    return Ok(Some(id.clone()));
                }
            }
            Effect::Tool { before, after, .. } => {
                for t in [before, after].into_iter().flatten() {
                    orders.extend(t.work_order.clone());
                }
            }
            Effect::Approval { before, after, .. } => {
                for a in [before, after].into_iter().flatten() {
                    orders.push(a.work_order.clone());
                }
            }
            Effect::Emergency { after, .. } => {
                if let Some(em) = after {
                    orders.extend(em.linked.clone().map(|(wo, _)| wo));
                }
            }
            Effect::MissingSerial { before, after, .. } => {
                for m in [before, after].into_iter().flatten() {
                    orders.push(m.work_order.clone());
                }
            }
            Effect::Line { before, after, .. } => {
                for l in [before, after].into_iter().flatten() {
                    orders.push(l.work_order.clone());
                }
            }
            Effect::Stock { .. }
            | Effect::IssueOpen { .. }
            | Effect::Transit { .. }
            | Effect::TransitQty { .. }
            | Effect::Warranty { .. }
            | Effect::ReceivedBatch { .. }
            | Effect::Discrepancy(_)
            | Effect::PeriodClosed { .. }
            | Effect::Reversed { .. }
            | Effect::Value { .. } => {}
        }
        for wo in orders {
            if closed(&wo)? {
                return Ok(Some(wo));
            }
        }
    }
    Ok(None)
}

fn order_of(state: &SerialState) -> Option<WorkOrderId> {
    match state {
        SerialState::InWork { work_order, .. } | SerialState::Installed { work_order, .. } => {
            work_order.clone()
        }
        SerialState::Removed { work_order, .. } => Some(work_order.clone()),
        _ => None,
    }
}
