//! The server's TLS with rustls and the ring provider. Plain HTTP is never
//! served. (The clients' pinned-CA configuration is sparescan-client's.)
//! For development and the demo, a CA and a server certificate are made on
//! first start (rcgen) and the CA is written as PEM for devices to pin.

use anyhow::{Context, Result};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Installs ring as the process's rustls provider (idempotent).
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Where the development CA and server certificate live.
#[derive(Debug, Clone)]
pub struct DevCa {
    pub ca_pem: PathBuf,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

impl DevCa {
    pub fn in_dir(dir: &Path) -> Self {
        DevCa {
            ca_pem: dir.join("ca.pem"),
            cert_pem: dir.join("server.pem"),
            key_pem: dir.join("server.key"),
        }
    }

    /// Creates the CA and a server certificate for `hosts` unless they
    /// exist already.
    pub fn ensure(dir: &Path, hosts: &[String]) -> Result<Self> {
        let ca = Self::in_dir(dir);
        if ca.ca_pem.exists() && ca.cert_pem.exists() && ca.key_pem.exists() {
            return Ok(ca);
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let ca_key = KeyPair::generate().context("generating the CA key")?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "sparescan development CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).context("signing the CA")?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        names.extend(hosts.iter().cloned());
        names.dedup();
        let key = KeyPair::generate().context("generating the server key")?;
        let mut params = CertificateParams::new(names)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "sparescan server");
        let cert = params
            .signed_by(&key, &issuer)
            .context("signing the server certificate")?;

        write_private(&ca.key_pem, &key.serialize_pem())?;
        std::fs::write(&ca.cert_pem, cert.pem())?;
        std::fs::write(&ca.ca_pem, ca_cert.pem())?;
        log::info!(
            "created a development CA: devices pin {}",
            ca.ca_pem.display()
        );
        Ok(ca)
    }
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// The server's TLS configuration from PEM files (HTTP/2 and HTTP/1.1).
pub fn server_config(cert_pem: &Path, key_pem: &Path) -> Result<Arc<rustls::ServerConfig>> {
    install_provider();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_pem)
        .with_context(|| format!("reading {}", cert_pem.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("parsing {}", cert_pem.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "{} holds no certificate",
        cert_pem.display()
    );
    let key = PrivateKeyDer::from_pem_file(key_pem)
        .with_context(|| format!("reading the private key {}", key_pem.display()))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate and key do not match")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
