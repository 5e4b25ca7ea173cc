//! Texts the engine produces (prompts, verdict titles), translated like the
//! `.slint` files' `@tr` strings. The Russian table is `lang/ru/engine.tsv`
//! (English TAB Russian per line); a missing entry shows the English text.

use sparescan_core::document::DocKind;
use sparescan_core::lang::{self, Lang};
use sparescan_core::model::Role;
use sparescan_core::reason::{Blocker, Refusal};
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

static LANGUAGE: RwLock<&'static str> = RwLock::new("en");
static RU: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();

/// Chooses the language of the engine's texts ("en", "ru").
pub fn set_language(code: &str) {
    let code = if code == "ru" { "ru" } else { "en" };
    if let Ok(mut l) = LANGUAGE.write() {
        *l = code;
    }
}

fn ru() -> &'static HashMap<&'static str, &'static str> {
    RU.get_or_init(|| {
        include_str!("../../../lang/ru/engine.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

pub(crate) fn language() -> &'static str {
    LANGUAGE.read().map(|l| *l).unwrap_or("en")
}

/// The text in the chosen language.
pub fn t(english: &str) -> String {
    match language() {
        "ru" => ru().get(english).copied().unwrap_or(english).to_string(),
        _ => english.to_string(),
    }
}

/// A refusal's message and what to do, in the chosen language (core's
/// `lang` words them; the particulars of the case stay as they are).
pub fn refusal(r: &Refusal) -> (String, String) {
    lang::refusal(lang(), r)
}

fn lang() -> Lang {
    Lang::from_code(language()).unwrap_or_default()
}

/// A closure blocker in the chosen language (core's `Display` is English).
pub fn blocker(b: &Blocker) -> String {
    lang::blocker(lang(), b)
}

pub fn role(r: Role) -> String {
    lang::role(lang(), r).to_owned()
}

pub fn kind(k: DocKind) -> String {
    lang::doc_kind(lang(), k).to_owned()
}

pub fn status(s: sparescan_core::model::WoStatus) -> String {
    use sparescan_core::model::WoStatus::*;
    t(match s {
        Created => "created",
        Approved => "approved",
        InProgress => "in progress",
        AwaitingReturn => "awaiting return",
        OnHold => "on hold",
        Cancelled => "cancelled",
        Closed => "closed",
    })
}

pub fn condition(c: sparescan_core::model::Condition) -> String {
    use sparescan_core::model::Condition::*;
    t(match c {
        New => "new",
        Opened => "opened",
        UnderInspection => "under inspection",
        Rejected => "rejected",
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_russian_line_has_two_columns() {
        for line in include_str!("../../../lang/ru/engine.tsv").lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let (en, ru) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("no tab: {line}"));
            assert!(!en.is_empty() && !ru.is_empty(), "{line}");
        }
    }
}
