//! The first run: a server with no site prints a one-time setup token in
//! its log (and keeps it in `setup-token` in the data directory, readable
//! by the server's user only); whoever has it makes the first site and its
//! admin on `/console/setup`. The token works once: after that the page
//! says the site exists, and more sites are made by that admin.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The setup token's name in the data directory.
pub const FILE: &str = "setup-token";

#[derive(Default)]
pub struct SetupToken {
    /// The token's SHA-256 while no site has been made with it.
    hash: Mutex<Option<[u8; 32]>>,
    file: Option<PathBuf>,
}

impl SetupToken {
    /// A token for a server without sites, written to `data_dir`; the
    /// token is returned to be logged.
    pub fn issue(data_dir: &Path) -> std::io::Result<(SetupToken, String)> {
        let token = crate::api::auth::random_token("setup_");
        let file = data_dir.join(FILE);
        write_private(&file, &token)?;
        Ok((
            SetupToken {
                hash: Mutex::new(Some(Sha256::digest(token.as_bytes()).into())),
                file: Some(file),
            },
            token,
        ))
    }

    /// Whether a first site may still be made.
    pub fn pending(&self) -> bool {
        self.hash.lock().map(|h| h.is_some()).unwrap_or(false)
    }

    /// Takes the token if `given` is it: one request at a time can hold
    /// it, so two first sites cannot both be made. The caller gives it back
    /// if the site was not made. Hashes are compared: how long that takes
    /// tells nothing about the token.
    pub fn take(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
        let Ok(mut held) = self.hash.lock() else {
            return false;
        };
        let right = *held == Some(given);
        if right {
            *held = None;
        }
        right
    }

    /// The site was not made: the token taken with `given` works again.
    pub fn give_back(&self, given: &str) {
        if let Ok(mut held) = self.hash.lock() {
            *held = Some(Sha256::digest(given.trim().as_bytes()).into());
        }
    }

    /// The first site exists: the token's file goes too.
    pub fn spent(&self) {
        if let Some(file) = &self.file
            && let Err(e) = std::fs::remove_file(file)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            log::warn!("{}: {e}; delete it by hand", file.display());
        }
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_works_once_and_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let (setup, token) = SetupToken::issue(dir.path()).unwrap();
        assert!(setup.pending());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE))
                .unwrap()
                .trim(),
            token
        );
        assert!(!setup.take("setup_wrong"));
        assert!(setup.pending());
        assert!(setup.take(&format!(" {token}\n")));
        assert!(!setup.pending());
        assert!(!setup.take(&token), "one request holds it");
        setup.give_back(&token);
        assert!(setup.take(&token));
        setup.spent();
        assert!(!dir.path().join(FILE).exists());
    }

    #[test]
    fn no_token_without_issue() {
        let setup = SetupToken::default();
        assert!(!setup.pending());
        assert!(!setup.take(""));
    }
}
