//! Master data over HTTP: `GET /api/v1/master/{entity}` (JSON, or CSV with
//! `?format=csv`), `PUT` (a JSON array of records to add or change; the
//! policy is one object), `POST …/import` (a `text/csv` body,
//! all-or-nothing). Reading needs only a sign-in; editing needs the
//! entity's editor role (admin for users and policy; admin or clerk for
//! items, warehouses, bins and batches; admin or dispatcher for assets;
//! admin or controller for the site's reasons).
//!
//! Users get their badge and PIN here too: a user record may carry `badge`
//! and `pin`. The PIN is stored as an argon2 hash and never leaves the
//! server; badges are shown to admins only. A PIN has as many digits as the
//! user's roles need (six for those who approve on a handheld), also when
//! an edit or an import changes the roles.

use super::rows::{self, Entity, Entry, Problem};
use super::{audit, csv_body, query, require};
use crate::api::auth::{UserAuth, hash_pin};
use crate::api::{ApiError, ApiJson, AppState};
use crate::csv_io;
use crate::store::Credential;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::model::{Role, User};
use sparescan_core::rules::roles::{check_pin, min_pin_digits};
use sparescan_core::sync::Row;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/master/{entity}", get(list).put(put))
        .route("/api/v1/master/{entity}/import", post(import))
}

fn entity(name: &str) -> Result<Entity, ApiError> {
    name.parse().map_err(ApiError::not_found)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// `json` (the default) or `csv` (the columns of docs/csv.md).
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
}

/// What an edit did.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Saved {
    pub entity: String,
    /// Records added or changed.
    pub saved: usize,
}

/// Read master data.
///
/// The entity's records in key order: a JSON array (one object for the
/// policy; users carry `badge` when an admin asks), or CSV with
/// `?format=csv`. Any signed-in person may read.
#[utoipa::path(
    get,
    path = "/api/v1/master/{entity}",
    tag = "master-data",
    operation_id = "master_list",
    params(
        ("entity" = String, Path, description = "Which master data"),
        ListQuery,
    ),
    responses(
        (status = 200, description = "The records", content(
            (crate::api::openapi::MasterRecords = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, response = crate::api::openapi::InvalidQuery),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
async fn list(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(name): Path<String>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let entity = entity(&name)?;
    let site = auth.session.site.clone();
    let csv = match query(q)?.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("format `{other}` is not offered: use json or csv"),
            ));
        }
    };
    if csv {
        let text = state
            .ledger
            .read(&site, |s| csv_io::export(entity, &s.master))?;
        let disposition = format!("attachment; filename=\"{site}-{entity}.csv\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            text,
        )
            .into_response());
    }
    let mut records = state
        .ledger
        .read(&site, |s| rows::records(entity, &s.master))?;
    if entity == Entity::Policy {
        return Ok(Json(records.pop().unwrap_or(Value::Null)).into_response());
    }
    // Badges are for admins; PIN hashes never leave through this API.
    if entity == Entity::Users && auth.user.has(Role::Admin) {
        let badges = badges(&state, &site).await?;
        for r in &mut records {
            let badge = r
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| badges.get(id))
                .cloned();
            if let Value::Object(m) = r {
                m.insert(
                    "badge".into(),
                    badge.map(Value::String).unwrap_or(Value::Null),
                );
            }
        }
    }
    Ok(Json(records).into_response())
}

async fn badges(state: &AppState, site: &SiteId) -> Result<HashMap<String, String>, ApiError> {
    let site = site.clone();
    let creds = state
        .readers
        .with(move |s| Ok(s.credentials(&site)?))
        .await?;
    Ok(creds.into_iter().map(|c| (c.user, c.badge)).collect())
}

/// A JSON body as records: an array (one object for the policy).
fn entries(entity: Entity, body: Value) -> Result<Vec<Entry>, ApiError> {
    let invalid = |m: String| ApiError::bad_request("invalid", m);
    let items = match (entity, body) {
        (Entity::Policy, Value::Object(m)) => return Ok(vec![m]),
        (Entity::Policy, _) => {
            return Err(invalid(
                "send the policy as one JSON object with the settings that change".into(),
            ));
        }
        (_, Value::Array(items)) => items,
        _ => {
            return Err(invalid(format!(
                "send a JSON array of {entity} records, e.g. [{{\"id\": …}}]"
            )));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Object(m) => Ok(m),
            _ => Err(invalid(format!(
                "entry {} is not a JSON object: send one object per record",
                i + 1
            ))),
        })
        .collect()
}

fn problem(p: Problem) -> ApiError {
    let mut msg = format!("entry {}", p.index + 1);
    if let Some(r) = &p.record {
        msg.push_str(&format!(" ({r})"));
    }
    if let Some(f) = &p.field {
        msg.push_str(&format!(", {f}"));
    }
    msg.push_str(&format!(": {}", p.message));
    if let Some(also) = p.also {
        msg.push_str(&format!(" (same as entry {})", also + 1));
    }
    ApiError::bad_request("invalid", msg)
}

/// A badge and PIN change that comes with a user record.
struct CredChange {
    /// The entry it came with.
    index: usize,
    user: UserId,
    badge: Option<String>,
    pin: Option<String>,
}

/// Add or change master data.
///
/// Adds or changes records (upserts): a JSON array of records, one object
/// for the policy. Fields left out keep their value; a user record may
/// carry `badge` and `pin`. All-or-nothing: the first problem refuses the
/// whole edit. Needs the entity's editor role (admin for users and policy;
/// admin or clerk for items, warehouses, bins, batches; admin or dispatcher
/// for assets).
#[utoipa::path(
    put,
    path = "/api/v1/master/{entity}",
    tag = "master-data",
    operation_id = "master_put",
    params(
        ("entity" = String, Path, description = "Which master data"),
    ),
    request_body(
        content = crate::api::openapi::MasterEdit,
        content_type = "application/json",
        description = "The records to add or change (partial records are merged over the current ones)",
    ),
    responses(
        (status = 200, description = "Saved", body = Saved),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn put(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Saved>, ApiError> {
    let entity = entity(&name)?;
    require(&auth, entity.editors(), &format!("editing {entity}"))?;
    let site = auth.session.site.clone();
    let mut entries = entries(entity, body)?;
    let creds = if entity == Entity::Users {
        take_credentials(&mut entries)?
    } else {
        Vec::new()
    };
    let rows = state
        .ledger
        .read(&site, |s| rows::to_rows(entity, s, entries))?
        .map_err(problem)?;
    if entity == Entity::Users {
        keep_own_admin(&auth, &rows)?;
    }
    let creds = check_credentials(&state, &site, creds, &rows).await?;
    let n = rows.len();
    let set: Vec<String> = creds.iter().map(|c| c.user.clone()).collect();
    let payload = json!({ "entity": entity.name(), "rows": rows, "credentials_set": set });
    state
        .ledger
        .edit_master(
            site.clone(),
            rows,
            audit(&auth, format!("master.{entity}.put"), payload),
        )
        .await?;
    for cred in creds {
        let site = site.clone();
        state
            .ledger
            .write(move |s| s.set_credential(&site, &cred))
            .await?;
    }
    Ok(Json(Saved {
        entity: entity.name().into(),
        saved: n,
    }))
}

/// Takes `badge` and `pin` off the user records (they are credentials, not
/// master data).
fn take_credentials(entries: &mut [Entry]) -> Result<Vec<CredChange>, ApiError> {
    let mut out = Vec::new();
    for (i, e) in entries.iter_mut().enumerate() {
        let mut text = |field: &str| -> Result<Option<String>, ApiError> {
            match e.remove(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(ApiError::bad_request(
                    "invalid",
                    format!(
                        "entry {}, {field}: give it as a string of digits or letters",
                        i + 1
                    ),
                )),
            }
        };
        let badge = text("badge")?;
        let pin = text("pin")?;
        if badge.is_none() && pin.is_none() {
            continue;
        }
        let user = e
            .get("id")
            .and_then(Value::as_str)
            .map(UserId::from)
            .ok_or_else(|| {
                ApiError::bad_request("invalid", format!("entry {}: every user needs id", i + 1))
            })?;
        if let Some(b) = &badge {
            rows::check_id(b).map_err(|m| {
                ApiError::bad_request("invalid", format!("entry {}, badge: badge {m}", i + 1))
            })?;
        }
        out.push(CredChange {
            index: i,
            user,
            badge,
            pin,
        });
    }
    Ok(out)
}

/// Badges are unique per site; a first credential needs both badge and PIN;
/// a PIN is as long as the user's roles (after the edit) need, and roles
/// that need a longer PIN than the user has come with a new one. Returns
/// the credentials to store, PINs hashed.
async fn check_credentials(
    state: &AppState,
    site: &SiteId,
    changes: Vec<CredChange>,
    rows: &[Row],
) -> Result<Vec<Credential>, ApiError> {
    let s = site.clone();
    let existing: Vec<Credential> = state
        .readers
        .with(move |store| Ok(store.credentials(&s)?))
        .await?;
    let roles = roles_after(rows);
    for c in &changes {
        if let Some(pin) = &c.pin {
            let theirs = roles.get(c.user.as_str()).cloned().unwrap_or_default();
            check_pin(pin, &theirs).map_err(|e| {
                ApiError::bad_request(
                    "pin_too_short",
                    format!("entry {} ({}), pin: {e}", c.index + 1, c.user),
                )
            })?;
        }
    }
    let new_pins: Vec<&str> = changes
        .iter()
        .filter(|c| c.pin.is_some())
        .map(|c| c.user.as_str())
        .collect();
    let before = |u: &UserId| state.ledger.read(site, |s| s.ledger.user(u)).ok().flatten();
    pins_fit_roles(rows, &existing, &new_pins, &before).map_err(|(i, m)| {
        ApiError::bad_request(
            "pin_too_short",
            format!(
                "entry {}, roles: {m}: give a new `pin` with the roles",
                i + 1
            ),
        )
    })?;
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let mut badge_owner: HashMap<String, String> = existing
        .iter()
        .map(|c| (c.badge.clone(), c.user.clone()))
        .collect();
    let mut out = Vec::new();
    for c in changes {
        let current = existing.iter().find(|e| e.user == c.user.as_str());
        let badge = match (&c.badge, current) {
            (Some(b), _) => b.clone(),
            (None, Some(cur)) => cur.badge.clone(),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "invalid",
                    format!(
                        "user {} has no badge yet: give badge and pin together",
                        c.user
                    ),
                ));
            }
        };
        if let Some(owner) = badge_owner.get(&badge)
            && owner != c.user.as_str()
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "badge_taken",
                format!(
                    "badge {badge} belongs to user {owner}: give {} another badge",
                    c.user
                ),
            ));
        }
        badge_owner.insert(badge.clone(), c.user.to_string());
        let digits = match (&c.pin, current) {
            (Some(pin), _) => u32::try_from(pin.len()).ok(),
            (None, Some(cur)) => cur.pin_digits,
            (None, None) => None,
        };
        let pin_hash = match (c.pin, current) {
            (Some(pin), _) => tokio::task::spawn_blocking(move || hash_pin(&pin))
                .await
                .map_err(|e| {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
                })??,
            (None, Some(cur)) => cur.pin_hash.clone(),
            (None, None) => {
                return Err(ApiError::bad_request(
                    "invalid",
                    format!(
                        "user {} has no PIN yet: give badge and pin together",
                        c.user
                    ),
                ));
            }
        };
        out.push(Credential {
            user: c.user.to_string(),
            badge,
            pin_hash,
            pin_digits: digits,
        });
    }
    Ok(out)
}

/// Each user's roles as `rows` leave them.
fn roles_after(rows: &[Row]) -> HashMap<String, std::collections::BTreeSet<Role>> {
    rows.iter()
        .filter_map(|r| serde_json::from_value::<User>(r.value.clone()?).ok())
        .map(|u| (u.id.to_string(), u.roles))
        .collect()
}

/// Whether every user `rows` write keeps a PIN as long as their roles need
/// (`rules::roles::min_pin_digits`): a role that approves on a handheld is
/// not given to a person with a shorter PIN — nor, when its length is not
/// known (set before it was kept), to one whose roles needed less before.
/// `new_pins` are users whose PIN the same edit sets (checked by
/// [`check_pin`]). Else the row's index and what is wrong.
pub fn pins_fit_roles(
    rows: &[Row],
    creds: &[Credential],
    new_pins: &[&str],
    before: &dyn Fn(&UserId) -> Option<User>,
) -> Result<(), (usize, String)> {
    for (i, row) in rows.iter().enumerate() {
        let Some(u) = row
            .value
            .clone()
            .and_then(|v| serde_json::from_value::<User>(v).ok())
        else {
            continue;
        };
        let Some(cred) = creds.iter().find(|c| c.user == u.id.as_str()) else {
            continue;
        };
        if new_pins.contains(&u.id.as_str()) {
            continue;
        }
        let min = min_pin_digits(&u.roles);
        let short = match cred.pin_digits {
            Some(d) => (d as usize) < min,
            None => before(&u.id).is_none_or(|b| min_pin_digits(&b.roles) < min),
        };
        if short {
            let has = cred
                .pin_digits
                .map(|d| format!("has {d}"))
                .unwrap_or_else(|| "may be shorter".into());
            return Err((
                i,
                format!(
                    "user {} gets a role that approves on a handheld: their PIN needs at least {min} digits and {has}",
                    u.id
                ),
            ));
        }
    }
    Ok(())
}

/// An admin may not take away their own admin role or deactivate
/// themselves: the site would risk having no admin left.
fn keep_own_admin(auth: &UserAuth, rows: &[Row]) -> Result<(), ApiError> {
    for row in rows {
        let Some(value) = &row.value else { continue };
        let Ok(u) = serde_json::from_value::<User>(value.clone()) else {
            continue;
        };
        if u.id == auth.user.id && (!u.active || !u.has(Role::Admin)) {
            return Err(ApiError::bad_request(
                "invalid",
                "you cannot remove your own admin role or deactivate yourself: ask another admin",
            ));
        }
    }
    Ok(())
}

/// Import master data from CSV.
///
/// Imports a CSV file (the columns of docs/csv.md), all-or-nothing: the
/// first problem (`invalid_csv`, naming the line) refuses the whole file.
/// Needs the entity's editor role.
#[utoipa::path(
    post,
    path = "/api/v1/master/{entity}/import",
    tag = "master-data",
    operation_id = "master_import",
    params(
        ("entity" = String, Path, description = "Which master data"),
    ),
    request_body(
        content = String,
        content_type = "text/csv",
        description = "The CSV file with a header line; `text/plain` and `application/csv` are taken too",
    ),
    responses(
        (status = 200, description = "Imported", body = Saved),
        (status = 400, description = "`invalid_csv` (the message names the line and field) or `invalid_body`", body = sparescan_core::sync::ApiError),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn import(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Saved>, ApiError> {
    let entity = entity(&name)?;
    require(&auth, entity.editors(), &format!("importing {entity}"))?;
    let body = csv_body(&headers, body)?;
    let site = auth.session.site.clone();
    let (rows, lines) = state
        .ledger
        .read(&site, |s| csv_io::import_lines(entity, s, &body[..]))?
        .map_err(|e| ApiError::bad_request("invalid_csv", e.to_string()))?;
    if entity == Entity::Users {
        keep_own_admin(&auth, &rows)?;
        let s = site.clone();
        let creds: Vec<Credential> = state
            .readers
            .with(move |store| Ok(store.credentials(&s)?))
            .await?;
        let before = |u: &UserId| {
            state
                .ledger
                .read(&site, |s| s.ledger.user(u))
                .ok()
                .flatten()
        };
        pins_fit_roles(&rows, &creds, &[], &before).map_err(|(i, m)| {
            ApiError::bad_request("invalid_csv", csv_io::roles_error(&lines, i, m).to_string())
        })?;
    }
    let n = rows.len();
    let payload = json!({ "entity": entity.name(), "rows": rows });
    state
        .ledger
        .edit_master(
            site,
            rows,
            audit(&auth, format!("master.{entity}.import"), payload),
        )
        .await?;
    Ok(Json(Saved {
        entity: entity.name().into(),
        saved: n,
    }))
}
