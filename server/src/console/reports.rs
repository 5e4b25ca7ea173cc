//! Every report as a page: the list of reports the person may read, and
//! each report's table with its own parameters as a form. The numbers come
//! from the API's report handler (its CSV, the same rights and checks), so
//! the page, the export and the API agree.

use super::i18n::{self, Lang, Tr};
use super::layout::{Flash, Layout};
use super::table::{self, Cell, Column, Shown, TableQuery};
use super::{Person, encode, failure, page, words};
use crate::api::AppState;
use crate::reports::{REPORT_ROLES, ReportKind};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sparescan_core::document::DocKind;
use sparescan_core::model::{Condition, ReserveStatus, WoStatus};
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
        "by" => ("Total by", "select"),
        "account" => ("Cost account", "text"),
        "template" => ("Work template", "text"),
        _ => ("", "text"),
    }
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ListPage {
    layout: Layout,
    reports: Vec<(String, &'static str, &'static str)>,
}

async fn list(Person(auth, tr): Person) -> Response {
    let readable = ReportKind::readable_by(&auth.user);
    // No report for them: refused as the API refuses.
    if readable.is_empty()
        && let Err(e) = auth.require(REPORT_ROLES)
    {
        return failure(tr, e);
    }
    page(
        ListPage {
            layout: Layout::of(&auth, tr, tr.t("Reports"), "/console/reports"),
            reports: readable
                .into_iter()
                .map(|k| {
                    (
                        format!("/console/reports/{}", k.name()),
                        tr.t(title(k)),
                        tr.t(k.describe()),
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
    /// A choice's values and their words (the first is the default).
    pub options: Vec<(&'static str, &'static str)>,
}

impl Field {
    fn chosen(&self, value: &str) -> bool {
        self.value == value
            || (self.value.is_empty() && self.options.first().is_some_and(|o| o.0 == value))
    }
}

/// The choices of a parameter that takes one of a few words.
fn param_options(tr: Tr, name: &str) -> Vec<(&'static str, &'static str)> {
    match name {
        "by" => vec![
            ("order", tr.t("Work order")),
            ("asset", tr.t("Asset")),
            ("account", tr.t("Cost account")),
        ],
        _ => Vec::new(),
    }
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
    Person(auth, tr): Person,
    Path(name): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let kind = match ReportKind::parse(&name) {
        Ok(k) => k,
        Err(e) => return failure(tr, e.into()),
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
                label: tr.t(label),
                input,
                value: given
                    .iter()
                    .find(|(k, _)| k == p)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                options: param_options(tr, p),
            }
        })
        .collect();
    let action = format!("/console/reports/{}", kind.name());
    let base = table::with_filters(&action, given.iter().map(|(k, v)| table::param(k, v)));
    let layout = Layout::of(&auth, tr, tr.t(title(kind)), "/console/reports");
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
        Ok(resp) => match read_csv(tr, kind, resp.into_response()).await {
            Ok((columns, rows)) => {
                if table::wants_export(&q) {
                    return table::export(tr, &columns, rows, &q, kind.name());
                }
                (Some(table::show(tr, &columns, rows, &q, &base)), None)
            }
            Err(e) => return failure(tr, e),
        },
        // A parameter missing or wrong: the form says which.
        Err(e) if e.status == axum::http::StatusCode::BAD_REQUEST => {
            (None, Some(Flash::error(tr.api_error(&e))))
        }
        Err(e) => return failure(tr, e),
    };
    page(
        ReportPage {
            layout: layout.with_flash(flash),
            action,
            description: tr.t(kind.describe()),
            fields,
            table,
        }
        .render(),
    )
}

/// A report's own word (a snake_case status, kind or condition, `true`)
/// as the console words it elsewhere.
fn worded_cell(tr: Tr, kind: ReportKind, column: &str, cell: &str) -> String {
    fn parse<T: serde::de::DeserializeOwned>(cell: &str) -> Option<T> {
        serde_json::from_value(serde_json::Value::String(cell.to_owned())).ok()
    }
    if column.starts_with("place") {
        return place(tr, cell);
    }
    let reserve_column = kind == ReportKind::HangingReserves && column == "status";
    if reserve_column && let Some(s) = parse::<ReserveStatus>(cell) {
        return words::reserve_status(tr, s).to_owned();
    }
    if let Some(s) = parse::<WoStatus>(cell) {
        return words::status(tr, s).to_owned();
    }
    if let Some(k) = parse::<DocKind>(cell) {
        return tr.doc_kind(k).to_owned();
    }
    if let Some(c) = parse::<Condition>(cell) {
        return words::condition(tr, c).to_owned();
    }
    match cell {
        "true" => tr.t("yes").to_owned(),
        "false" => tr.t("no").to_owned(),
        other => tr.word(other),
    }
}

/// Where a serial unit is, as the reports write it (`reports::assets`),
/// most specific first; the particulars are data, a condition is worded.
/// The catalog has each as `place: …`, out of the way of the patterns API
/// messages are matched against.
const PLACES: &[&str] = &[
    "bin {bin}, {condition}, batch {batch}",
    "bin {bin}, {condition}",
    "from {asset} by {holder}, {order}",
    "{holder}, emergency issue {doc}",
    "transfer {transfer}",
];

/// A serial unit's place in the reader's language.
fn place(tr: Tr, cell: &str) -> String {
    if tr.lang() == Lang::En {
        return cell.to_owned();
    }
    for pattern in PLACES {
        if let Some(values) = i18n::captures(pattern, cell) {
            let worded: Vec<(&str, String)> = values
                .into_iter()
                .map(|(name, value)| {
                    let parsed = serde_json::from_value::<Condition>(value.into());
                    match (name, parsed) {
                        ("condition", Ok(c)) => (name, words::condition(tr, c).to_owned()),
                        _ => (name, value.to_owned()),
                    }
                })
                .collect();
            let args: Vec<(&str, &dyn std::fmt::Display)> = worded
                .iter()
                .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
                .collect();
            let key = format!("place: {pattern}");
            let russian = tr.word(&key);
            return i18n::fill(russian.strip_prefix("place: ").unwrap_or(&russian), &args);
        }
    }
    cell.to_owned()
}

/// Report columns whose values are words of the report itself.
const WORDED_COLUMNS: &[&str] = &[
    "kind",
    "status",
    "order_status",
    "kpi",
    "group",
    "returned_condition",
    "state_before",
    "state_after",
    "overdue",
    "additional",
    "conformity",
    "in_template",
    "place_before",
    "place_after",
    "place_now",
];

/// The report's CSV as columns and rows; a column whose every cell is a
/// figure sorts as figures.
async fn read_csv(
    tr: Tr,
    kind: ReportKind,
    resp: Response,
) -> Result<(Vec<Column>, Vec<Vec<Cell>>), crate::api::ApiError> {
    let internal = |m: String| {
        crate::api::ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
    };
    let bytes = axum::body::to_bytes(resp.into_body(), MAX_REPORT_BYTES)
        .await
        .map_err(|e| internal(e.to_string()))?;
    let table::CsvTable {
        header,
        texts,
        numeric,
    } = table::CsvTable::read(&bytes).map_err(internal)?;
    let columns = header
        .iter()
        .zip(&numeric)
        .map(|(h, n)| Column {
            label: Cow::Owned(h.replace('_', " ")),
            key: Cow::Owned(h.clone()),
            numeric: *n,
        })
        .collect();
    // Columns whose cells are the report's own words (a kind, a status,
    // a KPI's name), not data people typed: those are translated.
    let worded: Vec<bool> = header
        .iter()
        .map(|h| WORDED_COLUMNS.contains(&h.as_str()))
        .collect();
    let rows = texts
        .into_iter()
        .map(|r| {
            let links: Vec<Option<String>> =
                (0..r.len()).map(|i| drill_down(&header, &r, i)).collect();
            r.into_iter()
                .zip(links)
                .enumerate()
                .map(|(i, (c, link))| {
                    if numeric.get(i).copied().unwrap_or(false) {
                        Cell::figure(c)
                    } else if worded.get(i).copied().unwrap_or(false) && !c.is_empty() {
                        Cell::text(worded_cell(tr, kind, &header[i], &c))
                    } else if let Some(href) = link {
                        Cell::link(c, href)
                    } else {
                        Cell::text(c)
                    }
                })
                .collect()
        })
        .collect();
    Ok((columns, rows))
}

/// Where a report's cell leads: an order to its card, an asset to its
/// history, a serial unit to its history, an item to its stock.
fn drill_down(header: &[String], row: &[String], i: usize) -> Option<String> {
    let value = row.get(i).filter(|v| !v.is_empty())?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|j| row.get(j))
            .filter(|v| !v.is_empty())
    };
    let v = encode(value);
    Some(match header.get(i)?.as_str() {
        "work_order" => format!("/console/work-orders/{v}"),
        "asset" => format!("/console/reports/asset-history?asset={v}"),
        "serial" => format!(
            "/console/reports/serial-history?item={}&serial={v}",
            encode(column("item")?)
        ),
        "item" => format!("/console/stock?item={v}"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::i18n::{Lang, has_russian};

    #[test]
    fn every_report_has_its_words_in_russian() {
        let mut missing = Vec::new();
        for k in ReportKind::ALL {
            let mut texts = vec![title(k), k.describe()];
            texts.extend(k.params().iter().map(|p| param_field(p).0));
            missing.extend(texts.into_iter().filter(|t| !has_russian(t)));
        }
        // Every column any report writes, as its page heads it.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/reports");
        let mut sources = vec![dir.clone()];
        let mut headers = Vec::new();
        while let Some(d) = sources.pop() {
            for entry in std::fs::read_dir(&d).expect("reports dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read");
                    for part in text.split("const HEADER").skip(1) {
                        let list = part.split("];").next().unwrap_or("");
                        let list = list.split_once("= &[").map_or("", |(_, l)| l);
                        headers.extend(
                            list.split('"')
                                .skip(1)
                                .step_by(2)
                                .map(|h| h.replace('_', " ")),
                        );
                    }
                }
            }
        }
        assert!(headers.len() > 50, "the reports' headers were found");
        missing.extend(
            headers
                .iter()
                .filter(|h| !has_russian(h))
                .map(|h| h.as_str()),
        );
        assert!(missing.is_empty(), "no Russian for: {missing:?}");
    }

    #[test]
    fn report_rows_lead_to_what_they_name() {
        let header: Vec<String> = ["work_order", "item", "serial", "asset", "qty"]
            .map(String::from)
            .to_vec();
        let row: Vec<String> = ["WO 1", "BRG-6205", "SN/7", "PUMP-3", "2"]
            .map(String::from)
            .to_vec();
        let links: Vec<Option<String>> = (0..5).map(|i| drill_down(&header, &row, i)).collect();
        assert_eq!(links[0].as_deref(), Some("/console/work-orders/WO%201"));
        assert_eq!(links[1].as_deref(), Some("/console/stock?item=BRG-6205"));
        assert_eq!(
            links[2].as_deref(),
            Some("/console/reports/serial-history?item=BRG-6205&serial=SN%2F7")
        );
        assert_eq!(
            links[3].as_deref(),
            Some("/console/reports/asset-history?asset=PUMP-3")
        );
        assert_eq!(links[4], None);
        let empty: Vec<String> = ["", "BRG-6205", "", "", ""].map(String::from).to_vec();
        assert_eq!(drill_down(&header, &empty, 0), None, "nothing to open");
    }

    #[test]
    fn report_words_read_as_the_console_says_them() {
        let ru = Tr(Lang::Ru);
        assert_eq!(
            worded_cell(ru, ReportKind::Consumption, "status", "in_progress"),
            "В работе"
        );
        assert_eq!(
            worded_cell(ru, ReportKind::HangingReserves, "status", "created"),
            "Ещё ничего не закреплено"
        );
        assert_eq!(
            worded_cell(ru, ReportKind::Consumption, "kind", "write_off"),
            "Списание"
        );
        assert_eq!(
            worded_cell(ru, ReportKind::Consumption, "additional", "true"),
            "да"
        );
        assert_eq!(
            worded_cell(Tr(Lang::En), ReportKind::Consumption, "kind", "write_off"),
            "Write-off"
        );
    }

    #[test]
    fn places_of_serial_units_read_in_russian() {
        for p in PLACES {
            assert!(i18n::has_russian(&format!("place: {p}")), "{p}");
        }
        let ru = Tr(Lang::Ru);
        let place = |cell: &str| worded_cell(ru, ReportKind::SerialHistory, "place_after", cell);
        assert_eq!(
            place("bin A-01, under_inspection, batch L-7"),
            "ячейка A-01, Требует проверки — карантин, партия L-7"
        );
        assert_eq!(place("bin A-01, new"), "ячейка A-01, Новое");
        assert_eq!(
            place("from PUMP-3 by tech-1, WO-1"),
            "снят с PUMP-3, снял tech-1, WO-1"
        );
        assert_eq!(place("transfer TR-9"), "перемещение TR-9");
        assert_eq!(
            place("tech-1, emergency issue 0190-ab"),
            "tech-1, аварийная выдача 0190-ab"
        );
        // Data alone (a holder, an asset and position) stays as it is.
        assert_eq!(place("PUMP-3, pos 2"), "PUMP-3, pos 2");
        assert_eq!(
            worded_cell(
                ru,
                ReportKind::AssetHistory,
                "place_now",
                "bin R-01, rejected"
            ),
            "ячейка R-01, Брак"
        );
        let en = worded_cell(
            Tr(Lang::En),
            ReportKind::SerialHistory,
            "place_after",
            "bin A-01, new",
        );
        assert_eq!(en, "bin A-01, new");
    }
}
