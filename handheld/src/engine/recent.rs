//! The last scans of the current task and what became of each: accepted,
//! refused (with the reason), or waiting for a quantity or an approver. The
//! banner shows only the newest verdict; this list keeps a later scan from
//! hiding what happened to an earlier one.

use std::collections::VecDeque;

use super::model::{RowModel, ScreenModel, Tone, VerdictModel};
use super::t;

/// Scans kept (newest first on screen).
const KEPT: usize = 10;

#[derive(Debug, Default)]
pub struct ScanLog {
    entries: VecDeque<Entry>,
    next_id: u64,
}

#[derive(Debug)]
struct Entry {
    id: u64,
    code: String,
    state: State,
}

#[derive(Debug)]
enum State {
    Judged(VerdictModel),
    /// The flow asked for more (quantity, approver) before judging it.
    Waiting,
    /// The approver's badge while a part waits for its approval.
    Badge,
}

impl ScanLog {
    /// A new task: nothing scanned yet.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// A scan of the current task and the verdict it produced (`None`: the
    /// flow asks for something first).
    pub fn scanned(&mut self, code: &str, verdict: Option<&VerdictModel>, badge: bool) {
        let state = match verdict {
            Some(v) => State::Judged(v.clone()),
            None if badge => State::Badge,
            None => State::Waiting,
        };
        self.next_id += 1;
        self.entries.push_front(Entry {
            id: self.next_id,
            // Control characters (GS) shown as spaces.
            code: code
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
            state,
        });
        self.entries.truncate(KEPT);
    }

    /// The flow judged the part that was waiting (a quantity or a PIN was
    /// given).
    pub fn answered(&mut self, verdict: &VerdictModel) {
        if let Some(e) = self.newest_waiting() {
            e.state = State::Judged(verdict.clone());
        }
    }

    fn newest_waiting(&mut self) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .find(|e| matches!(e.state, State::Waiting))
    }

    /// The list as shown, newest first. `flow` says what the screen asks
    /// now, which is what the newest waiting scan waits for; a flow keeps
    /// one waiting part, so an older one was replaced.
    pub fn rows(&self, flow: &ScreenModel) -> Vec<RowModel> {
        let mut newest_waiting = true;
        self.entries
            .iter()
            .map(|e| {
                let (detail, tone) = match &e.state {
                    State::Judged(v) if v.ok => {
                        (format!("{}: {}", t("Accepted"), v.title), Tone::Ok)
                    }
                    // A storage failure is no verdict: it says what it is.
                    State::Judged(v) if v.code == "storage_error" => {
                        (format!("{}: {}", v.title, v.reason), Tone::Bad)
                    }
                    State::Judged(v) => (format!("{}: {}", t("Refused"), v.reason), Tone::Bad),
                    State::Badge => (t("Approver's badge"), Tone::Plain),
                    State::Waiting => {
                        let live = std::mem::replace(&mut newest_waiting, false);
                        if live && flow.ask_quantity.is_some() {
                            (t("Waiting for the quantity"), Tone::Warn)
                        } else if live && flow.ask_pin.is_some() {
                            (t("Waiting for the approver's badge and PIN"), Tone::Warn)
                        } else if live {
                            (t("Not taken: cancelled"), Tone::Bad)
                        } else {
                            (t("Not taken: a later scan replaced it"), Tone::Bad)
                        }
                    }
                };
                RowModel::new(format!("scan-{}", e.id), e.code.clone(), detail).tone(tone)
            })
            .collect()
    }
}
