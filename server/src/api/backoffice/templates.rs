//! Work templates (issue 16, item 5): a repeatable job's tasks and
//! consumption standards, written by those who plan orders. A work order
//! planned from one (`POST /api/v1/work-orders` with `template`; see
//! [`super::plan`]) starts with its tasks and lines, and the report
//! `template-consumption` sets what such orders consumed against the
//! standards. Templates are master-data rows: each save is audited.

use super::plan::{TaskInput, checked_tasks, invalid, plan_line, row, standard_line_input};
use super::rows::check_id;
use super::{audit, require};
use crate::api::auth::UserAuth;
use crate::api::{ApiError, ApiJson, AppState};
use crate::ledger::SiteState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sparescan_core::ids::*;
use sparescan_core::limits::{MAX_TEXT_CHARS, longer_than};
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::rules::roles::back_office::TEMPLATES;
use sparescan_core::sync::RowKey;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/templates", get(list))
        .route("/api/v1/templates/{id}", get(show).put(save))
}

/// `PUT /api/v1/templates/{id}`: the template whole, as it is to be.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub name: String,
    /// The scope an order from it gets unless the order gives its own.
    pub scope: String,
    #[serde(default)]
    pub tasks: Vec<TaskInput>,
    pub lines: Vec<StandardInput>,
}

/// A consumption standard as written.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardInput {
    #[serde(default)]
    pub task: Option<TaskId>,
    pub item: ItemId,
    /// The standard quantity, in the item's unit; the least for a range.
    pub planned: Qty,
    /// The most, for a range ("1–2 filters").
    #[serde(default)]
    pub planned_max: Option<Qty>,
    #[serde(default = "yes")]
    pub mandatory: bool,
    #[serde(default)]
    pub substitutes: Vec<ItemId>,
}

fn yes() -> bool {
    true
}

/// List work templates.
///
/// The site's work templates with their tasks and consumption standards,
/// by code. Any signed-in person may read them.
#[utoipa::path(
    get,
    path = "/api/v1/templates",
    tag = "templates",
    operation_id = "templates_list",
    responses(
        (status = 200, description = "The templates", body = Vec<WorkTemplate>),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
async fn list(
    State(state): State<AppState>,
    auth: UserAuth,
) -> Result<Json<Vec<WorkTemplate>>, ApiError> {
    Ok(Json(state.ledger.read(&auth.session.site, |s| {
        s.ledger.templates().cloned().collect()
    })?))
}

/// One work template.
#[utoipa::path(
    get,
    path = "/api/v1/templates/{id}",
    tag = "templates",
    operation_id = "template_show",
    params(("id" = TemplateId, Path, description = "The template's code")),
    responses(
        (status = 200, description = "The template", body = WorkTemplate),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
async fn show(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
) -> Result<Json<WorkTemplate>, ApiError> {
    let id = TemplateId::from(id);
    state
        .ledger
        .read(&auth.session.site, |s| s.ledger.template(&id).cloned())?
        .map(Json)
        .ok_or_else(|| unknown(&id))
}

fn unknown(id: &TemplateId) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("there is no work template {id} at this site: see GET /api/v1/templates"),
    )
}

/// Write a work template.
///
/// Creates the template, or replaces it whole: its tasks and consumption
/// standards, each checked as an order's line would be (the item exists
/// and is not a tool, the quantity fits its unit, a range runs upwards,
/// the task and the substitutes exist). Orders already planned from it
/// keep their lines; the report compares them with the template as it is
/// now. Needs the role dispatcher, engineer, supervisor or admin.
#[utoipa::path(
    put,
    path = "/api/v1/templates/{id}",
    tag = "templates",
    operation_id = "template_save",
    params(("id" = TemplateId, Path, description = "The template's code")),
    request_body = TemplateInput,
    responses(
        (status = 200, description = "Replaced", body = WorkTemplate),
        (status = 201, description = "Created", body = WorkTemplate),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
async fn save(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TemplateInput>,
) -> Result<(StatusCode, Json<WorkTemplate>), ApiError> {
    require(&auth, TEMPLATES, "writing a work template")?;
    let site = auth.session.site.clone();
    let id = TemplateId::from(id);
    let (template, existed) = state.ledger.read(&site, |s| {
        checked(s, &site, &id, &req, &auth.user.id, Utc::now())
            .map(|t| (t, s.ledger.template(&id).is_some()))
    })??;
    let payload = json!({ "template": template });
    state
        .ledger
        .edit_master(
            site,
            vec![row(RowKey::Template(id), &template)],
            audit(&auth, "template.save", payload),
        )
        .await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(template)))
}

/// The template as it is to be saved, every part checked.
fn checked(
    s: &SiteState,
    site: &SiteId,
    id: &TemplateId,
    req: &TemplateInput,
    me: &UserId,
    now: DateTime<Utc>,
) -> Result<WorkTemplate, ApiError> {
    check_id(id.as_str()).map_err(|m| invalid(format!("template code {m}")))?;
    let name = req.name.trim();
    if name.is_empty() {
        return Err(invalid("name is empty: say what the job is called"));
    }
    if req.scope.trim().is_empty() {
        return Err(invalid(
            "scope is empty: say what an order from the template does",
        ));
    }
    for (what, text) in [("name", name), ("scope", req.scope.as_str())] {
        if longer_than(text, MAX_TEXT_CHARS) {
            return Err(invalid(format!(
                "{what} is longer than {MAX_TEXT_CHARS} characters: shorten it"
            )));
        }
    }
    if req.lines.is_empty() {
        return Err(invalid(
            "a template needs at least one consumption standard under lines",
        ));
    }
    let tasks = checked_tasks(&req.tasks)?;
    // Each standard is checked as the order's line it becomes would be,
    // against an order with the template's tasks.
    let order = WorkOrder {
        id: WorkOrderId::from(id.as_str()),
        site: site.clone(),
        asset: AssetId::from(""),
        scope: req.scope.clone(),
        performer: None,
        created_by: me.clone(),
        approved_by: None,
        planned_start: None,
        planned_end: None,
        tasks: tasks.clone(),
        state: WoState::new(WoStatus::Created),
        cost_account: None,
        request: None,
        template: None,
        plan_changes: Vec::new(),
    };
    let mut lines = Vec::with_capacity(req.lines.len());
    for (n, l) in req.lines.iter().enumerate() {
        if !l.planned.is_positive() {
            return Err(invalid(format!(
                "line {}: planned must be more than 0 (leave out a standard the job does not need)",
                n + 1
            )));
        }
        let standard = StandardLine {
            task: l.task.clone(),
            item: l.item.clone(),
            planned: l.planned,
            planned_max: l.planned_max,
            mandatory: l.mandatory,
            substitutes: l.substitutes.clone(),
        };
        let line = DemandLineId::from(format!("{}", n + 1));
        plan_line(
            &s.ledger,
            &order,
            line.clone(),
            &standard_line_input(&standard, Some(line)),
            None,
            me,
        )?;
        lines.push(standard);
    }
    Ok(WorkTemplate {
        id: id.clone(),
        site: site.clone(),
        name: name.to_owned(),
        scope: req.scope.trim().to_owned(),
        tasks,
        lines,
        saved_by: me.clone(),
        saved_at: now,
    })
}
