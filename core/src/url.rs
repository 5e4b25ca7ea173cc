//! Values in URLs: percent-encoding for a path segment or a query value
//! (the enrollment link, the console's links).

/// What a value keeps as it is: letters, digits and `-_.~` (RFC 3986's
/// unreserved characters); everything else is percent-encoded.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `value` percent-encoded for a path segment or a query value.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, UNRESERVED).to_string()
}

/// A percent-encoded value; `None` for one that is not UTF-8 once decoded.
pub fn decode(value: &str) -> Option<String> {
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()
        .map(|v| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back() {
        let v = "/console/work-orders?q=a b&x=é";
        assert_eq!(
            encode(v),
            "%2Fconsole%2Fwork-orders%3Fq%3Da%20b%26x%3D%C3%A9"
        );
        assert_eq!(decode(&encode(v)).as_deref(), Some(v));
        assert_eq!(decode("%E2%28"), None);
    }
}
