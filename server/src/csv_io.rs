//! Master data as CSV, for spreadsheets and the ERP: export an entity,
//! import one all-or-nothing. The HTTP API and the CLI both call these.
//!
//! Layouts (UTF-8, comma-separated, a header line naming the columns; the
//! columns may come in any order and every column but the key may be left
//! out — a left-out column keeps the current value, or the default for a
//! new record). Lists separate entries with `|`; booleans are `true` or
//! `false`; dates are `YYYY-MM-DD`; an empty optional cell means none.
//!
//! | entity | columns (key first) |
//! |---|---|
//! | items | `id`, `name`, `unit`, `kind` (material, kit, tool), `tracking` (none, batch, serial, batch_serial), `expiry_tracked`, `serial_format`, `barcodes` (list), `substitutes` (list of item ids), `critical`, `unit_cost` (the ERP's price per unit, e.g. 12.50) |
//! | warehouses | `id`, `name` |
//! | bins | `id`, `warehouse`, `zone` (storage, returns, quarantine, rejected) |
//! | batches | `item`, `code`, `expiry` |
//! | assets | `id`, `name`, `area`, `custodian` (user id) |
//! | users | `id`, `name`, `roles` (list), `active` — badges and PINs are never in CSV |
//! | policy | `setting`, `value`: one line per setting (`tolerance_percent`, `self_issue_allowed`, `return_deadline_working_days`, `serial_required_items`, `separation_of_duties`, `offline_limit_days`, `exceptions`, `whole_units`, `replan_free_percent`) |
//!
//! `docs/csv.md` says the same for people who edit the files.

use crate::api::backoffice::rows::{self, Cell, Entry, Problem};
use crate::ledger::{Ledger, LedgerError, SiteState};
use crate::store::AuditEntry;
use serde_json::{Map, Value};
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::model::MasterData;
use sparescan_core::sync::{Row, RowKey};
use std::collections::HashMap;
use std::io::Read;

pub use crate::api::backoffice::rows::Entity;

/// Why an import was refused: the CSV line (1 is the header), the column,
/// and what to fix — and the other wrong lines of the file, so a person
/// fixes them all at once. Nothing of the file was recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CsvError {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
    /// The file's other wrong lines, in line order (at most
    /// [`MAX_NAMED`] in all are named).
    pub further: Vec<CsvError>,
    /// Wrong lines found beyond those named.
    pub unnamed: usize,
    /// The check stopped at [`MAX_NAMED`]: later lines were not checked.
    pub stopped: bool,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let one = |f: &mut std::fmt::Formatter<'_>, e: &CsvError| match &e.column {
            Some(c) => write!(f, "line {}, column {c}: {}", e.line, e.message),
            None => write!(f, "line {}: {}", e.line, e.message),
        };
        one(f, self)?;
        for e in &self.further {
            writeln!(f)?;
            one(f, e)?;
        }
        if self.unnamed > 0 {
            write!(f, "\nand {} more lines", self.unnamed)?;
        }
        if self.stopped {
            write!(
                f,
                "\nlater lines were not checked: fix these and import the file again"
            )?;
        }
        Ok(())
    }
}

/// How many wrong lines an error names; the rest are counted.
pub const MAX_NAMED: usize = 20;

/// The wrong lines of a file, gathered while it is read and checked.
#[derive(Debug, Default)]
pub(crate) struct WrongLines {
    found: Vec<CsvError>,
    unnamed: usize,
    stopped: bool,
}

impl WrongLines {
    pub(crate) fn add(&mut self, e: CsvError) {
        if self.found.len() < MAX_NAMED {
            self.found.push(e);
        } else {
            self.unnamed += 1;
        }
    }

    /// As many are named as an error names: checking further would only
    /// count.
    pub(crate) fn full(&self) -> bool {
        self.found.len() >= MAX_NAMED
    }

    /// Checking stops here, the later lines unchecked.
    pub(crate) fn stop(&mut self) {
        self.stopped = true;
    }

    /// `ok` when no line was wrong, else every wrong line in line order.
    pub(crate) fn or<T>(mut self, ok: T) -> Result<T, CsvError> {
        self.found.sort_by_key(|e| e.line);
        let mut all = self.found.into_iter();
        match all.next() {
            None => Ok(ok),
            Some(first) => Err(CsvError {
                further: all.collect(),
                unnamed: self.unnamed,
                stopped: self.stopped,
                ..first
            }),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }
}

pub(crate) fn err(line: u64, column: Option<&str>, message: impl Into<String>) -> CsvError {
    CsvError {
        line,
        column: column.map(str::to_owned),
        message: message.into(),
        further: Vec::new(),
        unnamed: 0,
        stopped: false,
    }
}

/// The entity's records as the export's cells, in key order: the header
/// and a line per record (the policy: a line per setting). Users come
/// without badges and PINs.
pub fn cells(entity: Entity, master: &MasterData) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let fields = entity.fields();
    if entity == Entity::Policy {
        let mut lines = Vec::new();
        if let Some(Value::Object(policy)) = rows::records(entity, master).into_iter().next() {
            for f in fields {
                let v = policy.get(f.name).unwrap_or(&Value::Null);
                lines.push(vec![f.name.to_owned(), raw_cell_text(f.cell, v)]);
            }
        }
        return (vec!["setting", "value"], lines);
    }
    let lines = rows::records(entity, master)
        .iter()
        .map(|record| line(entity, record))
        .collect();
    (fields.iter().map(|f| f.name).collect(), lines)
}

/// One record's cells, as [`cells`] gives its line.
fn line(entity: Entity, record: &Value) -> Vec<String> {
    entity
        .fields()
        .iter()
        .map(|f| raw_cell_text(f.cell, record.get(f.name).unwrap_or(&Value::Null)))
        .collect()
}

/// The entity's records as CSV, in key order (see [`cells`]), every cell
/// guarded against formulas.
pub fn export(entity: Entity, master: &MasterData) -> String {
    let (header, lines) = cells(entity, master);
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a failed record would only shorten the
    // export, and the round-trip tests would catch that.
    let _ = w.write_record(&header);
    for line in &lines {
        for c in line {
            let _ = w.write_field(safe_cell(c).as_bytes());
        }
        let _ = w.write_record(None::<&[u8]>);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A CSV file the server wrote (a report, master data) read back as a
/// table: its header, its cells (formula guards taken off) and which
/// columns hold only figures.
#[derive(Clone)]
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
            texts.push(record.iter().map(|c| unsafe_cell(c).to_owned()).collect());
        }
        Ok(CsvTable::of(header, texts))
    }

    /// A table of `header` and `texts`; a column whose every cell is a
    /// figure sorts as figures.
    pub fn of(header: Vec<String>, texts: Vec<Vec<String>>) -> Self {
        let numeric = (0..header.len())
            .map(|i| column_is_figures(&texts, i))
            .collect();
        CsvTable {
            header,
            texts,
            numeric,
        }
    }
}

/// Whether column `i` has a cell and every cell it has is a figure.
fn column_is_figures(texts: &[Vec<String>], i: usize) -> bool {
    let mut cells = texts
        .iter()
        .filter_map(|r| r.get(i))
        .filter(|c| !c.is_empty())
        .peekable();
    cells.peek().is_some() && cells.all(|c| is_figure(c))
}

fn is_figure(cell: &str) -> bool {
    cell.parse::<sparescan_core::qty::Qty>().is_ok()
}

/// Master data as tables, made once per entity and patched when the
/// site's master data changes: a 100,000-item list is read page after page.
#[derive(Default)]
pub struct MasterTables(std::sync::Mutex<HashMap<Entity, std::sync::Arc<CsvTable>>>);

impl MasterTables {
    /// The entity's table as [`cells`] gives it, made on first use.
    pub fn of(&self, entity: Entity, master: &MasterData) -> std::sync::Arc<CsvTable> {
        let make = || {
            let (header, lines) = cells(entity, master);
            std::sync::Arc::new(CsvTable::of(
                header.into_iter().map(str::to_owned).collect(),
                lines,
            ))
        };
        // A poisoned lock (a panic elsewhere) only costs the cache.
        let Ok(mut kept) = self.0.lock() else {
            return make();
        };
        kept.entry(entity).or_insert_with(make).clone()
    }

    /// Brings the kept tables up to date with master-data rows just
    /// applied: each changed record's line replaced, added or taken out in
    /// key order, so the first view after an edit costs what any view
    /// does. A big edit (an import) drops the tables it touches instead:
    /// they are made again when next asked for.
    pub fn patch(&mut self, changed: &[Row]) {
        let kept = match self.0.get_mut() {
            Ok(kept) => kept,
            Err(poisoned) => poisoned.into_inner(),
        };
        for row in changed {
            let Some(entity) = entity_of(&row.key) else {
                continue;
            };
            let placed = changed.len() <= PATCH_LIMIT
                && kept
                    .get_mut(&entity)
                    .is_none_or(|table| patch_line(entity, std::sync::Arc::make_mut(table), row));
            if !placed {
                kept.remove(&entity);
            }
        }
    }
}

/// Past this many records an edit drops the tables rather than patching
/// them line by line.
const PATCH_LIMIT: usize = 1_000;

/// The table a master-data row belongs to.
fn entity_of(key: &RowKey) -> Option<Entity> {
    Some(match key {
        RowKey::Item(_) => Entity::Items,
        RowKey::Warehouse(_) => Entity::Warehouses,
        RowKey::Bin(_) => Entity::Bins,
        RowKey::Batch(..) => Entity::Batches,
        RowKey::Asset(_) => Entity::Assets,
        RowKey::User(_) => Entity::Users,
        RowKey::SiteReason(_) => Entity::Reasons,
        RowKey::Policy => Entity::Policy,
        _ => return None,
    })
}

/// The record `row` names put in `table` (kept in key order): its line
/// replaced, added or taken out. `false` when it cannot be placed (the
/// policy, a table without its key columns).
fn patch_line(entity: Entity, table: &mut CsvTable, row: &Row) -> bool {
    let key: Vec<&str> = match &row.key {
        RowKey::Batch(item, code) => vec![item.as_str(), code.as_str()],
        RowKey::Item(id) => vec![id.as_str()],
        RowKey::Warehouse(id) => vec![id.as_str()],
        RowKey::Bin(id) => vec![id.as_str()],
        RowKey::Asset(id) => vec![id.as_str()],
        RowKey::User(id) => vec![id.as_str()],
        RowKey::SiteReason(id) => vec![id.as_str()],
        _ => return false,
    };
    let Some(columns) = entity
        .key_fields()
        .iter()
        .map(|name| table.header.iter().position(|h| h == name))
        .collect::<Option<Vec<usize>>>()
    else {
        return false;
    };
    let found = table.texts.binary_search_by(|line| {
        columns
            .iter()
            .map(|&c| line.get(c).map_or("", String::as_str))
            .cmp(key.iter().copied())
    });
    let old = match (found, &row.value) {
        (Ok(at), Some(value)) => Some(std::mem::replace(&mut table.texts[at], line(entity, value))),
        (Ok(at), None) => Some(table.texts.remove(at)),
        (Err(at), Some(value)) => {
            table.texts.insert(at, line(entity, value));
            None
        }
        (Err(_), None) => None,
    };
    let new = match found {
        Ok(at) if row.value.is_some() => table.texts.get(at),
        Err(at) if row.value.is_some() => table.texts.get(at),
        _ => None,
    };
    // A column of figures stays one unless a new cell is not a figure; a
    // column of text may become one when a cell that was not a figure goes.
    for i in 0..table.numeric.len() {
        let new_cell = new.and_then(|l| l.get(i)).map_or("", String::as_str);
        let old_cell = old
            .as_ref()
            .and_then(|l| l.get(i))
            .map_or("", String::as_str);
        let text = |c: &str| !c.is_empty() && !is_figure(c);
        table.numeric[i] = if table.numeric[i] {
            if text(new_cell) {
                false
            } else if new_cell.is_empty() && !old_cell.is_empty() {
                // Its last figure may have gone.
                column_is_figures(&table.texts, i)
            } else {
                true
            }
        } else if text(old_cell) || (!new_cell.is_empty() && is_figure(new_cell)) {
            // Its only text, or its emptiness, may have gone.
            column_is_figures(&table.texts, i)
        } else {
            false
        };
    }
    true
}

/// A value as the CSV files and the API spell it: its serde name
/// (`technician`, `quarantine`, `under_inspection`).
pub fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Characters a spreadsheet takes as the start of a formula (OWASP's CSV
/// injection list).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as every CSV sparescan writes it: a number (`-1`, `2.5`, written
/// from a quantity or a count) stays as it is; any other text beginning with
/// `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so a spreadsheet shows
/// it as text instead of running it as a formula. Every CSV writer (master
/// data and every report) goes through this one function.
pub fn safe_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_START) && !is_number(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `-?digits[.digits]`: what sparescan writes for quantities and counts.
fn is_number(text: &str) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = t.split_once('.').unwrap_or((t, "0"));
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(frac)
}

/// Reads back what [`safe_cell`] wrote: a `'` before a formula character is
/// taken off again, so an export imports unchanged.
pub fn unsafe_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) && !is_number(rest) => rest,
        _ => text,
    }
}

fn raw_cell_text(cell: Cell, v: &Value) -> String {
    match (cell, v) {
        (_, Value::Null) => String::new(),
        (_, Value::String(s)) => s.clone(),
        (Cell::List, Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join("|"),
        (_, other) => other.to_string(),
    }
}

fn cell_value(cell: Cell, text: &str) -> Result<Value, String> {
    let text = unsafe_cell(text);
    Ok(match cell {
        Cell::Text => Value::String(text.to_owned()),
        Cell::OptText if text.is_empty() => Value::Null,
        Cell::OptText => Value::String(text.to_owned()),
        Cell::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => return Err(format!("`{text}` is not true or false")),
        },
        Cell::List => Value::Array(
            text.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        Cell::Num | Cell::OptNum if !text.is_empty() => Value::from(
            text.parse::<u32>()
                .map_err(|_| format!("`{text}` is not a whole number"))?,
        ),
        Cell::OptNum => Value::Null,
        Cell::Num => return Err("is empty: give a whole number".into()),
    })
}

/// Records read from a file, with the line each came from.
struct Parsed {
    entries: Vec<Entry>,
    lines: Vec<u64>,
    /// Policy files: the line of each setting.
    setting_lines: HashMap<String, u64>,
}

/// The separator of a CSV file, from its header line: commas, or what a
/// spreadsheet set to a decimal comma saves (semicolons), or tabs —
/// whichever separates most names outside quotes. Commas when none does.
fn separator(text: &[u8]) -> u8 {
    let header = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|(sep, _)| *sep == b) {
            c.1 += 1;
        }
    }
    // The first of the most frequent: commas win a tie.
    counts
        .iter()
        .fold((b',', 0), |best, &c| if c.1 > best.1 { c } else { best })
        .0
}

/// A reader of a CSV file's records, cells trimmed, with the file's
/// separator (see [`separator`]).
pub(crate) fn csv_reader(text: &[u8]) -> (csv::Reader<&[u8]>, u8) {
    let sep = separator(text);
    let reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .trim(csv::Trim::All)
        .from_reader(text);
    (reader, sep)
}

/// The file's records, and its wrong lines (left out of the records);
/// `Err` when the file as a whole cannot be read (its header).
fn parse(entity: Entity, mut input: impl Read) -> Result<(Parsed, WrongLines), CsvError> {
    let mut text = Vec::new();
    input
        .read_to_end(&mut text)
        .map_err(|e| err(1, None, format!("cannot be read: {e}")))?;
    let (mut reader, _) = csv_reader(&text);
    let headers = reader
        .headers()
        .map_err(|e| read_error(&e, 1))?
        .iter()
        // Spreadsheets often save a byte-order mark before the first name.
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect::<Vec<_>>();
    if headers.iter().all(String::is_empty) {
        return Err(err(
            1,
            None,
            format!(
                "the file is empty: the first line names the columns ({})",
                header_hint(entity)
            ),
        ));
    }
    let columns = columns(entity, &headers)?;
    let mut parsed = Parsed {
        entries: Vec::new(),
        lines: Vec::new(),
        setting_lines: HashMap::new(),
    };
    let mut policy = Map::new();
    let mut wrong = WrongLines::default();
    for record in reader.records() {
        let (line, record) = match numbered(record) {
            Ok(r) => r,
            Err(e) => {
                wrong.add(e);
                continue;
            }
        };
        if entity == Entity::Policy {
            let (setting, text) = (record.get(0).unwrap_or(""), record.get(1).unwrap_or(""));
            let Some(f) = entity.fields().iter().find(|f| f.name == setting) else {
                wrong.add(err(
                    line,
                    Some("setting"),
                    format!(
                        "`{setting}` is not a policy setting: use one of {}",
                        header_hint(entity)
                    ),
                ));
                continue;
            };
            if let Some(first) = parsed.setting_lines.insert(setting.to_owned(), line) {
                wrong.add(err(
                    line,
                    Some("setting"),
                    format!("{setting} is set on line {first} too: set it once"),
                ));
                continue;
            }
            match cell_value(f.cell, text) {
                Ok(value) => {
                    policy.insert(setting.to_owned(), value);
                }
                Err(m) => wrong.add(err(line, Some("value"), m)),
            }
            continue;
        }
        let mut entry = Map::new();
        let mut right = true;
        for (i, f) in &columns {
            let text = record.get(*i).unwrap_or("");
            match cell_value(f.cell, text) {
                Ok(value) => {
                    entry.insert(f.name.to_owned(), value);
                }
                Err(m) => {
                    // One error a line: the first wrong cell.
                    wrong.add(err(line, Some(f.name), m));
                    right = false;
                    break;
                }
            }
        }
        if right {
            parsed.entries.push(entry);
            parsed.lines.push(line);
        }
    }
    if entity == Entity::Policy {
        parsed.entries.push(policy);
        parsed.lines.push(1);
    }
    Ok((parsed, wrong))
}

/// Which field each column holds; the key columns must be there.
fn columns(
    entity: Entity,
    headers: &[String],
) -> Result<Vec<(usize, &'static rows::Field)>, CsvError> {
    if entity == Entity::Policy {
        if headers != ["setting", "value"] {
            return Err(err(
                1,
                None,
                "the policy file has two columns, setting and value: make the first line `setting,value`",
            ));
        }
        return Ok(Vec::new());
    }
    let mut columns: Vec<(usize, &'static rows::Field)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let f = entity
            .fields()
            .iter()
            .find(|f| f.name == h)
            .ok_or_else(|| {
                err(
                    1,
                    Some(h),
                    format!(
                        "unknown column: the columns of {entity} are {}",
                        header_hint(entity)
                    ),
                )
            })?;
        if columns.iter().any(|(_, c)| c.name == f.name) {
            return Err(err(1, Some(h), "this column is named twice: keep one"));
        }
        columns.push((i, f));
    }
    for key in entity.key_fields() {
        if !columns.iter().any(|(_, f)| f.name == *key) {
            return Err(err(
                1,
                Some(key),
                format!("the column {key} is missing: every {entity} line needs it"),
            ));
        }
    }
    Ok(columns)
}

fn header_hint(entity: Entity) -> String {
    entity
        .fields()
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A record with its line number; one that cannot be read is its line's
/// error.
pub(crate) fn numbered(
    record: Result<csv::StringRecord, csv::Error>,
) -> Result<(u64, csv::StringRecord), CsvError> {
    let record = record.map_err(|e| read_error(&e, 0))?;
    Ok((record.position().map(|p| p.line()).unwrap_or(0), record))
}

pub(crate) fn read_error(e: &csv::Error, fallback_line: u64) -> CsvError {
    let line = e.position().map(|p| p.line()).unwrap_or(fallback_line);
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => err(
            line,
            None,
            format!(
                "has {len} cells but the header has {expected_len}: quote cells that contain the separator"
            ),
        ),
        csv::ErrorKind::Utf8 { .. } => {
            err(line, None, "is not UTF-8 text: save the file as CSV UTF-8")
        }
        _ => err(line, None, format!("cannot be read: {e}")),
    }
}

/// Reads an entity's CSV and checks every record against the site's state
/// (references exist, nothing listed twice, …). The rows are ready for
/// `Ledger::edit_master`; on any problem nothing is returned, and the
/// error names the line and column.
pub fn import(entity: Entity, state: &SiteState, input: impl Read) -> Result<Vec<Row>, CsvError> {
    import_lines(entity, state, input).map(|(rows, _)| rows)
}

/// [`import`], with the file's line of each row (rows are in file order).
pub fn import_lines(
    entity: Entity,
    state: &SiteState,
    input: impl Read,
) -> Result<(Vec<Row>, Vec<u64>), CsvError> {
    let (mut parsed, mut wrong) = parse(entity, input)?;
    let mut entries = std::mem::take(&mut parsed.entries);
    let mut lines = std::mem::take(&mut parsed.lines);
    // The records are checked together (references among them, nothing
    // twice); after a wrong one, the rest are checked again without it,
    // so every wrong line is named at once.
    loop {
        if entries.is_empty() && !wrong.is_empty() {
            return wrong.or((Vec::new(), Vec::new()));
        }
        match rows::to_rows(entity, state, entries.clone()) {
            Ok(rows) => return wrong.or((rows, lines)),
            Err(p) => {
                let index = p.index;
                wrong.add(at_line(&parsed, &lines, entity, p));
                if index >= entries.len() || entity == Entity::Policy {
                    return wrong.or((Vec::new(), Vec::new()));
                }
                if wrong.full() {
                    wrong.stop();
                    return wrong.or((Vec::new(), Vec::new()));
                }
                entries.remove(index);
                lines.remove(index);
            }
        }
    }
}

/// A user row whose roles the user's PIN is too short for, as the error of
/// its line.
pub fn roles_error(lines: &[u64], index: usize, message: String) -> CsvError {
    err(
        lines.get(index).copied().unwrap_or(1),
        Some("roles"),
        format!(
            "{message}: set a longer PIN first (PUT /api/v1/master/users with `pin`), then import"
        ),
    )
}

/// A record's problem as the error of its line; `lines` are the lines of
/// the records checked.
fn at_line(parsed: &Parsed, lines: &[u64], entity: Entity, p: Problem) -> CsvError {
    let line = if entity == Entity::Policy {
        p.field
            .as_ref()
            .and_then(|f| parsed.setting_lines.get(f).copied())
            .unwrap_or(1)
    } else {
        lines.get(p.index).copied().unwrap_or(1)
    };
    let mut message = match &p.record {
        Some(r) => format!("{r}: {}", p.message),
        None => p.message.clone(),
    };
    if let Some(also) = p.also.and_then(|i| lines.get(i)) {
        message.push_str(&format!(" (also on line {also})"));
    }
    let column = if entity == Entity::Policy {
        Some("value")
    } else {
        p.field.as_deref()
    };
    err(line, column, message)
}

/// Why [`import_into`] recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Csv(#[from] CsvError),
    #[error("{0}")]
    Ledger(#[from] LedgerError),
}

/// Imports an entity's CSV into a site in one audited master-data edit
/// (the CLI's `import`, and the API's). Returns how many records were
/// written.
pub async fn import_into(
    ledger: &Ledger,
    site: &SiteId,
    entity: Entity,
    actor: &str,
    input: &[u8],
) -> Result<usize, ImportError> {
    let (rows, lines) = ledger.read(site, |s| import_lines(entity, s, input))??;
    if entity == Entity::Users {
        let s = site.clone();
        let creds = ledger.write(move |store| store.credentials(&s)).await?;
        let before = |u: &UserId| ledger.read(site, |s| s.ledger.user(u)).ok().flatten();
        crate::api::backoffice::master::pins_fit_roles(&rows, &creds, &[], &before)
            .map_err(|(i, m)| roles_error(&lines, i, m))?;
    }
    let n = rows.len();
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: format!("master.{entity}.import"),
        payload: serde_json::json!({ "entity": entity.name(), "rows": rows }),
    };
    ledger.edit_master(site.clone(), rows, audit).await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparescan_core::memory::MemoryLedger;

    fn demo() -> SiteState {
        let mut master = crate::demo::site();
        // The demo keeps free text; reasons to export and import here.
        master.reasons = vec![sparescan_core::model::SiteReason {
            code: "WORN".into(),
            kind: sparescan_core::model::ReasonKind::Defect,
            text_en: "Worn out".into(),
            text_ru: "Износ".into(),
            free_text: true,
            active: true,
        }];
        SiteState::new(MemoryLedger::new(master.clone()), master)
    }

    /// A kept table patched with an edit's rows is the table made afresh
    /// from the edited master data: a line changed, one added first, one
    /// last, one taken out, in every entity; the policy drops its table.
    #[test]
    fn a_patched_table_is_the_table_made_again() {
        let mut s = demo();
        for entity in Entity::ALL {
            s.tables.of(entity, &s.master);
        }
        let mut rows = Vec::new();
        for entity in Entity::ALL {
            let records = rows::records(entity, &s.master);
            let key_of = |record: &Value, id: &str| -> RowKey {
                let text = |name: &str| {
                    record
                        .get(name)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                match entity {
                    Entity::Items => RowKey::Item(id.into()),
                    Entity::Warehouses => RowKey::Warehouse(id.into()),
                    Entity::Bins => RowKey::Bin(id.into()),
                    Entity::Batches => RowKey::Batch(text("item").into(), id.into()),
                    Entity::Assets => RowKey::Asset(id.into()),
                    Entity::Users => RowKey::User(id.into()),
                    Entity::Reasons => RowKey::SiteReason(id.into()),
                    Entity::Policy => RowKey::Policy,
                }
            };
            let id_field = entity.key_fields().last().copied().unwrap_or("id");
            let Some(first) = records.first() else {
                continue;
            };
            let mut changed = first.clone();
            let with_id = |mut v: Value, id: &str| {
                v[id_field] = Value::String(id.into());
                v
            };
            // A text cell of the first record changed; figures stay figures.
            if let Some(name) = ["name", "text_en", "code", "scope"]
                .iter()
                .find(|f| changed.get(**f).is_some_and(Value::is_string) && **f != id_field)
            {
                changed[*name] = Value::String("Changed by the patch test".into());
            }
            let first_id = first[id_field].as_str().unwrap_or_default().to_owned();
            rows.push(Row {
                key: key_of(first, &first_id),
                value: Some(changed),
            });
            if entity == Entity::Policy {
                continue;
            }
            for id in ["000-FIRST", "ZZZ-LAST"] {
                rows.push(Row {
                    key: key_of(first, id),
                    value: Some(with_id(first.clone(), id)),
                });
            }
            if let Some(last) = records.last().filter(|_| records.len() > 1) {
                let id = last[id_field].as_str().unwrap_or_default();
                rows.push(Row {
                    key: key_of(last, id),
                    value: None,
                });
            }
        }
        s.master.apply_rows(&rows).expect("applies");
        s.tables.patch(&rows);
        for entity in Entity::ALL {
            let patched = s.tables.of(entity, &s.master);
            let (header, texts) = cells(entity, &s.master);
            let fresh = CsvTable::of(header.into_iter().map(str::to_owned).collect(), texts);
            assert_eq!(patched.header, fresh.header, "{entity}");
            assert_eq!(patched.texts, fresh.texts, "{entity}");
            assert_eq!(patched.numeric, fresh.numeric, "{entity}");
        }
    }

    #[test]
    fn every_export_imports_as_the_rows_there_are() {
        let s = demo();
        for entity in Entity::ALL {
            let csv = export(entity, &s.master);
            let rows = import(entity, &s, csv.as_bytes()).expect("own export imports");
            assert!(!rows.is_empty(), "{entity}");
            for row in rows {
                assert_eq!(row.value, s.ledger.row(&row.key), "{entity}: {:?}", row.key);
            }
        }
    }

    /// What a European spreadsheet saves (`;`), and tab-separated text,
    /// import as the comma-separated export does.
    #[test]
    fn semicolons_and_tabs_separate_cells_too() {
        let s = demo();
        for entity in Entity::ALL {
            let csv = export(entity, &s.master);
            let commas = import(entity, &s, csv.as_bytes()).expect("commas");
            for sep in [b';', b'\t'] {
                // The export rewritten, header and all, with `sep`.
                let mut out = csv::WriterBuilder::new()
                    .delimiter(sep)
                    .from_writer(Vec::new());
                let all = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(csv.as_bytes());
                for record in all.into_records() {
                    out.write_record(&record.expect("record")).expect("write");
                }
                let text = out.into_inner().expect("flush");
                let rows = import(entity, &s, text.as_slice())
                    .unwrap_or_else(|e| panic!("{entity} with `{}`: {e}", sep as char));
                assert_eq!(rows, commas, "{entity} with `{}`", sep as char);
            }
        }
    }

    #[test]
    fn errors_name_line_column_and_fix() {
        let s = demo();
        let e = |entity, csv: &str| {
            import(entity, &s, csv.as_bytes())
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(
            e(
                Entity::Bins,
                "id,warehouse,zone\nB-10,WH-MAIN,storage\nB-11,WH-MAIN,storag\n"
            ),
            "line 3, column zone: unknown variant `storag`, expected one of `storage`, `returns`, `quarantine`, `rejected`"
        );
        assert_eq!(
            e(Entity::Bins, "id,warehouse,zone\nB-11,WH-NOPE,storage\n"),
            "line 2, column warehouse: bin B-11: warehouse WH-NOPE does not exist: add it first or use one of WH-MAIN, WH-NORTH"
        );
        assert_eq!(
            e(
                Entity::Bins,
                "id,warehouse,zone\nB-10,WH-MAIN,storage\nB-10,WH-MAIN,storage\n"
            ),
            "line 3: bin B-10: is listed twice: list each record once (also on line 2)"
        );
        assert_eq!(
            e(Entity::Policy, "setting,value\ntolerance_percent,ten\n"),
            "line 2, column value: `ten` is not a whole number"
        );
        assert_eq!(
            e(Entity::Policy, "setting,value\nexceptions,duplicate\n"),
            "line 2, column value: the site policy: duplicate cannot be accepted as an exception: only stock_shortfall, reserved_for_other_order can"
        );
        assert!(e(Entity::Items, "id,name\n\"FAN-120,x\n").starts_with("line 2"));
    }

    #[test]
    fn every_wrong_line_is_named_at_once() {
        let s = demo();
        let e = import(
            Entity::Bins,
            &s,
            "id,warehouse,zone\nB-10,WH-MAIN,storage\nB-11,WH-MAIN,attic\n\
             B-12,WH-NOPE,storage\nB-13,WH-MAIN,storage\nB-10,WH-MAIN,returns\n"
                .as_bytes(),
        )
        .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "line 3, column zone: unknown variant `attic`, expected one of `storage`, `returns`, `quarantine`, `rejected`\n\
             line 4, column warehouse: bin B-12: warehouse WH-NOPE does not exist: add it first or use one of WH-MAIN, WH-NORTH\n\
             line 6: bin B-10: is listed twice: list each record once (also on line 2)"
        );
        assert_eq!(e.line, 3, "the first is the error's own line");
        // A file of many wrong lines names the first few: cells that do not
        // read are all counted; records checked against the site stop there.
        let mut many = String::from("id,name,critical\n");
        for i in 0..25 {
            many.push_str(&format!("X-{i},Part {i},maybe\n"));
        }
        let text = import(Entity::Items, &s, many.as_bytes())
            .expect_err("refused")
            .to_string();
        assert_eq!(text.lines().count(), MAX_NAMED + 1, "{text}");
        assert!(text.ends_with("\nand 5 more lines"), "{text}");
        let mut many = String::from("id,warehouse,zone\n");
        for i in 0..40 {
            many.push_str(&format!("X-{i},WH-MAIN,attic\n"));
        }
        let text = import(Entity::Bins, &s, many.as_bytes())
            .expect_err("refused")
            .to_string();
        assert_eq!(text.lines().count(), MAX_NAMED + 1, "{text}");
        assert!(
            text.ends_with("\nlater lines were not checked: fix these and import the file again"),
            "{text}"
        );
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-1", "-1"),
            ("-12.5", "-12.5"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("Ball bearing", "Ball bearing"),
            ("", ""),
        ] {
            assert_eq!(safe_cell(cell), out, "{cell:?}");
            assert_eq!(unsafe_cell(&safe_cell(cell)), cell, "{cell:?}");
        }
    }

    #[test]
    fn quoted_cells_and_lists_round_trip() {
        let s = demo();
        let csv = "id,name,unit,barcodes,substitutes\n\"NUT-M8\",\"Nut, M8\",pcs,A1|A2,ZIP-200\n";
        let rows = import(Entity::Items, &s, csv.as_bytes()).expect("valid");
        let item: sparescan_core::model::Item =
            serde_json::from_value(rows[0].value.clone().expect("value")).expect("item");
        assert_eq!(item.name, "Nut, M8");
        assert_eq!(item.barcodes, ["A1", "A2"]);
        assert_eq!(item.substitutes, ["ZIP-200".into()]);
        let mut master = s.master.clone();
        master.items = vec![item];
        assert!(
            export(Entity::Items, &master)
                .contains("NUT-M8,\"Nut, M8\",pcs,material,none,false,,A1|A2,ZIP-200,false")
        );
    }
}
