//! The HTTP API (`/api/v1/…`): sync with devices, the back office, reports.
//! Errors are JSON `{code, message}` with a 4xx only for protocol and
//! authorisation problems; a push with verdicts is always 200.

pub mod auth;
pub mod backoffice;
pub mod body;
pub mod lockout;
pub mod openapi;
pub mod passwords;
pub mod presence;
pub mod reports;
pub mod sites;
pub mod sync;
pub mod tls_ca;

use crate::ledger::{Ledger, LedgerError};
use crate::store::{Backend, Store, StoreError};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use sparescan_core::sync::ApiError as ErrorBody;
use std::sync::{Arc, Mutex};

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub ledger: Ledger,
    pub readers: Arc<Readers>,
    pub limits: Limits,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub devices: Arc<auth::DeviceCache>,
    pub presence_keys: Arc<presence::KeyCache>,
    pub sign_ins: Arc<lockout::SignInGuard>,
    /// The first run's setup token, while the server has no site.
    pub setup: Arc<crate::console::setup::SetupToken>,
    /// The CA certificate devices pin, when the server knows it.
    pub ca: Option<Arc<tls_ca::ServedCa>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Changes per pull page at most.
    pub pull_page: u32,
    /// Rows per bootstrap page.
    pub bootstrap_page: u32,
    /// Documents per push at most.
    pub push_max_docs: usize,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            pull_page: 5_000,
            bootstrap_page: 20_000,
            push_max_docs: 5_000,
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

pub fn router(state: AppState) -> Router {
    // Sign-in, enrollment and passwords take a few hundred bytes from people
    // not yet known: a larger body is refused before it is read.
    let small = body::BodyLimit(lockout::MAX_SIGN_IN_BODY);
    let any = body::BodyLimit(state.limits.max_body_bytes);
    let read_whole = |limit| axum::middleware::from_fn_with_state(limit, body::read_whole);
    Router::new()
        .merge(auth::routes().layer(read_whole(small)))
        .merge(passwords::routes().layer(read_whole(small)))
        .merge(
            Router::new()
                .merge(sync::routes())
                .merge(sites::routes())
                .merge(backoffice::routes())
                .merge(reports::routes())
                .merge(openapi::routes())
                .merge(tls_ca::routes())
                .merge(crate::console::routes())
                .layer(read_whole(any)),
        )
        .with_state(state)
}

/// An API error: status, stable code, a message a person can act on.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::UnknownSite(s) => ApiError::not_found(format!("unknown site {s}")),
            LedgerError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            LedgerError::SiteExists(s) => ApiError::new(
                StatusCode::CONFLICT,
                "exists",
                format!("site {s} exists already; nothing was changed: give another id"),
            ),
            LedgerError::Invalid(m) => ApiError::bad_request("invalid", m),
            // A storage failure is no verdict: the client retries.
            LedgerError::Storage(_) | LedgerError::View(_) => {
                log::error!("{e}");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_error",
                    e.to_string(),
                )
            }
            LedgerError::Stopped => {
                log::error!("{e}");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    e.to_string(),
                )
            }
        }
    }
}

impl From<sparescan_core::view::ViewError> for ApiError {
    fn from(e: sparescan_core::view::ViewError) -> Self {
        LedgerError::View(e).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        LedgerError::Storage(e).into()
    }
}

/// JSON body extractor whose rejections are our JSON errors, naming the
/// problem (unknown field, wrong type, missing content type).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let code = match r {
        JsonRejection::MissingJsonContentType(_) => "content_type",
        JsonRejection::JsonSyntaxError(_) => "malformed_json",
        JsonRejection::JsonDataError(_) => "invalid_body",
        _ => "invalid_body",
    };
    let status = if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            status,
            "too_large",
            "the request body is too large: send fewer documents per push",
        );
    } else {
        status
    };
    ApiError::new(status, code, r.body_text())
}

/// A small pool of read connections; every read runs off the async threads.
pub struct Readers {
    backend: Arc<dyn Backend>,
    pool: Mutex<Vec<Box<dyn Store>>>,
}

impl Readers {
    pub fn new(backend: Arc<dyn Backend>) -> Arc<Self> {
        Arc::new(Readers {
            backend,
            pool: Mutex::new(Vec::new()),
        })
    }

    pub async fn with<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&dyn Store) -> Result<R, ApiError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let taken = me.pool.lock().ok().and_then(|mut p| p.pop());
            let store = match taken {
                Some(s) => s,
                None => me.backend.reader()?,
            };
            let result = f(&*store);
            if let Ok(mut p) = me.pool.lock()
                && p.len() < 16
            {
                p.push(store);
            }
            result
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
    }
}
