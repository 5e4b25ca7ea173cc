//! Reports over HTTPS for the signed-in person's site:
//! `GET /api/v1/reports` lists them, `GET /api/v1/reports/{name}?format=
//! json|csv&…` computes one (see `crate::reports` and docs/reports.md).

use super::auth::UserAuth;
use super::{ApiError, AppState};
use crate::reports::{self, Format, Params, ReportError, ReportKind};
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

/// Reports are for the people who steer the work (what is out and overdue
/// also for the clerks who chase it); technicians see their own movements
/// on the handheld.
fn may_read(auth: &UserAuth, kind: Option<ReportKind>) -> Result<(), ApiError> {
    let allowed = match kind {
        Some(k) => auth.user.has_any(k.readers()),
        None => !ReportKind::readable_by(&auth.user).is_empty(),
    };
    if allowed {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "reports are for supervisors, dispatchers, engineers, controllers, accountants and \
         admins (tools out and overdue returns also for clerks); ask one of them, or a site \
         admin for the role",
    ))
}

/// A report there is, and the parameters it takes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ReportInfo {
    name: &'static str,
    description: &'static str,
    params: &'static [&'static str],
}

/// List the reports.
///
/// The reports the signed-in person may read. Needs the role supervisor,
/// dispatcher, engineer, controller, accountant or admin (a clerk: tools
/// out and overdue returns).
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "reports",
    operation_id = "reports_list",
    responses(
        (status = 200, description = "Every report with its parameters", body = Vec<ReportInfo>),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
async fn list(auth: UserAuth) -> Result<Json<Vec<ReportInfo>>, ApiError> {
    may_read(&auth, None)?;
    Ok(Json(
        ReportKind::readable_by(&auth.user)
            .into_iter()
            .map(|k| ReportInfo {
                name: k.name(),
                description: k.describe(),
                params: k.params(),
            })
            .collect(),
    ))
}

/// Compute a report.
///
/// Computes a report for the signed-in person's site, as JSON or CSV
/// (`format`). Each report takes only its own parameters (see the list);
/// others are refused. Needs the role supervisor, dispatcher, engineer,
/// controller, accountant or admin (tools out and overdue returns: also
/// clerk).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{name}",
    tag = "reports",
    operation_id = "report",
    params(
        ("name" = String, Path, description = "The report (`_` may stand for `-`)"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`", pattern = "^(json|csv)$"),
        ("wo" = Option<sparescan_core::ids::WorkOrderId>, Query, description = "Only this work order"),
        ("asset" = Option<sparescan_core::ids::AssetId>, Query, description = "Only this asset"),
        ("item" = Option<sparescan_core::ids::ItemId>, Query, description = "Only this item"),
        ("serial" = Option<sparescan_core::ids::SerialNo>, Query, description = "The serial unit"),
        ("from" = Option<chrono::NaiveDate>, Query, description = "First day of the period, UTC, inclusive"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "Last day of the period, UTC, inclusive"),
        ("all" = Option<bool>, Query, description = "Include lines issued exactly as planned"),
        ("older_than_days" = Option<u32>, Query, description = "Age from which a reserve on an order in progress is hanging, 0 to 3650, default 7", maximum = 3650),
        ("overdue" = Option<bool>, Query, description = "Only the overdue tools"),
        ("top" = Option<u32>, Query, description = "How many most-issued parts, 1 to 1000, default 20", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "The report", content(
            (crate::api::openapi::ReportEnvelope = "application/json"),
            (String = "text/csv"),
        ), headers(
            ("Content-Disposition" = String, description = "With CSV: `attachment; filename=\"{report}-{site}-{yyyymmdd-hhmm}.csv\"`"),
        )),
        (status = 400, description = "`invalid_params`: a parameter the report does not take, or a value that does not parse", body = sparescan_core::sync::ApiError),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(name): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let kind = ReportKind::parse(&name)?;
    may_read(&auth, Some(kind))?;
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
