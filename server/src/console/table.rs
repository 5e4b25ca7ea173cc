//! Tables as people expect them: sorted by any column, paged on the
//! server, filters and order kept in the URL (a link can be shared), and
//! the CSV export of exactly the filtered, sorted table (formula-safe,
//! `csv_io::safe_cell`).

use super::i18n::Tr;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sparescan_core::qty::Qty;
use std::borrow::Cow;
use std::cmp::Ordering;

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

#[derive(Clone)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// How the cell sorts: figures by value, text by its words.
    sort: SortKey<'static>,
}

/// How a cell sorts: figures by value, text by its words ignoring case.
/// Text is borrowed from the row where it can be and folded to lower case
/// as it is compared, so a million keys cost no allocation.
#[derive(Debug, Clone)]
pub enum SortKey<'a> {
    Number(i64),
    Text(Cow<'a, str>),
}

impl<'a> SortKey<'a> {
    pub fn text(t: &'a str) -> Self {
        SortKey::Text(Cow::Borrowed(t))
    }
    pub fn owned(t: String) -> SortKey<'static> {
        SortKey::Text(Cow::Owned(t))
    }
    fn reborrow(&self) -> SortKey<'_> {
        match self {
            SortKey::Number(n) => SortKey::Number(*n),
            SortKey::Text(t) => SortKey::Text(Cow::Borrowed(t.as_ref())),
        }
    }
}

impl Ord for SortKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (SortKey::Number(a), SortKey::Number(b)) => a.cmp(b),
            (SortKey::Number(_), SortKey::Text(_)) => Ordering::Less,
            (SortKey::Text(_), SortKey::Number(_)) => Ordering::Greater,
            (SortKey::Text(a), SortKey::Text(b)) => cmp_folded(a, b),
        }
    }
}

/// Whether `text` holds `needle` (already lower case), ignoring case,
/// without a lower-case copy of `text` (a million serial numbers are
/// searched at a time, every cell of a 100,000-item list).
pub fn contains_folded(text: &str, needle: &str) -> bool {
    if text.is_ascii() && needle.is_ascii() {
        let (t, n) = (text.as_bytes(), needle.as_bytes());
        n.is_empty() || t.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        text.to_lowercase().contains(needle)
    }
}

/// `a` against `b` ignoring case: byte by byte while both are ASCII (a
/// million serial numbers are compared this way), by lower-case letters
/// from the first other character on.
pub(super) fn cmp_folded(a: &str, b: &str) -> Ordering {
    for (i, (x, y)) in a.bytes().zip(b.bytes()).enumerate() {
        if !x.is_ascii() || !y.is_ascii() {
            // A character of several bytes starts here (the bytes before
            // were ASCII, so `i` is a boundary in both).
            return a[i..]
                .chars()
                .flat_map(char::to_lowercase)
                .cmp(b[i..].chars().flat_map(char::to_lowercase));
        }
        match x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    // One is the other's beginning: the shorter first (every character
    // has a lower case of at least one character).
    a.len().cmp(&b.len())
}

impl PartialOrd for SortKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SortKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortKey<'_> {}

/// A row of a table. Only the rows shown (or exported) become cells: a
/// page of a 100,000-row table sorts 100,000 keys and renders 50 rows.
pub trait Row {
    fn sort_key(&self, column: usize) -> SortKey<'_>;
    fn into_cells(self) -> Vec<Cell>;
}

/// A row made of its cells already (small tables, reports).
impl Row for Vec<Cell> {
    fn sort_key(&self, column: usize) -> SortKey<'_> {
        self.get(column)
            .map(|c| c.sort.reborrow())
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
            sort: SortKey::owned(text.clone()),
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

    pub fn sorted_by(&self, columns: &[Column]) -> Option<usize> {
        self.sort
            .as_deref()
            .and_then(|k| columns.iter().position(|c| c.key == k))
    }

    pub fn descending(&self) -> bool {
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
///
/// Unsorted, the rows are not gathered: a table whose size is known (a
/// million serial units, unfiltered) is only walked to its page.
pub fn show<R: Row>(
    tr: Tr,
    columns: &[Column],
    rows: impl IntoIterator<Item = R>,
    q: &TableQuery,
    base: &str,
) -> Shown {
    let (picked, total, page) = select(
        rows.into_iter(),
        q.sorted_by(columns),
        q.descending(),
        q.page(),
    );
    show_page(tr, columns, picked, total, page, q, base)
}

/// The page asked for, from 1, within a table of `total` rows.
pub fn page_within(asked: usize, total: usize) -> usize {
    asked.clamp(1, total.div_ceil(PAGE_ROWS).max(1))
}

/// The table showing `picked`, page `page` of `total` rows in the order `q`
/// asks for, found by its caller (who keeps the rows in that order).
pub fn show_page<R: Row>(
    tr: Tr,
    columns: &[Column],
    picked: Vec<R>,
    total: usize,
    page: usize,
    q: &TableQuery,
    base: &str,
) -> Shown {
    let sorted_by = q.sorted_by(columns);
    let descending = q.descending();
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let first = (page - 1) * PAGE_ROWS;
    let shown: Vec<Vec<Cell>> = picked.into_iter().map(Row::into_cells).collect();
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

/// Page `asked` (from 1, kept within the table) of `rows` in the order
/// asked: its rows, the table's size and the page's number.
fn select<R: Row>(
    rows: impl Iterator<Item = R>,
    by: Option<usize>,
    descending: bool,
    asked: usize,
) -> (Vec<R>, usize, usize) {
    let page_for = |total: usize| page_within(asked, total);
    if let Some(by) = by {
        // A page near the top of a big table: the rows up to it are kept
        // while the table is walked, the rest never gathered. A page deep
        // in it: every row's key, partitioned around the page.
        let keep = (asked.max(1) - 1)
            .saturating_mul(PAGE_ROWS)
            .saturating_add(PAGE_ROWS);
        let deep = keep > KEPT_ROWS
            || match rows.size_hint() {
                (known, Some(upper)) if known == upper => keep > known / DEEP,
                _ => false,
            };
        if !deep {
            return top_of(rows, by, descending, keep, page_for);
        }
        let all: Vec<R> = rows.collect();
        let (total, page) = (all.len(), page_for(all.len()));
        let first = (page - 1) * PAGE_ROWS;
        return (page_of(all, by, descending, first), total, page);
    }
    if let (known, Some(upper)) = rows.size_hint()
        && known == upper
    {
        let page = page_for(known);
        let picked = rows.skip((page - 1) * PAGE_ROWS).take(PAGE_ROWS).collect();
        return (picked, known, page);
    }
    // Size unknown (filtered): walk it once, keeping the page asked and,
    // in case that is past the end, the last page's rows.
    let first = (asked.max(1) - 1).saturating_mul(PAGE_ROWS);
    let mut in_page = Vec::new();
    let mut last_page = Vec::with_capacity(PAGE_ROWS);
    let mut total = 0;
    for row in rows {
        if (first..first.saturating_add(PAGE_ROWS)).contains(&total) {
            in_page.push(row);
        } else {
            if total % PAGE_ROWS == 0 {
                last_page.clear();
            }
            last_page.push(row);
        }
        total += 1;
    }
    let page = page_for(total);
    if in_page.is_empty() {
        (last_page, total, page)
    } else {
        (in_page, total, page)
    }
}

/// Past this share of a table's rows, or past this many rows, a page is
/// found by partitioning them all rather than by keeping the best ones
/// while walking (a heap of tens of thousands costs more than the
/// partition).
const DEEP: usize = 8;
const KEPT_ROWS: usize = 100 * PAGE_ROWS;

/// A row kept while walking a table: its key (owned: the row it borrows
/// from moves), the first bytes of it, and where it was.
struct Ranked<R> {
    prefix: u128,
    key: SortKey<'static>,
    at: usize,
    descending: bool,
    row: R,
}

impl<R> Ranked<R> {
    fn keyed(&self) -> Keyed<'_> {
        Keyed {
            prefix: self.prefix,
            key: self.key.reborrow(),
            at: self.at,
        }
    }
}

impl<R> Ord for Ranked<R> {
    fn cmp(&self, other: &Self) -> Ordering {
        in_order(&self.keyed(), &other.keyed(), self.descending)
    }
}

impl<R> PartialOrd for Ranked<R> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<R> PartialEq for Ranked<R> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<R> Eq for Ranked<R> {}

/// The page of `rows` sorted as asked when only the first `keep` rows in
/// that order can be on it: walked once, the best `keep` kept in a heap
/// whose worst is the one to beat, so a million rows cost a comparison
/// each and only those that enter the heap are copied. Also the table's
/// size and the page's number.
fn top_of<R: Row>(
    rows: impl Iterator<Item = R>,
    column: usize,
    descending: bool,
    keep: usize,
    page_for: impl Fn(usize) -> usize,
) -> (Vec<R>, usize, usize) {
    let mut heap: std::collections::BinaryHeap<Ranked<R>> = std::collections::BinaryHeap::new();
    let mut total = 0;
    for row in rows {
        let at = total;
        total += 1;
        let key = row.sort_key(column);
        let prefix = match &key {
            SortKey::Text(t) => folded_prefix(t),
            SortKey::Number(_) => 0,
        };
        if heap.len() >= keep {
            let Some(worst) = heap.peek() else { continue };
            let candidate = Keyed {
                prefix,
                key: key.reborrow(),
                at,
            };
            if in_order(&candidate, &worst.keyed(), descending) != Ordering::Less {
                continue;
            }
            heap.pop();
        }
        let key = match key {
            SortKey::Number(n) => SortKey::Number(n),
            SortKey::Text(t) => SortKey::owned(t.into_owned()),
        };
        heap.push(Ranked {
            prefix,
            key,
            at,
            descending,
            row,
        });
    }
    let page = page_for(total);
    let first = (page - 1) * PAGE_ROWS;
    let picked = heap
        .into_sorted_vec()
        .into_iter()
        .skip(first)
        .take(PAGE_ROWS)
        .map(|r| r.row)
        .collect();
    (picked, total, page)
}

/// The rows `first..first + PAGE_ROWS` of the table sorted as asked, in
/// that order. Only the page is put in order: the rest is partitioned
/// around it (linear time), so a page of a million rows costs their keys
/// and not a full sort. Ties keep the rows' own order, as a stable sort
/// would.
fn page_of<R: Row>(rows: Vec<R>, column: usize, descending: bool, first: usize) -> Vec<R> {
    if first >= rows.len() {
        return Vec::new();
    }
    let mut keys = keyed(&rows, column);
    let order = |a: &Keyed, b: &Keyed| in_order(a, b, descending);
    // Everything before `first` to the left, then the page's rows sorted.
    keys.select_nth_unstable_by(first, order);
    let end = (first + PAGE_ROWS).min(keys.len());
    let tail = &mut keys[first..];
    if end - first < tail.len() {
        tail.select_nth_unstable_by(end - first, order);
    }
    let page = &mut keys[first..end];
    page.sort_unstable_by(order);
    let wanted: Vec<usize> = page.iter().map(|k| k.at).collect();
    drop(keys);
    pick(rows, &wanted)
}

/// The whole table in the order asked (an export). Stable: rows equal in
/// the column keep their order.
fn sort<R: Row>(rows: Vec<R>, by: Option<usize>, descending: bool) -> Vec<R> {
    let Some(column) = by else { return rows };
    let mut keys = keyed(&rows, column);
    keys.sort_unstable_by(|a, b| in_order(a, b, descending));
    let order: Vec<usize> = keys.into_iter().map(|k| k.at).collect();
    pick(rows, &order)
}

/// A row's sort key, where the row is, and for text the first 16 bytes
/// of its lower case in a number: most of a million comparisons end there,
/// without reading the text.
struct Keyed<'a> {
    prefix: u128,
    key: SortKey<'a>,
    at: usize,
}

fn keyed<R: Row>(rows: &[R], column: usize) -> Vec<Keyed<'_>> {
    rows.iter()
        .enumerate()
        .map(|(at, r)| {
            let key = r.sort_key(column);
            let prefix = match &key {
                SortKey::Text(t) => folded_prefix(t),
                SortKey::Number(_) => 0,
            };
            Keyed { prefix, key, at }
        })
        .collect()
}

/// The first 16 bytes of `text` in lower case (UTF-8, zeros after the
/// end), as a number that orders as [`cmp_folded`] does: lower-case text
/// compared byte by byte is compared character by character.
pub(super) fn folded_prefix(text: &str) -> u128 {
    let mut buf = [0u8; 16];
    let bytes = text.as_bytes();
    let n = bytes.len().min(16);
    if bytes[..n].is_ascii() {
        for (to, b) in buf.iter_mut().zip(&bytes[..n]) {
            *to = b.to_ascii_lowercase();
        }
    } else {
        let mut at = 0;
        let mut utf8 = [0u8; 4];
        'text: for c in text.chars().flat_map(char::to_lowercase) {
            for b in c.encode_utf8(&mut utf8).bytes() {
                let Some(to) = buf.get_mut(at) else {
                    break 'text;
                };
                *to = b;
                at += 1;
            }
        }
    }
    u128::from_be_bytes(buf)
}

/// Rows by their key, ties by their place: the order a stable sort gives.
fn in_order(a: &Keyed, b: &Keyed, descending: bool) -> Ordering {
    let by_key = match (&a.key, &b.key) {
        (SortKey::Text(_), SortKey::Text(_)) => {
            a.prefix.cmp(&b.prefix).then_with(|| a.key.cmp(&b.key))
        }
        _ => a.key.cmp(&b.key),
    };
    let by_key = if descending { by_key.reverse() } else { by_key };
    by_key.then(a.at.cmp(&b.at))
}

/// The rows at `order`'s places, in that order.
fn pick<R>(rows: Vec<R>, order: &[usize]) -> Vec<R> {
    let mut at = vec![usize::MAX; rows.len()];
    for (to, from) in order.iter().enumerate() {
        if let Some(slot) = at.get_mut(*from) {
            *slot = to;
        }
    }
    let mut out: Vec<Option<R>> = (0..order.len()).map(|_| None).collect();
    for (from, row) in rows.into_iter().enumerate() {
        if let Some(slot) = out.get_mut(at[from]) {
            *slot = Some(row);
        }
    }
    out.into_iter().flatten().collect()
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
fn xlsx_bytes<R: Row>(columns: &[Column], rows: Vec<R>, q: &TableQuery) -> Result<Vec<u8>, String> {
    let rows = sort(rows, q.sorted_by(columns), q.descending());
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

fn csv_bytes<R: Row>(columns: &[Column], rows: Vec<R>, q: &TableQuery) -> Result<Vec<u8>, String> {
    let rows = sort(rows, q.sorted_by(columns), q.descending());
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

pub use crate::csv_io::CsvTable;

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

/// A table's page, or (when the query asks) its whole export.
pub enum Answer {
    Page(Shown),
    Export(Response),
}

/// [`show`] or [`export`], as the query asks.
pub fn answer<R: Row>(
    tr: Tr,
    columns: &[Column],
    rows: impl IntoIterator<Item = R>,
    q: &TableQuery,
    (base, name): (&str, &str),
) -> Answer {
    if wants_export(q) {
        Answer::Export(export(tr, columns, rows.into_iter().collect(), q, name))
    } else {
        Answer::Page(show(tr, columns, rows, q, base))
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
    fn a_page_is_the_same_rows_as_a_full_sort_gives() {
        // Many ties (the quantity repeats), both directions, every page.
        let table: Vec<Vec<Cell>> = (0..237)
            .map(|i| {
                vec![
                    Cell::text(format!("item-{:03}", (i * 7919) % 237)),
                    Cell::qty(Qty::units((i % 9) as i64)),
                ]
            })
            .collect();
        let texts = |rows: Vec<Vec<Cell>>| -> Vec<String> {
            rows.into_iter().map(|r| r[0].text.clone()).collect()
        };
        for column in [0, 1] {
            for descending in [false, true] {
                let expected = texts(sort(table.clone(), Some(column), descending));
                for first in (0..table.len()).step_by(PAGE_ROWS) {
                    let page = texts(page_of(table.clone(), column, descending, first));
                    let end = (first + PAGE_ROWS).min(expected.len());
                    assert_eq!(
                        page,
                        expected[first..end],
                        "column {column}, desc {descending}, from {first}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_sorted_page_is_the_same_walked_or_partitioned() {
        // Ties, both directions, every page and one past the end; the
        // table's size known (partitioned when deep, walked when not) and
        // unknown (filtered: always walked).
        let table: Vec<Vec<Cell>> = (0..537)
            .map(|i| {
                vec![
                    Cell::text(format!("Item-{:03}", (i * 7919) % 211)),
                    Cell::qty(Qty::units((i % 9) as i64)),
                ]
            })
            .collect();
        let texts = |rows: Vec<Vec<Cell>>| -> Vec<String> {
            rows.into_iter()
                .map(|r| format!("{} {}", r[0].text, r[1].text))
                .collect()
        };
        let pages = table.len().div_ceil(PAGE_ROWS);
        for column in [0, 1] {
            for descending in [false, true] {
                let expected = texts(sort(table.clone(), Some(column), descending));
                for asked in 1..=pages + 1 {
                    let page = asked.min(pages);
                    let first = (page - 1) * PAGE_ROWS;
                    let want = &expected[first..(first + PAGE_ROWS).min(expected.len())];
                    let known = select(table.clone().into_iter(), Some(column), descending, asked);
                    let filtered = select(
                        table.clone().into_iter().filter(|_| true),
                        Some(column),
                        descending,
                        asked,
                    );
                    for (how, (rows, total, at)) in [("known", known), ("filtered", filtered)] {
                        assert_eq!(
                            (texts(rows).as_slice(), total, at),
                            (want, table.len(), page),
                            "{how}: column {column}, desc {descending}, page {asked}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_text_key_orders_by_its_prefix_as_by_itself() {
        let words = [
            "SN-001",
            "sn-002",
            "Sn-0010",
            "ёж",
            "Ёлка",
            "еж",
            "A",
            "a",
            "",
            "b-Ä",
            "B-ä",
            "z",
            "Zz",
            "ÄB",
            "äa",
            "0123456789abcdefX",
            "0123456789ABCDEFy",
            "0123456789abcdeё",
            "ЁЁЁЁЁЁЁЁЁ",
            "ёёёёёёёёa",
        ];
        for a in words {
            for b in words {
                let by_prefix = folded_prefix(a).cmp(&folded_prefix(b));
                if by_prefix != Ordering::Equal {
                    assert_eq!(by_prefix, cmp_folded(a, b), "{a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn a_serial_number_is_found_in_any_case() {
        assert!(contains_folded("SN-0012345", "012"));
        assert!(contains_folded("SN-0012345", "sn-00"));
        assert!(!contains_folded("SN-0012345", "999"));
        assert!(contains_folded("Ёж-01", "ёж"));
    }

    #[test]
    fn text_compares_ignoring_case_as_lower_case_text_does() {
        let words = [
            "SN-001", "sn-002", "Sn-0010", "ёж", "Ёлка", "еж", "A", "a", "", "b-Ä", "B-ä", "z",
            "Zz", "ÄB", "äa",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    cmp_folded(a, b),
                    a.to_lowercase().cmp(&b.to_lowercase()),
                    "{a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn a_page_walked_is_the_page_gathered() {
        let table: Vec<Vec<Cell>> = (0..137)
            .map(|i| vec![Cell::text(format!("r{i}"))])
            .collect();
        let texts = |rows: Vec<Vec<Cell>>| -> Vec<String> {
            rows.into_iter().map(|r| r[0].text.clone()).collect()
        };
        for asked in [0, 1, 2, 3, 4, 99] {
            let page = asked.clamp(1, 3);
            let expected: Vec<String> = texts(table.clone())
                .into_iter()
                .skip((page - 1) * PAGE_ROWS)
                .take(PAGE_ROWS)
                .collect();
            // Known size: walked to the page; unknown (filtered): walked
            // once; the last page when the one asked is past the end.
            let (rows, total, at) = select(table.clone().into_iter(), None, false, asked);
            assert_eq!((texts(rows), total, at), (expected.clone(), 137, page));
            let filtered = table.clone().into_iter().filter(|_| true);
            let (rows, total, at) = select(filtered, None, false, asked);
            assert_eq!(
                (texts(rows), total, at),
                (expected, 137, page),
                "asked {asked}"
            );
        }
        let (rows, total, at) = select(
            Vec::<Vec<Cell>>::new().into_iter().filter(|_| true),
            None,
            false,
            5,
        );
        assert_eq!((rows.len(), total, at), (0, 0, 1));
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
