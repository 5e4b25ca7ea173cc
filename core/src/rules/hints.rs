//! Pure look-ups that guide a person rather than refuse: the FEFO hint at
//! the shelf and the return deadline after work completes.

use crate::ids::*;
use crate::view::{LedgerView, ViewError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

/// First-expiry-first-out: an unexpired batch of `item` in `warehouse`
/// with usable stock that expires before `chosen`, earliest first.
pub fn fefo_hint(
    view: &impl LedgerView,
    item: &ItemId,
    warehouse: &WarehouseId,
    chosen: &BatchCode,
    on: NaiveDate,
) -> Result<Option<(BatchCode, BinId, NaiveDate)>, ViewError> {
    let Some(chosen_expiry) = view.batch(item, chosen)?.and_then(|b| b.expiry) else {
        return Ok(None);
    };
    let mut best: Option<(BatchCode, BinId, NaiveDate)> = None;
    for (key, qty) in view.usable_stock(item, warehouse)? {
        let Some(code) = key.batch else { continue };
        let Some(expiry) = view.batch(item, &code)?.and_then(|b| b.expiry) else {
            continue;
        };
        if !(qty.is_positive() && expiry >= on && expiry < chosen_expiry) {
            continue;
        }
        let better = best
            .as_ref()
            .is_none_or(|(c, b, e)| (expiry, &code, &key.bin) < (*e, c, b));
        if better {
            best = Some((code, key.bin, expiry));
        }
    }
    Ok(best)
}

/// When leftovers of an order completed at `completed` must be back:
/// `working_days` later, skipping Saturdays and Sundays, at the same time of
/// day.
pub fn return_deadline(completed: DateTime<Utc>, working_days: u32) -> DateTime<Utc> {
    let mut t = completed;
    let mut left = working_days;
    while left > 0 {
        t += Duration::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deadline_skips_weekends() {
        // Thursday 2026-11-19 → two working days → Monday 2026-11-23.
        let thu = Utc.with_ymd_and_hms(2026, 11, 19, 15, 0, 0).unwrap();
        assert_eq!(
            return_deadline(thu, 2),
            Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap()
        );
        // Monday → Wednesday.
        let mon = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        assert_eq!(
            return_deadline(mon, 2),
            Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
        );
        assert_eq!(return_deadline(mon, 0), mon);
    }
}
