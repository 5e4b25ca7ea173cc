//! GS1 element strings: raw (FNC1 transmitted as GS, a substitute character
//! or nothing at all) and the bracketed human-readable form `(01)…(17)…`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ai_table::{self, AiDef};
use super::element::{Ctx, Element, Value, parse_value};
use super::error::{ScanError, ScanErrorCode};
use super::rules::{self, Parsed};

/// How the GS1 data was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gs1Form {
    /// AI + data, FNC1 as GS between variable-length fields.
    ElementString,
    /// `(01)09506000134352(17)…`.
    Bracketed,
    /// `https://…/01/…/21/…?17=…`.
    DigitalLink,
    /// An EAN-13 / EAN-8 symbol (`]E0`, `]E4`), read as AI (01).
    Ean,
}

/// A decoded GS1 message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gs1 {
    /// AIM symbology identifier, e.g. `]d2`, if the scanner sent one.
    pub symbology: Option<String>,
    pub form: Gs1Form,
    pub elements: Vec<Element>,
}

impl Gs1 {
    pub(crate) fn new(symbology: Option<&str>, form: Gs1Form, parsed: Vec<Parsed>) -> Self {
        Self {
            symbology: symbology.map(str::to_string),
            form,
            elements: parsed.into_iter().map(|p| p.element).collect(),
        }
    }

    /// The first element with this AI.
    pub fn get(&self, ai: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.ai == ai)
    }

    fn raw(&self, ai: &str) -> Option<&str> {
        self.get(ai).map(|e| e.raw.as_str())
    }

    /// GTIN-14 of AI (01).
    pub fn gtin(&self) -> Option<&str> {
        self.raw("01")
    }

    /// SSCC of AI (00).
    pub fn sscc(&self) -> Option<&str> {
        self.raw("00")
    }

    /// Batch or lot, AI (10).
    pub fn batch(&self) -> Option<&str> {
        self.raw("10")
    }

    /// Serial number, AI (21).
    pub fn serial(&self) -> Option<&str> {
        self.raw("21")
    }

    /// Expiry date, AI (17).
    pub fn expiry(&self) -> Option<NaiveDate> {
        match self.get("17")?.value {
            Value::Date(d) => Some(d),
            _ => None,
        }
    }

    /// Count of items, AI (30) or else AI (37).
    pub fn quantity(&self) -> Option<u64> {
        ["30", "37"]
            .iter()
            .find_map(|ai| match self.get(ai)?.value {
                Value::Count(n) => Some(n),
                _ => None,
            })
    }
}

/// GS separators: GS itself, its Unicode control picture, and the configured
/// keyboard-wedge substitute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seps {
    sub: [u8; 4],
    sub_len: usize,
}

pub(crate) const GS: u8 = 0x1D;
const GS_PICTURE: &[u8] = "\u{241D}".as_bytes();

impl Seps {
    pub fn new(substitute: Option<char>) -> Self {
        let mut sub = [0u8; 4];
        let sub_len = substitute.map_or(0, |c| c.encode_utf8(&mut sub).len());
        Self { sub, sub_len }
    }

    /// Length of the separator at `i`, 0 if none.
    pub fn at(&self, data: &[u8], i: usize) -> usize {
        let rest = data.get(i..).unwrap_or_default();
        if rest.first() == Some(&GS) {
            1
        } else if self.sub_len > 0 && rest.starts_with(&self.sub[..self.sub_len]) {
            self.sub_len
        } else if rest.starts_with(GS_PICTURE) {
            GS_PICTURE.len()
        } else {
            0
        }
    }

    pub fn contains(&self, data: &[u8]) -> bool {
        (0..data.len()).any(|i| self.at(data, i) > 0)
    }

    pub fn has_substitute(&self) -> bool {
        self.sub_len > 0
    }
}

/// One element's place in the data: AI at `pos`, field `vs..ve`.
struct Seg {
    def: &'static AiDef,
    pos: usize,
    vs: usize,
    ve: usize,
}

fn unknown_ai(data: &[u8], i: usize) -> ScanError {
    let digits: String = data[i..]
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    let msg = if digits.len() >= 2 {
        format!(
            "no GS1 Application Identifier starts with {digits} — this is not a valid GS1 label, or it was misread; rescan"
        )
    } else if data.len() - i < 2 {
        "data ends where an Application Identifier should start — rescan".to_string()
    } else {
        let c = data[i];
        let shown = if c.is_ascii_graphic() {
            format!("'{}'", c as char)
        } else {
            format!("byte 0x{c:02X}")
        };
        format!("expected an Application Identifier (digits), found {shown} — rescan")
    };
    let code = if digits.len() < 2 && data.len() - i < 2 {
        ScanErrorCode::Truncated
    } else {
        ScanErrorCode::UnknownAi
    };
    ScanError::new(code, i, msg)
}

/// Splits raw data into elements; reports whether a separator was seen.
fn segment(data: &[u8], seps: &Seps) -> Result<(Vec<Seg>, bool), ScanError> {
    let n = data.len();
    let mut segs = Vec::with_capacity(6);
    let mut saw_separator = false;
    let mut i = 0;
    while i < n {
        let l = seps.at(data, i);
        if l > 0 {
            // Leading FNC1 and separators after fixed-length fields are
            // tolerated (GS1 GS §7.8.6).
            saw_separator = true;
            i += l;
            continue;
        }
        let def = ai_table::find_prefix(&data[i..]).ok_or_else(|| unknown_ai(data, i))?;
        let vs = i + def.ai.len();
        let ve = if def.predefined {
            let len = def.max_len();
            if let Some(j) = (vs..(vs + len).min(n)).find(|&j| seps.at(data, j) > 0) {
                return Err(ScanError::new(
                    ScanErrorCode::Truncated,
                    j,
                    format!(
                        "AI ({}): separator after {} of {len} characters — rescan",
                        def.ai,
                        j - vs
                    ),
                ));
            }
            if vs + len > n {
                return Err(ScanError::new(
                    ScanErrorCode::Truncated,
                    n,
                    format!(
                        "AI ({}): data ends after {} of {len} characters — rescan",
                        def.ai,
                        n - vs
                    ),
                ));
            }
            vs + len
        } else {
            (vs..n).find(|&j| seps.at(data, j) > 0).unwrap_or(n)
        };
        segs.push(Seg {
            def,
            pos: i,
            vs,
            ve,
        });
        i = ve;
    }
    if segs.is_empty() {
        return Err(ScanError::new(
            ScanErrorCode::Empty,
            n,
            "no GS1 data in the scan — rescan",
        ));
    }
    Ok((segs, saw_separator))
}

fn build(data: &[u8], segs: &[Seg], ctx: Ctx) -> Result<Vec<Parsed>, ScanError> {
    segs.iter()
        .map(|s| {
            let element =
                parse_value(s.def, &data[s.vs..s.ve], ctx).map_err(|e| e.shifted(s.vs))?;
            Ok(Parsed {
                def: s.def,
                position: s.pos,
                element,
            })
        })
        .collect()
}

fn validated(data: &[u8], segs: &[Seg], ctx: Ctx) -> Result<Vec<Parsed>, ScanError> {
    let parsed = build(data, segs, ctx)?;
    rules::check(&parsed)?;
    Ok(parsed)
}

/// Where the last, variable-length field could also end if a GS had been
/// dropped: a split after which the rest is itself a valid message. Unless
/// `any_ai`, splits before a pre-defined-length AI are not counted, because
/// an encoder puts those first and never needs a separator before them.
fn dropped_gs_split(
    data: &[u8],
    segs: &[Seg],
    seps: &Seps,
    ctx: Ctx,
    any_ai: bool,
) -> Option<usize> {
    let (last, head) = segs.split_last()?;
    if last.def.predefined {
        return None;
    }
    let head = build(data, head, ctx).ok()?;
    // The first part must fit the field: no split beyond its maximum length.
    let end = last.ve.min(last.vs + last.def.max_len() + 1);
    for k in last.vs + 1..end {
        let Some(def) = ai_table::find_prefix(&data[k..]) else {
            continue;
        };
        if def.predefined && !any_ai {
            continue;
        }
        let Ok(first) = parse_value(last.def, &data[last.vs..k], ctx) else {
            continue;
        };
        let Ok((tail, _)) = segment(&data[k..last.ve], seps) else {
            continue;
        };
        let Ok(tail) = build(&data[k..last.ve], &tail, ctx) else {
            continue;
        };
        let mut all = head.clone();
        all.push(Parsed {
            def: last.def,
            position: last.pos,
            element: first,
        });
        all.extend(tail);
        if rules::check(&all).is_ok() {
            return Some(k);
        }
    }
    None
}

/// Decodes a raw element string. `data` starts after any symbology
/// identifier; `base` is its offset in the scan.
///
/// A keyboard wedge may drop GS. When no separator arrived and no substitute
/// is configured: if the message is invalid as read but valid when its last
/// variable-length field is split, the separator is reported missing; and
/// for bare data (no symbology identifier, `trust_missing_gs` false) a valid
/// message that could also be split validly is refused as ambiguous instead
/// of guessed.
pub(crate) fn parse_raw(
    data: &[u8],
    base: usize,
    seps: &Seps,
    ctx: Ctx,
    trust_missing_gs: bool,
) -> Result<Vec<Parsed>, ScanError> {
    let at = |e: ScanError| e.shifted(base);
    let (segs, saw_separator) = segment(data, seps).map_err(at)?;
    let result = validated(data, &segs, ctx);
    let may_have_dropped = !saw_separator && !seps.has_substitute();
    if may_have_dropped
        && (result.is_err() || !trust_missing_gs)
        && let Some(k) = dropped_gs_split(data, &segs, seps, ctx, result.is_err())
    {
        let ai = segs.last().map_or("", |s| s.def.ai);
        let what = if result.is_err() {
            format!(
                "AI ({ai}) is only valid if it ends before position {}",
                base + k
            )
        } else {
            format!("AI ({ai}) could end before position {}", base + k)
        };
        return Err(ScanError::new(
            ScanErrorCode::AmbiguousWithoutSeparator,
            base + k,
            format!(
                "{what}: the GS separator seems to be missing — set the scanner to send GS \
                 (or a substitute character configured in the app) and rescan"
            ),
        ));
    }
    let mut parsed = result.map_err(at)?;
    for p in &mut parsed {
        p.position += base;
    }
    Ok(parsed)
}

/// Whether `data` at `i` starts a bracketed AI `(nn…)` of a known AI; returns
/// the AI and the offset after `)`.
fn bracket_ai(data: &[u8], i: usize) -> Option<(&'static AiDef, usize)> {
    if data.get(i) != Some(&b'(') {
        return None;
    }
    let close = (i + 3..=i + 5).find(|&j| data.get(j) == Some(&b')'))?;
    let digits = data.get(i + 1..close)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let def = ai_table::lookup(std::str::from_utf8(digits).ok()?)?;
    Some((def, close + 1))
}

/// Decodes the bracketed form `(01)09506000134352(10)ABC`. A literal `(` in a
/// value may be written `\(`.
pub(crate) fn parse_bracketed(
    data: &[u8],
    base: usize,
    ctx: Ctx,
) -> Result<Vec<Parsed>, ScanError> {
    let mut parsed = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let Some((def, vs)) = bracket_ai(data, i) else {
            let msg = if data[i] == b'(' {
                "unknown Application Identifier in brackets — check the code"
            } else {
                "expected '(' and an Application Identifier — check the code"
            };
            return Err(ScanError::new(ScanErrorCode::UnknownAi, base + i, msg));
        };
        let mut value = Vec::new();
        let mut j = vs;
        // An unescaped '(' always opens the next AI; a literal one is written `\(`.
        while j < data.len() && data[j] != b'(' {
            if data[j] == b'\\' && data.get(j + 1) == Some(&b'(') {
                j += 1;
            }
            value.push(data[j]);
            j += 1;
        }
        let element = parse_value(def, &value, ctx).map_err(|e| {
            let p = (vs + e.position).min(data.len());
            ScanError {
                position: base + p,
                ..e
            }
        })?;
        parsed.push(Parsed {
            def,
            position: base + i,
            element,
        });
        i = j;
    }
    rules::check(&parsed)?;
    Ok(parsed)
}

/// Whether the data opens like the bracketed form: `(` and a digit.
pub(crate) fn looks_bracketed(data: &[u8]) -> bool {
    data.first() == Some(&b'(') && data.get(1).is_some_and(u8::is_ascii_digit)
}
