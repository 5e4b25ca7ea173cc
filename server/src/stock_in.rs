//! Stock in from CSV (docs/csv.md, "Stock in"): a site's opening balances,
//! or deliveries an ERP sends, one document per line (`opening_balance` or
//! `goods_receipt`) judged by the rules like any other, so the ledger
//! explains every unit. All or nothing: every line is judged in order
//! against a copy of the site's state first, and nothing is recorded while
//! one is refused; the error names the line.

use crate::csv_io::{CsvError, WrongLines, csv_reader, err, numbered, read_error};
use crate::ledger::{Ledger, LedgerError};
use chrono::Utc;
use sparescan_core::document::{Body, Document, Receipt};
use sparescan_core::ids::{DocId, SiteId, UserId};
use sparescan_core::model::Condition;
use sparescan_core::money::Money;
use sparescan_core::qty::Qty;
use sparescan_core::reason::Refusal;
use sparescan_core::sync::Verdict;

/// Which documents a file becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StockIn {
    /// A site's stock when it starts (admin or controller).
    Opening,
    /// Deliveries from suppliers or the ERP (clerk).
    Receipts,
}

impl StockIn {
    fn body(self, receipt: Receipt) -> Body {
        match self {
            StockIn::Opening => Body::OpeningBalance { receipt },
            StockIn::Receipts => Body::GoodsReceipt { receipt },
        }
    }
}

/// The columns, in the order an export would write them.
pub const COLUMNS: &[&str] = &[
    "item",
    "bin",
    "batch",
    "condition",
    "qty",
    "serials",
    "reference",
    "unit_cost",
    "warranty_until",
    "expiry",
];

/// Why a stock-in file was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum StockInError {
    #[error("{0}; nothing of the file was recorded")]
    Csv(#[from] CsvError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Judged again when recorded, a line was refused after all (the
    /// site's state changed between the check and the recording).
    #[error(
        "line {line}: {message}. Lines 2 to {recorded_to} were recorded; import the lines from {line} on again once it is fixed"
    )]
    Partly {
        line: u64,
        recorded_to: u64,
        message: String,
    },
}

/// The file's lines as receipts, with their line numbers; every wrong
/// line named.
pub fn parse(text: &[u8]) -> Result<Vec<(u64, Receipt)>, CsvError> {
    let (lines, wrong) = parse_lines(text)?;
    wrong.or(lines)
}

/// The file's right lines as receipts, and its wrong lines; `Err` when the
/// file as a whole cannot be read (its header, or no line at all).
fn parse_lines(text: &[u8]) -> Result<(Vec<(u64, Receipt)>, WrongLines), CsvError> {
    let (mut reader, separator) = csv_reader(text);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| read_error(&e, 1))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(err(
            1,
            Some(unknown),
            format!("unknown column: the columns are {}", COLUMNS.join(", ")),
        ));
    }
    for needed in ["item", "bin"] {
        if column(needed).is_none() {
            return Err(err(
                1,
                Some(needed),
                format!("the column {needed} is missing: every line needs it"),
            ));
        }
    }
    if column("qty").is_none() && column("serials").is_none() {
        return Err(err(
            1,
            Some("qty"),
            "give a qty column, or serials (one per unit) for serial-tracked items",
        ));
    }
    let mut out = Vec::new();
    // A file separated by semicolons or tabs comes from a spreadsheet that
    // may write a decimal comma.
    let decimal = |text: &str| {
        if separator == b',' {
            text.to_owned()
        } else {
            text.replace(',', ".")
        }
    };
    let receipt = |record: &csv::StringRecord, line: u64| -> Result<Receipt, CsvError> {
        let cell = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
        };
        let required = |name: &str| {
            let v = cell(name);
            if v.is_empty() {
                Err(err(line, Some(name), format!("{name} is empty: give one")))
            } else {
                Ok(v.to_owned())
            }
        };
        let serials: Vec<_> = cell("serials")
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Into::into)
            .collect();
        let qty = match cell("qty") {
            "" if !serials.is_empty() => Qty::units(serials.len() as i64),
            "" => return Err(err(line, Some("qty"), "qty is empty: give a quantity")),
            text => {
                let text = decimal(text);
                text.parse::<Qty>().map_err(|_| {
                    err(
                        line,
                        Some("qty"),
                        format!("`{text}` is not a quantity (e.g. 4 or 2.5)"),
                    )
                })?
            }
        };
        let unit_cost = match cell("unit_cost") {
            "" => None,
            text => {
                let text = decimal(text);
                Some(text.parse::<Money>().map_err(|_| {
                    err(
                        line,
                        Some("unit_cost"),
                        format!("`{text}` is not a price per unit (e.g. 12.50)"),
                    )
                })?)
            }
        };
        let condition = match cell("condition") {
            "" => Condition::New,
            c => serde_json::from_value::<Condition>(serde_json::Value::String(c.to_owned()))
                .map_err(|_| {
                    err(
                        line,
                        Some("condition"),
                        format!(
                            "`{c}` is not a condition: use new, opened, under_inspection or rejected"
                        ),
                    )
                })?,
        };
        let day = |name: &str, what: &str| match cell(name) {
            "" => Ok(None),
            text => text.parse::<chrono::NaiveDate>().map(Some).map_err(|_| {
                err(
                    line,
                    Some(name),
                    format!("`{text}` is not a day: write {what} as 2027-06-30"),
                )
            }),
        };
        let warranty_until = day("warranty_until", "the warranty's last day")?;
        let expiry = day("expiry", "the batch's expiry")?;
        let optional = |name: &str| Some(cell(name)).filter(|v| !v.is_empty());
        Ok(Receipt {
            item: required("item")?.into(),
            bin: required("bin")?.into(),
            batch: optional("batch").map(Into::into),
            expiry,
            condition,
            qty,
            serials,
            reference: optional("reference").map(str::to_owned),
            unit_cost,
            warranty_until,
        })
    };
    let mut wrong = WrongLines::default();
    for record in reader.records() {
        let (line, record) = match numbered(record) {
            Ok(r) => r,
            Err(e) => {
                wrong.add(e);
                continue;
            }
        };
        match receipt(&record, line) {
            Ok(r) => out.push((line, r)),
            Err(e) => wrong.add(e),
        }
    }
    if out.is_empty() && wrong.is_empty() {
        return Err(err(
            1,
            None,
            "the file has no lines after the header: one line per item and bin",
        ));
    }
    Ok((out, wrong))
}

/// Records a stock-in file at `site` in `author`'s name from `device`:
/// the number of documents recorded.
pub async fn import(
    ledger: &Ledger,
    site: &SiteId,
    kind: StockIn,
    author: &UserId,
    device: &str,
    text: &[u8],
) -> Result<usize, StockInError> {
    let (lines, mut wrong) = parse_lines(text)?;
    let now = Utc::now();
    let docs: Vec<Document> = lines
        .iter()
        .map(|(_, receipt)| Document {
            id: DocId::new_v7(),
            author: author.clone(),
            device: device.into(),
            site: site.clone(),
            device_time: now,
            work_order: None,
            line: None,
            reason: None,
            reason_code: None,
            approver: None,
            follows: None,
            proof: None,
            body: kind.body(receipt.clone()),
        })
        .collect();
    // Judged in order on a copy, taken under the sites' lock and judged
    // outside it, so a long file does not hold up the devices' pushes. A
    // serial listed on two lines is refused on the second, as it would be
    // when recorded. A refused line is left out and the rest judged on,
    // so every wrong line is named at once.
    let mut copy = ledger.read(site, |s| s.ledger.clone())?;
    for ((line, _), doc) in lines.iter().zip(&docs) {
        if wrong.full() {
            wrong.stop();
            break;
        }
        if let Err(r) = sparescan_core::limits::check_document(doc)
            .and_then(|()| copy.submit(doc.clone()).map(drop))
        {
            wrong.add(err(*line, None, refusal_text(&r)));
        }
    }
    wrong.or(())?;
    let verdicts = ledger.push(site.clone(), docs).await?;
    let mut recorded_to = 1;
    for ((line, _), verdict) in lines.iter().zip(&verdicts) {
        if let Verdict::Rejected { refusal, .. } = verdict {
            return Err(StockInError::Partly {
                line: *line,
                recorded_to,
                message: refusal_text(refusal),
            });
        }
        recorded_to = *line;
    }
    Ok(verdicts.len())
}

fn refusal_text(r: &Refusal) -> String {
    format!("{} {} ({})", r.message, r.what_to_do, r.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_receipts_and_mistakes_name_their_line() {
        let ok = parse(
            b"item,bin,batch,condition,qty,serials,reference\n\
              TERM-6MM,A-01,,,50,,DN-1\n\
              UPS-BATT-MOD,A-01,,new,,BM-0201|BM-0202,\n",
        )
        .expect("parsed");
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[0].0, ok[0].1.qty), (2, Qty::units(50)));
        assert_eq!(ok[0].1.reference.as_deref(), Some("DN-1"));
        assert_eq!(ok[1].1.qty, Qty::units(2), "a unit per serial");
        assert_eq!(ok[1].1.serials.len(), 2);
        // What a spreadsheet with a decimal comma saves.
        let semi = parse("item;bin;qty\nCBL-PWR-2M;A-02;12,5\n".as_bytes()).expect("parsed");
        assert_eq!(semi[0].1.qty, Qty::from_milli(12_500));

        let e = |text: &str| parse(text.as_bytes()).expect_err("refused").to_string();
        assert_eq!(
            e("item,bin,qty\nTERM-6MM,A-01,lots\n"),
            "line 2, column qty: `lots` is not a quantity (e.g. 4 or 2.5)"
        );
        assert_eq!(
            e("item,bin,qty,condition\nTERM-6MM,A-01,4,broken\n"),
            "line 2, column condition: `broken` is not a condition: use new, opened, under_inspection or rejected"
        );
        assert!(e("item,qty\nTERM-6MM,4\n").contains("column bin"));
        assert!(e("item,bin,qty,colour\n").contains("unknown column"));
        assert!(e("item,bin,qty\n").contains("no lines"));
    }
}
