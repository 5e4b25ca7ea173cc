//! Bounds on what a document may carry (`docs/limits.md`): ids, free text,
//! lists and quantities. A document over a bound is refused `too_long` or
//! `quantity_too_large` before the rules judge it, so no store keeps a
//! 15 MiB reason and no balance can leave the range exact arithmetic covers.

use crate::document::{Body, Decision, Document, Pick, Receipt};
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};

/// Longest id (item, bin, serial, user, order, line, …), in characters
/// (master data holds ids to the same bound).
pub const MAX_ID_CHARS: usize = 64;
/// Longest free text of a document (`reason`, a write-off's `position`) and
/// of a master-data field (names, units, areas), in characters.
pub const MAX_TEXT_CHARS: usize = 1000;
/// Most serials (or removed units) one document names.
pub const MAX_SERIALS: usize = 10_000;
/// Largest quantity one document moves or counts: a billion units.
pub const MAX_QTY: Qty = Qty::units(1_000_000_000);
/// Largest balance any projection may reach (stock in a bin, in work,
/// a line's counters, a reserve, a transit): a trillion units. Far below
/// what `i64` thousandths hold, so sums of balances (reports) stay exact.
pub const MAX_BALANCE: Qty = Qty::units(1_000_000_000_000);

/// Shortest back-office password, in characters (issue 14: a handheld PIN
/// never opens the back office).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password, in bytes: refused before any Argon2 work.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Whether `value` has more than `max` characters (stops counting there:
/// a 15 MiB string costs no more than a short one).
pub fn longer_than(value: &str, max: usize) -> bool {
    value.len() > max && value.chars().nth(max).is_some()
}

fn too_long(field: &str, max: usize) -> Refusal {
    Refusal::new(ReasonCode::TooLong).detail(format!("{field} is longer than {max} characters"))
}

fn id(field: &str, value: &str) -> Result<(), Refusal> {
    if longer_than(value, MAX_ID_CHARS) {
        return Err(too_long(field, MAX_ID_CHARS));
    }
    Ok(())
}

fn text(field: &str, value: &str) -> Result<(), Refusal> {
    if longer_than(value, MAX_TEXT_CHARS) {
        return Err(too_long(field, MAX_TEXT_CHARS));
    }
    Ok(())
}

fn qty(field: &str, q: Qty) -> Result<(), Refusal> {
    if q > MAX_QTY || q < -MAX_QTY {
        return Err(Refusal::new(ReasonCode::QuantityTooLarge)
            .detail(format!("{field} is {q}, at most {MAX_QTY}")));
    }
    Ok(())
}

fn serials<'a>(field: &str, list: impl ExactSizeIterator<Item = &'a str>) -> Result<(), Refusal> {
    if list.len() > MAX_SERIALS {
        return Err(Refusal::new(ReasonCode::TooLong).detail(format!(
            "{field} lists {} units, at most {MAX_SERIALS}",
            list.len()
        )));
    }
    for s in list {
        id(field, s)?;
    }
    Ok(())
}

fn pick(p: &Pick) -> Result<(), Refusal> {
    id("item", p.item.as_str())?;
    id("bin", p.bin.as_str())?;
    if let Some(b) = &p.batch {
        id("batch", b.as_str())?;
    }
    serials("serials", p.serials.iter().map(|s| s.as_str()))?;
    qty("qty", p.qty)
}

fn receipt(r: &Receipt) -> Result<(), Refusal> {
    id("item", r.item.as_str())?;
    id("bin", r.bin.as_str())?;
    opt_id("batch", r.batch.as_ref().map(|b| b.as_str()))?;
    serials("serials", r.serials.iter().map(|s| s.as_str()))?;
    if let Some(reference) = &r.reference {
        text("reference", reference)?;
    }
    qty("qty", r.qty)
}

fn opt_id(field: &str, value: Option<&str>) -> Result<(), Refusal> {
    value.map_or(Ok(()), |v| id(field, v))
}

/// Whether a document stays within every bound; the first one it breaks.
pub fn check_document(doc: &Document) -> Result<(), Refusal> {
    id("author", doc.author.as_str())?;
    id("device", doc.device.as_str())?;
    id("site", doc.site.as_str())?;
    opt_id("work_order", doc.work_order.as_ref().map(|w| w.as_str()))?;
    opt_id("line", doc.line.as_ref().map(|l| l.as_str()))?;
    opt_id("approver", doc.approver.as_ref().map(|a| a.as_str()))?;
    opt_id("reason_code", doc.reason_code.as_ref().map(|c| c.as_str()))?;
    if let Some(r) = &doc.reason {
        text("reason", r)?;
    }
    let holder = |h: &Option<crate::ids::UserId>| opt_id("holder", h.as_ref().map(|h| h.as_str()));
    match &doc.body {
        Body::Reserve { warehouse, qty: q } => {
            id("warehouse", warehouse.as_str())?;
            qty("qty", *q)
        }
        Body::ReserveConfirm { .. } | Body::EmergencyLink { .. } | Body::Correction => Ok(()),
        Body::ReserveRelease { qty: q, .. } => q.map_or(Ok(()), |q| qty("qty", q)),
        Body::Issue { pick: p, holder: h }
        | Body::SubstitutionIssue {
            pick: p, holder: h, ..
        } => {
            pick(p)?;
            holder(h)
        }
        Body::ApprovalRequest { item, qty: q, .. } => {
            id("item", item.as_str())?;
            qty("qty", *q)
        }
        Body::ApprovalDecision { .. } => Ok(()),
        Body::AdditionalIssue {
            pick: p,
            new_line,
            task,
            holder: h,
            ..
        } => {
            pick(p)?;
            id("new_line", new_line.as_str())?;
            opt_id("task", task.as_ref().map(|t| t.as_str()))?;
            holder(h)
        }
        Body::EmergencyIssue {
            pick: p,
            asset,
            holder: h,
        } => {
            pick(p)?;
            opt_id("asset", asset.as_ref().map(|a| a.as_str()))?;
            holder(h)
        }
        Body::WriteOff {
            item,
            batch,
            qty: q,
            installed,
            position,
            removed,
        } => {
            id("item", item.as_str())?;
            opt_id("batch", batch.as_ref().map(|b| b.as_str()))?;
            qty("qty", *q)?;
            serials("installed", installed.iter().map(|s| s.as_str()))?;
            if let Some(p) = position {
                text("position", p)?;
            }
            serials("removed", removed.iter().map(|r| r.serial.as_str()))?;
            for r in removed {
                id("removed item", r.item.as_str())?;
            }
            Ok(())
        }
        Body::Return {
            item,
            batch,
            serials: s,
            qty: q,
            to_bin,
            ..
        } => {
            id("item", item.as_str())?;
            opt_id("batch", batch.as_ref().map(|b| b.as_str()))?;
            serials("serials", s.iter().map(|s| s.as_str()))?;
            id("to_bin", to_bin.as_str())?;
            qty("qty", *q)
        }
        Body::RemovedUnitReturn {
            item,
            serial,
            to_bin,
            ..
        } => {
            id("item", item.as_str())?;
            id("serial", serial.as_str())?;
            id("to_bin", to_bin.as_str())
        }
        Body::InspectionDecision {
            item,
            from_bin,
            batch,
            serials: s,
            qty: q,
            decision,
        } => {
            id("item", item.as_str())?;
            id("from_bin", from_bin.as_str())?;
            opt_id("batch", batch.as_ref().map(|b| b.as_str()))?;
            serials("serials", s.iter().map(|s| s.as_str()))?;
            let (Decision::Release { to_bin, .. } | Decision::Reject { to_bin }) = decision;
            id("to_bin", to_bin.as_str())?;
            qty("qty", *q)
        }
        Body::TransferOut {
            pick: p,
            to_warehouse,
            ..
        } => {
            pick(p)?;
            id("to_warehouse", to_warehouse.as_str())
        }
        Body::TransferIn {
            to_bin,
            qty: q,
            serials: s,
        } => {
            id("to_bin", to_bin.as_str())?;
            serials("serials", s.iter().map(|s| s.as_str()))?;
            qty("qty", *q)
        }
        Body::WoStatusChange { .. } | Body::PeriodClose { .. } => Ok(()),
        Body::ToolCheckout {
            pick: p, holder: h, ..
        } => {
            pick(p)?;
            holder(h)
        }
        Body::ToolReturn { to_bin } => id("to_bin", to_bin.as_str()),
        Body::Count {
            item,
            bin,
            batch,
            counted,
            ..
        } => {
            id("item", item.as_str())?;
            id("bin", bin.as_str())?;
            opt_id("batch", batch.as_ref().map(|b| b.as_str()))?;
            qty("counted", *counted)
        }
        Body::OpeningBalance { receipt: r } | Body::GoodsReceipt { receipt: r } => receipt(r),
    }
}

/// A balance after a change, or why it may not be made: never past
/// [`MAX_BALANCE`], never wrapped or saturated.
pub fn add_balance(what: &str, balance: Qty, delta: Qty) -> Result<Qty, Refusal> {
    match balance.checked_add(delta) {
        Some(v) if v <= MAX_BALANCE && v >= -MAX_BALANCE => Ok(v),
        _ => Err(Refusal::new(ReasonCode::QuantityTooLarge).detail(format!(
            "{what} would go past {MAX_BALANCE} ({balance} + {delta})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_counted_in_characters() {
        assert!(!longer_than(&"é".repeat(64), MAX_ID_CHARS));
        assert!(longer_than(&"é".repeat(65), MAX_ID_CHARS));
        assert!(!longer_than("", 0));
    }

    #[test]
    fn balances_never_wrap_or_saturate() {
        assert_eq!(
            add_balance("stock", Qty::units(2), Qty::units(3)),
            Ok(Qty::units(5))
        );
        let max = Qty::from_milli(i64::MAX);
        assert_eq!(
            add_balance("stock", max, Qty::units(5)).map_err(|r| r.code),
            Err(ReasonCode::QuantityTooLarge)
        );
        assert!(add_balance("stock", MAX_BALANCE, Qty::from_milli(1)).is_err());
        assert!(add_balance("stock", MAX_BALANCE, Qty::ZERO).is_ok());
    }
}
