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
        // Whoever may issue may ask; the kind's approvers decide (those of
        // an additional issue include a substitute's).
        DocKind::ApprovalRequest => &[Clerk, Supervisor, Technician],
        DocKind::ApprovalDecision => approvers::ADDITIONAL_ISSUE,
        DocKind::WriteOff => &[Technician, Supervisor, Clerk],
        DocKind::Return | DocKind::RemovedUnitReturn => &[Clerk, Supervisor],
        DocKind::InspectionDecision => &[Clerk, Controller],
        DocKind::TransferOut | DocKind::TransferIn => &[Clerk],
        DocKind::Correction => &[Clerk, Supervisor, Controller],
        DocKind::Count => &[Clerk, Controller],
        DocKind::PeriodClose => &[Accountant],
        DocKind::OpeningBalance => &[Admin, Controller],
        DocKind::GoodsReceipt => &[Clerk],
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
    /// Settling a demand line planned as a range ("to be clarified").
    pub const RANGE: &[Role] = &[Engineer];
}

/// Powers of the back office that are not documents: who may do what
/// through the API (and the console) beyond recording movements. One
/// source for every page and call that checks them.
pub mod back_office {
    use super::*;
    /// Plan work orders: create them and change their plans.
    pub const PLAN: &[Role] = &[Dispatcher, Engineer, Supervisor, Admin];
    /// Review what needs attention (documents refused and never recorded).
    pub const REVIEW: &[Role] = &[Supervisor, Controller, Admin];
    /// Read reports and KPIs: everyone but technicians and clerks, whose
    /// work is the movements themselves.
    pub const REPORTS: &[Role] = &[
        Supervisor, Dispatcher, Engineer, Controller, Accountant, Admin,
    ];
    /// Read what is out and overdue (tools checked out, returns past
    /// their deadline): the report readers, and the clerks who chase it.
    pub const OUTSTANDING: &[Role] = &[
        Clerk, Supervisor, Dispatcher, Engineer, Controller, Accountant, Admin,
    ];
    /// Edit people and the site's policy; set back-office passwords.
    pub const PEOPLE_AND_POLICY: &[Role] = &[Admin];
    /// Raise a maintenance request: anyone signed in (a monitoring system
    /// has a credential of its own for nothing else).
    pub const RAISE_REQUESTS: &[Role] = &Role::ALL;
    /// See requests and decline them; a work order is made from one by
    /// those who plan orders ([`PLAN`]).
    pub const HANDLE_REQUESTS: &[Role] = PLAN;
    /// Write work templates and their consumption standards: those who plan
    /// orders from them.
    pub const TEMPLATES: &[Role] = PLAN;
    /// Set the site's reasons (write-off, defect, return, substitution,
    /// warranty replacement): an admin, or a controller, who answers for
    /// what the movements' reasons say.
    pub const REASONS: &[Role] = &[Admin, Controller];
    /// Make another site, with its first admin.
    pub const SITES: &[Role] = &[Admin];
    /// Edit the catalog and the stores: items, warehouses, bins, batches.
    pub const CATALOG: &[Role] = &[Admin, Clerk];
    /// Edit assets.
    pub const ASSETS: &[Role] = &[Admin, Dispatcher];
    /// Read the audit trail (every document in ledger order) and check the
    /// hash chains: those who answer for the books.
    pub const AUDIT: &[Role] = &[Accountant, Controller, Admin];
}

/// Kinds only the back office records, whoever authors them.
const BACK_OFFICE_KINDS: &[DocKind] = &[
    DocKind::PeriodClose,
    DocKind::OpeningBalance,
    DocKind::ApprovalDecision,
];

/// Powers of the back office (design §9): approving an order, closing a
/// period, adjusting the books after a count, a site's opening stock. A
/// device push never carries them — whoever holds a handheld, these are
/// done signed in at the back office, where the approver is recorded.
pub fn is_back_office_only(body: &Body) -> bool {
    BACK_OFFICE_KINDS.contains(&body.kind())
        || matches!(
            body,
            Body::WoStatusChange {
                transition: Transition::Approve
            } | Body::Count { adjust: true, .. }
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
            !BACK_OFFICE_KINDS.contains(&kind) && author_roles(kind, None).contains(&role)
        }
    });
    authors || approves_on_handheld(role)
}

/// The approvals a second person gives at the handheld, entering their PIN
/// there (a count adjustment is the back office's).
const HANDHELD_APPROVALS: &[&[Role]] = &[
    approvers::ADDITIONAL_ISSUE,
    approvers::EMERGENCY_ISSUE,
    approvers::SUBSTITUTION,
    approvers::CORRECTION,
];

/// Whether `role` approves a movement on a handheld with its PIN.
pub fn approves_on_handheld(role: Role) -> bool {
    HANDHELD_APPROVALS.iter().any(|roles| roles.contains(&role))
}

/// Digits of a PIN at least, for anybody.
pub const MIN_PIN_DIGITS: usize = 4;
/// Digits of a PIN at least, for someone whose PIN approves on a handheld:
/// that PIN stands for a second person's consent, and a thief of a device
/// can try PINs offline against it.
pub const MIN_APPROVER_PIN_DIGITS: usize = 6;
/// Digits of a PIN at most.
pub const MAX_PIN_DIGITS: usize = 12;

/// The shortest PIN a person with `roles` may have.
pub fn min_pin_digits<'a>(roles: impl IntoIterator<Item = &'a Role>) -> usize {
    if roles.into_iter().any(|r| approves_on_handheld(*r)) {
        MIN_APPROVER_PIN_DIGITS
    } else {
        MIN_PIN_DIGITS
    }
}

/// Why a PIN cannot be set for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinProblem {
    #[error("a PIN is digits only: choose {min} to {MAX_PIN_DIGITS} digits")]
    NotDigits { min: usize },
    #[error(
        "a PIN of someone who approves on a handheld has at least {min} digits: choose a longer one"
    )]
    TooShortForApprover { min: usize },
    #[error("a PIN has {min} to {MAX_PIN_DIGITS} digits: choose one of that length")]
    Length { min: usize },
}

/// Whether `pin` may be the PIN of a person with `roles`.
pub fn check_pin<'a>(
    pin: &str,
    roles: impl IntoIterator<Item = &'a Role>,
) -> Result<(), PinProblem> {
    let min = min_pin_digits(roles);
    if !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinProblem::NotDigits { min });
    }
    if pin.len() < min && pin.len() >= MIN_PIN_DIGITS && min > MIN_PIN_DIGITS {
        return Err(PinProblem::TooShortForApprover { min });
    }
    if pin.len() < min || pin.len() > MAX_PIN_DIGITS {
        return Err(PinProblem::Length { min });
    }
    Ok(())
}

/// Whether `user` may sign in on a handheld (see [`is_handheld_role`]).
pub fn may_use_handheld(user: &User) -> bool {
    user.active && user.roles.iter().any(|r| is_handheld_role(*r))
}

/// The handheld's workflows, each known by the documents it records, so
/// which a person may use follows from the role matrix alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workflow {
    Issue,
    Return,
    Inspect,
    Confirm,
    Transfer,
    Tools,
    Count,
    Receive,
}

impl Workflow {
    pub const ALL: [Workflow; 8] = [
        Workflow::Issue,
        Workflow::Return,
        Workflow::Inspect,
        Workflow::Confirm,
        Workflow::Transfer,
        Workflow::Tools,
        Workflow::Count,
        Workflow::Receive,
    ];

    /// The documents the workflow records (a status change with its
    /// transition).
    pub fn records(self) -> &'static [(DocKind, Option<Transition>)] {
        match self {
            Workflow::Issue => &[
                (DocKind::Issue, None),
                (DocKind::SubstitutionIssue, None),
                (DocKind::AdditionalIssue, None),
                (DocKind::EmergencyIssue, None),
            ],
            Workflow::Return => &[(DocKind::Return, None), (DocKind::RemovedUnitReturn, None)],
            Workflow::Inspect => &[(DocKind::InspectionDecision, None)],
            Workflow::Confirm => &[
                (DocKind::WriteOff, None),
                (DocKind::WoStatusChange, Some(Transition::Complete)),
                (DocKind::WoStatusChange, Some(Transition::Close)),
            ],
            Workflow::Transfer => &[(DocKind::TransferIn, None)],
            Workflow::Tools => &[(DocKind::ToolCheckout, None), (DocKind::ToolReturn, None)],
            Workflow::Count => &[(DocKind::Count, None)],
            Workflow::Receive => &[(DocKind::GoodsReceipt, None)],
        }
    }
}

/// The workflows `user` may use at a site with `policy`: those in which
/// the role matrix lets them record at least one document.
pub fn workflows(user: &User, policy: &SitePolicy) -> Vec<Workflow> {
    Workflow::ALL
        .into_iter()
        .filter(|w| {
            w.records()
                .iter()
                .any(|(kind, transition)| may_author(user, *kind, *transition, policy).is_ok())
        })
        .collect()
}

/// May `user` author a document of `kind` (a status change: of
/// `transition`) at a site with `policy`? The matrix, and the site's
/// self-issue policy for a technician at the shelf.
fn may_author(
    user: &User,
    kind: DocKind,
    transition: Option<Transition>,
    policy: &SitePolicy,
) -> Result<(), Refusal> {
    let allowed = author_roles(kind, transition);
    let roles: Vec<Role> = allowed.iter().copied().filter(|r| user.has(*r)).collect();
    if roles.is_empty() {
        return Err(Refusal::new(ReasonCode::RoleNotAllowed)
            .detail(format!("{kind:?} needs {}", super::roles_list(allowed))));
    }
    if roles == [Technician] && is_self_service(kind) && !policy.self_issue_allowed {
        return Err(ReasonCode::SelfIssueNotAllowed.into());
    }
    Ok(())
}

/// May `user` author `body` at a site with `policy`?
pub fn check_author(user: &User, body: &Body, policy: &SitePolicy) -> Result<(), Refusal> {
    let transition = match body {
        Body::WoStatusChange { transition } => Some(*transition),
        _ => None,
    };
    may_author(user, body.kind(), transition, policy)?;
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
    fn pins_of_handheld_approvers_have_six_digits() {
        let approving: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| approves_on_handheld(*r))
            .collect();
        assert_eq!(approving, [Supervisor, Engineer, Dispatcher, Controller]);
        assert_eq!(min_pin_digits(&[Technician, Clerk]), 4);
        assert_eq!(min_pin_digits(&[Technician, Supervisor]), 6);
        assert!(check_pin("1234", &[Technician]).is_ok());
        assert_eq!(
            check_pin("1234", &[Supervisor]),
            Err(PinProblem::TooShortForApprover { min: 6 })
        );
        assert!(check_pin("123456", &[Engineer]).is_ok());
        assert!(check_pin("123", &[Clerk]).is_err());
        assert!(check_pin("12345a", &[Clerk]).is_err());
        assert!(check_pin(&"1".repeat(13), &[Clerk]).is_err());
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
