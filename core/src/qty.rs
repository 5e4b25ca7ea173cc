//! Exact quantities: fixed-point with three decimals (thousandths of the
//! item's unit of measure). No floats anywhere in the ledger.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

/// Thousandths per unit.
const SCALE: i64 = 1000;

/// A quantity in thousandths of the unit of measure. Signed, because effects
/// carry deltas; stored balances are kept non-negative by the rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qty(i64);

impl Qty {
    pub const ZERO: Qty = Qty(0);

    /// Whole units.
    pub const fn units(n: i64) -> Self {
        Qty(n * SCALE)
    }

    /// Thousandths of a unit.
    pub const fn from_milli(milli: i64) -> Self {
        Qty(milli)
    }

    pub const fn milli(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True for whole units (serial-tracked items move in whole units).
    pub fn is_whole(self) -> bool {
        self.0 % SCALE == 0
    }

    pub fn min(self, other: Qty) -> Qty {
        Qty(self.0.min(other.0))
    }

    pub fn max(self, other: Qty) -> Qty {
        Qty(self.0.max(other.0))
    }

    /// `self * percent / 100`, rounded down, computed without overflow.
    pub fn percent(self, percent: u32) -> Qty {
        let v = i128::from(self.0) * i128::from(percent) / 100;
        Qty(i64::try_from(v).unwrap_or(i64::MAX))
    }

    pub fn checked_add(self, other: Qty) -> Option<Qty> {
        self.0.checked_add(other.0).map(Qty)
    }
}

impl Add for Qty {
    type Output = Qty;
    fn add(self, rhs: Qty) -> Qty {
        Qty(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Qty {
    fn add_assign(&mut self, rhs: Qty) {
        *self = *self + rhs;
    }
}

impl Sub for Qty {
    type Output = Qty;
    fn sub(self, rhs: Qty) -> Qty {
        Qty(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for Qty {
    fn sub_assign(&mut self, rhs: Qty) {
        *self = *self - rhs;
    }
}

impl Neg for Qty {
    type Output = Qty;
    fn neg(self) -> Qty {
        Qty(self.0.saturating_neg())
    }
}

impl std::iter::Sum for Qty {
    fn sum<I: Iterator<Item = Qty>>(iter: I) -> Qty {
        iter.fold(Qty::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / SCALE as u64;
        let frac = abs % SCALE as u64;
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a quantity: use digits with at most three decimals, e.g. 2 or 0.25")]
pub struct ParseQtyError {
    pub input: String,
}

impl FromStr for Qty {
    type Err = ParseQtyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseQtyError {
            input: s.to_owned(),
        };
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t, ""),
        };
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty()
            || !all_digits(whole)
            || !all_digits(frac)
            || frac.len() > 3
        {
            return Err(err());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let mut milli: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            milli += i64::from(b - b'0') * 10_i64.pow(2 - i as u32);
        }
        let v = whole
            .checked_mul(SCALE)
            .and_then(|w| w.checked_add(milli))
            .ok_or_else(err)?;
        Ok(Qty(if neg { -v } else { v }))
    }
}

// On the wire a quantity is a decimal string ("2", "0.25"): exact, and no
// JSON reader turns it into a float.
impl Serialize for Qty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Qty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

// In the API document a quantity is the same decimal string.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Qty {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "An exact quantity in the item's unit of measure: a decimal string with at most \
                 three decimals (thousandths), never a JSON number. Negative only where a \
                 document carries a delta.",
            ))
            .pattern(Some(r"^-?[0-9]+(\.[0-9]{1,3})?$"))
            .examples([serde_json::json!("2.5")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Qty {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (text, milli) in [("2", 2000), ("0.25", 250), ("-1.5", -1500), ("3.001", 3001)] {
            let q: Qty = text.parse().unwrap();
            assert_eq!(q.milli(), milli);
            assert_eq!(q.to_string(), text);
        }
    }

    #[test]
    fn refuses_what_is_not_a_quantity() {
        for bad in [
            "",
            ".",
            "1.2345",
            "1e3",
            "abc",
            "1,5",
            "--1",
            "99999999999999999999",
        ] {
            assert!(bad.parse::<Qty>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn serialises_as_a_decimal_string() {
        let json = serde_json::to_string(&Qty::from_milli(1250)).unwrap();
        assert_eq!(json, "\"1.25\"");
        let back: Qty = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Qty::from_milli(1250));
    }

    #[test]
    fn percent_rounds_down() {
        assert_eq!(Qty::units(4).percent(110), Qty::from_milli(4400));
        assert_eq!(Qty::from_milli(1).percent(50), Qty::ZERO);
    }
}
