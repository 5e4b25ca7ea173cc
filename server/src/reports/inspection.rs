//! Which inspection decision cleared which return: the matching behind
//! "time to process a return" and "share of returns that passed
//! inspection".
//!
//! A return waits for inspection when it put stock under inspection in a
//! quarantine bin: a return in condition under inspection, or a removed
//! unit returned under inspection. (Returns recorded as new, opened or
//! rejected need no decision.) Waiting returns queue per item, quarantine
//! bin and batch, in ledger order. A decision on that stock clears first
//! the returns holding the serials it names, then the rest first in,
//! first out. A return is processed when the last of it is cleared.
//! Decisions on stock no return put there (opening quarantine stock)
//! match nothing and are ignored.

use super::common::live;
use chrono::{DateTime, Utc};
use sparescan_core::document::{Body, Decision};
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::Condition;
use sparescan_core::qty::Qty;
use sparescan_core::view::Accepted;
use std::collections::{HashMap, VecDeque};

struct Waiting {
    doc: DocId,
    at: DateTime<Utc>,
    left: Qty,
    serials: Vec<SerialNo>,
}

/// Part of a return cleared by one decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Clearing {
    pub return_doc: DocId,
    pub returned_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub item: ItemId,
    pub qty: Qty,
    pub released: bool,
    /// This decision cleared the last of the return.
    pub completes: bool,
}

/// A return still (partly) under inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    pub return_doc: DocId,
    pub returned_at: DateTime<Utc>,
    pub item: ItemId,
    pub left: Qty,
}

#[derive(Debug, Default)]
pub(crate) struct Matching {
    pub clearings: Vec<Clearing>,
    pub pending: Vec<Pending>,
}

type Key = (ItemId, BinId, Option<BatchCode>);

pub(crate) fn match_inspections(ledger: &MemoryLedger, docs: &[Accepted]) -> Matching {
    let mut queues: HashMap<Key, VecDeque<Waiting>> = HashMap::new();
    let mut m = Matching::default();
    for acc in docs.iter().filter(|a| live(ledger, a)) {
        let at = acc.doc.device_time;
        match &acc.doc.body {
            Body::Return {
                item,
                batch,
                serials,
                qty,
                condition: Condition::UnderInspection,
                to_bin,
            } => queues
                .entry((item.clone(), to_bin.clone(), batch.clone()))
                .or_default()
                .push_back(Waiting {
                    doc: acc.doc.id,
                    at,
                    left: *qty,
                    serials: serials.clone(),
                }),
            Body::RemovedUnitReturn {
                item,
                serial,
                condition: Condition::UnderInspection,
                to_bin,
            } => queues
                .entry((item.clone(), to_bin.clone(), None))
                .or_default()
                .push_back(Waiting {
                    doc: acc.doc.id,
                    at,
                    left: Qty::units(1),
                    serials: vec![serial.clone()],
                }),
            Body::InspectionDecision {
                item,
                from_bin,
                batch,
                serials,
                qty,
                decision,
            } => {
                let key = (item.clone(), from_bin.clone(), batch.clone());
                if let Some(queue) = queues.get_mut(&key) {
                    let released = matches!(decision, Decision::Release { .. });
                    let mut clear = |w: &Waiting, q: Qty, completes: bool| {
                        m.clearings.push(Clearing {
                            return_doc: w.doc,
                            returned_at: w.at,
                            decided_at: at,
                            item: item.clone(),
                            qty: q,
                            released,
                            completes,
                        })
                    };
                    clear_queue(queue, serials, *qty, &mut clear);
                }
            }
            _ => {}
        }
    }
    for ((item, _, _), queue) in queues {
        for w in queue {
            m.pending.push(Pending {
                return_doc: w.doc,
                returned_at: w.at,
                item: item.clone(),
                left: w.left,
            });
        }
    }
    m.pending.sort_by_key(|p| (p.returned_at, p.return_doc));
    m
}

/// Takes `qty` off the queue: the units named by serial from the returns
/// holding them, the rest oldest first.
fn clear_queue(
    queue: &mut VecDeque<Waiting>,
    serials: &[SerialNo],
    qty: Qty,
    clear: &mut impl FnMut(&Waiting, Qty, bool),
) {
    let one = Qty::units(1);
    let mut left = qty;
    for s in serials {
        if left < one {
            break;
        }
        let Some(i) = queue
            .iter()
            .position(|w| w.left >= one && w.serials.contains(s))
        else {
            continue;
        };
        let Some(w) = queue.get_mut(i) else { continue };
        w.serials.retain(|x| x != s);
        w.left -= one;
        left -= one;
        let done = !w.left.is_positive();
        clear(w, one, done);
        if done {
            queue.remove(i);
        }
    }
    while left.is_positive() {
        let Some(w) = queue.front_mut() else { break };
        let take = left.min(w.left);
        w.left -= take;
        left -= take;
        // Units cleared without naming serials take the oldest serials.
        let units = usize::try_from(take.milli() / 1000).unwrap_or(0);
        w.serials.drain(..units.min(w.serials.len()));
        let done = !w.left.is_positive();
        clear(w, take, done);
        if done {
            queue.pop_front();
        }
    }
}
