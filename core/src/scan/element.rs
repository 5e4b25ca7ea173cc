//! One GS1 element string: an AI and its data field, checked against the
//! dictionary entry and turned into a typed value.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::ai_table::{AiDef, Component, Cset, Linter};
use super::date;
use super::error::{ScanError, ScanErrorCode};
use super::linters;

/// The typed meaning of a data field. Decimal AIs (31nn–36nn, 390n–395n)
/// carry integer `units` and the implied decimal `scale` (`n`): no floats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// GTIN-14 of (01), (02), (03); the check digit is verified.
    Gtin(String),
    /// SSCC of (00); the check digit is verified.
    Sscc(String),
    /// GLN of (410)–(417); the check digit is verified.
    Gln(String),
    /// A date; day 00 of a `YYMMD0` field is already the month's last day.
    Date(NaiveDate),
    /// A date with a time of day.
    DateTime(NaiveDateTime),
    /// A date range, e.g. harvest dates (7007).
    DateRange { from: NaiveDate, to: NaiveDate },
    /// `units × 10^-scale`.
    Decimal { units: u64, scale: u8 },
    /// An amount with its ISO 4217 numeric currency code.
    Money {
        currency: String,
        units: u64,
        scale: u8,
    },
    /// A count of items, (30) and (37).
    Count(u64),
    /// Any other field, as scanned.
    Text(String),
}

/// One decoded element: the AI it came from, its dictionary title, the raw
/// data field and its typed value. AI and title borrow the static table
/// (no allocation per scan); deserialised ones are owned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    pub ai: Cow<'static, str>,
    pub title: Cow<'static, str>,
    pub raw: String,
    pub value: Value,
}

/// Checking context: the year two-digit GS1 years are read against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub reference_year: i32,
}

const HINT: &str = " — rescan or type the code";

/// An error about the field of `ai`, worded for a technician.
pub(crate) fn ai_error(code: ScanErrorCode, position: usize, ai: &str, msg: &str) -> ScanError {
    ScanError::new(code, position, format!("AI ({ai}): {msg}{HINT}"))
}

fn in_cset(cset: Cset, b: u8) -> bool {
    match cset {
        Cset::N => b.is_ascii_digit(),
        Cset::X => matches!(b, b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z'),
        Cset::Y => matches!(b, b'#' | b'-' | b'/' | b'0'..=b'9' | b'A'..=b'Z'),
        Cset::Z => b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=',
    }
}

fn cset_name(cset: Cset) -> &'static str {
    match cset {
        Cset::N => "digits only",
        Cset::X => "GS1 character set 82",
        Cset::Y => "GS1 character set 39",
        Cset::Z => "base64url",
    }
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}

fn number(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |a, &b| {
        a.saturating_mul(10)
            .saturating_add(u64::from(b.wrapping_sub(b'0')))
    })
}

/// Checks `v` (the data field of `def`) and builds the element. Error
/// positions are offsets inside `v`.
pub(crate) fn parse_value(def: &'static AiDef, v: &[u8], ctx: Ctx) -> Result<Element, ScanError> {
    let ai = def.ai;
    let mut parts: [(usize, usize); 8] = [(0, 0); 8];
    let mut count = 0;
    let mut at = 0;
    for c in def.components {
        let rest = v.len() - at;
        if rest == 0 && c.optional {
            break;
        }
        let take = component_len(def, c, rest, at, v.len())?;
        let part = &v[at..at + take];
        if let Some(i) = part.iter().position(|&b| !in_cset(c.cset, b)) {
            return Err(ai_error(
                ScanErrorCode::InvalidCharacter,
                at + i,
                ai,
                &format!(
                    "{} is not allowed here ({})",
                    printable(part[i]),
                    cset_name(c.cset)
                ),
            ));
        }
        for &l in c.linters {
            linters::lint(l, part, ctx.reference_year)
                .map_err(|e| ai_error(e.code, at + e.offset.min(take), ai, &e.message))?;
        }
        if let Some(p) = parts.get_mut(count) {
            *p = (at, at + take);
            count += 1;
        }
        at += take;
    }
    if at < v.len() {
        return Err(ai_error(
            ScanErrorCode::TooLong,
            at,
            ai,
            &format!("too long: {} characters, at most {}", v.len(), at),
        ));
    }
    let raw = String::from_utf8_lossy(v).into_owned();
    let value = typed(def, v, &parts[..count], ctx);
    Ok(Element {
        ai: Cow::Borrowed(ai),
        title: Cow::Borrowed(def.title),
        raw,
        value,
    })
}

fn component_len(
    def: &AiDef,
    c: &Component,
    rest: usize,
    at: usize,
    total: usize,
) -> Result<usize, ScanError> {
    let (min, max) = (usize::from(c.min), usize::from(c.max));
    if rest < min {
        let need = at + min;
        let msg = if rest == 0 && at == 0 {
            "no data after the AI".to_string()
        } else {
            format!("too short: {total} characters, needs {need}")
        };
        return Err(ai_error(ScanErrorCode::Truncated, total, def.ai, &msg));
    }
    Ok(rest.min(max))
}

fn is_date(c: &Component) -> bool {
    c.linters
        .iter()
        .any(|l| matches!(l, Linter::Yymmdd | Linter::Yymmd0 | Linter::Yyyymmdd))
}

fn date_of(c: &Component, d: &[u8], ctx: Ctx) -> Option<NaiveDate> {
    if c.linters.contains(&Linter::Yyyymmdd) {
        date::yyyymmdd(d).ok()
    } else {
        date::yymmdd(d, c.linters.contains(&Linter::Yymmd0), ctx.reference_year).ok()
    }
}

fn typed(def: &AiDef, v: &[u8], parts: &[(usize, usize)], ctx: Ctx) -> Value {
    let ai = def.ai.as_bytes();
    let text = || String::from_utf8_lossy(v).into_owned();
    match ai {
        b"00" => return Value::Sscc(text()),
        b"01" | b"02" | b"03" => return Value::Gtin(text()),
        [b'4', b'1', b'0'..=b'7'] => return Value::Gln(text()),
        b"30" | b"37" => return Value::Count(number(v)),
        [b'3', b'1'..=b'6', _, n] | [b'3', b'9', b'0' | b'2' | b'4' | b'5', n] => {
            return Value::Decimal {
                units: number(v),
                scale: n - b'0',
            };
        }
        [b'3', b'9', b'1' | b'3', n] => {
            let (cur, amount) = v.split_at(3.min(v.len()));
            return Value::Money {
                currency: String::from_utf8_lossy(cur).into_owned(),
                units: number(amount),
                scale: n - b'0',
            };
        }
        _ => {}
    }
    let comps = def.components;
    let part = |i: usize| parts.get(i).and_then(|&(a, b)| v.get(a..b));
    if let (Some(c0), Some(d0)) = (comps.first(), part(0))
        && is_date(c0)
        && let Some(date) = date_of(c0, d0, ctx)
    {
        match (comps.get(1), part(1)) {
            (Some(c1), Some(d1)) if is_date(c1) => {
                if let Some(to) = date_of(c1, d1, ctx) {
                    return Value::DateRange { from: date, to };
                }
            }
            (Some(_), Some(_)) => {
                // Time components: hhmi, or hh [mi] [ss] in separate parts.
                let mut hms = [0u32; 3];
                let mut k = 0;
                for p in parts.iter().skip(1).filter_map(|&(a, b)| v.get(a..b)) {
                    for pair in p.chunks(2) {
                        if let Some(slot) = hms.get_mut(k) {
                            *slot = date::two(pair);
                            k += 1;
                        }
                    }
                }
                if let Some(t) = NaiveTime::from_hms_opt(hms[0], hms[1], hms[2]) {
                    return Value::DateTime(date.and_time(t));
                }
            }
            _ => return Value::Date(date),
        }
    }
    Value::Text(text())
}

#[cfg(test)]
mod tests {
    use super::super::ai_table::lookup;
    use super::*;

    const CTX: Ctx = Ctx {
        reference_year: 2026,
    };

    fn parse(ai: &str, v: &str) -> Result<Element, ScanError> {
        parse_value(lookup(ai).unwrap(), v.as_bytes(), CTX)
    }

    #[test]
    fn typed_values() {
        assert_eq!(
            parse("01", "09506000134352").unwrap().value,
            Value::Gtin("09506000134352".into())
        );
        assert_eq!(
            parse("17", "251200").unwrap().value,
            Value::Date(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())
        );
        assert_eq!(
            parse("3103", "001250").unwrap().value,
            Value::Decimal {
                units: 1250,
                scale: 3
            }
        );
        assert_eq!(
            parse("3932", "97812345").unwrap().value,
            Value::Money {
                currency: "978".into(),
                units: 12345,
                scale: 2
            }
        );
        assert_eq!(parse("37", "25").unwrap().value, Value::Count(25));
        let dt = parse("7003", "2503311530").unwrap().value;
        assert_eq!(
            dt,
            Value::DateTime(
                NaiveDate::from_ymd_opt(2025, 3, 31)
                    .unwrap()
                    .and_hms_opt(15, 30, 0)
                    .unwrap()
            )
        );
        let dt = parse("8008", "25033115").unwrap().value;
        assert!(matches!(dt, Value::DateTime(_)));
        assert!(matches!(
            parse("7007", "250301250331").unwrap().value,
            Value::DateRange { .. }
        ));
        assert_eq!(
            parse("10", "ABC-1").unwrap().value,
            Value::Text("ABC-1".into())
        );
    }

    #[test]
    fn refusals() {
        let e = parse("01", "09506000134357").unwrap_err();
        assert_eq!(e.code, ScanErrorCode::CheckDigit);
        assert_eq!(e.position, 13);
        assert!(
            e.message
                .starts_with("AI (01): check digit is 7, should be 2")
        );
        assert_eq!(
            parse("17", "251301").unwrap_err().code,
            ScanErrorCode::InvalidDate
        );
        assert_eq!(
            parse("17", "250230").unwrap_err().code,
            ScanErrorCode::InvalidDate
        );
        assert_eq!(
            parse("10", "AB C").unwrap_err().code,
            ScanErrorCode::InvalidCharacter
        );
        assert_eq!(
            parse("01", "0950600013435").unwrap_err().code,
            ScanErrorCode::Truncated
        );
        assert_eq!(parse("10", "").unwrap_err().code, ScanErrorCode::Truncated);
        assert_eq!(
            parse("10", "123456789012345678901").unwrap_err().code,
            ScanErrorCode::TooLong
        );
        assert_eq!(
            parse("422", "999").unwrap_err().code,
            ScanErrorCode::InvalidValue
        );
    }
}
