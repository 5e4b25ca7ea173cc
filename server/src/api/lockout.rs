//! The sign-in lock-out. Every attempt takes a slot *before* its PIN is
//! checked, in one step on the ledger writer (so concurrent guesses cannot
//! all pass a check made before any failure was recorded), per badge and per
//! source (the device, or the client address without one). The counters
//! live in the database, so a restart does not forget them, and the table is
//! bounded. PIN checks (argon2, 19 MiB each) run a few at a time, so a burst
//! of sign-ins cannot grow the server's memory. Badges and PINs longer than
//! a badge or a PIN are refused before any of this.

use super::{ApiError, AppState};
use crate::store::SignInSlot;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{Duration, Utc};
use sparescan_core::ids::SiteId;
use std::net::SocketAddr;

/// Longest badge, in bytes (`docs/limits.md`).
pub const MAX_BADGE_BYTES: usize = 64;
/// Longest PIN, in bytes.
pub const MAX_PIN_BYTES: usize = 64;
/// Largest sign-in request body, in bytes.
pub const MAX_SIGN_IN_BODY: usize = 4096;
/// Wrong PINs per badge before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// Failed attempts from one device or client address before it is locked
/// (a shared handheld sees many people's typos; a guesser many badges).
pub const MAX_SOURCE_FAILURES: u32 = 20;
/// How long a lock lasts, from the last counted failure.
pub const LOCKOUT_MINUTES: i64 = 15;
/// Counters kept at most; the oldest go first.
pub const MAX_TRACKED: u32 = 100_000;
/// PIN checks running at once (each holds argon2's 19 MiB).
pub const VERIFY_PERMITS: usize = 2;

/// Refuses a badge or PIN that cannot be one, before any work.
pub fn check_input(badge: &str, pin: &str) -> Result<(), ApiError> {
    if badge.len() > MAX_BADGE_BYTES || pin.len() > MAX_PIN_BYTES {
        return Err(ApiError::bad_request(
            "too_long",
            format!(
                "a badge is at most {MAX_BADGE_BYTES} bytes and a PIN at most {MAX_PIN_BYTES}: scan the badge again"
            ),
        ));
    }
    Ok(())
}

/// Refuses a sign-in name or password that cannot be one, before any work.
pub fn check_password_input(login: &str, password: &str) -> Result<(), ApiError> {
    use sparescan_core::limits::MAX_PASSWORD_BYTES;
    if login.len() > MAX_BADGE_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_request(
            "too_long",
            format!(
                "a badge or user id is at most {MAX_BADGE_BYTES} bytes and a password at most {MAX_PASSWORD_BYTES}: check what you typed"
            ),
        ));
    }
    Ok(())
}

/// Whose counter an attempt takes: a badge's (a PIN), or a person's (a
/// back-office password, however they named themselves).
pub enum Subject<'a> {
    Badge(&'a str),
    User(&'a str),
}

impl Subject<'_> {
    fn key(&self) -> String {
        match self {
            Subject::Badge(b) => format!("badge:{b}"),
            Subject::User(u) => format!("user:{u}"),
        }
    }
}

/// Where an attempt comes from: the device, else the client address.
pub enum Source<'a> {
    Device(&'a str),
    Address(Option<SocketAddr>),
}

impl Source<'_> {
    fn key(&self) -> String {
        match self {
            Source::Device(id) => format!("device:{id}"),
            Source::Address(Some(a)) => format!("addr:{}", a.ip()),
            Source::Address(None) => "addr:unknown".to_owned(),
        }
    }
}

/// The client's address, if the server recorded it (never a rejection).
pub struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// A hash of a random secret nobody knows, made with the same parameters
/// as real ones: what an unknown badge's answer is checked against.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let secret = super::auth::random_token("decoy_");
        // hash_pin fails only on a salt it generated itself; an empty hash
        // fails to parse, checks nothing and the answer is still no.
        super::auth::hash_pin(&secret).unwrap_or_default()
    })
}

/// An attempt that holds its slots; give it back with [`SignInGuard::succeeded`].
pub struct Attempt {
    site: SiteId,
    badge_key: String,
    source_key: String,
}

pub struct SignInGuard {
    verifications: tokio::sync::Semaphore,
    /// Checks run (`sparescan_secret_checks_total`).
    checks: prometheus_client::metrics::counter::Counter,
}

impl SignInGuard {
    pub fn new(checks: prometheus_client::metrics::counter::Counter) -> Self {
        SignInGuard {
            verifications: tokio::sync::Semaphore::new(VERIFY_PERMITS),
            checks,
        }
    }

    /// Counts the attempt as failed before it is checked, or refuses it with
    /// 429 when the badge or the source is locked.
    pub async fn reserve(
        &self,
        state: &AppState,
        site: &SiteId,
        subject: Subject<'_>,
        source: Source<'_>,
    ) -> Result<Attempt, ApiError> {
        let attempt = Attempt {
            site: site.clone(),
            badge_key: subject.key(),
            source_key: source.key(),
        };
        let slots = vec![
            SignInSlot {
                key: attempt.badge_key.clone(),
                max_failures: MAX_FAILURES,
            },
            SignInSlot {
                key: attempt.source_key.clone(),
                max_failures: MAX_SOURCE_FAILURES,
            },
        ];
        let s = site.clone();
        let locked = state
            .ledger
            .write(move |store| {
                store.reserve_sign_in(
                    &s,
                    &slots,
                    Utc::now(),
                    Duration::minutes(LOCKOUT_MINUTES),
                    MAX_TRACKED,
                )
            })
            .await?;
        match locked {
            None => Ok(attempt),
            Some((index, until)) => {
                let minutes = ((until - Utc::now()).num_seconds().max(1) + 59) / 60;
                let what = if index == 0 {
                    "too many wrong PINs or passwords for this badge"
                } else {
                    "too many wrong sign-ins from this device or address"
                };
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "locked_out",
                    format!(
                        "{what}: try again in {minutes} minute(s), or ask an admin to reset the PIN"
                    ),
                ))
            }
        }
    }

    /// Checks a PIN or password against its hash, a few at a time. With no
    /// hash (an unknown badge or person, no password set, a record that
    /// failed its MAC) it runs the same check against a decoy that matches
    /// nothing and answers no: a refusal takes as long either way, so its
    /// timing does not tell a prober which badges and people exist.
    pub async fn verify(&self, secret: String, phc: Option<String>) -> bool {
        let Ok(_permit) = self.verifications.acquire().await else {
            return false;
        };
        self.checks.inc();
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => super::auth::verify_pin(&secret, &phc),
            None => {
                super::auth::verify_pin(&secret, decoy_hash());
                false
            }
        })
        .await
        .unwrap_or(false)
    }

    /// The PIN was right: the badge's count starts again and the source
    /// gets its slot back.
    pub async fn succeeded(&self, state: &AppState, attempt: Attempt) -> Result<(), ApiError> {
        state
            .ledger
            .write(move |store| {
                store.sign_in_succeeded(&attempt.site, &attempt.badge_key, &attempt.source_key)
            })
            .await?;
        Ok(())
    }
}
