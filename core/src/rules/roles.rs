//! Who may author which document (the role × document-kind matrix), and
//! who may approve. The server authorises every document by this matrix.

use crate::document::{Body, DocKind, Transition};
use crate::model::{Role, SitePolicy, User};
use crate::reason::{ReasonCode, Refusal};

use Role::*;

/// Roles that may author a document of `kind` (for status changes, of that
/// transition). Technicians issuing at the shelf also need the site's
/// self-issue policy.
pub fn author_roles(kind: DocKind, transition: Option<Transition>) -> &'static [Role] {
    match kind {
        DocKind::Reserve | DocKind::ReserveConfirm | DocKind::ReserveRelease => {
            &[Clerk, Dispatcher, Supervisor]
        }
        DocKind::Issue
        | DocKind::SubstitutionIssue
        | DocKind::AdditionalIssue
        | DocKind::EmergencyIssue
        | DocKind::ToolCheckout
        | DocKind::ToolReturn => &[Clerk, Supervisor, Technician],
        DocKind::EmergencyLink => &[Clerk, Dispatcher, Supervisor],
        DocKind::WriteOff => &[Technician, Supervisor, Clerk],
        DocKind::Return | DocKind::RemovedUnitReturn => &[Clerk, Supervisor],
        DocKind::InspectionDecision => &[Clerk, Controller],
        DocKind::TransferOut | DocKind::TransferIn => &[Clerk],
        DocKind::Correction => &[Clerk, Supervisor, Controller],
        DocKind::Count => &[Clerk, Controller],
        DocKind::PeriodClose => &[Accountant],
        DocKind::WoStatusChange => match transition {
            Some(Transition::Approve) => &[Engineer, Dispatcher, Supervisor],
            Some(Transition::Start) => &[Technician, Supervisor, Dispatcher],
            Some(Transition::Complete) => &[Technician, Supervisor],
            Some(Transition::Hold | Transition::Resume | Transition::Cancel) => {
                &[Dispatcher, Supervisor]
            }
            Some(Transition::Close) => &[Supervisor, Dispatcher],
            None => &[],
        },
    }
}

/// Kinds where a technician acts at the shelf for themself.
fn is_self_service(kind: DocKind) -> bool {
    kind.is_issue() || matches!(kind, DocKind::ToolCheckout | DocKind::ToolReturn)
}

/// Roles that may approve: a second person, never the author.
pub mod approvers {
    use super::*;
    pub const ADDITIONAL_ISSUE: &[Role] = &[Engineer, Supervisor, Dispatcher];
    pub const EMERGENCY_ISSUE: &[Role] = &[Supervisor];
    pub const SUBSTITUTION: &[Role] = &[Engineer];
    pub const CORRECTION: &[Role] = &[Supervisor, Controller];
    pub const COUNT_ADJUSTMENT: &[Role] = &[Controller];
}

/// Powers of the back office (design §9): approving an order, closing a
/// period, adjusting the books after a count. A device push never carries
/// them — whoever holds a handheld, these are done signed in at the back
/// office, where the approver is recorded.
pub fn is_back_office_only(body: &Body) -> bool {
    matches!(
        body,
        Body::PeriodClose { .. }
            | Body::WoStatusChange {
                transition: Transition::Approve
            }
            | Body::Count { adjust: true, .. }
    )
}

/// May a document with `body` come from a device?
pub fn check_from_device(body: &Body) -> Result<(), Refusal> {
    if is_back_office_only(body) {
        return Err(Refusal::new(ReasonCode::BackOfficeOnly).detail(format!(
            "{:?}{} is recorded in the back office",
            body.kind(),
            match body {
                Body::WoStatusChange { transition } => format!(" {transition:?}"),
                Body::Count { .. } => " with an adjustment".to_owned(),
                _ => String::new(),
            }
        )));
    }
    Ok(())
}

/// Whether `role` does anything on a handheld: authors a kind a device may
/// push, or approves one there. A device receives sign-in data only for
/// people with such a role; the others (accountant, admin) never sign in on
/// a handheld.
pub fn is_handheld_role(role: Role) -> bool {
    let authors = DocKind::ALL.iter().any(|&kind| {
        if kind == DocKind::WoStatusChange {
            Transition::ALL
                .iter()
                .any(|&t| t != Transition::Approve && author_roles(kind, Some(t)).contains(&role))
        } else {
            kind != DocKind::PeriodClose && author_roles(kind, None).contains(&role)
        }
    });
    let approves = [
        approvers::ADDITIONAL_ISSUE,
        approvers::EMERGENCY_ISSUE,
        approvers::SUBSTITUTION,
        approvers::CORRECTION,
    ]
    .iter()
    .any(|roles| roles.contains(&role));
    authors || approves
}

/// Whether `user` may sign in on a handheld (see [`is_handheld_role`]).
pub fn may_use_handheld(user: &User) -> bool {
    user.active && user.roles.iter().any(|r| is_handheld_role(*r))
}

/// May `user` author `body` at a site with `policy`?
pub fn check_author(user: &User, body: &Body, policy: &SitePolicy) -> Result<(), Refusal> {
    let kind = body.kind();
    let transition = match body {
        Body::WoStatusChange { transition } => Some(*transition),
        _ => None,
    };
    let allowed = author_roles(kind, transition);
    let roles: Vec<Role> = allowed.iter().copied().filter(|r| user.has(*r)).collect();
    if roles.is_empty() {
        return Err(Refusal::new(ReasonCode::RoleNotAllowed)
            .detail(format!("{kind:?} needs {}", super::roles_list(allowed))));
    }
    if roles == [Technician] && is_self_service(kind) && !policy.self_issue_allowed {
        return Err(ReasonCode::SelfIssueNotAllowed.into());
    }
    if let Body::Count { adjust: true, .. } = body
        && !user.has_any(approvers::COUNT_ADJUSTMENT)
    {
        return Err(Refusal::new(ReasonCode::RoleNotAllowed)
            .detail("an adjustment of the books needs a controller"));
    }
    Ok(())
}

#[cfg(test)]
mod device_tests {
    use super::*;
    use crate::model::Condition;
    use crate::qty::Qty;

    #[test]
    fn back_office_powers_never_come_from_a_device() {
        let count = |adjust| Body::Count {
            item: "I".into(),
            bin: "B".into(),
            batch: None,
            condition: Condition::New,
            counted: Qty::units(1),
            adjust,
        };
        let status = |transition| Body::WoStatusChange { transition };
        assert!(check_from_device(&status(Transition::Approve)).is_err());
        assert!(check_from_device(&count(true)).is_err());
        assert!(
            check_from_device(&Body::PeriodClose {
                until: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            })
            .is_err_and(|r| r.code == ReasonCode::BackOfficeOnly)
        );
        assert!(check_from_device(&count(false)).is_ok());
        for t in Transition::ALL {
            assert_eq!(
                check_from_device(&status(t)).is_err(),
                t == Transition::Approve
            );
        }
    }

    #[test]
    fn only_the_accountant_and_the_admin_have_nothing_to_do_on_a_handheld() {
        let off: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| !is_handheld_role(*r))
            .collect();
        assert_eq!(off, [Accountant, Admin]);
    }
}
