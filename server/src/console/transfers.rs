//! Transfers on the way: what left one warehouse for another and is not
//! yet received there (the clerk receives it at the target's bin on the
//! handheld), so the stores know what is coming and what is missing.

use super::layout::Layout;
use super::table::{self, Cell, Column, Shown, TableQuery};
use super::{Person, encode, failure, page, words};
use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/transfers", get(transfers))
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
}

#[derive(Template)]
#[template(path = "console/transfers.html")]
struct TransfersPage {
    layout: Layout,
    table: Shown,
}

async fn transfers(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(f): Query<TransferFilters>,
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
    let shown = match table::answer(tr, &COLUMNS, rows, &f.table, (base, "transfers-on-the-way")) {
        table::Answer::Page(shown) => shown,
        table::Answer::Export(export) => return export,
    };
    page(
        TransfersPage {
            layout: Layout::of(&auth, tr, tr.t("Transfers on the way"), "/console/stock"),
            table: shown,
        }
        .render(),
    )
}
