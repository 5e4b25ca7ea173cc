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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

async fn pull(
    State(state): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    let limit = q
        .limit
        .unwrap_or(state.limits.pull_page)
        .clamp(1, state.limits.pull_page);
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BootstrapQuery {
    page: Option<String>,
}

/// Rows in key order, page by page. The cursor is taken before the first
/// page: whatever changes while the pages are read comes again in the pulls
/// after the cursor, so the device converges on the server's state.
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

/// Badge and PIN hashes of the site's users, for the offline PIN check.
async fn credentials(
    State(state): State<AppState>,
    DeviceAuth(device): DeviceAuth,
) -> Result<Json<Vec<Credential>>, ApiError> {
    let site = device.site.clone();
    Ok(Json(
        state
            .readers
            .with(move |s| Ok(s.credentials(&site)?))
            .await?,
    ))
}
