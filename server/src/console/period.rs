//! The period close, for the accountant: what is still open at the site
//! (orders not closed, count discrepancies not settled, transfers on the
//! way), then the close itself — a period-close document judged by the
//! rules like any other.

use super::layout::{Flash, Layout};
use super::{Person, failure, page, record, words};
use crate::api::auth::UserAuth;
use crate::api::backoffice::office_document;
use crate::api::{ApiError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use sparescan_core::document::{Body, DocKind};
use sparescan_core::model::WoStatus;
use sparescan_core::rules::roles::author_roles;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/period-close", get(show).post(close))
}

/// Who closes periods.
pub fn closers() -> &'static [sparescan_core::model::Role] {
    author_roles(DocKind::PeriodClose, None)
}

#[derive(Template)]
#[template(path = "console/period.html")]
struct PeriodPage {
    layout: Layout,
    closed_until: Option<NaiveDate>,
    /// Order, status, asset.
    open_orders: Vec<(String, &'static str, String)>,
    /// Item, bin, book, counted.
    discrepancies: Vec<(String, String, String, String)>,
    /// Item, quantity, to warehouse.
    transits: Vec<(String, String, String)>,
    until: String,
}

fn period_page(
    state: &AppState,
    auth: &UserAuth,
    until: String,
    flash: Option<Flash>,
) -> Result<PeriodPage, ApiError> {
    let layout = Layout::of(auth, "Period close", "/console/period-close")
        .form_first()
        .with_flash(flash);
    Ok(state.ledger.read(&auth.session.site, |s| {
        let p = s.ledger.projections();
        PeriodPage {
            layout,
            closed_until: p.closed_until,
            open_orders: p
                .work_orders
                .values()
                .filter(|w| !matches!(w.state.status, WoStatus::Closed | WoStatus::Cancelled))
                .map(|w| {
                    (
                        w.id.to_string(),
                        words::status(w.state.status),
                        w.asset.to_string(),
                    )
                })
                .collect(),
            discrepancies: p
                .discrepancies
                .values()
                .map(|d| {
                    (
                        d.stock.item.to_string(),
                        d.stock.bin.to_string(),
                        d.book.to_string(),
                        d.actual.to_string(),
                    )
                })
                .collect(),
            transits: p
                .transits
                .values()
                .map(|t| {
                    (
                        t.item.to_string(),
                        t.qty.to_string(),
                        t.to_warehouse.to_string(),
                    )
                })
                .collect(),
            until,
        }
    })?)
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Person(auth): Person,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = auth.require(closers()) {
        return failure(e);
    }
    let flash = q
        .done
        .map(|until| Flash::ok(format!("The period is closed through {until}.")));
    match period_page(&state, &auth, String::new(), flash) {
        Ok(p) => page(p.render()),
        Err(e) => failure(e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct CloseFields {
    #[serde(default)]
    until: String,
}

async fn close(
    State(state): State<AppState>,
    Person(auth): Person,
    Form(f): Form<CloseFields>,
) -> Response {
    let until = f.until.trim().to_owned();
    let outcome = match NaiveDate::parse_from_str(&until, "%Y-%m-%d") {
        Err(_) => Err(format!(
            "Not done: `{until}` is not a date; give the period's last day, such as 2026-11-30."
        )),
        Ok(day) => {
            let doc = office_document(&auth, None, Body::PeriodClose { until: day });
            record::one(&state, &auth, doc).await
        }
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/console/period-close?done={until}")).into_response(),
        Err(why) => match period_page(&state, &auth, until, Some(Flash::error(why))) {
            Ok(p) => (StatusCode::CONFLICT, page(p.render())).into_response(),
            Err(e) => failure(e),
        },
    }
}
