//! Exact money: whole cents of the site's currency. No floats: a repair's
//! cost is a sum of cents, and a value taken from stock is a share of
//! cents rounded once, half up.

use crate::qty::Qty;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

/// An amount in cents (hundredths of the site's currency). Signed: effects
/// carry deltas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// `n × num / den`, rounded half away from zero, saturating; `den` > 0.
fn mul_div(n: i64, num: i64, den: i64) -> i64 {
    let p = i128::from(n) * i128::from(num);
    let d = i128::from(den);
    let q = (p.abs() + d / 2) / d;
    let q = if p < 0 { -q } else { q };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn cents(cents: i64) -> Self {
        Money(cents)
    }

    pub const fn as_cents(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// What `qty` is worth at this price per unit, to the cent.
    pub fn times(self, qty: Qty) -> Money {
        Money(mul_div(self.0, qty.milli(), 1000))
    }

    /// The part of this amount that `part` of `whole` carries: all of it
    /// when `part` is the whole (so what is left of a value never outlives
    /// its quantity), else `self × part / whole` to the cent. Zero when
    /// `whole` is not positive.
    pub fn share(self, part: Qty, whole: Qty) -> Money {
        if !whole.is_positive() {
            Money::ZERO
        } else if part >= whole {
            self
        } else {
            self.scaled(part, whole)
        }
    }

    /// `self × part / whole` to the cent, `part` may exceed `whole` (units
    /// coming in at the price of those held); zero when `whole` is not
    /// positive.
    pub fn scaled(self, part: Qty, whole: Qty) -> Money {
        if whole.is_positive() {
            Money(mul_div(self.0, part.milli(), whole.milli()))
        } else {
            Money::ZERO
        }
    }

    /// The price per unit this amount makes over `qty`, to the cent; `None`
    /// when `qty` is not positive.
    pub fn per(self, qty: Qty) -> Option<Money> {
        if qty.is_positive() {
            Some(Money(mul_div(self.0, 1000, qty.milli())))
        } else {
            None
        }
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        *self = *self - rhs;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(self.0.saturating_neg())
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an amount: use digits with at most two decimals, e.g. 12 or 12.50")]
pub struct ParseMoneyError {
    pub input: String,
}

impl FromStr for Money {
    type Err = ParseMoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseMoneyError {
            input: s.to_owned(),
        };
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
            return Err(err());
        }
        let whole: i64 = whole.parse().map_err(|_| err())?;
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| err())? * 10,
            _ => frac.parse().map_err(|_| err())?,
        };
        let v = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(err)?;
        Ok(Money(if neg { -v } else { v }))
    }
}

// On the wire an amount is a decimal string with two decimals ("12.50"),
// as a quantity is: exact, never a JSON float.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "An exact amount in the site's currency: a decimal string with two decimals \
                 (cents), never a JSON number. Negative only where an effect carries a delta.",
            ))
            .pattern(Some(r"^-?[0-9]+(\.[0-9]{1,2})?$"))
            .examples([serde_json::json!("12.50")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_and_print_to_the_cent() {
        for (text, cents) in [("12", 1200), ("12.5", 1250), ("0.07", 7), ("-3.10", -310)] {
            let m: Money = text.parse().unwrap();
            assert_eq!(m.as_cents(), cents, "{text}");
        }
        assert_eq!(Money::cents(1250).to_string(), "12.50");
        assert_eq!(Money::cents(-5).to_string(), "-0.05");
        for bad in ["", ".5", "1.234", "1,5", "abc", "1e3"] {
            assert!(bad.parse::<Money>().is_err(), "{bad}");
        }
    }

    #[test]
    fn values_round_half_up_once() {
        // 3 units at 0.333…: the price is whole cents, so 3 × 0.33.
        assert_eq!(Money::cents(33).times(Qty::units(3)), Money::cents(99));
        // 1.5 m at 0.25 = 0.375 → 0.38.
        assert_eq!(
            Money::cents(25).times(Qty::from_milli(1500)),
            Money::cents(38)
        );
        // A third of 1.00 is 0.33; the last third takes what is left.
        let v = Money::cents(100);
        assert_eq!(v.share(Qty::units(1), Qty::units(3)), Money::cents(33));
        assert_eq!(v.share(Qty::units(3), Qty::units(3)), v);
        assert_eq!(v.share(Qty::units(1), Qty::ZERO), Money::ZERO);
        assert_eq!(
            Money::cents(1000).per(Qty::units(3)),
            Some(Money::cents(333))
        );
    }
}
