//! The scan box on every page: a keyboard-wedge scanner on the PC types a
//! code and Enter into it; core's decoder and resolver (the handheld's)
//! say what it names, and the console opens that: an order's card, a
//! bin's or part's stock, an asset's orders.

use super::{Person, encode, error_page, failure};
use crate::api::AppState;
use crate::ledger::SiteState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use sparescan_core::model::Item;
use sparescan_core::resolve::{Resolved, resolve};
use sparescan_core::scan::{Scan, ScanConfig, classify};
use sparescan_core::view::ViewError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/scan", get(scan))
}

#[derive(Deserialize)]
struct ScanQuery {
    #[serde(default)]
    code: String,
}

async fn scan(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<ScanQuery>,
) -> Response {
    let code = q.code.trim();
    if code.is_empty() {
        return error_page(
            tr,
            StatusCode::BAD_REQUEST,
            tr.t("The scan box was empty: scan a label, or type an order, bin, asset or part number and press Enter."),
        );
    }
    let decoded = match classify(code.as_bytes(), &ScanConfig::default()) {
        Ok(d) => d,
        Err(e) => {
            return error_page(
                tr,
                StatusCode::BAD_REQUEST,
                &tr.f(
                    "The code {code} could not be read ({why}). Scan it again, or type the number printed under it.",
                    &[("code", &code), ("why", &e)],
                ),
            );
        }
    };
    let resolved = state
        .ledger
        .read(&auth.session.site, |s| named(s, &decoded));
    let to = match resolved {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return failure(tr, crate::api::ApiError::from(e)),
        Err(e) => return failure(tr, e.into()),
    };
    match to {
        Resolved::WorkOrder(wo) => go(format!("/console/work-orders/{}", encode(wo.id.as_str()))),
        Resolved::Bin(bin) => go(format!("/console/stock?bin={}", encode(bin.id.as_str()))),
        Resolved::Asset(a) => go(format!(
            "/console/work-orders?asset={}",
            encode(a.id.as_str())
        )),
        Resolved::Part(p) => {
            let mut to = format!("/console/stock?item={}", encode(p.item.id.as_str()));
            if let Some(b) = &p.batch {
                to.push_str(&format!("&batch={}", encode(b.as_str())));
            }
            go(to)
        }
        Resolved::Badge(b) => error_page(
            tr,
            StatusCode::NOT_FOUND,
            &tr.f(
                "{code} is a person's badge; the console opens orders, bins, assets and parts.",
                &[("code", &b)],
            ),
        ),
        Resolved::Document(d) => error_page(
            tr,
            StatusCode::NOT_FOUND,
            &tr.f(
                "{code} is a document's number; open its work order's card to see it.",
                &[("code", &d)],
            ),
        ),
        Resolved::Unknown(c) => error_page(
            tr,
            StatusCode::NOT_FOUND,
            &tr.f(
                "Nothing at this site has the code {code}: check the label, or look the part up in Stock on hand.",
                &[("code", &c)],
            ),
        ),
    }
}

/// What a decoded scan names at the site (an item found by its own
/// number or by a barcode printed on it).
pub(super) fn named(s: &SiteState, decoded: &Scan) -> Result<Resolved, ViewError> {
    let by_barcode = |c: &str| -> Result<Option<Item>, ViewError> {
        Ok(s.master
            .items
            .iter()
            .find(|i| i.barcodes.iter().any(|b| b == c))
            .cloned())
    };
    resolve(&s.ledger, by_barcode, decoded, None)
}

fn go(to: String) -> Response {
    Redirect::to(&to).into_response()
}
