//! Stock on hand, by item, bin, batch and condition: usable stock, and
//! what waits in quarantine or was rejected, apart (the condition filter).
//! Filters, order and page stay in the URL; the export is the filtered
//! table.

use super::layout::Layout;
use super::table::{self, Cell, Column, Shown, TableQuery};
use super::{Person, failure, page, words};
use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sparescan_core::model::Condition;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/stock", get(stock))
}

#[derive(Debug, Default, Deserialize)]
struct StockFilters {
    /// Item number or words of its name.
    #[serde(default)]
    item: String,
    #[serde(default)]
    bin: String,
    #[serde(default)]
    batch: String,
    /// `usable`, `quarantine`, `rejected`, or empty for all.
    #[serde(default)]
    condition: String,
    #[serde(flatten)]
    table: TableQuery,
}

const COLUMNS: [Column; 8] = [
    Column::text("item", "Item"),
    Column::text("name", "Name"),
    Column::text("warehouse", "Warehouse"),
    Column::text("bin", "Bin"),
    Column::text("batch", "Batch"),
    Column::text("condition", "Condition"),
    Column::number("qty", "On hand"),
    Column::text("unit", "Unit"),
];

/// The condition filter's choices: URL value, words.
const CONDITIONS: [(&str, &str); 4] = [
    ("", "All"),
    ("usable", "Usable (new or opened)"),
    ("quarantine", "Needs inspection — quarantine"),
    ("rejected", "Rejected"),
];

fn condition_matches(filter: &str, c: Condition) -> bool {
    match filter {
        "usable" => c.is_usable(),
        "quarantine" => c == Condition::UnderInspection,
        "rejected" => c == Condition::Rejected,
        _ => true,
    }
}

#[derive(Template)]
#[template(path = "console/stock.html")]
struct StockPage {
    layout: Layout,
    item: String,
    bin: String,
    batch: String,
    condition: String,
    conditions: &'static [(&'static str, &'static str)],
    table: Shown,
}

async fn stock(
    State(state): State<AppState>,
    Person(auth): Person,
    Query(f): Query<StockFilters>,
) -> Response {
    let needle = f.item.trim().to_lowercase();
    let (bin, batch) = (f.bin.trim(), f.batch.trim());
    let rows = state.ledger.read(&auth.session.site, |s| {
        let master = &s.master;
        let items: HashMap<_, _> = master.items.iter().map(|i| (&i.id, i)).collect();
        let bins: HashMap<_, _> = master.bins.iter().map(|b| (&b.id, b)).collect();
        s.ledger
            .projections()
            .stock
            .iter()
            .filter(|(_, q)| q.is_positive())
            .filter(|(k, _)| condition_matches(&f.condition, k.condition))
            .filter(|(k, _)| bin.is_empty() || k.bin.as_str() == bin)
            .filter(|(k, _)| {
                batch.is_empty() || k.batch.as_ref().is_some_and(|b| b.as_str() == batch)
            })
            .filter_map(|(k, q)| {
                let item = items.get(&k.item);
                let name = item.map(|i| i.name.as_str()).unwrap_or_default();
                let hit = needle.is_empty()
                    || k.item.as_str().to_lowercase() == needle
                    || name.to_lowercase().contains(&needle);
                hit.then(|| {
                    vec![
                        Cell::text(k.item.to_string()),
                        Cell::text(name),
                        Cell::text(
                            bins.get(&k.bin)
                                .map(|b| b.warehouse.to_string())
                                .unwrap_or_default(),
                        ),
                        Cell::text(k.bin.to_string()),
                        Cell::text(k.batch.as_ref().map(|b| b.to_string()).unwrap_or_default()),
                        Cell::text(words::condition(k.condition)),
                        Cell::qty(*q),
                        Cell::text(item.map(|i| i.unit.clone()).unwrap_or_default()),
                    ]
                })
            })
            .collect::<Vec<_>>()
    });
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return failure(e.into()),
    };
    if table::wants_csv(&f.table) {
        return table::csv(&COLUMNS, rows, &f.table, "stock-on-hand");
    }
    let base = table::with_filters(
        "/console/stock",
        [
            table::param("item", &f.item),
            table::param("bin", &f.bin),
            table::param("batch", &f.batch),
            table::param("condition", &f.condition),
        ],
    );
    page(
        StockPage {
            layout: Layout::of(&auth, "Stock on hand", "/console/stock"),
            table: table::show(&COLUMNS, rows, &f.table, &base),
            item: f.item,
            bin: f.bin,
            batch: f.batch,
            condition: f.condition,
            conditions: &CONDITIONS,
        }
        .render(),
    )
}
