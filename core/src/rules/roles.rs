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
