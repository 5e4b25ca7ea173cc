//! Stock in over the API: `POST /api/v1/stock/opening` (a site's opening
//! balances; admin or controller) and `POST /api/v1/stock/receipts`
//! (deliveries, as an ERP sends them; clerk), each a CSV file
//! (`crate::stock_in`) recorded as one document per line in the signed-in
//! person's name, all or nothing.

use super::{BACKOFFICE_DEVICE, csv_body, require};
use crate::api::auth::UserAuth;
use crate::api::{ApiError, AppState};
use crate::stock_in::{self, StockIn, StockInError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use sparescan_core::document::DocKind;
use sparescan_core::rules::roles::author_roles;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/stock/{kind}", post(stock_in))
}

/// What a stock-in file recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    /// `opening` or `receipts`.
    pub kind: String,
    /// Documents recorded, one per line of the file.
    pub recorded: usize,
}

/// Record stock coming in from CSV.
///
/// `opening`: a site's stock when it starts (opening balances; admin or
/// controller). `receipts`: deliveries from suppliers or the ERP (goods
/// receipts; clerk). The columns are in docs/csv.md ("Stock in"); each
/// line becomes a document judged by the rules, all or nothing: the first
/// line refused (`invalid_csv`, naming the line) refuses the whole file.
#[utoipa::path(
    post,
    path = "/api/v1/stock/{kind}",
    tag = "documents",
    operation_id = "stock_in",
    params(
        ("kind" = String, Path, description = "`opening` or `receipts`"),
    ),
    request_body(
        content = String,
        content_type = "text/csv",
        description = "The CSV file with a header line; `text/plain` and `application/csv` are taken too",
    ),
    responses(
        (status = 200, description = "Recorded", body = Recorded),
        (status = 400, description = "`invalid_csv` (the message names the line: a cell, or the rules' refusal of it; nothing was recorded) or `invalid_body`", body = sparescan_core::sync::ApiError),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, description = "`partly_recorded`: the site changed while the file was recorded; the message says which lines were", body = sparescan_core::sync::ApiError),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn stock_in(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Recorded>, ApiError> {
    let (which, doc_kind, action) = match kind.as_str() {
        "opening" => (
            StockIn::Opening,
            DocKind::OpeningBalance,
            "recording opening stock",
        ),
        "receipts" => (
            StockIn::Receipts,
            DocKind::GoodsReceipt,
            "recording goods receipts",
        ),
        _ => {
            return Err(ApiError::not_found(format!(
                "`{kind}` is not stock in: use /api/v1/stock/opening or /api/v1/stock/receipts"
            )));
        }
    };
    require(&auth, author_roles(doc_kind, None), action)?;
    let body = csv_body(&headers, body)?;
    let recorded = stock_in::import(
        &state.ledger,
        &auth.session.site,
        which,
        &auth.user.id,
        BACKOFFICE_DEVICE,
        &body,
    )
    .await
    .map_err(|e| match e {
        StockInError::Csv(_) => ApiError::bad_request("invalid_csv", e.to_string()),
        StockInError::Partly { .. } => {
            ApiError::new(StatusCode::CONFLICT, "partly_recorded", e.to_string())
        }
        StockInError::Ledger(l) => l.into(),
    })?;
    Ok(Json(Recorded { kind, recorded }))
}
