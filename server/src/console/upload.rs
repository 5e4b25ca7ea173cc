//! A CSV or XLSX file sent from a page's upload form, read as CSV text for
//! the API's imports (master data, goods receipts).

use super::i18n::Tr;
use axum::extract::Multipart;

/// The form's `file` field: its name and its content as CSV. `Err` says
/// what to do, in the reader's language.
pub async fn csv_of(tr: Tr, form: &mut Multipart) -> Result<(String, String), String> {
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(|e| e.body_text())? {
        if field.name() == Some("file") {
            let filename = field.file_name().unwrap_or_default().to_owned();
            file = Some((filename, field.bytes().await.map_err(|e| e.body_text())?));
        }
    }
    let Some((filename, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(tr.t("Choose a CSV or XLSX file first.").to_owned());
    };
    let csv = file_as_csv(tr, &filename, &bytes)?;
    Ok((filename, csv))
}

/// An imported file's bytes as CSV: a spreadsheet (XLSX, a zip) is read
/// sheet one, row by row, so its row numbers are the CSV's line numbers.
fn file_as_csv(tr: Tr, name: &str, bytes: &[u8]) -> Result<String, String> {
    if bytes.starts_with(b"PK") || name.to_lowercase().ends_with(".xlsx") {
        return xlsx_as_csv(bytes).map_err(|why| {
            tr.f(
                "The spreadsheet could not be read ({why}): save it as XLSX or CSV UTF-8 and try again.",
                &[("why", &why)],
            )
        });
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        tr.t("The file is not UTF-8 text: save it as CSV UTF-8 (or XLSX) and try again.")
            .to_owned()
    })
}

fn xlsx_as_csv(bytes: &[u8]) -> Result<String, String> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("it has no sheet")?
        .map_err(|e| e.to_string())?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in range.rows() {
        let cells = row.iter().map(|c| match c {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Bool(b) => b.to_string(),
            Data::Int(i) => i.to_string(),
            // Figures as written: 4.2, not 4.2000000000000002.
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            Data::Float(f) => format!("{f}"),
            other => other.to_string(),
        });
        w.write_record(cells).map_err(|e| e.to_string())?;
    }
    let out = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spreadsheet_reads_as_its_csv() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_string(0, 1, "unit_cost").unwrap();
        sheet.write_string(1, 0, "BRG-1").unwrap();
        sheet.write_number(1, 1, 4.2).unwrap();
        sheet.write_string(2, 0, "BRG-2").unwrap();
        sheet.write_number(2, 1, 12.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(
            file_as_csv(Tr::default(), "items.xlsx", &bytes).unwrap(),
            "id,unit_cost\nBRG-1,4.2\nBRG-2,12\n"
        );
        let e = file_as_csv(Tr::default(), "x.xlsx", b"PK not a zip").unwrap_err();
        assert!(e.contains("could not be read"), "{e}");
        let e = file_as_csv(Tr::default(), "x.csv", &[0xff, 0xfe, 0x00]).unwrap_err();
        assert!(e.contains("UTF-8"), "{e}");
    }
}
