//! Proof of presence: a document is accepted in a person's name only when
//! it carries a MAC made with that person's presence key for the device
//! that pushes it (docs/security.md).
//!
//! The server issues a presence key (32 random bytes) when a person signs in
//! online on an enrolled device; the device keeps it wrapped by a key derived
//! from the person's PIN, so it can be used offline only after that PIN is
//! entered there again. Every document the person records carries
//! `HMAC-SHA256(key, canonical bytes)`; a document that names an approver
//! carries the approver's MAC too, made when they entered their PIN. The
//! server holds the keys and checks both before the rules see the document.
//!
//! Pure functions only: which key belongs to whom, and whether it is still
//! good, is the server's to look up.

use crate::document::Document;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Separates these MACs from any other use of the same key.
const DOMAIN: &[u8] = b"sparescan presence v1\n";

/// Length of a presence key, bytes.
pub const KEY_LEN: usize = 32;

/// The MACs a document carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The author's.
    pub author: KeyMac,
    /// The approver's, on a document that names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<KeyMac>,
}

/// One person's MAC over a document, and which of their keys made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyMac {
    /// The presence key's id (`pk-…`), as the server issued it.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub key: String,
    /// HMAC-SHA256 over the document without its proof, lower-case hex.
    #[cfg_attr(feature = "openapi", schema(min_length = 64, max_length = 64))]
    pub mac: String,
}

/// The bytes a MAC covers: the document as JSON without its proof.
/// Serialisation of the envelope and bodies is deterministic (struct field
/// order, no maps with unordered keys), so both sides compute the same.
pub fn canonical_bytes(doc: &Document) -> Vec<u8> {
    let mut bare = doc.clone();
    bare.proof = None;
    let mut out = DOMAIN.to_vec();
    // Plain data types: serialising them cannot fail.
    out.extend(serde_json::to_vec(&bare).unwrap_or_default());
    out
}

fn hmac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// The MAC of `doc` under `key`, lower-case hex.
pub fn mac(key: &[u8], doc: &Document) -> String {
    let mut m = hmac(key);
    m.update(&canonical_bytes(doc));
    hex_lower(&m.finalize().into_bytes())
}

/// Whether `mac_hex` is the MAC of `doc` under `key` (constant time).
pub fn verify(key: &[u8], doc: &Document, mac_hex: &str) -> bool {
    let Some(expected) = hex_decode(mac_hex) else {
        return false;
    };
    let mut m = hmac(key);
    m.update(&canonical_bytes(doc));
    m.verify_slice(&expected).is_ok()
}

/// `doc` with the author's MAC (and the approver's, when given) attached.
pub fn prove(
    mut doc: Document,
    author: (&str, &[u8]),
    approver: Option<(&str, &[u8])>,
) -> Document {
    let make = |(id, key): (&str, &[u8])| KeyMac {
        key: id.to_owned(),
        mac: mac(key, &doc),
    };
    let proof = Proof {
        author: make(author),
        approver: approver.map(make),
    };
    doc.proof = Some(proof);
    doc
}

/// Lower-case hex of `bytes` (keys and MACs on the wire).
pub fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 0xf) as usize] as char);
    }
    s
}

/// The 32 bytes of a key or MAC in hex; `None` for anything else.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Body, Transition};
    use chrono::{TimeZone, Utc};

    fn doc() -> Document {
        Document {
            id: crate::ids::DocId::new_v7(),
            author: "tech-1".into(),
            device: "dev-1".into(),
            site: "S".into(),
            device_time: Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap(),
            work_order: Some("WO-1".into()),
            line: None,
            reason: None,
            reason_code: None,
            approver: None,
            follows: None,
            body: Body::WoStatusChange {
                transition: Transition::Start,
            },
            proof: None,
        }
    }

    #[test]
    fn a_mac_verifies_with_its_key_only() {
        let d = doc();
        let m = mac(&[7; 32], &d);
        assert_eq!(m.len(), 64);
        assert!(verify(&[7; 32], &d, &m));
        assert!(!verify(&[8; 32], &d, &m));
        assert!(!verify(&[7; 32], &d, "zz"));
        // 64 bytes, but not ASCII: refused, never sliced inside a
        // character. (It replaced every `A` of the upper-cased MAC with `é`:
        // a MAC without an `a`, one in 60, stayed valid hex and the test
        // failed at random — seen on a CI run.)
        let non_ascii = format!("é{}", &m[2..]);
        assert_eq!(non_ascii.len(), 64);
        assert!(!verify(&[7; 32], &d, &non_ascii));
    }

    #[test]
    fn any_changed_field_breaks_the_mac_and_the_proof_itself_does_not() {
        let d = doc();
        let proved = prove(d.clone(), ("pk-1", &[7; 32]), None);
        let m = proved.proof.as_ref().map(|p| p.author.mac.clone()).unwrap();
        // The proof is not part of what it covers.
        assert!(verify(&[7; 32], &proved, &m));
        let mut other = proved.clone();
        other.author = "sup-1".into();
        assert!(!verify(&[7; 32], &other, &m));
        let mut later = proved.clone();
        later.device_time += chrono::Duration::seconds(1);
        assert!(!verify(&[7; 32], &later, &m));
    }
}
