//! Work orders from the back office: create (status created, with tasks
//! and demand lines), change the plan, approve with limits, list, and the
//! card. An order and its lines are master data (audited edits); its
//! status changes only by documents, so approval is a status-change
//! document judged by the same rules as everything else.

use super::card::{Card, read_card, unknown_order};
use super::plan::{
    Clarification, LinesChange, NewWorkOrder, PlanChangeDecision, check_limits, clarify_row,
    invalid, new_order_rows, plan_change_rows, replan_rows, row,
};
use super::{audit, office_document, query, require, status_query};
use crate::api::auth::UserAuth;
use crate::api::{ApiError, ApiJson, AppState};
use crate::ledger::{LedgerError, SiteState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sparescan_core::document::{Body, DocKind, Transition};
use sparescan_core::ids::*;
use sparescan_core::model::*;
use sparescan_core::rules;
use sparescan_core::sync::{Row, RowKey, Verdict};
use std::collections::HashSet;

// Who plans work orders.
use sparescan_core::rules::roles::back_office::PLAN as PLANNERS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/work-orders", get(list).post(create))
        .route("/api/v1/work-orders/{id}", get(show))
        .route("/api/v1/work-orders/{id}/lines", put(change_lines))
        .route("/api/v1/work-orders/{id}/approve", post(approve))
        .route(
            "/api/v1/work-orders/{id}/lines/{line}/clarify",
            post(clarify),
        )
        .route(
            "/api/v1/work-orders/{id}/plan-changes/{line}",
            post(decide_plan_change),
        )
}

// ---- requests ----

/// `POST …/approve`: the limits the approver sets per line. Lines not
/// named keep the tolerance and substitutes they were planned with.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    #[serde(default)]
    pub lines: Vec<LineLimits>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineLimits {
    pub line: DemandLineId,
    /// `None`: the site's tolerance.
    #[serde(default)]
    pub tolerance_percent: Option<u32>,
    #[serde(default)]
    pub substitutes: Vec<ItemId>,
}

// ---- answers ----

/// A row of the work-order list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub id: WorkOrderId,
    pub asset: AssetId,
    pub scope: String,
    pub status: WoStatus,
    pub performer: Option<UserId>,
    pub created_by: UserId,
    pub approved_by: Option<UserId>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub lines: usize,
}

/// The answer to an approval: the rules' verdict on the approve document
/// and the card as it is now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApprovalAnswer {
    pub verdict: Verdict,
    pub work_order: Card,
}

// ---- handlers ----

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// Only orders in this status.
    #[param(value_type = Option<WoStatus>)]
    pub status: Option<String>,
    /// Only orders on this asset.
    pub asset: Option<AssetId>,
}

/// List work orders.
///
/// The site's work orders (optionally of one status or asset).
#[utoipa::path(
    get,
    path = "/api/v1/work-orders",
    tag = "work-orders",
    operation_id = "work_orders_list",
    params(ListQuery),
    responses(
        (status = 200, description = "The orders", body = Vec<Summary>),
        (status = 400, response = crate::api::openapi::InvalidQuery),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: UserAuth,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<Summary>>, ApiError> {
    let q = query(q)?;
    let status: Option<WoStatus> = status_query(
        q.status.as_deref(),
        "a work-order status: use created, approved, in_progress, awaiting_return, on_hold, cancelled or closed",
    )?;
    let list = state.ledger.read(&auth.session.site, |s| {
        s.ledger
            .projections()
            .work_orders
            .values()
            .filter(|w| status.is_none_or(|st| w.state.status == st))
            .filter(|w| q.asset.as_ref().is_none_or(|a| w.asset == *a))
            .map(|w| Summary {
                id: w.id.clone(),
                asset: w.asset.clone(),
                scope: w.scope.clone(),
                status: w.state.status,
                performer: w.performer.clone(),
                created_by: w.created_by.clone(),
                approved_by: w.approved_by.clone(),
                planned_start: w.planned_start,
                planned_end: w.planned_end,
                lines: s.ledger.lines_of(&w.id).len(),
            })
            .collect()
    })?;
    Ok(Json(list))
}

/// The work-order card.
///
/// The work-order card: the order, its lines with their accounting, its
/// reserves, and what blocks its closure.
#[utoipa::path(
    get,
    path = "/api/v1/work-orders/{id}",
    tag = "work-orders",
    operation_id = "work_order_card",
    params(("id" = WorkOrderId, Path, description = "The work order's number")),
    responses(
        (status = 200, description = "The card", body = Card),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
) -> Result<Json<Card>, ApiError> {
    Ok(Json(
        read_card(&state, &auth.session.site, &id.into()).await?,
    ))
}

/// Create a work order.
///
/// Creates a work order in status created, with its tasks and demand
/// lines. Needs the role dispatcher, engineer, supervisor or admin.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders",
    tag = "work-orders",
    operation_id = "work_order_create",
    request_body = NewWorkOrder,
    responses(
        (status = 201, description = "Created: the card", body = Card),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: UserAuth,
    ApiJson(req): ApiJson<NewWorkOrder>,
) -> Result<(StatusCode, Json<Card>), ApiError> {
    require(&auth, PLANNERS, "creating a work order")?;
    let site = auth.session.site.clone();
    let me = auth.user.id.clone();
    let rows = state
        .ledger
        .read(&site, |s| new_order_rows(s, &site, &me, &req))??;
    let payload = json!({ "work_order": req.id, "rows": rows });
    let entry = audit(&auth, "work_order.create", payload);
    let (id, asset, request) = (req.id.clone(), req.asset.clone(), req.request.clone());
    // Checked again where the order is made: two orders for one number, or
    // from one request, cannot both pass.
    state
        .ledger
        .edit_master_with(site.clone(), move |ledger| {
            if ledger.work_order(&id).is_some() {
                return Err(LedgerError::Conflict {
                    code: "exists",
                    message: format!("work order {id} exists already: choose another number"),
                });
            }
            if let Some(r) = request.as_ref().and_then(|r| ledger.request(r)) {
                rules::requests::check_order_from(r, &asset)?;
            }
            Ok(Some((rows, entry)))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(read_card(&state, &site, &req.id).await?),
    ))
}

/// Change a work order's plan.
///
/// Changes the plan: lines to add or change, lines to remove. What moved
/// on a line bounds its new plan. Once the order is approved, a change
/// beyond what the approval allows (a new line, more than the site's
/// `replan_free_percent` over the approved quantity, new substitutes, a
/// wider tolerance, another item) needs a `reason` and waits in the card's
/// `plan_changes` for an approver (`…/plan-changes/{line}`); the line stays
/// as approved until then. Removing a new line that waits withdraws it.
/// Needs the role dispatcher, engineer, supervisor or admin.
#[utoipa::path(
    put,
    path = "/api/v1/work-orders/{id}/lines",
    tag = "work-orders",
    operation_id = "work_order_lines",
    params(("id" = WorkOrderId, Path, description = "The work order's number")),
    request_body = LinesChange,
    responses(
        (status = 200, description = "Changed: the card", body = Card),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn change_lines(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<LinesChange>,
) -> Result<Json<Card>, ApiError> {
    require(&auth, PLANNERS, "changing a work order's plan")?;
    let site = auth.session.site.clone();
    let id = WorkOrderId::from(id);
    let me = auth.user.id.clone();
    let rows = state
        .ledger
        .read(&site, |s| replan_rows(s, &id, &me, &req, Utc::now()))??;
    let payload = json!({ "work_order": id, "rows": rows });
    state
        .ledger
        .edit_master(
            site.clone(),
            rows,
            audit(&auth, "work_order.lines", payload),
        )
        .await?;
    Ok(Json(read_card(&state, &site, &id).await?))
}

/// Approve a work order.
///
/// Approves a work order with limits per line: a status-change document
/// judged by the same rules as a device's, so a refusal is a `rejected`
/// verdict (HTTP 200) and the limits are then left as they were. Needs the
/// role engineer, dispatcher or supervisor.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/approve",
    tag = "work-orders",
    operation_id = "work_order_approve",
    params(("id" = WorkOrderId, Path, description = "The work order's number")),
    request_body = Approval,
    responses(
        (status = 200, description = "The verdict on the approval and the card as it is now", body = ApprovalAnswer),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 500, response = crate::api::openapi::Internal),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn approve(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Approval>,
) -> Result<Json<ApprovalAnswer>, ApiError> {
    require(
        &auth,
        rules::roles::author_roles(DocKind::WoStatusChange, Some(Transition::Approve)),
        "approving a work order",
    )?;
    let site = auth.session.site.clone();
    let id = WorkOrderId::from(id);
    let doc = office_document(
        &auth,
        Some(id.clone()),
        Body::WoStatusChange {
            transition: Transition::Approve,
        },
    );
    let me = auth.user.id.clone();
    // The limits are written only if the rules would accept the approval
    // now (a dry run), and put back if the real judgement differs.
    let (edit, undo, would_pass) = state.ledger.read(&site, |s| {
        let (edit, undo) = limit_rows(s, &id, &me, &req)?;
        Ok::<_, ApiError>((edit, undo, rules::evaluate(&s.ledger, &doc).is_ok()))
    })??;
    if would_pass {
        let payload = json!({ "work_order": id, "document": doc.id, "rows": edit });
        state
            .ledger
            .edit_master(
                site.clone(),
                edit,
                audit(&auth, "work_order.approve", payload),
            )
            .await?;
    }
    let verdict = state.ledger.push(site.clone(), vec![doc.clone()]).await;
    let accepted = matches!(
        verdict.as_deref(),
        Ok([Verdict::Accepted { .. } | Verdict::Duplicate { .. }])
    );
    if would_pass && !accepted {
        let payload = json!({ "work_order": id, "document": doc.id, "rows": undo });
        state
            .ledger
            .edit_master(
                site.clone(),
                undo,
                audit(&auth, "work_order.approve_undone", payload),
            )
            .await?;
    }
    let verdict = verdict?.into_iter().next().ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the ledger gave no verdict: retry",
        )
    })?;
    Ok(Json(ApprovalAnswer {
        verdict,
        work_order: read_card(&state, &site, &id).await?,
    }))
}

/// Settle a range line.
///
/// Settles a demand line planned as a range ("to be clarified") at one
/// quantity: the line then plans it, with the site's tolerance, and keeps
/// the range, who settled it and when. What moved on the line bounds the
/// quantity. Needs the role engineer.
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/lines/{line}/clarify",
    tag = "work-orders",
    operation_id = "work_order_line_clarify",
    params(
        ("id" = WorkOrderId, Path, description = "The work order's number"),
        ("line" = DemandLineId, Path, description = "The demand line planned as a range"),
    ),
    request_body = Clarification,
    responses(
        (status = 200, description = "Settled: the card", body = Card),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn clarify(
    State(state): State<AppState>,
    auth: UserAuth,
    Path((id, line)): Path<(String, String)>,
    ApiJson(req): ApiJson<Clarification>,
) -> Result<Json<Card>, ApiError> {
    require(
        &auth,
        rules::roles::approvers::RANGE,
        "settling a range line",
    )?;
    let site = auth.session.site.clone();
    let id = WorkOrderId::from(id);
    let line = DemandLineId::from(line);
    let me = auth.user.id.clone();
    let row = state.ledger.read(&site, |s| {
        clarify_row(s, &id, &line, &me, req.planned, Utc::now())
    })??;
    let payload = json!({ "work_order": id, "line": line, "row": row });
    state
        .ledger
        .edit_master(
            site.clone(),
            vec![row],
            audit(&auth, "work_order.clarify", payload),
        )
        .await?;
    Ok(Json(read_card(&state, &site, &id).await?))
}

/// Decide a change of an approved plan.
///
/// A change to an approved order's lines beyond what a planner may make
/// alone (a new line, more than the site's `replan_free_percent` over the
/// approved quantity, new substitutes, a wider tolerance, another item)
/// waits on the order for an approver. Accepted, the line becomes what was
/// proposed and its quantity the approved one; refused (a reason is
/// needed), the line stays as it was and the order keeps the refusal for
/// the planner to read. Needs a role that approves work orders; never the
/// person who proposed the change (`own_plan_change`).
#[utoipa::path(
    post,
    path = "/api/v1/work-orders/{id}/plan-changes/{line}",
    tag = "work-orders",
    operation_id = "work_order_plan_change_decide",
    params(
        ("id" = WorkOrderId, Path, description = "The work order's number"),
        ("line" = DemandLineId, Path, description = "The line the change is of"),
    ),
    request_body = PlanChangeDecision,
    responses(
        (status = 200, description = "Decided: the card", body = Card),
        (status = 400, response = crate::api::openapi::BadRequest),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 403, response = crate::api::openapi::Forbidden),
        (status = 404, response = crate::api::openapi::NotFound),
        (status = 409, response = crate::api::openapi::Conflict),
        (status = 413, response = crate::api::openapi::TooLarge),
        (status = 415, response = crate::api::openapi::UnsupportedMediaType),
        (status = 422, response = crate::api::openapi::Unprocessable),
        (status = 503, response = crate::api::openapi::Unavailable),
    ),
    security(("session_token" = []))
)]
pub(crate) async fn decide_plan_change(
    State(state): State<AppState>,
    auth: UserAuth,
    Path((id, line)): Path<(String, String)>,
    ApiJson(req): ApiJson<PlanChangeDecision>,
) -> Result<Json<Card>, ApiError> {
    require(
        &auth,
        rules::replan::deciders(),
        "deciding a change of an approved plan",
    )?;
    let site = auth.session.site.clone();
    let id = WorkOrderId::from(id);
    let line = DemandLineId::from(line);
    let rows = state.ledger.read(&site, |s| {
        plan_change_rows(s, &id, &line, &auth.user, &req, Utc::now())
    })??;
    let payload = json!({
        "work_order": id,
        "line": line,
        "approve": req.approve,
        "reason": req.reason,
        "rows": rows,
    });
    state
        .ledger
        .edit_master(
            site.clone(),
            rows,
            audit(&auth, "work_order.plan_change", payload),
        )
        .await?;
    Ok(Json(read_card(&state, &site, &id).await?))
}

/// The approval's master-data edit (the order names its approver, the
/// lines carry the confirmed limits) and the rows that undo it.
fn limit_rows(
    s: &SiteState,
    id: &WorkOrderId,
    me: &UserId,
    req: &Approval,
) -> Result<(Vec<Row>, Vec<Row>), ApiError> {
    let v = &s.ledger;
    let wo = v.work_order(id).ok_or_else(|| unknown_order(id))?;
    let mut edit = Vec::new();
    let mut undo = Vec::new();
    let mut approved = wo.clone();
    approved.approved_by = Some(me.clone());
    edit.push(row(RowKey::WorkOrder(id.clone()), &approved));
    undo.push(row(RowKey::WorkOrder(id.clone()), &wo));
    let mut seen = HashSet::new();
    for limit in &req.lines {
        let line = v
            .line(&limit.line)
            .filter(|l| l.work_order == *id)
            .ok_or_else(|| invalid(format!("line {} is not a line of {id}", limit.line)))?;
        if !seen.insert(limit.line.clone()) {
            return Err(invalid(format!("line {} is listed twice", limit.line)));
        }
        if line.additional {
            return Err(invalid(format!(
                "line {} was created by an additional issue: its limits are not set here",
                line.id
            )));
        }
        check_limits(
            v,
            &line.id,
            &line.item,
            limit.tolerance_percent,
            &limit.substitutes,
        )?;
        let mut limited = line.clone();
        limited.tolerance_percent = limit.tolerance_percent;
        limited.substitutes = limit.substitutes.clone();
        limited.approved = Some(rules::replan::approved_qty(&limited));
        edit.push(row(RowKey::Line(line.id.clone()), &limited));
        undo.push(row(RowKey::Line(line.id.clone()), &line));
    }
    // The lines not named keep their limits; their quantities are what
    // the approver agreed to all the same.
    for line in v.lines_of(id) {
        if line.additional || seen.contains(&line.id) {
            continue;
        }
        let mut approved = line.clone();
        approved.approved = Some(rules::replan::approved_qty(&line));
        edit.push(row(RowKey::Line(line.id.clone()), &approved));
        undo.push(row(RowKey::Line(line.id.clone()), &line));
    }
    Ok((edit, undo))
}
