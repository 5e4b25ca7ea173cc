//! The work-order status table (design §6.1): which movements each status
//! allows.

use crate::model::{WoStatus, WorkOrder};
use crate::reason::{ReasonCode, Refusal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Movement {
    Reserve,
    Issue,
    WriteOff,
    Return,
}

impl Movement {
    pub const ALL: [Movement; 4] = [
        Movement::Reserve,
        Movement::Issue,
        Movement::WriteOff,
        Movement::Return,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    Yes,
    /// Reserve on a created order: the demand is recorded, nothing locked.
    DemandOnly,
    No,
}

/// One row of the status table per status.
pub fn allowance(status: WoStatus, movement: Movement) -> Allowance {
    use Allowance::*;
    use Movement as M;
    use WoStatus as S;
    match (status, movement) {
        (S::Created, M::Reserve) => DemandOnly,
        (S::Created, _) => No,
        (S::Approved, M::Reserve) => Yes,
        (S::Approved, _) => No,
        (S::InProgress, _) => Yes,
        (S::AwaitingReturn, M::WriteOff | M::Return) => Yes,
        (S::AwaitingReturn, _) => No,
        // On hold and cancelled: reserves are released, only returns of
        // what was issued come back.
        (S::OnHold | S::Cancelled, M::Return) => Yes,
        (S::OnHold | S::Cancelled, _) => No,
        (S::Closed, _) => No,
    }
}

/// Refuses a movement the order's status does not allow.
pub fn require(wo: &WorkOrder, movement: Movement) -> Result<Allowance, Refusal> {
    match allowance(wo.state.status, movement) {
        Allowance::No => Err(Refusal::new(ReasonCode::WorkOrderStatus).detail(format!(
            "{} is {:?}; {movement:?} is not allowed",
            wo.id, wo.state.status
        ))),
        a => Ok(a),
    }
}
