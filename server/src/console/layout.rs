//! What every console page shows around its content: who is signed in, at
//! which site, the pages their roles open (from core's role matrix, the
//! one the API enforces), the scan box and a message from the last action.

use crate::api::auth::UserAuth;
use sparescan_core::document::{DocKind, Transition};
use sparescan_core::model::{Role, User};
use sparescan_core::rules::roles::{author_roles, back_office};

pub struct Layout {
    pub title: String,
    /// `None` on the pages before sign-in.
    pub person: Option<Signed>,
    pub nav: Vec<NavLink>,
    pub flash: Option<Flash>,
    /// The scan box takes the keyboard when the page opens (pages whose
    /// own form comes first say no).
    pub scan_focus: bool,
}

pub struct Signed {
    pub user: String,
    pub name: String,
    pub roles: String,
    pub site: String,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The outcome of the last action, shown at the top of the next page.
pub struct Flash {
    /// `ok` or `error`: the class, and the words a screen reader hears.
    pub kind: &'static str,
    pub text: String,
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Self {
        Flash {
            kind: "ok",
            text: text.into(),
        }
    }
    pub fn error(text: impl Into<String>) -> Self {
        Flash {
            kind: "error",
            text: text.into(),
        }
    }
}

/// Who may approve a work order.
pub fn approvers() -> &'static [Role] {
    author_roles(DocKind::WoStatusChange, Some(Transition::Approve))
}

impl Layout {
    /// A page before sign-in (first run, sign-in, errors).
    pub fn public(title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            person: None,
            nav: Vec::new(),
            flash: None,
            scan_focus: false,
        }
    }

    /// A page of a signed-in person; `current` is the nav entry it is.
    pub fn of(auth: &UserAuth, title: impl Into<String>, current: &str) -> Self {
        let user = &auth.user;
        Layout {
            title: title.into(),
            person: Some(Signed {
                user: user.id.to_string(),
                name: user.name.clone(),
                roles: user
                    .roles
                    .iter()
                    .map(|r| r.word())
                    .collect::<Vec<_>>()
                    .join(", "),
                site: auth.session.site.to_string(),
            }),
            nav: nav(user, current),
            flash: None,
            scan_focus: true,
        }
    }

    /// The page's own form takes the keyboard first.
    pub fn form_first(mut self) -> Self {
        self.scan_focus = false;
        self
    }

    pub fn with_flash(mut self, flash: Option<Flash>) -> Self {
        self.flash = flash;
        self
    }
}

/// The pages a person's roles open, in the order people work.
fn nav(user: &User, current: &str) -> Vec<NavLink> {
    let mut links = vec![("/console/work-orders", "Work orders")];
    if user.has_any(back_office::PLAN) {
        links.push(("/console/work-orders/new", "New work order"));
    }
    if user.has_any(approvers()) {
        links.push(("/console/approvals", "Approvals"));
    }
    links.push(("/console/stock", "Stock on hand"));
    if user.has_any(super::inspections::inspectors()) {
        links.push(("/console/inspections", "Inspections"));
    }
    if user.has_any(back_office::REVIEW) {
        links.push(("/console/attention", "Needs attention"));
    }
    if user.has_any(back_office::REPORTS) {
        links.push(("/console/dashboard", "Dashboard"));
        links.push(("/console/reports", "Reports"));
    }
    if user.has_any(super::period::closers()) {
        links.push(("/console/period-close", "Period close"));
    }
    if user.has_any(back_office::AUDIT) {
        links.push(("/console/audit", "Audit trail"));
    }
    if user.has_any(back_office::PEOPLE_AND_POLICY) {
        links.push(("/console/users", "People"));
        links.push(("/console/devices", "Devices"));
    }
    links
        .into_iter()
        .map(|(href, label)| NavLink {
            href,
            label,
            current: href == current,
        })
        .collect()
}
