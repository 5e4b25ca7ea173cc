//! The console's words for the model's states: what a dispatcher or clerk
//! reads, never an internal identifier.

use sparescan_core::document::Transition;
use sparescan_core::model::{Condition, ReserveStatus, WoStatus, Zone};

pub fn status(s: WoStatus) -> &'static str {
    match s {
        WoStatus::Created => "Created — waiting for approval",
        WoStatus::Approved => "Approved — ready to start",
        WoStatus::InProgress => "In progress",
        WoStatus::AwaitingReturn => "Work done — parts to return",
        WoStatus::OnHold => "On hold",
        WoStatus::Cancelled => "Cancelled",
        WoStatus::Closed => "Closed",
    }
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

pub fn condition(c: Condition) -> &'static str {
    match c {
        Condition::New => "New",
        Condition::Opened => "Opened — usable, marked",
        Condition::UnderInspection => "Needs inspection — quarantine",
        Condition::Rejected => "Rejected",
    }
}

pub fn zone(z: Zone) -> &'static str {
    match z {
        Zone::Storage => "storage",
        Zone::Returns => "returns",
        Zone::Quarantine => "quarantine",
        Zone::Rejected => "rejected",
    }
}

pub fn reserve_status(s: ReserveStatus) -> &'static str {
    match s {
        ReserveStatus::Created => "Nothing locked yet",
        ReserveStatus::Confirmed => "Locked",
        ReserveStatus::PartiallySupplied => "Part locked, part short",
        ReserveStatus::Fulfilled => "Issued",
        ReserveStatus::Cancelled => "Released",
    }
}

/// A lifecycle button's label and the word for its URL.
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
    fn status_keys_are_the_api_names() {
        for s in WoStatus::ALL {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(status_key(s).into())
            );
        }
    }
}
