//! GS1 dates: `YYMMDD` with the sliding century window of the GS1 General
//! Specifications (§7.12), `YYMMD0` where day 00 means the last day of the
//! month, and `YYYYMMDD`.

use chrono::NaiveDate;

/// Why a date field is not a date, with the offset of the bad part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    pub offset: usize,
    pub message: String,
}

/// Four-digit year for a two-digit one, relative to `reference_year` (the
/// current year): 51–99 years ahead means the previous century, 50–99 years
/// behind means the next one.
pub fn full_year(yy: i32, reference_year: i32) -> i32 {
    let century = reference_year - reference_year.rem_euclid(100);
    match yy - reference_year.rem_euclid(100) {
        51..=99 => century - 100 + yy,
        -99..=-50 => century + 100 + yy,
        _ => century + yy,
    }
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Value of two ASCII digits; the caller has checked they are digits.
pub fn two(d: &[u8]) -> u32 {
    d.iter()
        .take(2)
        .fold(0, |acc, b| acc * 10 + u32::from(b.wrapping_sub(b'0') % 10))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name(month: u32) -> &'static str {
    MONTHS
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}

/// Validates year/month/day (day 0 allowed only if `day_zero`) and builds the
/// date; `day_at` is the offset of the day digits for error reporting.
pub fn ymd(
    year: i32,
    month: u32,
    day: u32,
    day_zero: bool,
    month_at: usize,
    day_at: usize,
) -> Result<NaiveDate, DateError> {
    if !(1..=12).contains(&month) {
        return Err(DateError {
            offset: month_at,
            message: format!("month {month:02} does not exist"),
        });
    }
    let last = days_in_month(year, month);
    let day = match day {
        0 if day_zero => last,
        d if (1..=last).contains(&d) => d,
        d => {
            return Err(DateError {
                offset: day_at,
                message: format!("day {d:02} does not exist in {} {year}", month_name(month)),
            });
        }
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| DateError {
        offset: month_at,
        message: "not a calendar date".into(),
    })
}

/// `YYMMDD` (or `YYMMD0` with `day_zero`), six ASCII digits.
pub fn yymmdd(d: &[u8], day_zero: bool, reference_year: i32) -> Result<NaiveDate, DateError> {
    let year = full_year(two(d) as i32, reference_year);
    ymd(
        year,
        two(d.get(2..).unwrap_or_default()),
        two(d.get(4..).unwrap_or_default()),
        day_zero,
        2,
        4,
    )
}

/// `YYYYMMDD`, eight ASCII digits.
pub fn yyyymmdd(d: &[u8]) -> Result<NaiveDate, DateError> {
    let year = (two(d) * 100 + two(d.get(2..).unwrap_or_default())) as i32;
    ymd(
        year,
        two(d.get(4..).unwrap_or_default()),
        two(d.get(6..).unwrap_or_default()),
        false,
        4,
        6,
    )
}

/// The current calendar year (UTC), the reference of the century window.
pub fn current_year() -> i32 {
    use chrono::Datelike;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
        .map(|t| t.year())
        .unwrap_or(2026)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn century_window() {
        assert_eq!(full_year(26, 2026), 2026);
        assert_eq!(full_year(76, 2026), 2076);
        assert_eq!(full_year(77, 2026), 1977);
        assert_eq!(full_year(99, 2026), 1999);
        assert_eq!(full_year(1, 2099), 2101);
        assert_eq!(full_year(49, 2099), 2149);
        assert_eq!(full_year(50, 2099), 2050);
    }

    #[test]
    fn day_zero_is_last_day_of_month() {
        let d = yymmdd(b"240200", true, 2026).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(yymmdd(b"240200", false, 2026).is_err());
        assert!(yymmdd(b"251301", false, 2026).is_err());
        assert_eq!(yymmdd(b"250230", true, 2026).unwrap_err().offset, 4);
        assert!(yyyymmdd(b"20240229").is_ok());
        assert!(yyyymmdd(b"20230229").is_err());
    }
}
