//! Sync with devices: push documents, pull changes, bootstrap a fresh
//! device, fetch the PIN data for offline sign-in.

use super::auth::DeviceAuth;
use super::{ApiError, ApiJson, AppState};
use crate::store::Credential;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::sync::*;
use std::time::Instant;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/pull", get(pull))
        .route("/api/v1/sync/bootstrap", get(bootstrap))
        .route("/api/v1/sync/credentials", get(credentials))
}

/// Push documents.
///
/// Pushes documents in device order; exactly one verdict per document,
/// in the same order. Refusals are verdicts: the answer is 200 even when
/// every document is rejected.
#[utoipa::path(
    post,
    path = "/api/v1/sync/push",
    tag = "sync",
    operation_id = "sync_push",
    request_body = PushRequest,
    responses(
        (status = 200, description = "One verdict per document", body = PushResponse),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("device_token" = []))
)]
async fn push(
    State(state): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if req.documents.len() > state.limits.push_max_docs {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "{} documents in one push; send at most {}",
                req.documents.len(),
                state.limits.push_max_docs
            ),
        ));
    }
    let started = Instant::now();
    let n = req.documents.len();
    // Documents that are not this device's own never reach the rules.
    let mut verdicts: Vec<Option<Verdict>> = Vec::with_capacity(n);
    let mut to_judge = Vec::with_capacity(n);
    for doc in req.documents {
        let foreign = if doc.site != device.site {
            Some(Refusal::new(ReasonCode::SiteMismatch).detail(format!(
                "document for {}, device enrolled at {}",
                doc.site, device.site
            )))
        } else if doc.device.as_str() != device.id {
            Some(Refusal::new(ReasonCode::DeviceMismatch).detail(format!(
                "document names {}, sent by {}",
                doc.device, device.id
            )))
        } else {
            None
        };
        match foreign {
            Some(refusal) => verdicts.push(Some(Verdict::Rejected {
                id: doc.id,
                refusal,
            })),
            None => {
                verdicts.push(None);
                to_judge.push(doc);
            }
        }
    }
    // Nothing is judged in a person's name without their proof of presence
    // on this device, and back-office powers never come from one.
    let gates = super::presence::check_push(&state, &device, &to_judge).await?;
    let mut gated = gates.into_iter();
    let mut own = std::mem::take(&mut to_judge).into_iter();
    for slot in verdicts.iter_mut().filter(|v| v.is_none()) {
        let (Some(doc), Some(gate)) = (own.next(), gated.next()) else {
            break;
        };
        match gate {
            Some(refusal) => {
                *slot = Some(Verdict::Rejected {
                    id: doc.id,
                    refusal,
                })
            }
            None => to_judge.push(doc),
        }
    }
    let mut judged = state
        .ledger
        .push(device.site.clone(), to_judge)
        .await?
        .into_iter();
    let verdicts: Vec<Verdict> = verdicts
        .into_iter()
        .filter_map(|v| v.or_else(|| judged.next()))
        .collect();
    state.metrics.pushed(&verdicts, started.elapsed());
    Ok(Json(PushResponse { verdicts }))
}

/// Pull changes.
///
/// The changes after a cursor, in sequence order, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/sync/pull",
    tag = "sync",
    operation_id = "sync_pull",
    params(PullQuery),
    responses(
        (status = 200, description = "A page of changes; pull again after `cursor` while `more`", body = PullResponse),
        (status = 400, description = "`invalid_cursor`: the cursor is past any sequence (JSON); or the query string is not valid (the framework's plain-text message)", content(
            (sparescan_core::sync::ApiError = "application/json"),
            (String = "text/plain"),
        )),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 410, description = "`rebootstrap`: the cursor is older than the changes the server keeps", body = sparescan_core::sync::ApiError),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("device_token" = []))
)]
async fn pull(
    State(state): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    let limit = q
        .limit
        .unwrap_or(state.limits.pull_page)
        .clamp(1, state.limits.pull_page);
    // Sequences are SQLite integers: a cursor past i64 would wrap to a
    // negative one and send everything again.
    if i64::try_from(q.after).is_err() {
        return Err(ApiError::bad_request(
            "invalid_cursor",
            format!(
                "the cursor {} is past any sequence (at most {}): pull after the cursor of your last pull, or 0",
                q.after,
                i64::MAX
            ),
        ));
    }
    let site = device.site.clone();
    let after = q.after;
    let page = state
        .readers
        .with(move |s| {
            let horizon = s.horizon(&site)?;
            if after < horizon {
                return Ok(None);
            }
            Ok(Some(s.changes_after(&site, after, limit)?))
        })
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::GONE,
                "rebootstrap",
                "this device's copy is older than the server keeps changes for: bootstrap again",
            )
        })?;
    state.metrics.pulled(page.changes.len());
    let cursor = page.changes.last().map(|c| c.seq).unwrap_or(after);
    Ok(Json(PullResponse {
        changes: page.changes,
        cursor,
        more: page.more,
    }))
}

#[derive(Debug, Serialize, Deserialize)]
struct PageToken {
    cursor: u64,
    after_key: String,
}

/// Bootstrap a device: every row of its site.
///
/// Rows in key order, page by page. The cursor is taken before the first
/// page: whatever changes while the pages are read comes again in the pulls
/// after the cursor, so the device converges on the server's state.
#[utoipa::path(
    get,
    path = "/api/v1/sync/bootstrap",
    tag = "sync",
    operation_id = "sync_bootstrap",
    params(BootstrapQuery),
    responses(
        (status = 200, description = "A page of rows; fetch the next with `page=next` until `next` is absent, then pull after `cursor`", body = BootstrapPage),
        (status = 400, description = "`invalid_page`: the page token is not valid (JSON); or the query string is not valid (the framework's plain-text message)", content(
            (sparescan_core::sync::ApiError = "application/json"),
            (String = "text/plain"),
        )),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("device_token" = []))
)]
async fn bootstrap(
    State(state): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    Query(q): Query<BootstrapQuery>,
) -> Result<Json<BootstrapPage>, ApiError> {
    let token: Option<PageToken> = match &q.page {
        None => None,
        Some(t) => Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_page",
                        "the page token is not valid: start the bootstrap again",
                    )
                })?,
        ),
    };
    let site = device.site.clone();
    let limit = state.limits.bootstrap_page;
    let (cursor, rows, total) = state
        .readers
        .with(move |s| {
            let (cursor, after) = match token {
                Some(t) => (t.cursor, Some(t.after_key)),
                None => (s.last_change(&site)?, None),
            };
            let rows = s.rows_page(&site, after.as_deref(), limit)?;
            Ok((cursor, rows, s.row_count(&site)?))
        })
        .await?;
    let next = (rows.len() as u32 == limit)
        .then(|| rows.last())
        .flatten()
        .map(|(k, _)| {
            let t = PageToken {
                cursor,
                after_key: k.clone(),
            };
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(&t).unwrap_or_default())
        });
    let rows = rows
        .into_iter()
        .map(|(k, v)| {
            Ok(Row {
                key: RowKey::from_text(&k).map_err(|e| {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
                })?,
                value: Some(serde_json::from_str(&v).map_err(|e| {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
                })?),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Json(BootstrapPage {
        rows,
        cursor,
        next,
        total,
    }))
}

/// Badges of the people who may sign in on the device.
///
/// Who each badge belongs to, for the sign-in screen: only people with a
/// role that does something on a handheld, and no secret — a device checks
/// a PIN offline only by unwrapping the presence key the person received
/// there at an online sign-in.
#[utoipa::path(
    get,
    path = "/api/v1/sync/credentials",
    tag = "sync",
    operation_id = "sync_credentials",
    responses(
        (status = 200, description = "The badges of the site's handheld users", body = Vec<BadgeHolder>),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("device_token" = []))
)]
async fn credentials(
    State(state): State<AppState>,
    DeviceAuth(device): DeviceAuth,
) -> Result<Json<Vec<BadgeHolder>>, ApiError> {
    let site = device.site.clone();
    let creds: Vec<Credential> = state
        .readers
        .with(move |s| Ok(s.credentials(&site)?))
        .await?;
    let holders = state.ledger.read(&device.site, |s| {
        creds
            .into_iter()
            .filter(|c| {
                s.ledger
                    .user(&c.user.as_str().into())
                    .is_some_and(|u| sparescan_core::rules::roles::may_use_handheld(&u))
            })
            .map(|c| BadgeHolder {
                badge: c.badge,
                user: c.user.into(),
            })
            .collect()
    })?;
    Ok(Json(holders))
}
