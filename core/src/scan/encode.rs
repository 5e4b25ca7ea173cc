//! Encoding GS1 element strings (what the server prints on bin, serial and
//! kit labels) with the fewest FNC1 separators, and the bracketed
//! human-readable form.

use super::ai_table;
use super::date;
use super::element::{Ctx, parse_value};
use super::error::ScanError;
use super::gs1::GS;
use super::rules::{self, Parsed};

/// Why elements cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("no elements to encode")]
    Empty,
    #[error("unknown GS1 Application Identifier ({0})")]
    UnknownAi(String),
    /// The data would be refused by the decoder; the position is the index
    /// of the element at fault.
    #[error("{0}")]
    Invalid(ScanError),
}

/// Validates `(ai, value)` pairs exactly as the decoder would.
fn validate(elements: &[(&str, &str)], reference_year: i32) -> Result<Vec<Parsed>, EncodeError> {
    if elements.is_empty() {
        return Err(EncodeError::Empty);
    }
    let ctx = Ctx { reference_year };
    let parsed = elements
        .iter()
        .enumerate()
        .map(|(i, (ai, value))| {
            let def = ai_table::lookup(ai).ok_or_else(|| EncodeError::UnknownAi(ai.to_string()))?;
            let element = parse_value(def, value.as_bytes(), ctx)
                .map_err(|e| EncodeError::Invalid(ScanError { position: i, ..e }))?;
            Ok(Parsed {
                def,
                position: i,
                element,
            })
        })
        .collect::<Result<Vec<_>, EncodeError>>()?;
    rules::check(&parsed).map_err(EncodeError::Invalid)?;
    Ok(parsed)
}

/// The element string (no leading FNC1: the symbol supplies it), with
/// pre-defined-length AIs first and a GS only after variable-length fields
/// that are not last. Dates are checked against the current year's century
/// window.
pub fn encode_gs1(elements: &[(&str, &str)]) -> Result<String, EncodeError> {
    encode_gs1_at(elements, date::current_year())
}

/// [`encode_gs1`] with an explicit reference year for two-digit years.
pub fn encode_gs1_at(
    elements: &[(&str, &str)],
    reference_year: i32,
) -> Result<String, EncodeError> {
    let parsed = validate(elements, reference_year)?;
    let (fixed, variable): (Vec<&Parsed>, Vec<&Parsed>) =
        parsed.iter().partition(|p| p.def.predefined);
    let mut out = String::new();
    for p in &fixed {
        out.push_str(p.def.ai);
        out.push_str(&p.element.raw);
    }
    for (i, p) in variable.iter().enumerate() {
        out.push_str(p.def.ai);
        out.push_str(&p.element.raw);
        if i + 1 < variable.len() {
            out.push(GS as char);
        }
    }
    Ok(out)
}

/// The bracketed human-readable form `(01)…(10)…`, in the given order; a `(`
/// inside a value is written `\(`.
pub fn encode_gs1_bracketed(elements: &[(&str, &str)]) -> Result<String, EncodeError> {
    let parsed = validate(elements, date::current_year())?;
    let mut out = String::new();
    for p in &parsed {
        out.push('(');
        out.push_str(p.def.ai);
        out.push(')');
        out.push_str(&p.element.raw.replace('(', "\\("));
    }
    Ok(out)
}
