//! Server configuration: a TOML file, overridden by environment variables.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The documented template, as `sparescan-server config-template` prints it.
pub const TEMPLATE: &str = r#"# sparescan-server configuration.
# Every key can be overridden by an environment variable (in brackets).

# Address and port to listen on, HTTPS only [SPARESCAN_LISTEN].
listen = "0.0.0.0:8443"

# Where the database, backups and the development CA live [SPARESCAN_DATA_DIR].
data_dir = "/var/lib/sparescan-server"

[tls]
# PEM certificate chain and private key [SPARESCAN_TLS_CERT, SPARESCAN_TLS_KEY].
# Leave both out to have a development CA made in <data_dir>/tls on first
# start; devices then pin <data_dir>/tls/ca.pem.
# cert = "/etc/sparescan-server/server.pem"
# key = "/etc/sparescan-server/server.key"
# The CA certificate devices pin, served at /api/v1/tls/ca.pem for the
# enrollment QR code (with the development CA: its ca.pem).
# ca = "/etc/sparescan-server/ca.pem"
# Extra host names for the development certificate.
hosts = []

[limits]
# Largest request body in bytes.
max_body_bytes = 16777216
# Seconds before a request is answered with a timeout.
request_timeout_secs = 30
# Documents per push, changes per pull page, rows per bootstrap page.
push_max_docs = 5000
pull_page = 5000
bootstrap_page = 20000
"#;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    #[serde(default)]
    pub tls: TlsConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// The CA certificate devices pin (with the development CA, its own).
    #[serde(default)]
    pub ca: Option<PathBuf>,
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    pub push_max_docs: usize,
    pub pull_page: u32,
    pub bootstrap_page: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: 16 * 1024 * 1024,
            request_timeout_secs: 30,
            push_max_docs: 5_000,
            pull_page: 5_000,
            bootstrap_page: 20_000,
        }
    }
}

impl Config {
    /// A configuration for `data_dir`, listening on `listen`.
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Config {
            listen,
            data_dir: data_dir.into(),
            tls: TlsConfig::default(),
            limits: LimitsConfig::default(),
        }
    }

    /// Reads the file (if given), then applies the environment.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let mut config: Config = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading the configuration {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("in the configuration {}", p.display()))?
            }
            None => toml::from_str(TEMPLATE).context("the built-in template")?,
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = var("SPARESCAN_LISTEN") {
            self.listen = v
                .parse()
                .with_context(|| format!("SPARESCAN_LISTEN={v} is not an address:port"))?;
        }
        if let Some(v) = var("SPARESCAN_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("SPARESCAN_TLS_CERT") {
            self.tls.cert = Some(v.into());
        }
        if let Some(v) = var("SPARESCAN_TLS_KEY") {
            self.tls.key = Some(v.into());
        }
        Ok(())
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join("sparescan.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_and_env_overrides() {
        let mut c: Config = toml::from_str(TEMPLATE).unwrap();
        assert_eq!(c.listen.port(), 8443);
        c.apply_env(|k| match k {
            "SPARESCAN_LISTEN" => Some("127.0.0.1:9000".into()),
            "SPARESCAN_DATA_DIR" => Some("/tmp/x".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(c.database(), PathBuf::from("/tmp/x/sparescan.db"));
        assert!(c.apply_env(|_| Some("nonsense".into())).is_err());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let bad = format!("{TEMPLATE}\nlisten_port = 1\n");
        assert!(toml::from_str::<Config>(&bad).is_err());
    }
}
