//! Maintenance requests: anyone raises one (an asset, what was seen, how
//! urgent); the dispatcher's queue lists them most urgent first, and each
//! is planned into a work order (the new-order form, filled from it) or
//! declined with a reason. Each action runs the API's handler.

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::{Person, encode, failure, page};
use crate::api::auth::UserAuth;
use crate::api::backoffice::requests::{self, DeclineRequest, NewRequest, Raiser, RequestSummary};
use crate::api::{ApiError, ApiJson, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sparescan_core::model::{Priority, RequestStatus};
use sparescan_core::rules::roles::back_office::HANDLE_REQUESTS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/requests", get(queue).post(raise))
        .route("/console/requests/{id}/decline", post(decline))
}

pub fn priority_words(tr: Tr, p: Priority) -> &'static str {
    tr.t(match p {
        Priority::Low => "Low",
        Priority::Normal => "Normal",
        Priority::High => "High",
        Priority::Urgent => "Urgent — production stopped or safety at stake",
    })
}

fn priority_key(p: Priority) -> &'static str {
    match p {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Urgent => "urgent",
    }
}

fn status_key(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Open => "open",
        RequestStatus::Ordered => "ordered",
        RequestStatus::Declined => "declined",
    }
}

const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];
const STATUSES: [RequestStatus; 3] = [
    RequestStatus::Open,
    RequestStatus::Ordered,
    RequestStatus::Declined,
];

/// A request as the queue shows it.
pub struct Shown {
    pub id: String,
    pub priority: &'static str,
    pub urgent: bool,
    pub asset: String,
    pub symptoms: String,
    pub by: String,
    pub at: String,
    /// Where it stands, in words.
    pub status: String,
    pub work_order: Option<(String, String)>,
    pub open: bool,
    pub plan_href: String,
    pub decline_href: String,
}

#[derive(Template)]
#[template(path = "console/requests.html")]
struct QueuePage {
    layout: Layout,
    /// Whether the person works the queue (or only raises).
    handles: bool,
    shown: Vec<Shown>,
    /// The filter: status key, words, chosen.
    statuses: Vec<(&'static str, &'static str, bool)>,
    assets: Vec<(String, String)>,
    priorities: Vec<(&'static str, &'static str)>,
    f: RaiseFields,
}

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    status: Option<String>,
    raised: Option<String>,
    declined: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RaiseFields {
    #[serde(default)]
    asset: String,
    #[serde(default)]
    symptoms: String,
    #[serde(default)]
    priority: String,
}

fn shown(tr: Tr, list: Vec<RequestSummary>, names: &[(String, String)]) -> Vec<Shown> {
    list.into_iter()
        .map(|s| {
            let r = s.request;
            let asset_name = names
                .iter()
                .find(|(id, _)| *id == r.asset.as_str())
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| r.asset.to_string());
            let status = match (&s.status, &r.declined) {
                (RequestStatus::Declined, Some(d)) => tr.f(
                    "Declined by {who}: {why}",
                    &[("who", &d.by), ("why", &d.reason)],
                ),
                (RequestStatus::Ordered, _) => tr.t("Work order made").to_owned(),
                _ => tr.t("Waiting for a dispatcher").to_owned(),
            };
            Shown {
                plan_href: format!("/console/work-orders/new?request={}", encode(r.id.as_str())),
                decline_href: format!("/console/requests/{}/decline", encode(r.id.as_str())),
                id: r.id.to_string(),
                priority: priority_words(tr, r.priority),
                urgent: r.priority == Priority::Urgent,
                asset: asset_name,
                symptoms: r.symptoms.clone(),
                by: r.requested_by.to_string(),
                at: r.at.format("%Y-%m-%d %H:%M UTC").to_string(),
                status,
                work_order: r.work_order.as_ref().map(|w| {
                    (
                        w.to_string(),
                        format!("/console/work-orders/{}", encode(w.as_str())),
                    )
                }),
                open: s.status == RequestStatus::Open,
            }
        })
        .collect()
}

async fn queue_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    status: &str,
    f: RaiseFields,
    flash: Option<Flash>,
) -> Result<QueuePage, ApiError> {
    let assets: Vec<(String, String)> = state.ledger.read(&auth.session.site, |s| {
        s.master
            .assets
            .iter()
            .map(|a| (a.id.to_string(), format!("{} — {}", a.id, a.name)))
            .collect()
    })?;
    let handles = auth.user.has_any(HANDLE_REQUESTS);
    let shown = if handles {
        let list = requests::list(
            State(state.clone()),
            auth.clone(),
            Ok(Query(requests::ListQuery {
                status: (status != "all").then(|| status.to_owned()),
                asset: None,
            })),
        )
        .await?;
        shown(tr, list.0, &assets)
    } else {
        Vec::new()
    };
    let mut statuses: Vec<(&'static str, &'static str, bool)> = STATUSES
        .iter()
        .map(|s| {
            let key = status_key(*s);
            let words = match s {
                RequestStatus::Open => "Waiting",
                RequestStatus::Ordered => "Work order made",
                RequestStatus::Declined => "Declined",
            };
            (key, tr.t(words), key == status)
        })
        .collect();
    statuses.push(("all", tr.t("All"), status == "all"));
    Ok(QueuePage {
        layout: Layout::of(auth, tr, tr.t("Requests"), "/console/requests").with_flash(flash),
        handles,
        shown,
        statuses,
        assets,
        priorities: PRIORITIES
            .iter()
            .map(|p| (priority_key(*p), priority_words(tr, *p)))
            .collect(),
        f,
    })
}

async fn queue(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<QueueQuery>,
) -> Response {
    let flash = match (&q.raised, &q.declined) {
        (Some(id), _) => Some(Flash::ok(tr.f(
            "Request {id} is raised: a dispatcher sees it in the queue.",
            &[("id", id)],
        ))),
        (_, Some(id)) => Some(Flash::ok(tr.f("Request {id} is declined.", &[("id", id)]))),
        _ => None,
    };
    let status = q.status.unwrap_or_else(|| "open".to_owned());
    let fields = RaiseFields {
        priority: "normal".into(),
        ..RaiseFields::default()
    };
    match queue_page(&state, &auth, tr, &status, fields, flash).await {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

async fn raise(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Form(f): Form<RaiseFields>,
) -> Response {
    let priority = PRIORITIES
        .into_iter()
        .find(|p| priority_key(*p) == f.priority)
        .unwrap_or(Priority::Normal);
    let request = NewRequest {
        id: None,
        asset: f.asset.trim().into(),
        symptoms: f.symptoms.clone(),
        priority,
    };
    let raised = if f.asset.trim().is_empty() {
        Err(ApiError::bad_request(
            "invalid",
            "choose the asset the request is about",
        ))
    } else {
        requests::raise(
            State(state.clone()),
            Raiser::Person(auth.clone()),
            ApiJson(request),
        )
        .await
    };
    match raised {
        Ok((_, r)) => Redirect::to(&format!(
            "/console/requests?raised={}",
            encode(r.0.id.as_str())
        ))
        .into_response(),
        Err(e) => {
            let flash = Flash::error(tr.api_error(&e));
            match queue_page(&state, &auth, tr, "open", f, Some(flash)).await {
                Ok(p) => (e.status, page(p.render())).into_response(),
                Err(e2) => failure(tr, e2),
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct DeclineFields {
    #[serde(default)]
    reason: String,
}

async fn decline(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
    Form(f): Form<DeclineFields>,
) -> Response {
    let done = requests::decline(
        State(state.clone()),
        auth.clone(),
        Path(id.clone()),
        ApiJson(DeclineRequest { reason: f.reason }),
    )
    .await;
    match done {
        Ok(_) => {
            Redirect::to(&format!("/console/requests?declined={}", encode(&id))).into_response()
        }
        Err(e) => {
            let flash = Flash::error(tr.api_error(&e));
            let status = if e.status.is_client_error() {
                e.status
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            match queue_page(
                &state,
                &auth,
                tr,
                "open",
                RaiseFields::default(),
                Some(flash),
            )
            .await
            {
                Ok(p) => (status, page(p.render())).into_response(),
                Err(e2) => failure(tr, e2),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::i18n::has_russian;

    #[test]
    fn every_priority_has_its_russian() {
        for p in PRIORITIES {
            assert!(has_russian(priority_words(Tr::default(), p)), "{p:?}");
        }
    }
}
