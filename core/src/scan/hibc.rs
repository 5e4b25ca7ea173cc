//! HIBC LIC (Health Industry Bar Code) primary, secondary and combined
//! (`primary/secondary`) data with the mod-43 check character.
//!
//! Two-digit HIBC years are 20YY. An expiry given as MMYY means the last day
//! of that month. Supplementary fields after the secondary data (`/S…`
//! serial, `/14D…` expiry, `/16D…` manufacture date, as YYYYMMDD) are read;
//! other supplementary fields are kept as text.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::date;
use super::error::{ScanError, ScanErrorCode};

/// Which HIBC symbol this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HibcForm {
    /// Labeler, product and unit of measure.
    Primary,
    /// Lot/serial/expiry/quantity of a primary symbol scanned before;
    /// `link` must equal that symbol's check character.
    Secondary,
    /// Primary and secondary data in one symbol, separated by `/`.
    Combined,
}

/// A decoded HIBC label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hibc {
    pub form: HibcForm,
    /// Labeler Identification Code (4 characters).
    pub lic: Option<String>,
    /// Product or catalog number.
    pub product: Option<String>,
    /// Unit of measure digit (0 = the unit of use).
    pub unit_of_measure: Option<u8>,
    pub quantity: Option<u32>,
    pub expiry: Option<NaiveDate>,
    pub expiry_hour: Option<u8>,
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub manufactured: Option<NaiveDate>,
    /// Link character of a secondary symbol.
    pub link: Option<char>,
    /// Supplementary fields not interpreted, as scanned.
    pub supplementary: Vec<String>,
    /// The mod-43 check character.
    pub check: char,
}

const CHARSET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

/// Mod-43 check character of `data` (including the leading `+`); `None` if a
/// character is outside the HIBC set.
pub fn check_character(data: &[u8]) -> Option<char> {
    let mut sum = 0usize;
    for b in data {
        sum += CHARSET.iter().position(|c| c == b)?;
    }
    CHARSET.get(sum % 43).map(|&c| c as char)
}

fn err(code: ScanErrorCode, pos: usize, msg: impl Into<String>) -> ScanError {
    ScanError::new(code, pos, msg)
}

fn fmt(pos: usize, msg: &str) -> ScanError {
    err(
        ScanErrorCode::HibcFormat,
        pos,
        format!("HIBC: {msg} — rescan or type the code"),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn digits(b: &[u8], n: usize, at: usize, what: &str) -> Result<u32, ScanError> {
    match b.get(..n) {
        Some(d) if d.iter().all(u8::is_ascii_digit) => {
            Ok(d.iter().fold(0, |a, &x| a * 10 + u32::from(x - b'0')))
        }
        _ => Err(fmt(at, &format!("{what} needs {n} digits"))),
    }
}

fn julian(b: &[u8], at: usize) -> Result<NaiveDate, ScanError> {
    let yy = digits(b, 2, at, "the date")?;
    let jjj = digits(&b[2..], 3, at + 2, "the date")?;
    NaiveDate::from_yo_opt(2000 + yy as i32, jjj).ok_or_else(|| {
        err(
            ScanErrorCode::InvalidDate,
            at + 2,
            format!("HIBC: day {jjj} of 20{yy:02} does not exist — rescan or type the code"),
        )
    })
}

fn calendar(y: u32, m: u32, d: u32, day_zero: bool, at: usize) -> Result<NaiveDate, ScanError> {
    date::ymd(2000 + y as i32, m, d, day_zero, at, at).map_err(|e| {
        err(
            ScanErrorCode::InvalidDate,
            at,
            format!("HIBC: {} — rescan or type the code", e.message),
        )
    })
}

/// Parses secondary data (without link/check characters) into `h`.
fn secondary(b: &[u8], at: usize, h: &mut Hibc) -> Result<(), ScanError> {
    let (mut i, serial) = if b.starts_with(b"$$+") {
        (3, true)
    } else if b.starts_with(b"$$") {
        (2, false)
    } else if b.starts_with(b"$+") {
        h.serial = Some(text(&b[2..]));
        return Ok(());
    } else if b.starts_with(b"$") {
        h.lot = Some(text(&b[1..]));
        return Ok(());
    } else {
        h.expiry = Some(julian(b, at)?);
        h.lot = Some(text(b.get(5..).unwrap_or_default()));
        return Ok(());
    };
    match b.get(i) {
        Some(b'8') => {
            h.quantity = Some(digits(tail(b, i + 1), 2, at + i + 1, "the quantity")?);
            i += 3;
        }
        Some(b'9') => {
            h.quantity = Some(digits(tail(b, i + 1), 5, at + i + 1, "the quantity")?);
            i += 6;
        }
        _ => {}
    }
    let rest = b.get(i..).unwrap_or_default();
    let p = at + i;
    let used = match rest.first() {
        Some(b'0' | b'1') => {
            let mm = digits(rest, 2, p, "the expiry date")?;
            let yy = digits(tail(rest, 2), 2, p + 2, "the expiry date")?;
            h.expiry = Some(calendar(yy, mm, 0, true, p)?);
            4
        }
        Some(b'2') => {
            let mm = digits(tail(rest, 1), 2, p + 1, "the expiry date")?;
            let dd = digits(tail(rest, 3), 2, p + 3, "the expiry date")?;
            let yy = digits(tail(rest, 5), 2, p + 5, "the expiry date")?;
            h.expiry = Some(calendar(yy, mm, dd, false, p + 1)?);
            7
        }
        Some(b'3' | b'4') => {
            let yy = digits(tail(rest, 1), 2, p + 1, "the expiry date")?;
            let mm = digits(tail(rest, 3), 2, p + 3, "the expiry date")?;
            let dd = digits(tail(rest, 5), 2, p + 5, "the expiry date")?;
            h.expiry = Some(calendar(yy, mm, dd, false, p + 1)?);
            if rest[0] == b'4' {
                h.expiry_hour = Some(hour(tail(rest, 7), p + 7)?);
                9
            } else {
                7
            }
        }
        Some(b'5' | b'6') => {
            h.expiry = Some(julian(tail(rest, 1), p + 1)?);
            if rest[0] == b'6' {
                h.expiry_hour = Some(hour(tail(rest, 6), p + 6)?);
                8
            } else {
                6
            }
        }
        Some(b'7') => 1,
        _ => return Err(fmt(p, "unknown date format after $$")),
    };
    let id = text(rest.get(used..).unwrap_or_default());
    if serial {
        h.serial = Some(id);
    } else {
        h.lot = Some(id);
    }
    Ok(())
}

fn tail(b: &[u8], n: usize) -> &[u8] {
    b.get(n..).unwrap_or_default()
}

fn hour(b: &[u8], at: usize) -> Result<u8, ScanError> {
    let h = digits(b, 2, at, "the hour")?;
    if h > 23 {
        return Err(err(
            ScanErrorCode::InvalidTime,
            at,
            format!("HIBC: hour {h} does not exist — rescan or type the code"),
        ));
    }
    Ok(h as u8)
}

fn primary(b: &[u8], at: usize, h: &mut Hibc) -> Result<(), ScanError> {
    if b.len() < 6 || b.len() > 23 {
        return Err(fmt(
            at,
            "primary data must be a 4-character labeler code, a product number of 1-18 characters and a unit-of-measure digit",
        ));
    }
    if !b[0].is_ascii_uppercase() || !b[..4].iter().all(u8::is_ascii_alphanumeric) {
        return Err(fmt(
            at,
            "the labeler code must be a letter and 3 letters or digits",
        ));
    }
    let (body, uom) = b.split_at(b.len() - 1);
    if let Some(i) = body[4..].iter().position(|c| !c.is_ascii_alphanumeric()) {
        return Err(fmt(
            at + 4 + i,
            "the product number must be letters and digits",
        ));
    }
    if !uom[0].is_ascii_digit() {
        return Err(fmt(at + b.len() - 1, "the unit of measure must be a digit"));
    }
    h.lic = Some(text(&body[..4]));
    h.product = Some(text(&body[4..]));
    h.unit_of_measure = Some(uom[0] - b'0');
    Ok(())
}

fn supplementary(b: &[u8], at: usize, h: &mut Hibc) -> Result<(), ScanError> {
    let long_date = |v: &[u8], p: usize| {
        if v.len() != 8 || !v.iter().all(u8::is_ascii_digit) {
            return Err(fmt(p, "a supplementary date must be YYYYMMDD"));
        }
        date::yyyymmdd(v).map_err(|e| {
            err(
                ScanErrorCode::InvalidDate,
                p + e.offset,
                format!("HIBC: {} — rescan or type the code", e.message),
            )
        })
    };
    if let Some(v) = b.strip_prefix(b"14D") {
        h.expiry = Some(long_date(v, at + 3)?);
    } else if let Some(v) = b.strip_prefix(b"16D") {
        h.manufactured = Some(long_date(v, at + 3)?);
    } else if let Some(v) = b.strip_prefix(b"S") {
        h.serial = Some(text(v));
    } else {
        h.supplementary.push(text(b));
    }
    Ok(())
}

/// Decodes HIBC data starting with `+` at offset `base` of the scan.
pub(crate) fn parse(data: &[u8], base: usize) -> Result<Hibc, ScanError> {
    let upper: Vec<u8> = data.iter().map(u8::to_ascii_uppercase).collect();
    if let Some(i) = upper.iter().position(|c| !CHARSET.contains(c)) {
        return Err(err(
            ScanErrorCode::InvalidCharacter,
            base + i,
            "HIBC: character outside the HIBC character set — rescan",
        ));
    }
    if upper.len() < 3 {
        return Err(fmt(base + upper.len(), "too short"));
    }
    let (payload, check) = upper.split_at(upper.len() - 1);
    let want = check_character(payload).unwrap_or('?');
    if check[0] as char != want {
        return Err(err(
            ScanErrorCode::HibcCheckCharacter,
            base + payload.len(),
            format!(
                "HIBC: check character is '{}', should be '{want}' — rescan or type the code",
                check[0] as char
            ),
        ));
    }
    let mut h = Hibc {
        form: HibcForm::Primary,
        lic: None,
        product: None,
        unit_of_measure: None,
        quantity: None,
        expiry: None,
        expiry_hour: None,
        lot: None,
        serial: None,
        manufactured: None,
        link: None,
        supplementary: Vec::new(),
        check: want,
    };
    let body = &payload[1..];
    let at = base + 1;
    let mut fields = body.split(|&c| c == b'/');
    let first = fields.next().unwrap_or_default();
    if first.first().is_some_and(u8::is_ascii_uppercase) {
        primary(first, at, &mut h)?;
        let mut p = at + first.len() + 1;
        if let Some(sec) = fields.next() {
            h.form = HibcForm::Combined;
            secondary(sec, p, &mut h)?;
            p += sec.len() + 1;
        }
        for f in fields {
            supplementary(f, p, &mut h)?;
            p += f.len() + 1;
        }
    } else {
        h.form = HibcForm::Secondary;
        // The link character closes the secondary data (before any
        // supplementary fields).
        let Some((&link, sec)) = first.split_last() else {
            return Err(fmt(at, "no data"));
        };
        h.link = Some(link as char);
        secondary(sec, at, &mut h)?;
        let mut p = at + first.len() + 1;
        for f in fields {
            supplementary(f, p, &mut h)?;
            p += f.len() + 1;
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_check_character() {
        assert_eq!(check_character(b"+A123BJC5D6E71"), Some('G'));
        let h = parse(b"+A123BJC5D6E71G", 0).unwrap();
        assert_eq!(h.lic.as_deref(), Some("A123"));
        assert_eq!(h.product.as_deref(), Some("BJC5D6E7"));
        assert_eq!(h.unit_of_measure, Some(1));
        let e = parse(b"+A123BJC5D6E71H", 0).unwrap_err();
        assert_eq!(e.code, ScanErrorCode::HibcCheckCharacter);
        assert_eq!(e.position, 14);
    }
}
