//! Whether a list of effects applies cleanly to the current state: balances
//! stay non-negative and every before-snapshot matches. Used to validate a
//! reversal, and by every store before it applies an outcome.

use crate::effect::Effect;
use crate::ids::*;
use crate::limits::add_balance;
use crate::model::*;
use crate::qty::Qty;
use crate::view::{LedgerView, ViewError};
use std::collections::BTreeMap;

/// Why effects would not apply: a conflict with the current state, or the
/// state could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EffectsError {
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Storage(#[from] ViewError),
}

impl From<String> for EffectsError {
    fn from(s: String) -> Self {
        EffectsError::Conflict(s)
    }
}

/// The running balance for `key`, read from the view the first time.
fn balance<K: Ord>(
    map: &mut BTreeMap<K, Qty>,
    key: K,
    load: impl FnOnce() -> Result<Qty, ViewError>,
) -> Result<&mut Qty, ViewError> {
    Ok(match map.entry(key) {
        std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::btree_map::Entry::Vacant(v) => v.insert(load()?),
    })
}

/// `Err` names the first thing that would not apply.
pub fn check_effects(view: &impl LedgerView, effects: &[Effect]) -> Result<(), EffectsError> {
    let mut stock: BTreeMap<&StockKey, Qty> = BTreeMap::new();
    let mut in_work: BTreeMap<&InWorkKey, Qty> = BTreeMap::new();
    let mut issue_open: BTreeMap<DocId, Qty> = BTreeMap::new();
    let mut line: BTreeMap<(&DemandLineId, LineCounter), Qty> = BTreeMap::new();
    let mut reserve: BTreeMap<ReserveId, (Qty, Qty)> = BTreeMap::new();
    let mut transit: BTreeMap<DocId, Qty> = BTreeMap::new();
    // Reserves and transits created by this very list.
    let mut new_reserves: BTreeMap<ReserveId, Reserve> = BTreeMap::new();
    let mut new_transits: BTreeMap<DocId, Transit> = BTreeMap::new();

    for e in effects {
        match e {
            Effect::Stock { key, delta } => {
                let v = balance(&mut stock, key, || view.stock(key))?;
                step(v, *delta, "stock")?;
                if v.is_negative() {
                    return Err(format!(
                        "stock of {} in bin {} would go below zero",
                        key.item, key.bin
                    )
                    .into());
                }
            }
            Effect::InWork { key, delta } => {
                if let Holding::Emergency(doc) = &key.holding
                    && delta.is_positive()
                    && view.emergency(doc)?.is_some_and(|e| e.linked.is_some())
                {
                    return Err(format!(
                        "emergency issue {doc} has been linked to a work order since"
                    )
                    .into());
                }
                let v = balance(&mut in_work, key, || view.in_work(key))?;
                step(v, *delta, "in work")?;
                if v.is_negative() {
                    return Err(format!(
                        "{} in work would go below zero (already written off or returned)",
                        key.item
                    )
                    .into());
                }
            }
            Effect::IssueOpen { issue, delta } => {
                let v = balance(&mut issue_open, *issue, || view.issue_open(issue))?;
                step(v, *delta, "issue out")?;
                if v.is_negative() {
                    return Err(format!("issue {issue} would have less than nothing out").into());
                }
            }
            Effect::LineCount {
                line: id,
                counter,
                delta,
            } => {
                let v = balance(&mut line, (id, *counter), || {
                    let c = view.line_counts(id)?;
                    Ok(match counter {
                        LineCounter::Issued => c.issued,
                        LineCounter::WrittenOff => c.written_off,
                        LineCounter::Returned => c.returned,
                    })
                })?;
                step(v, *delta, "line counter")?;
                if v.is_negative() {
                    return Err(format!("line {id} {counter:?} would go below zero").into());
                }
            }
            Effect::Serial { key, before, .. } => {
                if view.serial(key)? != *before {
                    return Err(
                        format!("serial {} {} has moved since", key.item, key.serial).into(),
                    );
                }
            }
            Effect::Line { id, before, .. } => {
                if view.line(id)?.as_ref() != before.as_deref() {
                    return Err(format!("line {id} has changed since").into());
                }
                if before.is_some() {
                    let c = view.line_counts(id)?;
                    if c != LineCounts::default() && !effects_zero_line(effects, id, &c) {
                        return Err(format!("line {id} has movements").into());
                    }
                }
            }
            Effect::Reserve { id, before, after } => {
                let current = view.reserve(id)?;
                if current.as_ref() != before.as_deref() && before.is_some() {
                    // A reserve is only ever dropped by undoing its
                    // creation: its quantities may have moved since.
                    return Err(format!("reserve {id} has changed since").into());
                }
                if before.is_none() && current.is_some() {
                    return Err(format!("reserve {id} exists already").into());
                }
                if let Some(r) = after {
                    new_reserves.insert(*id, (**r).clone());
                }
            }
            Effect::ReserveQty { id, open, locked } => {
                let base = match new_reserves.get(id) {
                    Some(r) => Some(r.clone()),
                    None => view.reserve(id)?,
                };
                let Some(r) = base else {
                    return Err(format!("reserve {id} is unknown").into());
                };
                if r.cancelled && locked.is_positive() {
                    return Err(format!("reserve {id} has been released since").into());
                }
                let v = reserve.entry(*id).or_insert((r.open, r.locked));
                step(&mut v.0, *open, "reserve")?;
                step(&mut v.1, *locked, "reserve lock")?;
                if v.0.is_negative() || v.1.is_negative() || v.1 > v.0 {
                    return Err(format!("reserve {id} has been consumed or released since").into());
                }
            }
            Effect::ReserveCancelled { id, cancelled } => {
                let base = match new_reserves.get(id) {
                    Some(r) => Some(r.clone()),
                    None => view.reserve(id)?,
                };
                match base {
                    Some(r) if r.cancelled != *cancelled => {}
                    _ => return Err(format!("reserve {id} is not in the expected state").into()),
                }
            }
            Effect::WorkOrder { id, before, .. } => {
                if view.work_order(id)?.map(|w| w.state).as_ref() != Some(before) {
                    return Err(format!("work order {id} has changed status since").into());
                }
            }
            Effect::Tool {
                checkout, before, ..
            } => {
                if view.tool_out(checkout)?.as_ref() != before.as_deref() {
                    return Err(format!("tool checkout {checkout} has changed since").into());
                }
            }
            Effect::Emergency { doc, before, .. } => {
                if view.emergency(doc)?.as_ref() != before.as_deref() {
                    return Err(format!("emergency issue {doc} has changed since").into());
                }
            }
            Effect::Approval {
                request, before, ..
            } => {
                if view.approval(request)?.as_ref() != before.as_deref() {
                    return Err(format!("approval request {request} has changed since").into());
                }
            }
            Effect::Transit {
                transfer,
                before,
                after,
            } => {
                let current = view.transit(transfer)?;
                if current.as_ref() != before.as_deref() {
                    return Err(format!("transfer {transfer} has been received since").into());
                }
                if let Some(t) = after {
                    new_transits.insert(*transfer, (**t).clone());
                }
            }
            Effect::TransitQty { transfer, delta } => {
                let base = match new_transits.get(transfer) {
                    Some(t) => Some(t.clone()),
                    None => view.transit(transfer)?,
                };
                let Some(t) = base else {
                    return Err(format!("transfer {transfer} is no longer in transit").into());
                };
                let v = transit.entry(*transfer).or_insert(t.qty);
                step(v, *delta, "in transit")?;
                if v.is_negative() {
                    return Err(format!(
                        "transfer {transfer} would have less than nothing in transit"
                    )
                    .into());
                }
            }
            Effect::MissingSerial {
                write_off, before, ..
            } => {
                if view.missing_serial(write_off)?.as_ref() != before.as_deref() {
                    return Err(
                        format!("write-off {write_off} serial record has changed since").into(),
                    );
                }
            }
            Effect::ReceivedBatch { key, before, .. } => {
                let now = view.batch(&key.0, &key.1)?;
                if now != *before {
                    return Err(format!("batch {} of {} has changed since", key.1, key.0).into());
                }
            }
            Effect::Warranty { key, before, .. } => {
                if view.warranty(key)? != *before {
                    return Err(format!(
                        "the warranty of {} {} has changed since",
                        key.item, key.serial
                    )
                    .into());
                }
            }
            // A value is checked against the pool as it is applied
            // (`MemoryLedger::apply_effects`).
            Effect::Discrepancy(_) | Effect::PeriodClosed { .. } | Effect::Value { .. } => {}
            Effect::Reversed { doc, .. } => {
                if view.accepted(doc)?.is_some_and(|a| a.reversed_by.is_some()) {
                    return Err(format!("document {doc} is already reversed").into());
                }
            }
        }
    }
    Ok(())
}

/// A balance changed by exact, bounded arithmetic: never wrapped or
/// saturated (`limits::MAX_BALANCE`).
fn step(v: &mut Qty, delta: Qty, what: &str) -> Result<(), String> {
    *v = crate::limits::add_balance(what, *v, delta).map_err(|r| r.message)?;
    Ok(())
}

/// Whether every balance these effects change stays within
/// `limits::MAX_BALANCE`: the rules' own refusal (`quantity_too_large`),
/// before any store applies them.
pub(crate) fn within_bounds(view: &impl LedgerView, effects: &[Effect]) -> super::Rule {
    for e in effects {
        match e {
            Effect::Stock { key, delta } => {
                add_balance(
                    &format!("stock of {} in bin {}", key.item, key.bin),
                    view.stock(key)?,
                    *delta,
                )?;
            }
            Effect::InWork { key, delta } => {
                add_balance(&format!("{} in work", key.item), view.in_work(key)?, *delta)?;
            }
            Effect::IssueOpen { issue, delta } => {
                add_balance(
                    &format!("issue {issue} out"),
                    view.issue_open(issue)?,
                    *delta,
                )?;
            }
            Effect::LineCount {
                line,
                counter,
                delta,
            } => {
                let c = view.line_counts(line)?;
                let now = match counter {
                    LineCounter::Issued => c.issued,
                    LineCounter::WrittenOff => c.written_off,
                    LineCounter::Returned => c.returned,
                };
                add_balance(&format!("line {line}"), now, *delta)?;
            }
            Effect::TransitQty { transfer, delta } => {
                let now = view.transit(transfer)?.map_or(Qty::ZERO, |t| t.qty);
                add_balance(&format!("transfer {transfer}"), now, *delta)?;
            }
            Effect::ReserveQty { id, open, locked } => {
                if let Some(r) = view.reserve(id)? {
                    add_balance(&format!("reserve {id}"), r.open, *open)?;
                    add_balance(&format!("reserve {id}"), r.locked, *locked)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Undoing an additional issue zeroes its line's counters in the same list.
fn effects_zero_line(effects: &[Effect], id: &DemandLineId, c: &LineCounts) -> bool {
    let sum = |counter: LineCounter| -> Qty {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::LineCount {
                    line,
                    counter: k,
                    delta,
                } if line == id && *k == counter => Some(*delta),
                _ => None,
            })
            .sum()
    };
    c.issued + sum(LineCounter::Issued) == Qty::ZERO
        && c.written_off + sum(LineCounter::WrittenOff) == Qty::ZERO
        && c.returned + sum(LineCounter::Returned) == Qty::ZERO
}
