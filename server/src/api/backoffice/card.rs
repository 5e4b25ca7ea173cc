//! The work-order card: the order, its lines with their accounting
//! (design §6.3), its reserves with status and shortfall, the closure
//! blockers, its repair cost so far and the substitutes issued —
//! everything a planner or supervisor needs on one page.

use crate::api::{ApiError, AppState};
use crate::ledger::SiteState;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sparescan_core::document::{Body, DocKind};
use sparescan_core::effect::Effect;
use sparescan_core::ids::*;
use sparescan_core::memory::infallible;
use sparescan_core::model::*;
use sparescan_core::money::Money;
use sparescan_core::qty::Qty;
use sparescan_core::reason::Blocker;
use sparescan_core::rules;
use sparescan_core::view::Accepted;
use std::collections::HashMap;

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
    /// The account the order's repair cost is booked to.
    pub cost_account: Option<String>,
    /// The maintenance request it was made from.
    pub request: Option<RequestId>,
    /// The work template it was planned from.
    pub template: Option<TemplateId>,
    pub lines: Vec<LineCard>,
    pub reserves: Vec<ReserveCard>,
    /// Empty when the order may be closed (status permitting).
    pub blockers: Vec<BlockerCard>,
    /// What its write-offs took from stock so far, at the item's cost
    /// when each was recorded: the order's repair cost
    /// (`docs/domain.md`, settlement 15; the repair-cost report).
    pub cost: Money,
    /// Substitutes issued on its lines: the line's item beside the
    /// substitute, why and who approved.
    pub substitutions: Vec<SubstitutionCard>,
    /// Changes to the approved plan beyond the planner's limits, waiting
    /// for an approver or refused.
    pub plan_changes: Vec<PlanChange>,
}

/// A substitute issued in place of a line's item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubstitutionCard {
    pub doc: DocId,
    pub device_time: DateTime<Utc>,
    pub author: UserId,
    pub line: Option<DemandLineId>,
    /// The item the line plans.
    pub line_item: Option<ItemId>,
    /// The substitute issued.
    pub item: ItemId,
    pub qty: Qty,
    pub reason: Option<String>,
    pub approver: Option<UserId>,
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
    /// The line's own cost account; `None` books to the order's.
    pub cost_account: Option<String>,
    /// A range to be clarified: its most (`planned` is its least).
    pub planned_max: Option<Qty>,
    /// The part of the range no reserve locks until an engineer settles
    /// the line (`planned_max` − `planned`).
    pub to_clarify: Option<Qty>,
    /// Who settled the line's range, when, and what it was.
    pub clarified: Option<Clarified>,
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
            cost_account: l.cost_account,
            planned_max: l.planned_max,
            to_clarify: l.planned_max.map(|max| max - l.planned),
            clarified: l.clarified,
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
        cost_account: wo.cost_account,
        request: wo.request,
        template: wo.template,
        plan_changes: wo.plan_changes,
        lines,
        reserves,
        blockers,
        cost: Money::ZERO,
        substitutions: Vec::new(),
    })
}

impl Card {
    /// What the order's documents add: its repair cost and substitutions.
    /// Reversed documents and corrections do not count.
    fn add_documents(&mut self, docs: &[Accepted]) {
        let line_items: HashMap<&DemandLineId, &ItemId> =
            self.lines.iter().map(|l| (&l.id, &l.item)).collect();
        let mut substitutions = Vec::new();
        for acc in docs {
            if acc.reversed_by.is_some() || acc.doc.kind() == DocKind::Correction {
                continue;
            }
            match &acc.doc.body {
                Body::WriteOff { .. } => self.cost += Effect::value_taken(&acc.effects),
                Body::SubstitutionIssue { pick, .. } => substitutions.push(SubstitutionCard {
                    doc: acc.doc.id,
                    device_time: acc.doc.device_time,
                    author: acc.doc.author.clone(),
                    line: acc.doc.line.clone(),
                    line_item: acc
                        .doc
                        .line
                        .as_ref()
                        .and_then(|l| line_items.get(l))
                        .map(|i| (*i).clone()),
                    item: pick.item.clone(),
                    qty: pick.qty,
                    reason: acc.doc.reason.clone(),
                    approver: acc.doc.approver.clone(),
                }),
                _ => {}
            }
        }
        self.substitutions = substitutions;
    }
}

pub(super) async fn read_card(
    state: &AppState,
    site: &SiteId,
    id: &WorkOrderId,
) -> Result<Card, ApiError> {
    let mut card = state
        .ledger
        .read(site, |s| card(s, id))?
        .ok_or_else(|| unknown_order(id))?;
    let (site, wo) = (site.clone(), id.clone());
    let docs = state
        .readers
        .with(move |s| Ok(s.order_documents(&site, wo.as_str())?))
        .await?;
    card.add_documents(&docs);
    Ok(card)
}

pub(super) fn unknown_order(id: &WorkOrderId) -> ApiError {
    ApiError::not_found(format!(
        "work order {id} does not exist at this site: check the number"
    ))
}
