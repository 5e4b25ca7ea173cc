//! An in-memory ledger: the view the rules read and the projections they
//! change. The handheld replays its outbox through it; tests use it
//! everywhere.

use crate::document::Document;
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::{ReasonCode, Refusal};
use crate::rules::{self, Outcome};
use crate::view::{Accepted, LedgerView, ViewError};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod rows;
pub use rows::{RowError, touched, touched_by};

/// Everything the documents change. Two ledgers that accepted the same
/// documents from the same master data have equal projections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projections {
    pub work_orders: BTreeMap<WorkOrderId, WorkOrder>,
    pub lines: BTreeMap<DemandLineId, DemandLine>,
    pub counts: BTreeMap<DemandLineId, LineCounts>,
    pub stock: BTreeMap<StockKey, Qty>,
    pub in_work: BTreeMap<InWorkKey, Qty>,
    pub issue_open: BTreeMap<DocId, Qty>,
    pub serials: BTreeMap<SerialKey, SerialState>,
    pub reserves: BTreeMap<ReserveId, Reserve>,
    pub tools: BTreeMap<DocId, ToolOut>,
    pub emergencies: BTreeMap<DocId, Emergency>,
    pub approvals: BTreeMap<DocId, Approval>,
    pub transits: BTreeMap<DocId, Transit>,
    pub missing_serials: BTreeMap<DocId, MissingSerial>,
    pub discrepancies: BTreeMap<DocId, Discrepancy>,
    pub closed_until: Option<NaiveDate>,
    pub reversed: BTreeMap<DocId, DocId>,
    /// What each item's stock is worth ([`crate::rules::valuation`]).
    pub values: BTreeMap<ItemId, Valuation>,
    /// The last day of each serial unit's warranty, where one is known.
    pub warranties: BTreeMap<SerialKey, NaiveDate>,
    /// Lots first known from their receipt (not in master data).
    pub received_batches: BTreeMap<(ItemId, BatchCode), Batch>,
}

/// Master data indexed for look-ups; changes only outside the ledger.
#[derive(Debug, Clone, Default)]
struct Catalog {
    site: Option<SiteId>,
    policy: SitePolicy,
    items: HashMap<ItemId, Item>,
    warehouses: HashMap<WarehouseId, Warehouse>,
    bins: HashMap<BinId, Bin>,
    batches: HashMap<(ItemId, BatchCode), Batch>,
    assets: HashMap<AssetId, Asset>,
    users: HashMap<UserId, User>,
    requests: BTreeMap<RequestId, MaintenanceRequest>,
    templates: BTreeMap<TemplateId, WorkTemplate>,
    reasons: BTreeMap<ReasonId, SiteReason>,
}

/// Secondary indexes over the projections, so every look-up the rules make
/// is a range or a hash probe, never a scan of the whole state.
#[derive(Debug, Clone, Default)]
struct Indexes {
    lines_by_wo: HashMap<WorkOrderId, BTreeSet<DemandLineId>>,
    reserves_by_line: HashMap<DemandLineId, BTreeSet<ReserveId>>,
    reserves_by_item: HashMap<ItemId, BTreeSet<ReserveId>>,
    removed_by_wo: HashMap<WorkOrderId, BTreeSet<SerialKey>>,
}

impl Indexes {
    fn line(&mut self, before: Option<&DemandLine>, after: Option<&DemandLine>) {
        if let Some(l) = before
            && let Some(set) = self.lines_by_wo.get_mut(&l.work_order)
        {
            set.remove(&l.id);
        }
        if let Some(l) = after {
            self.lines_by_wo
                .entry(l.work_order.clone())
                .or_default()
                .insert(l.id.clone());
        }
    }

    fn reserve(&mut self, before: Option<&Reserve>, after: Option<&Reserve>) {
        if let Some(r) = before {
            if let Some(set) = self.reserves_by_line.get_mut(&r.line) {
                set.remove(&r.id);
            }
            if let Some(set) = self.reserves_by_item.get_mut(&r.item) {
                set.remove(&r.id);
            }
        }
        if let Some(r) = after {
            self.reserves_by_line
                .entry(r.line.clone())
                .or_default()
                .insert(r.id);
            self.reserves_by_item
                .entry(r.item.clone())
                .or_default()
                .insert(r.id);
        }
    }

    fn serial(
        &mut self,
        key: &SerialKey,
        before: Option<&SerialState>,
        after: Option<&SerialState>,
    ) {
        if let Some(SerialState::Removed { work_order, .. }) = before
            && let Some(set) = self.removed_by_wo.get_mut(work_order)
        {
            set.remove(key);
        }
        if let Some(SerialState::Removed { work_order, .. }) = after {
            self.removed_by_wo
                .entry(work_order.clone())
                .or_default()
                .insert(key.clone());
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    catalog: Catalog,
    index: Indexes,
    master: MasterData,
    proj: Projections,
    /// Documents this ledger recorded (in `order`) and followable ones
    /// kept from elsewhere (see [`MemoryLedger::keep_accepted`]).
    docs: HashMap<DocId, Accepted>,
    order: Vec<DocId>,
    refused: HashMap<DocId, ReasonCode>,
    /// Whether this ledger values stock (`Projections::values`). One built
    /// from master data does, and the server's once it restored its
    /// values; one built from rows alone — what a device holds — does not,
    /// and judges as a device does, without values.
    values_kept: bool,
}

/// A store refused to apply an outcome: the rules and the state disagree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("outcome does not apply to the current state: {0}")]
pub struct ApplyError(pub String);

impl MemoryLedger {
    pub fn new(master: MasterData) -> Self {
        let mut catalog = Catalog {
            site: master.site.clone(),
            policy: master.policy.clone(),
            ..Catalog::default()
        };
        for i in &master.items {
            catalog.items.insert(i.id.clone(), i.clone());
        }
        for w in &master.warehouses {
            catalog.warehouses.insert(w.id.clone(), w.clone());
        }
        for b in &master.bins {
            catalog.bins.insert(b.id.clone(), b.clone());
        }
        for b in &master.batches {
            catalog
                .batches
                .insert((b.item.clone(), b.code.clone()), b.clone());
        }
        for a in &master.assets {
            catalog.assets.insert(a.id.clone(), a.clone());
        }
        for u in &master.users {
            catalog.users.insert(u.id.clone(), u.clone());
        }
        for r in &master.requests {
            catalog.requests.insert(r.id.clone(), r.clone());
        }
        for t in &master.templates {
            catalog.templates.insert(t.id.clone(), t.clone());
        }
        for r in &master.reasons {
            catalog.reasons.insert(r.code.clone(), r.clone());
        }
        let mut proj = Projections {
            closed_until: master.closed_until,
            warranties: master.warranties.iter().cloned().collect(),
            ..Projections::default()
        };
        for wo in &master.work_orders {
            proj.work_orders.insert(wo.id.clone(), wo.clone());
        }
        for l in &master.lines {
            proj.lines.insert(l.id.clone(), l.clone());
        }
        for (key, qty) in &master.opening_stock {
            *proj.stock.entry(key.clone()).or_default() += *qty;
        }
        for (skey, at) in &master.opening_serials {
            proj.serials.insert(
                skey.clone(),
                SerialState::InStock {
                    bin: at.bin.clone(),
                    batch: at.batch.clone(),
                    condition: at.condition,
                },
            );
            *proj.stock.entry(at.clone()).or_default() += Qty::units(1);
        }
        for (skey, asset, position) in &master.installed_base {
            proj.serials.insert(
                skey.clone(),
                SerialState::Installed {
                    asset: asset.clone(),
                    work_order: None,
                    position: position.clone(),
                },
            );
        }
        let mut index = Indexes::default();
        for l in proj.lines.values() {
            index.line(None, Some(l));
        }
        for (k, state) in &proj.serials {
            index.serial(k, None, Some(state));
        }
        let mut ledger = MemoryLedger {
            catalog,
            index,
            master,
            proj,
            ..MemoryLedger::default()
        };
        ledger.restore_valuations([]);
        ledger
    }

    /// Sets what each item's stock is worth, as a store kept it. An item
    /// the site holds with no value kept (stock that came with the master
    /// data, or recorded before values were) is valued at its ERP price,
    /// or at nothing until one is known.
    pub fn restore_valuations(&mut self, kept: impl IntoIterator<Item = (ItemId, Valuation)>) {
        self.values_kept = true;
        self.proj.values = kept.into_iter().collect();
        for (item, qty) in self.held_by_item() {
            if qty.is_zero() || self.proj.values.contains_key(&item) {
                continue;
            }
            let price = self.catalog.items.get(&item).and_then(|i| i.unit_cost);
            let value = price.map(|p| p.times(qty)).unwrap_or_default();
            self.proj.values.insert(item, Valuation { qty, value });
        }
    }

    /// What the site's stock of `item` is worth now.
    pub fn valuation_of(&self, item: &ItemId) -> Valuation {
        self.proj.values.get(item).copied().unwrap_or_default()
    }

    /// Every unit of each item the site holds: on shelves, in work, tools
    /// out and in transit.
    fn held_by_item(&self) -> BTreeMap<ItemId, Qty> {
        let p = &self.proj;
        let mut held: BTreeMap<ItemId, Qty> = BTreeMap::new();
        let stock = p.stock.iter().map(|(k, q)| (&k.item, *q));
        let in_work = p.in_work.iter().map(|(k, q)| (&k.item, *q));
        let tools = p.tools.values().map(|t| (&t.item, t.qty));
        let transits = p.transits.values().map(|t| (&t.item, t.qty));
        for (item, q) in stock.chain(in_work).chain(tools).chain(transits) {
            *held.entry(item.clone()).or_default() += q;
        }
        held
    }

    /// A work order created (or its plan changed) in the back office: master
    /// data, not a movement, so it is kept with the master data and
    /// survives a replay.
    pub fn upsert_work_order(&mut self, wo: WorkOrder, lines: Vec<DemandLine>) {
        // Master data keeps the state the order started in; the ledger's
        // status changes are replayed on top of it.
        let initial = self
            .master
            .work_orders
            .iter()
            .find(|w| w.id == wo.id)
            .map(|w| w.state.clone())
            .unwrap_or_else(|| wo.state.clone());
        self.master.work_orders.retain(|w| w.id != wo.id);
        self.master.work_orders.push(WorkOrder {
            state: initial,
            ..wo.clone()
        });
        let state = self
            .proj
            .work_orders
            .get(&wo.id)
            .map(|w| w.state.clone())
            .unwrap_or_else(|| wo.state.clone());
        self.proj
            .work_orders
            .insert(wo.id.clone(), WorkOrder { state, ..wo });
        for line in lines {
            self.master.lines.retain(|l| l.id != line.id);
            self.master.lines.push(line.clone());
            self.index.line(self.proj.lines.get(&line.id), Some(&line));
            self.proj.lines.insert(line.id.clone(), line);
        }
    }

    pub fn master(&self) -> &MasterData {
        &self.master
    }

    pub fn projections(&self) -> &Projections {
        &self.proj
    }

    /// Accepted documents in ledger order: the ones this ledger recorded,
    /// not those kept from elsewhere.
    pub fn accepted_docs(&self) -> impl Iterator<Item = &Accepted> {
        self.order.iter().filter_map(|id| self.docs.get(id))
    }

    /// Keeps a followable document accepted elsewhere (by a store that
    /// keeps its ledger itself, or pulled as a row) so documents that
    /// follow it can be judged here. Its effects are already in the
    /// projections: it stays out of the ledger's order, so replay and
    /// [`MemoryLedger::accepted_docs`] never apply it twice. A document
    /// this ledger recorded itself is left as it is; other kinds are not
    /// kept (false).
    pub fn keep_accepted(&mut self, mut accepted: Accepted) -> bool {
        let id = accepted.doc.id;
        if !accepted.doc.kind().is_followable() || self.is_recorded(&id) {
            return false;
        }
        // A reversal applied before the document arrived still counts.
        accepted.reversed_by = self
            .proj
            .reversed
            .get(&id)
            .copied()
            .or(accepted.reversed_by);
        self.docs.insert(id, accepted);
        true
    }

    /// Whether this ledger recorded the document itself (it is in
    /// `order`). `record` stores a document's position in `order` as its
    /// seq, so one probe tells; a kept document's seq is its source's.
    fn is_recorded(&self, id: &DocId) -> bool {
        self.docs.get(id).is_some_and(|a| {
            usize::try_from(a.seq)
                .ok()
                .and_then(|s| s.checked_sub(1))
                .and_then(|i| self.order.get(i))
                == Some(id)
        })
    }

    /// Evaluates `doc` and, if accepted, applies it. A refusal is
    /// remembered so documents that follow it are refused naming it.
    pub fn submit(&mut self, doc: Document) -> Result<Outcome, Refusal> {
        match rules::evaluate(self, &doc).map_err(never_storage) {
            Ok(outcome) => {
                self.record(doc, &outcome)
                    .map_err(|e| Refusal::new(ReasonCode::NotReversible).detail(e.0))?;
                Ok(outcome)
            }
            Err(refusal) => {
                if !matches!(refusal.code, ReasonCode::Duplicate | ReasonCode::IdReused) {
                    self.refused.insert(doc.id, refusal.code);
                }
                Err(refusal)
            }
        }
    }

    /// Applies an outcome the rules produced for `doc` (as a store does
    /// after evaluating it itself).
    pub fn record(&mut self, doc: Document, outcome: &Outcome) -> Result<(), ApplyError> {
        self.apply_effects(doc.id, &outcome.effects)?;
        let seq = self.order.len() as u64 + 1;
        self.order.push(doc.id);
        self.refused.remove(&doc.id);
        self.docs.insert(
            doc.id,
            Accepted {
                doc,
                effects: outcome.effects.clone(),
                seq,
                reversed_by: None,
            },
        );
        Ok(())
    }

    /// Applies the effects of document `by` to the projections without
    /// keeping the document (a store that keeps its ledger elsewhere).
    pub fn apply_effects(&mut self, by: DocId, effects: &[Effect]) -> Result<(), ApplyError> {
        rules::check_effects(self, effects).map_err(|e| ApplyError(e.to_string()))?;
        for e in effects {
            self.apply(e, by);
        }
        Ok(())
    }

    fn apply(&mut self, e: &Effect, by: DocId) {
        fn add<K: Ord + Clone>(map: &mut BTreeMap<K, Qty>, key: &K, delta: Qty) {
            let v = map.entry(key.clone()).or_default();
            *v += delta;
            if v.is_zero() {
                map.remove(key);
            }
        }
        fn put<K: Ord + Clone, V: Clone>(map: &mut BTreeMap<K, V>, key: &K, after: Option<&V>) {
            match after {
                Some(v) => {
                    map.insert(key.clone(), v.clone());
                }
                None => {
                    map.remove(key);
                }
            }
        }
        let p = &mut self.proj;
        match e {
            Effect::Stock { key, delta } => add(&mut p.stock, key, *delta),
            Effect::InWork { key, delta } => add(&mut p.in_work, key, *delta),
            Effect::IssueOpen { issue, delta } => add(&mut p.issue_open, issue, *delta),
            Effect::LineCount {
                line,
                counter,
                delta,
            } => {
                let c = p.counts.entry(line.clone()).or_default();
                match counter {
                    LineCounter::Issued => c.issued += *delta,
                    LineCounter::WrittenOff => c.written_off += *delta,
                    LineCounter::Returned => c.returned += *delta,
                }
                if *c == LineCounts::default() {
                    p.counts.remove(line);
                }
            }
            Effect::Serial { key, after, .. } => {
                self.index.serial(key, p.serials.get(key), after.as_ref());
                put(&mut p.serials, key, after.as_ref());
            }
            Effect::Line { id, after, .. } => {
                self.index.line(p.lines.get(id), after.as_deref());
                put(&mut p.lines, id, after.as_deref());
            }
            Effect::Reserve { id, after, .. } => {
                self.index.reserve(p.reserves.get(id), after.as_deref());
                put(&mut p.reserves, id, after.as_deref());
            }
            Effect::ReserveQty { id, open, locked } => {
                if let Some(r) = p.reserves.get_mut(id) {
                    r.open += *open;
                    r.locked += *locked;
                }
            }
            Effect::ReserveCancelled { id, cancelled } => {
                if let Some(r) = p.reserves.get_mut(id) {
                    r.cancelled = *cancelled;
                }
            }
            Effect::WorkOrder { id, after, .. } => {
                if let Some(wo) = p.work_orders.get_mut(id) {
                    wo.state = after.clone();
                }
            }
            Effect::Tool {
                checkout, after, ..
            } => put(&mut p.tools, checkout, after.as_deref()),
            Effect::Emergency { doc, after, .. } => put(&mut p.emergencies, doc, after.as_deref()),
            Effect::Approval { request, after, .. } => {
                put(&mut p.approvals, request, after.as_deref())
            }
            Effect::Transit {
                transfer, after, ..
            } => put(&mut p.transits, transfer, after.as_deref()),
            Effect::TransitQty { transfer, delta } => {
                if let Some(t) = p.transits.get_mut(transfer) {
                    t.qty += *delta;
                }
            }
            Effect::MissingSerial {
                write_off, after, ..
            } => put(&mut p.missing_serials, write_off, after.as_deref()),
            Effect::Warranty { key, after, .. } => put(&mut p.warranties, key, after.as_ref()),
            Effect::ReceivedBatch { key, after, .. } => {
                put(&mut p.received_batches, key, after.as_ref())
            }
            Effect::Discrepancy(d) => {
                p.discrepancies.insert(d.doc, d.clone());
            }
            Effect::PeriodClosed { after, .. } => p.closed_until = Some(*after),
            Effect::Value {
                item,
                stock_qty,
                stock_value,
                ..
            } => {
                let v = p.values.entry(item.clone()).or_default();
                v.qty += *stock_qty;
                v.value += *stock_value;
                if *v == Valuation::default() {
                    p.values.remove(item);
                }
            }
            Effect::Reversed { doc, by: reverser } => {
                let by = reverser.unwrap_or(by);
                p.reversed.insert(*doc, by);
                if let Some(a) = self.docs.get_mut(doc) {
                    a.reversed_by = Some(by);
                }
            }
        }
    }

    /// Rebuilds the projections from master data by re-applying every
    /// accepted document's stored effects, in ledger order.
    pub fn replay_effects(&self) -> Result<MemoryLedger, ApplyError> {
        let mut fresh = MemoryLedger::new(self.master.clone());
        for acc in self.accepted_docs() {
            let outcome = Outcome {
                effects: acc.effects.clone(),
                exceptions: Vec::new(),
            };
            fresh.record(acc.doc.clone(), &outcome)?;
        }
        Ok(fresh)
    }

    /// Re-evaluates every accepted document through the rules, in ledger
    /// order, from master data: each must be accepted again with the same
    /// effects.
    pub fn replay_documents(&self) -> Result<MemoryLedger, (DocId, Refusal)> {
        let mut fresh = MemoryLedger::new(self.master.clone());
        for acc in self.accepted_docs() {
            fresh.submit(acc.doc.clone()).map_err(|r| (acc.doc.id, r))?;
        }
        Ok(fresh)
    }

    /// Internal consistency of the projections; empty when sound. Tests
    /// assert it after every document.
    pub fn consistency_errors(&self) -> Vec<String> {
        let p = &self.proj;
        let mut errors = Vec::new();
        for (k, q) in &p.stock {
            if q.is_negative() {
                errors.push(format!("negative stock {q} at {k:?}"));
            }
            if let Some(bin) = self.catalog.bins.get(&k.bin)
                && !k.condition.fits_zone(bin.zone)
            {
                errors.push(format!(
                    "{:?} stock in {:?} bin {}",
                    k.condition, bin.zone, bin.id
                ));
            }
        }
        for (k, q) in &p.in_work {
            if q.is_negative() {
                errors.push(format!("negative in work {q} at {k:?}"));
            }
        }
        for (line, c) in &p.counts {
            let in_work: Qty = p
                .in_work
                .iter()
                .filter(|(k, _)| k.holding == Holding::Line(line.clone()))
                .map(|(_, q)| *q)
                .sum();
            if c.in_work() != in_work || c.in_work().is_negative() {
                errors.push(format!(
                    "line {line}: issued − written off − returned = {} but in work is {in_work}",
                    c.in_work()
                ));
            }
        }
        for r in p.reserves.values() {
            if r.locked.is_negative() || r.locked > r.open || r.open.is_negative() {
                errors.push(format!(
                    "reserve {} open {} locked {}",
                    r.id, r.open, r.locked
                ));
            }
            if r.cancelled && r.locked.is_positive() {
                errors.push(format!(
                    "cancelled reserve {} still locks {}",
                    r.id, r.locked
                ));
            }
        }
        // Serial units on shelves are counted in the stock rows too.
        let mut units: BTreeMap<StockKey, Qty> = BTreeMap::new();
        for (k, s) in &p.serials {
            if let SerialState::InStock {
                bin,
                batch,
                condition,
            } = s
            {
                *units
                    .entry(StockKey {
                        item: k.item.clone(),
                        bin: bin.clone(),
                        batch: batch.clone(),
                        condition: *condition,
                    })
                    .or_default() += Qty::units(1);
            }
        }
        for (k, n) in &units {
            let tracked = self
                .catalog
                .items
                .get(&k.item)
                .is_some_and(|i| i.tracking.serial());
            if tracked && p.stock.get(k).copied().unwrap_or_default() != *n {
                errors.push(format!(
                    "{n} serial units at {k:?} but stock says {:?}",
                    p.stock.get(k)
                ));
            }
        }
        if self.values_kept {
            errors.extend(self.valuation_errors());
        }
        errors
    }

    /// Each item's valued quantity is every unit the site holds (shelves,
    /// in work, tools out, in transit), its value never below zero, and
    /// nothing left of a value once its units are gone.
    fn valuation_errors(&self) -> Vec<String> {
        let p = &self.proj;
        let held = self.held_by_item();
        let items: BTreeSet<&ItemId> = held.keys().chain(p.values.keys()).collect();
        let mut errors = Vec::new();
        for item in items {
            let q = held.get(item).copied().unwrap_or_default();
            let v = p.values.get(item).copied().unwrap_or_default();
            if v.qty != q {
                errors.push(format!("{item}: {q} held but {} valued", v.qty));
            }
            if v.value.is_negative() || (v.qty.is_zero() && !v.value.is_zero()) {
                errors.push(format!("{item}: {} units valued at {}", v.qty, v.value));
            }
        }
        errors
    }

    /// Stock rows of one item: a range, since the key starts with the item.
    fn stock_of_item<'s>(
        &'s self,
        item: &ItemId,
    ) -> impl Iterator<Item = (&'s StockKey, &'s Qty)> + 's {
        let from = StockKey {
            item: item.clone(),
            bin: BinId::new(""),
            batch: None,
            condition: Condition::New,
        };
        let item = item.clone();
        self.proj
            .stock
            .range(from..)
            .take_while(move |(k, _)| k.item == item)
    }

    /// Usable (available) stock of an item across the site: new or opened
    /// stock in storage and returns bins, minus what reserves lock.
    pub fn available(&self, item: &ItemId) -> Qty {
        let mut total = Qty::ZERO;
        for wh in self.catalog.warehouses.keys() {
            let usable: Qty = self
                .usable_stock(item, wh)
                .into_iter()
                .map(|(_, q)| q)
                .sum();
            total += usable - self.locked(item, wh);
        }
        total
    }
}

/// A memory ledger reads nothing from storage: its view never fails, so
/// every judgement on it is a refusal.
fn never_storage(j: rules::Judgement) -> Refusal {
    match j {
        rules::Judgement::Refused(r) => r,
        rules::Judgement::Storage(e) => unreachable!("a memory ledger failed to read: {e}"),
    }
}

/// The answer of a rule's look-up (`rules::closure_blockers`, …) over a
/// [`MemoryLedger`], whose view never fails to read.
pub fn infallible<T>(read: Result<T, ViewError>) -> T {
    match read {
        Ok(v) => v,
        Err(e) => unreachable!("a memory ledger failed to read: {e}"),
    }
}

/// The view's answers, infallible: a memory ledger never fails to read.
impl MemoryLedger {
    pub fn policy(&self) -> SitePolicy {
        self.catalog.policy.clone()
    }
    pub fn site(&self) -> Option<SiteId> {
        self.catalog.site.clone()
    }
    pub fn closed_until(&self) -> Option<NaiveDate> {
        self.proj.closed_until
    }
    pub fn request(&self, id: &RequestId) -> Option<&MaintenanceRequest> {
        self.catalog.requests.get(id)
    }

    /// The site's maintenance requests, by number.
    pub fn requests(&self) -> impl Iterator<Item = &MaintenanceRequest> {
        self.catalog.requests.values()
    }

    pub fn template(&self, id: &TemplateId) -> Option<&WorkTemplate> {
        self.catalog.templates.get(id)
    }

    /// The site's work templates, by code.
    pub fn templates(&self) -> impl Iterator<Item = &WorkTemplate> {
        self.catalog.templates.values()
    }

    pub fn site_reason(&self, code: &ReasonId) -> Option<SiteReason> {
        self.catalog.reasons.get(code).cloned()
    }

    /// The site's active reasons of one kind, by code.
    pub fn site_reasons(&self, kind: ReasonKind) -> Vec<SiteReason> {
        self.catalog
            .reasons
            .values()
            .filter(|r| r.active && r.kind == kind)
            .cloned()
            .collect()
    }

    /// All the site's reasons, active or withdrawn, by code.
    pub fn all_site_reasons(&self) -> impl Iterator<Item = &SiteReason> {
        self.catalog.reasons.values()
    }

    pub fn user(&self, id: &UserId) -> Option<User> {
        self.catalog.users.get(id).cloned()
    }
    pub fn item(&self, id: &ItemId) -> Option<Item> {
        self.catalog.items.get(id).cloned()
    }
    pub fn bin(&self, id: &BinId) -> Option<Bin> {
        self.catalog.bins.get(id).cloned()
    }
    pub fn warehouse(&self, id: &WarehouseId) -> Option<Warehouse> {
        self.catalog.warehouses.get(id).cloned()
    }
    /// A batch of master data, else one its receipt made known.
    pub fn batch(&self, item: &ItemId, code: &BatchCode) -> Option<Batch> {
        let key = (item.clone(), code.clone());
        self.catalog
            .batches
            .get(&key)
            .or_else(|| self.proj.received_batches.get(&key))
            .cloned()
    }

    /// A batch only its receipt made known.
    pub fn received_batch(&self, item: &ItemId, code: &BatchCode) -> Option<Batch> {
        self.proj
            .received_batches
            .get(&(item.clone(), code.clone()))
            .cloned()
    }
    pub fn asset(&self, id: &AssetId) -> Option<Asset> {
        self.catalog.assets.get(id).cloned()
    }
    pub fn work_order(&self, id: &WorkOrderId) -> Option<WorkOrder> {
        self.proj.work_orders.get(id).cloned()
    }
    pub fn line(&self, id: &DemandLineId) -> Option<DemandLine> {
        self.proj.lines.get(id).cloned()
    }
    pub fn lines_of(&self, wo: &WorkOrderId) -> Vec<DemandLine> {
        self.index
            .lines_by_wo
            .get(wo)
            .into_iter()
            .flatten()
            .filter_map(|id| self.proj.lines.get(id).cloned())
            .collect()
    }

    pub fn line_counts(&self, id: &DemandLineId) -> LineCounts {
        self.proj.counts.get(id).copied().unwrap_or_default()
    }
    pub fn stock(&self, key: &StockKey) -> Qty {
        self.proj.stock.get(key).copied().unwrap_or_default()
    }
    pub fn usable_stock(&self, item: &ItemId, warehouse: &WarehouseId) -> Vec<(StockKey, Qty)> {
        self.stock_of_item(item)
            .filter(|(k, q)| {
                q.is_positive()
                    && k.condition.is_usable()
                    && self
                        .catalog
                        .bins
                        .get(&k.bin)
                        .is_some_and(|b| b.warehouse == *warehouse && b.zone.is_available())
            })
            .map(|(k, q)| (k.clone(), *q))
            .collect()
    }

    pub fn in_work(&self, key: &InWorkKey) -> Qty {
        self.proj.in_work.get(key).copied().unwrap_or_default()
    }
    pub fn in_work_of(&self, holding: &Holding) -> Vec<(InWorkKey, Qty)> {
        let from = InWorkKey {
            holding: holding.clone(),
            item: ItemId::new(""),
            batch: None,
        };
        self.proj
            .in_work
            .range(from..)
            .take_while(|(k, _)| k.holding == *holding)
            .map(|(k, q)| (k.clone(), *q))
            .collect()
    }

    pub fn issue_open(&self, issue: &DocId) -> Qty {
        self.proj.issue_open.get(issue).copied().unwrap_or_default()
    }
    pub fn serial(&self, key: &SerialKey) -> Option<SerialState> {
        self.proj.serials.get(key).cloned()
    }
    pub fn removed_units_of(&self, wo: &WorkOrderId) -> Vec<SerialKey> {
        self.index
            .removed_by_wo
            .get(wo)
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    pub fn reserve(&self, id: &ReserveId) -> Option<Reserve> {
        self.proj.reserves.get(id).cloned()
    }
    pub fn reserves_of_line(&self, line: &DemandLineId) -> Vec<Reserve> {
        self.index
            .reserves_by_line
            .get(line)
            .into_iter()
            .flatten()
            .filter_map(|id| self.proj.reserves.get(id).cloned())
            .collect()
    }

    pub fn locked(&self, item: &ItemId, warehouse: &WarehouseId) -> Qty {
        self.index
            .reserves_by_item
            .get(item)
            .into_iter()
            .flatten()
            .filter_map(|id| self.proj.reserves.get(id))
            .filter(|r| r.warehouse == *warehouse && r.is_active())
            .map(|r| r.locked)
            .sum()
    }

    pub fn tool_out(&self, checkout: &DocId) -> Option<ToolOut> {
        self.proj.tools.get(checkout).cloned()
    }
    pub fn tools_out(&self) -> Vec<ToolOut> {
        self.proj.tools.values().cloned().collect()
    }
    pub fn emergency(&self, doc: &DocId) -> Option<Emergency> {
        self.proj.emergencies.get(doc).cloned()
    }
    pub fn emergencies(&self) -> Vec<Emergency> {
        self.proj.emergencies.values().cloned().collect()
    }
    pub fn approval(&self, request: &DocId) -> Option<Approval> {
        self.proj.approvals.get(request).cloned()
    }
    pub fn approvals_of(&self, wo: &WorkOrderId) -> Vec<Approval> {
        self.proj
            .approvals
            .values()
            .filter(|a| a.work_order == *wo)
            .cloned()
            .collect()
    }
    pub fn transit(&self, transfer: &DocId) -> Option<Transit> {
        self.proj.transits.get(transfer).cloned()
    }
    pub fn missing_serials_of(&self, wo: &WorkOrderId) -> Vec<MissingSerial> {
        self.proj
            .missing_serials
            .values()
            .filter(|m| m.work_order == *wo)
            .cloned()
            .collect()
    }
    pub fn missing_serial(&self, write_off: &DocId) -> Option<MissingSerial> {
        self.proj.missing_serials.get(write_off).cloned()
    }
    /// The last day of a serial unit's warranty, where one is known.
    pub fn warranty(&self, key: &SerialKey) -> Option<NaiveDate> {
        self.proj.warranties.get(key).copied()
    }
    pub fn accepted(&self, id: &DocId) -> Option<Accepted> {
        self.docs.get(id).cloned()
    }
    pub fn refused(&self, id: &DocId) -> Option<ReasonCode> {
        self.refused.get(id).copied()
    }
}

impl LedgerView for MemoryLedger {
    fn policy(&self) -> Result<SitePolicy, ViewError> {
        Ok(MemoryLedger::policy(self))
    }
    fn site(&self) -> Result<Option<SiteId>, ViewError> {
        Ok(MemoryLedger::site(self))
    }
    fn closed_until(&self) -> Result<Option<NaiveDate>, ViewError> {
        Ok(MemoryLedger::closed_until(self))
    }
    fn user(&self, id: &UserId) -> Result<Option<User>, ViewError> {
        Ok(MemoryLedger::user(self, id))
    }
    fn item(&self, id: &ItemId) -> Result<Option<Item>, ViewError> {
        Ok(MemoryLedger::item(self, id))
    }
    fn bin(&self, id: &BinId) -> Result<Option<Bin>, ViewError> {
        Ok(MemoryLedger::bin(self, id))
    }
    fn warehouse(&self, id: &WarehouseId) -> Result<Option<Warehouse>, ViewError> {
        Ok(MemoryLedger::warehouse(self, id))
    }
    fn batch(&self, item: &ItemId, code: &BatchCode) -> Result<Option<Batch>, ViewError> {
        Ok(MemoryLedger::batch(self, item, code))
    }
    fn asset(&self, id: &AssetId) -> Result<Option<Asset>, ViewError> {
        Ok(MemoryLedger::asset(self, id))
    }
    fn work_order(&self, id: &WorkOrderId) -> Result<Option<WorkOrder>, ViewError> {
        Ok(MemoryLedger::work_order(self, id))
    }
    fn line(&self, id: &DemandLineId) -> Result<Option<DemandLine>, ViewError> {
        Ok(MemoryLedger::line(self, id))
    }
    fn lines_of(&self, wo: &WorkOrderId) -> Result<Vec<DemandLine>, ViewError> {
        Ok(MemoryLedger::lines_of(self, wo))
    }
    fn line_counts(&self, id: &DemandLineId) -> Result<LineCounts, ViewError> {
        Ok(MemoryLedger::line_counts(self, id))
    }
    fn stock(&self, key: &StockKey) -> Result<Qty, ViewError> {
        Ok(MemoryLedger::stock(self, key))
    }
    fn usable_stock(
        &self,
        item: &ItemId,
        warehouse: &WarehouseId,
    ) -> Result<Vec<(StockKey, Qty)>, ViewError> {
        Ok(MemoryLedger::usable_stock(self, item, warehouse))
    }
    fn in_work(&self, key: &InWorkKey) -> Result<Qty, ViewError> {
        Ok(MemoryLedger::in_work(self, key))
    }
    fn in_work_of(&self, holding: &Holding) -> Result<Vec<(InWorkKey, Qty)>, ViewError> {
        Ok(MemoryLedger::in_work_of(self, holding))
    }
    fn issue_open(&self, issue: &DocId) -> Result<Qty, ViewError> {
        Ok(MemoryLedger::issue_open(self, issue))
    }
    fn serial(&self, key: &SerialKey) -> Result<Option<SerialState>, ViewError> {
        Ok(MemoryLedger::serial(self, key))
    }
    fn removed_units_of(&self, wo: &WorkOrderId) -> Result<Vec<SerialKey>, ViewError> {
        Ok(MemoryLedger::removed_units_of(self, wo))
    }
    fn reserve(&self, id: &ReserveId) -> Result<Option<Reserve>, ViewError> {
        Ok(MemoryLedger::reserve(self, id))
    }
    fn reserves_of_line(&self, line: &DemandLineId) -> Result<Vec<Reserve>, ViewError> {
        Ok(MemoryLedger::reserves_of_line(self, line))
    }
    fn locked(&self, item: &ItemId, warehouse: &WarehouseId) -> Result<Qty, ViewError> {
        Ok(MemoryLedger::locked(self, item, warehouse))
    }
    fn tool_out(&self, checkout: &DocId) -> Result<Option<ToolOut>, ViewError> {
        Ok(MemoryLedger::tool_out(self, checkout))
    }
    fn tools_out(&self) -> Result<Vec<ToolOut>, ViewError> {
        Ok(MemoryLedger::tools_out(self))
    }
    fn emergency(&self, doc: &DocId) -> Result<Option<Emergency>, ViewError> {
        Ok(MemoryLedger::emergency(self, doc))
    }
    fn emergencies(&self) -> Result<Vec<Emergency>, ViewError> {
        Ok(MemoryLedger::emergencies(self))
    }
    fn approval(&self, request: &DocId) -> Result<Option<Approval>, ViewError> {
        Ok(MemoryLedger::approval(self, request))
    }
    fn approvals_of(&self, wo: &WorkOrderId) -> Result<Vec<Approval>, ViewError> {
        Ok(MemoryLedger::approvals_of(self, wo))
    }
    fn transit(&self, transfer: &DocId) -> Result<Option<Transit>, ViewError> {
        Ok(MemoryLedger::transit(self, transfer))
    }
    fn missing_serials_of(&self, wo: &WorkOrderId) -> Result<Vec<MissingSerial>, ViewError> {
        Ok(MemoryLedger::missing_serials_of(self, wo))
    }
    fn warranty(&self, key: &SerialKey) -> Result<Option<NaiveDate>, ViewError> {
        Ok(MemoryLedger::warranty(self, key))
    }
    fn site_reason(&self, code: &ReasonId) -> Result<Option<SiteReason>, ViewError> {
        Ok(MemoryLedger::site_reason(self, code))
    }
    fn site_reasons(&self, kind: ReasonKind) -> Result<Vec<SiteReason>, ViewError> {
        Ok(MemoryLedger::site_reasons(self, kind))
    }
    fn missing_serial(&self, write_off: &DocId) -> Result<Option<MissingSerial>, ViewError> {
        Ok(MemoryLedger::missing_serial(self, write_off))
    }
    fn keeps_values(&self) -> bool {
        self.values_kept
    }
    fn valuation(&self, item: &ItemId) -> Result<Valuation, ViewError> {
        Ok(self.valuation_of(item))
    }
    fn accepted(&self, id: &DocId) -> Result<Option<Accepted>, ViewError> {
        Ok(MemoryLedger::accepted(self, id))
    }
    fn refused(&self, id: &DocId) -> Result<Option<ReasonCode>, ViewError> {
        Ok(MemoryLedger::refused(self, id))
    }
}
