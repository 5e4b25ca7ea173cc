//! The OpenAPI 3.1 document of the HTTP API, generated from the code: the
//! handlers' `#[utoipa::path]` annotations and the wire types' schemas
//! (sparescan-core's `openapi` feature). Served unauthenticated at
//! `GET /api/v1/openapi.json` and checked into `docs/openapi.json`
//! (`server/tests/openapi.rs` fails when the two drift; regenerate with
//! `UPDATE_DOCS=1 cargo test -p sparescan-server --test openapi`).

use super::backoffice::rows::Entity;
use crate::reports::ReportKind;
use axum::Json;
use axum::routing::get;
use serde::Serialize;
use sparescan_core::sync::ApiError;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "sparescan-server API",
        version = env!("CARGO_PKG_VERSION"),
        description = "The sparescan server: the system of record for spare parts moved against \
            work orders. Devices enroll once and sync (push documents, pull changes); people \
            sign in with badge and PIN on a device, and with a password for the back office and \
            reports.\n\n\
            Errors are JSON `{code, message}` with a stable `code`; a 4xx is only for protocol \
            and authorisation problems: a push whose documents the rules refuse is still 200, \
            with a verdict per document. Quantities are decimal strings (`\"2.5\"`), never \
            JSON numbers.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    paths(
        super::auth::enroll,
        super::auth::sign_in,
        super::passwords::change,
        super::passwords::one_time,
        super::sites::create,
        super::sync::push,
        super::sync::pull,
        super::sync::bootstrap,
        super::sync::credentials,
        super::backoffice::master::list,
        super::backoffice::master::put,
        super::backoffice::master::import,
        super::backoffice::work_orders::list,
        super::backoffice::work_orders::create,
        super::backoffice::work_orders::show,
        super::backoffice::work_orders::change_lines,
        super::backoffice::work_orders::approve,
        super::backoffice::work_orders::clarify,
        super::backoffice::work_orders::decide_plan_change,
        super::backoffice::documents::submit,
        super::backoffice::documents::needs_attention,
        super::backoffice::stock::stock_in,
        super::backoffice::requests::raise,
        super::backoffice::requests::list,
        super::backoffice::requests::decline,
        super::backoffice::templates::list,
        super::backoffice::templates::show,
        super::backoffice::templates::save,
        super::reports::list,
        super::reports::report,
        openapi_json,
        super::tls_ca::ca_pem,
        healthz,
        metrics,
    ),
    components(
        schemas(
            // The sync protocol and the documents.
            sparescan_core::sync::PushRequest,
            sparescan_core::sync::SiteCreate,
            sparescan_core::sync::PushResponse,
            sparescan_core::sync::Verdict,
            sparescan_core::sync::PullResponse,
            sparescan_core::sync::BootstrapPage,
            sparescan_core::sync::Change,
            sparescan_core::sync::Row,
            sparescan_core::sync::RowKey,
            sparescan_core::sync::ApiError,
            sparescan_core::document::Document,
            sparescan_core::document::Body,
            sparescan_core::document::DocKind,
            sparescan_core::reason::ReasonCode,
            sparescan_core::reason::Refusal,
            sparescan_core::reason::Blocker,
            // The state rows' values (see RowKey).
            sparescan_core::model::SitePolicy,
            sparescan_core::model::Item,
            sparescan_core::model::Warehouse,
            sparescan_core::model::Bin,
            sparescan_core::model::Batch,
            sparescan_core::model::Asset,
            sparescan_core::model::User,
            sparescan_core::model::WorkOrder,
            sparescan_core::model::DemandLine,
            sparescan_core::model::SerialState,
            sparescan_core::model::LineCounts,
            sparescan_core::model::Reserve,
            sparescan_core::model::ReserveStatus,
            sparescan_core::model::ToolOut,
            sparescan_core::model::Emergency,
            sparescan_core::model::Transit,
            sparescan_core::model::MissingSerial,
            sparescan_core::model::Discrepancy,
            sparescan_core::qty::Qty,
            sparescan_core::sync::BadgeHolder,
            sparescan_core::sync::PresenceKey,
            sparescan_core::presence::Proof,
            sparescan_core::presence::KeyMac,
            ReportEnvelope,
        ),
        responses(
            BadRequest,
            InvalidQuery,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            TooLarge,
            UnsupportedMediaType,
            Unprocessable,
            Internal,
            Unavailable,
        ),
    ),
    modifiers(&Generated),
    tags(
        (name = "auth", description = "Device enrollment and sign-in"),
        (name = "sync", description = "Devices: push documents, pull changes, bootstrap"),
        (name = "sites", description = "Back office: more sites, each with its first admin"),
        (name = "master-data", description = "Back office: master data as JSON or CSV"),
        (name = "requests", description = "Maintenance requests: raised by people or monitoring systems, made into work orders or declined"),
        (name = "templates", description = "Back office: work templates, their tasks and consumption standards"),
        (name = "work-orders", description = "Back office: plan and approve work orders"),
        (name = "documents", description = "Back office: documents through the same rules, and what needs attention"),
        (name = "reports", description = "Reports and KPIs, JSON or CSV (docs/reports.md)"),
        (name = "operations", description = "The API document, health and metrics"),
    ),
)]
pub struct ApiDoc;

/// The document as served and checked in.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /api/v1/openapi.json`, unauthenticated.
pub fn routes<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    axum::Router::new().route("/api/v1/openapi.json", get(openapi_json))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    operation_id = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API", body = Object, content_type = "application/json"),
    ),
    security(())
)]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// Liveness.
///
/// `ok` while the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    operation_id = "healthz",
    responses(
        (status = 200, description = "Always `ok`", body = String, content_type = "text/plain", example = "ok"),
    ),
    security(())
)]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Prometheus metrics.
///
/// In the text exposition format (OpenMetrics text, served as
/// `text/plain`): documents pushed by verdict and reason code, push
/// latency, changes pulled.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    operation_id = "metrics",
    responses(
        (status = 200, description = "The metrics", body = String, content_type = "text/plain"),
    ),
    security(())
)]
pub async fn metrics(metrics: std::sync::Arc<crate::metrics::Metrics>) -> String {
    metrics.render()
}

/// A report as JSON: what was asked, when, and the report's own fields
/// (which differ per report; see docs/reports.md).
#[derive(Serialize, ToSchema)]
pub struct ReportEnvelope {
    /// The report's name.
    pub report: String,
    pub site: sparescan_core::ids::SiteId,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// The parameters the report was computed with (those given).
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// The report's own fields.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, serde_json::Value>,
}

/// The records of one master-data entity, in key order (`GET
/// /api/v1/master/{entity}`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum MasterRecords {
    Items(Vec<sparescan_core::model::Item>),
    Warehouses(Vec<sparescan_core::model::Warehouse>),
    Bins(Vec<sparescan_core::model::Bin>),
    Batches(Vec<sparescan_core::model::Batch>),
    Assets(Vec<sparescan_core::model::Asset>),
    Users(Vec<UserRecord>),
    /// The policy is one object.
    Policy(sparescan_core::model::SitePolicy),
}

/// A user as the back office reads it.
#[derive(Serialize, ToSchema)]
pub struct UserRecord {
    #[serde(flatten)]
    pub user: sparescan_core::model::User,
    /// The user's badge: present (possibly null) only when an admin reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
}

/// An edit of master data (`PUT /api/v1/master/{entity}`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum MasterEdit {
    /// Records to add or change, one object each, named by their key
    /// fields (`id`; `item` and `code` for batches). Fields left out keep
    /// their value. A user record may carry `badge` and `pin` (4 to 12
    /// digits, 6 at least for roles that approve on a handheld:
    /// `pin_too_short`): the PIN is stored as an argon2 hash and never
    /// returned.
    Records(Vec<std::collections::BTreeMap<String, serde_json::Value>>),
    /// The policy: one object with the settings that change.
    Policy(std::collections::BTreeMap<String, serde_json::Value>),
}

// ---- the shared error answers ----

#[derive(ToResponse)]
#[response(
    description = "The request is not valid: `invalid` (the message names the problem and what to do) or `malformed_json`",
    example = json!({"code": "invalid", "message": "give the device a name of 1 to 100 characters"})
)]
pub struct BadRequest(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`invalid_body`: the JSON does not fit the request's schema (a wrong type, a missing or unknown field)",
    example = json!({"code": "invalid_body", "message": "Failed to deserialize the JSON body into the target type: code: invalid type: integer `1`, expected a string at line 1 column 9"})
)]
pub struct Unprocessable(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`invalid_query`: the query string is not valid",
    example = json!({"code": "invalid_query", "message": "format `xml` is not offered: use json or csv"})
)]
pub struct InvalidQuery(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`unauthorized`: no valid token of the kind the endpoint needs (device token `dev_…`, session token `ses_…` or a system's key `sys_…`), or it expired or was revoked",
    example = json!({"code": "unauthorized", "message": "sign in with badge and PIN first"})
)]
pub struct Unauthorized(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`forbidden`: the signed-in person lacks the role; the message names the role needed",
    example = json!({"code": "forbidden", "message": "creating a work order needs the role dispatcher or engineer or supervisor or admin; you are signed in as tech-1 (technician): ask someone with that role"})
)]
pub struct Forbidden(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`not_found`: what the path names does not exist at the site",
    example = json!({"code": "not_found", "message": "work order WO-9 does not exist at this site: check the number"})
)]
pub struct NotFound(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "The change conflicts with the site's state: `exists`, `badge_taken`, `work_order_status`, or a rule's reason code (`request_not_open`, `request_asset_mismatch`)",
    example = json!({"code": "exists", "message": "work order WO-1 exists already: choose another number"})
)]
pub struct Conflict(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`too_large`: the body is larger than the server takes, or holds more documents than one request may",
    example = json!({"code": "too_large", "message": "the request body is too large: send fewer documents per push"})
)]
pub struct TooLarge(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`content_type`: the body is not sent with the content type the endpoint takes",
    example = json!({"code": "content_type", "message": "Expected request with `Content-Type: application/json`"})
)]
pub struct UnsupportedMediaType(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`internal`: an unexpected server fault; retry, and report it if it persists",
    example = json!({"code": "internal", "message": "the ledger gave no verdict: retry"})
)]
pub struct Internal(pub ApiError);

#[derive(ToResponse)]
#[response(
    description = "`storage_error`: storage failed, nothing of the request was recorded (no verdict); retry. `unavailable`: the server is stopping; retry later",
    example = json!({"code": "unavailable", "message": "the ledger has stopped"})
)]
pub struct Unavailable(pub ApiError);

/// What the annotations cannot say by themselves: the bearer schemes, and
/// the values path parameters take, from the code that parses them.
struct Generated;

impl Modify for Generated {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dev_…")
                    .description(Some(
                        "A device token (`dev_` and 43 URL-safe base64 characters), from \
                         `POST /api/v1/devices/enroll`. Valid until the device is revoked.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ses_…")
                    .description(Some(
                        "A session token (`ses_` and 43 URL-safe base64 characters), from \
                         `POST /api/v1/sessions` (badge and PIN on a device, badge or user id and \
                         password in the back office). Valid for 12 hours.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "system_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sys_…")
                    .description(Some(
                        "A monitoring system's key (`sys_` and 43 URL-safe base64 characters), \
                         from `sparescan-server system-key --site S --name NAME`. It raises \
                         maintenance requests at its site and does nothing else.",
                    ))
                    .build(),
            ),
        );
        describe_reports(openapi);
        records_by_entity(openapi);
        let entities: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
        let reports: Vec<&str> = ReportKind::ALL.iter().map(|k| k.name()).collect();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let name = if path.starts_with("/api/v1/master/{entity}") {
                "entity"
            } else if path == "/api/v1/reports/{name}" {
                "name"
            } else {
                continue;
            };
            let values = if name == "entity" {
                &entities
            } else {
                &reports
            };
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                for p in op.parameters.iter_mut().flatten() {
                    if p.name == name {
                        p.schema = Some(RefOr::T(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .enum_values(Some(values.iter().copied()))
                                .into(),
                        ));
                    }
                }
            }
        }
    }
}

/// `MasterRecords` as `anyOf`: which branch a response is depends on the
/// `entity` of the path, which a schema cannot say, and the branches
/// overlap (an empty list is a list of anything; a user has every field a
/// warehouse needs), so `oneOf` — exactly one branch — failed valid
/// answers (schemathesis found `GET /master/users` matching two).
fn records_by_entity(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AnyOfBuilder, Schema};
    let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
        return;
    };
    if let Some(RefOr::T(Schema::OneOf(one))) = schemas.get("MasterRecords") {
        let any = one
            .items
            .clone()
            .into_iter()
            .fold(AnyOfBuilder::new(), |b, item| b.item(item))
            .description(Some(
                "The entity's records: a list of the entity's schema (`UserRecord` for users), \
                 or one `SitePolicy` for the policy.",
            ))
            .build();
        schemas.insert("MasterRecords".into(), RefOr::T(Schema::AnyOf(any)));
    }
}

/// The reports and their parameters, from `ReportKind`: listed in the
/// report operation's description, and each query parameter names the
/// reports that take it.
fn describe_reports(openapi: &mut utoipa::openapi::OpenApi) {
    let Some(op) = openapi
        .paths
        .paths
        .get_mut("/api/v1/reports/{name}")
        .and_then(|item| item.get.as_mut())
    else {
        return;
    };
    let mut text = op.description.take().unwrap_or_default();
    text.push_str("\n\nThe reports:\n");
    for k in ReportKind::ALL {
        text.push_str(&format!(
            "\n- `{}`: {}; parameters: {}",
            k.name(),
            k.describe(),
            k.params().join(", ")
        ));
    }
    op.description = Some(text);
    for p in op.parameters.iter_mut().flatten() {
        let takers: Vec<&str> = ReportKind::ALL
            .iter()
            .filter(|k| k.params().contains(&p.name.as_str()))
            .map(|k| k.name())
            .collect();
        if !takers.is_empty() {
            let d = p.description.take().unwrap_or_default();
            p.description = Some(format!("{d} ({})", takers.join(", ")));
        }
    }
}
