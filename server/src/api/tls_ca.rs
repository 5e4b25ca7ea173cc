//! The CA certificate devices pin, served to anyone: it is public, and a
//! device trusts it only if its SHA-256 fingerprint is the one in the
//! enrollment QR code an admin showed it (`sparescan_core::enrollment`).

use super::{ApiError, AppState};
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use sha2::{Digest, Sha256};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/tls/ca.pem", get(ca_pem))
}

/// A CA certificate and its fingerprint.
pub struct ServedCa {
    pub pem: String,
    /// SHA-256 of the certificate (DER), lower-case hex.
    pub sha256: String,
}

impl ServedCa {
    /// The first certificate of a PEM file.
    pub fn read(path: &std::path::Path) -> anyhow::Result<ServedCa> {
        let pem = std::fs::read_to_string(path)?;
        Self::from_pem(&pem)
    }

    pub fn from_pem(pem: &str) -> anyhow::Result<ServedCa> {
        let der = CertificateDer::pem_slice_iter(pem.as_bytes())
            .next()
            .ok_or_else(|| anyhow::anyhow!("no certificate in it"))??;
        Ok(ServedCa {
            pem: pem.to_owned(),
            sha256: fingerprint(&der),
        })
    }
}

/// SHA-256 of a certificate's DER, lower-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The CA certificate devices pin.
///
/// The certificate (PEM) that a handheld enrolling from a QR code fetches;
/// it pins it only if its SHA-256 is the code's. 404 when the server uses
/// a certificate of its own without `tls.ca` configured.
#[utoipa::path(
    get,
    path = "/api/v1/tls/ca.pem",
    tag = "auth",
    operation_id = "tls_ca",
    responses(
        (status = 200, description = "The CA certificate, PEM", body = String, content_type = "application/x-pem-file"),
        (status = 404, response = crate::api::openapi::NotFound),
    ),
    security(())
)]
pub async fn ca_pem(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ca = state.ca.as_ref().ok_or_else(|| {
        ApiError::not_found(
            "this server does not name the CA devices pin: set tls.ca in its configuration",
        )
    })?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        ca.pem.clone(),
    )
        .into_response())
}
