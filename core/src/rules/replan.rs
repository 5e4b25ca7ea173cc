//! Changing an approved order's material plan. The approval confirms the
//! limits — the material list, the allowed replacements, the quantities —
//! and the site agrees in advance how much a planner may change without
//! the approver again (`SitePolicy::replan_free_percent`, "within 10 %").
//! Beyond that a change waits for an approver ([`PlanChange`]); the line
//! stays as approved until one accepts it.

use super::roles::author_roles;
use crate::document::{DocKind, Transition};
use crate::ids::ItemId;
use crate::model::{DemandLine, PlanChange, Role, SitePolicy, User, WoStatus, WorkOrder};
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};

/// One way a proposed line goes beyond what was approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beyond {
    /// A line the approval did not list.
    NewLine,
    /// Another item than the approved one.
    Item { approved: ItemId },
    /// More than the free allowance over the approved quantity.
    Quantity {
        approved: Qty,
        asked: Qty,
        /// The most a planner may plan alone.
        free: Qty,
    },
    /// Substitutes the approval did not allow.
    Substitutes(Vec<ItemId>),
    /// A wider tolerance than the approved one (percent; the site's when
    /// the line names none).
    Tolerance { approved: u32, asked: u32 },
}

/// Whether the order's plan has been approved: approved, or any status
/// after it (a hold counts as the status it holds).
pub fn plan_approved(wo: &WorkOrder) -> bool {
    let status = match wo.state.status {
        WoStatus::OnHold => wo.state.held_from.unwrap_or(WoStatus::Created),
        s => s,
    };
    wo.approved_by.is_some() || status != WoStatus::Created
}

/// The most the approver agreed to on `line`.
pub fn approved_qty(line: &DemandLine) -> Qty {
    line.approved
        .unwrap_or_else(|| line.planned_max.unwrap_or(line.planned))
}

/// What of `new` goes beyond what was approved (`old`: the line as it is,
/// `None` for a new line). Empty when a planner may make the change alone:
/// the plan not approved yet, or the change within the limits. Less is
/// always free: a lower quantity, fewer substitutes, a narrower tolerance.
pub fn beyond_limits(
    policy: &SitePolicy,
    wo: &WorkOrder,
    old: Option<&DemandLine>,
    new: &DemandLine,
) -> Vec<Beyond> {
    if !plan_approved(wo) {
        return Vec::new();
    }
    let Some(old) = old else {
        return vec![Beyond::NewLine];
    };
    let mut beyond = Vec::new();
    if new.item != old.item {
        beyond.push(Beyond::Item {
            approved: old.item.clone(),
        });
    }
    let approved = approved_qty(old);
    let asked = new.planned_max.unwrap_or(new.planned);
    let free = approved.percent(100 + policy.replan_free_percent);
    if asked > free {
        beyond.push(Beyond::Quantity {
            approved,
            asked,
            free,
        });
    }
    let added: Vec<ItemId> = new
        .substitutes
        .iter()
        .filter(|s| !old.substitutes.contains(s))
        .cloned()
        .collect();
    if !added.is_empty() {
        beyond.push(Beyond::Substitutes(added));
    }
    let tolerance = |l: &DemandLine| l.tolerance_percent.unwrap_or(policy.tolerance_percent);
    if tolerance(new) > tolerance(old) {
        beyond.push(Beyond::Tolerance {
            approved: tolerance(old),
            asked: tolerance(new),
        });
    }
    beyond
}

/// Who may accept or refuse a plan change: those who approve orders.
pub fn deciders() -> &'static [Role] {
    author_roles(DocKind::WoStatusChange, Some(Transition::Approve))
}

/// Whether `who` may decide `change`: an approver of orders who did not
/// propose it, while it waits.
pub fn may_decide(change: &PlanChange, who: &User) -> Result<(), Refusal> {
    if change.refused.is_some() {
        return Err(Refusal::new(ReasonCode::ApprovalDecided)
            .detail(format!("the change of line {} was refused", change.line.id)));
    }
    if !who.has_any(deciders()) {
        return Err(Refusal::new(ReasonCode::ApproverNotAllowed)
            .detail("plan changes are decided by those who approve work orders"));
    }
    if change.by == who.id {
        return Err(Refusal::new(ReasonCode::OwnPlanChange).detail(format!(
            "you proposed the change of line {}",
            change.line.id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WoState;

    fn order(status: WoStatus, approved_by: Option<&str>) -> WorkOrder {
        WorkOrder {
            id: "WO-1".into(),
            site: "S".into(),
            asset: "A".into(),
            scope: String::new(),
            performer: None,
            created_by: "dsp-1".into(),
            approved_by: approved_by.map(Into::into),
            planned_start: None,
            planned_end: None,
            tasks: Vec::new(),
            state: WoState::new(status),
            cost_account: None,
            request: None,
            template: None,
            plan_changes: Vec::new(),
        }
    }

    fn line(planned: i64) -> DemandLine {
        DemandLine {
            id: "WO-1-L1".into(),
            work_order: "WO-1".into(),
            task: None,
            item: "FLT-1".into(),
            planned: Qty::units(planned),
            unit: "pcs".into(),
            mandatory: false,
            substitutes: Vec::new(),
            tolerance_percent: None,
            requested_by: "dsp-1".into(),
            additional: false,
            cost_account: None,
            planned_max: None,
            clarified: None,
            approved: Some(Qty::units(planned)),
        }
    }

    #[test]
    fn before_approval_every_change_is_free() {
        let wo = order(WoStatus::Created, None);
        let mut more = line(1);
        more.planned = Qty::units(50);
        assert!(beyond_limits(&SitePolicy::default(), &wo, Some(&line(1)), &more).is_empty());
        assert!(beyond_limits(&SitePolicy::default(), &wo, None, &more).is_empty());
        // A hold of an order never approved is still before approval.
        let mut held = order(WoStatus::OnHold, None);
        held.state.held_from = Some(WoStatus::Created);
        assert!(!plan_approved(&held));
        held.state.held_from = Some(WoStatus::InProgress);
        assert!(plan_approved(&held));
    }

    #[test]
    fn within_ten_percent_is_free_and_beyond_is_not() {
        let wo = order(WoStatus::Approved, Some("eng-1"));
        let policy = SitePolicy::default();
        let old = line(10);
        let mut new = old.clone();
        new.planned = Qty::units(11);
        assert!(beyond_limits(&policy, &wo, Some(&old), &new).is_empty());
        new.planned = Qty::units(12);
        assert_eq!(
            beyond_limits(&policy, &wo, Some(&old), &new),
            [Beyond::Quantity {
                approved: Qty::units(10),
                asked: Qty::units(12),
                free: Qty::units(11),
            }]
        );
        // Measured against what was approved, not the last free step:
        // 11 then 12 does not creep past the allowance.
        let mut stepped = old.clone();
        stepped.planned = Qty::units(11);
        assert!(!beyond_limits(&policy, &wo, Some(&stepped), &new).is_empty());
        // Less is free.
        new.planned = Qty::units(2);
        assert!(beyond_limits(&policy, &wo, Some(&old), &new).is_empty());
    }

    #[test]
    fn new_lines_substitutes_tolerance_and_items_need_the_approver() {
        let wo = order(WoStatus::InProgress, Some("eng-1"));
        let policy = SitePolicy::default();
        let old = line(2);
        assert_eq!(beyond_limits(&policy, &wo, None, &old), [Beyond::NewLine]);
        let mut new = old.clone();
        new.substitutes = vec!["FLT-2".into()];
        new.tolerance_percent = Some(50);
        new.item = "FLT-9".into();
        assert_eq!(
            beyond_limits(&policy, &wo, Some(&old), &new),
            [
                Beyond::Item {
                    approved: "FLT-1".into()
                },
                Beyond::Substitutes(vec!["FLT-2".into()]),
                Beyond::Tolerance {
                    approved: 10,
                    asked: 50
                },
            ]
        );
        // A narrower tolerance and dropping substitutes are free.
        let mut wide = old.clone();
        wide.substitutes = vec!["FLT-2".into()];
        wide.tolerance_percent = Some(30);
        assert!(beyond_limits(&policy, &wo, Some(&wide), &old).is_empty());
    }

    fn person(id: &str, role: Role) -> User {
        User {
            id: id.into(),
            name: id.to_owned(),
            roles: [role].into(),
            site: "S".into(),
            active: true,
        }
    }

    #[test]
    fn an_approver_who_did_not_propose_decides_once() {
        let change = PlanChange {
            line: line(5),
            by: "dsp-1".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            why: None,
            refused: None,
        };
        assert!(may_decide(&change, &person("eng-1", Role::Engineer)).is_ok());
        assert_eq!(
            may_decide(&change, &person("dsp-1", Role::Dispatcher))
                .unwrap_err()
                .code,
            ReasonCode::OwnPlanChange
        );
        assert_eq!(
            may_decide(&change, &person("clk-1", Role::Clerk))
                .unwrap_err()
                .code,
            ReasonCode::ApproverNotAllowed
        );
        let mut refused = change.clone();
        refused.refused = Some(crate::model::PlanChangeRefused {
            by: "eng-1".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            why: "no".into(),
        });
        assert_eq!(
            may_decide(&refused, &person("eng-2", Role::Engineer))
                .unwrap_err()
                .code,
            ReasonCode::ApprovalDecided
        );
    }
}
