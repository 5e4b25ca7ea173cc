//! The back office (`/api/v1/…`, signed in with badge and PIN, no device):
//!
//! - master data per entity — `GET|PUT /master/{entity}` (JSON, or CSV with
//!   `?format=csv`), `POST /master/{entity}/import` (`text/csv`,
//!   all-or-nothing); see [`master`] and `docs/csv.md`;
//! - work orders — create, change the plan, approve with limits, list, the
//!   card; see [`work_orders`];
//! - documents — `POST /documents` runs back-office documents through the
//!   same rules as device pushes; `GET /needs-attention` lists refusals;
//!   see [`documents`];
//! - stock in — `POST /stock/{opening|receipts}` (`text/csv`, all or
//!   nothing): opening balances or deliveries, one document per line; see
//!   [`stock`];
//! - work templates — `GET /templates`, `GET|PUT /templates/{id}`: tasks
//!   and consumption standards that orders are planned from; see
//!   [`templates`].
//!
//! Every master-data edit goes through `Ledger::edit_master` with an audit
//! entry naming the signed-in person, so the hash-chained audit log and
//! the devices' change log both see it.

pub mod card;
mod checks;
pub mod documents;
pub mod master;
pub mod plan;
pub mod requests;
pub mod rows;
pub mod stock;
pub mod templates;
pub mod work_orders;

use super::auth::UserAuth;
use super::{ApiError, AppState};
use crate::store::AuditEntry;
use axum::Router;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use sparescan_core::model::Role;

/// The device name back-office documents carry.
pub const BACKOFFICE_DEVICE: &str = "backoffice";

/// A document the signed-in person records now from the back office.
pub(crate) fn office_document(
    auth: &UserAuth,
    work_order: Option<sparescan_core::ids::WorkOrderId>,
    body: sparescan_core::document::Body,
) -> sparescan_core::document::Document {
    sparescan_core::document::Document {
        id: sparescan_core::ids::DocId::new_v7(),
        author: auth.user.id.clone(),
        device: BACKOFFICE_DEVICE.into(),
        site: auth.session.site.clone(),
        device_time: chrono::Utc::now(),
        work_order,
        line: None,
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(master::routes())
        .merge(work_orders::routes())
        .merge(documents::routes())
        .merge(stock::routes())
        .merge(requests::routes())
        .merge(templates::routes())
}

/// Refuses with 403 unless the person holds one of `roles`, saying what
/// the action needed and who is signed in.
fn require(auth: &UserAuth, roles: &[Role], action: &str) -> Result<(), ApiError> {
    if auth.user.has_any(roles) {
        return Ok(());
    }
    let has = auth
        .user
        .roles
        .iter()
        .map(|r| role_name(*r))
        .collect::<Vec<_>>()
        .join(", ");
    Err(ApiError::forbidden(format!(
        "{action} needs the role {}; you are signed in as {} ({has}): ask someone with that role",
        roles
            .iter()
            .map(|r| role_name(*r))
            .collect::<Vec<_>>()
            .join(" or "),
        auth.user.id,
    )))
}

fn role_name(r: Role) -> String {
    format!("{r:?}").to_lowercase()
}

fn audit(auth: &UserAuth, action: impl Into<String>, payload: serde_json::Value) -> AuditEntry {
    AuditEntry {
        actor: auth.user.id.to_string(),
        action: action.into(),
        payload,
    }
}

/// A CSV file sent as a request's body (`text/csv`; `text/plain` and
/// `application/csv` are taken too), with its rejections as our errors.
fn csv_body(
    headers: &axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::body::Bytes, ApiError> {
    use axum::http::{StatusCode, header};
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !matches!(mime, "text/csv" | "text/plain" | "application/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            format!("send the file with Content-Type text/csv (got `{content_type}`)"),
        ));
    }
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                r.status(),
                "too_large",
                "the file is too large: split it into smaller files",
            )
        } else {
            ApiError::new(r.status(), "invalid_body", r.body_text())
        }
    })
}

/// A `status=` query value as the status it names; `what` says which
/// statuses there are.
fn status_query<T: serde::de::DeserializeOwned>(
    value: Option<&str>,
    what: &str,
) -> Result<Option<T>, ApiError> {
    value
        .map(|s| {
            serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
                ApiError::bad_request("invalid_query", format!("status `{s}` is not {what}"))
            })
        })
        .transpose()
}

/// A query string, with its rejection as our JSON error.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
}
