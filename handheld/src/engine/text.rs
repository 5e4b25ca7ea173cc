//! Texts the engine produces (prompts, verdict titles), translated like the
//! `.slint` files' `@tr` strings. The Russian table is `lang/ru/engine.tsv`
//! (English TAB Russian per line); a missing entry shows the English text.

use sparescan_core::document::DocKind;
use sparescan_core::model::Role;
use sparescan_core::reason::{Blocker, Refusal};
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

static LANGUAGE: RwLock<&'static str> = RwLock::new("en");
static RU: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
/// Core's reason codes in Russian: code → (message, what to do).
static RU_REASONS: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();

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

fn ru_reasons() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    RU_REASONS.get_or_init(|| {
        include_str!("../../../lang/ru/reasons.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut cols = l.split('\t');
                Some((cols.next()?, (cols.next()?, cols.next()?)))
            })
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

/// A refusal's message and what to do, in the chosen language. Core (and
/// the server) word them in English: the message is the code's message with
/// the particulars of the case after it ("… (serial BM-0101, tech-1,
/// WO-1004)"). The Russian table (`lang/ru/reasons.tsv`) is keyed by the
/// stable code; the particulars stay as they are. A text core shaped
/// otherwise is shown as it came.
pub fn refusal(r: &Refusal) -> (String, String) {
    refusal_in(language(), r)
}

fn refusal_in(lang: &str, r: &Refusal) -> (String, String) {
    let Some((message, what_to_do)) = (lang == "ru")
        .then(|| ru_reasons().get(r.code.code()))
        .flatten()
    else {
        return (r.message.clone(), r.what_to_do.clone());
    };
    let message = match r.message.strip_prefix(r.code.message()) {
        Some(particulars) => format!("{message}{particulars}"),
        None => r.message.clone(),
    };
    let what_to_do = if r.what_to_do == r.code.what_to_do() {
        what_to_do.to_string()
    } else {
        r.what_to_do.clone()
    };
    (message, what_to_do)
}

/// A closure blocker in the chosen language (core's `Display` is English).
pub fn blocker(b: &Blocker) -> String {
    blocker_in(language(), b)
}

fn blocker_in(lang: &str, b: &Blocker) -> String {
    if lang != "ru" {
        return b.to_string();
    }
    match b {
        Blocker::InWork { line, item, qty } => {
            format!("строка {line}: {qty} {item} ещё в работе — спишите или верните")
        }
        Blocker::WriteOffLacksSerial {
            write_off,
            item,
            missing,
        } => format!(
            "в списании {write_off} по {item} не хватает серийных номеров: {missing} — исправьте его, указав номера"
        ),
        Blocker::ReserveHeld {
            reserve,
            line,
            open,
        } => format!("строка {line}: резерв {reserve} ещё держит {open} — снимите его"),
        Blocker::EmergencyNotLinked { emergency, item } => {
            format!("аварийная выдача {emergency} ({item}) не привязана к наряду — привяжите её")
        }
        Blocker::RemovedUnitNotReturned { item, serial } => format!(
            "снятая единица {item} {serial} не сдана в карантин — оформите возврат снятой единицы"
        ),
        Blocker::ToolOut { checkout, item } => {
            format!("инструмент {item} (выдача {checkout}) не возвращён — верните его")
        }
    }
}

pub fn role(r: Role) -> String {
    t(r.word())
}

pub fn kind(k: DocKind) -> String {
    t(k.word())
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
    use super::*;
    use sparescan_core::reason::ReasonCode;

    #[test]
    fn every_reason_code_has_a_russian_message_and_no_stray_codes() {
        let untranslated: Vec<ReasonCode> = ReasonCode::ALL
            .iter()
            .copied()
            .filter(|c| !ru_reasons().contains_key(c.code()))
            .collect();
        assert_eq!(untranslated, Vec::<ReasonCode>::new());
        let known: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.code()).collect();
        for line in include_str!("../../../lang/ru/reasons.tsv").lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 3, "code, message, what to do: {line}");
            assert!(known.contains(&cols[0]), "not a reason code: {line}");
            assert!(cols.iter().all(|c| !c.is_empty()), "{line}");
        }
    }

    #[test]
    fn blockers_are_worded_in_the_chosen_language() {
        let b = Blocker::ToolOut {
            checkout: sparescan_core::ids::DocId::new_v7(),
            item: "TORQUE-1".into(),
        };
        assert_eq!(blocker_in("en", &b), b.to_string());
        let ru = blocker_in("ru", &b);
        assert!(ru.starts_with("инструмент TORQUE-1 (выдача "), "{ru}");
    }

    #[test]
    fn a_refusal_in_russian_keeps_its_particulars() {
        let r = Refusal::new(ReasonCode::SerialHeldElsewhere).detail("BM-0101: tech-1, WO-1004");
        let (message, what_to_do) = refusal_in("ru", &r);
        assert_eq!(
            message,
            "Эта единица уже числится за другим человеком. (BM-0101: tech-1, WO-1004)"
        );
        assert!(
            what_to_do.starts_with("Проверьте серийный номер"),
            "{what_to_do}"
        );
        assert_eq!(
            refusal_in("en", &r),
            (r.message.clone(), r.what_to_do.clone())
        );
        // A what-to-do core (or the app) wrote for this case stays.
        let mut own = Refusal::new(ReasonCode::StockShortfall);
        own.what_to_do = "Count the bin.".into();
        assert_eq!(refusal_in("ru", &own).1, "Count the bin.");
        // A message of another shape is shown as it came.
        own.message = "Something else".into();
        assert_eq!(refusal_in("ru", &own).0, "Something else");
    }
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
