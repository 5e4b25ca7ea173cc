//! Rules between the AIs of one message: the dictionary's `req=` and `ex=`
//! attributes, and duplicates.

use super::ai_table::{AiDef, matches_pattern};
use super::element::Element;
use super::error::{ScanError, ScanErrorCode};

/// An element with its dictionary entry and the byte offset of its AI.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub def: &'static AiDef,
    pub position: usize,
    pub element: Element,
}

fn present(parsed: &[Parsed], pattern: &str) -> bool {
    parsed.iter().any(|p| matches_pattern(p.def.ai, pattern))
}

fn list(alternatives: &[&[&str]]) -> String {
    let alts: Vec<String> = alternatives
        .iter()
        .map(|alt| {
            alt.iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" with ")
        })
        .collect();
    match alts.as_slice() {
        [one] => one.clone(),
        _ => format!("one of {}", alts.join(", ")),
    }
}

/// Checks duplicates, exclusions and requirements, in that order.
pub(crate) fn check(parsed: &[Parsed]) -> Result<(), ScanError> {
    for (i, p) in parsed.iter().enumerate() {
        if let Some(first) = parsed[..i].iter().find(|q| q.def.ai == p.def.ai)
            && first.element.raw != p.element.raw
        {
            return Err(ScanError::new(
                ScanErrorCode::DuplicateAi,
                p.position,
                format!(
                    "AI ({}) appears twice with different values ({} and {}) — rescan or type the code",
                    p.def.ai, first.element.raw, p.element.raw
                ),
            ));
        }
    }
    for (i, p) in parsed.iter().enumerate() {
        for (j, q) in parsed.iter().enumerate() {
            if p.def.ai != q.def.ai && p.def.ex.iter().any(|pat| matches_pattern(q.def.ai, pat)) {
                let later = if i > j { p } else { q };
                return Err(ScanError::new(
                    ScanErrorCode::ExcludedAiPair,
                    later.position,
                    format!(
                        "AI ({}) {} and AI ({}) {} must not be on the same label — this is not a valid GS1 label",
                        p.def.ai, p.def.title, q.def.ai, q.def.title
                    ),
                ));
            }
        }
    }
    for p in parsed {
        for group in p.def.req {
            let ok = group
                .iter()
                .any(|alt| alt.iter().all(|pat| present(parsed, pat)));
            if !ok {
                return Err(ScanError::new(
                    ScanErrorCode::MissingRequiredAi,
                    p.position,
                    format!(
                        "AI ({}) {} needs {} on the same label — scan the complete label",
                        p.def.ai,
                        p.def.title,
                        list(group)
                    ),
                ));
            }
        }
    }
    Ok(())
}
