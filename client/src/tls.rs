//! The client's TLS: rustls with the ring provider, trusting only the CA
//! the device was given (no system roots).

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Why a pinned CA cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("the pinned CA is not valid PEM: {0}")]
    Pem(#[from] rustls::pki_types::pem::Error),
    #[error("the pinned CA is not a usable certificate: {0}")]
    Certificate(#[from] rustls::Error),
    #[error("the pinned CA file holds no certificate")]
    Empty,
}

/// Installs ring as the process's rustls provider (idempotent; the server
/// installs the same one).
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client configuration that trusts only the pinned CA.
pub fn pinned_client_config(ca_pem: &[u8]) -> Result<rustls::ClientConfig, PinError> {
    install_provider();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert?)?;
    }
    if roots.is_empty() {
        return Err(PinError::Empty);
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_without_a_certificate_is_refused() {
        assert!(matches!(pinned_client_config(b""), Err(PinError::Empty)));
        assert!(matches!(
            pinned_client_config(b"not a PEM file\n"),
            Err(PinError::Empty)
        ));
    }

    #[test]
    fn a_broken_certificate_is_refused_as_such() {
        let bad_base64 = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            pinned_client_config(bad_base64),
            Err(PinError::Pem(_))
        ));
        let not_a_certificate = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            pinned_client_config(not_a_certificate),
            Err(PinError::Certificate(_))
        ));
    }
}
