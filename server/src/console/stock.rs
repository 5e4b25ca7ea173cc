//! Stock on hand, by item, bin, batch and condition: usable stock, and
//! what waits in quarantine or was rejected, apart (the condition filter).
//! Filters, order and page stay in the URL; the export is the filtered
//! table.

use super::i18n::Tr;
use super::layout::Layout;
use super::table::{self, Cell, Column, Row, Shown, SortKey, TableQuery};
use super::{Person, failure, page, words};
use crate::api::AppState;
use crate::reports::ReportKind;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sparescan_core::ids::WarehouseId;
use sparescan_core::model::{Condition, Item, StockKey};
use sparescan_core::qty::Qty;
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
    conditions: Vec<(&'static str, &'static str)>,
    table: Shown,
    /// May read what is out and overdue (tools, returns).
    outstanding: bool,
}

/// A line of stock, borrowed from the site's state: it becomes cells only
/// when it is on the page (or in the export).
struct StockRow<'a> {
    key: &'a StockKey,
    qty: Qty,
    item: Option<&'a Item>,
    warehouse: Option<&'a WarehouseId>,
    tr: Tr,
}

impl StockRow<'_> {
    fn name(&self) -> &str {
        self.item.map(|i| i.name.as_str()).unwrap_or_default()
    }
    fn unit(&self) -> &str {
        self.item.map(|i| i.unit.as_str()).unwrap_or_default()
    }
    fn batch(&self) -> &str {
        self.key
            .batch
            .as_ref()
            .map(|b| b.as_str())
            .unwrap_or_default()
    }
    fn warehouse(&self) -> &str {
        self.warehouse.map(|w| w.as_str()).unwrap_or_default()
    }
}

impl Row for StockRow<'_> {
    fn sort_key(&self, column: usize) -> SortKey<'_> {
        match column {
            0 => SortKey::text(self.key.item.as_str()),
            1 => SortKey::text(self.name()),
            2 => SortKey::text(self.warehouse()),
            3 => SortKey::text(self.key.bin.as_str()),
            4 => SortKey::text(self.batch()),
            5 => SortKey::text(words::condition(self.tr, self.key.condition)),
            6 => SortKey::Number(self.qty.milli()),
            _ => SortKey::text(self.unit()),
        }
    }

    fn into_cells(self) -> Vec<Cell> {
        vec![
            Cell::text(self.key.item.to_string()),
            Cell::text(self.name()),
            Cell::text(self.warehouse()),
            Cell::text(self.key.bin.to_string()),
            Cell::text(self.batch()),
            Cell::text(words::condition(self.tr, self.key.condition)),
            Cell::qty(self.qty),
            Cell::text(self.unit()),
        ]
    }
}

async fn stock(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(f): Query<StockFilters>,
) -> Response {
    let needle = f.item.trim().to_lowercase();
    let (bin, batch) = (f.bin.trim(), f.batch.trim());
    let base = table::with_filters(
        "/console/stock",
        [
            table::param("item", &f.item),
            table::param("bin", &f.bin),
            table::param("batch", &f.batch),
            table::param("condition", &f.condition),
        ],
    );
    // The table is sorted and paged where the rows are, so only the page
    // (or the export) is copied out of the site's state.
    let answer = state.ledger.read(&auth.session.site, |s| {
        let master = &s.master;
        let items: HashMap<_, _> = master.items.iter().map(|i| (&i.id, i)).collect();
        let bins: HashMap<_, _> = master.bins.iter().map(|b| (&b.id, &b.warehouse)).collect();
        let rows: Vec<StockRow> = s
            .ledger
            .projections()
            .stock
            .iter()
            .filter(|(_, q)| q.is_positive())
            .filter(|(k, _)| condition_matches(&f.condition, k.condition))
            .filter(|(k, _)| bin.is_empty() || k.bin.as_str() == bin)
            .filter(|(k, _)| {
                batch.is_empty() || k.batch.as_ref().is_some_and(|b| b.as_str() == batch)
            })
            .map(|(k, q)| StockRow {
                key: k,
                qty: *q,
                item: items.get(&k.item).copied(),
                warehouse: bins.get(&k.bin).copied(),
                tr,
            })
            .filter(|r| {
                needle.is_empty()
                    || r.key.item.as_str().to_lowercase() == needle
                    || r.name().to_lowercase().contains(&needle)
            })
            .collect();
        table::answer(tr, &COLUMNS, rows, &f.table, (&base, "stock-on-hand"))
    });
    let shown = match answer {
        Ok(table::Answer::Page(shown)) => shown,
        Ok(table::Answer::Export(export)) => return export,
        Err(e) => return failure(tr, e.into()),
    };
    page(
        StockPage {
            layout: Layout::of(&auth, tr, tr.t("Stock on hand"), "/console/stock"),
            table: shown,
            item: f.item,
            bin: f.bin,
            batch: f.batch,
            condition: f.condition,
            conditions: CONDITIONS.iter().map(|(k, w)| (*k, tr.t(w))).collect(),
            outstanding: auth.user.has_any(ReportKind::ToolsOut.readers()),
        }
        .render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_number_in_the_url_is_read() {
        let uri: axum::http::Uri = "/console/stock?bin=A-01&sort=qty&dir=desc&page=3"
            .parse()
            .unwrap();
        let Query(f) = Query::<StockFilters>::try_from_uri(&uri).expect("the query");
        assert_eq!(f.bin, "A-01");
        assert_eq!(f.table.page(), 3);
    }
}
