//! Serial units: every unit of a serial-tracked item and where it is now —
//! on a shelf, in work with someone, installed on an asset, removed,
//! on the way to another warehouse, or out as a tool — with its order
//! one click away and its history in the serial-history report. A site
//! holds a million of them: rows become cells only when shown, an item
//! filter reads only that item's units, and a number searched for or the
//! order by number come from the index of numbers kept beside the map
//! (`serial_index`).

use super::i18n::Tr;
use super::layout::Layout;
use super::table::{self, Cell, Column, Row, Shown, SortKey, TableQuery};
use super::{Person, encode, failure, page, words};
use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sparescan_core::ids::ItemId;

use sparescan_core::model::{SerialKey, SerialState};
use std::ops::Bound;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/serials", get(serials))
}

/// The serial number's column (the index orders by it).
const SERIAL_COLUMN: usize = 1;

const COLUMNS: [Column; 6] = [
    Column::text("item", "Item"),
    Column::text("serial", "Serial"),
    Column::text("where", "Where it is"),
    Column::text("order", "Order"),
    Column::text("batch", "Batch"),
    Column::text("condition", "Condition"),
];

/// Where-filters: key, words.
const PLACES: [(&str, &str); 7] = [
    ("", "Anywhere"),
    ("shelf", "On a shelf"),
    ("work", "In work"),
    ("installed", "Installed"),
    ("removed", "Removed, not yet returned"),
    ("transit", "On the way"),
    ("tool", "Out as a tool"),
];

fn place_key(s: &SerialState) -> &'static str {
    match s {
        SerialState::InStock { .. } => "shelf",
        SerialState::InWork { .. } => "work",
        SerialState::Installed { .. } => "installed",
        SerialState::Removed { .. } => "removed",
        SerialState::InTransit { .. } => "transit",
        SerialState::CheckedOut { .. } => "tool",
    }
}

#[derive(Debug, Default, Deserialize)]
struct SerialFilters {
    #[serde(default)]
    item: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    place: String,
    #[serde(flatten)]
    table: TableQuery,
}

#[derive(Template)]
#[template(path = "console/serials.html")]
struct SerialsPage {
    layout: Layout,
    item: String,
    serial: String,
    place: String,
    places: Vec<(&'static str, &'static str)>,
    table: Shown,
}

struct SerialRow<'a> {
    key: &'a SerialKey,
    state: &'a SerialState,
    tr: Tr,
}

impl SerialRow<'_> {
    fn place(&self) -> String {
        let tr = self.tr;
        match self.state {
            SerialState::InStock { bin, .. } => tr.f("On the shelf in bin {bin}", &[("bin", bin)]),
            SerialState::InWork { holder, .. } => tr.f("In work with {who}", &[("who", holder)]),
            SerialState::Installed {
                asset, position, ..
            } => match position {
                Some(p) => tr.f(
                    "Installed on {asset}, {position}",
                    &[("asset", asset), ("position", p)],
                ),
                None => tr.f("Installed on {asset}", &[("asset", asset)]),
            },
            SerialState::Removed { asset, holder, .. } => tr.f(
                "Removed from {asset}, with {who} until returned",
                &[("asset", asset), ("who", holder)],
            ),
            SerialState::InTransit { .. } => tr.t("On the way to another warehouse").to_owned(),
            SerialState::CheckedOut { holder, .. } => {
                tr.f("Out as a tool with {who}", &[("who", holder)])
            }
        }
    }

    fn order(&self) -> Option<String> {
        match self.state {
            SerialState::InWork { work_order, .. } | SerialState::Installed { work_order, .. } => {
                work_order.as_ref().map(|w| w.to_string())
            }
            SerialState::Removed { work_order, .. } => Some(work_order.to_string()),
            _ => None,
        }
    }

    fn batch(&self) -> String {
        match self.state {
            SerialState::InStock { batch, .. }
            | SerialState::InWork { batch, .. }
            | SerialState::InTransit { batch, .. } => {
                batch.as_ref().map(|b| b.to_string()).unwrap_or_default()
            }
            _ => String::new(),
        }
    }

    fn condition(&self) -> &'static str {
        match self.state {
            SerialState::InStock { condition, .. }
            | SerialState::InWork { condition, .. }
            | SerialState::InTransit { condition, .. } => words::condition(self.tr, *condition),
            _ => "",
        }
    }
}

impl Row for SerialRow<'_> {
    fn sort_key(&self, column: usize) -> SortKey<'_> {
        match column {
            0 => SortKey::text(self.key.item.as_str()),
            1 => SortKey::text(self.key.serial.as_str()),
            2 => SortKey::owned(self.place()),
            3 => SortKey::owned(self.order().unwrap_or_default()),
            4 => SortKey::owned(self.batch()),
            _ => SortKey::text(self.condition()),
        }
    }

    fn into_cells(self) -> Vec<Cell> {
        let history = format!(
            "/console/reports/serial-history?item={}&serial={}",
            encode(self.key.item.as_str()),
            encode(self.key.serial.as_str())
        );
        let order = self.order();
        vec![
            Cell::link(
                self.key.item.to_string(),
                format!("/console/stock?item={}", encode(self.key.item.as_str())),
            ),
            Cell::link(self.key.serial.to_string(), history),
            Cell::text(self.place()),
            match order {
                Some(o) => {
                    let href = format!("/console/work-orders/{}", encode(&o));
                    Cell::link(o, href)
                }
                None => Cell::text(""),
            },
            Cell::text(self.batch()),
            Cell::text(self.condition()),
        ]
    }
}

/// The units of one item: a range of the map, not a scan of it.
fn of_item<'a>(
    all: &'a std::collections::BTreeMap<SerialKey, SerialState>,
    item: &str,
) -> impl Iterator<Item = (&'a SerialKey, &'a SerialState)> {
    let item = ItemId::from(item.to_owned());
    let start = SerialKey {
        item: item.clone(),
        serial: String::new().into(),
    };
    all.range((Bound::Included(start), Bound::Unbounded))
        .take_while(move |(k, _)| k.item == item)
}

async fn serials(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(f): Query<SerialFilters>,
) -> Response {
    let (item, serial) = (f.item.trim(), f.serial.trim().to_lowercase());
    let base = table::with_filters(
        "/console/serials",
        [
            table::param("item", &f.item),
            table::param("serial", &f.serial),
            table::param("place", &f.place),
        ],
    );
    let answer = state.ledger.read(&auth.session.site, |s| {
        let all = &s.ledger.projections().serials;
        let by_number = f.table.sorted_by(&COLUMNS) == Some(SERIAL_COLUMN);
        // Every unit in order of its number: the page is read off the
        // index, the map asked for its fifty units.
        if item.is_empty()
            && serial.is_empty()
            && f.place.is_empty()
            && by_number
            && !table::wants_export(&f.table)
        {
            let numbers = s.serial_numbers.of(all);
            let order = if f.table.descending() {
                numbers.by_number_down()
            } else {
                numbers.by_number()
            };
            let total = order.len();
            let page = table::page_within(f.table.page(), total);
            let first = (page - 1) * table::PAGE_ROWS;
            let picked: Vec<SerialRow> = order[first..(first + table::PAGE_ROWS).min(total)]
                .iter()
                .filter_map(|&unit| numbers.key(unit as usize))
                .filter_map(|key| all.get_key_value(&key))
                .map(|(key, state)| SerialRow { key, state, tr })
                .collect();
            return table::Answer::Page(table::show_page(
                tr, &COLUMNS, picked, total, page, &f.table, &base,
            ));
        }
        let chosen: Box<dyn Iterator<Item = (&SerialKey, &SerialState)>> = if !item.is_empty() {
            Box::new(of_item(all, item))
        } else if !serial.is_empty() {
            // A number searched among all units: the index finds them.
            let numbers = s.serial_numbers.of(all);
            Box::new(
                numbers
                    .holding(&serial)
                    .into_iter()
                    .filter_map(move |unit| numbers.key(unit))
                    .filter_map(|key| all.get_key_value(&key)),
            )
        } else {
            Box::new(all.iter())
        };
        // Unfiltered, the table's size is the map's: its page is found
        // without walking a million units.
        let filtered: Box<dyn Iterator<Item = (&SerialKey, &SerialState)>> =
            if serial.is_empty() && f.place.is_empty() {
                chosen
            } else {
                Box::new(
                    chosen
                        .filter(|(k, _)| {
                            serial.is_empty() || table::contains_folded(k.serial.as_str(), &serial)
                        })
                        .filter(|(_, st)| f.place.is_empty() || place_key(st) == f.place),
                )
            };
        let rows = filtered.map(|(key, state)| SerialRow { key, state, tr });
        table::answer(tr, &COLUMNS, rows, &f.table, (&base, "serial-units"))
    });
    let shown = match answer {
        Ok(table::Answer::Page(shown)) => shown,
        Ok(table::Answer::Export(export)) => return export,
        Err(e) => return failure(tr, e.into()),
    };
    page(
        SerialsPage {
            layout: Layout::of(&auth, tr, tr.t("Serial units"), "/console/stock"),
            item: f.item,
            serial: f.serial,
            place: f.place,
            places: PLACES.iter().map(|(k, w)| (*k, tr.t(w))).collect(),
            table: shown,
        }
        .render(),
    )
}
