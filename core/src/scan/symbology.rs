//! AIM symbology identifiers (`]d2`, `]C1`, …) that scanners can prefix.

/// What a symbology identifier says about the data that follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// GS1 element strings: GS1-128 `]C1`, GS1 DataBar `]e0`, GS1
    /// DataMatrix `]d2`, GS1 QR `]Q3`, GS1 DotCode `]J1`.
    Gs1,
    /// EAN-13 / UPC-A `]E0`, EAN-8 `]E4`: a bare GTIN.
    Ean,
    /// Anything else (`]d1`, `]Q1`, `]C0`, `]A0`, …): not GS1 data.
    Other,
}

/// Splits a leading `]` + symbology letter + modifier off the data.
pub(crate) fn split(data: &[u8]) -> Option<(&str, Content, &[u8])> {
    let (id, rest) = (data.get(..3)?, data.get(3..)?);
    if id[0] != b']' || !id[1].is_ascii_alphabetic() || !id[2].is_ascii_alphanumeric() {
        return None;
    }
    let content = match &id[1..] {
        b"C1" | b"e0" | b"d2" | b"Q3" | b"J1" => Content::Gs1,
        b"E0" | b"E4" => Content::Ean,
        _ => Content::Other,
    };
    Some((std::str::from_utf8(id).ok()?, content, rest))
}
