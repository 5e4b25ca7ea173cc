//! The UI languages, and core's own words in each: refusals by reason
//! code, closure blockers, roles and document kinds. The handheld and the
//! console both show them from here, so a technician at the shelf and a
//! dispatcher at a desk read the same words for the same thing.
//!
//! Core words its refusals in English; the Russian table of reason codes
//! is `core/lang/ru/reasons.tsv` (code, message, what to do), checked
//! complete by a test. Roles and kinds are `match`es, complete by the
//! compiler.

use crate::document::DocKind;
use crate::model::Role;
use crate::reason::{Blocker, ReasonCode, Refusal};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A language people read sparescan in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// The ISO 639-1 code, as stored and as in `lang=` of a URL.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// A language tag ("ru", "ru-RU", "EN"); `None` for one we do not have.
    pub fn from_code(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The language's own name for itself, as a language menu shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
        }
    }

    /// The language a browser prefers most among ours, from its
    /// `Accept-Language` header (`ru-RU,ru;q=0.9,en;q=0.8`).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranked: Vec<(u32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut fields = part.split(';');
                let lang = Lang::from_code(fields.next()?)?;
                let weight = fields
                    .find_map(|f| f.trim().strip_prefix("q="))
                    .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                    .unwrap_or(1.0);
                // Thousandths are enough to rank; no float is kept.
                let weight = (weight.clamp(0.0, 1.0) * 1000.0).round() as u32;
                (weight > 0).then_some((weight, lang))
            })
            .collect();
        // Stable: of equal weights the one named first wins.
        ranked.sort_by_key(|(w, _)| std::cmp::Reverse(*w));
        ranked.first().map(|(_, l)| *l)
    }
}

fn ru_reasons() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static RU: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    RU.get_or_init(|| {
        include_str!("../lang/ru/reasons.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut cols = l.split('\t');
                Some((cols.next()?, (cols.next()?, cols.next()?)))
            })
            .collect()
    })
}

/// A refusal's message and what to do, in `lang`.
pub fn refusal(lang: Lang, r: &Refusal) -> (String, String) {
    reason(lang, r.code, &r.message, &r.what_to_do)
}

/// A reason's message and what to do, in `lang`. Core's message is the
/// code's message with the particulars of the case after it ("… (serial
/// BM-0101, tech-1, WO-1004)"): the particulars stay as they are. A text
/// shaped otherwise (written for this one case) is kept as it came.
pub fn reason(lang: Lang, code: ReasonCode, message: &str, what_to_do: &str) -> (String, String) {
    let Some((ru_message, ru_what_to_do)) = (lang == Lang::Ru)
        .then(|| ru_reasons().get(code.code()))
        .flatten()
    else {
        return (message.to_owned(), what_to_do.to_owned());
    };
    let message = match message.strip_prefix(code.message()) {
        Some(particulars) => format!("{ru_message}{particulars}"),
        None => message.to_owned(),
    };
    let what_to_do = if what_to_do == code.what_to_do() {
        (*ru_what_to_do).to_owned()
    } else {
        what_to_do.to_owned()
    };
    (message, what_to_do)
}

/// A closure blocker in `lang` (its `Display` is the English).
pub fn blocker(lang: Lang, b: &Blocker) -> String {
    if lang == Lang::En {
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

/// A role as people call it, lower case (it stands in lists and sentences).
pub fn role(lang: Lang, r: Role) -> &'static str {
    if lang == Lang::En {
        return r.word();
    }
    match r {
        Role::Technician => "техник",
        Role::Clerk => "кладовщик",
        Role::Supervisor => "мастер",
        Role::Engineer => "инженер",
        Role::Dispatcher => "диспетчер",
        Role::Controller => "контролёр",
        Role::Accountant => "бухгалтер",
        Role::Admin => "администратор",
    }
}

/// A document's kind as a heading or a column names it.
pub fn doc_kind(lang: Lang, k: DocKind) -> &'static str {
    if lang == Lang::En {
        return k.word();
    }
    match k {
        DocKind::Reserve => "Резерв",
        DocKind::ReserveConfirm => "Подтверждение резерва",
        DocKind::ReserveRelease => "Снятие резерва",
        DocKind::Issue => "Выдача",
        DocKind::SubstitutionIssue => "Выдача замены",
        DocKind::AdditionalIssue => "Дополнительная выдача",
        DocKind::EmergencyIssue => "Аварийная выдача",
        DocKind::EmergencyLink => "Привязка аварийной выдачи",
        DocKind::ApprovalRequest => "Запрос согласования",
        DocKind::ApprovalDecision => "Решение по согласованию",
        DocKind::WriteOff => "Списание",
        DocKind::Return => "Возврат",
        DocKind::RemovedUnitReturn => "Возврат снятой единицы",
        DocKind::InspectionDecision => "Решение по проверке",
        DocKind::TransferOut => "Отправка перемещения",
        DocKind::TransferIn => "Приёмка перемещения",
        DocKind::Correction => "Исправление",
        DocKind::WoStatusChange => "Статус наряда",
        DocKind::ToolCheckout => "Выдача инструмента",
        DocKind::ToolReturn => "Возврат инструмента",
        DocKind::Count => "Пересчёт",
        DocKind::PeriodClose => "Закрытие периода",
        DocKind::OpeningBalance => "Начальный остаток",
        DocKind::GoodsReceipt => "Приёмка товара",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_accept_language_choose_ours() {
        assert_eq!(Lang::from_code("ru-RU"), Some(Lang::Ru));
        assert_eq!(Lang::from_code("EN"), Some(Lang::En));
        assert_eq!(Lang::from_code("kk"), None);
        assert_eq!(
            Lang::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Lang::Ru)
        );
        assert_eq!(
            Lang::from_accept_language("de-DE, en;q=0.5, ru;q=0.7"),
            Some(Lang::Ru)
        );
        assert_eq!(Lang::from_accept_language("en-US,en"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("ru;q=0, fr"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn every_reason_code_has_a_russian_message_and_no_stray_codes() {
        let untranslated: Vec<ReasonCode> = ReasonCode::ALL
            .iter()
            .copied()
            .filter(|c| !ru_reasons().contains_key(c.code()))
            .collect();
        assert_eq!(untranslated, Vec::<ReasonCode>::new());
        let known: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.code()).collect();
        for line in include_str!("../lang/ru/reasons.tsv").lines() {
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
            checkout: crate::ids::DocId::new_v7(),
            item: "TORQUE-1".into(),
        };
        assert_eq!(blocker(Lang::En, &b), b.to_string());
        let ru = blocker(Lang::Ru, &b);
        assert!(ru.starts_with("инструмент TORQUE-1 (выдача "), "{ru}");
    }

    #[test]
    fn a_refusal_in_russian_keeps_its_particulars() {
        let r = Refusal::new(ReasonCode::SerialHeldElsewhere).detail("BM-0101: tech-1, WO-1004");
        let (message, what_to_do) = refusal(Lang::Ru, &r);
        assert_eq!(
            message,
            "Эта единица уже числится за другим человеком. (BM-0101: tech-1, WO-1004)"
        );
        assert!(
            what_to_do.starts_with("Проверьте серийный номер"),
            "{what_to_do}"
        );
        assert_eq!(
            refusal(Lang::En, &r),
            (r.message.clone(), r.what_to_do.clone())
        );
        // A what-to-do written for this case stays.
        let mut own = Refusal::new(ReasonCode::StockShortfall);
        own.what_to_do = "Count the bin.".into();
        assert_eq!(refusal(Lang::Ru, &own).1, "Count the bin.");
        // A message of another shape is shown as it came.
        own.message = "Something else".into();
        assert_eq!(refusal(Lang::Ru, &own).0, "Something else");
    }

    #[test]
    fn roles_and_kinds_have_words_in_every_language() {
        for lang in Lang::ALL {
            for r in Role::ALL {
                assert!(!role(lang, r).is_empty());
            }
            for k in DocKind::ALL {
                assert!(!doc_kind(lang, k).is_empty());
            }
        }
        assert_eq!(role(Lang::Ru, Role::Supervisor), "мастер");
    }
}
