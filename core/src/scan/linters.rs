//! The content checks ("linters") the GS1 Barcode Syntax Dictionary names.
//!
//! All are checked except two that concern only North-American retail coupons
//! (AIs 8110 and 8112): `couponcode` and `couponposoffer` are accepted
//! without their structural check (the character set is still checked), and
//! `packagetype` (AI 7041) is checked for shape (1–4 upper-case letters or
//! digits), not against the UN/ECE Recommendation 21 code list. A GCP-position
//! linter (`gcppos1`, `gcppos2`) can only check that a company prefix could
//! start there (four digits): which prefixes are allocated is not known
//! offline.

use super::ai_table::Linter;
use super::codes::{self, ISO3166_ALPHA2, ISO3166_NUMERIC, ISO4217_NUMERIC};
use super::date;
use super::error::ScanErrorCode;

/// A failed check: code, offset inside the checked component, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError {
    pub code: ScanErrorCode,
    pub offset: usize,
    pub message: String,
}

fn fail(code: ScanErrorCode, offset: usize, message: impl Into<String>) -> Result<(), LintError> {
    Err(LintError {
        code,
        offset,
        message: message.into(),
    })
}

fn digit(b: u8) -> u32 {
    u32::from(b.wrapping_sub(b'0') % 10)
}

/// GS1 mod-10 check digit for `payload` (the digits without the check digit).
pub fn gs1_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| digit(b) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

const CSET82_ORDER: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const PRIMES: [u32; 97] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307,
    311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421,
    431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
];

/// GS1 alphanumeric check character pair for `payload` (GS1 GS §7.9.5).
pub fn gs1_check_pair(payload: &[u8]) -> Option<[u8; 2]> {
    let n = payload.len();
    if n > PRIMES.len() {
        return None;
    }
    let mut sum = 0u32;
    for (i, b) in payload.iter().enumerate() {
        let v = CSET82_ORDER.iter().position(|c| c == b)? as u32;
        sum += v * PRIMES[n - 1 - i];
    }
    sum %= 1021;
    Some([
        CSET32[(sum >> 5) as usize & 31],
        CSET32[(sum & 31) as usize],
    ])
}

fn time_part(d: &[u8], max: u32, what: &str, offset: usize) -> Result<(), LintError> {
    let v = date::two(d);
    if v > max {
        return fail(
            ScanErrorCode::InvalidTime,
            offset,
            format!("{what} {v:02} does not exist"),
        );
    }
    Ok(())
}

fn in_list(list: &[&str], d: &[u8], what: &str) -> Result<(), LintError> {
    if codes::contains(list, d) {
        Ok(())
    } else {
        fail(
            ScanErrorCode::InvalidValue,
            0,
            format!("{} is not {what}", String::from_utf8_lossy(d)),
        )
    }
}

/// Runs one linter over one component's data (already checked for its
/// character set and length).
pub fn lint(linter: Linter, d: &[u8], reference_year: i32) -> Result<(), LintError> {
    use ScanErrorCode as C;
    match linter {
        Linter::Csum => {
            let Some((&check, payload)) = d.split_last() else {
                return fail(C::Truncated, 0, "no check digit");
            };
            let want = gs1_check_digit(payload);
            if check != want {
                return fail(
                    C::CheckDigit,
                    d.len() - 1,
                    format!(
                        "check digit is {}, should be {}",
                        check as char, want as char
                    ),
                );
            }
            Ok(())
        }
        Linter::Csumalpha => {
            if d.len() < 2 {
                return fail(C::Truncated, 0, "too short for its check characters");
            }
            let (payload, pair) = d.split_at(d.len() - 2);
            match gs1_check_pair(payload) {
                Some(want) if want == pair => Ok(()),
                Some(want) => fail(
                    C::CheckDigit,
                    d.len() - 2,
                    format!(
                        "check characters are {}, should be {}",
                        String::from_utf8_lossy(pair),
                        String::from_utf8_lossy(&want)
                    ),
                ),
                None => fail(
                    C::InvalidCharacter,
                    0,
                    "cannot carry a check character pair",
                ),
            }
        }
        Linter::Gcppos1 | Linter::Gcppos2 => {
            let start = usize::from(linter == Linter::Gcppos2);
            match d.get(start..start + 4) {
                Some(p) if p.iter().all(u8::is_ascii_digit) => Ok(()),
                _ => fail(
                    C::InvalidValue,
                    start.min(d.len()),
                    "does not start with a GS1 Company Prefix",
                ),
            }
        }
        Linter::Yymmdd | Linter::Yymmd0 => {
            date::yymmdd(d, linter == Linter::Yymmd0, reference_year)
                .map(drop)
                .or_else(|e| fail(C::InvalidDate, e.offset, e.message))
        }
        Linter::Yyyymmdd => date::yyyymmdd(d)
            .map(drop)
            .or_else(|e| fail(C::InvalidDate, e.offset, e.message)),
        Linter::Hhmi => {
            time_part(d, 23, "hour", 0)?;
            time_part(d.get(2..).unwrap_or_default(), 59, "minute", 2)
        }
        Linter::Hh => time_part(d, 23, "hour", 0),
        Linter::Mi => time_part(d, 59, "minute", 0),
        Linter::Ss => time_part(d, 59, "second", 0),
        Linter::Iso3166 => in_list(ISO3166_NUMERIC, d, "an ISO 3166 country code"),
        Linter::Iso3166999 if d == b"999" => Ok(()),
        Linter::Iso3166999 => in_list(ISO3166_NUMERIC, d, "an ISO 3166 country code or 999"),
        Linter::Iso3166alpha2 => in_list(ISO3166_ALPHA2, d, "an ISO 3166 two-letter country code"),
        Linter::Iso4217 => in_list(ISO4217_NUMERIC, d, "an ISO 4217 currency code"),
        Linter::Iso5218 => match d {
            b"0" | b"1" | b"2" | b"9" => Ok(()),
            _ => fail(
                C::InvalidValue,
                0,
                "is not an ISO 5218 sex code (0, 1, 2, 9)",
            ),
        },
        Linter::Pcenc => {
            for (i, &b) in d.iter().enumerate() {
                if b == b'%'
                    && !d
                        .get(i + 1..i + 3)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
                {
                    return fail(C::InvalidValue, i, "has a bad percent-encoding");
                }
            }
            Ok(())
        }
        Linter::Pieceoftotal => {
            let half = d.len() / 2;
            let (piece, total) = d.split_at(half);
            let zero = |s: &[u8]| s.iter().all(|&b| b == b'0');
            if !d.len().is_multiple_of(2) || zero(piece) || zero(total) || piece > total {
                fail(
                    C::InvalidValue,
                    0,
                    "is not a valid piece number and total (piece 1..=total)",
                )
            } else {
                Ok(())
            }
        }
        Linter::Posinseqslash => posinseqslash(d),
        Linter::Nonzero if d.iter().all(|&b| b == b'0') => {
            fail(C::InvalidValue, 0, "must not be zero")
        }
        Linter::Zero if d.iter().any(|&b| b != b'0') => fail(C::InvalidValue, 0, "must be zero"),
        Linter::Nonzero | Linter::Zero => Ok(()),
        Linter::Winding => match d {
            b"0" | b"1" | b"9" => Ok(()),
            _ => fail(C::InvalidValue, 0, "winding direction must be 0, 1 or 9"),
        },
        Linter::Yesno => match d {
            b"0" | b"1" => Ok(()),
            _ => fail(C::InvalidValue, 0, "must be 0 (no) or 1 (yes)"),
        },
        Linter::Importeridx => match d {
            [b] if b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' => Ok(()),
            _ => fail(C::InvalidValue, 0, "is not an importer index"),
        },
        Linter::Hyphen if d.iter().all(|&b| b == b'-') => Ok(()),
        Linter::Hyphen => fail(C::InvalidValue, 0, "must be a hyphen"),
        Linter::Latitude | Linter::Longitude => {
            let max: u64 = if linter == Linter::Latitude {
                1_800_000_000
            } else {
                3_600_000_000
            };
            let v = d
                .iter()
                .fold(0u64, |a, &b| a.saturating_mul(10) + u64::from(digit(b)));
            if v > max {
                fail(C::InvalidValue, 0, "is out of range")
            } else {
                Ok(())
            }
        }
        Linter::Mediatype => {
            let v = date::two(d);
            if d.len() == 2 && ((1..=10).contains(&v) || (80..=99).contains(&v)) {
                Ok(())
            } else {
                fail(C::InvalidValue, 0, "is not an AIDC media type")
            }
        }
        Linter::Nozeroprefix if d.len() > 1 && d.first() == Some(&b'0') => {
            fail(C::InvalidValue, 0, "must not start with 0")
        }
        Linter::Nozeroprefix => Ok(()),
        Linter::Hasnondigit if d.iter().all(u8::is_ascii_digit) => {
            fail(C::InvalidValue, 0, "must contain a non-digit")
        }
        Linter::Hasnondigit => Ok(()),
        Linter::Iban => iban(d),
        Linter::Packagetype => {
            if (1..=4).contains(&d.len())
                && d.iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                Ok(())
            } else {
                fail(C::InvalidValue, 0, "is not a package type code")
            }
        }
        Linter::Couponcode | Linter::Couponposoffer => Ok(()),
    }
}

fn posinseqslash(d: &[u8]) -> Result<(), LintError> {
    let bad = || {
        fail(
            ScanErrorCode::InvalidValue,
            0,
            "is not a position in sequence like 1/3",
        )
    };
    let Some(slash) = d.iter().position(|&b| b == b'/') else {
        return bad();
    };
    let (pos, end) = (&d[..slash], &d[slash + 1..]);
    let num = |s: &[u8]| !s.is_empty() && s[0] != b'0' && s.iter().all(u8::is_ascii_digit);
    if !num(pos) || !num(end) || (pos.len(), pos) > (end.len(), end) {
        return bad();
    }
    Ok(())
}

fn iban(d: &[u8]) -> Result<(), LintError> {
    let bad = |offset, m: &str| fail(ScanErrorCode::InvalidValue, offset, m.to_string());
    if d.len() < 5 {
        return bad(0, "is too short for an IBAN");
    }
    if !codes::contains(ISO3166_ALPHA2, &d[..2]) {
        return bad(0, "does not start with an IBAN country code");
    }
    if let Some(i) = d
        .iter()
        .position(|b| !(b.is_ascii_digit() || b.is_ascii_uppercase()))
    {
        return bad(i, "has a character an IBAN cannot contain");
    }
    let rem = d[4..].iter().chain(&d[..4]).fold(0u32, |acc, &b| {
        if b.is_ascii_digit() {
            (acc * 10 + u32::from(b - b'0')) % 97
        } else {
            (acc * 100 + u32::from(b - b'A' + 10)) % 97
        }
    });
    if rem == 1 {
        Ok(())
    } else {
        fail(
            ScanErrorCode::CheckDigit,
            2,
            "IBAN check digits do not match",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(l: Linter, d: &str) -> bool {
        lint(l, d.as_bytes(), 2026).is_ok()
    }

    #[test]
    fn check_digits() {
        assert_eq!(gs1_check_digit(b"0950600013435"), b'2');
        assert!(ok(Linter::Csum, "09506000134352"));
        let e = lint(Linter::Csum, b"09506000134357", 2026).unwrap_err();
        assert_eq!(e.message, "check digit is 7, should be 2");
        assert_eq!(e.offset, 13);
        assert!(ok(Linter::Csumalpha, "1987654Ad4X4bL5ttr2310c2K"));
        assert!(!ok(Linter::Csumalpha, "1987654Ad4X4bL5ttr2310cXK"));
        assert!(ok(Linter::Iban, "GB82WEST12345698765432"));
        assert!(!ok(Linter::Iban, "GB83WEST12345698765432"));
    }

    #[test]
    fn value_linters() {
        assert!(ok(Linter::Pieceoftotal, "0102"));
        assert!(!ok(Linter::Pieceoftotal, "0302"));
        assert!(!ok(Linter::Pieceoftotal, "0002"));
        assert!(ok(Linter::Posinseqslash, "9/10"));
        assert!(!ok(Linter::Posinseqslash, "10/9"));
        assert!(!ok(Linter::Posinseqslash, "01/2"));
        assert!(ok(Linter::Hhmi, "2359"));
        assert!(!ok(Linter::Hhmi, "2400"));
        assert!(!ok(Linter::Hhmi, "1260"));
        assert!(ok(Linter::Pcenc, "a%2Fb"));
        assert!(!ok(Linter::Pcenc, "a%2"));
        assert!(ok(Linter::Iso3166999, "999"));
        assert!(!ok(Linter::Iso4217, "000"));
        assert!(ok(Linter::Latitude, "1800000000"));
        assert!(!ok(Linter::Latitude, "1800000001"));
        assert!(ok(Linter::Mediatype, "80"));
        assert!(!ok(Linter::Mediatype, "50"));
        assert!(!ok(Linter::Gcppos2, "0A234"));
        assert!(ok(Linter::Gcppos1, "1234A"));
        assert!(!ok(Linter::Nozeroprefix, "012"));
        assert!(ok(Linter::Nozeroprefix, "0"));
    }
}
