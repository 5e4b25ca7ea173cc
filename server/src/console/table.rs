//! Tables as people expect them: sorted by any column, paged on the
//! server, filters and order kept in the URL (a link can be shared), and
//! the CSV export of exactly the filtered, sorted table (formula-safe,
//! `csv_io::safe_cell`).

use super::i18n::Tr;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sparescan_core::qty::Qty;

/// Rows per page.
pub const PAGE_ROWS: usize = 50;

pub struct Column {
    /// Its name in the URL (`sort=`) and the CSV header.
    pub key: std::borrow::Cow<'static, str>,
    pub label: std::borrow::Cow<'static, str>,
    /// Figures: right-aligned and sorted as numbers.
    pub numeric: bool,
}

impl Column {
    pub const fn text(key: &'static str, label: &'static str) -> Self {
        Column {
            key: std::borrow::Cow::Borrowed(key),
            label: std::borrow::Cow::Borrowed(label),
            numeric: false,
        }
    }
    pub const fn number(key: &'static str, label: &'static str) -> Self {
        Column {
            key: std::borrow::Cow::Borrowed(key),
            label: std::borrow::Cow::Borrowed(label),
            numeric: true,
        }
    }
}

pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// How the cell sorts: figures by value, text by its words.
    sort: SortKey,
}

/// How a cell sorts: figures by value, text by its words (ignoring case).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Number(i64),
    Text(String),
}

impl SortKey {
    pub fn text(t: &str) -> Self {
        SortKey::Text(t.to_lowercase())
    }
}

/// A row of a table. Only the rows shown (or exported) become cells: a
/// page of a 100,000-row table sorts 100,000 keys and renders 50 rows.
pub trait Row {
    fn sort_key(&self, column: usize) -> SortKey;
    fn into_cells(self) -> Vec<Cell>;
}

/// A row made of its cells already (small tables, reports).
impl Row for Vec<Cell> {
    fn sort_key(&self, column: usize) -> SortKey {
        self.get(column)
            .map(|c| c.sort.clone())
            .unwrap_or(SortKey::Number(0))
    }
    fn into_cells(self) -> Vec<Cell> {
        self
    }
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Cell {
            sort: SortKey::Text(text.to_lowercase()),
            text,
            href: None,
        }
    }
    pub fn link(text: impl Into<String>, href: String) -> Self {
        Cell {
            href: Some(href),
            ..Cell::text(text)
        }
    }
    pub fn qty(q: Qty) -> Self {
        Cell {
            text: q.to_string(),
            href: None,
            sort: SortKey::Number(q.milli()),
        }
    }
    /// A figure as written (a quantity, an amount, a count): shown as it
    /// is, sorted by its value.
    pub fn figure(text: String) -> Self {
        match text.parse::<Qty>() {
            Ok(q) => Cell {
                text,
                href: None,
                sort: SortKey::Number(q.milli()),
            },
            Err(_) => Cell::text(text),
        }
    }
    pub fn count(n: usize) -> Self {
        Cell {
            text: n.to_string(),
            href: None,
            sort: SortKey::Number(i64::try_from(n).unwrap_or(i64::MAX)),
        }
    }
}

/// What the URL asks of a table besides its filters. Every field is
/// text: flattened into a page's filters, serde hands numbers over as
/// strings (a `usize` here refused every `page=`).
#[derive(Debug, Default, Deserialize)]
pub struct TableQuery {
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub page: Option<String>,
    pub format: Option<String>,
}

impl TableQuery {
    /// The page asked for, from 1 (a page that is not a number: the first).
    pub fn page(&self) -> usize {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(1)
    }

    fn sorted_by(&self, columns: &[Column]) -> Option<usize> {
        self.sort
            .as_deref()
            .and_then(|k| columns.iter().position(|c| c.key == k))
    }

    fn descending(&self) -> bool {
        self.dir.as_deref() == Some("desc")
    }
}

/// A table's header cell: its label, the link that sorts by it, and how it
/// is sorted now (for `aria-sort`).
pub struct Head {
    pub label: String,
    pub href: String,
    pub aria_sort: &'static str,
    pub numeric: bool,
}

/// One page of a table, ready for the template.
pub struct Shown {
    pub heads: Vec<Head>,
    pub rows: Vec<Vec<Cell>>,
    pub numeric: Vec<bool>,
    /// "Rows 1–50 of 123".
    pub summary: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub csv: String,
    pub xlsx: String,
}

/// Sorts `rows` as the query asks and shows its page. `base` is the page's
/// path with its filters as a query (`/console/stock?item=X`).
pub fn show<R: Row>(
    tr: Tr,
    columns: &[Column],
    mut rows: Vec<R>,
    q: &TableQuery,
    base: &str,
) -> Shown {
    let sorted_by = q.sorted_by(columns);
    let descending = q.descending();
    sort(&mut rows, sorted_by, descending);
    let total = rows.len();
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = q.page().clamp(1, pages);
    let first = (page - 1) * PAGE_ROWS;
    let shown: Vec<Vec<Cell>> = rows
        .into_iter()
        .skip(first)
        .take(PAGE_ROWS)
        .map(Row::into_cells)
        .collect();
    let join = if base.contains('?') { '&' } else { '?' };
    let order = match sorted_by {
        Some(i) => format!(
            "{join}sort={}&dir={}",
            columns[i].key,
            if descending { "desc" } else { "asc" }
        ),
        None => String::new(),
    };
    // What follows the filters and the order: `&` once there is a query.
    let sep = if base.contains('?') || !order.is_empty() {
        '&'
    } else {
        '?'
    };
    let at = |p: usize| format!("{base}{order}{sep}page={p}");
    let heads = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (aria_sort, next_dir) = match (sorted_by == Some(i), descending) {
                (true, false) => ("ascending", "desc"),
                (true, true) => ("descending", "asc"),
                (false, _) => ("none", "asc"),
            };
            Head {
                label: tr.word(&c.label),
                href: format!("{base}{join}sort={}&dir={next_dir}", c.key),
                aria_sort,
                numeric: c.numeric,
            }
        })
        .collect();
    let summary = if total == 0 {
        tr.t("No rows match.").to_owned()
    } else {
        tr.f(
            "Rows {first}–{last} of {total}",
            &[
                ("first", &(first + 1)),
                ("last", &(first + shown.len()).min(total)),
                ("total", &total),
            ],
        )
    };
    Shown {
        heads,
        numeric: columns.iter().map(|c| c.numeric).collect(),
        rows: shown,
        summary,
        previous: (page > 1).then(|| at(page - 1)),
        next: (page < pages).then(|| at(page + 1)),
        csv: format!("{base}{order}{sep}format=csv"),
        xlsx: format!("{base}{order}{sep}format=xlsx"),
    }
}

fn sort<R: Row>(rows: &mut [R], by: Option<usize>, descending: bool) {
    let Some(i) = by else { return };
    // Stable, so rows equal in this column keep their order.
    if descending {
        rows.sort_by_cached_key(|r| std::cmp::Reverse(r.sort_key(i)));
    } else {
        rows.sort_by_cached_key(|r| r.sort_key(i));
    }
}

/// The whole filtered, sorted table as a download named `name`: CSV, or
/// with `format=xlsx` a spreadsheet.
pub fn export<R: Row>(
    tr: Tr,
    columns: &[Column],
    rows: Vec<R>,
    q: &TableQuery,
    name: &str,
) -> Response {
    let (written, content_type, extension) = if q.format.as_deref() == Some("xlsx") {
        (
            xlsx_bytes(columns, rows, q),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        (
            csv_bytes(columns, rows, q),
            "text/csv; charset=utf-8",
            "csv",
        )
    };
    match written {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.{extension}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => super::error_page(
            tr,
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            &tr.f(
                "The export could not be written ({why}): try again.",
                &[("why", &e)],
            ),
        ),
    }
}

/// The table as a spreadsheet: a header row, then every row; figures as
/// numbers a spreadsheet can add up, everything else as text (a cell
/// written as text is never taken as a formula).
fn xlsx_bytes<R: Row>(
    columns: &[Column],
    mut rows: Vec<R>,
    q: &TableQuery,
) -> Result<Vec<u8>, String> {
    sort(&mut rows, q.sorted_by(columns), q.descending());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for (c, column) in columns.iter().enumerate() {
        sheet
            .write_string_with_format(0, col(c)?, column.key.as_ref(), &bold)
            .map_err(err)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| "too many rows for a spreadsheet".to_owned())?;
        for (c, cell) in row.into_cells().into_iter().enumerate() {
            match (&cell.sort, columns.get(c).is_some_and(|k| k.numeric)) {
                // Thousandths, as the quantity is kept: exact in a double.
                (SortKey::Number(milli), true) => sheet
                    .write_number(r, col(c)?, *milli as f64 / 1000.0)
                    .map_err(err)?,
                _ => sheet.write_string(r, col(c)?, &cell.text).map_err(err)?,
            };
        }
    }
    book.save_to_buffer().map_err(err)
}

fn col(c: usize) -> Result<u16, String> {
    u16::try_from(c).map_err(|_| "too many columns for a spreadsheet".to_owned())
}

fn csv_bytes<R: Row>(
    columns: &[Column],
    mut rows: Vec<R>,
    q: &TableQuery,
) -> Result<Vec<u8>, String> {
    sort(&mut rows, q.sorted_by(columns), q.descending());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns.iter().map(|c| c.key.as_ref()))
        .map_err(|e| e.to_string())?;
    for row in rows {
        w.write_record(
            row.into_cells()
                .iter()
                .map(|c| crate::csv_io::safe_cell(&c.text).into_owned()),
        )
        .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// A CSV file the server wrote (a report, master data) read back as a
/// table: its header, its cells (formula guards taken off) and which
/// columns hold only figures.
pub struct CsvTable {
    pub header: Vec<String>,
    pub texts: Vec<Vec<String>>,
    pub numeric: Vec<bool>,
}

impl CsvTable {
    pub fn read(bytes: &[u8]) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut texts: Vec<Vec<String>> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| e.to_string())?;
            texts.push(
                record
                    .iter()
                    .map(|c| crate::csv_io::unsafe_cell(c).to_owned())
                    .collect(),
            );
        }
        // A column whose every cell is a figure sorts as figures.
        let numeric = (0..header.len())
            .map(|i| {
                let mut cells = texts
                    .iter()
                    .filter_map(|r| r.get(i))
                    .filter(|c| !c.is_empty())
                    .peekable();
                cells.peek().is_some() && cells.all(|c| c.parse::<Qty>().is_ok())
            })
            .collect();
        Ok(CsvTable {
            header,
            texts,
            numeric,
        })
    }
}

impl TableQuery {
    /// The table's part of a query given as pairs (a page whose other
    /// parameters are not known in advance).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        TableQuery {
            sort: get("sort"),
            dir: get("dir"),
            page: get("page"),
            format: get("format"),
        }
    }
}

/// Whether the query asks for an export (CSV or XLSX) instead of a page.
pub fn wants_export(q: &TableQuery) -> bool {
    matches!(q.format.as_deref(), Some("csv" | "xlsx"))
}

/// A filter's `name=value` for a URL, or nothing when it is empty.
pub fn param(name: &str, value: &str) -> Option<String> {
    (!value.is_empty()).then(|| format!("{name}={}", super::encode(value)))
}

/// `path` with the filters that are set.
pub fn with_filters(path: &str, filters: impl IntoIterator<Item = Option<String>>) -> String {
    let set: Vec<String> = filters.into_iter().flatten().collect();
    if set.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", set.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 2] = [Column::text("item", "Item"), Column::number("qty", "Qty")];

    fn rows(n: usize) -> Vec<Vec<Cell>> {
        (0..n)
            .map(|i| {
                vec![
                    Cell::text(format!("item-{i:03}")),
                    Cell::qty(Qty::units((i % 7) as i64)),
                ]
            })
            .collect()
    }

    #[test]
    fn pages_keep_filters_and_order_in_the_url() {
        let q = TableQuery {
            sort: Some("qty".into()),
            dir: Some("desc".into()),
            page: Some("2".into()),
            format: None,
        };
        let shown = show(
            Tr::default(),
            &COLUMNS,
            rows(120),
            &q,
            "/console/stock?bin=A-1",
        );
        assert_eq!(shown.rows.len(), PAGE_ROWS);
        assert_eq!(shown.summary, "Rows 51–100 of 120");
        assert_eq!(
            shown.previous.as_deref(),
            Some("/console/stock?bin=A-1&sort=qty&dir=desc&page=1")
        );
        assert_eq!(
            shown.next.as_deref(),
            Some("/console/stock?bin=A-1&sort=qty&dir=desc&page=3")
        );
        assert_eq!(
            shown.csv,
            "/console/stock?bin=A-1&sort=qty&dir=desc&format=csv"
        );
        assert_eq!(shown.heads[1].aria_sort, "descending");
        assert_eq!(
            shown.heads[1].href,
            "/console/stock?bin=A-1&sort=qty&dir=asc"
        );
        assert_eq!(shown.heads[0].aria_sort, "none");
    }

    #[test]
    fn figures_sort_by_value_not_by_text() {
        let q = TableQuery {
            sort: Some("qty".into()),
            ..TableQuery::default()
        };
        let r = vec![
            vec![Cell::text("a"), Cell::qty(Qty::units(10))],
            vec![Cell::text("b"), Cell::qty(Qty::units(9))],
        ];
        let shown = show(Tr::default(), &COLUMNS, r, &q, "/x");
        assert_eq!(shown.rows[0][1].text, "9");
        assert_eq!(shown.csv, "/x?sort=qty&dir=asc&format=csv");
    }

    #[test]
    fn a_page_past_the_end_shows_the_last() {
        let q = TableQuery {
            page: Some("99".into()),
            ..TableQuery::default()
        };
        let shown = show(Tr::default(), &COLUMNS, rows(3), &q, "/x");
        let wrong = TableQuery {
            page: Some("two".into()),
            ..TableQuery::default()
        };
        assert_eq!(wrong.page(), 1, "a page that is not a number: the first");
        assert_eq!(shown.rows.len(), 3);
        assert!(shown.next.is_none() && shown.previous.is_none());
        let empty = show(Tr::default(), &COLUMNS, Vec::<Vec<Cell>>::new(), &q, "/x");
        assert_eq!(empty.summary, "No rows match.");
    }

    #[test]
    fn the_spreadsheet_holds_text_as_text_and_figures_as_numbers() {
        let r = vec![vec![Cell::text("=1+1"), Cell::qty("2.5".parse().unwrap())]];
        let bytes = xlsx_bytes(&COLUMNS, r, &TableQuery::default()).unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
        let res = export(
            Tr::default(),
            &COLUMNS,
            vec![vec![Cell::text("x"), Cell::qty(Qty::units(1))]],
            &TableQuery {
                format: Some("xlsx".into()),
                ..TableQuery::default()
            },
            "stock",
        );
        assert_eq!(
            res.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"stock.xlsx\""
        );
    }

    #[test]
    fn the_export_is_the_sorted_table_and_formula_safe() {
        let r = vec![
            vec![Cell::text("=HYPERLINK(\"x\")"), Cell::qty(Qty::units(2))],
            vec![Cell::text("plain"), Cell::qty(Qty::units(1))],
        ];
        let q = TableQuery {
            sort: Some("qty".into()),
            ..TableQuery::default()
        };
        let text = String::from_utf8(csv_bytes(&COLUMNS, r, &q).unwrap()).unwrap();
        assert_eq!(text, "item,qty\nplain,1\n\"'=HYPERLINK(\"\"x\"\")\",2\n");
    }
}
