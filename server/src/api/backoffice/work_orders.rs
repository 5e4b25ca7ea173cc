//! Work orders from the back office: create (status created, with tasks
//! and demand lines), change the plan, approve with limits, list, and the
//! card. An order and its lines are master data (audited edits); its
//! status changes only by documents, so approval is a status-change
//! document judged by the same rules as everything else.

use super::rows::check_id;
use super::{BACKOFFICE_DEVICE, audit, query, require};
use crate::api::auth::UserAuth;
use crate::api::{ApiError, ApiJson, AppState};
use crate::ledger::SiteState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sparescan_core::document::{Body, Document, Transition};
use sparescan_core::ids::*;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::Blocker;
use sparescan_core::rules;
use sparescan_core::sync::{Row, RowKey, Verdict};
use sparescan_core::view::LedgerView;
use std::collections::{BTreeSet, HashSet};

/// Who plans work orders.
const PLANNERS: &[Role] = &[
    Role::Dispatcher,
    Role::Engineer,
    Role::Supervisor,
    Role::Admin,
];
/// Who approves them (the rules check it again on the document).
const APPROVERS: &[Role] = &[Role::Engineer, Role::Dispatcher, Role::Supervisor];
/// Tolerance over plan, in percent, at most.
const MAX_TOLERANCE: u32 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/work-orders", get(list).post(create))
        .route("/api/v1/work-orders/{id}", get(show))
        .route("/api/v1/work-orders/{id}/lines", put(change_lines))
        .route("/api/v1/work-orders/{id}/approve", post(approve))
}

// ---- requests ----

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkOrder {
    pub id: WorkOrderId,
    pub asset: AssetId,
    pub scope: String,
    #[serde(default)]
    pub performer: Option<UserId>,
    #[serde(default)]
    pub planned_start: Option<NaiveDate>,
    #[serde(default)]
    pub planned_end: Option<NaiveDate>,
    #[serde(default)]
    pub tasks: Vec<TaskInput>,
    #[serde(default)]
    pub lines: Vec<LineInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    pub id: TaskId,
    pub title: String,
}

/// A demand line as planned. Without an id a new line gets
/// `{order}-L{n}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[serde(default)]
    pub id: Option<DemandLineId>,
    #[serde(default)]
    pub task: Option<TaskId>,
    pub item: ItemId,
    pub planned: Qty,
    /// Must be the item's unit when given.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default = "yes")]
    pub mandatory: bool,
    #[serde(default)]
    pub substitutes: Vec<ItemId>,
    /// `None` uses the site's tolerance.
    #[serde(default)]
    pub tolerance_percent: Option<u32>,
}

fn yes() -> bool {
    true
}

/// `PUT …/lines`: lines to add or change, and lines to remove.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinesChange {
    #[serde(default)]
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub remove: Vec<DemandLineId>,
}

/// `POST …/approve`: the limits the approver sets per line. Lines not
/// named keep the tolerance and substitutes they were planned with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    #[serde(default)]
    pub lines: Vec<LineLimits>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize)]
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

/// The work-order card: everything a planner or supervisor needs on one
/// page, closure blockers included.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub id: WorkOrderId,
    pub site: SiteId,
    pub asset: AssetCard,
    pub scope: String,
    pub status: WoStatus,
    pub held_from: Option<WoStatus>,
    pub completed_at: Option<DateTime<Utc>>,
    pub performer: Option<UserId>,
    pub created_by: UserId,
    pub approved_by: Option<UserId>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub tasks: Vec<Task>,
    pub lines: Vec<LineCard>,
    pub reserves: Vec<ReserveCard>,
    /// Empty when the order may be closed (status permitting).
    pub blockers: Vec<BlockerCard>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetCard {
    pub id: AssetId,
    pub name: Option<String>,
    pub area: Option<String>,
}

/// A demand line with its accounting (design §6.3).
#[derive(Debug, Clone, Serialize)]
pub struct LineCard {
    pub id: DemandLineId,
    pub task: Option<TaskId>,
    pub item: ItemId,
    pub item_name: Option<String>,
    pub unit: String,
    pub mandatory: bool,
    pub additional: bool,
    pub requested_by: UserId,
    pub substitutes: Vec<ItemId>,
    /// The line's own tolerance; `None` uses the site's.
    pub tolerance_percent: Option<u32>,
    /// Planned plus tolerance: what issues and reserves may reach.
    pub ceiling: Qty,
    pub planned: Qty,
    /// Asked for by active reserves.
    pub reserved: Qty,
    /// Of that, locked against stock.
    pub locked: Qty,
    /// Reserved but not available.
    pub shortfall: Qty,
    pub issued: Qty,
    pub written_off: Qty,
    pub returned: Qty,
    pub in_work: Qty,
    /// Issued − planned.
    pub deviation: Qty,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReserveCard {
    pub id: ReserveId,
    pub line: DemandLineId,
    pub item: ItemId,
    pub warehouse: WarehouseId,
    pub status: ReserveStatus,
    pub open: Qty,
    pub locked: Qty,
    pub shortfall: Qty,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockerCard {
    #[serde(flatten)]
    pub blocker: Blocker,
    /// What it is and what to do, in words.
    pub message: String,
}

/// The answer to an approval: the rules' verdict on the approve document
/// and the card as it is now.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalAnswer {
    pub verdict: Verdict,
    pub work_order: Card,
}

// ---- the card ----

/// The card of an order, from the site's state.
pub fn card(s: &SiteState, id: &WorkOrderId) -> Option<Card> {
    let v = &s.ledger;
    let wo = v.work_order(id)?;
    let policy = v.policy();
    let asset = v.asset(&wo.asset);
    let mut lines = Vec::new();
    let mut reserves = Vec::new();
    let mut all_lines = v.lines_of(id);
    all_lines.sort_by(|a, b| a.id.cmp(&b.id));
    for l in all_lines {
        let counts = v.line_counts(&l.id);
        let mut of_line = v.reserves_of_line(&l.id);
        of_line.sort_by_key(|r| (r.created_at, r.id));
        let active = of_line.iter().filter(|r| r.is_active());
        let reserved: Qty = active.clone().map(|r| r.open).sum();
        let locked: Qty = active.clone().map(|r| r.locked).sum();
        let shortfall: Qty = active.map(Reserve::shortfall).sum();
        let pct = l.tolerance_percent.unwrap_or(policy.tolerance_percent);
        lines.push(LineCard {
            item_name: v.item(&l.item).map(|i| i.name),
            ceiling: l.planned.percent(100 + pct),
            reserved,
            locked,
            shortfall,
            issued: counts.issued,
            written_off: counts.written_off,
            returned: counts.returned,
            in_work: counts.in_work(),
            deviation: counts.issued - l.planned,
            id: l.id,
            task: l.task,
            item: l.item,
            unit: l.unit,
            mandatory: l.mandatory,
            additional: l.additional,
            requested_by: l.requested_by,
            substitutes: l.substitutes,
            tolerance_percent: l.tolerance_percent,
            planned: l.planned,
        });
        reserves.extend(of_line.into_iter().map(|r| ReserveCard {
            status: r.status(),
            shortfall: r.shortfall(),
            id: r.id,
            line: r.line,
            item: r.item,
            warehouse: r.warehouse,
            open: r.open,
            locked: r.locked,
            created_at: r.created_at,
        }));
    }
    let blockers = rules::closure_blockers(v, id)
        .into_iter()
        .map(|b| BlockerCard {
            message: b.to_string(),
            blocker: b,
        })
        .collect();
    Some(Card {
        id: wo.id,
        site: wo.site,
        asset: AssetCard {
            id: wo.asset,
            name: asset.as_ref().map(|a| a.name.clone()),
            area: asset.map(|a| a.area),
        },
        scope: wo.scope,
        status: wo.state.status,
        held_from: wo.state.held_from,
        completed_at: wo.state.completed_at,
        performer: wo.performer,
        created_by: wo.created_by,
        approved_by: wo.approved_by,
        planned_start: wo.planned_start,
        planned_end: wo.planned_end,
        tasks: wo.tasks,
        lines,
        reserves,
        blockers,
    })
}

fn read_card(state: &AppState, site: &SiteId, id: &WorkOrderId) -> Result<Card, ApiError> {
    state
        .ledger
        .read(site, |s| card(s, id))?
        .ok_or_else(|| unknown_order(id))
}

fn unknown_order(id: &WorkOrderId) -> ApiError {
    ApiError::not_found(format!(
        "work order {id} does not exist at this site: check the number"
    ))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid", message)
}

// ---- handlers ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    asset: Option<AssetId>,
}

async fn list(
    State(state): State<AppState>,
    auth: UserAuth,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<Summary>>, ApiError> {
    let q = query(q)?;
    let status: Option<WoStatus> = q
        .status
        .map(|s| {
            serde_json::from_value(serde_json::Value::String(s.clone())).map_err(|_| {
                ApiError::bad_request(
                    "invalid_query",
                    format!(
                        "status `{s}` is not a work-order status: use created, approved, in_progress, awaiting_return, on_hold, cancelled or closed"
                    ),
                )
            })
        })
        .transpose()?;
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

async fn show(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
) -> Result<Json<Card>, ApiError> {
    Ok(Json(read_card(&state, &auth.session.site, &id.into())?))
}

async fn create(
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
    state
        .ledger
        .edit_master(
            site.clone(),
            rows,
            audit(&auth, "work_order.create", payload),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(read_card(&state, &site, &req.id)?),
    ))
}

fn new_order_rows(
    s: &SiteState,
    site: &SiteId,
    me: &UserId,
    req: &NewWorkOrder,
) -> Result<Vec<Row>, ApiError> {
    let v = &s.ledger;
    check_id(req.id.as_str()).map_err(|m| invalid(format!("id {m}")))?;
    if v.work_order(&req.id).is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "exists",
            format!(
                "work order {} exists already: choose another number",
                req.id
            ),
        ));
    }
    if v.asset(&req.asset).is_none_or(|a| a.site != *site) {
        return Err(invalid(format!(
            "asset {} does not exist at this site: add it under master/assets first",
            req.asset
        )));
    }
    if req.scope.trim().is_empty() {
        return Err(invalid("scope is empty: say what the job is"));
    }
    if let Some(p) = &req.performer
        && v.user(p).is_none_or(|u| !u.active)
    {
        return Err(invalid(format!(
            "performer {p} is not an active user of this site"
        )));
    }
    if let (Some(a), Some(b)) = (req.planned_start, req.planned_end)
        && b < a
    {
        return Err(invalid(format!(
            "planned_end {b} is before planned_start {a}"
        )));
    }
    let mut task_ids = HashSet::new();
    for t in &req.tasks {
        check_id(t.id.as_str()).map_err(|m| invalid(format!("task id {m}")))?;
        if !task_ids.insert(t.id.clone()) {
            return Err(invalid(format!("task {} is listed twice", t.id)));
        }
        if t.title.trim().is_empty() {
            return Err(invalid(format!("task {} has no title", t.id)));
        }
    }
    let wo = WorkOrder {
        id: req.id.clone(),
        site: site.clone(),
        asset: req.asset.clone(),
        scope: req.scope.trim().to_owned(),
        performer: req.performer.clone(),
        created_by: me.clone(),
        approved_by: None,
        planned_start: req.planned_start,
        planned_end: req.planned_end,
        tasks: req
            .tasks
            .iter()
            .map(|t| Task {
                id: t.id.clone(),
                title: t.title.trim().to_owned(),
            })
            .collect(),
        state: WoState::new(WoStatus::Created),
    };
    let mut rows = vec![row(RowKey::WorkOrder(wo.id.clone()), &wo)];
    let mut taken = HashSet::new();
    for input in &req.lines {
        let id = line_id(v, &wo.id, input.id.as_ref(), &mut taken)?;
        let line = plan_line(v, &wo, id, input, None, me)?;
        rows.push(row(RowKey::Line(line.id.clone()), &line));
    }
    Ok(rows)
}

fn row<T: Serialize>(key: RowKey, value: &T) -> Row {
    Row {
        key,
        value: serde_json::to_value(value).ok(),
    }
}

/// The id a new line gets: the one given (which must be free), else the
/// next free `{order}-L{n}`.
fn line_id(
    v: &impl LedgerView,
    wo: &WorkOrderId,
    given: Option<&DemandLineId>,
    taken: &mut HashSet<DemandLineId>,
) -> Result<DemandLineId, ApiError> {
    let id = match given {
        Some(id) => {
            check_id(id.as_str()).map_err(|m| invalid(format!("line id {m}")))?;
            if v.line(id).is_some() || taken.contains(id) {
                return Err(invalid(format!(
                    "line {id} exists already: give each line its own id"
                )));
            }
            id.clone()
        }
        None => (1..)
            .map(|n| DemandLineId::from(format!("{wo}-L{n}")))
            .find(|id| v.line(id).is_none() && !taken.contains(id))
            .unwrap_or_else(|| DemandLineId::from(format!("{wo}-L0"))),
    };
    taken.insert(id.clone());
    Ok(id)
}

/// A line as planned, checked: the item exists and is consumable, the
/// quantity fits the item, the task and substitutes exist. For a line that
/// exists already, the plan may not go below what is issued and reserved.
fn plan_line(
    v: &impl LedgerView,
    wo: &WorkOrder,
    id: DemandLineId,
    input: &LineInput,
    existing: Option<&DemandLine>,
    me: &UserId,
) -> Result<DemandLine, ApiError> {
    let item = v.item(&input.item).ok_or_else(|| {
        invalid(format!(
            "line {id}: item {} is not in the catalog: add it under master/items first",
            input.item
        ))
    })?;
    if item.kind == ItemKind::Tool {
        return Err(invalid(format!(
            "line {id}: {} is a tool: tools are checked out to the order, not planned on lines",
            item.id
        )));
    }
    if !input.planned.is_positive() {
        return Err(invalid(format!(
            "line {id}: planned must be more than 0 (to drop the line, list it under remove)"
        )));
    }
    if item.tracking.serial() && !input.planned.is_whole() {
        return Err(invalid(format!(
            "line {id}: {} is serial-tracked: plan whole units",
            item.id
        )));
    }
    if let Some(unit) = &input.unit
        && *unit != item.unit
    {
        return Err(invalid(format!(
            "line {id}: {} is counted in {}: give the planned quantity in {}",
            item.id, item.unit, item.unit
        )));
    }
    if let Some(task) = &input.task
        && !wo.tasks.iter().any(|t| t.id == *task)
    {
        return Err(invalid(format!(
            "line {id}: task {task} is not a task of {}",
            wo.id
        )));
    }
    check_limits(
        v,
        &id,
        &item.id,
        input.tolerance_percent,
        &input.substitutes,
    )?;
    if let Some(old) = existing {
        check_replan(v, old, &item.id, input.planned)?;
    }
    Ok(DemandLine {
        id,
        work_order: wo.id.clone(),
        task: input.task.clone(),
        item: item.id,
        planned: input.planned,
        unit: item.unit,
        mandatory: input.mandatory,
        substitutes: input.substitutes.clone(),
        tolerance_percent: input.tolerance_percent,
        requested_by: existing
            .map(|l| l.requested_by.clone())
            .unwrap_or_else(|| me.clone()),
        additional: false,
    })
}

fn check_limits(
    v: &impl LedgerView,
    line: &DemandLineId,
    item: &ItemId,
    tolerance: Option<u32>,
    substitutes: &[ItemId],
) -> Result<(), ApiError> {
    if tolerance.is_some_and(|t| t > MAX_TOLERANCE) {
        return Err(invalid(format!(
            "line {line}: tolerance_percent is over {MAX_TOLERANCE}: give a percentage such as 10"
        )));
    }
    let mut seen = BTreeSet::new();
    for s in substitutes {
        if s == item {
            return Err(invalid(format!(
                "line {line}: {s} is the line's own item, not a substitute"
            )));
        }
        if v.item(s).is_none() {
            return Err(invalid(format!(
                "line {line}: substitute {s} is not in the catalog: add it first or remove it"
            )));
        }
        if !seen.insert(s) {
            return Err(invalid(format!(
                "line {line}: substitute {s} is listed twice"
            )));
        }
    }
    Ok(())
}

/// What moved on a line bounds its new plan.
fn check_replan(
    v: &impl LedgerView,
    old: &DemandLine,
    item: &ItemId,
    planned: Qty,
) -> Result<(), ApiError> {
    if old.additional {
        return Err(invalid(format!(
            "line {} was created by an additional issue: it changes only through documents",
            old.id
        )));
    }
    let counts = v.line_counts(&old.id);
    let reserves = v.reserves_of_line(&old.id);
    if *item != old.item && (counts.issued.is_positive() || !reserves.is_empty()) {
        return Err(invalid(format!(
            "line {} already has movements or reserves of {}: keep its item and add a new line for {item}",
            old.id, old.item
        )));
    }
    if planned < counts.issued {
        return Err(invalid(format!(
            "line {}: {} already issued, so the plan cannot go below {}: return the surplus first or keep the plan",
            old.id, counts.issued, counts.issued
        )));
    }
    let reserved: Qty = reserves
        .iter()
        .filter(|r| r.is_active())
        .map(|r| r.open)
        .sum();
    if planned < counts.issued + reserved {
        return Err(invalid(format!(
            "line {}: {} issued and {reserved} reserved, so the plan cannot go below {}: release part of the reserve (reserve_release with qty) first",
            old.id,
            counts.issued,
            counts.issued + reserved
        )));
    }
    Ok(())
}

async fn change_lines(
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
        .read(&site, |s| replan_rows(s, &id, &me, &req))??;
    let payload = json!({ "work_order": id, "rows": rows });
    state
        .ledger
        .edit_master(
            site.clone(),
            rows,
            audit(&auth, "work_order.lines", payload),
        )
        .await?;
    Ok(Json(read_card(&state, &site, &id)?))
}

fn replan_rows(
    s: &SiteState,
    id: &WorkOrderId,
    me: &UserId,
    req: &LinesChange,
) -> Result<Vec<Row>, ApiError> {
    let v = &s.ledger;
    let wo = v.work_order(id).ok_or_else(|| unknown_order(id))?;
    if !wo.state.status.is_open() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "work_order_status",
            format!("{id} is {:?}: its plan is final", wo.state.status).to_lowercase(),
        ));
    }
    if req.lines.is_empty() && req.remove.is_empty() {
        return Err(invalid(
            "nothing to change: give lines to add or change, or lines to remove",
        ));
    }
    let mut rows = Vec::new();
    let mut taken = HashSet::new();
    let mut touched = HashSet::new();
    for input in &req.lines {
        let existing = input
            .id
            .as_ref()
            .and_then(|l| v.line(l))
            .filter(|l| l.work_order == *id);
        if let (Some(l), None) = (&input.id, &existing)
            && v.line(l).is_some()
        {
            return Err(invalid(format!(
                "line {l} belongs to another work order: give this line another id"
            )));
        }
        let line_id = match &existing {
            Some(l) => l.id.clone(),
            None => line_id(v, id, input.id.as_ref(), &mut taken)?,
        };
        if !touched.insert(line_id.clone()) {
            return Err(invalid(format!("line {line_id} is listed twice")));
        }
        let line = plan_line(v, &wo, line_id, input, existing.as_ref(), me)?;
        rows.push(row(RowKey::Line(line.id.clone()), &line));
    }
    for l in &req.remove {
        let line = v
            .line(l)
            .filter(|x| x.work_order == *id)
            .ok_or_else(|| invalid(format!("line {l} is not a line of {id}")))?;
        if !touched.insert(l.clone()) {
            return Err(invalid(format!("line {l} is both changed and removed")));
        }
        let moved =
            s.ledger.projections().counts.contains_key(l) || !v.reserves_of_line(l).is_empty();
        if line.additional || moved {
            return Err(invalid(format!(
                "line {l} has movements or reserves on record: it stays; release its reserves or reduce its plan instead"
            )));
        }
        rows.push(Row {
            key: RowKey::Line(l.clone()),
            value: None,
        });
    }
    Ok(rows)
}

async fn approve(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Approval>,
) -> Result<Json<ApprovalAnswer>, ApiError> {
    require(&auth, APPROVERS, "approving a work order")?;
    let site = auth.session.site.clone();
    let id = WorkOrderId::from(id);
    let doc = Document {
        id: DocId::new_v7(),
        author: auth.user.id.clone(),
        device: BACKOFFICE_DEVICE.into(),
        site: site.clone(),
        device_time: Utc::now(),
        work_order: Some(id.clone()),
        line: None,
        reason: None,
        approver: None,
        follows: None,
        body: Body::WoStatusChange {
            transition: Transition::Approve,
        },
    };
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
        work_order: read_card(&state, &site, &id)?,
    }))
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
        edit.push(row(RowKey::Line(line.id.clone()), &limited));
        undo.push(row(RowKey::Line(line.id.clone()), &line));
    }
    Ok((edit, undo))
}
