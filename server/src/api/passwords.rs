//! Back-office passwords (issue 14, item 3; docs/security.md). A handheld
//! PIN is short and a thief of a device can try it offline, so it never
//! opens the back office: a password does — Argon2id, at least 12
//! characters, kept only on the server (never sent to devices, never
//! exported). An admin gives a person a one-time password (also the CLI's
//! `one-time-password`, for an admin who lost theirs); the session it opens
//! may only change it. Setting a password ends the person's other sessions
//! and is an entry of the keyed audit chain.

use super::auth::{UserAuth, hash_pin};
use super::{ApiError, ApiJson, AppState, lockout};
use crate::ledger::Ledger;
use crate::store::{AuditEntry, CommitBatch, PasswordSet};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{post, put};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use rand::Rng;
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::limits::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
use sparescan_core::sync::{OneTimePassword, PasswordChange};

/// How long a one-time password opens a session.
pub const ONE_TIME_HOURS: i64 = 24;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/password", put(change))
        .route("/api/v1/users/{id}/one-time-password", post(one_time))
}

/// Whether `new` may be the password of `user` (with `badge`).
pub fn check_new(new: &str, user: &str, badge: Option<&str>) -> Result<(), ApiError> {
    let invalid = |m: String| ApiError::bad_request("weak_password", m);
    if new.len() > MAX_PASSWORD_BYTES {
        return Err(invalid(format!(
            "a password is at most {MAX_PASSWORD_BYTES} bytes: choose a shorter one"
        )));
    }
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(format!(
            "a password has at least {MIN_PASSWORD_CHARS} characters: choose a longer one (a phrase of a few words is easy to remember)"
        )));
    }
    let same = |other: &str| new.trim().eq_ignore_ascii_case(other.trim());
    if same(user) || badge.is_some_and(same) {
        return Err(invalid(
            "the password must not be your badge or user id: they are printed and known".into(),
        ));
    }
    Ok(())
}

/// 20 characters people can type (no look-alikes), grouped by five: about
/// 99 bits.
fn new_one_time() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let raw: Vec<char> = (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    raw.chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_pin(&password))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
}

/// Stores a password with its audit entry in one commit.
async fn store(
    ledger: &Ledger,
    site: &SiteId,
    set: PasswordSet,
    audit: AuditEntry,
) -> Result<(), ApiError> {
    let batch = CommitBatch {
        site: Some(site.clone()),
        passwords: vec![set],
        audit: vec![audit],
        received_at: Some(Utc::now()),
        ..CommitBatch::default()
    };
    ledger.write(move |s| s.commit(&batch)).await?;
    Ok(())
}

fn known_user(ledger: &Ledger, site: &SiteId, user: &UserId) -> Result<(), ApiError> {
    ledger
        .read(site, |s| s.ledger.user(user))?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(format!("no user {user} at site {site}")))
}

/// Gives `user` a one-time password (ending their sessions); `actor` is
/// who asked, for the audit log.
pub async fn set_one_time(
    ledger: &Ledger,
    site: &SiteId,
    user: &UserId,
    actor: &str,
) -> Result<OneTimePassword, ApiError> {
    known_user(ledger, site, user)?;
    let password = new_one_time();
    let expires_at = Utc::now() + Duration::hours(ONE_TIME_HOURS);
    let set = PasswordSet {
        user: user.to_string(),
        hash: hash(password.clone()).await?,
        one_time_until: Some(expires_at),
        keep_session: None,
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "password.one_time".into(),
        payload: serde_json::json!({ "user": user, "expires_at": expires_at }),
    };
    store(ledger, site, set, audit).await?;
    Ok(OneTimePassword {
        user: user.clone(),
        password,
        expires_at,
    })
}

/// Sets a password that needs no change (the demo's people).
pub async fn set_password(
    ledger: &Ledger,
    site: &SiteId,
    user: &UserId,
    badge: Option<&str>,
    password: &str,
    actor: &str,
) -> Result<(), ApiError> {
    known_user(ledger, site, user)?;
    check_new(password, user.as_str(), badge)?;
    let set = PasswordSet {
        user: user.to_string(),
        hash: hash(password.to_owned()).await?,
        one_time_until: None,
        keep_session: None,
    };
    let audit = AuditEntry {
        actor: actor.to_owned(),
        action: "password.set".into(),
        payload: serde_json::json!({ "user": user }),
    };
    store(ledger, site, set, audit).await
}

/// A back-office session, also one opened with a one-time password (which
/// may do nothing but this), and its token hash.
pub(crate) struct AnySession(pub UserAuth, pub String);

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (auth, hash) = UserAuth::any_session(parts, state).await?;
        Ok(AnySession(auth, hash))
    }
}

/// Change your password.
///
/// The signed-in person sets their own back-office password: `current` is
/// the one they signed in with (a one-time password too), `new` has at
/// least 12 characters and is not their badge or user id. Their other
/// sessions end; this one goes on, free of a one-time password's limit.
/// A wrong `current` counts towards the lock-out like a wrong sign-in.
#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    tag = "auth",
    operation_id = "change_password",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed: the person's other sessions have ended"),
        (status = 400, description = "`weak_password` (too short, too long, the badge or user id), `too_long`, or `invalid`", body = sparescan_core::sync::ApiError),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, description = "`wrong_password`: `current` is not the person's password", body = sparescan_core::sync::ApiError),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 429, description = "`locked_out`: too many wrong passwords; locked for 15 minutes", body = sparescan_core::sync::ApiError),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn change(
    State(state): State<AppState>,
    lockout::ClientAddr(addr): lockout::ClientAddr,
    AnySession(auth, token_hash): AnySession,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let site = auth.session.site.clone();
    let user = auth.user.id.to_string();
    lockout::check_password_input("", &req.current)?;
    let (s, u) = (site.clone(), user.clone());
    let badge = state
        .readers
        .with(move |store| Ok(store.credentials(&s)?))
        .await?
        .into_iter()
        .find(|c| c.user == u)
        .map(|c| c.badge);
    check_new(&req.new, &user, badge.as_deref())?;
    if req.new == req.current {
        return Err(ApiError::bad_request(
            "weak_password",
            "the new password is the current one: choose another",
        ));
    }
    let attempt = state
        .sign_ins
        .reserve(
            &state,
            &site,
            lockout::Subject::User(&user),
            lockout::Source::Address(addr),
        )
        .await?;
    let (s, u) = (site.clone(), user.clone());
    let record = state
        .readers
        .with(move |store| Ok(store.password(&s, &u)?))
        .await?
        .filter(|r| r.intact);
    // `&`, not `&&`: without a record the check runs on a decoy, as slowly.
    let right = record.is_some()
        & state
            .sign_ins
            .verify(req.current, record.map(|r| r.hash))
            .await;
    if !right {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_password",
            "the current password is not right: type the one you signed in with",
        ));
    }
    state.sign_ins.succeeded(&state, attempt).await?;
    let set = PasswordSet {
        user: user.clone(),
        hash: hash(req.new).await?,
        one_time_until: None,
        keep_session: Some(token_hash),
    };
    let audit = AuditEntry {
        actor: user.clone(),
        action: "password.change".into(),
        payload: serde_json::json!({ "user": user }),
    };
    store(&state.ledger, &site, set, audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give a person a one-time password.
///
/// An admin makes a one-time password for a person of their site, shown
/// once in the answer and valid for 24 hours. The person's sessions end;
/// signed in with it, they must choose their own password
/// (`PUT /api/v1/me/password`) before anything else.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/one-time-password",
    tag = "auth",
    operation_id = "one_time_password",
    params(("id" = String, Path, description = "The user id")),
    responses(
        (status = 200, description = "The one-time password, shown once", body = OneTimePassword),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn one_time(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
) -> Result<Json<OneTimePassword>, ApiError> {
    auth.require(sparescan_core::rules::roles::back_office::PEOPLE_AND_POLICY)?;
    let site = auth.session.site.clone();
    let otp = set_one_time(
        &state.ledger,
        &site,
        &UserId::new(id),
        auth.user.id.as_str(),
    )
    .await?;
    log::info!(
        "{} gave {} a one-time password at site {site}",
        auth.user.id,
        otp.user
    );
    Ok(Json(otp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_are_long_and_not_the_badge() {
        assert!(check_new("correct horse battery", "sup-1", Some("B-3001")).is_ok());
        assert!(check_new("short", "sup-1", None).is_err());
        assert!(check_new("elevenchars", "sup-1", None).is_err());
        assert!(check_new("twelve chars", "sup-1", None).is_ok());
        assert!(check_new("B-3001-B-3001", "u", Some("b-3001-b-3001")).is_err());
        assert!(check_new("a-long-user-id", "A-LONG-USER-ID", None).is_err());
        assert!(check_new(&"x".repeat(257), "u", None).is_err());
        // Characters, not bytes: twelve Cyrillic letters are enough.
        assert!(check_new("пароль-пароль", "u", None).is_ok());
    }

    #[test]
    fn one_time_passwords_are_long() {
        let p = new_one_time();
        assert_eq!(p.len(), 23);
        assert!(p.chars().filter(|c| *c != '-').count() >= 16);
        assert_ne!(p, new_one_time());
    }
}
