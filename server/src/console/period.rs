//! The period close, for the accountant: what is still open at the site
//! (orders not closed, count discrepancies not settled, transfers on the
//! way), then the close itself — a period-close document judged by the
//! rules like any other.

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::{Person, encode, failure, page, record, words};
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
    /// Order, status, asset, its card.
    open_orders: Vec<(String, &'static str, String, String)>,
    /// Each in words: item, bin, book, counted.
    discrepancies: Vec<String>,
    /// Each in words: item, quantity, to warehouse.
    transits: Vec<String>,
    until: String,
}

fn period_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    until: String,
    flash: Option<Flash>,
) -> Result<PeriodPage, ApiError> {
    let layout = Layout::of(auth, tr, tr.t("Period close"), "/console/period-close")
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
                        words::status(tr, w.state.status),
                        w.asset.to_string(),
                        format!("/console/work-orders/{}", encode(w.id.as_str())),
                    )
                })
                .collect(),
            discrepancies: p
                .discrepancies
                .values()
                .map(|d| {
                    tr.f(
                        "{item} in bin {bin}: books {book}, counted {counted}",
                        &[
                            ("item", &d.stock.item),
                            ("bin", &d.stock.bin),
                            ("book", &d.book),
                            ("counted", &d.actual),
                        ],
                    )
                })
                .collect(),
            transits: p
                .transits
                .values()
                .map(|t| {
                    tr.f(
                        "{qty} × {item} to {warehouse}",
                        &[
                            ("qty", &t.qty),
                            ("item", &t.item),
                            ("warehouse", &t.to_warehouse),
                        ],
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
    Person(auth, tr): Person,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = auth.require(closers()) {
        return failure(tr, e);
    }
    let flash = q
        .done
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .map(|until| Flash::ok(tr.f("The period is closed through {date}.", &[("date", &until)])));
    match period_page(&state, &auth, tr, String::new(), flash) {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct CloseFields {
    #[serde(default)]
    until: String,
}

async fn close(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Form(f): Form<CloseFields>,
) -> Response {
    let until = f.until.trim().to_owned();
    let outcome = match NaiveDate::parse_from_str(&until, "%Y-%m-%d") {
        Err(_) => Err(record::not_done(
            tr,
            &tr.f(
                "`{text}` is not a date; give the period's last day, such as 2026-11-30.",
                &[("text", &until)],
            ),
        )),
        Ok(day) => {
            let doc = office_document(&auth, None, Body::PeriodClose { until: day });
            record::one(&state, &auth, tr, doc).await
        }
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/console/period-close?done={until}")).into_response(),
        Err(why) => match period_page(&state, &auth, tr, until, Some(Flash::error(why))) {
            Ok(p) => (StatusCode::CONFLICT, page(p.render())).into_response(),
            Err(e) => failure(tr, e),
        },
    }
}
