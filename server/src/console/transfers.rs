//! Transfers on the way: what left one warehouse for another and is not
//! yet received there (the clerk receives it at the target's bin on the
//! handheld), so the stores know what is coming and what is missing; and
//! the clerk's form that sends one (a `TransferOut` document, judged as a
//! device's).

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::table::{self, Cell, Column, Shown, TableQuery};
use super::{Person, encode, failure, page, record, with_status, words};
use crate::api::AppState;
use crate::api::auth::UserAuth;
use crate::api::backoffice::office_document;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use sparescan_core::document::{Body, DocKind, Pick};
use sparescan_core::model::Condition;
use sparescan_core::qty::Qty;
use sparescan_core::rules::roles::author_roles;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/transfers", get(transfers).post(send))
}

const COLUMNS: [Column; 7] = [
    Column::text("item", "Item"),
    Column::text("name", "Name"),
    Column::number("qty", "Qty"),
    Column::text("batch", "Batch"),
    Column::text("serials", "Serials"),
    Column::text("condition", "Condition"),
    Column::text("to_warehouse", "To warehouse"),
];

#[derive(Debug, Default, Deserialize)]
struct TransferFilters {
    #[serde(flatten)]
    table: TableQuery,
    /// Set after a transfer was sent.
    #[serde(default)]
    sent: Option<String>,
}

/// The send form as typed (kept when the rules refuse it).
#[derive(Debug, Default, Clone, Deserialize)]
struct SendFields {
    #[serde(default)]
    item: String,
    #[serde(default)]
    bin: String,
    #[serde(default)]
    qty: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    serials: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    to_warehouse: String,
}

#[derive(Template)]
#[template(path = "console/transfers.html")]
struct TransfersPage {
    layout: Layout,
    table: Shown,
    /// The send form, for those who may record a transfer.
    may_send: bool,
    warehouses: Vec<(String, String)>,
    form: SendFields,
}

async fn transfers(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(f): Query<TransferFilters>,
) -> Response {
    let flash = f.sent.as_ref().map(|_| {
        Flash::ok(tr.t("Sent: it is on the way until the clerk at the target receives it."))
    });
    transfers_page(&state, &auth, tr, &f.table, flash, SendFields::default())
}

/// Sends stock to another warehouse: a `TransferOut` with the signed-in
/// clerk as its author, through the documents handler.
async fn send(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Form(f): Form<SendFields>,
) -> Response {
    let refused = |why: String| {
        with_status(
            StatusCode::CONFLICT,
            transfers_page(
                &state,
                &auth,
                tr,
                &TableQuery::default(),
                Some(Flash::error(why)),
                f.clone(),
            ),
        )
    };
    let qty = f.qty.trim();
    let Ok(qty) = qty.parse::<Qty>() else {
        return refused(record::not_a_quantity(tr, qty));
    };
    let text = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    let pick = Pick {
        item: f.item.trim().into(),
        bin: f.bin.trim().into(),
        batch: text(&f.batch).map(Into::into),
        serials: f
            .serials
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Into::into)
            .collect(),
        qty,
        condition: match f.condition.as_str() {
            "opened" => Condition::Opened,
            _ => Condition::New,
        },
    };
    let doc = office_document(
        &auth,
        None,
        Body::TransferOut {
            pick,
            to_warehouse: f.to_warehouse.trim().into(),
            for_reserve: None,
        },
    );
    match record::one(&state, &auth, tr, doc).await {
        Ok(()) => Redirect::to("/console/transfers?sent=1").into_response(),
        Err(why) => refused(why),
    }
}

fn transfers_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    query: &TableQuery,
    flash: Option<Flash>,
    form: SendFields,
) -> Response {
    let rows = state.ledger.read(&auth.session.site, |s| {
        let master = &s.master;
        s.ledger
            .projections()
            .transits
            .values()
            .filter(|t| t.qty.is_positive())
            .map(|t| {
                let name = master
                    .items
                    .iter()
                    .find(|i| i.id == t.item)
                    .map(|i| i.name.clone())
                    .unwrap_or_default();
                vec![
                    Cell::link(
                        t.item.to_string(),
                        format!("/console/stock?item={}", encode(t.item.as_str())),
                    ),
                    Cell::text(name),
                    Cell::qty(t.qty),
                    Cell::text(t.batch.as_ref().map(|b| b.to_string()).unwrap_or_default()),
                    Cell::text(
                        t.serials
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    Cell::text(words::condition(tr, t.condition)),
                    Cell::text(
                        match master.warehouses.iter().find(|w| w.id == t.to_warehouse) {
                            Some(w) => format!("{} — {}", w.id, w.name),
                            None => t.to_warehouse.to_string(),
                        },
                    ),
                ]
            })
            .collect::<Vec<_>>()
    });
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return failure(tr, e.into()),
    };
    let base = "/console/transfers";
    let shown = match table::answer(tr, &COLUMNS, rows, query, (base, "transfers-on-the-way")) {
        table::Answer::Page(shown) => shown,
        table::Answer::Export(export) => return export,
    };
    let may_send = auth.user.has_any(author_roles(DocKind::TransferOut, None));
    let warehouses = if may_send {
        super::warehouse_choices(state, auth)
    } else {
        Vec::new()
    };
    page(
        TransfersPage {
            layout: Layout::of(auth, tr, tr.t("Transfers on the way"), "/console/stock")
                .with_flash(flash),
            table: shown,
            may_send,
            warehouses,
            form,
        }
        .render(),
    )
}
