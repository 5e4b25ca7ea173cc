//! The work-order card: the order, its lines with their accounting
//! (design §6.3), its reserves with status and shortfall, and the closure
//! blockers — everything a planner or supervisor needs on one page.

use crate::api::{ApiError, AppState};
use crate::ledger::SiteState;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sparescan_core::ids::*;
use sparescan_core::memory::infallible;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::Blocker;
use sparescan_core::rules;

/// The work-order card: everything a planner or supervisor needs on one
/// page, closure blockers included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssetCard {
    pub id: AssetId,
    pub name: Option<String>,
    pub area: Option<String>,
}

/// A demand line with its accounting (design §6.3).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockerCard {
    #[serde(flatten)]
    pub blocker: Blocker,
    /// What it is and what to do, in words.
    pub message: String,
}

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
        lines.push(LineCard {
            item_name: v.item(&l.item).map(|i| i.name),
            ceiling: l.ceiling(&policy),
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
    let blockers = infallible(rules::closure_blockers(v, id))
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

pub(super) fn read_card(
    state: &AppState,
    site: &SiteId,
    id: &WorkOrderId,
) -> Result<Card, ApiError> {
    state
        .ledger
        .read(site, |s| card(s, id))?
        .ok_or_else(|| unknown_order(id))
}

pub(super) fn unknown_order(id: &WorkOrderId) -> ApiError {
    ApiError::not_found(format!(
        "work order {id} does not exist at this site: check the number"
    ))
}
