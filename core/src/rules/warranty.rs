//! Warranty: a serial unit's warranty runs through its last day (the
//! supplier's terms, kept from the unit's receipt or the site's start).

use chrono::{DateTime, NaiveDate, Utc};

/// Is a unit whose warranty ends on `until` covered at `at`? Through the
/// last day, in UTC days as documents are dated.
pub fn covers(until: NaiveDate, at: DateTime<Utc>) -> bool {
    at.date_naive() <= until
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_last_day_is_covered_and_the_next_is_not() {
        let until = NaiveDate::from_ymd_opt(2027, 6, 30).expect("day");
        let at = |d: u32, m: u32, h: u32| {
            Utc.with_ymd_and_hms(2027, m, d, h, 0, 0)
                .single()
                .expect("time")
        };
        assert!(covers(until, at(30, 6, 23)));
        assert!(covers(until, at(1, 1, 0)));
        assert!(!covers(until, at(1, 7, 0)));
    }
}
