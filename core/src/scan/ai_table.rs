//! The GS1 Application Identifier table, generated at build time from the
//! vendored GS1 Barcode Syntax Dictionary (see `core/build.rs`).

/// Character set of one component of an AI's data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cset {
    /// Digits.
    N,
    /// GS1 AI encodable character set 82.
    X,
    /// GS1 AI encodable character set 39.
    Y,
    /// base64url (RFC 4648 §5), optionally `=` padded.
    Z,
}

/// Content checks named by the dictionary. One variant per linter the
/// dictionary uses: a new linter in a dictionary update fails the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linter {
    Couponcode,
    Couponposoffer,
    Csum,
    Csumalpha,
    Gcppos1,
    Gcppos2,
    Hasnondigit,
    Hh,
    Hhmi,
    Hyphen,
    Iban,
    Importeridx,
    Iso3166,
    Iso3166999,
    Iso3166alpha2,
    Iso4217,
    Iso5218,
    Latitude,
    Longitude,
    Mediatype,
    Mi,
    Nonzero,
    Nozeroprefix,
    Packagetype,
    Pcenc,
    Pieceoftotal,
    Posinseqslash,
    Ss,
    Winding,
    Yesno,
    Yymmd0,
    Yymmdd,
    Yyyymmdd,
    Zero,
}

/// One component of a data field: `N6,yymmd0`, `[X..17]`.
#[derive(Debug, Clone, Copy)]
pub struct Component {
    pub cset: Cset,
    pub min: u8,
    pub max: u8,
    pub optional: bool,
    pub linters: &'static [Linter],
}

/// One Application Identifier.
#[derive(Debug)]
pub struct AiDef {
    pub ai: &'static str,
    /// `*` flag: pre-defined length, never followed by FNC1.
    pub predefined: bool,
    /// `?` flag: allowed as a GS1 Digital Link query attribute.
    pub dl_attribute: bool,
    pub components: &'static [Component],
    /// Each `req=` attribute: one of the alternatives must be present; an
    /// alternative is a list of AI patterns that must all be present.
    pub req: &'static [&'static [&'static [&'static str]]],
    /// `ex=`: AI patterns that must not appear together with this AI.
    pub ex: &'static [&'static str],
    /// `dlpkey`: a Digital Link primary key, with its alternative ordered
    /// qualifier sequences.
    pub dlpkey: Option<&'static [&'static [&'static str]]>,
    pub title: &'static str,
}

impl AiDef {
    /// Longest data field this AI accepts.
    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.max)).sum()
    }

    /// Whether every component has a fixed length and none is optional.
    pub fn fixed_len(&self) -> Option<usize> {
        self.components
            .iter()
            .all(|c| c.min == c.max && !c.optional)
            .then(|| self.max_len())
    }
}

include!(concat!(env!("OUT_DIR"), "/ai_table.rs"));

/// All AIs, sorted.
pub fn all() -> &'static [AiDef] {
    AI_TABLE
}

/// The AI with exactly this number.
pub fn lookup(ai: &str) -> Option<&'static AiDef> {
    AI_TABLE
        .binary_search_by(|d| d.ai.cmp(ai))
        .ok()
        .and_then(|i| AI_TABLE.get(i))
}

/// The AI at the start of `data`. AIs are prefix-free (build.rs checks), so at
/// most one length matches.
pub fn find_prefix(data: &[u8]) -> Option<&'static AiDef> {
    (2..=4).find_map(|n| {
        let head = data.get(..n)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        lookup(std::str::from_utf8(head).ok()?)
    })
}

/// Whether `ai` matches a dictionary pattern such as `310n` or `35nn`, where
/// `n` stands for any digit.
pub fn matches_pattern(ai: &str, pattern: &str) -> bool {
    ai.len() == pattern.len()
        && ai
            .bytes()
            .zip(pattern.bytes())
            .all(|(a, p)| a == p || (p == b'n' && a.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_generated_from_the_dictionary() {
        assert!(all().len() > 500);
        let gtin = lookup("01").unwrap();
        assert!(gtin.predefined);
        assert_eq!(gtin.fixed_len(), Some(14));
        assert_eq!(gtin.components[0].linters, &[Linter::Csum, Linter::Gcppos2]);
        let serial = lookup("21").unwrap();
        assert!(!serial.predefined);
        assert_eq!(
            serial.req,
            &[&[&["01"][..], &["03"][..], &["8006"][..]][..]]
        );
        assert_eq!(lookup("3103").unwrap().ex, &["310n"]);
        assert!(lookup("3106").is_none());
        assert_eq!(find_prefix(b"3103000123").unwrap().ai, "3103");
        assert_eq!(find_prefix(b"8006").unwrap().ai, "8006");
        assert!(find_prefix(b"05").is_none());
        assert!(matches_pattern("3922", "392n"));
        assert!(!matches_pattern("3922", "393n"));
    }
}
