//! What every console page shows around its content: who is signed in, at
//! which site, the pages their roles open (from core's role matrix, the
//! one the API enforces), the scan box and a message from the last action.

use super::i18n::{Lang, Tr};
use crate::api::auth::UserAuth;
use sparescan_core::document::{DocKind, Transition};
use sparescan_core::model::{Role, User};
use sparescan_core::rules::roles::{author_roles, back_office};

pub struct Layout {
    /// The reader's language: templates word everything through it.
    pub tr: Tr,
    pub title: String,
    /// `None` on the pages before sign-in.
    pub person: Option<Signed>,
    pub nav: Vec<NavLink>,
    pub flash: Option<Flash>,
    /// The scan box takes the keyboard when the page opens (pages whose
    /// own form comes first say no).
    pub scan_focus: bool,
    /// What the language links keep of the page's query besides `lang`
    /// (`&next=…` on the sign-in page), so switching loses no step.
    pub lang_keep: String,
}

pub struct Signed {
    pub user: String,
    pub name: String,
    pub roles: String,
    pub site: String,
}

/// A language the reader may switch to (on the pages before sign-in).
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub current: bool,
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
    pub fn public(tr: Tr, title: &'static str) -> Self {
        Layout {
            tr,
            title: tr.t(title).to_owned(),
            person: None,
            nav: Vec::new(),
            flash: None,
            scan_focus: false,
            lang_keep: String::new(),
        }
    }

    /// A page of a signed-in person; `current` is the nav entry it is.
    /// The title is in the reader's language already.
    pub fn of(auth: &UserAuth, tr: Tr, title: impl Into<String>, current: &str) -> Self {
        let user = &auth.user;
        Layout {
            tr,
            title: title.into(),
            person: Some(Signed {
                user: user.id.to_string(),
                name: user.name.clone(),
                roles: user
                    .roles
                    .iter()
                    .map(|r| tr.role(*r))
                    .collect::<Vec<_>>()
                    .join(", "),
                site: auth.session.site.to_string(),
            }),
            nav: nav(user, tr, current),
            flash: None,
            scan_focus: true,
            lang_keep: String::new(),
        }
    }

    /// The language links keep `name=value` of the page's query.
    pub fn keeping(mut self, name: &str, value: &str) -> Self {
        self.lang_keep = format!("&{name}={}", super::encode(value));
        self
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

    /// A text of the page in the reader's language.
    pub fn t(&self, english: &'static str) -> &'static str {
        self.tr.t(english)
    }

    /// A text with one particular: `{name}` in it is `value`.
    pub fn f1(&self, english: &'static str, name: &str, value: impl std::fmt::Display) -> String {
        self.tr.f(english, &[(name, &value)])
    }

    /// The `lang` attribute of the page.
    pub fn lang(&self) -> &'static str {
        self.tr.lang().code()
    }

    /// The languages the reader may switch to.
    pub fn languages(&self) -> Vec<LangLink> {
        Lang::ALL
            .into_iter()
            .map(|l| LangLink {
                code: l.code(),
                name: l.name(),
                current: l == self.tr.lang(),
            })
            .collect()
    }
}

/// The pages a person's roles open, in the order people work.
fn nav(user: &User, tr: Tr, current: &str) -> Vec<NavLink> {
    let mut links = vec![("/console/work-orders", "Work orders")];
    if user.has_any(back_office::PLAN) {
        links.push(("/console/work-orders/new", "New work order"));
    }
    // Everyone may raise a request; planners also work the queue.
    if user.has_any(back_office::RAISE_REQUESTS) {
        links.push(("/console/requests", "Requests"));
    }
    if user.has_any(&super::approvals::queue_roles()) {
        links.push(("/console/approvals", "Approvals"));
    }
    links.push(("/console/stock", "Stock on hand"));
    if user.has_any(super::receipts::receivers()) {
        links.push(("/console/receipts", "Goods receipts"));
    }
    if user.has_any(super::inspections::inspectors()) {
        links.push(("/console/inspections", "Inspections"));
    }
    if user.has_any(back_office::REVIEW) {
        links.push(("/console/attention", "Needs attention"));
    }
    if user.has_any(back_office::REPORTS) {
        links.push(("/console/dashboard", "Dashboard"));
    }
    if !crate::reports::ReportKind::readable_by(user).is_empty() {
        links.push(("/console/reports", "Reports"));
    }
    if user.has_any(super::period::closers()) {
        links.push(("/console/period-close", "Period close"));
    }
    if user.has_any(back_office::AUDIT) {
        links.push(("/console/audit", "Audit trail"));
    }
    if user.has_any(&super::master::editors()) {
        links.push(("/console/master", "Master data"));
    }
    if user.has_any(back_office::PEOPLE_AND_POLICY) {
        links.push(("/console/users", "People"));
        links.push(("/console/devices", "Devices"));
    }
    links
        .into_iter()
        .map(|(href, label)| NavLink {
            href,
            label: tr.t(label),
            current: href == current,
        })
        .collect()
}
