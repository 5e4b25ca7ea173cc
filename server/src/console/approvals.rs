//! The approver's queue: orders waiting for approval, additional issues
//! and substitutes a technician asked for at the shelf with no approver at
//! hand, and lines planned as a range that an engineer settles once the
//! job shows the need, and changes of approved plans beyond what a
//! planner may change alone. Order actions post to the card's own action
//! (`orders.rs`); a decision is an `ApprovalDecision` document through the
//! API's documents handler, a plan change's through the API's handler —
//! all judged as there.

use super::layout::{Flash, Layout, approvers};
use super::{Person, encode, failure, page, record, with_status, words};
use crate::api::backoffice::office_document;
use crate::api::backoffice::plan::PlanChangeDecision;
use crate::api::backoffice::work_orders;
use crate::api::{ApiJson, AppState};
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
use sparescan_core::rules::replan;
use sparescan_core::rules::roles::approvers::RANGE;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/approvals", get(queue))
        .route("/console/approvals/{request}/decide", post(decide))
        .route(
            "/console/approvals/plan-changes/{order}/{line}",
            post(decide_plan_change),
        )
}

/// Who has a queue here: approvers of orders, deciders of requests and
/// settlers of ranges.
pub fn queue_roles() -> Vec<sparescan_core::model::Role> {
    let mut roles: Vec<_> = approvers()
        .iter()
        .chain(deciders(ApprovalKind::Additional))
        .chain(deciders(ApprovalKind::Substitution))
        .chain(RANGE)
        .chain(replan::deciders())
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

/// A change of an approved plan beyond the planner's limits, waiting.
pub struct Replan {
    pub order: String,
    pub href: String,
    /// Where the decision posts.
    pub action: String,
    pub line: String,
    pub item: String,
    /// What the line plans now ("—" for a new line) and what is proposed.
    pub now: String,
    pub proposed: String,
    /// How it goes beyond the approval.
    pub beyond: String,
    pub by: String,
    pub at: String,
    pub why: String,
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
    replans: Vec<Replan>,
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
        Some("plan-approve") => Some(Flash::ok(tr.t("Approved: the line is planned so now."))),
        Some("plan-refuse") => Some(Flash::ok(
            tr.t("Refused: the line stays as approved; the order shows the planner why."),
        )),
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
        let policy = v.policy();
        let planned = |l: &sparescan_core::model::DemandLine| match l.planned_max {
            Some(most) => format!("{}–{most} {}", l.planned, l.unit),
            None => format!("{} {}", l.planned, l.unit),
        };
        let mut changes: Vec<_> = orders
            .iter()
            .filter(|w| w.state.status.is_open())
            .flat_map(|w| w.plan_changes.iter().map(move |c| (*w, c)))
            .filter(|(_, c)| c.refused.is_none())
            .collect();
        // Oldest first, as the requests.
        changes.sort_by_key(|(_, c)| c.at);
        let replans: Vec<Replan> = changes
            .into_iter()
            .map(|(w, c)| {
                let old = v.line(&c.line.id);
                Replan {
                    order: w.id.to_string(),
                    href: href(w.id.as_str()),
                    action: format!(
                        "/console/approvals/plan-changes/{}/{}",
                        encode(w.id.as_str()),
                        encode(c.line.id.as_str())
                    ),
                    line: c.line.id.to_string(),
                    item: match v.item(&c.line.item) {
                        Some(i) => format!("{} — {}", i.id, i.name),
                        None => c.line.item.to_string(),
                    },
                    now: old.as_ref().map(planned).unwrap_or_else(|| "—".into()),
                    proposed: planned(&c.line),
                    beyond: replan::beyond_limits(&policy, w, old.as_ref(), &c.line)
                        .iter()
                        .map(|b| words::beyond(tr, b, &c.line.unit))
                        .collect::<Vec<_>>()
                        .join("; "),
                    by: match v.user(&c.by) {
                        Some(u) => format!("{} ({})", u.name, u.id),
                        None => c.by.to_string(),
                    },
                    at: c.at.format("%Y-%m-%d %H:%M").to_string(),
                    why: c.why.clone().unwrap_or_default(),
                    may_decide: replan::may_decide(c, &auth.user).is_ok(),
                }
            })
            .collect();
        (waiting, asked, replans, ranges)
    });
    let (waiting, asked, replans, ranges) = match found {
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
            replans,
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

/// Accepts or refuses a change of an approved plan, through the API's
/// handler (which judges it by core's rules).
async fn decide_plan_change(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path((order, line)): Path<(String, String)>,
    Form(f): Form<DecideFields>,
) -> Response {
    let approve = match f.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            let flash = Flash::error(record::not_done(tr, tr.t("press Approve or Refuse.")));
            return with_status(
                StatusCode::BAD_REQUEST,
                queue_page(&state, &auth, tr, Some(flash)),
            );
        }
    };
    let reason = f.reason.trim();
    let decided = work_orders::decide_plan_change(
        State(state.clone()),
        auth.clone(),
        Path((order, line)),
        ApiJson(PlanChangeDecision {
            approve,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        }),
    )
    .await;
    match decided {
        Ok(_) => Redirect::to(&format!(
            "/console/approvals?decided={}",
            if approve {
                "plan-approve"
            } else {
                "plan-refuse"
            }
        ))
        .into_response(),
        Err(e) => {
            let status = e.status;
            let flash = Flash::error(record::not_done(tr, &tr.api_error(&e)));
            with_status(status, queue_page(&state, &auth, tr, Some(flash)))
        }
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
