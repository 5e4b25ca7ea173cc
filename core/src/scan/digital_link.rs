//! GS1 Digital Link URIs: `https://any.domain/optional/prefix/01/{gtin}/10/{lot}/21/{serial}?17=…`.
//!
//! Only the numeric AI syntax is read (no convenience short names such as
//! `/gtin/`). Any domain and any path prefix are accepted; the primary key is
//! the first path segment naming a `dlpkey` AI. Query parameters that are not
//! numeric (e.g. `linkType`) are ignored.

use super::ai_table::{self, AiDef};
use super::element::{Ctx, parse_value};
use super::error::{ScanError, ScanErrorCode};
use super::rules::{self, Parsed};

/// Whether the scan is an http(s) URI.
pub(crate) fn is_uri(s: &[u8]) -> bool {
    let lower = |n: usize| s.get(..n).map(|p| p.to_ascii_lowercase());
    lower(7).as_deref() == Some(b"http://") || lower(8).as_deref() == Some(b"https://")
}

fn err(position: usize, msg: impl Into<String>) -> ScanError {
    ScanError::new(ScanErrorCode::DigitalLink, position, msg)
}

fn percent_decode(s: &[u8], at: usize) -> Result<Vec<u8>, ScanError> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| err(at + i, "bad percent-encoding in the link — rescan"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// `(start, end)` of each `/`-separated segment of `path` (which starts with
/// `/`), as offsets into the scan.
fn segments(path: &[u8], at: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 1;
    for (i, &b) in path.iter().enumerate().skip(1) {
        if b == b'/' {
            out.push((at + start, at + i));
            start = i + 1;
        }
    }
    out.push((at + start, at + path.len()));
    out
}

fn element(
    data: &[u8],
    def: &'static AiDef,
    key_at: usize,
    value: (usize, usize),
    ctx: Ctx,
) -> Result<Parsed, ScanError> {
    let mut v = percent_decode(&data[value.0..value.1], value.0)?;
    // GTIN-8/12/13 are written unpadded in links; the element is GTIN-14.
    if def.ai == "01" && matches!(v.len(), 8 | 12 | 13) && v.iter().all(u8::is_ascii_digit) {
        let mut padded = vec![b'0'; 14 - v.len()];
        padded.extend_from_slice(&v);
        v = padded;
    }
    let element = parse_value(def, &v, ctx).map_err(|e| ScanError {
        position: (value.0 + e.position).min(value.1),
        ..e
    })?;
    Ok(Parsed {
        def,
        position: key_at,
        element,
    })
}

fn ai_at(data: &[u8], (a, b): (usize, usize)) -> Option<&'static AiDef> {
    let s = &data[a..b];
    if s.len() < 2 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    ai_table::lookup(std::str::from_utf8(s).ok()?)
}

/// Whether `qualifiers` follow one of the key's allowed orders.
fn in_order(sequences: &[&[&str]], qualifiers: &[&str]) -> bool {
    if qualifiers.is_empty() {
        return true;
    }
    sequences.iter().any(|seq| {
        let mut it = seq.iter();
        qualifiers.iter().all(|q| it.any(|s| s == q))
    })
}

/// Decodes a Digital Link URI starting at `data[0]` (offset `base` in the
/// scan). `Ok(None)`: a web link with no GS1 primary key in its path.
pub(crate) fn parse(data: &[u8], base: usize, ctx: Ctx) -> Result<Option<Vec<Parsed>>, ScanError> {
    let mut parsed = parse_at_zero(data, ctx).map_err(|e| e.shifted(base))?;
    for p in parsed.iter_mut().flatten() {
        p.position += base;
    }
    Ok(parsed)
}

fn parse_at_zero(data: &[u8], ctx: Ctx) -> Result<Option<Vec<Parsed>>, ScanError> {
    let scheme_end = data
        .windows(3)
        .position(|w| w == b"://")
        .map_or(0, |p| p + 3);
    let end = data.iter().position(|&b| b == b'#').unwrap_or(data.len());
    let query_at = data[..end].iter().position(|&b| b == b'?').unwrap_or(end);
    let path_at = data[scheme_end..query_at]
        .iter()
        .position(|&b| b == b'/')
        .map_or(query_at, |p| scheme_end + p);
    if path_at == scheme_end {
        return Err(err(scheme_end, "the link has no domain — rescan"));
    }
    if let Some(i) = data[..end].iter().position(|b| !b.is_ascii_graphic()) {
        return Err(err(
            i,
            "the link contains spaces or control characters — rescan",
        ));
    }
    let segs = if path_at < query_at {
        segments(&data[path_at..query_at], path_at)
    } else {
        Vec::new()
    };
    let Some(first) = (0..segs.len())
        .find(|&i| i + 1 < segs.len() && ai_at(data, segs[i]).is_some_and(|d| d.dlpkey.is_some()))
    else {
        return Ok(None);
    };
    let pairs = &segs[first..];
    if pairs.len() % 2 != 0 {
        let (a, _) = pairs[pairs.len() - 1];
        return Err(err(a, "the link path has an AI without a value — rescan"));
    }
    let mut parsed = Vec::new();
    let mut qualifiers = Vec::new();
    let mut key: Option<&'static AiDef> = None;
    for pair in pairs.chunks(2) {
        let (k, v) = (pair[0], pair[1]);
        let Some(def) = ai_at(data, k) else {
            return Err(err(
                k.0,
                "the link path names no GS1 Application Identifier here — rescan",
            ));
        };
        match key {
            None => key = Some(def),
            Some(primary) => {
                qualifiers.push(def.ai);
                if !in_order(primary.dlpkey.unwrap_or_default(), &qualifiers) {
                    return Err(err(
                        k.0,
                        format!(
                            "AI ({}) may not follow AI ({}) in a Digital Link path (wrong qualifier or order)",
                            def.ai, primary.ai
                        ),
                    ));
                }
            }
        }
        parsed.push(element(data, def, k.0, v, ctx)?);
    }
    if query_at < end {
        let mut start = query_at + 1;
        for part in data[query_at + 1..end].split(|&b| b == b'&') {
            let at = start;
            start += part.len() + 1;
            let eq = part.iter().position(|&b| b == b'=').unwrap_or(part.len());
            let key = &part[..eq];
            if key.is_empty() || !key.iter().all(u8::is_ascii_digit) {
                continue;
            }
            let Some(def) = ai_at(data, (at, at + eq)) else {
                return Err(err(
                    at,
                    format!(
                        "the link names an unknown AI ({}) — rescan",
                        String::from_utf8_lossy(key)
                    ),
                ));
            };
            if !def.dl_attribute {
                return Err(err(
                    at,
                    format!("AI ({}) is not allowed as a Digital Link attribute", def.ai),
                ));
            }
            let value_at = (at + eq + 1).min(at + part.len());
            parsed.push(element(data, def, at, (value_at, at + part.len()), ctx)?);
        }
    }
    rules::check(&parsed)?;
    Ok(Some(parsed))
}
