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

/// A configuration for one thing only: fetching the server's CA
/// certificate before it is pinned, when the device was told its SHA-256
/// fingerprint (the enrollment QR code). The server's certificate is not
/// checked on this connection — the fetched CA is, by its fingerprint,
/// before anything trusts it — but the handshake's signatures are.
pub fn fingerprint_fetch_config() -> rustls::ClientConfig {
    install_provider();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(CheckedLater(provider)))
        .with_no_client_auth()
}

#[derive(Debug)]
struct CheckedLater(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for CheckedLater {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// SHA-256 of the first certificate in `pem` (DER), lower-case hex.
pub fn ca_fingerprint(pem: &[u8]) -> Result<String, PinError> {
    let der = CertificateDer::pem_slice_iter(pem)
        .next()
        .ok_or(PinError::Empty)??;
    let digest = ring::digest::digest(&ring::digest::SHA256, &der);
    Ok(digest.as_ref().iter().map(|b| format!("{b:02x}")).collect())
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
