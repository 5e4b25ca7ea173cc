//! The key of the ledger's hash chains. Each accepted document and each
//! audit entry is chained to the one before by an HMAC under a server secret
//! kept outside the database (`chain.key` in the data directory, mode 0600,
//! made at first start), so whoever can rewrite the database but not read
//! that file cannot rewrite a document and recompute the chain. Links
//! written before the key existed (a database from before keyed chains)
//! stay plain SHA-256; the key file says from which sequence on each chain
//! is keyed, and a database with keyed links refuses to open without it.

use super::{StoreError, StoreResult};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Marks a keyed link in the `hash` column.
pub const KEYED: &str = "k1:";

/// Which chain a link belongs to (bound into the MAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    Documents,
    Audit,
    /// A site's master data (one link per site, `prev` is the site id).
    Master,
    /// A back-office password (one link per person, `prev` is the site id).
    Password,
}

impl Chain {
    fn name(self) -> &'static str {
        match self {
            Chain::Documents => "documents",
            Chain::Audit => "audit",
            Chain::Master => "master",
            Chain::Password => "password",
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    key: String,
    documents_from: u64,
    audit_from: u64,
}

pub struct ChainKey {
    key: ring::hmac::Key,
    /// The sealing key, derived from `key` once (see [`ChainKey::seal`]).
    sealing: ring::aead::LessSafeKey,
    documents_from: u64,
    audit_from: u64,
    /// Made by this start (the moment a database is first keyed).
    pub created: bool,
}

const HEADER: &str =
    "# sparescan-server chain key: the secret the ledger's hash chains are keyed with.
# Keep it with the backups of the database, never inside it: without it
# `sparescan-server verify` cannot vouch for the ledger. Never edit it.
";

/// Where the key of a database lives.
pub fn key_path(database: &Path) -> PathBuf {
    database.with_file_name("chain.key")
}

impl ChainKey {
    /// Reads the key next to `database`, or makes one when there is none and
    /// the database holds no keyed link (`next_*`: the sequences the next
    /// link of each chain gets, from which the new key applies).
    pub fn load_or_create(
        database: &Path,
        next_document: u64,
        next_audit: u64,
        has_keyed_links: bool,
    ) -> StoreResult<ChainKey> {
        let path = key_path(database);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if has_keyed_links {
                    return Err(StoreError::Foreign(format!(
                        "the chain key {} is missing, but {} was written with one: restore the key \
                         from the backup of the data directory (a new key would leave the ledger \
                         unverifiable)",
                        path.display(),
                        database.display()
                    )));
                }
                Self::create(&path, next_document, next_audit)
            }
            Err(e) => Err(StoreError::Foreign(format!(
                "reading the chain key {}: {e}",
                path.display()
            ))),
        }
    }

    fn parse(path: &Path, text: &str) -> StoreResult<ChainKey> {
        let bad = |why: String| {
            StoreError::Foreign(format!(
                "the chain key {} is not valid ({why}): restore it from the backup of the data directory",
                path.display()
            ))
        };
        let file: KeyFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let bytes = hex::decode(&file.key).map_err(|e| bad(e.to_string()))?;
        if bytes.len() != 32 {
            return Err(bad(format!("{} bytes, not 32", bytes.len())));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(m) = std::fs::metadata(path)
                && m.permissions().mode() & 0o077 != 0
            {
                log::warn!(
                    "the chain key {} is readable by others: chmod 600 it",
                    path.display()
                );
            }
        }
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes);
        Ok(ChainKey {
            sealing: sealing_key(&key)?,
            key,
            documents_from: file.documents_from,
            audit_from: file.audit_from,
            created: false,
        })
    }

    fn create(path: &Path, documents_from: u64, audit_from: u64) -> StoreResult<ChainKey> {
        let bytes: [u8; 32] = rand::rng().random();
        let file = KeyFile {
            key: hex::encode(bytes),
            documents_from,
            audit_from,
        };
        let text = format!(
            "{HEADER}{}",
            toml::to_string(&file).map_err(|e| StoreError::Foreign(e.to_string()))?
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let write = |mut f: std::fs::File| {
            use std::io::Write;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        };
        options.open(path).and_then(write).map_err(|e| {
            StoreError::Foreign(format!("writing the chain key {}: {e}", path.display()))
        })?;
        log::info!("made the chain key {}", path.display());
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes);
        Ok(ChainKey {
            sealing: sealing_key(&key)?,
            key,
            documents_from,
            audit_from,
            created: true,
        })
    }

    /// The link of entry `seq` of `chain` after `prev`: keyed from the key's
    /// start on, plain SHA-256 before it.
    pub fn link(&self, chain: Chain, seq: u64, prev: &str, parts: &[&str]) -> String {
        let from = match chain {
            Chain::Documents => self.documents_from,
            Chain::Audit => self.audit_from,
            Chain::Master | Chain::Password => 0,
        };
        if seq < from {
            return plain(prev, parts);
        }
        let mut ctx = ring::hmac::Context::with_key(&self.key);
        ctx.update(chain.name().as_bytes());
        ctx.update(b"\n");
        ctx.update(prev.as_bytes());
        for p in parts {
            ctx.update(b"\n");
            ctx.update(p.as_bytes());
        }
        format!("{KEYED}{}", hex::encode(ctx.sign().as_ref()))
    }
}

/// What a sealed secret starts with: the nonce.
const NONCE_LEN: usize = ring::aead::NONCE_LEN;

/// The sealing key, derived from the chain key (never the chain key itself:
/// one secret, two uses kept apart).
fn sealing_key(key: &ring::hmac::Key) -> StoreResult<ring::aead::LessSafeKey> {
    let derived = ring::hmac::sign(key, b"sparescan seal v1");
    ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, derived.as_ref())
        .map(ring::aead::LessSafeKey::new)
        .map_err(|_| {
            StoreError::Foreign("deriving the sealing key from the chain key failed".into())
        })
}

impl ChainKey {
    /// Seals a secret the server must keep but the database must not give
    /// away (a presence key): ChaCha20-Poly1305 under a key derived from
    /// the chain key, with `bound_to` (the row's identity) as associated
    /// data, so a sealed secret moved to another row opens nothing.
    /// Returns nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, bound_to: &str, secret: &[u8]) -> StoreResult<Vec<u8>> {
        let nonce: [u8; NONCE_LEN] = rand::rng().random();
        let mut sealed = secret.to_vec();
        self.sealing
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(bound_to.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| StoreError::Corrupt("sealing a secret failed".into()))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The secret [`seal`](Self::seal) sealed for `bound_to`; `None` when
    /// it was not sealed under this key for this row (written into the
    /// database, moved, or damaged).
    pub fn open(&self, bound_to: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, body) = sealed.split_at_checked(NONCE_LEN)?;
        let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = body.to_vec();
        let opened = self
            .sealing
            .open_in_place(nonce, ring::aead::Aad::from(bound_to.as_bytes()), &mut body)
            .ok()?;
        Some(opened.to_vec())
    }
}

/// The unkeyed link (databases from before keyed chains).
fn plain(prev: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    for p in parts {
        h.update(b"\n");
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_keyed_from_the_start_on_and_the_key_is_private() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("sparescan.db");
        let key = ChainKey::load_or_create(&db, 3, 1, false).expect("made");
        let old = key.link(Chain::Documents, 2, "p", &["a"]);
        assert_eq!(old, plain("p", &["a"]));
        let new = key.link(Chain::Documents, 3, "p", &["a"]);
        assert!(new.starts_with(KEYED));
        assert_ne!(new, key.link(Chain::Audit, 3, "p", &["a"]));
        // Read again, the same key.
        let again = ChainKey::load_or_create(&db, 9, 9, true).expect("read");
        assert_eq!(again.link(Chain::Documents, 3, "p", &["a"]), new);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_path(&db))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another key gives other links; a lost key is not replaced.
        std::fs::remove_file(key_path(&db)).expect("remove");
        assert!(ChainKey::load_or_create(&db, 9, 9, true).is_err());
        let other = ChainKey::load_or_create(&db, 1, 1, false).expect("new");
        assert_ne!(other.link(Chain::Documents, 3, "p", &["a"]), new);
    }
}
