//! The rules: one entry point, [`evaluate`], takes a read-only view of the
//! state and a document and returns either the effects to apply or a
//! refusal. Pure: the server and the handheld both call it.

pub mod approval;
mod closed;
mod closure;
mod consume;
mod correction;
mod count;
mod hints;
mod issue;
pub mod reasons;
mod receipt;
pub mod replan;
pub mod requests;
mod reserve;
pub mod roles;
mod serial_format;
pub mod status;
pub mod time;
mod tool;
mod transfer;
pub mod units;
pub mod valuation;
mod verify;
pub mod warranty;
mod wo;

pub use closure::closure_blockers;
pub use hints::{fefo_hint, return_deadline};
pub use serial_format::serial_matches;
pub use time::check_times;
pub use tool::overdue_tools;
pub use verify::{EffectsError, check_effects};
pub use wo::next_status;

use crate::document::{Body, Document, Pick};
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::view::{LedgerView, ViewError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use status::Movement;

/// What an accepted document does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub effects: Vec<Effect>,
    /// Books-versus-fact findings accepted under site policy; each opened a
    /// discrepancy for a controller.
    pub exceptions: Vec<ReasonCode>,
}

/// Why the rules did not accept a document: a refusal (a business verdict
/// with a stable code), or a storage failure while reading the state (no
/// verdict at all: nothing is recorded, the document can be tried again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Judgement {
    #[error(transparent)]
    Refused(Refusal),
    #[error(transparent)]
    Storage(ViewError),
}

impl Judgement {
    /// The refusal, if this is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Judgement::Refused(r) => Some(r),
            Judgement::Storage(_) => None,
        }
    }
}

impl From<Refusal> for Judgement {
    fn from(r: Refusal) -> Self {
        Judgement::Refused(r)
    }
}

impl From<ReasonCode> for Judgement {
    fn from(code: ReasonCode) -> Self {
        Judgement::Refused(Refusal::new(code))
    }
}

impl From<ViewError> for Judgement {
    fn from(e: ViewError) -> Self {
        Judgement::Storage(e)
    }
}

/// The verdict of the rules on one document against the current state.
pub fn evaluate(view: &impl LedgerView, doc: &Document) -> Result<Outcome, Judgement> {
    if let Some(prior) = view.accepted(&doc.id)? {
        let code = if prior.doc.same_content(doc) {
            ReasonCode::Duplicate
        } else {
            ReasonCode::IdReused
        };
        return Err(Refusal::new(code).related(doc.id).into());
    }
    let mut ctx = Ctx::new(view, doc)?;
    ctx.run()?;
    let mut effects = ctx.effects;
    verify::within_bounds(view, &effects)?;
    units::check_effects(view, &ctx.policy, &effects)?;
    // Whatever the document, nothing moves on a closed order: this also
    // covers follow-ups and corrections that reach an order indirectly.
    if let Some(wo) = closed::closed_order_touched(view, &effects)? {
        return Err(Refusal::new(ReasonCode::WorkOrderStatus)
            .detail(format!("{wo} is closed: nothing moves on it"))
            .into());
    }
    let values = valuation::value_effects(view, doc, &effects)?;
    effects.extend(values);
    // Every store checks the effects against its state as it applies them
    // (`MemoryLedger::apply_effects`), so they are not checked twice here.
    Ok(Outcome {
        effects,
        exceptions: ctx.exceptions,
    })
}

/// The state of one evaluation.
pub(crate) struct Ctx<'a, V: LedgerView> {
    pub view: &'a V,
    pub doc: &'a Document,
    pub policy: SitePolicy,
    pub effects: Vec<Effect>,
    pub exceptions: Vec<ReasonCode>,
}

pub(crate) type Rule<T = ()> = Result<T, Judgement>;

impl<'a, V: LedgerView> Ctx<'a, V> {
    fn new(view: &'a V, doc: &'a Document) -> Rule<Self> {
        if let Some(site) = view.site()?
            && site != doc.site
        {
            return Err(Refusal::new(ReasonCode::SiteMismatch)
                .detail(format!(
                    "document for site {}, this is site {site}",
                    doc.site
                ))
                .into());
        }
        let author = match view.user(&doc.author)? {
            Some(u) if u.active && u.site == doc.site => u,
            _ => {
                return Err(Refusal::new(ReasonCode::UnknownUser)
                    .detail(&doc.author)
                    .into());
            }
        };
        let policy = view.policy()?;
        roles::check_author(&author, &doc.body, &policy)?;
        if let Some(until) = view.closed_until()?
            && doc.device_time.date_naive() <= until
        {
            return Err(Refusal::new(ReasonCode::PeriodClosed)
                .detail(format!(
                    "dated {}, closed through {until}",
                    doc.device_time.date_naive()
                ))
                .into());
        }
        // A named order must exist, and nothing moves on a closed one (its
        // own status changes answer for themselves).
        if let Some(wo) = &doc.work_order {
            match view.work_order(wo)?.filter(|w| w.site == doc.site) {
                None => return Err(Refusal::new(ReasonCode::UnknownWorkOrder).detail(wo).into()),
                Some(w)
                    if w.state.status == WoStatus::Closed
                        && !matches!(doc.body, Body::WoStatusChange { .. }) =>
                {
                    return Err(Refusal::new(ReasonCode::WorkOrderStatus)
                        .detail(format!("{wo} is closed: nothing moves on it"))
                        .into());
                }
                Some(_) => {}
            }
        }
        if let Some(follows) = doc.follows
            && let Some(code) = view.refused(&follows)?
        {
            return Err(Refusal::new(ReasonCode::ReferenceRefused)
                .detail(format!("document {follows} was refused: {code}"))
                .related(follows)
                .into());
        }
        Ok(Ctx {
            view,
            doc,
            policy,
            effects: Vec::new(),
            exceptions: Vec::new(),
        })
    }

    fn run(&mut self) -> Rule {
        let doc = self.doc;
        reasons::check(self)?;
        match &doc.body {
            Body::Reserve { warehouse, qty } => reserve::reserve(self, warehouse, *qty),
            Body::ReserveConfirm { reserve } => reserve::confirm(self, reserve),
            Body::ReserveRelease { reserve, qty } => reserve::release(self, reserve, *qty),
            Body::Issue { pick, holder } => issue::issue(self, pick, holder.as_ref()),
            Body::SubstitutionIssue {
                pick,
                holder,
                approval,
            } => issue::substitution(self, pick, holder.as_ref(), approval.as_ref()),
            Body::AdditionalIssue {
                pick,
                new_line,
                task,
                holder,
                approval,
            } => issue::additional(
                self,
                pick,
                new_line,
                task.as_ref(),
                holder.as_ref(),
                approval.as_ref(),
            ),
            Body::ApprovalRequest { what, item, qty } => approval::request(self, *what, item, *qty),
            Body::ApprovalDecision { request, approve } => {
                approval::decide(self, request, *approve)
            }
            Body::EmergencyIssue {
                pick,
                asset,
                holder,
            } => issue::emergency(self, pick, asset.as_ref(), holder.as_ref()),
            Body::EmergencyLink { emergency } => issue::link_emergency(self, emergency),
            Body::WriteOff {
                item,
                batch,
                qty,
                installed,
                position,
                removed,
            } => consume::write_off(
                self,
                consume::WriteOff {
                    item,
                    batch: batch.as_ref(),
                    qty: *qty,
                    installed,
                    position: position.as_ref(),
                    removed,
                },
            ),
            Body::Return {
                item,
                batch,
                serials,
                qty,
                condition,
                to_bin,
            } => consume::return_unused(
                self,
                item,
                batch.as_ref(),
                serials,
                *qty,
                *condition,
                to_bin,
            ),
            Body::RemovedUnitReturn {
                item,
                serial,
                condition,
                to_bin,
            } => consume::removed_unit_return(self, item, serial, *condition, to_bin),
            Body::InspectionDecision {
                item,
                from_bin,
                batch,
                serials,
                qty,
                decision,
            } => consume::inspection(
                self,
                item,
                from_bin,
                batch.as_ref(),
                serials,
                *qty,
                decision,
            ),
            Body::TransferOut {
                pick,
                to_warehouse,
                for_reserve,
            } => transfer::transfer_out(self, pick, to_warehouse, for_reserve.as_ref()),
            Body::TransferIn {
                to_bin,
                qty,
                serials,
            } => transfer::transfer_in(self, to_bin, *qty, serials),
            Body::Correction => correction::correction(self),
            Body::WoStatusChange { transition } => wo::status_change(self, *transition),
            Body::ToolCheckout { pick, due, holder } => {
                tool::checkout(self, pick, *due, holder.as_ref())
            }
            Body::ToolReturn { to_bin } => tool::tool_return(self, to_bin),
            Body::Count {
                item,
                bin,
                batch,
                condition,
                counted,
                adjust,
            } => count::count(
                self,
                item,
                bin,
                batch.as_ref(),
                *condition,
                *counted,
                *adjust,
            ),
            Body::PeriodClose { until } => count::period_close(self, *until),
            Body::OpeningBalance { receipt } | Body::GoodsReceipt { receipt } => {
                receipt::receive(self, receipt)
            }
        }
    }

    // ---- shared look-ups, each refusing with its reason code ----

    pub fn day(&self) -> NaiveDate {
        self.doc.device_time.date_naive()
    }

    pub fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// The envelope's work order, which must exist and allow `movement`.
    pub fn work_order_for(&self, movement: Movement) -> Rule<WorkOrder> {
        let id = self
            .doc
            .work_order
            .as_ref()
            .ok_or_else(|| Refusal::new(ReasonCode::NoWorkOrder))?;
        let wo = self.known_work_order(id)?;
        status::require(&wo, movement)?;
        Ok(wo)
    }

    pub fn known_work_order(&self, id: &WorkOrderId) -> Rule<WorkOrder> {
        self.view
            .work_order(id)?
            .filter(|wo| wo.site == self.doc.site)
            .ok_or_else(|| Refusal::new(ReasonCode::UnknownWorkOrder).detail(id).into())
    }

    /// The envelope's demand line, which must belong to `wo`.
    pub fn line_of(&self, wo: &WorkOrder) -> Rule<DemandLine> {
        let id = self
            .doc
            .line
            .as_ref()
            .ok_or_else(|| Refusal::new(ReasonCode::LineRequired))?;
        self.view
            .line(id)?
            .filter(|l| l.work_order == wo.id)
            .ok_or_else(|| {
                Refusal::new(ReasonCode::UnknownLine)
                    .detail(format!("{id} on {}", wo.id))
                    .into()
            })
    }

    pub fn item(&self, id: &ItemId) -> Rule<Item> {
        self.view
            .item(id)?
            .ok_or_else(|| Refusal::new(ReasonCode::UnknownItem).detail(id).into())
    }

    pub fn bin(&self, id: &BinId) -> Rule<Bin> {
        match self.view.bin(id)? {
            Some(b)
                if self
                    .view
                    .warehouse(&b.warehouse)?
                    .is_some_and(|w| w.site == self.doc.site) =>
            {
                Ok(b)
            }
            _ => Err(Refusal::new(ReasonCode::UnknownBin).detail(id).into()),
        }
    }

    pub fn warehouse(&self, id: &WarehouseId) -> Rule<Warehouse> {
        self.view
            .warehouse(id)?
            .filter(|w| w.site == self.doc.site)
            .ok_or_else(|| Refusal::new(ReasonCode::UnknownWarehouse).detail(id).into())
    }

    /// A reason: one of the site's (checked by [`reasons::check`]) or
    /// free text.
    pub fn require_reason(&self) -> Rule {
        if self.doc.reason_code.is_some() {
            return Ok(());
        }
        match self.doc.reason.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => Ok(()),
            _ => Err(ReasonCode::ReasonRequired.into()),
        }
    }

    /// The approver, who must hold one of `roles` and not be the author.
    pub fn require_approver(&self, roles: &[Role]) -> Rule<User> {
        let id = self
            .doc
            .approver
            .as_ref()
            .ok_or_else(|| Refusal::new(ReasonCode::ApproverRequired))?;
        if *id == self.doc.author {
            return Err(ReasonCode::ApproverIsAuthor.into());
        }
        let user = self
            .view
            .user(id)?
            .filter(|u| u.active && u.site == self.doc.site)
            .ok_or_else(|| Refusal::new(ReasonCode::UnknownUser).detail(id))?;
        if !user.has_any(roles) {
            return Err(Refusal::new(ReasonCode::ApproverNotAllowed)
                .detail(format!("{id} is not {}", roles_list(roles)))
                .into());
        }
        Ok(user)
    }

    /// An approver holding one of `roles`, if one was given and qualifies.
    /// A storage failure is no answer: it is passed on.
    pub fn qualified_approver(&self, roles: &[Role]) -> Rule<bool> {
        if self.doc.approver.is_none() {
            return Ok(false);
        }
        match self.require_approver(roles) {
            Ok(_) => Ok(true),
            Err(Judgement::Refused(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn holder(&self, holder: Option<&UserId>) -> Rule<UserId> {
        match holder {
            None => Ok(self.doc.author.clone()),
            Some(h) => self
                .view
                .user(h)?
                .filter(|u| u.active && u.site == self.doc.site)
                .map(|u| u.id)
                .ok_or_else(|| Refusal::new(ReasonCode::UnknownUser).detail(h).into()),
        }
    }

    /// Validates what a pick names — item, bin, batch, serials, quantity —
    /// without looking at where the units are.
    pub fn check_pick(&self, pick: &Pick) -> Rule<(Item, Bin)> {
        let item = self.item(&pick.item)?;
        let bin = self.bin(&pick.bin)?;
        if !pick.condition.is_usable() || !pick.condition.fits_zone(bin.zone) {
            return Err(Refusal::new(ReasonCode::ZoneMismatch)
                .detail(format!("bin {} is {:?}", bin.id, bin.zone))
                .into());
        }
        self.check_batch(&item, pick.batch.as_ref(), true)?;
        self.check_serials(&item, &pick.serials, pick.qty)?;
        Ok((item, bin))
    }

    /// Batch present where the item needs one, known, and (when `usable`)
    /// not expired.
    pub fn check_batch(&self, item: &Item, batch: Option<&BatchCode>, usable: bool) -> Rule {
        let Some(code) = batch else {
            if item.tracking.batch() {
                return Err(Refusal::new(ReasonCode::BatchRequired)
                    .detail(&item.id)
                    .into());
            }
            return Ok(());
        };
        let batch = self.view.batch(&item.id, code)?.ok_or_else(|| {
            Refusal::new(ReasonCode::UnknownBatch).detail(format!("{} batch {code}", item.id))
        })?;
        if usable && item.expiry_tracked && batch.expired_on(self.day()) {
            return Err(Refusal::new(ReasonCode::BatchExpired)
                .detail(format!(
                    "batch {code} expired {}",
                    batch.expiry.map(|d| d.to_string()).unwrap_or_default()
                ))
                .into());
        }
        Ok(())
    }

    /// Quantity positive; for serial items whole and one serial per unit,
    /// each serial well-formed and listed once.
    pub fn check_serials(&self, item: &Item, serials: &[SerialNo], qty: Qty) -> Rule {
        check_qty(qty)?;
        if !item.tracking.serial() {
            if !serials.is_empty() {
                return Err(Refusal::new(ReasonCode::SerialNotTracked)
                    .detail(&item.id)
                    .into());
            }
            return Ok(());
        }
        if serials.is_empty() {
            return Err(Refusal::new(ReasonCode::SerialRequired)
                .detail(&item.id)
                .into());
        }
        if !qty.is_whole() || qty != Qty::units(serials.len() as i64) {
            return Err(Refusal::new(ReasonCode::SerialCountMismatch)
                .detail(format!("quantity {qty}, {} serial(s)", serials.len()))
                .into());
        }
        self.check_serial_labels(item, serials)
    }

    pub fn check_serial_labels(&self, item: &Item, serials: &[SerialNo]) -> Rule {
        let mut seen = std::collections::BTreeSet::new();
        for s in serials {
            if !serial_matches(item.serial_format.as_deref(), s.as_str()) {
                return Err(Refusal::new(ReasonCode::SerialFormat)
                    .detail(format!(
                        "{s} does not match {}",
                        item.serial_format
                            .as_deref()
                            .unwrap_or("a non-empty serial")
                    ))
                    .into());
            }
            if !seen.insert(s) {
                return Err(Refusal::new(ReasonCode::SerialRepeated).detail(s).into());
            }
        }
        Ok(())
    }

    /// Refuses `code`, or — where site policy accepts it as an exception —
    /// notes it and lets the caller record the fact.
    pub fn exception_or_refuse(&mut self, code: ReasonCode, detail: String) -> Rule {
        if self.policy.exceptions.contains(&code) && ReasonCode::EXCEPTIONABLE.contains(&code) {
            self.exceptions.push(code);
            Ok(())
        } else {
            Err(Refusal::new(code).detail(detail).into())
        }
    }

    /// Takes the pick off the shelf: stock decreases, serial units leave
    /// their bin for `to`. A shortfall in the books is a fact accepted with
    /// an exception (per policy): the bin goes to zero and a discrepancy
    /// opens.
    pub fn take_from_shelf(
        &mut self,
        pick: &Pick,
        item: &Item,
        to: impl Fn(&Option<BatchCode>, Condition) -> SerialState,
    ) -> Rule {
        let key = StockKey {
            item: pick.item.clone(),
            bin: pick.bin.clone(),
            batch: pick.batch.clone(),
            condition: pick.condition,
        };
        if item.tracking.serial() {
            // Serial units are counted in stock rows too, per batch.
            let mut by_batch: std::collections::BTreeMap<Option<BatchCode>, Qty> =
                Default::default();
            for serial in &pick.serials {
                let skey = SerialKey {
                    item: item.id.clone(),
                    serial: serial.clone(),
                };
                let state = self.view.serial(&skey)?;
                match &state {
                    Some(SerialState::InStock {
                        bin,
                        batch,
                        condition,
                    }) if *bin == pick.bin
                        && *condition == pick.condition
                        && (pick.batch.is_none() || *batch == pick.batch) =>
                    {
                        *by_batch.entry(batch.clone()).or_default() += Qty::units(1);
                        let after = to(batch, *condition);
                        self.push(Effect::Serial {
                            key: skey,
                            before: state,
                            after: Some(after),
                        });
                    }
                    Some(SerialState::InStock { bin, condition, .. }) => {
                        return Err(Refusal::new(ReasonCode::SerialNotInBin)
                            .detail(format!("{serial} is in bin {bin} ({condition:?})"))
                            .into());
                    }
                    Some(other) => {
                        return Err(Refusal::new(ReasonCode::SerialHeldElsewhere)
                            .detail(describe_serial(serial, other))
                            .into());
                    }
                    None => {
                        return Err(Refusal::new(ReasonCode::SerialUnknown)
                            .detail(serial)
                            .into());
                    }
                }
            }
            for (batch, n) in by_batch {
                self.push(Effect::Stock {
                    key: StockKey {
                        batch,
                        ..key.clone()
                    },
                    delta: -n,
                });
            }
            return Ok(());
        }
        let on_hand = self.view.stock(&key)?;
        let mut take = pick.qty;
        if on_hand < pick.qty {
            self.exception_or_refuse(
                ReasonCode::StockShortfall,
                format!("bin {} shows {on_hand}, taking {}", pick.bin, pick.qty),
            )?;
            self.push(Effect::Discrepancy(Discrepancy {
                doc: self.doc.id,
                code: ReasonCode::StockShortfall,
                stock: key.clone(),
                book: on_hand,
                actual: pick.qty,
                work_order: self.doc.work_order.clone(),
            }));
            take = on_hand;
        }
        if take.is_positive() {
            self.push(Effect::Stock { key, delta: -take });
        }
        Ok(())
    }

    /// Stock reserved for other lines may not be taken (per policy).
    pub fn check_free_for(
        &mut self,
        pick: &Pick,
        bin: &Bin,
        own_line: Option<&DemandLineId>,
    ) -> Rule {
        let usable = reserve::usable_qty(self, &pick.item, &bin.warehouse)?;
        let locked = self.view.locked(&pick.item, &bin.warehouse)?;
        let own: Qty = match own_line {
            Some(l) => self
                .view
                .reserves_of_line(l)?
                .iter()
                .filter(|r| r.is_active() && r.warehouse == bin.warehouse)
                .map(|r| r.locked)
                .sum(),
            None => Qty::ZERO,
        };
        let free = usable - locked + own;
        let taking = pick.qty.min(self.view.stock(&StockKey {
            item: pick.item.clone(),
            bin: pick.bin.clone(),
            batch: pick.batch.clone(),
            condition: pick.condition,
        })?);
        let taking = if pick.serials.is_empty() {
            taking
        } else {
            pick.qty
        };
        if taking > free {
            self.exception_or_refuse(
                ReasonCode::ReservedForOtherOrder,
                format!(
                    "{} free of {} at {}, taking {taking}",
                    free.max(Qty::ZERO),
                    pick.item,
                    bin.warehouse
                ),
            )?;
        }
        Ok(())
    }
}

pub(crate) fn check_qty(qty: Qty) -> Rule {
    if qty.is_positive() {
        Ok(())
    } else {
        Err(Refusal::new(ReasonCode::QuantityInvalid).detail(qty).into())
    }
}

pub(crate) fn roles_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| format!("{r:?}").to_lowercase())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Where a serial unit is, in words: names the holder and the order.
pub fn describe_serial(serial: &SerialNo, state: &SerialState) -> String {
    match state {
        SerialState::InStock { bin, condition, .. } => {
            format!("{serial} is in bin {bin} ({condition:?})")
        }
        SerialState::InWork {
            holder, work_order, ..
        } => match work_order {
            Some(wo) => format!("{serial} is in work with {holder} on {wo}"),
            None => format!("{serial} is with {holder} on an emergency issue"),
        },
        SerialState::Installed { asset, .. } => format!("{serial} is installed on asset {asset}"),
        SerialState::Removed {
            holder, work_order, ..
        } => format!("{serial} was removed on {work_order} and is with {holder}"),
        SerialState::InTransit { transfer, .. } => {
            format!("{serial} is in transit on transfer {transfer}")
        }
        SerialState::CheckedOut { holder, .. } => format!("{serial} is checked out to {holder}"),
    }
}
