//! Effects: what an accepted document changes in the projections. Every
//! effect carries enough to be undone, so a correction is the inverse of the
//! original's effects, checked against the state as it is now.

use crate::ids::*;
use crate::model::*;
use crate::money::Money;
use crate::qty::Qty;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Stock on a shelf changes.
    Stock { key: StockKey, delta: Qty },
    /// Quantity in work (handed out, not yet written off or returned).
    InWork { key: InWorkKey, delta: Qty },
    /// What an issue document still has out (returns reference it).
    IssueOpen { issue: DocId, delta: Qty },
    LineCount {
        line: DemandLineId,
        counter: LineCounter,
        delta: Qty,
    },
    /// A serial unit moves; `before: None` creates it (a removed unit the
    /// ledger never saw).
    Serial {
        key: SerialKey,
        before: Option<SerialState>,
        after: Option<SerialState>,
    },
    /// A demand line appears (additional issue) or, undone, disappears.
    Line {
        id: DemandLineId,
        before: Option<Box<DemandLine>>,
        after: Option<Box<DemandLine>>,
    },
    /// A reserve is created (or, undone, dropped).
    Reserve {
        id: ReserveId,
        before: Option<Box<Reserve>>,
        after: Option<Box<Reserve>>,
    },
    /// Reserve quantities change (issue consumes, transfer in tops up,
    /// release frees).
    ReserveQty {
        id: ReserveId,
        open: Qty,
        locked: Qty,
    },
    /// A reserve is released (`cancelled: true`) or, undone, restored.
    ReserveCancelled { id: ReserveId, cancelled: bool },
    WorkOrder {
        id: WorkOrderId,
        before: WoState,
        after: WoState,
    },
    Tool {
        checkout: DocId,
        before: Option<Box<ToolOut>>,
        after: Option<Box<ToolOut>>,
    },
    Emergency {
        doc: DocId,
        before: Option<Box<Emergency>>,
        after: Option<Box<Emergency>>,
    },
    /// An approval request asked, decided or drawn on.
    Approval {
        request: DocId,
        before: Option<Box<Approval>>,
        after: Option<Box<Approval>>,
    },
    /// Goods leave for another warehouse (or, undone, the transit is
    /// dropped).
    Transit {
        transfer: DocId,
        before: Option<Box<Transit>>,
        after: Option<Box<Transit>>,
    },
    /// Part of a transit is received.
    TransitQty { transfer: DocId, delta: Qty },
    MissingSerial {
        write_off: DocId,
        before: Option<Box<MissingSerial>>,
        after: Option<Box<MissingSerial>>,
    },
    /// A new lot becomes known with its receipt (or, undone, is
    /// forgotten).
    ReceivedBatch {
        key: (ItemId, BatchCode),
        before: Option<Batch>,
        after: Option<Batch>,
    },
    /// A serial unit's warranty end date is set (a receipt) or, undone,
    /// put back.
    Warranty {
        key: SerialKey,
        before: Option<NaiveDate>,
        after: Option<NaiveDate>,
    },
    /// Opens a discrepancy for a controller. Not undone by a reversal: the
    /// controller closes it.
    Discrepancy(Discrepancy),
    PeriodClosed {
        before: Option<NaiveDate>,
        after: NaiveDate,
    },
    /// Marks a document as reversed by a correction.
    Reversed { doc: DocId, by: Option<DocId> },
    /// What the document moved of an item was worth when it was accepted
    /// (`moved`, `worth`), and how the item's valued stock changed
    /// (`stock_qty`, `stock_value`: receipts add, consumption takes; an
    /// issue, a return or a move within the site changes neither). Written
    /// by [`crate::rules::valuation`] on the server; never undone as it
    /// is: a correction is valued afresh.
    Value {
        item: ItemId,
        moved: Qty,
        worth: Money,
        stock_qty: Qty,
        stock_value: Money,
    },
}

impl Effect {
    /// What a document's effects took from the site's valued stock: a
    /// write-off's cost ([`Effect::Value`]s that lowered a value).
    pub fn value_taken(effects: &[Effect]) -> Money {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Value { stock_value, .. } if stock_value.is_negative() => {
                    Some(-*stock_value)
                }
                _ => None,
            })
            .sum()
    }

    /// The effect that undoes this one, if it can be undone.
    pub fn inverse(&self) -> Option<Effect> {
        fn swap<T: Clone>(b: &T, a: &T) -> (T, T) {
            (a.clone(), b.clone())
        }
        Some(match self {
            Effect::Stock { key, delta } => Effect::Stock {
                key: key.clone(),
                delta: -*delta,
            },
            Effect::InWork { key, delta } => Effect::InWork {
                key: key.clone(),
                delta: -*delta,
            },
            Effect::IssueOpen { issue, delta } => Effect::IssueOpen {
                issue: *issue,
                delta: -*delta,
            },
            Effect::LineCount {
                line,
                counter,
                delta,
            } => Effect::LineCount {
                line: line.clone(),
                counter: *counter,
                delta: -*delta,
            },
            Effect::ReserveQty { id, open, locked } => Effect::ReserveQty {
                id: *id,
                open: -*open,
                locked: -*locked,
            },
            Effect::ReserveCancelled { id, cancelled } => Effect::ReserveCancelled {
                id: *id,
                cancelled: !*cancelled,
            },
            Effect::TransitQty { transfer, delta } => Effect::TransitQty {
                transfer: *transfer,
                delta: -*delta,
            },
            Effect::Serial { key, before, after } => {
                let (before, after) = swap(before, after);
                Effect::Serial {
                    key: key.clone(),
                    before,
                    after,
                }
            }
            Effect::Line { id, before, after } => {
                let (before, after) = swap(before, after);
                Effect::Line {
                    id: id.clone(),
                    before,
                    after,
                }
            }
            Effect::Reserve { id, before, after } => {
                let (before, after) = swap(before, after);
                Effect::Reserve {
                    id: *id,
                    before,
                    after,
                }
            }
            Effect::WorkOrder { id, before, after } => {
                let (before, after) = swap(before, after);
                Effect::WorkOrder {
                    id: id.clone(),
                    before,
                    after,
                }
            }
            Effect::Tool {
                checkout,
                before,
                after,
            } => {
                let (before, after) = swap(before, after);
                Effect::Tool {
                    checkout: *checkout,
                    before,
                    after,
                }
            }
            Effect::Emergency { doc, before, after } => {
                let (before, after) = swap(before, after);
                Effect::Emergency {
                    doc: *doc,
                    before,
                    after,
                }
            }
            Effect::Approval {
                request,
                before,
                after,
            } => {
                let (before, after) = swap(before, after);
                Effect::Approval {
                    request: *request,
                    before,
                    after,
                }
            }
            Effect::Transit {
                transfer,
                before,
                after,
            } => {
                let (before, after) = swap(before, after);
                Effect::Transit {
                    transfer: *transfer,
                    before,
                    after,
                }
            }
            Effect::MissingSerial {
                write_off,
                before,
                after,
            } => {
                let (before, after) = swap(before, after);
                Effect::MissingSerial {
                    write_off: *write_off,
                    before,
                    after,
                }
            }
            Effect::ReceivedBatch { key, before, after } => Effect::ReceivedBatch {
                key: key.clone(),
                before: after.clone(),
                after: before.clone(),
            },
            Effect::Warranty { key, before, after } => Effect::Warranty {
                key: key.clone(),
                before: *after,
                after: *before,
            },
            Effect::Discrepancy(_)
            | Effect::PeriodClosed { .. }
            | Effect::Reversed { .. }
            | Effect::Value { .. } => {
                return None;
            }
        })
    }
}
