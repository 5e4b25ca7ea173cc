//! Serial masks. An item's serial format is a mask: `#` a digit, `@` a
//! letter, `?` a letter or digit, `*` any run of characters (possibly
//! empty); anything else stands for itself. Letters compare without case.

/// Does `serial` match `mask`? With no mask any non-empty serial without
/// control characters or surrounding spaces matches.
pub fn serial_matches(mask: Option<&str>, serial: &str) -> bool {
    if serial.is_empty() || serial.trim() != serial || serial.chars().any(char::is_control) {
        return false;
    }
    match mask {
        None => true,
        Some(mask) => {
            let m: Vec<char> = mask.chars().collect();
            let s: Vec<char> = serial.chars().collect();
            matches_from(&m, &s)
        }
    }
}

fn matches_from(mask: &[char], s: &[char]) -> bool {
    // Iterative glob matching with one backtrack point for `*`: linear in
    // practice, never exponential.
    let (mut mi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if mi < mask.len() && mask[mi] != '*' && one(mask[mi], s[si]) {
            mi += 1;
            si += 1;
        } else if mi < mask.len() && mask[mi] == '*' {
            star = Some((mi, si));
            mi += 1;
        } else if let Some((smi, ssi)) = star {
            mi = smi + 1;
            si = ssi + 1;
            star = Some((smi, ssi + 1));
        } else {
            return false;
        }
    }
    mask[mi..].iter().all(|c| *c == '*')
}

fn one(m: char, c: char) -> bool {
    match m {
        '#' => c.is_ascii_digit(),
        '@' => c.is_alphabetic(),
        '?' => c.is_alphanumeric(),
        _ => m.to_lowercase().eq(c.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::serial_matches;

    #[test]
    fn masks() {
        let cases = [
            (Some("BM-####"), "BM-0042", true),
            (Some("BM-####"), "bm-0042", true),
            (Some("BM-####"), "BM-042", false),
            (Some("BM-####"), "BM-00421", false),
            (Some("@@#*"), "AB1", true),
            (Some("@@#*"), "AB1-xyz", true),
            (Some("@@#*"), "A11", false),
            (Some("*-??"), "X-1a", true),
            (Some("*-??"), "X-1", false),
            (None, "anything", true),
            (None, "", false),
            (None, " padded", false),
            (None, "tab\there", false),
        ];
        for (mask, serial, expected) in cases {
            assert_eq!(serial_matches(mask, serial), expected, "{mask:?} {serial}");
        }
    }
}
