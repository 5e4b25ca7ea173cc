//! The device's configuration: a documented TOML file
//! (`/etc/sparescan/sparescan.toml` on a device, `sparescan config-template`
//! prints it). What enrollment learns (server, CA, token) lives in the cache,
//! not here: the file is what an administrator sets once per fleet.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sparescan_core::scan::ScanConfig;
use std::path::{Path, PathBuf};

use crate::scanner::ScannerConfig;

/// The documented template. Every key is optional; shown are the defaults.
pub const TEMPLATE: &str = r#"# sparescan handheld configuration.

# Where the local cache (SQLite: snapshot, outbox, needs-attention) lives.
data_dir = "/var/lib/sparescan"

# Language of the UI: "en" or "ru".
language = "en"

# Preset for the enrollment screen (the person enrolling can change them).
# server_url = "https://sparescan.example.org:8443"
# ca_file = "/etc/sparescan/ca.pem"
# Name shown for this device in the back office; default: the host name.
# device_name = "handheld-07"

[sync]
# Seconds between syncs while online (pushes also go out right after a
# confirmation).
interval_secs = 10
# Longest wait between attempts while the server cannot be reached.
max_backoff_secs = 120

[scanner]
# How scans arrive: "wedge" (the scanner types like a keyboard into the app),
# "evdev" (the app grabs the scanner's input device exclusively; Linux) or
# "serial" (a serial/USB-CDC tty).
mode = "wedge"
# Characters the scanner sends before and after each code. Enter ("\n") is
# the usual suffix (a scan waits for it up to a second: set suffix = "" if
# the scanner sends none); a prefix (e.g. "\u0002") lets the app tell scans
# from typing even while a text field has focus.
prefix = ""
suffix = "\n"
# What the scanner sends instead of the GS (FNC1) separator when it cannot
# type a control character, e.g. "^]" (it becomes GS again before decoding).
# gs_substitute = "^]"
# Longest gap between two keys of one scan, in milliseconds.
max_gap_ms = 40
# Shorter bursts are typing.
min_length = 3
# evdev_device = "/dev/input/by-id/usb-Scanner-event-kbd"
# serial_device = "/dev/ttyACM0"
baud = 9600

[decode]
# How the decoder reads control characters and the site's own labels.
# gs_substitute = "~"
[decode.prefixes]
work_order = "WO:"
bin = "BIN:"
asset = "AST:"
user = "USR:"
document = "DOC:"
"#;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub data_dir: PathBuf,
    pub language: Language,
    pub server_url: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub device_name: Option<String>,
    pub sync: SyncConfig,
    pub scanner: ScannerConfig,
    pub decode: ScanConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("/var/lib/sparescan"),
            language: Language::En,
            server_url: None,
            ca_file: None,
            device_name: None,
            sync: SyncConfig::default(),
            scanner: ScannerConfig::default(),
            decode: ScanConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Ru,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ru => "ru",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    pub interval_secs: u64,
    pub max_backoff_secs: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            interval_secs: 10,
            max_backoff_secs: 120,
        }
    }
}

impl Config {
    /// Reads the file; a missing file at the default place means defaults.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("/etc/sparescan/sparescan.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text)
                .with_context(|| format!("reading the configuration {}", path.display())),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(e) => Err(e).with_context(|| format!("opening {}", path.display())),
        }
    }

    pub fn parse(text: &str) -> Result<Config> {
        toml::from_str(text).context(
            "the file is not a valid sparescan configuration (see `sparescan config-template`)",
        )
    }

    pub fn cache_path(&self) -> PathBuf {
        self.data_dir.join("cache.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_to_the_defaults() {
        let parsed = Config::parse(TEMPLATE).expect("template parses");
        let default = Config::default();
        assert_eq!(parsed.data_dir, default.data_dir);
        assert_eq!(parsed.language, Language::En);
        assert_eq!(parsed.sync.interval_secs, default.sync.interval_secs);
        assert_eq!(parsed.decode, default.decode);
        assert_eq!(
            serde_json::to_value(&parsed.scanner).ok(),
            serde_json::to_value(&default.scanner).ok()
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_a_message() {
        let err = Config::parse("langauge = \"ru\"").expect_err("typo refused");
        assert!(format!("{err:#}").contains("langauge"), "{err:#}");
    }
}
