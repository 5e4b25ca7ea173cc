//! What every report shares: the period, ratios, which documents count,
//! and where an issue's quantity is held.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sparescan_core::document::{Body, DocKind, Document, Pick};
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::view::Accepted;

/// Inclusive days (UTC) on device time; open ends are unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let day = t.date_naive();
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|to| day <= to)
    }
}

/// `numerator / denominator` as a percent with one decimal, rounded half
/// up from the exact fraction (so "83.3" is 833 per mille); `None` when the
/// denominator is not positive.
pub fn percent(numerator: i128, denominator: i128) -> Option<String> {
    if denominator <= 0 {
        return None;
    }
    let neg = numerator < 0;
    let tenths = (numerator.abs() * 1000 + denominator / 2) / denominator;
    let sign = if neg && tenths > 0 { "-" } else { "" };
    Some(format!("{sign}{}.{}", tenths / 10, tenths % 10))
}

/// A document counts unless a correction reversed it; corrections
/// themselves are not movements.
pub(crate) fn live(ledger: &MemoryLedger, acc: &Accepted) -> bool {
    acc.reversed_by.is_none()
        && !ledger.projections().reversed.contains_key(&acc.doc.id)
        && acc.doc.kind() != DocKind::Correction
}

/// What an issue-kind document picked.
pub(crate) fn issue_pick(body: &Body) -> Option<&Pick> {
    match body {
        Body::Issue { pick, .. }
        | Body::SubstitutionIssue { pick, .. }
        | Body::AdditionalIssue { pick, .. }
        | Body::EmergencyIssue { pick, .. } => Some(pick),
        _ => None,
    }
}

/// Who received an issue: the named holder, else the author.
pub(crate) fn holder(doc: &Document) -> UserId {
    let named = match &doc.body {
        Body::Issue { holder, .. }
        | Body::SubstitutionIssue { holder, .. }
        | Body::AdditionalIssue { holder, .. }
        | Body::EmergencyIssue { holder, .. }
        | Body::ToolCheckout { holder, .. } => holder.clone(),
        _ => None,
    };
    named.unwrap_or_else(|| doc.author.clone())
}

/// The order and demand line an issue-kind document's quantity is held
/// on now: the envelope's line, an additional issue's new line, or the
/// line an emergency issue was linked to (none while unlinked).
pub(crate) fn issue_line(
    ledger: &MemoryLedger,
    doc: &Document,
) -> Option<(WorkOrderId, DemandLineId)> {
    match &doc.body {
        Body::Issue { .. } | Body::SubstitutionIssue { .. } => {
            Some((doc.work_order.clone()?, doc.line.clone()?))
        }
        Body::AdditionalIssue { new_line, .. } => Some((doc.work_order.clone()?, new_line.clone())),
        Body::EmergencyIssue { .. } => ledger.emergency(&doc.id).and_then(|e| e.linked),
        _ => None,
    }
}

/// The item's unit of measure; "?" for an item no longer in the catalog.
pub(crate) fn unit_of(ledger: &MemoryLedger, item: &ItemId) -> String {
    ledger
        .item(item)
        .map(|i| i.unit)
        .unwrap_or_else(|| "?".into())
}

pub(crate) fn item_name(ledger: &MemoryLedger, item: &ItemId) -> String {
    ledger.item(item).map(|i| i.name).unwrap_or_default()
}

/// Nearest-rank percentile of ascending `sorted`: the value at rank
/// ⌈p/100 · n⌉ (so the median of an even count is the lower middle).
pub(crate) fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Whole seconds from `from` to `to`, never negative (device clocks may
/// disagree).
pub(crate) fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_seconds().max(0)
}

/// Serials as one CSV cell.
pub(crate) fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_half_up_from_the_exact_fraction() {
        assert_eq!(percent(5, 6).as_deref(), Some("83.3"));
        assert_eq!(percent(1, 8).as_deref(), Some("12.5"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.7"));
        assert_eq!(percent(1, 2000).as_deref(), Some("0.1"));
        assert_eq!(percent(1, 2001).as_deref(), Some("0.0"));
        assert_eq!(percent(6, 6).as_deref(), Some("100.0"));
        assert_eq!(percent(-1, 4).as_deref(), Some("-25.0"));
        assert_eq!(percent(0, 4).as_deref(), Some("0.0"));
        assert_eq!(percent(1, 0), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [10, 20, 30, 40];
        assert_eq!(nearest_rank(&v, 50), Some(20));
        assert_eq!(nearest_rank(&v, 90), Some(40));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        assert_eq!(nearest_rank(&ten, 50), Some(5));
    }

    #[test]
    fn periods_are_inclusive_days() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d);
        let p = Period {
            from: day(2),
            to: day(3),
        };
        let at = |d, h| {
            day(d)
                .and_then(|x| x.and_hms_opt(h, 0, 0))
                .map(|x| x.and_utc())
                .unwrap_or_default()
        };
        assert!(!p.contains(at(1, 23)));
        assert!(p.contains(at(2, 0)));
        assert!(p.contains(at(3, 23)));
        assert!(!p.contains(at(4, 0)));
        assert!(Period::default().contains(at(1, 0)));
    }
}
