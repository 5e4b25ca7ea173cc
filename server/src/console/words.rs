//! The console's words for the model's states: what a dispatcher or clerk
//! reads, never an internal identifier.

use super::i18n::Tr;
use sparescan_core::document::Transition;
use sparescan_core::model::{Condition, ReserveStatus, WoStatus, Zone};
use sparescan_core::rules::replan::Beyond;

pub fn status(tr: Tr, s: WoStatus) -> &'static str {
    tr.t(match s {
        WoStatus::Created => "Created — waiting for approval",
        WoStatus::Approved => "Approved — ready to start",
        WoStatus::InProgress => "In progress",
        WoStatus::AwaitingReturn => "Work done — parts to return",
        WoStatus::OnHold => "On hold",
        WoStatus::Cancelled => "Cancelled",
        WoStatus::Closed => "Closed",
    })
}

/// The status as the list's filter and the URL name it.
pub fn status_key(s: WoStatus) -> &'static str {
    match s {
        WoStatus::Created => "created",
        WoStatus::Approved => "approved",
        WoStatus::InProgress => "in_progress",
        WoStatus::AwaitingReturn => "awaiting_return",
        WoStatus::OnHold => "on_hold",
        WoStatus::Cancelled => "cancelled",
        WoStatus::Closed => "closed",
    }
}

pub fn condition(tr: Tr, c: Condition) -> &'static str {
    tr.t(match c {
        Condition::New => "New",
        Condition::Opened => "Opened — usable, marked",
        Condition::UnderInspection => "Needs inspection — quarantine",
        Condition::Rejected => "Rejected",
    })
}

pub fn zone(tr: Tr, z: Zone) -> &'static str {
    tr.t(match z {
        Zone::Storage => "storage",
        Zone::Returns => "returns",
        Zone::Quarantine => "quarantine",
        Zone::Rejected => "rejected",
    })
}

pub fn reserve_status(tr: Tr, s: ReserveStatus) -> &'static str {
    tr.t(match s {
        ReserveStatus::Created => "Nothing locked yet",
        ReserveStatus::Confirmed => "Locked",
        ReserveStatus::PartiallySupplied => "Part locked, part short",
        ReserveStatus::Fulfilled => "Issued",
        ReserveStatus::Cancelled => "Released",
    })
}

/// A lifecycle button's label (in the reader's language).
pub fn transition_label(tr: Tr, t: Transition) -> &'static str {
    tr.t(transition(t).0)
}

/// A lifecycle button's English label and the word for its URL.
pub fn transition(t: Transition) -> (&'static str, &'static str) {
    match t {
        Transition::Approve => ("Approve", "approve"),
        Transition::Start => ("Start work", "start"),
        Transition::Complete => ("Report work complete", "complete"),
        Transition::Hold => ("Put on hold", "hold"),
        Transition::Resume => ("Resume", "resume"),
        Transition::Cancel => ("Cancel the order", "cancel"),
        Transition::Close => ("Close", "close"),
    }
}

/// How a proposed line goes beyond what was approved, as a phrase.
pub fn beyond(tr: Tr, b: &Beyond, unit: &str) -> String {
    match b {
        Beyond::NewLine => tr.t("a line the approval did not list").to_owned(),
        Beyond::Item { approved } => tr.f(
            "another item than the approved {item}",
            &[("item", approved)],
        ),
        Beyond::Quantity {
            approved,
            asked,
            free,
        } => tr.f(
            "{asked} {unit} where {approved} {unit} was approved (up to {free} {unit} without approval)",
            &[
                ("asked", asked),
                ("approved", approved),
                ("free", free),
                ("unit", &unit),
            ],
        ),
        Beyond::Substitutes(items) => tr.f(
            "substitutes not approved: {items}",
            &[(
                "items",
                &items
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            )],
        ),
        Beyond::Tolerance { approved, asked } => tr.f(
            "tolerance {asked} % where {approved} % was approved",
            &[("asked", asked), ("approved", approved)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_words_name_one_transition_each() {
        let mut seen = std::collections::HashSet::new();
        for t in Transition::ALL {
            assert!(seen.insert(transition(t).1), "{t:?}");
        }
    }

    #[test]
    fn every_word_has_its_russian() {
        use super::super::i18n::{Lang, has_russian};
        use sparescan_core::model::Role;
        let en = Tr(Lang::En);
        let mut words: Vec<&str> = Vec::new();
        words.extend(WoStatus::ALL.iter().map(|s| status(en, *s)));
        words.extend(
            [
                Condition::New,
                Condition::Opened,
                Condition::UnderInspection,
                Condition::Rejected,
            ]
            .map(|c| condition(en, c)),
        );
        words.extend(
            [
                Zone::Storage,
                Zone::Returns,
                Zone::Quarantine,
                Zone::Rejected,
            ]
            .map(|z| zone(en, z)),
        );
        words.extend(
            [
                ReserveStatus::Created,
                ReserveStatus::Confirmed,
                ReserveStatus::PartiallySupplied,
                ReserveStatus::Fulfilled,
                ReserveStatus::Cancelled,
            ]
            .map(|r| reserve_status(en, r)),
        );
        words.extend(Transition::ALL.iter().map(|t| transition(*t).0));
        let missing: Vec<&&str> = words.iter().filter(|w| !has_russian(w)).collect();
        assert!(missing.is_empty(), "no Russian for {missing:?}");
        // Roles come from core, in both languages.
        assert_eq!(Tr(Lang::Ru).role(Role::Clerk), "кладовщик");
    }

    #[test]
    fn status_keys_are_the_api_names() {
        for s in WoStatus::ALL {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(status_key(s).into())
            );
        }
    }
}
