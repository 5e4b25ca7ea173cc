//! Supplier 2D labels in ANSI MH10.8.2 / ECIA format 06 (DigiKey, Mouser
//! reels): `[)>` RS `06` GS field GS field … RS EOT, each field a data
//! identifier (DI) and its data.
//!
//! RS, GS and EOT are accepted as the control characters, as their Unicode
//! control pictures (␞ ␝ ␄), or as the substitutes configured for a
//! keyboard-wedge scanner.

use serde::{Deserialize, Serialize};

use super::codes::{self, ISO3166_ALPHA2};
use super::config::ScanConfig;
use super::error::{ScanError, ScanErrorCode};

/// The typed value of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum DiValue {
    Text(String),
    /// `Q`: quantity.
    Quantity(u64),
    /// `9D` / `10D` as YYWW: year and ISO week.
    DateCode {
        year: u16,
        week: u8,
    },
    /// `4L`: ISO 3166 alpha-2 country of origin.
    Country(String),
}

/// One field of the label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiField {
    /// Data identifier, e.g. `1P`.
    pub di: String,
    /// What the DI means, or empty if this decoder does not know it.
    pub name: String,
    pub raw: String,
    pub value: DiValue,
}

/// A decoded supplier label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    /// Format of the envelope, `06`.
    pub format: String,
    pub fields: Vec<DiField>,
}

impl Supplier {
    /// The first field with this data identifier.
    pub fn get(&self, di: &str) -> Option<&DiField> {
        self.fields.iter().find(|f| f.di == di)
    }

    fn raw(&self, di: &str) -> Option<&str> {
        self.get(di).map(|f| f.raw.as_str())
    }

    /// `P`: the customer's part number.
    pub fn customer_part(&self) -> Option<&str> {
        self.raw("P")
    }

    /// `1P`: the supplier's part number.
    pub fn supplier_part(&self) -> Option<&str> {
        self.raw("1P")
    }

    /// `Q`: quantity.
    pub fn quantity(&self) -> Option<u64> {
        match self.get("Q")?.value {
            DiValue::Quantity(q) => Some(q),
            _ => None,
        }
    }

    /// `1T`: lot.
    pub fn lot(&self) -> Option<&str> {
        self.raw("1T")
    }

    /// `S`: serial number.
    pub fn serial(&self) -> Option<&str> {
        self.raw("S")
    }

    /// `9D` or `10D`: date code.
    pub fn date_code(&self) -> Option<&str> {
        self.raw("9D").or_else(|| self.raw("10D"))
    }

    /// `K`: the customer's purchase order.
    pub fn purchase_order(&self) -> Option<&str> {
        self.raw("K")
    }

    /// `4L`: country of origin.
    pub fn country_of_origin(&self) -> Option<&str> {
        self.raw("4L")
    }
}

const HEADER: &[u8] = b"[)>";

pub(crate) fn is_supplier(data: &[u8]) -> bool {
    data.starts_with(HEADER)
}

fn name(di: &str) -> &'static str {
    match di {
        "P" => "customer part number",
        "1P" => "supplier part number",
        "30P" => "alternative part number",
        "Q" => "quantity",
        "T" => "traceability number",
        "1T" => "lot",
        "S" => "serial number",
        "D" => "date",
        "9D" => "date code",
        "10D" => "date code",
        "K" => "customer purchase order",
        "1K" => "supplier order number",
        "4K" => "purchase order line",
        "10K" => "invoice number",
        "11K" => "packing list number",
        "4L" => "country of origin",
        "1V" => "supplier",
        _ => "",
    }
}

/// Length of the separator at `i` (RS, GS or EOT in any accepted form).
fn separator(data: &[u8], i: usize, config: &ScanConfig) -> usize {
    let rest = &data[i..];
    if matches!(rest.first(), Some(0x1D | 0x1E | 0x04)) {
        return 1;
    }
    for c in ['\u{241D}', '\u{241E}', '\u{2404}']
        .into_iter()
        .chain(config.gs_substitute)
        .chain(config.rs_substitute)
        .chain(config.eot_substitute)
    {
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf).as_bytes();
        if rest.starts_with(s) {
            return s.len();
        }
    }
    0
}

fn err(pos: usize, msg: impl Into<String>) -> ScanError {
    ScanError::new(ScanErrorCode::SupplierFormat, pos, msg)
}

fn field(token: &[u8], at: usize) -> Result<DiField, ScanError> {
    let digits = token.iter().take_while(|b| b.is_ascii_digit()).count();
    let letter = token.get(digits).filter(|b| b.is_ascii_uppercase());
    if digits > 3 || letter.is_none() {
        return Err(err(
            at,
            "supplier label: a field does not start with a data identifier — rescan",
        ));
    }
    let di = String::from_utf8_lossy(&token[..=digits]).into_owned();
    let data = &token[digits + 1..];
    let raw = String::from_utf8_lossy(data).into_owned();
    let value = match di.as_str() {
        "Q" => {
            if data.is_empty() || data.len() > 18 || !data.iter().all(u8::is_ascii_digit) {
                return Err(err(
                    at + digits + 1,
                    "supplier label: the quantity (Q) is not a number — rescan or type it",
                ));
            }
            DiValue::Quantity(raw.parse().unwrap_or(0))
        }
        "4L" => {
            if !codes::contains(ISO3166_ALPHA2, data) {
                return Err(err(
                    at + digits + 1,
                    format!(
                        "supplier label: country of origin {raw} is not an ISO country code — rescan"
                    ),
                ));
            }
            DiValue::Country(raw.clone())
        }
        "9D" | "10D" if data.len() == 4 && data.iter().all(u8::is_ascii_digit) => {
            let week = (data[2] - b'0') * 10 + (data[3] - b'0');
            if (1..=53).contains(&week) {
                DiValue::DateCode {
                    year: 2000 + u16::from((data[0] - b'0') * 10 + (data[1] - b'0')),
                    week,
                }
            } else {
                DiValue::Text(raw.clone())
            }
        }
        _ => DiValue::Text(raw.clone()),
    };
    Ok(DiField {
        name: name(&di).to_string(),
        di,
        raw,
        value,
    })
}

/// Decodes a label starting with `[)>` at offset `base` of the scan.
pub(crate) fn parse(data: &[u8], base: usize, config: &ScanConfig) -> Result<Supplier, ScanError> {
    let mut tokens = Vec::new();
    let mut start = HEADER.len();
    let mut i = start;
    let mut separators = 0;
    while i < data.len() {
        let l = separator(data, i, config);
        if l > 0 {
            tokens.push((start, i));
            separators += 1;
            i += l;
            start = i;
        } else {
            i += 1;
        }
    }
    tokens.push((start, data.len()));
    if separators == 0 {
        return Err(err(
            base + HEADER.len(),
            "supplier label arrived without its RS/GS separators — set the scanner to send them \
             (or substitute characters configured in the app) and rescan",
        ));
    }
    let mut tokens = tokens.into_iter().filter(|(a, b)| a < b);
    let Some((fa, fb)) = tokens.next() else {
        return Err(err(base + data.len(), "supplier label is empty — rescan"));
    };
    if &data[fa..fb] != b"06" {
        return Err(err(
            base + fa,
            format!(
                "supplier label format {} is not supported (only format 06)",
                String::from_utf8_lossy(&data[fa..fb])
            ),
        ));
    }
    let fields = tokens
        .map(|(a, b)| field(&data[a..b], base + a))
        .collect::<Result<Vec<_>, _>>()?;
    if fields.is_empty() {
        return Err(err(
            base + data.len(),
            "supplier label has no fields — rescan",
        ));
    }
    Ok(Supplier {
        format: "06".into(),
        fields,
    })
}
