//! The approver's queue: orders waiting for approval, and lines planned as
//! a range that an engineer settles once the job shows the need. Each
//! action posts to the card's own action (`orders.rs`), so it is judged
//! as there. Additional issues and substitutes beyond the plan are
//! approved at the shelf, by an approver present at the handheld; the
//! ones recorded are on each card and in the consumption report.

use super::layout::{Layout, approvers};
use super::{Person, encode, failure, page, words};
use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use sparescan_core::model::WoStatus;
use sparescan_core::rules::roles::approvers::RANGE;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/approvals", get(queue))
}

/// Who has a queue here: approvers of orders and settlers of ranges.
pub fn queue_roles() -> Vec<sparescan_core::model::Role> {
    let mut roles: Vec<_> = approvers().iter().chain(RANGE).copied().collect();
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
    ranges: Vec<Range>,
}

async fn queue(State(state): State<AppState>, Person(auth, tr): Person) -> Response {
    if let Err(e) = auth.require(&queue_roles()) {
        return failure(tr, e);
    }
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
        (waiting, ranges)
    });
    let (waiting, ranges) = match found {
        Ok(f) => f,
        Err(e) => return failure(tr, e.into()),
    };
    page(
        QueuePage {
            layout: Layout::of(&auth, tr, tr.t("Approvals"), "/console/approvals"),
            may_approve: auth.user.has_any(approvers()),
            may_settle: auth.user.has_any(RANGE),
            waiting,
            ranges,
        }
        .render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engineers_and_order_approvers_have_the_queue() {
        let roles = queue_roles();
        assert!(approvers().iter().all(|r| roles.contains(r)));
        assert!(RANGE.iter().all(|r| roles.contains(r)));
    }
}
