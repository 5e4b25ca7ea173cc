//! Maintenance requests (issue 16, item 4): raised by a person signed in or
//! by a monitoring system with its own key, listed with their status for
//! the dispatcher, declined with a reason, or made into a work order
//! (`POST /api/v1/work-orders` with `request`; see [`super::plan`]).
//! Requests are master-data rows: each change is audited and reaches the
//! devices' change log.

use super::plan::{invalid, row};
use super::{query, require, status_query};
use crate::api::auth::{UserAuth, bearer, hash_secret};
use crate::api::{ApiError, ApiJson, AppState};
use crate::ledger::LedgerError;
use crate::store::{AuditEntry, SystemKey};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sparescan_core::ids::*;
use sparescan_core::limits::{MAX_TEXT_CHARS, longer_than};
use sparescan_core::model::*;
use sparescan_core::rules;
use sparescan_core::rules::roles::back_office::{HANDLE_REQUESTS, RAISE_REQUESTS};
use sparescan_core::sync::RowKey;
use std::sync::{Arc, Mutex};

/// What a monitoring system's key starts with.
pub const SYSTEM_PREFIX: &str = "sys_";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", get(list).post(raise))
        .route("/api/v1/requests/{id}/decline", post(decline))
}

/// `POST /api/v1/requests`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The requester's own number (a monitoring system's alarm id): sent
    /// again with the same content it answers with the request already
    /// made, so a retried alarm makes one request. Without it the server
    /// gives one (`REQ-yymmdd-…`).
    #[serde(default)]
    pub id: Option<RequestId>,
    pub asset: AssetId,
    /// What was seen or measured.
    pub symptoms: String,
    /// `normal` unless given.
    #[serde(default = "normal")]
    pub priority: Priority,
}

fn normal() -> Priority {
    Priority::Normal
}

/// `POST /api/v1/requests/{id}/decline`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    /// Why: a duplicate, not a fault, handled another way.
    pub reason: String,
}

/// Who is raising a request: a person's session or a system's key.
pub enum Raiser {
    Person(UserAuth),
    System(SystemKey),
}

impl FromRequestParts<AppState> for Raiser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(key) = bearer(parts).filter(|t| t.starts_with(SYSTEM_PREFIX)) else {
            return Ok(Raiser::Person(
                UserAuth::from_request_parts(parts, state).await?,
            ));
        };
        let hash = hash_secret(key);
        // Read each time: requests are few, and a withdrawn key stops at once.
        let system = state
            .readers
            .with(move |s| Ok(s.system_by_token(&hash)?))
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "unknown system key: ask an admin for one (`sparescan-server system-key`)",
                )
            })?;
        if system.revoked {
            return Err(ApiError::unauthorized(format!(
                "the key of system {} was withdrawn: ask an admin for a new one",
                system.name
            )));
        }
        Ok(Raiser::System(system))
    }
}

/// A new request's number: the day and six random letters and digits.
fn new_id() -> RequestId {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let tail: String = (0..6)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    RequestId::new(format!("REQ-{}-{tail}", Utc::now().format("%y%m%d")))
}

/// Raise a maintenance request.
///
/// Something is wrong with an asset: what was seen, how urgent. Anyone
/// signed in may raise one, and so may a monitoring system with its key
/// (`system_key`), which may do nothing else. Sent again with the same
/// `id` and content, the answer is the request already made (200).
#[utoipa::path(
    post,
    path = "/api/v1/requests",
    tag = "requests",
    operation_id = "request_raise",
    request_body = NewRequest,
    responses(
        (status = 201, description = "Raised", body = MaintenanceRequest),
        (status = 200, description = "Raised before with this id and content", body = MaintenanceRequest),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []), ("system_key" = []))
)]
pub(crate) async fn raise(
    State(state): State<AppState>,
    raiser: Raiser,
    ApiJson(req): ApiJson<NewRequest>,
) -> Result<(StatusCode, Json<MaintenanceRequest>), ApiError> {
    let (site, requested_by, actor) = match &raiser {
        Raiser::Person(auth) => {
            require(auth, RAISE_REQUESTS, "raising a request")?;
            (
                auth.session.site.clone(),
                Requester::Person(auth.user.id.clone()),
                auth.user.id.to_string(),
            )
        }
        Raiser::System(s) => (
            s.site.clone(),
            Requester::System(s.name.clone()),
            format!("system:{}", s.name),
        ),
    };
    let symptoms = req.symptoms.trim().to_owned();
    if symptoms.is_empty() {
        return Err(invalid("symptoms are empty: say what is wrong"));
    }
    if longer_than(&symptoms, MAX_TEXT_CHARS) {
        return Err(invalid(format!(
            "symptoms are longer than {MAX_TEXT_CHARS} characters: shorten them"
        )));
    }
    if let Some(id) = &req.id {
        super::rows::check_id(id.as_str()).map_err(|m| invalid(format!("id {m}")))?;
    }
    let known = state.ledger.read(&site, |s| {
        s.ledger.asset(&req.asset).is_some_and(|a| a.site == site)
    })?;
    if !known {
        return Err(invalid(format!(
            "asset {} does not exist at this site: check its inventory number",
            req.asset
        )));
    }
    let given = req.id.clone();
    let request = MaintenanceRequest {
        id: req.id.unwrap_or_else(new_id),
        site: site.clone(),
        asset: req.asset,
        symptoms,
        priority: req.priority,
        requested_by,
        at: Utc::now(),
        work_order: None,
        declined: None,
    };
    // Looked up and made on the writer's thread: an alarm sent twice at
    // once makes one request.
    let made = request.clone();
    let before = Arc::new(Mutex::new(None));
    let seen = before.clone();
    state
        .ledger
        .edit_master_with(site, move |ledger| {
            if let Some(earlier) = ledger.request(&made.id) {
                let same = given.is_some()
                    && earlier.asset == made.asset
                    && earlier.symptoms == made.symptoms
                    && earlier.priority == made.priority
                    && earlier.requested_by == made.requested_by;
                if !same {
                    return Err(LedgerError::Conflict {
                        code: "exists",
                        message: format!(
                            "request {} exists already with other content: give another id",
                            made.id
                        ),
                    });
                }
                if let Ok(mut slot) = seen.lock() {
                    *slot = Some(earlier.clone());
                }
                // A retry: nothing to change or record.
                return Ok(None);
            }
            let entry = AuditEntry {
                actor,
                action: "request.raise".into(),
                payload: json!({ "request": made }),
            };
            Ok(Some((
                vec![row(RowKey::Request(made.id.clone()), &made)],
                entry,
            )))
        })
        .await?;
    if let Some(earlier) = before.lock().ok().and_then(|mut b| b.take()) {
        return Ok((StatusCode::OK, Json(earlier)));
    }
    Ok((StatusCode::CREATED, Json(request)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// Only requests in this status.
    #[param(value_type = Option<RequestStatus>)]
    pub status: Option<String>,
    /// Only requests about this asset.
    pub asset: Option<AssetId>,
}

/// List maintenance requests.
///
/// The site's requests with their status, in the order a dispatcher works
/// them: the most urgent first, then the oldest. Needs the role
/// dispatcher, engineer, supervisor or admin.
#[utoipa::path(
    get,
    path = "/api/v1/requests",
    tag = "requests",
    operation_id = "requests_list",
    params(ListQuery),
    responses(
        (status = 200, description = "The requests", body = Vec<RequestSummary>),
        (status = 400, response = crate::api::openapi::InvalidQuery),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: UserAuth,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<RequestSummary>>, ApiError> {
    require(&auth, HANDLE_REQUESTS, "the requests queue")?;
    let q = query(q)?;
    let status: Option<RequestStatus> = status_query(
        q.status.as_deref(),
        "a request status: use open, ordered or declined",
    )?;
    let mut list: Vec<RequestSummary> = state.ledger.read(&auth.session.site, |s| {
        s.ledger
            .requests()
            .filter(|r| status.is_none_or(|st| r.status() == st))
            .filter(|r| q.asset.as_ref().is_none_or(|a| r.asset == *a))
            .map(|r| RequestSummary {
                status: r.status(),
                request: r.clone(),
            })
            .collect()
    })?;
    list.sort_by(|a, b| {
        b.request
            .priority
            .cmp(&a.request.priority)
            .then(a.request.at.cmp(&b.request.at))
            .then(a.request.id.cmp(&b.request.id))
    });
    Ok(Json(list))
}

/// A request with where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestSummary {
    pub status: RequestStatus,
    #[serde(flatten)]
    pub request: MaintenanceRequest,
}

/// Decline a maintenance request.
///
/// An open request that needs no work order (a duplicate, not a fault) is
/// declined with a reason; who and when are kept. Needs the role
/// dispatcher, engineer, supervisor or admin.
#[utoipa::path(
    post,
    path = "/api/v1/requests/{id}/decline",
    tag = "requests",
    operation_id = "request_decline",
    params(("id" = RequestId, Path, description = "The request's number")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = MaintenanceRequest),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn decline(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DeclineRequest>,
) -> Result<Json<MaintenanceRequest>, ApiError> {
    require(&auth, HANDLE_REQUESTS, "declining a request")?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(invalid(
            "the reason is empty: say why the request is declined",
        ));
    }
    let site = auth.session.site.clone();
    let id = RequestId::new(id);
    let me = auth.user.id.clone();
    let actor = me.to_string();
    let done = Arc::new(Mutex::new(None));
    let slot = done.clone();
    let at_site = site.clone();
    state
        .ledger
        .edit_master_with(site, move |ledger| {
            let found = ledger
                .request(&id)
                .cloned()
                .ok_or_else(|| LedgerError::Conflict {
                    code: "not_found",
                    message: format!("no request {id} at site {at_site}"),
                })?;
            rules::requests::check_decline(&found)?;
            let declined = MaintenanceRequest {
                declined: Some(Declined {
                    by: me,
                    at: Utc::now(),
                    reason,
                }),
                ..found
            };
            if let Ok(mut s) = slot.lock() {
                *s = Some(declined.clone());
            }
            let entry = AuditEntry {
                actor,
                action: "request.decline".into(),
                payload: json!({ "request": declined }),
            };
            Ok(Some((vec![row(RowKey::Request(id), &declined)], entry)))
        })
        .await
        .map_err(|e| match e {
            LedgerError::Conflict {
                code: "not_found",
                message,
            } => ApiError::not_found(message),
            e => e.into(),
        })?;
    let declined = done.lock().ok().and_then(|mut d| d.take()).ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the declined request was lost",
        )
    })?;
    Ok(Json(declined))
}
