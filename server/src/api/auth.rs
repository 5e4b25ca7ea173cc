//! Devices and people. A device enrolls once with a one-time code and then
//! holds a device token; people sign in there with badge and PIN (argon2)
//! and get a session bound to that device. The back office takes a
//! password instead (`passwords.rs`).

use super::{ApiError, ApiJson, AppState, lockout};
use crate::store::{Credential, Device, Session};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, OptionalFromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use chrono::{Duration, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::model::{Role, User};
use sparescan_core::sync::{EnrollRequest, EnrollResponse, SignInRequest, SignInResponse};

const DEVICE_PREFIX: &str = "dev_";
const SESSION_PREFIX: &str = "ses_";
/// How long a sign-in lasts: a shift and a half.
const SESSION_HOURS: i64 = 12;
/// How long a one-time enrollment code stays valid.
pub const ENROLLMENT_HOURS: i64 = 24;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/devices/enroll", post(enroll))
        .route("/api/v1/sessions", post(sign_in))
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(crate) fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A one-time enrollment code people can type: 12 characters without the
/// look-alikes (0/O, 1/I/L), grouped by four. Returns the code and the hash
/// to store.
pub fn new_enrollment_code() -> (String, String) {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let raw: String = (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    let shown = format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]);
    (shown, hash_secret(&raw))
}

/// Makes a one-time enrollment code for a device of `site`: the code, and
/// when it stops working.
pub async fn issue_enrollment_code(
    ledger: &crate::ledger::Ledger,
    site: &SiteId,
) -> Result<(String, chrono::DateTime<Utc>), crate::ledger::LedgerError> {
    ledger.read(site, |_| ())?;
    let (code, hash) = new_enrollment_code();
    let expires = Utc::now() + Duration::hours(ENROLLMENT_HOURS);
    let site = site.clone();
    ledger
        .write(move |s| s.add_enrollment_code(&site, &hash, expires))
        .await?;
    Ok((code, expires))
}

fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Argon2id hash of a PIN, in PHC form (the devices check PINs offline
/// against it).
pub fn hash_pin(pin: &str) -> Result<String, ApiError> {
    let salt = SaltString::encode_b64(&rand::rng().random::<[u8; 16]>())
        .map_err(|e| ApiError::bad_request("invalid", e.to_string()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::bad_request("invalid", e.to_string()))
}

pub fn verify_pin(pin: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub(crate) fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Devices recently verified, by token hash: a push need not read the
/// database to know its device. A revocation takes effect within the
/// entry's lifetime.
#[derive(Default)]
pub struct DeviceCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, (Device, std::time::Instant)>>,
}

impl DeviceCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(30);

    fn get(&self, hash: &str) -> Option<Device> {
        let entries = self.entries.read().ok()?;
        let (device, at) = entries.get(hash)?;
        (at.elapsed() < Self::TTL).then(|| device.clone())
    }

    /// Forgets every cached device: after a revocation its token is
    /// refused at once, not when its entry would have expired.
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }

    fn put(&self, hash: String, device: Device) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 10_000 {
                entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            }
            entries.insert(hash, (device, std::time::Instant::now()));
        }
    }
}

/// An enrolled, not revoked device, from its bearer token.
pub struct DeviceAuth(pub Device);

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)
            .filter(|t| t.starts_with(DEVICE_PREFIX))
            .ok_or_else(|| {
                ApiError::unauthorized("this needs a device token: enroll the device first")
            })?
            .to_owned();
        let hash = hash_secret(&token);
        let device = match state.devices.get(&hash) {
            Some(d) => d,
            None => {
                let key = hash.clone();
                let d = state
                    .readers
                    .with(move |s| Ok(s.device_by_token(&key)?))
                    .await?
                    .ok_or_else(|| {
                        ApiError::unauthorized("unknown device token: enroll the device again")
                    })?;
                state.devices.put(hash, d.clone());
                d
            }
        };
        if device.revoked {
            return Err(ApiError::unauthorized(
                "this device was revoked: ask an admin to enroll it again",
            ));
        }
        Ok(DeviceAuth(device))
    }
}

/// A device token if one was sent (sign-in works with and without).
impl OptionalFromRequestParts<AppState> for DeviceAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if bearer(parts).is_some_and(|t| t.starts_with(DEVICE_PREFIX)) {
            <DeviceAuth as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    }
}

/// A signed-in person, from a session bearer token.
#[derive(Clone)]
pub struct UserAuth {
    pub session: Session,
    pub user: User,
}

impl UserAuth {
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.user.has_any(roles) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the role {}",
                roles
                    .iter()
                    .map(|r| format!("{r:?}").to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }
}

impl FromRequestParts<AppState> for UserAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (auth, _) = UserAuth::any_session(parts, state).await?;
        if auth.session.password_change_only {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "password_change_required",
                "you signed in with a one-time password: choose your own first (PUT /api/v1/me/password)",
            ));
        }
        Ok(auth)
    }
}

impl UserAuth {
    /// The back-office session of the request, also one that may only
    /// change its password; with the session's token hash.
    pub async fn any_session(
        parts: &Parts,
        state: &AppState,
    ) -> Result<(UserAuth, String), ApiError> {
        let token = bearer(parts)
            .filter(|t| t.starts_with(SESSION_PREFIX))
            .ok_or_else(|| ApiError::unauthorized("sign in with badge and password first"))?
            .to_owned();
        Self::of_token(&token, state).await
    }

    /// The back-office session a token opens (the API's bearer, the
    /// console's cookie), with the token's hash.
    pub async fn of_token(token: &str, state: &AppState) -> Result<(UserAuth, String), ApiError> {
        if !token.starts_with(SESSION_PREFIX) {
            return Err(ApiError::unauthorized(
                "sign in with badge and password first",
            ));
        }
        let hash = hash_secret(token);
        let key = hash.clone();
        let session = state
            .readers
            .with(move |s| Ok(s.session(&key)?))
            .await?
            .filter(|s| s.expires_at > Utc::now())
            .ok_or_else(|| ApiError::unauthorized("the session has expired: sign in again"))?;
        // A session opened on a handheld stays there: back-office powers
        // are never exercised with what a shared device holds.
        if session.device.is_some() {
            return Err(ApiError::unauthorized(
                "this session was opened on a handheld: sign in to the back office",
            ));
        }
        let user = active_user(state, &session.site, &UserId::new(session.user.clone()))?;
        Ok((UserAuth { session, user }, hash))
    }
}

fn active_user(state: &AppState, site: &SiteId, id: &UserId) -> Result<User, ApiError> {
    state
        .ledger
        .read(site, |s| s.ledger.user(id))?
        .filter(|u| u.active)
        .ok_or_else(|| ApiError::unauthorized("this user is not active at the site"))
}

/// Enroll a device.
///
/// Enrolls a device with a one-time code; the answer carries the device
/// token (`dev_…`) it sends from then on.
#[utoipa::path(
    post,
    path = "/api/v1/devices/enroll",
    tag = "auth",
    operation_id = "enroll_device",
    request_body = EnrollRequest,
    responses(
        (status = 200, description = "Enrolled: keep the token", body = EnrollResponse),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, description = "The enrollment code is wrong, used or expired", body = sparescan_core::sync::ApiError),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(())
)]
async fn enroll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::bad_request(
            "invalid",
            "give the device a name of 1 to 100 characters",
        ));
    }
    let code_hash = hash_secret(&normalise_code(&req.code));
    let token = random_token(DEVICE_PREFIX);
    let token_hash = hash_secret(&token);
    let device_id = format!("dev-{}", uuid::Uuid::now_v7().simple());
    let id = device_id.clone();
    let site = state
        .ledger
        .write(move |store| {
            let Some(site) = store.take_enrollment_code(&code_hash, Utc::now())? else {
                return Ok(None);
            };
            store.add_device(&id, &site, &name, &token_hash)?;
            Ok(Some(site))
        })
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "the enrollment code is wrong, used or expired: ask an admin for a new one",
            )
        })?;
    log::info!("device {device_id} enrolled at site {site}");
    Ok(Json(EnrollResponse {
        device_id,
        site,
        token,
    }))
}

/// Sign in: badge and PIN on a device, password in the back office.
///
/// From an enrolled device (its token as bearer) a person signs in with
/// badge and PIN; the session is bound to the device and its site. The
/// back office (no device token) takes badge or user id, the person's
/// password and the site; a PIN never opens it. A session opened with a
/// one-time password may only change the password.
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    tag = "auth",
    operation_id = "sign_in",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = SignInResponse),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, description = "Badge, PIN or password not recognised (in the back office: no password given), a one-time password expired, the user is not active, or the device token is not valid", body = sparescan_core::sync::ApiError),
        (status = 403, description = "`forbidden`: on a device, a person whose roles are only the back office's (accountant, admin)", body = sparescan_core::sync::ApiError),
        (status = 404, description = "The site does not exist", body = sparescan_core::sync::ApiError),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 429, description = "Too many wrong PINs or passwords for this badge or person (`locked_out`): locked for 15 minutes", body = sparescan_core::sync::ApiError),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security((), ("device_token" = []))
)]
async fn sign_in(
    State(state): State<AppState>,
    lockout::ClientAddr(addr): lockout::ClientAddr,
    device: Option<DeviceAuth>,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<SignInResponse>, ApiError> {
    let (site, device_id) = match (&device, &req.site) {
        (Some(DeviceAuth(d)), _) => (d.site.clone(), Some(d.id.clone())),
        (None, Some(site)) => (site.clone(), None),
        (None, None) => {
            return Err(ApiError::bad_request(
                "invalid",
                "name the site, or sign in from an enrolled device",
            ));
        }
    };
    let Some(device_id) = device_id else {
        return office_sign_in(state, addr, site, req).await;
    };
    if req.password.is_some() {
        return Err(ApiError::bad_request(
            "invalid",
            "on a handheld sign in with badge and PIN; the password is for the back office",
        ));
    }
    lockout::check_input(&req.badge, &req.pin)?;
    state.ledger.read(&site, |_| ())?;
    let badge = req.badge.trim().to_owned();
    // Counted as failed before it is checked: concurrent guesses cannot
    // all pass the lock-out.
    let attempt = state
        .sign_ins
        .reserve(
            &state,
            &site,
            lockout::Subject::Badge(&badge),
            lockout::Source::Device(&device_id),
        )
        .await?;
    let site2 = site.clone();
    let cred = state
        .readers
        .with(move |s| Ok(s.credential_by_badge(&site2, &badge)?))
        .await?;
    let denied = || ApiError::unauthorized("badge or PIN not recognised");
    let hash = cred.as_ref().map(|c: &Credential| c.pin_hash.clone());
    // An unknown badge is checked against a decoy: it answers no as slowly.
    let (true, Some(cred)) = (state.sign_ins.verify(req.pin, hash).await, cred) else {
        return Err(denied());
    };
    state.sign_ins.succeeded(&state, attempt).await?;
    let user = active_user(&state, &site, &UserId::new(cred.user.clone()))?;
    // On a device: only people who do something there, each with a key of
    // their own for it.
    if !sparescan_core::rules::roles::may_use_handheld(&user) {
        return Err(ApiError::forbidden(
            "your roles are used in the back office, not on a handheld: sign in there",
        ));
    }
    let presence = Some(super::presence::issue(&state, &site, &user.id, &device_id).await?);
    open_session(&state, site, user, Some(device_id), false, presence).await
}

/// A back-office sign-in: badge or user id, and the person's password —
/// never a handheld PIN, which a thief of a device can try offline.
pub(crate) async fn office_sign_in(
    state: AppState,
    addr: Option<std::net::SocketAddr>,
    site: SiteId,
    req: SignInRequest,
) -> Result<Json<SignInResponse>, ApiError> {
    let Some(password) = req.password else {
        return Err(ApiError::unauthorized(
            "the back office takes your password, not a PIN: ask an admin for a one-time password if you have none",
        ));
    };
    lockout::check_password_input(&req.badge, &password)?;
    state.ledger.read(&site, |_| ())?;
    let login = req.badge.trim().to_owned();
    // Badge or user id, one counter per person either way.
    let (site2, l) = (site.clone(), login.clone());
    let by_badge = state
        .readers
        .with(move |s| Ok(s.credential_by_badge(&site2, &l)?))
        .await?;
    let user_id = match by_badge {
        Some(c) => Some(c.user),
        None => state
            .ledger
            .read(&site, |s| s.ledger.user(&UserId::new(login.clone())))?
            .map(|u| u.id.to_string()),
    };
    let subject = match &user_id {
        Some(u) => lockout::Subject::User(u),
        None => lockout::Subject::Badge(&login),
    };
    let attempt = state
        .sign_ins
        .reserve(&state, &site, subject, lockout::Source::Address(addr))
        .await?;
    let denied = || ApiError::unauthorized("badge, user or password not recognised");
    let record = match user_id.clone() {
        Some(u) => {
            let site2 = site.clone();
            state
                .readers
                .with(move |s| Ok(s.password(&site2, &u)?))
                .await?
        }
        None => None,
    };
    let record = record.filter(|r| {
        if !r.intact {
            log::error!(
                "the password of {} at {site} was not set through the server (its MAC does not match): refused; set a new one",
                user_id.as_deref().unwrap_or_default()
            );
        }
        r.intact
    });
    // No such person, no password or a forged one: checked against a
    // decoy, so the answer comes as slowly as for a wrong password.
    let hash = record.as_ref().map(|r| r.hash.clone());
    let (true, Some(user_id), Some(record)) =
        (state.sign_ins.verify(password, hash).await, user_id, record)
    else {
        return Err(denied());
    };
    if record.one_time_until.is_some_and(|t| t <= Utc::now()) {
        return Err(ApiError::unauthorized(
            "this one-time password has expired: ask an admin for a new one",
        ));
    }
    state.sign_ins.succeeded(&state, attempt).await?;
    let user = active_user(&state, &site, &UserId::new(user_id))?;
    let change_only = record.one_time_until.is_some();
    open_session(&state, site, user, None, change_only, None).await
}

pub(crate) async fn open_session(
    state: &AppState,
    site: SiteId,
    user: User,
    device: Option<String>,
    password_change_only: bool,
    presence: Option<sparescan_core::sync::PresenceKey>,
) -> Result<Json<SignInResponse>, ApiError> {
    let token = random_token(SESSION_PREFIX);
    let session = Session {
        site,
        user: user.id.to_string(),
        device,
        expires_at: Utc::now() + Duration::hours(SESSION_HOURS),
        password_change_only,
    };
    let hash = hash_secret(&token);
    let stored = session.clone();
    state
        .ledger
        .write(move |store| store.add_session(&hash, &stored))
        .await?;
    Ok(Json(SignInResponse {
        token,
        user,
        expires_at: session.expires_at,
        presence,
        password_change_required: password_change_only,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_hash_and_verify() {
        let phc = hash_pin("4711").unwrap();
        assert!(verify_pin("4711", &phc));
        assert!(!verify_pin("4712", &phc));
        assert!(!verify_pin("4711", "not a hash"));
    }

    #[test]
    fn enrollment_codes_are_typeable() {
        let (code, hash) = new_enrollment_code();
        assert_eq!(code.len(), 14);
        assert_eq!(hash_secret(&normalise_code(&code.to_lowercase())), hash);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
    }
}
