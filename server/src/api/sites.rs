//! More sites on a running server: an admin makes one with its first admin,
//! as `sparescan-server init` made the first (`crate::init`).

use super::auth::UserAuth;
use super::{ApiError, ApiJson, AppState};
use crate::init::{NewSite, NewSiteError, create_with_admin};
use crate::store::{AuditEntry, CommitBatch};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use sparescan_core::rules::roles::back_office;
use sparescan_core::sync::{OneTimePassword, SiteCreate};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/sites", post(create))
}

/// Make another site.
///
/// An admin makes a new site and its first admin. The new admin's one-time
/// password is in the answer, shown only this once and valid for 24 hours:
/// they sign in with their badge and it at the new site, then choose their
/// own. The site starts empty; its admin adds people, master data, stock
/// and devices. The audit log of the site the request came from records
/// who made it.
#[utoipa::path(
    post,
    path = "/api/v1/sites",
    tag = "sites",
    operation_id = "create_site",
    request_body = SiteCreate,
    responses(
        (status = 201, description = "The site was made; the new admin's one-time password, shown once", body = OneTimePassword),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: UserAuth,
    ApiJson(req): ApiJson<SiteCreate>,
) -> Result<(StatusCode, Json<OneTimePassword>), ApiError> {
    auth.require(back_office::SITES)?;
    let new = NewSite {
        site: &req.site,
        name: &req.name,
        admin: &req.admin,
        admin_name: &req.admin_name,
    };
    let by = auth.user.id.to_string();
    let otp = create_with_admin(&state.ledger, &new, &by)
        .await
        .map_err(|e| match e {
            NewSiteError::Invalid(m) => ApiError::bad_request("invalid", m),
            NewSiteError::Ledger(e) => e.into(),
            // The site exists; the message says what is left to do.
            e @ NewSiteError::NoPassword { .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_error",
                e.to_string(),
            ),
        })?;
    let from = auth.session.site.clone();
    let audit = AuditEntry {
        actor: by.clone(),
        action: "site.create".into(),
        payload: serde_json::json!({
            "site": req.site,
            "name": req.name.trim(),
            "admin": req.admin,
        }),
    };
    let batch = CommitBatch {
        site: Some(from.clone()),
        audit: vec![audit],
        received_at: Some(Utc::now()),
        ..CommitBatch::default()
    };
    state.ledger.write(move |s| s.commit(&batch)).await?;
    log::info!(
        "{by} (site {from}) made site {} with its admin {}",
        req.site,
        req.admin
    );
    Ok((StatusCode::CREATED, Json(otp)))
}
