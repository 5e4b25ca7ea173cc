//! Planning a work order: the order with its tasks and demand lines, and
//! later changes of the plan. Everything is checked against the site's
//! state before it becomes master-data rows; what already moved on a line
//! bounds how its plan may change.

use super::card::unknown_order;
use super::rows::check_id;
use crate::api::ApiError;
use crate::ledger::SiteState;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::Refusal;
use sparescan_core::rules;
use sparescan_core::sync::{Row, RowKey};
use sparescan_core::view::LedgerView;
use std::collections::{BTreeSet, HashSet};

/// Tolerance over plan, in percent, at most.
const MAX_TOLERANCE: u32 = 1000;

/// `POST /api/v1/work-orders`: a new order in status created.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkOrder {
    pub id: WorkOrderId,
    pub asset: AssetId,
    /// What the job is; from a template, the template's scope unless given.
    #[serde(default)]
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
    /// The account the order's repair cost is booked to.
    #[serde(default)]
    pub cost_account: Option<String>,
    /// The open maintenance request the order is made from: the order
    /// keeps the link and the request becomes `ordered`. Its asset must
    /// be the order's.
    #[serde(default)]
    pub request: Option<RequestId>,
    /// The work template to plan from: the order starts with its tasks and
    /// a line per consumption standard (a range to be clarified where the
    /// standard is one), before the tasks and lines given here.
    #[serde(default)]
    pub template: Option<TemplateId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    pub id: TaskId,
    pub title: String,
}

/// A demand line as planned. Without an id a new line gets
/// `{order}-L{n}`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// Where this line's cost is booked, when not to the order's account.
    #[serde(default)]
    pub cost_account: Option<String>,
    /// A range ("1–2 filters"): the most the job may need, `planned` the
    /// least. The line is to be clarified until an engineer settles it;
    /// reserves lock the minimum only.
    #[serde(default)]
    pub planned_max: Option<Qty>,
}

/// `POST …/lines/{line}/clarify`: the quantity an engineer settles a
/// range line at.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Clarification {
    pub planned: Qty,
}

fn yes() -> bool {
    true
}

/// `POST …/plan-changes/{line}`: an approver's decision on a change of an
/// approved plan.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChangeDecision {
    pub approve: bool,
    /// Why: needed to refuse.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `PUT …/lines`: lines to add or change, and lines to remove.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinesChange {
    #[serde(default)]
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub remove: Vec<DemandLineId>,
    /// Why the plan changes: shown to the approver when a change goes
    /// beyond what the planner may change alone.
    #[serde(default)]
    pub reason: Option<String>,
}

pub(super) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid", message)
}

/// A rule's refusal of a back-office change: 409 with its stable code.
pub(crate) fn refused(r: Refusal) -> ApiError {
    crate::ledger::LedgerError::from(r).into()
}

pub(super) fn new_order_rows(
    s: &SiteState,
    site: &SiteId,
    me: &UserId,
    req: &NewWorkOrder,
) -> Result<Vec<Row>, ApiError> {
    let v = &s.ledger;
    let expanded;
    let req = match &req.template {
        Some(t) => {
            expanded = from_template(v, t, req)?;
            &expanded
        }
        None => req,
    };
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
    let cost_account = cost_account(req.cost_account.as_deref(), "cost_account")?;
    let tasks = checked_tasks(&req.tasks)?;
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
        tasks,
        state: WoState::new(WoStatus::Created),
        cost_account,
        request: req.request.clone(),
        template: req.template.clone(),
        plan_changes: Vec::new(),
    };
    let mut rows = vec![row(RowKey::WorkOrder(wo.id.clone()), &wo)];
    if let Some(id) = &req.request {
        let mut request = v
            .request(id)
            .ok_or_else(|| invalid(format!("request {id} does not exist at this site")))?
            .clone();
        rules::requests::check_order_from(&request, &wo.asset).map_err(refused)?;
        request.work_order = Some(wo.id.clone());
        rows.push(row(RowKey::Request(id.clone()), &request));
    }
    let mut taken = HashSet::new();
    for input in &req.lines {
        let id = line_id(v, &wo.id, input.id.as_ref(), &mut taken)?;
        let line = plan_line(v, &wo, id, input, None, me)?;
        rows.push(row(RowKey::Line(line.id.clone()), &line));
    }
    Ok(rows)
}

/// Tasks as given, checked: ids valid and distinct, each with a title.
pub(super) fn checked_tasks(tasks: &[TaskInput]) -> Result<Vec<Task>, ApiError> {
    let mut ids = HashSet::new();
    for t in tasks {
        check_id(t.id.as_str()).map_err(|m| invalid(format!("task id {m}")))?;
        if !ids.insert(t.id.clone()) {
            return Err(invalid(format!("task {} is listed twice", t.id)));
        }
        if t.title.trim().is_empty() {
            return Err(invalid(format!("task {} has no title", t.id)));
        }
    }
    Ok(tasks
        .iter()
        .map(|t| Task {
            id: t.id.clone(),
            title: t.title.trim().to_owned(),
        })
        .collect())
}

/// The order as planned from a template: the template's tasks and a line
/// per standard first, then what the request adds; the template's scope
/// unless the request gives one.
fn from_template(
    v: &MemoryLedger,
    id: &TemplateId,
    req: &NewWorkOrder,
) -> Result<NewWorkOrder, ApiError> {
    let t = v.template(id).ok_or_else(|| {
        invalid(format!(
            "work template {id} does not exist at this site: see GET /api/v1/templates"
        ))
    })?;
    let mut planned = req.clone();
    if planned.scope.trim().is_empty() {
        planned.scope = t.scope.clone();
    }
    planned.tasks = t
        .tasks
        .iter()
        .map(|t| TaskInput {
            id: t.id.clone(),
            title: t.title.clone(),
        })
        .chain(req.tasks.iter().cloned())
        .collect();
    planned.lines = t
        .lines
        .iter()
        .map(|l| standard_line_input(l, None))
        .chain(req.lines.iter().cloned())
        .collect();
    Ok(planned)
}

/// A template's standard as a line to plan.
pub(super) fn standard_line_input(l: &StandardLine, id: Option<DemandLineId>) -> LineInput {
    LineInput {
        id,
        task: l.task.clone(),
        item: l.item.clone(),
        planned: l.planned,
        unit: None,
        mandatory: l.mandatory,
        substitutes: l.substitutes.clone(),
        tolerance_percent: None,
        cost_account: None,
        planned_max: l.planned_max,
    }
}

pub(super) fn row<T: Serialize>(key: RowKey, value: &T) -> Row {
    Row {
        key,
        value: serde_json::to_value(value).ok(),
    }
}

/// The id a new line gets: the one given (which must be free), else the
/// next free `{order}-L{n}`.
pub(super) fn line_id(
    v: &impl LedgerView,
    wo: &WorkOrderId,
    given: Option<&DemandLineId>,
    taken: &mut HashSet<DemandLineId>,
) -> Result<DemandLineId, ApiError> {
    let id = match given {
        Some(id) => {
            check_id(id.as_str()).map_err(|m| invalid(format!("line id {m}")))?;
            if v.line(id)?.is_some() || taken.contains(id) {
                return Err(invalid(format!(
                    "line {id} exists already: give each line its own id"
                )));
            }
            id.clone()
        }
        None => {
            let mut n = 1u64;
            loop {
                let id = DemandLineId::from(format!("{wo}-L{n}"));
                if v.line(&id)?.is_none() && !taken.contains(&id) {
                    break id;
                }
                n += 1;
            }
        }
    };
    taken.insert(id.clone());
    Ok(id)
}

/// A line as planned, checked: the item exists and is consumable, the
/// quantity fits the item, the task and substitutes exist. For a line that
/// exists already, the plan may not go below what is issued and reserved.
pub(super) fn plan_line(
    v: &impl LedgerView,
    wo: &WorkOrder,
    id: DemandLineId,
    input: &LineInput,
    existing: Option<&DemandLine>,
    me: &UserId,
) -> Result<DemandLine, ApiError> {
    let item = v.item(&input.item)?.ok_or_else(|| {
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
    sparescan_core::rules::units::check_qty(&v.policy()?, &item.id, &item.unit, input.planned)
        .map_err(|r| invalid(format!("line {id}: {}", r.message)))?;
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
    if let Some(max) = input.planned_max {
        if max <= input.planned {
            return Err(invalid(format!(
                "line {id}: planned_max {max} is not more than planned {}: a range runs from the least to the most; for one quantity leave planned_max out",
                input.planned
            )));
        }
        if item.tracking.serial() && !max.is_whole() {
            return Err(invalid(format!(
                "line {id}: {} is serial-tracked: plan whole units",
                item.id
            )));
        }
        sparescan_core::rules::units::check_qty(&v.policy()?, &item.id, &item.unit, max)
            .map_err(|r| invalid(format!("line {id}: planned_max: {}", r.message)))?;
    }
    if let Some(old) = existing {
        check_replan(v, old, &item.id, input.planned_max.unwrap_or(input.planned))?;
    }
    let cost_account = cost_account(
        input.cost_account.as_deref(),
        &format!("line {id}: cost_account"),
    )?;
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
        cost_account,
        planned_max: input.planned_max,
        clarified: existing.and_then(|l| l.clarified.clone()),
        approved: existing.and_then(|l| l.approved),
    })
}

/// The line as an engineer settles its range at `planned`: what moved on
/// it bounds the quantity, as for any change of plan; the range, who and
/// when are kept on the line.
pub(super) fn clarify_row(
    s: &SiteState,
    wo: &WorkOrderId,
    line: &DemandLineId,
    me: &UserId,
    planned: Qty,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Row, ApiError> {
    let v = &s.ledger;
    let order = v.work_order(wo).ok_or_else(|| unknown_order(wo))?;
    let old = v
        .line(line)
        .filter(|l| l.work_order == *wo)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("line {line} is not a line of {wo}"),
            )
        })?;
    if !order.state.status.is_open() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "work_order_status",
            format!("{wo} is no longer open: its plan is final"),
        ));
    }
    let Some(max) = old.planned_max else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_to_clarify",
            format!(
                "line {line} is planned at {} {}, not as a range: change its plan instead",
                old.planned, old.unit
            ),
        ));
    };
    if !planned.is_positive() {
        return Err(invalid(format!(
            "line {line}: planned must be more than 0 (to drop the line, remove it from the plan)"
        )));
    }
    let item = v.item(&old.item);
    if item.as_ref().is_some_and(|i| i.tracking.serial()) && !planned.is_whole() {
        return Err(invalid(format!(
            "line {line}: {} is serial-tracked: settle on whole units",
            old.item
        )));
    }
    sparescan_core::rules::units::check_qty(&v.policy(), &old.item, &old.unit, planned)
        .map_err(|r| invalid(format!("line {line}: {}", r.message)))?;
    check_replan(v, &old, &old.item, planned)?;
    let settled = DemandLine {
        planned,
        planned_max: None,
        clarified: Some(Clarified {
            by: me.clone(),
            at: now,
            min: old.planned,
            max,
        }),
        // The engineer's settling is the approval of that quantity.
        approved: old.approved.map(|_| planned),
        ..old
    };
    Ok(row(RowKey::Line(settled.id.clone()), &settled))
}

/// Text as given, trimmed; none when blank.
fn stated(given: Option<&str>) -> Option<&str> {
    given.map(str::trim).filter(|t| !t.is_empty())
}

/// A cost account as given: none when empty, else an id-like code.
fn cost_account(given: Option<&str>, what: &str) -> Result<Option<String>, ApiError> {
    match stated(given) {
        None => Ok(None),
        Some(a) => {
            check_id(a).map_err(|m| invalid(format!("{what} {m}")))?;
            Ok(Some(a.to_owned()))
        }
    }
}

pub(super) fn check_limits(
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
        if v.item(s)?.is_none() {
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
pub(super) fn check_replan(
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
    let counts = v.line_counts(&old.id)?;
    let reserves = v.reserves_of_line(&old.id)?;
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

pub(super) fn replan_rows(
    s: &SiteState,
    id: &WorkOrderId,
    me: &UserId,
    req: &LinesChange,
    now: DateTime<Utc>,
) -> Result<Vec<Row>, ApiError> {
    let v = &s.ledger;
    let wo = v.work_order(id).ok_or_else(|| unknown_order(id))?;
    if !wo.state.status.is_open() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "work_order_status",
            format!(
                "{id} is {}: its plan is final",
                serde_json::to_value(wo.state.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        ));
    }
    if req.lines.is_empty() && req.remove.is_empty() {
        return Err(invalid(
            "nothing to change: give lines to add or change, or lines to remove",
        ));
    }
    let policy = v.policy();
    let mut rows = Vec::new();
    // A new line waiting for an approver keeps its id: none other takes it.
    let mut taken: HashSet<DemandLineId> =
        wo.plan_changes.iter().map(|c| c.line.id.clone()).collect();
    let mut touched = HashSet::new();
    let mut order = wo.clone();
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
        let line_id = match (&existing, &input.id) {
            (Some(l), _) => l.id.clone(),
            // Proposed again: the waiting new line.
            (None, Some(given)) if taken.contains(given) => given.clone(),
            (None, _) => line_id(v, id, input.id.as_ref(), &mut taken)?,
        };
        if !touched.insert(line_id.clone()) {
            return Err(invalid(format!("line {line_id} is listed twice")));
        }
        let line = plan_line(v, &wo, line_id, input, existing.as_ref(), me)?;
        // The newest change of a line replaces one that waits or was refused.
        order.plan_changes.retain(|c| c.line.id != line.id);
        if rules::replan::beyond_limits(&policy, &wo, existing.as_ref(), &line).is_empty() {
            rows.push(row(RowKey::Line(line.id.clone()), &line));
        } else {
            let why = stated(req.reason.as_deref()).ok_or_else(|| {
                    invalid(format!(
                        "line {}: the change goes beyond what {id}'s approval allows, so an approver decides it: say why the plan must change",
                        line.id
                    ))
                })?;
            order.plan_changes.push(PlanChange {
                line,
                by: me.clone(),
                at: now,
                why: Some(why.to_owned()),
                refused: None,
            });
        }
    }
    for l in &req.remove {
        if !touched.insert(l.clone()) {
            return Err(invalid(format!("line {l} is both changed and removed")));
        }
        // A new line that only waits for an approver is withdrawn.
        if v.line(l).is_none() && order.plan_changes.iter().any(|c| c.line.id == *l) {
            order.plan_changes.retain(|c| c.line.id != *l);
            continue;
        }
        let line = v
            .line(l)
            .filter(|x| x.work_order == *id)
            .ok_or_else(|| invalid(format!("line {l} is not a line of {id}")))?;
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
        order.plan_changes.retain(|c| c.line.id != *l);
    }
    if order.plan_changes != wo.plan_changes {
        rows.push(row(RowKey::WorkOrder(id.clone()), &order));
    }
    Ok(rows)
}

/// An approver's decision on a plan change of `line`: refused (with why),
/// the line stays as it was; accepted, the line becomes the proposal and
/// what it plans is now the approved quantity.
pub(super) fn plan_change_rows(
    s: &SiteState,
    id: &WorkOrderId,
    line: &DemandLineId,
    me: &User,
    req: &PlanChangeDecision,
    now: DateTime<Utc>,
) -> Result<Vec<Row>, ApiError> {
    let v = &s.ledger;
    let wo = v.work_order(id).ok_or_else(|| unknown_order(id))?;
    let Some(at) = wo.plan_changes.iter().position(|c| c.line.id == *line) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_plan_change",
            format!(
                "{id} has no change of line {line} to decide: it was decided, or changed again (open the order to see)"
            ),
        ));
    };
    rules::replan::may_decide(&wo.plan_changes[at], me).map_err(refused)?;
    let mut order = wo.clone();
    if !req.approve {
        let why = stated(req.reason.as_deref())
            .ok_or_else(|| invalid("say why the change is refused: the planner reads it"))?;
        order.plan_changes[at].refused = Some(PlanChangeRefused {
            by: me.id.clone(),
            at: now,
            why: why.to_owned(),
        });
        return Ok(vec![row(RowKey::WorkOrder(id.clone()), &order)]);
    }
    if !wo.state.status.is_open() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "work_order_status",
            format!("{id} is no longer open: its plan is final"),
        ));
    }
    let mut accepted = order.plan_changes.remove(at).line;
    let most = accepted.planned_max.unwrap_or(accepted.planned);
    // What moved since it was proposed still bounds it.
    if let Some(old) = v.line(&accepted.id) {
        if old.work_order != *id {
            // A line id given on another order since it was proposed.
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "line_id_taken",
                format!(
                    "line {} is now a line of {}: {id}'s planner proposes it again under another id",
                    old.id, old.work_order
                ),
            ));
        }
        check_replan(v, &old, &accepted.item, most)?;
    }
    accepted.approved = Some(most);
    Ok(vec![
        row(RowKey::Line(accepted.id.clone()), &accepted),
        row(RowKey::WorkOrder(id.clone()), &order),
    ])
}
