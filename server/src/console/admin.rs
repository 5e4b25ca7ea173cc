//! The admin's pages: devices (enroll with a QR code the handheld scans,
//! revoke) and people (their roles, a one-time password for one who has
//! none or forgot theirs).

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::{Person, encode, failure, page};
use crate::api::auth::{UserAuth, issue_enrollment_code};
use crate::api::passwords;
use crate::api::{ApiError, AppState};
use crate::store::EnrolledDevice;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sparescan_core::enrollment::EnrollmentLink;
use sparescan_core::rules::roles::back_office::PEOPLE_AND_POLICY as ADMINS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/devices", get(devices).post(enroll))
        .route("/console/devices/{id}/revoke", post(revoke))
        .route("/console/users", get(users))
        .route("/console/users/{id}/one-time-password", post(one_time))
}

/// A new enrollment code, shown once: as text and as the QR code.
pub struct NewCode {
    pub code: String,
    pub expires: String,
    /// The QR code as an SVG `data:` URL, when the server names its CA.
    pub qr: Option<String>,
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "console/devices.html")]
struct DevicesPage {
    layout: Layout,
    devices: Vec<EnrolledDevice>,
    new_code: Option<NewCode>,
    ca_sha256: Option<String>,
}

async fn devices_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    new_code: Option<NewCode>,
    flash: Option<Flash>,
) -> Result<DevicesPage, ApiError> {
    let site = auth.session.site.clone();
    let devices = state.readers.with(move |s| Ok(s.devices(&site)?)).await?;
    Ok(DevicesPage {
        layout: Layout::of(auth, tr, tr.t("Devices"), "/console/devices").with_flash(flash),
        devices,
        new_code,
        ca_sha256: state.ca.as_ref().map(|c| c.sha256.clone()),
    })
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    revoked: Option<String>,
}

async fn devices(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = auth.require(ADMINS) {
        return failure(tr, e);
    }
    let flash = q.revoked.map(|id| {
        Flash::ok(tr.f(
            "Device {id} is revoked: its token and sessions no longer work.",
            &[("id", &id)],
        ))
    });
    match devices_page(&state, &auth, tr, None, flash).await {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

/// A one-time enrollment code, with the QR code that carries it, the
/// server's address as this browser reached it, and the CA's fingerprint.
async fn enroll(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(e) = auth.require(ADMINS) {
        return failure(tr, e);
    }
    let (code, expires) = match issue_enrollment_code(&state.ledger, &auth.session.site).await {
        Ok(made) => made,
        Err(e) => return failure(tr, e.into()),
    };
    log::info!(
        "{} made an enrollment code for site {}",
        auth.user.id,
        auth.session.site
    );
    let host = super::request_host(&headers, &uri);
    let link = match (&state.ca, host) {
        (Some(ca), Some(host)) => Some(EnrollmentLink {
            server: format!("https://{host}"),
            ca_sha256: ca.sha256.clone(),
            code: code.clone(),
        }),
        _ => None,
    };
    let qr = link.as_ref().and_then(|l| qr_svg(&l.to_text()));
    let new_code = NewCode {
        code,
        expires: expires.format("%Y-%m-%d %H:%M UTC").to_string(),
        qr,
        link: link.map(|l| l.to_text()),
    };
    match devices_page(&state, &auth, tr, Some(new_code), None).await {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

/// The QR code of `text` as an SVG `data:` URL (an `<img>` the page's
/// content policy allows).
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(280, 280)
        .quiet_zone(true)
        .build();
    Some(format!("data:image/svg+xml;base64,{}", {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(svg)
    }))
}

async fn revoke(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = auth.require(ADMINS) {
        return failure(tr, e);
    }
    let site = auth.session.site.clone();
    let (device, by) = (id.clone(), auth.user.id.clone());
    let revoked = state
        .ledger
        .write(move |s| {
            // Only a device of the admin's own site.
            if !s.devices(&site)?.iter().any(|d| d.id == device) {
                return Ok(false);
            }
            s.revoke_device(&device)
        })
        .await;
    match revoked {
        Ok(true) => {
            state.devices.forget_all();
            log::info!("{by} revoked device {id}");
            Redirect::to(&format!("/console/devices?revoked={}", super::encode(&id)))
                .into_response()
        }
        Ok(false) => failure(
            tr,
            ApiError::not_found(format!(
                "there is no device {id} in force at this site: it may be revoked already"
            )),
        ),
        Err(e) => failure(tr, e.into()),
    }
}

pub struct PersonRow {
    pub id: String,
    /// The person's record under master data.
    pub edit_href: String,
    /// Where the one-time password is asked for.
    pub otp_href: String,
    pub name: String,
    pub roles: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    layout: Layout,
    people: Vec<PersonRow>,
    /// A one-time password just made: user, password, until when.
    one_time: Option<(String, String, String)>,
}

fn users_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    one_time: Option<(String, String, String)>,
) -> Result<UsersPage, ApiError> {
    let people = state.ledger.read(&auth.session.site, |s| {
        s.master
            .users
            .iter()
            .map(|u| PersonRow {
                edit_href: format!("/console/master/users/edit?id={}", encode(u.id.as_str())),
                otp_href: format!("/console/users/{}/one-time-password", encode(u.id.as_str())),
                id: u.id.to_string(),
                name: u.name.clone(),
                roles: u
                    .roles
                    .iter()
                    .map(|r| tr.role(*r))
                    .collect::<Vec<_>>()
                    .join(", "),
                active: u.active,
            })
            .collect()
    })?;
    Ok(UsersPage {
        layout: Layout::of(auth, tr, tr.t("People"), "/console/users"),
        people,
        one_time,
    })
}

async fn users(State(state): State<AppState>, Person(auth, tr): Person) -> Response {
    if let Err(e) = auth.require(ADMINS) {
        return failure(tr, e);
    }
    match users_page(&state, &auth, tr, None) {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

async fn one_time(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Path(id): Path<String>,
) -> Response {
    match passwords::one_time(State(state.clone()), auth.clone(), Path(id)).await {
        Ok(otp) => {
            let otp = otp.0;
            let shown = (
                otp.user.to_string(),
                otp.password,
                otp.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            );
            match users_page(&state, &auth, tr, Some(shown)) {
                Ok(p) => page(p.render()),
                Err(e) => failure(tr, e),
            }
        }
        Err(e) => failure(tr, e),
    }
}
