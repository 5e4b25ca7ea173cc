//! Documents from the back office go through the same rules as device
//! pushes: reserves, inspection decisions, transfers, corrections, status
//! changes, counts, period close. The signed-in person is the author; the
//! device is `backoffice`. `GET /needs-attention` lists what the rules
//! refused at the site, with what to do.

use super::{BACKOFFICE_DEVICE, query, require};
use crate::api::auth::UserAuth;
use crate::api::{ApiError, ApiJson, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sparescan_core::document::{Body, DocKind, Document, Transition};
use sparescan_core::ids::*;
use sparescan_core::reason::{Blocker, ReasonCode};
use sparescan_core::sync::{PushRequest, PushResponse};
use std::time::Instant;

// Who reviews refusals.
use sparescan_core::rules::roles::back_office::REVIEW as REVIEWERS;

const ATTENTION_DEFAULT: u32 = 200;
const ATTENTION_MAX: u32 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/documents", post(submit))
        .route("/api/v1/needs-attention", get(needs_attention))
}

/// Submit back-office documents.
///
/// Judges the documents in order; the answer is one verdict each (HTTP 200
/// even for refusals). A document that is not the signed-in person's own
/// refuses the whole request before anything is judged.
#[utoipa::path(
    post,
    path = "/api/v1/documents",
    tag = "documents",
    operation_id = "documents_submit",
    request_body = PushRequest,
    responses(
        (status = 200, description = "One verdict per document", body = PushResponse),
        (status = 400, description = "`use_approve`: an approval goes through `POST /api/v1/work-orders/{id}/approve`; or the request is not valid", body = sparescan_core::sync::ApiError),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, description = "`forbidden`: a document names another author or site than the signed-in person's; nothing was judged", body = sparescan_core::sync::ApiError),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    auth: UserAuth,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    let max = state.limits.push_max_docs;
    if req.documents.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "{} documents in one request; send at most {max}",
                req.documents.len()
            ),
        ));
    }
    let site = &auth.session.site;
    for d in &req.documents {
        if d.author != auth.user.id {
            return Err(ApiError::forbidden(format!(
                "document {} names {} as author, but you are signed in as {}: sign your own documents (a second person signs as approver)",
                d.id, d.author, auth.user.id
            )));
        }
        if d.site != *site {
            return Err(ApiError::forbidden(format!(
                "document {} is for site {}, but you are signed in at {site}",
                d.id, d.site
            )));
        }
        // One approval path: the approve endpoint records the approver
        // (separation of duties keys on it) and the limits.
        if matches!(
            d.body,
            Body::WoStatusChange {
                transition: Transition::Approve
            }
        ) {
            return Err(ApiError::bad_request(
                "use_approve",
                format!(
                    "document {} approves a work order: approve with POST /api/v1/work-orders/{{id}}/approve, which records you as the approver and the limits",
                    d.id
                ),
            ));
        }
        if d.device.as_str() != BACKOFFICE_DEVICE {
            return Err(ApiError::bad_request(
                "invalid",
                format!(
                    "document {} names device {}: back-office documents name the device `{BACKOFFICE_DEVICE}`",
                    d.id, d.device
                ),
            ));
        }
    }
    let started = Instant::now();
    let verdicts = state.ledger.push(site.clone(), req.documents).await?;
    state.metrics.pushed(&verdicts, started.elapsed());
    Ok(Json(PushResponse { verdicts }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttentionQuery {
    /// Refusals to look at, newest first (default 200, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// A refused document, with why and what to do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attention {
    pub id: DocId,
    pub kind: DocKind,
    pub author: UserId,
    pub device: DeviceId,
    pub device_time: DateTime<Utc>,
    pub work_order: Option<WorkOrderId>,
    pub line: Option<DemandLineId>,
    pub code: ReasonCode,
    pub message: String,
    pub what_to_do: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<Blocker>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<DocId>,
    pub document: Document,
}

/// Refused documents that need attention.
///
/// Refused documents of the site, newest first; those accepted since (a
/// retry after the cause was fixed) are left out.
#[utoipa::path(
    get,
    path = "/api/v1/needs-attention",
    tag = "documents",
    operation_id = "needs_attention",
    params(AttentionQuery),
    responses(
        (status = 200, description = "Refused documents, newest first", body = Vec<Attention>),
        (status = 400, response = crate::api::openapi::InvalidQuery),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn needs_attention(
    State(state): State<AppState>,
    auth: UserAuth,
    q: Result<Query<AttentionQuery>, QueryRejection>,
) -> Result<Json<Vec<Attention>>, ApiError> {
    require(&auth, REVIEWERS, "the needs-attention list")?;
    let limit = query(q)?
        .limit
        .unwrap_or(ATTENTION_DEFAULT)
        .clamp(1, ATTENTION_MAX);
    let site = auth.session.site.clone();
    let list = state
        .readers
        .with(move |s| {
            let mut out = Vec::new();
            for (doc, refusal) in s.refusals(&site, limit)? {
                if s.document(&doc.id)?.is_some() {
                    continue;
                }
                out.push(Attention {
                    id: doc.id,
                    kind: doc.kind(),
                    author: doc.author.clone(),
                    device: doc.device.clone(),
                    device_time: doc.device_time,
                    work_order: doc.work_order.clone(),
                    line: doc.line.clone(),
                    code: refusal.code,
                    message: refusal.message,
                    what_to_do: refusal.what_to_do,
                    blockers: refusal.blockers,
                    related: refusal.related,
                    document: doc,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(list))
}
