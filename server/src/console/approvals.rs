//! The approver's queue: orders waiting for approval, additional issues
//! and substitutes a technician asked for at the shelf with no approver at
//! hand, and lines planned as a range that an engineer settles once the
//! job shows the need. Order actions post to the card's own action
//! (`orders.rs`); a decision is an `ApprovalDecision` document through the
//! API's documents handler — both judged as there.

use super::layout::{Flash, Layout, approvers};
use super::{Person, encode, failure, page, record, words};
use crate::api::AppState;
use crate::api::backoffice::office_document;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sparescan_core::document::Body;
use sparescan_core::ids::DocId;
use sparescan_core::model::{ApprovalKind, ApprovalStatus, WoStatus};
use sparescan_core::rules::approval::deciders;
use sparescan_core::rules::roles::approvers::RANGE;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/approvals", get(queue))
        .route("/console/approvals/{request}/decide", post(decide))
}

/// Who has a queue here: approvers of orders, deciders of requests and
/// settlers of ranges.
pub fn queue_roles() -> Vec<sparescan_core::model::Role> {
    let mut roles: Vec<_> = approvers()
        .iter()
        .chain(deciders(ApprovalKind::Additional))
        .chain(deciders(ApprovalKind::Substitution))
        .chain(RANGE)
        .copied()
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

pub struct Waiting {
    pub id: String,
    pub href: String,
    pub asset: String,
    pub scope: String,
    pub created_by: String,
    pub lines: usize,
}

/// A request for an additional issue or a substitute, waiting.
pub struct Asked {
    pub request: String,
    pub order: String,
    pub href: String,
    pub what: &'static str,
    pub line: String,
    pub item: String,
    pub qty: String,
    pub requested_by: String,
    pub at: String,
    pub reason: String,
    /// The reader may decide it: an approver of its kind who did not ask.
    pub may_decide: bool,
}

pub struct Range {
    pub order: String,
    pub href: String,
    pub status: &'static str,
    pub line: String,
    pub item: String,
    pub least: String,
    pub most: String,
}

#[derive(Template)]
#[template(path = "console/approvals.html")]
struct QueuePage {
    layout: Layout,
    may_approve: bool,
    may_settle: bool,
    waiting: Vec<Waiting>,
    asked: Vec<Asked>,
    ranges: Vec<Range>,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    #[serde(default)]
    decided: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<Done>,
) -> Response {
    let flash = match q.decided.as_deref() {
        Some("approve") => Some(Flash::ok(
            tr.t("Approved: the technician may issue it now."),
        )),
        Some("refuse") => Some(Flash::ok(tr.t("Refused: the technician sees why."))),
        _ => None,
    };
    queue_page(&state, &auth, tr, flash)
}

fn queue_page(
    state: &AppState,
    auth: &crate::api::auth::UserAuth,
    tr: super::i18n::Tr,
    flash: Option<Flash>,
) -> Response {
    if let Err(e) = auth.require(&queue_roles()) {
        return failure(tr, e);
    }
    let lang = tr.lang().code();
    let found = state.ledger.read(&auth.session.site, |s| {
        let v = &s.ledger;
        let mut orders: Vec<_> = v.projections().work_orders.values().collect();
        orders.sort_by(|a, b| a.id.cmp(&b.id));
        let href = |id: &str| format!("/console/work-orders/{}", encode(id));
        let waiting: Vec<Waiting> = orders
            .iter()
            .filter(|w| w.state.status == WoStatus::Created)
            .map(|w| Waiting {
                id: w.id.to_string(),
                href: href(w.id.as_str()),
                asset: match v.asset(&w.asset) {
                    Some(a) => format!("{} — {}", a.id, a.name),
                    None => w.asset.to_string(),
                },
                scope: w.scope.clone(),
                created_by: w.created_by.to_string(),
                lines: v.lines_of(&w.id).len(),
            })
            .collect();
        let ranges: Vec<Range> = orders
            .iter()
            .filter(|w| !matches!(w.state.status, WoStatus::Closed | WoStatus::Cancelled))
            .flat_map(|w| {
                let mut lines = v.lines_of(&w.id);
                lines.sort_by(|a, b| a.id.cmp(&b.id));
                lines
                    .into_iter()
                    .filter(|l| l.clarified.is_none())
                    .filter_map(|l| {
                        let most = l.planned_max?;
                        Some(Range {
                            order: w.id.to_string(),
                            href: href(w.id.as_str()),
                            status: words::status(tr, w.state.status),
                            line: l.id.to_string(),
                            item: match v.item(&l.item) {
                                Some(i) => format!("{} — {}", i.id, i.name),
                                None => l.item.to_string(),
                            },
                            least: format!("{} {}", l.planned, l.unit),
                            most: format!("{most} {}", l.unit),
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        // Oldest first: who asked first has waited longest.
        let mut requests: Vec<_> = v
            .projections()
            .approvals
            .values()
            .filter(|a| a.status() == ApprovalStatus::Waiting)
            .filter(|a| {
                v.work_order(&a.work_order)
                    .is_some_and(|w| w.site == auth.session.site && w.state.status.is_open())
            })
            .collect();
        requests.sort_by_key(|a| (a.requested_at, a.request));
        let asked: Vec<Asked> = requests
            .into_iter()
            .map(|a| Asked {
                request: a.request.to_string(),
                order: a.work_order.to_string(),
                href: href(a.work_order.as_str()),
                what: match a.kind {
                    ApprovalKind::Additional => tr.t("Additional issue"),
                    ApprovalKind::Substitution => tr.t("Substitute"),
                },
                line: a.line.as_ref().map(ToString::to_string).unwrap_or_default(),
                item: match v.item(&a.item) {
                    Some(i) => format!("{} — {}", i.id, i.name),
                    None => a.item.to_string(),
                },
                qty: match v.item(&a.item) {
                    Some(i) => format!("{} {}", a.qty, i.unit),
                    None => a.qty.to_string(),
                },
                requested_by: match v.user(&a.requested_by) {
                    Some(u) => format!("{} ({})", u.name, u.id),
                    None => a.requested_by.to_string(),
                },
                at: a.requested_at.format("%Y-%m-%d %H:%M").to_string(),
                reason: {
                    let coded = a
                        .reason_code
                        .as_ref()
                        .and_then(|c| v.site_reason(c))
                        .map(|r| r.text(lang).to_owned());
                    [coded, a.reason.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" — ")
                },
                may_decide: auth.user.has_any(deciders(a.kind)) && auth.user.id != a.requested_by,
            })
            .collect();
        (waiting, asked, ranges)
    });
    let (waiting, asked, ranges) = match found {
        Ok(f) => f,
        Err(e) => return failure(tr, e.into()),
    };
    page(
        QueuePage {
            layout: Layout::of(auth, tr, tr.t("Approvals"), "/console/approvals").with_flash(flash),
            may_approve: auth.user.has_any(approvers()),
            may_settle: auth.user.has_any(RANGE),
            waiting,
            asked,
            ranges,
        }
        .render(),
    )
}

#[derive(Debug, Default, Deserialize)]
struct DecideFields {
    /// `approve` or `refuse`: the button pressed.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// Approves or refuses a request: an `ApprovalDecision` document with the
/// signed-in person as its author, judged like any other.
async fn decide(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(request): Path<String>,
    Form(f): Form<DecideFields>,
) -> Response {
    let refused_here = |status, why: &'static str| {
        let flash = Flash::error(record::not_done(tr, tr.t(why)));
        with_status(status, queue_page(&state, &auth, tr, Some(flash)))
    };
    let approve = match f.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return refused_here(StatusCode::BAD_REQUEST, "press Approve or Refuse."),
    };
    let Ok(request) = request.parse::<DocId>() else {
        return refused_here(
            StatusCode::NOT_FOUND,
            "that request is not on this site. Open the queue again.",
        );
    };
    let order = match state.ledger.read(&auth.session.site, |s| {
        s.ledger.approval(&request).map(|a| a.work_order)
    }) {
        Ok(order) => order,
        Err(e) => return failure(tr, e.into()),
    };
    let mut doc = office_document(&auth, order, Body::ApprovalDecision { request, approve });
    let reason = f.reason.trim();
    doc.reason = (!reason.is_empty()).then(|| reason.to_owned());
    match record::one(&state, &auth, tr, doc).await {
        Ok(()) => Redirect::to(&format!(
            "/console/approvals?decided={}",
            if approve { "approve" } else { "refuse" }
        ))
        .into_response(),
        Err(why) => with_status(
            StatusCode::CONFLICT,
            queue_page(&state, &auth, tr, Some(Flash::error(why))),
        ),
    }
}

/// The queue page answered with `status` (a refusal is not a 200).
fn with_status(status: StatusCode, response: Response) -> Response {
    if response.status().is_success() {
        (status, response).into_response()
    } else {
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engineers_and_order_approvers_have_the_queue() {
        let roles = queue_roles();
        assert!(approvers().iter().all(|r| roles.contains(r)));
        for kind in [ApprovalKind::Additional, ApprovalKind::Substitution] {
            assert!(deciders(kind).iter().all(|r| roles.contains(r)));
        }
        assert!(RANGE.iter().all(|r| roles.contains(r)));
    }
}
