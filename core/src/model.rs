//! Master data and the state values the ledger projects (design §3, §6).

use crate::ids::*;
use crate::money::Money;
use crate::qty::Qty;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Consumed and written off.
    Material,
    /// Written off as a whole: sparescan never opens a kit into components,
    /// so the rule is the same for every kit.
    Kit,
    /// Checked out for temporary use and returned, never written off.
    Tool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tracking {
    None,
    Batch,
    Serial,
    BatchSerial,
}

impl Tracking {
    pub fn batch(self) -> bool {
        matches!(self, Tracking::Batch | Tracking::BatchSerial)
    }
    pub fn serial(self) -> bool {
        matches!(self, Tracking::Serial | Tracking::BatchSerial)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: ItemId,
    pub name: String,
    /// Unit of measure, e.g. "pcs", "m", "kg".
    pub unit: String,
    pub kind: ItemKind,
    pub tracking: Tracking,
    pub expiry_tracked: bool,
    /// Serial mask, see [`crate::rules::serial_matches`]; `None` accepts any
    /// non-empty serial.
    pub serial_format: Option<String>,
    /// GTINs and other barcodes printed on the item.
    pub barcodes: Vec<String>,
    /// Items allowed in place of this one on any line.
    pub substitutes: Vec<ItemId>,
    pub critical: bool,
    /// The price per unit the ERP gives (its import): what a receipt
    /// without a price of its own is valued at (docs/domain.md, "Costs").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<Money>,
    /// The supplier's standard warranty, in months from the day a unit is
    /// received: what a serial unit received without a warranty date of
    /// its own gets (docs/domain.md, "Warranty").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warranty_months: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warehouse {
    pub id: WarehouseId,
    pub name: String,
    pub site: SiteId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    Storage,
    Returns,
    Quarantine,
    Rejected,
}

impl Zone {
    /// Stock in these zones can be reserved and issued (given a usable
    /// condition). Quarantine and rejected never count as available.
    pub fn is_available(self) -> bool {
        matches!(self, Zone::Storage | Zone::Returns)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bin {
    pub id: BinId,
    pub warehouse: WarehouseId,
    pub zone: Zone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    pub item: ItemId,
    pub code: BatchCode,
    pub expiry: Option<NaiveDate>,
}

impl Batch {
    /// Expired on `day` (usable through its expiry date).
    pub fn expired_on(&self, day: NaiveDate) -> bool {
        self.expiry.is_some_and(|e| e < day)
    }
}

/// Condition of stock. New and opened stock is usable; stock under
/// inspection sits in quarantine until a decision; rejected never returns to
/// available stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    New,
    Opened,
    UnderInspection,
    Rejected,
}

impl Condition {
    pub fn is_usable(self) -> bool {
        matches!(self, Condition::New | Condition::Opened)
    }

    /// Which zones may hold stock of this condition.
    pub fn fits_zone(self, zone: Zone) -> bool {
        match self {
            Condition::New | Condition::Opened => zone.is_available(),
            Condition::UnderInspection => zone == Zone::Quarantine,
            Condition::Rejected => zone == Zone::Rejected,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Asset {
    pub id: AssetId,
    pub name: String,
    pub site: SiteId,
    pub area: String,
    pub custodian: Option<UserId>,
}

/// How soon a request needs someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    /// Production stopped or safety at stake.
    Urgent,
}

/// Who raised a request: a person signed in, or a monitoring system
/// through its own credential (named by the admin who made it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    Person(UserId),
    System(String),
}

impl std::fmt::Display for Requester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Requester::Person(u) => write!(f, "{u}"),
            Requester::System(name) => write!(f, "system {name}"),
        }
    }
}

/// A maintenance request: something is wrong with an asset. A dispatcher
/// turns it into a work order, which keeps the link, or declines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceRequest {
    pub id: RequestId,
    pub site: SiteId,
    pub asset: AssetId,
    /// What the requester saw or the system measured.
    pub symptoms: String,
    pub priority: Priority,
    pub requested_by: Requester,
    pub at: DateTime<Utc>,
    /// The work order made from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_order: Option<WorkOrderId>,
    /// Declined: by whom, when and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declined: Option<Declined>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Declined {
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a dispatcher.
    Open,
    /// A work order was made from it.
    Ordered,
    Declined,
}

impl MaintenanceRequest {
    pub fn status(&self) -> RequestStatus {
        match (&self.work_order, &self.declined) {
            (Some(_), _) => RequestStatus::Ordered,
            (None, Some(_)) => RequestStatus::Declined,
            (None, None) => RequestStatus::Open,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WoStatus {
    Created,
    Approved,
    InProgress,
    AwaitingReturn,
    OnHold,
    Cancelled,
    Closed,
}

impl WoStatus {
    pub const ALL: [WoStatus; 7] = [
        WoStatus::Created,
        WoStatus::Approved,
        WoStatus::InProgress,
        WoStatus::AwaitingReturn,
        WoStatus::OnHold,
        WoStatus::Cancelled,
        WoStatus::Closed,
    ];

    pub fn is_open(self) -> bool {
        !matches!(self, WoStatus::Cancelled | WoStatus::Closed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: TaskId,
    pub title: String,
}

/// The status part of a work order, which the ledger changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WoState {
    pub status: WoStatus,
    /// The status to resume to after a hold.
    pub held_from: Option<WoStatus>,
    /// When work was reported complete (the order may still await
    /// returns); the return deadline runs from here.
    pub completed_at: Option<DateTime<Utc>>,
}

impl WoState {
    pub fn new(status: WoStatus) -> Self {
        WoState {
            status,
            held_from: None,
            completed_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrder {
    pub id: WorkOrderId,
    pub site: SiteId,
    pub asset: AssetId,
    pub scope: String,
    pub performer: Option<UserId>,
    pub created_by: UserId,
    pub approved_by: Option<UserId>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub tasks: Vec<Task>,
    pub state: WoState,
    /// The account the order's repair cost is booked to; a line may name
    /// another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_account: Option<String>,
    /// The maintenance request the order was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    /// The work template the order was planned from: its consumption is
    /// compared with the template's standards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateId>,
    /// Changes to the approved plan beyond what a planner may make alone
    /// ([`crate::rules::replan`]), waiting for an approver, or refused
    /// (kept until the line is changed again, so the planner reads why).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plan_changes: Vec<PlanChange>,
}

/// A line of an approved order as a planner would have it: added, or
/// changed beyond the limits the approval set. The line itself stays as
/// approved until an approver accepts this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanChange {
    /// The line as proposed (a new line's id is already given).
    pub line: DemandLine,
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// Why the plan must change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Set when an approver said no; the line stayed as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<PlanChangeRefused>,
}

/// Who refused a plan change, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanChangeRefused {
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub why: String,
}

/// What a site's reason explains: the article's reason codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// Why parts were written off (consumed, installed).
    WriteOff,
    /// Why a removed unit came off: what was wrong with it.
    Defect,
    /// Why unused parts came back.
    Return,
    /// Why another part was issued in place of the planned one.
    Substitution,
    /// A removed unit still under warranty, going back to the supplier.
    WarrantyReplacement,
}

impl ReasonKind {
    pub const ALL: [ReasonKind; 5] = [
        ReasonKind::WriteOff,
        ReasonKind::Defect,
        ReasonKind::Return,
        ReasonKind::Substitution,
        ReasonKind::WarrantyReplacement,
    ];
}

/// One of the site's reasons: a code, what it explains, and its text in
/// each UI language. Documents name it by code (`Document::reason_code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteReason {
    pub code: ReasonId,
    pub kind: ReasonKind,
    pub text_en: String,
    pub text_ru: String,
    /// The site asks for free text beside the code (`Document::reason`).
    pub free_text: bool,
    /// Withdrawn reasons stay for the documents that name them; new
    /// documents may not.
    pub active: bool,
}

impl SiteReason {
    /// The text in a UI language ("en", "ru"); English otherwise.
    pub fn text(&self, language: &str) -> &str {
        match language {
            "ru" => &self.text_ru,
            _ => &self.text_en,
        }
    }
}

/// A repeatable job: its tasks and what it consumes by standard. A work
/// order planned from it starts with these tasks and lines; what orders
/// from it actually consumed is set against the standards (the article's
/// "repeatability of repairs").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkTemplate {
    pub id: TemplateId,
    pub site: SiteId,
    pub name: String,
    /// The scope a work order from it gets unless it says its own.
    pub scope: String,
    pub tasks: Vec<Task>,
    pub lines: Vec<StandardLine>,
    /// Who last saved it, and when.
    pub saved_by: UserId,
    pub saved_at: DateTime<Utc>,
}

/// One consumption standard of a template: an item and how much of it the
/// job takes — one quantity, or a range when the need shows only on the
/// job ("1–2 filters").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandardLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
    pub item: ItemId,
    /// The standard quantity; the least, for a range.
    pub planned: Qty,
    /// The most, for a range: the order's line is then to be clarified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_max: Option<Qty>,
    pub mandatory: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub substitutes: Vec<ItemId>,
}

/// How one order's consumption of an item compares with its standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Conformity {
    Below,
    Within,
    Above,
}

impl WorkTemplate {
    /// The standard per item, least and most, summed over its lines (an
    /// item may be standard on several tasks). A line that is not mandatory
    /// may be left out on the job: it adds nothing to the least.
    pub fn standard_by_item(&self) -> std::collections::BTreeMap<ItemId, (Qty, Qty)> {
        let mut by = std::collections::BTreeMap::new();
        for l in &self.lines {
            let (min, max) = by.entry(l.item.clone()).or_insert((Qty::ZERO, Qty::ZERO));
            if l.mandatory {
                *min += l.planned;
            }
            *max += l.planned_max.unwrap_or(l.planned);
        }
        by
    }
}

impl Conformity {
    /// Where `actual` falls against a standard from `min` to `max`.
    pub fn of(actual: Qty, min: Qty, max: Qty) -> Conformity {
        if actual < min {
            Conformity::Below
        } else if actual > max {
            Conformity::Above
        } else {
            Conformity::Within
        }
    }
}

/// A spare-parts line of a work order: what the job needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandLine {
    pub id: DemandLineId,
    pub work_order: WorkOrderId,
    pub task: Option<TaskId>,
    pub item: ItemId,
    pub planned: Qty,
    pub unit: String,
    pub mandatory: bool,
    pub substitutes: Vec<ItemId>,
    /// Tolerance over plan in percent; `None` uses the site policy.
    pub tolerance_percent: Option<u32>,
    pub requested_by: UserId,
    /// Created by an additional issue rather than planned.
    pub additional: bool,
    /// Where this line's cost is booked when not to the order's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_account: Option<String>,
    /// A diagnosis that gives a range ("1–2 filters"): the most the job
    /// may need, `planned` being the least. The line is to be clarified
    /// until an engineer settles it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_max: Option<Qty>,
    /// Who settled the line's range, when, and what it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clarified: Option<Clarified>,
    /// The most the order's approver agreed to on this line (planned, or a
    /// range's maximum, when the order or a change of it was approved):
    /// what a later change is measured against. `None`: not approved yet,
    /// or planned before approvals were kept (then the plan is the
    /// measure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Qty>,
}

/// An engineer's settling of a range line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clarified {
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// The range as it was planned.
    pub min: Qty,
    pub max: Qty,
}

impl DemandLine {
    /// What issues on the line may reach before an additional issue is
    /// needed: planned quantity plus the line's tolerance (or the site's);
    /// for a range still to be clarified its maximum (a range is the
    /// allowance; no tolerance on top).
    pub fn ceiling(&self, policy: &SitePolicy) -> Qty {
        if let Some(max) = self.planned_max {
            return max;
        }
        let pct = self.tolerance_percent.unwrap_or(policy.tolerance_percent);
        self.planned.percent(100 + pct)
    }

    /// What issues and open reserves together may reach: the ceiling, but
    /// for a range to be clarified only its minimum — the rest is shown,
    /// never locked, until an engineer settles the line.
    pub fn reserve_ceiling(&self, policy: &SitePolicy) -> Qty {
        if self.planned_max.is_some() {
            self.planned
        } else {
            self.ceiling(policy)
        }
    }

    /// Planned as a range, not settled yet.
    pub fn to_clarify(&self) -> bool {
        self.planned_max.is_some()
    }
}

/// What an item's stock at the site is worth: one moving-average pool per
/// item over every unit the site holds — on shelves in any zone, in work,
/// out as a tool and in transit (docs/domain.md, "Costs").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Valuation {
    pub qty: Qty,
    pub value: Money,
}

impl Valuation {
    /// The moving-average price per unit, to the cent; `None` with nothing
    /// held.
    pub fn unit_cost(&self) -> Option<Money> {
        self.value.per(self.qty)
    }

    /// What `qty` of the held units is worth now.
    pub fn worth(&self, qty: Qty) -> Money {
        self.value.share(qty, self.qty)
    }
}

/// Movement counters of a demand line (design §6.3). In work is derived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineCounts {
    pub issued: Qty,
    pub written_off: Qty,
    pub returned: Qty,
}

impl LineCounts {
    pub fn in_work(&self) -> Qty {
        self.issued - self.written_off - self.returned
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LineCounter {
    Issued,
    WrittenOff,
    Returned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReserveStatus {
    /// Demand exists; nothing locked (order not approved yet, or no stock).
    Created,
    /// The whole open quantity is locked.
    Confirmed,
    /// Part is locked, part is short: the shortfall stays visible.
    PartiallySupplied,
    /// Fully consumed by issues.
    Fulfilled,
    /// Released.
    Cancelled,
}

impl ReserveStatus {
    pub fn is_active(self) -> bool {
        matches!(
            self,
            ReserveStatus::Created | ReserveStatus::Confirmed | ReserveStatus::PartiallySupplied
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reserve {
    pub id: ReserveId,
    pub line: DemandLineId,
    pub work_order: WorkOrderId,
    pub item: ItemId,
    pub warehouse: WarehouseId,
    /// Quantity still wanted from this reserve (requested minus issued).
    pub open: Qty,
    /// Part of `open` that is locked against stock.
    pub locked: Qty,
    /// Released; nothing is locked any more.
    pub cancelled: bool,
    pub created_at: DateTime<Utc>,
}

impl Reserve {
    pub fn shortfall(&self) -> Qty {
        self.open - self.locked
    }

    pub fn status(&self) -> ReserveStatus {
        if self.cancelled {
            ReserveStatus::Cancelled
        } else if self.open.is_zero() {
            ReserveStatus::Fulfilled
        } else if self.locked >= self.open {
            ReserveStatus::Confirmed
        } else if self.locked.is_positive() {
            ReserveStatus::PartiallySupplied
        } else {
            ReserveStatus::Created
        }
    }

    pub fn is_active(&self) -> bool {
        self.status().is_active()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Technician,
    Clerk,
    Supervisor,
    Engineer,
    Dispatcher,
    Controller,
    Accountant,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Technician,
        Role::Clerk,
        Role::Supervisor,
        Role::Engineer,
        Role::Dispatcher,
        Role::Controller,
        Role::Accountant,
        Role::Admin,
    ];

    /// The role as people call it, in English (the handheld and the
    /// console translate it).
    pub fn word(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::Engineer => "engineer",
            Role::Dispatcher => "dispatcher",
            Role::Controller => "controller",
            Role::Accountant => "accountant",
            Role::Admin => "administrator",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub roles: BTreeSet<Role>,
    pub site: SiteId,
    pub active: bool,
}

impl User {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }
}

/// Per-site settings that the rules consult.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SitePolicy {
    /// Issue may exceed plan by this much before it must be an additional
    /// issue.
    pub tolerance_percent: u32,
    /// Technicians may issue to themselves at the shelf; otherwise only a
    /// clerk issues.
    pub self_issue_allowed: bool,
    /// Working days after work completion within which leftovers must be
    /// returned.
    pub return_deadline_working_days: u32,
    /// Items whose serial must be captured at write-off even though the
    /// warehouse does not track them by serial.
    pub serial_required_items: BTreeSet<ItemId>,
    /// The requester or approver of a demand may not issue against it.
    pub separation_of_duties: bool,
    /// Reason codes that are accepted with an exception (a discrepancy for a
    /// controller) instead of refused: the books disagree with a fact.
    pub exceptions: BTreeSet<crate::reason::ReasonCode>,
    /// Days a person's online sign-in on a device lets them sign in there
    /// offline (and sign documents); then they must sign in online again.
    pub offline_sign_in_days: u32,
    /// How many days a device may record offline: a document dated earlier
    /// than this before the server receives it is refused.
    pub offline_limit_days: u32,
    /// Units of measure that move in whole units only (a piece, a kit);
    /// the others take thousandths (metres, litres).
    pub whole_units: BTreeSet<String>,
    /// How far a planner may raise an approved line's quantity, in percent
    /// of what was approved, before the change goes back to an approver.
    pub replan_free_percent: u32,
}

impl Default for SitePolicy {
    fn default() -> Self {
        SitePolicy {
            tolerance_percent: 10,
            self_issue_allowed: true,
            return_deadline_working_days: 2,
            serial_required_items: BTreeSet::new(),
            separation_of_duties: true,
            exceptions: crate::reason::ReasonCode::DEFAULT_EXCEPTIONS
                .iter()
                .copied()
                .collect(),
            offline_sign_in_days: 7,
            offline_limit_days: crate::rules::time::DEFAULT_OFFLINE_LIMIT_DAYS,
            whole_units: crate::rules::units::DEFAULT_WHOLE_UNITS
                .iter()
                .map(|u| (*u).to_owned())
                .collect(),
            replan_free_percent: 10,
        }
    }
}

/// Where quantity in work is held: against a demand line, or against an
/// emergency issue that still waits for its work order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Holding {
    Line(DemandLineId),
    Emergency(DocId),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockKey {
    pub item: ItemId,
    pub bin: BinId,
    pub batch: Option<BatchCode>,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InWorkKey {
    pub holding: Holding,
    pub item: ItemId,
    pub batch: Option<BatchCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SerialKey {
    pub item: ItemId,
    pub serial: SerialNo,
}

/// Where one serial unit is (design §6.4). A unit is in exactly one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SerialState {
    /// On a shelf: available, opened, in quarantine or rejected, by the bin's
    /// zone and the condition.
    InStock {
        bin: BinId,
        batch: Option<BatchCode>,
        condition: Condition,
    },
    /// Handed to a performer for a job.
    InWork {
        holding: Holding,
        work_order: Option<WorkOrderId>,
        holder: UserId,
        batch: Option<BatchCode>,
        condition: Condition,
    },
    Installed {
        asset: AssetId,
        work_order: Option<WorkOrderId>,
        position: Option<String>,
    },
    /// Taken off an asset; with the remover until returned to quarantine.
    Removed {
        asset: AssetId,
        work_order: WorkOrderId,
        holder: UserId,
    },
    InTransit {
        transfer: DocId,
        batch: Option<BatchCode>,
        condition: Condition,
    },
    /// A tool out for temporary use.
    CheckedOut { checkout: DocId, holder: UserId },
}

/// A tool out for temporary use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolOut {
    pub checkout: DocId,
    pub item: ItemId,
    pub serials: Vec<SerialNo>,
    pub qty: Qty,
    pub from: StockKey,
    pub holder: UserId,
    pub work_order: Option<WorkOrderId>,
    pub due: DateTime<Utc>,
}

/// An emergency issue, counted as "issued without an order" until linked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Emergency {
    pub doc: DocId,
    pub item: ItemId,
    pub batch: Option<BatchCode>,
    pub serials: Vec<SerialNo>,
    pub qty: Qty,
    pub asset: Option<AssetId>,
    pub work_order: Option<WorkOrderId>,
    pub approver: UserId,
    pub issued_at: DateTime<Utc>,
    pub linked: Option<(WorkOrderId, DemandLineId)>,
}

/// What an approval request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    /// More than planned, or an item the order did not plan.
    Additional,
    /// Another item in place of a line's own, not listed as its substitute.
    Substitution,
}

/// An additional issue or a substitute asked for at the shelf when no
/// approver is at hand. An approver decides it later in the back office;
/// the issues that follow cite it in place of an approver's PIN, up to the
/// quantity approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// The request document.
    pub request: DocId,
    pub kind: ApprovalKind,
    pub work_order: WorkOrderId,
    /// For a substitution the line it stands in for; for an additional
    /// issue the line it goes beyond, if one.
    pub line: Option<DemandLineId>,
    pub item: ItemId,
    pub qty: Qty,
    /// Why, as the requester gave it (free text or one of the site's
    /// reasons).
    pub reason: Option<String>,
    pub reason_code: Option<ReasonId>,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
    pub decision: Option<ApprovalDecided>,
    /// Issued under the approval so far.
    pub used: Qty,
}

/// An approver's answer to an [`Approval`] request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalDecided {
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub approved: bool,
    /// The approver's reason (required to refuse).
    pub reason: Option<String>,
}

/// Where an approval request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalStatus {
    Waiting,
    Approved,
    Refused,
}

impl Approval {
    pub fn status(&self) -> ApprovalStatus {
        match &self.decision {
            None => ApprovalStatus::Waiting,
            Some(d) if d.approved => ApprovalStatus::Approved,
            Some(_) => ApprovalStatus::Refused,
        }
    }

    /// What may still be issued under it (nothing unless approved).
    pub fn left(&self) -> Qty {
        if self.status() == ApprovalStatus::Approved && self.used < self.qty {
            self.qty - self.used
        } else {
            Qty::ZERO
        }
    }
}

/// Goods between warehouses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transit {
    pub transfer: DocId,
    pub item: ItemId,
    pub batch: Option<BatchCode>,
    pub condition: Condition,
    pub serials: Vec<SerialNo>,
    /// Still in transit.
    pub qty: Qty,
    pub to_warehouse: WarehouseId,
    pub for_reserve: Option<ReserveId>,
}

/// A write-off whose serial capture the site requires but which was recorded
/// without it: blocks closure until corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingSerial {
    pub write_off: DocId,
    pub work_order: WorkOrderId,
    pub line: DemandLineId,
    pub item: ItemId,
    pub missing: u32,
}

/// Books and facts disagree: opened for a controller, never silently
/// adjusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discrepancy {
    pub doc: DocId,
    pub code: crate::reason::ReasonCode,
    pub stock: StockKey,
    /// What the books said.
    pub book: Qty,
    /// What the fact says (counted, or taken).
    pub actual: Qty,
    pub work_order: Option<WorkOrderId>,
}

/// The master data a site starts from; the ledger's projections start from
/// it and change only through documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MasterData {
    pub site: Option<SiteId>,
    /// The site's name as people know it (`sparescan-server init --name`).
    /// Left out of the JSON when unset, so master data stored before it
    /// existed reads, and its MAC checks, as it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub policy: SitePolicy,
    pub items: Vec<Item>,
    pub warehouses: Vec<Warehouse>,
    pub bins: Vec<Bin>,
    pub batches: Vec<Batch>,
    pub assets: Vec<Asset>,
    /// Serial units already installed when the site starts.
    pub installed_base: Vec<(SerialKey, AssetId, Option<String>)>,
    pub users: Vec<User>,
    pub work_orders: Vec<WorkOrder>,
    pub lines: Vec<DemandLine>,
    /// Opening balances of non-serial stock (goods receipt from purchasing
    /// is the ERP's job; sparescan starts from its result).
    pub opening_stock: Vec<(StockKey, Qty)>,
    /// Serial units on the shelves at the start.
    pub opening_serials: Vec<(SerialKey, StockKey)>,
    /// Documents dated on or before this day are refused.
    pub closed_until: Option<NaiveDate>,
    /// Maintenance requests. Left out of the JSON when there are none, so
    /// master data stored before requests existed reads, and its MAC
    /// checks, as it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<MaintenanceRequest>,
    /// Work templates; left out of the JSON when there are none, as
    /// requests are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<WorkTemplate>,
    /// The last day of the warranty of serial units the site has when it
    /// starts (on assets or shelves); later units get theirs with their
    /// receipt. Left out of the JSON when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warranties: Vec<(SerialKey, NaiveDate)>,
    /// The site's reasons. Left out of the JSON when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<SiteReason>,
}
