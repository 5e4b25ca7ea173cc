//! CSV rendering: every report writes one flat table, header first (even
//! when there are no rows, so a spreadsheet still knows the columns), each
//! cell made safe for spreadsheets by `csv_io::safe_cell`.

use super::ReportError;
use serde::Serialize;

/// A flat row; `HEADER` names its fields in order.
pub(crate) trait CsvRow: Serialize {
    const HEADER: &'static [&'static str];
}

impl<T: CsvRow> CsvRow for &T {
    const HEADER: &'static [&'static str] = T::HEADER;
}

fn render(e: impl std::fmt::Display) -> ReportError {
    ReportError::Render(e.to_string())
}

pub(crate) fn write<R: CsvRow>(rows: impl IntoIterator<Item = R>) -> Result<String, ReportError> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(R::HEADER).map_err(render)?;
    for (n, row) in rows.into_iter().enumerate() {
        if n == 0 {
            check_header(&row)?;
        }
        let cells = cells_of(&row)?;
        w.write_record(
            cells
                .iter()
                .map(|c| crate::csv_io::safe_cell(c).into_owned()),
        )
        .map_err(render)?;
    }
    let bytes = w.into_inner().map_err(render)?;
    String::from_utf8(bytes).map_err(render)
}

/// A row's cells as serde writes them, so each can be made safe for
/// spreadsheets (`csv_io::safe_cell`) before it is written.
fn cells_of<R: Serialize>(row: &R) -> Result<csv::StringRecord, ReportError> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.serialize(row).map_err(render)?;
    let bytes = w.into_inner().map_err(render)?;
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice())
        .records()
        .next()
        .transpose()
        .map_err(render)?
        .ok_or_else(|| render("a report row wrote no cells"))
}

/// The header serde derives from a row must be `HEADER`: a column added to
/// a row type but not to its header would shift every cell after it.
fn check_header<R: CsvRow>(row: &R) -> Result<(), ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(row).map_err(render)?;
    let text = String::from_utf8(w.into_inner().map_err(render)?).map_err(render)?;
    let derived = text.lines().next().unwrap_or_default();
    if derived == R::HEADER.join(",") {
        Ok(())
    } else {
        Err(render(format!(
            "the CSV header is out of date with the row type: {derived}"
        )))
    }
}
