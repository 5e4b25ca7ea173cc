//! The device's half of proof of presence (docs/security.md): a person's
//! presence key, received at an online sign-in here, is kept only sealed
//! by a key derived from their PIN (Argon2id, then ChaCha20-Poly1305). An
//! offline sign-in is the unsealing: a wrong PIN fails the AEAD tag, and no
//! PIN hash of anybody is on the device to guess against.

use chrono::{DateTime, Utc};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sparescan_core::document::Document;
use sparescan_core::ids::UserId;
use std::collections::HashMap;

const SALT_LEN: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("no randomness from the system: {0:?}")]
    Random(ring::error::Unspecified),
    #[error("deriving the key from the PIN: {0}")]
    Kdf(String),
    #[error("sealing the key failed")]
    Seal,
}

/// A presence key sealed by a PIN, as the cache stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub expires_at: DateTime<Utc>,
    pub salt: Vec<u8>,
    pub nonce: Vec<u8>,
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The sealed key is bound to its holder and id: moving a sealed row to
/// another person's badge does not open it.
fn aad(user: &str, key_id: &str, expires_at: DateTime<Utc>) -> Vec<u8> {
    format!("{user}\0{key_id}\0{}", expires_at.to_rfc3339()).into_bytes()
}

fn kek(pin: &str, salt: &[u8]) -> Result<LessSafeKey, SealError> {
    let mut out = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(pin.as_bytes(), salt, &mut out)
        .map_err(|e| SealError::Kdf(e.to_string()))?;
    let key = UnboundKey::new(&CHACHA20_POLY1305, &out).map_err(|_| SealError::Seal)?;
    Ok(LessSafeKey::new(key))
}

/// Seals `key` (the raw presence key) for `user` with `pin`.
pub fn seal(
    pin: &str,
    user: &str,
    key_id: &str,
    expires_at: DateTime<Utc>,
    key: &[u8],
) -> Result<Sealed, SealError> {
    let rng = SystemRandom::new();
    let mut salt = vec![0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut salt).map_err(SealError::Random)?;
    rng.fill(&mut nonce).map_err(SealError::Random)?;
    let mut sealed = key.to_vec();
    kek(pin, &salt)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(user, key_id, expires_at)),
            &mut sealed,
        )
        .map_err(|_| SealError::Seal)?;
    Ok(Sealed {
        key_id: key_id.to_owned(),
        expires_at,
        salt,
        nonce: nonce.to_vec(),
        sealed,
    })
}

/// The raw key, if `pin` is the one it was sealed with (`Ok(None)`: wrong
/// PIN, or a row that is not `user`'s).
pub fn open(pin: &str, user: &str, s: &Sealed) -> Result<Option<Vec<u8>>, SealError> {
    let Ok(nonce) = <[u8; NONCE_LEN]>::try_from(s.nonce.as_slice()) else {
        return Ok(None);
    };
    let mut buf = s.sealed.clone();
    let opened = kek(pin, &s.salt)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(user, &s.key_id, s.expires_at)),
            &mut buf,
        )
        .map(|plain| plain.to_vec())
        .ok();
    Ok(opened)
}

/// The keys opened in this session: the signed-in person's, and those of
/// approvers who entered their PIN for a movement. Gone at sign-out.
#[derive(Default)]
pub struct Keyring {
    keys: HashMap<UserId, (String, Vec<u8>)>,
}

impl Keyring {
    pub fn insert(&mut self, user: UserId, key_id: String, key: Vec<u8>) {
        self.keys.insert(user, (key_id, key));
    }

    pub fn clear(&mut self) {
        self.keys.clear();
    }

    pub fn has(&self, user: &UserId) -> bool {
        self.keys.contains_key(user)
    }

    /// `doc` with its author's MAC, and its approver's when the approver's
    /// key is open. A document whose author's key is not open is returned
    /// as it is (the server holds it back as `proof_missing`).
    pub fn prove(&self, doc: Document) -> Document {
        let Some((id, key)) = self.keys.get(&doc.author) else {
            log::warn!(
                "no open key for {}: document {} unproved",
                doc.author,
                doc.id
            );
            return doc;
        };
        let approver = doc
            .approver
            .as_ref()
            .and_then(|a| self.keys.get(a))
            .map(|(id, key)| (id.as_str(), key.as_slice()));
        sparescan_core::presence::prove(doc.clone(), (id.as_str(), key.as_slice()), approver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_pin_opens_and_nothing_else_does() {
        let at = Utc::now();
        let s = seal("246810", "tech-1", "pk-1", at, &[9; 32]).expect("seal");
        assert_eq!(
            open("246810", "tech-1", &s).expect("open"),
            Some(vec![9; 32])
        );
        assert_eq!(open("246811", "tech-1", &s).expect("open"), None);
        // Bound to its holder and id.
        assert_eq!(open("246810", "tech-2", &s).expect("open"), None);
        let mut moved = s.clone();
        moved.key_id = "pk-2".into();
        assert_eq!(open("246810", "tech-1", &moved).expect("open"), None);
        assert!(!format!("{s:?}").contains("sealed"));
    }
}
