//! Reports over HTTPS for the signed-in person's site:
//! `GET /api/v1/reports` lists them, `GET /api/v1/reports/{name}?format=
//! json|csv&…` computes one (see `crate::reports` and docs/reports.md).

use super::auth::UserAuth;
use super::{ApiError, AppState};
use crate::reports::{self, Format, Params, REPORT_ROLES, ReportError, ReportKind};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", get(list))
        .route("/api/v1/reports/{name}", get(report))
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Params(m) => ApiError::bad_request("invalid_params", m),
            ReportError::NotFound(m) => ApiError::not_found(m),
            ReportError::Ledger(e) => e.into(),
            ReportError::Store(e) => e.into(),
            ReportError::Render(m) => {
                log::error!("rendering a report: {m}");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
            }
        }
    }
}

/// Reports are for the people who steer the work; technicians and clerks
/// see their own movements on the handheld.
fn may_read(auth: &UserAuth) -> Result<(), ApiError> {
    if auth.user.has_any(REPORT_ROLES) {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "reports are for supervisors, dispatchers, engineers, controllers, accountants and \
         admins; ask one of them, or a site admin for the role",
    ))
}

#[derive(Debug, Serialize)]
struct ReportInfo {
    name: &'static str,
    description: &'static str,
    params: &'static [&'static str],
}

async fn list(auth: UserAuth) -> Result<Json<Vec<ReportInfo>>, ApiError> {
    may_read(&auth)?;
    Ok(Json(
        ReportKind::ALL
            .iter()
            .map(|k| ReportInfo {
                name: k.name(),
                description: k.describe(),
                params: k.params(),
            })
            .collect(),
    ))
}

async fn report(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(name): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    may_read(&auth)?;
    let kind = ReportKind::parse(&name)?;
    let Query(pairs) = query.map_err(|e| ApiError::bad_request("invalid_params", e.body_text()))?;
    let (params, format): (Params, Format) =
        Params::from_pairs(kind, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let site = auth.session.site.clone();
    let ledger = state.ledger.clone();
    let now = Utc::now();
    let filename = format!("{}-{}-{}.csv", kind.name(), site, now.format("%Y%m%d-%H%M"));
    let body = state
        .readers
        .with(move |store| {
            Ok(reports::produce(
                &ledger, store, &site, kind, &params, format, now,
            )?)
        })
        .await?;
    let mut resp = body.into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if format == Format::Csv
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
