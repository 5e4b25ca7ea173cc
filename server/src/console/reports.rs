//! Every report as a page: the list of reports the person may read, and
//! each report's table with its own parameters as a form. The numbers come
//! from the API's report handler (its CSV, the same rights and checks), so
//! the page, the export and the API agree.

use super::layout::{Flash, Layout};
use super::table::{self, Cell, Column, Shown, TableQuery};
use super::{Person, failure, page};
use crate::api::AppState;
use crate::reports::{REPORT_ROLES, ReportKind};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::borrow::Cow;

/// The largest report a page reads (the API's CSV of it).
const MAX_REPORT_BYTES: usize = 256 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/reports", get(list))
        .route("/console/reports/{name}", get(report))
}

pub fn title(k: ReportKind) -> &'static str {
    match k {
        ReportKind::Consumption => "Consumption by work order",
        ReportKind::Deviations => "Deviations: issued against planned",
        ReportKind::HangingReserves => "Hanging reserves",
        ReportKind::OverdueReturns => "Overdue returns",
        ReportKind::ToolsOut => "Tools out",
        ReportKind::InstalledBase => "Installed base",
        ReportKind::SerialHistory => "Serial history",
        ReportKind::AssetHistory => "Asset history",
        ReportKind::CountDiscrepancy => "Count discrepancies",
        ReportKind::Kpis => "Key figures (KPIs)",
        ReportKind::RepairCost => "Repair cost",
        ReportKind::StockValue => "Stock value",
        ReportKind::TemplateConsumption => "Consumption against work templates",
        ReportKind::WarrantyRemovals => "Removed under warranty",
    }
}

/// A parameter's label, and its input: `text`, `date`, `number` or
/// `checkbox`.
fn param_field(name: &str) -> (&'static str, &'static str) {
    match name {
        "wo" => ("Work order", "text"),
        "asset" => ("Asset", "text"),
        "item" => ("Item", "text"),
        "serial" => ("Serial number", "text"),
        "from" => ("From (first day)", "date"),
        "to" => ("To (last day)", "date"),
        "all" => ("Also lines issued exactly as planned", "checkbox"),
        "older_than_days" => ("Hanging after (days)", "number"),
        "overdue" => ("Only overdue tools", "checkbox"),
        "top" => ("How many most-issued parts", "number"),
        _ => ("", "text"),
    }
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ListPage {
    layout: Layout,
    reports: Vec<(String, &'static str, &'static str)>,
}

async fn list(Person(auth): Person) -> Response {
    if let Err(e) = auth.require(REPORT_ROLES) {
        return failure(e);
    }
    page(
        ListPage {
            layout: Layout::of(&auth, "Reports", "/console/reports"),
            reports: ReportKind::ALL
                .iter()
                .map(|k| {
                    (
                        format!("/console/reports/{}", k.name()),
                        title(*k),
                        k.describe(),
                    )
                })
                .collect(),
        }
        .render(),
    )
}

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/report.html")]
struct ReportPage {
    layout: Layout,
    action: String,
    description: &'static str,
    fields: Vec<Field>,
    table: Option<Shown>,
}

async fn report(
    State(state): State<AppState>,
    Person(auth): Person,
    Path(name): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let kind = match ReportKind::parse(&name) {
        Ok(k) => k,
        Err(e) => return failure(e.into()),
    };
    // The report's own parameters (empty ones left out); the table's
    // order, page and export stay with the page.
    let given: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, v)| kind.params().contains(&k.as_str()) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    let q = TableQuery::from_pairs(&pairs);
    let fields = kind
        .params()
        .iter()
        .map(|p| {
            let (label, input) = param_field(p);
            Field {
                name: p,
                label,
                input,
                value: given
                    .iter()
                    .find(|(k, _)| k == p)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let action = format!("/console/reports/{}", kind.name());
    let base = table::with_filters(&action, given.iter().map(|(k, v)| table::param(k, v)));
    let layout = Layout::of(&auth, title(kind), "/console/reports");
    let mut api_query = given.clone();
    api_query.push(("format".into(), "csv".into()));
    let answer = crate::api::reports::report(
        State(state),
        auth,
        Path(kind.name().to_owned()),
        Ok(Query(api_query)),
    )
    .await;
    let (table, flash) = match answer {
        Ok(resp) => match read_csv(resp.into_response()).await {
            Ok((columns, rows)) => {
                if table::wants_export(&q) {
                    return table::export(&columns, rows, &q, kind.name());
                }
                (Some(table::show(&columns, rows, &q, &base)), None)
            }
            Err(e) => return failure(e),
        },
        // A parameter missing or wrong: the form says which.
        Err(e) if e.status == axum::http::StatusCode::BAD_REQUEST => {
            (None, Some(Flash::error(e.message)))
        }
        Err(e) => return failure(e),
    };
    page(
        ReportPage {
            layout: layout.with_flash(flash),
            action,
            description: kind.describe(),
            fields,
            table,
        }
        .render(),
    )
}

/// The report's CSV as columns and rows; a column whose every cell is a
/// figure sorts as figures.
async fn read_csv(resp: Response) -> Result<(Vec<Column>, Vec<Vec<Cell>>), crate::api::ApiError> {
    let internal = |m: String| {
        crate::api::ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
    };
    let bytes = axum::body::to_bytes(resp.into_body(), MAX_REPORT_BYTES)
        .await
        .map_err(|e| internal(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_ref());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| internal(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut texts: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| internal(e.to_string()))?;
        texts.push(
            record
                .iter()
                .map(|c| crate::csv_io::unsafe_cell(c).to_owned())
                .collect(),
        );
    }
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            let mut cells = texts
                .iter()
                .filter_map(|r| r.get(i))
                .filter(|c| !c.is_empty())
                .peekable();
            cells.peek().is_some() && cells.all(|c| c.parse::<sparescan_core::qty::Qty>().is_ok())
        })
        .collect();
    let columns = header
        .iter()
        .zip(&numeric)
        .map(|(h, n)| Column {
            label: Cow::Owned(h.replace('_', " ")),
            key: Cow::Owned(h.clone()),
            numeric: *n,
        })
        .collect();
    let rows = texts
        .into_iter()
        .map(|r| {
            r.into_iter()
                .enumerate()
                .map(|(i, c)| {
                    if numeric.get(i).copied().unwrap_or(false) {
                        Cell::figure(c)
                    } else {
                        Cell::text(c)
                    }
                })
                .collect()
        })
        .collect();
    Ok((columns, rows))
}
