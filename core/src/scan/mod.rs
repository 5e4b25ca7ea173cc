//! Scan decoding: GS1 element strings, GS1 Digital Link, HIBC, ANSI MH10.8.2
//! supplier labels and site labels.
//!
//! [`classify`] is the one entry point: it takes the bytes a scanner
//! delivered and returns a typed [`Scan`] or a typed [`ScanError`] saying what
//! is wrong, where, and what to do. It never panics and needs nothing but the
//! configuration: no network, no clock except for the GS1 century window
//! (which [`ScanConfig::reference_year`] can pin).
//!
//! How a scan is recognised, in order:
//! 1. An AIM symbology identifier: `]C1` `]e0` `]d2` `]Q3` `]J1` mean GS1
//!    data; `]E0`/`]E4` an EAN-13/EAN-8 GTIN; any other (`]d1`, `]Q1`, …)
//!    non-GS1 data, classified as below.
//! 2. `[)>`: a supplier label (MH10.8.2 format 06).
//! 3. `+`: HIBC.
//! 4. `http://` or `https://`: a GS1 Digital Link if its path holds a GS1
//!    primary key, otherwise a plain code (a web link).
//! 5. A site label prefix (see [`SiteLabelPrefixes`]).
//! 6. Without a symbology identifier, GS1 data is recognised by a leading or
//!    embedded GS (or its configured substitute), by the bracketed form
//!    `(01)…`, or by a leading (00), (01), (02) or (03) with all its digits.
//!    Other bare data (EAN-13 digits, item codes) is a plain code.
//! 7. Anything else: [`Scan::Plain`], which the caller resolves against its
//!    cache (item code, GTIN, serial).
//!
//! A keyboard-wedge scanner may drop GS. When no separator arrives and none
//! is configured, a message that is only valid with its last variable-length
//! field split is refused as "GS missing"; and bare data (no symbology
//! identifier, the typical wedge set-up) whose last variable-length field
//! could also be split into further valid elements is refused
//! ([`ScanErrorCode::AmbiguousWithoutSeparator`]) rather than guessed. A
//! scanner that sends a symbology identifier is trusted to send GS too; a
//! split before a pre-defined-length AI is not counted, because encoders put
//! those first.

pub mod ai_table;
pub mod cli;
mod codes;
mod config;
mod date;
mod digital_link;
mod element;
mod encode;
mod error;
mod gs1;
mod hibc;
mod linters;
mod mh10;
mod rules;
mod site;
mod symbology;

pub use config::{ScanConfig, SiteLabelPrefixes};
pub use element::{Element, Value};
pub use encode::{EncodeError, encode_gs1, encode_gs1_at, encode_gs1_bracketed};
pub use error::{ScanError, ScanErrorCode};
pub use gs1::{Gs1, Gs1Form};
pub use hibc::{Hibc, HibcForm, check_character as hibc_check_character};
pub use linters::gs1_check_digit;
pub use mh10::{DiField, DiValue, Supplier};
pub use site::{SiteLabel, SiteLabelError, SiteLabelKind, encode_site_label};

use serde::{Deserialize, Serialize};

use element::Ctx;
use gs1::Seps;
use symbology::Content;

/// What a scan is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Scan {
    Gs1(Gs1),
    Hibc(Hibc),
    Supplier(Supplier),
    Site(SiteLabel),
    /// A code to resolve against the cache: item code, GTIN, serial, …
    Plain(String),
}

/// Classifies and decodes one scan. `input` may be any bytes; a trailing
/// CR/LF from the scanner is ignored.
pub fn classify(input: impl AsRef<[u8]>, config: &ScanConfig) -> Result<Scan, ScanError> {
    let bytes = input.as_ref();
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ScanError::new(
            ScanErrorCode::InvalidEncoding,
            e.valid_up_to(),
            "the scan contains bytes that are not text — check the scanner's keyboard/encoding settings and rescan",
        )
    })?;
    let text = text.trim_end_matches(['\r', '\n']);
    if text.trim().is_empty() {
        return Err(ScanError::new(
            ScanErrorCode::Empty,
            0,
            "nothing was scanned — rescan",
        ));
    }
    let ctx = Ctx {
        reference_year: config.reference_year.unwrap_or_else(date::current_year),
    };
    let seps = Seps::new(config.gs_substitute);
    let data = text.as_bytes();
    if let Some((id, content, rest)) = symbology::split(data) {
        let base = id.len();
        return match content {
            // Some scanners report a Digital Link QR as GS1 QR.
            Content::Gs1 if digital_link::is_uri(rest) => {
                other(&text[base..], base, Some(id), config, &seps, ctx)
            }
            Content::Gs1 if gs1::looks_bracketed(rest) => Ok(Scan::Gs1(Gs1::new(
                Some(id),
                Gs1Form::Bracketed,
                gs1::parse_bracketed(rest, base, ctx)?,
            ))),
            Content::Gs1 => Ok(Scan::Gs1(Gs1::new(
                Some(id),
                Gs1Form::ElementString,
                gs1::parse_raw(rest, base, &seps, ctx, true)?,
            ))),
            Content::Ean => ean(id, rest, base, ctx),
            Content::Other => other(&text[base..], base, Some(id), config, &seps, ctx),
        };
    }
    other(text, 0, None, config, &seps, ctx)
}

/// Non-GS1 symbologies and bare data.
fn other(
    text: &str,
    base: usize,
    symbology: Option<&str>,
    config: &ScanConfig,
    seps: &Seps,
    ctx: Ctx,
) -> Result<Scan, ScanError> {
    let data = text.as_bytes();
    if mh10::is_supplier(data) {
        return mh10::parse(data, base, config).map(Scan::Supplier);
    }
    if data.first() == Some(&b'+') {
        return hibc::parse(data, base).map(Scan::Hibc);
    }
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let tbase = base + lead;
    if digital_link::is_uri(trimmed.as_bytes()) {
        return Ok(match digital_link::parse(trimmed.as_bytes(), tbase, ctx)? {
            Some(parsed) => Scan::Gs1(Gs1::new(symbology, Gs1Form::DigitalLink, parsed)),
            None => Scan::Plain(trimmed.to_string()),
        });
    }
    if let Some(site) = site::parse(trimmed, tbase, &config.prefixes) {
        return site.map(Scan::Site);
    }
    if symbology.is_none() {
        if seps.contains(data) {
            return Ok(Scan::Gs1(Gs1::new(
                None,
                Gs1Form::ElementString,
                gs1::parse_raw(data, base, seps, ctx, false)?,
            )));
        }
        let t = trimmed.as_bytes();
        if gs1::looks_bracketed(t) {
            return Ok(Scan::Gs1(Gs1::new(
                None,
                Gs1Form::Bracketed,
                gs1::parse_bracketed(t, tbase, ctx)?,
            )));
        }
        if starts_with_key(t) {
            return Ok(Scan::Gs1(Gs1::new(
                None,
                Gs1Form::ElementString,
                gs1::parse_raw(t, tbase, seps, ctx, false)?,
            )));
        }
    }
    Ok(Scan::Plain(trimmed.to_string()))
}

/// Bare data that opens with a complete (00), (01), (02) or (03): GS1 for
/// sure, so its errors are refusals rather than a plain code.
fn starts_with_key(t: &[u8]) -> bool {
    let len = match t.get(..2) {
        Some(b"00") => 18,
        Some(b"01" | b"02" | b"03") => 14,
        _ => return false,
    };
    t.get(2..2 + len)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// `]E0` EAN-13 / `]E4` EAN-8: the GTIN, as AI (01).
fn ean(id: &str, rest: &[u8], base: usize, ctx: Ctx) -> Result<Scan, ScanError> {
    let want = if id == "]E4" { 8 } else { 13 };
    if rest.len() != want || !rest.iter().all(u8::is_ascii_digit) {
        return Ok(Scan::Plain(String::from_utf8_lossy(rest).into_owned()));
    }
    let mut gtin = "0".repeat(14 - want);
    gtin.push_str(&String::from_utf8_lossy(rest));
    let def = ai_table::lookup("01").ok_or_else(|| {
        ScanError::new(
            ScanErrorCode::UnknownAi,
            base,
            "AI (01) missing from the table",
        )
    })?;
    let element = element::parse_value(def, gtin.as_bytes(), ctx).map_err(|e| ScanError {
        position: (base + e.position).saturating_sub(14 - want).max(base),
        ..e
    })?;
    Ok(Scan::Gs1(Gs1::new(
        Some(id),
        Gs1Form::Ean,
        vec![rules::Parsed {
            def,
            position: base,
            element,
        }],
    )))
}
