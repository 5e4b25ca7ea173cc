//! The enrollment link an admin's console shows as a QR code and a
//! handheld scans, so nobody types on the device: the server's address,
//! the SHA-256 fingerprint of the CA certificate the device is to pin, and
//! the one-time enrollment code.
//!
//! `sparescan:enroll?server=https%3A%2F%2Fhost%3A8443&ca=<64 hex>&code=ABCD-EFGH-JKMN`
//!
//! The device fetches the CA certificate from the server
//! (`GET /api/v1/tls/ca.pem`), trusts it only if its fingerprint is the
//! link's, pins it, and enrolls with the code over the pinned connection.

use crate::url;

/// What the link starts with.
pub const SCHEME: &str = "sparescan:enroll?";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentLink {
    /// `https://host:port`.
    pub server: String,
    /// SHA-256 of the CA certificate (DER), lower-case hex.
    pub ca_sha256: String,
    pub code: String,
}

/// Why a scanned text is not an enrollment link: said so a person can act.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error(
        "this is not a sparescan enrollment code: scan the QR code on the console's Devices page"
    )]
    NotALink,
    #[error("the enrollment QR code has no {0}: make a new one on the console's Devices page")]
    Missing(&'static str),
    #[error(
        "the enrollment QR code's {0} is not valid: make a new one on the console's Devices page"
    )]
    Invalid(&'static str),
}

impl EnrollmentLink {
    /// The link as text (what the QR code holds).
    pub fn to_text(&self) -> String {
        format!(
            "{SCHEME}server={}&ca={}&code={}",
            url::encode(&self.server),
            self.ca_sha256,
            url::encode(&self.code)
        )
    }

    /// A scanned text as a link; the server must be `https://`.
    pub fn parse(text: &str) -> Result<EnrollmentLink, LinkError> {
        let query = text
            .trim()
            .strip_prefix(SCHEME)
            .ok_or(LinkError::NotALink)?;
        let (mut server, mut ca, mut code) = (None, None, None);
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (slot, what) = match k {
                "server" => (&mut server, "server address"),
                "ca" => (&mut ca, "certificate fingerprint"),
                "code" => (&mut code, "enrollment code"),
                _ => continue,
            };
            *slot = Some(url::decode(v).ok_or(LinkError::Invalid(what))?);
        }
        let server = server.ok_or(LinkError::Missing("server address"))?;
        if !server.starts_with("https://") || server.len() <= "https://".len() {
            return Err(LinkError::Invalid("server address"));
        }
        let ca = ca
            .ok_or(LinkError::Missing("certificate fingerprint"))?
            .to_ascii_lowercase();
        if ca.len() != 64 || !ca.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LinkError::Invalid("certificate fingerprint"));
        }
        let code = code
            .filter(|c| !c.trim().is_empty())
            .ok_or(LinkError::Missing("enrollment code"))?;
        Ok(EnrollmentLink {
            server,
            ca_sha256: ca,
            code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> EnrollmentLink {
        EnrollmentLink {
            server: "https://stores.plant-7.local:8443".into(),
            ca_sha256: "ab".repeat(32),
            code: "ABCD-EFGH-JKMN".into(),
        }
    }

    #[test]
    fn a_link_reads_back() {
        let text = link().to_text();
        assert_eq!(
            text,
            format!(
                "sparescan:enroll?server=https%3A%2F%2Fstores.plant-7.local%3A8443&ca={}&code=ABCD-EFGH-JKMN",
                "ab".repeat(32)
            )
        );
        assert_eq!(EnrollmentLink::parse(&format!(" {text}\n")), Ok(link()));
    }

    #[test]
    fn wrong_links_say_what_is_wrong() {
        assert_eq!(EnrollmentLink::parse("WO-1"), Err(LinkError::NotALink));
        let text = link().to_text();
        assert_eq!(
            EnrollmentLink::parse(&text.replace("https%3A", "http%3A")),
            Err(LinkError::Invalid("server address"))
        );
        assert_eq!(
            EnrollmentLink::parse(&text.replace(&"ab".repeat(32), "abc")),
            Err(LinkError::Invalid("certificate fingerprint"))
        );
        assert_eq!(
            EnrollmentLink::parse(&text.replace("&code=ABCD-EFGH-JKMN", "")),
            Err(LinkError::Missing("enrollment code"))
        );
        assert_eq!(
            EnrollmentLink::parse("sparescan:enroll?server=%E2%28"),
            Err(LinkError::Invalid("server address")),
            "a broken escape"
        );
    }
}
