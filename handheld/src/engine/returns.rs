//! Returns: unused parts back to stock against their original issue, the
//! removed unit into quarantine, and the inspection queue that releases or
//! rejects what sits in quarantine.
//!
//! Return: choose the condition (under inspection unless said otherwise) →
//! scan the part, its serial or the issue label → the issue it came from
//! (one is taken, several are listed) → the bin (the warehouse's quarantine
//! or rejected bin, or the issue's bin for new and opened; a scanned bin
//! wins) → quantity for non-serial items → a verdict → confirm.
//!
//! Inspection: pick a row of the quarantine queue (or scan the unit) →
//! release as new or opened (scan the storage bin) or reject (the rejected
//! bin) → quantity → a verdict → confirm.

use chrono::{DateTime, Utc};
use sparescan_core::document::{Body, Decision, Document, Pick};
use sparescan_core::ids::*;
use sparescan_core::model::{Condition, Item, SerialKey, SerialState, StockKey, Zone};
use sparescan_core::qty::Qty;
use sparescan_core::view::{Accepted, LedgerView, ViewError};

use super::flow::Flow;
use super::model::*;
use super::reasons;
use super::resolve::{PartScan, Resolved};
use super::{
    Cx, Input, accepted_verdict, not_accepted, problem, refused_verdict, shown, storage_failure, t,
    text,
};
use sparescan_core::model::ReasonKind;

// ---------------------------------------------------------------------
// Shared by the flows of this module and of `site` and `stock`.
// ---------------------------------------------------------------------

/// A document judged acceptable, waiting for Confirm.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub doc: Document,
    pub title: String,
    pub detail: String,
    pub tone: Tone,
}

impl Pending {
    pub fn new(doc: Document, title: String, detail: String) -> Pending {
        Pending {
            doc,
            title,
            detail,
            tone: Tone::Plain,
        }
    }

    pub fn row(&self) -> RowModel {
        RowModel::new(
            self.doc.id.to_string(),
            self.title.clone(),
            self.detail.clone(),
        )
        .tone(self.tone)
    }
}

/// Submits every pending document in order. Refused ones stay listed (so
/// nothing is silently lost) and the first refusal is the verdict; all
/// accepted: `done_title` with the count.
pub(super) fn submit_all(
    cx: &mut Cx,
    pending: &mut Vec<Pending>,
    done_title: String,
) -> VerdictModel {
    if pending.is_empty() {
        return problem(
            "nothing_to_confirm",
            t("Nothing scanned yet."),
            t("Scan first, then confirm."),
        );
    }
    let mut done = 0;
    let mut kept = Vec::new();
    let mut first: Option<VerdictModel> = None;
    for p in std::mem::take(pending) {
        match cx.submit(p.doc.clone()) {
            Ok(Ok(_)) => done += 1,
            Ok(Err(r)) => {
                if first.is_none() {
                    let mut v = refused_verdict(&r);
                    v.reason = format!("{}: {}", p.title, v.reason);
                    first = Some(v);
                }
                kept.push(p);
            }
            Err(e) => {
                if first.is_none() {
                    first = Some(storage_failure(&e));
                }
                kept.push(p);
            }
        }
    }
    *pending = kept;
    match first {
        Some(mut v) => {
            if done > 0 {
                v.what_to_do = format!("{} {done}. {}", t("Recorded:"), v.what_to_do);
            }
            v
        }
        None => accepted_verdict(
            done_title,
            format!("{done} {}", t("documents recorded; they sync when online")),
        ),
    }
}

/// A quantity typed on the keypad: above zero, or zero too when `zero_ok`.
pub(super) fn parse_qty(text: &str, zero_ok: bool) -> Result<Qty, VerdictModel> {
    match text.trim().parse::<Qty>() {
        Ok(q) if q.is_positive() || (zero_ok && q.is_zero()) => Ok(q),
        _ => Err(problem(
            "bad_quantity",
            format!("{} {text}", t("Not a quantity:")),
            if zero_ok {
                t("Enter a number, zero or more.")
            } else {
                t("Enter a number above zero.")
            },
        )),
    }
}

/// The answer to a code nothing in the cache has.
pub(super) fn unknown_code(code: &str) -> VerdictModel {
    problem(
        "unknown_code",
        format!("{} {code}", t("Nothing in this site's data has the code")),
        t("Check the label; sync if it is new; or type the code."),
    )
}

/// A scan this step has no use for.
pub(super) fn wrong_step(what_to_do: String) -> VerdictModel {
    problem(
        "wrong_step",
        t("That label is not needed at this step."),
        what_to_do,
    )
}

/// Where a serial unit is, in words.
pub(super) fn where_is(serial: &SerialNo, state: Option<&SerialState>) -> String {
    match state {
        None => format!("{serial}: {}", t("not known in this site's data")),
        Some(SerialState::InStock { bin, condition, .. }) => {
            format!(
                "{serial}: {} {bin} ({})",
                t("on the shelf in bin"),
                text::condition(*condition)
            )
        }
        Some(SerialState::InWork {
            work_order: Some(wo),
            ..
        }) => {
            format!("{serial}: {} {wo}", t("in work on"))
        }
        Some(SerialState::InWork {
            work_order: None, ..
        }) => {
            format!("{serial}: {}", t("in work on an emergency issue"))
        }
        Some(SerialState::Installed { asset, .. }) => {
            format!("{serial}: {} {asset}", t("installed on asset"))
        }
        Some(SerialState::Removed {
            asset, work_order, ..
        }) => {
            format!(
                "{serial}: {} {asset} ({work_order})",
                t("removed from asset")
            )
        }
        Some(SerialState::InTransit { .. }) => {
            format!("{serial}: {}", t("in transit between stores"))
        }
        Some(SerialState::CheckedOut { holder, .. }) => {
            format!("{serial}: {} {holder}", t("checked out to"))
        }
    }
}

/// " · under warranty until …" for a unit still under warranty now, so
/// whoever removes or takes back the unit sees that a claim is due.
pub(super) fn warranty_note(
    cx: &Cx,
    item: &ItemId,
    serial: &SerialNo,
) -> Result<String, ViewError> {
    let until = cx.cache.view().warranty(&SerialKey {
        item: item.clone(),
        serial: serial.clone(),
    })?;
    Ok(match until {
        Some(u) if sparescan_core::rules::warranty::covers(u, cx.now) => {
            format!(" · {} {u}", t("under warranty until"))
        }
        _ => String::new(),
    })
}

pub(super) fn serial_state(
    cx: &Cx,
    item: &ItemId,
    serial: &SerialNo,
) -> Result<Option<SerialState>, ViewError> {
    cx.cache.view().serial(&SerialKey {
        item: item.clone(),
        serial: serial.clone(),
    })
}

/// The bin of `zone` to default to: the only one of `warehouse`, else the
/// only one of the site. `None`: the person scans one.
///
/// The cache lists no bins by zone; the bins holding quarantine stock are
/// the ones it can name (`Cache::quarantine`), so only quarantine bins are
/// found this way for now.
pub(super) fn zone_bin(cx: &Cx, warehouse: Option<&WarehouseId>, zone: Zone) -> Option<BinId> {
    // The one bin of that zone in the warehouse; with none or several, the
    // person scans the bin.
    let wh = warehouse?;
    match cx.cache.bins_in(wh, zone).unwrap_or_default().as_slice() {
        [one] => Some(one.id.clone()),
        _ => None,
    }
}

fn condition_id(c: Condition) -> &'static str {
    match c {
        Condition::New => "new",
        Condition::Opened => "opened",
        Condition::UnderInspection => "under-inspection",
        Condition::Rejected => "rejected",
    }
}

const CONDITIONS: [Condition; 4] = [
    Condition::New,
    Condition::Opened,
    Condition::UnderInspection,
    Condition::Rejected,
];

/// What an issue handed out, as a return needs it.
#[derive(Debug, Clone)]
pub(super) struct IssueRef {
    pub id: DocId,
    pub item: Item,
    pub bin: BinId,
    pub batch: Option<BatchCode>,
    pub work_order: Option<WorkOrderId>,
    /// The line the issue is held on now.
    pub line: Option<DemandLineId>,
    pub holder: UserId,
    /// What can still come back.
    pub open: Qty,
    pub at: DateTime<Utc>,
}

pub(super) fn pick_of(doc: &Document) -> Option<&Pick> {
    match &doc.body {
        Body::Issue { pick, .. }
        | Body::SubstitutionIssue { pick, .. }
        | Body::AdditionalIssue { pick, .. }
        | Body::EmergencyIssue { pick, .. } => Some(pick),
        _ => None,
    }
}

/// The issue `acc` as a return reads it; `None` if it is no issue.
pub(super) fn issue_ref(
    cx: &Cx,
    acc: &Accepted,
    open: Option<Qty>,
) -> Result<Option<IssueRef>, ViewError> {
    let view = cx.cache.view();
    let Some(pick) = pick_of(&acc.doc) else {
        return Ok(None);
    };
    let Some(item) = view.item(&pick.item)? else {
        return Ok(None);
    };
    let (holder, work_order, line) = match &acc.doc.body {
        Body::Issue { holder, .. } | Body::SubstitutionIssue { holder, .. } => (
            holder.clone(),
            acc.doc.work_order.clone(),
            acc.doc.line.clone(),
        ),
        Body::AdditionalIssue {
            holder, new_line, ..
        } => (
            holder.clone(),
            acc.doc.work_order.clone(),
            Some(new_line.clone()),
        ),
        Body::EmergencyIssue { holder, .. } => {
            match view.emergency(&acc.doc.id)?.and_then(|e| e.linked) {
                Some((wo, line)) => (holder.clone(), Some(wo), Some(line)),
                None => (holder.clone(), None, None),
            }
        }
        _ => return Ok(None),
    };
    let open = match open {
        Some(q) => q,
        None => view.issue_open(&acc.doc.id)?,
    };
    Ok(Some(IssueRef {
        id: acc.doc.id,
        item,
        bin: pick.bin.clone(),
        batch: pick.batch.clone(),
        work_order,
        line,
        holder: holder.unwrap_or_else(|| acc.doc.author.clone()),
        open,
        at: acc.doc.device_time,
    }))
}

fn issue_row(cx: &Cx, i: &IssueRef) -> RowModel {
    let holder = shown(cx.cache.view().user(&i.holder))
        .map(|u| u.name)
        .unwrap_or_else(|| i.holder.to_string());
    let mut title = vec![
        i.work_order
            .as_ref()
            .map(|w| w.to_string())
            .unwrap_or_else(|| t("Emergency issue")),
        i.item.id.to_string(),
    ];
    if let Some(b) = &i.batch {
        title.push(format!("{} {b}", t("batch")));
    }
    RowModel::new(
        i.id.to_string(),
        title.join(" · "),
        format!(
            "{} {} {} · {holder} · {}",
            i.open,
            i.item.unit,
            t("still out"),
            i.at.format("%Y-%m-%d %H:%M")
        ),
    )
}

// ---------------------------------------------------------------------
// Return
// ---------------------------------------------------------------------

/// What is being returned, before its bin and quantity are known.
#[derive(Debug, Clone)]
enum Target {
    Issue {
        issue: IssueRef,
        serial: Option<SerialNo>,
        batch: Option<BatchCode>,
    },
    /// A unit taken off an asset.
    Removed {
        item: Item,
        serial: SerialNo,
        work_order: WorkOrderId,
    },
}

#[derive(Debug, Clone)]
struct Draft {
    target: Target,
    qty: Option<Qty>,
}

#[derive(Debug, Default)]
pub struct ReturnFlow {
    /// A work order scanned first: only its issues are offered.
    order: Option<WorkOrderId>,
    /// The issue chosen; further serials of it may follow.
    issue: Option<IssueRef>,
    /// Several issues fit the scanned item: the person picks one.
    candidates: Vec<IssueRef>,
    /// A serial-tracked item scanned without its serial.
    expect_serial_of: Option<ItemId>,
    /// `None`: under inspection.
    condition: Option<Condition>,
    /// A bin scanned: wins over the default bin.
    bin: Option<BinId>,
    /// Complete but for its quantity or bin.
    waiting: Option<Draft>,
    ask_quantity: bool,
    pending: Vec<Pending>,
    /// One of the site's reasons, chosen for what follows.
    reason: Option<ReasonId>,
}

impl ReturnFlow {
    fn condition(&self) -> Condition {
        self.condition.unwrap_or(Condition::UnderInspection)
    }

    /// What the pending returns already take from `issue`.
    fn pending_of(&self, issue: &DocId) -> Qty {
        self.pending
            .iter()
            .filter(|p| p.doc.follows.as_ref() == Some(issue))
            .filter_map(|p| match &p.doc.body {
                Body::Return { qty, .. } => Some(*qty),
                _ => None,
            })
            .sum()
    }

    fn serial_pending(&self, item: &ItemId, serial: &SerialNo) -> bool {
        self.pending.iter().any(|p| match &p.doc.body {
            Body::Return {
                item: i, serials, ..
            } => i == item && serials.contains(serial),
            Body::RemovedUnitReturn {
                item: i, serial: s, ..
            } => i == item && s == serial,
            _ => false,
        })
    }

    /// The bin a draft goes to: the scanned one, else the default of the
    /// condition.
    fn bin_for(&self, cx: &Cx, draft: &Draft) -> Option<BinId> {
        if let Some(b) = &self.bin {
            return Some(b.clone());
        }
        let warehouse = match &draft.target {
            Target::Issue { issue, .. } => {
                shown(cx.cache.view().bin(&issue.bin)).map(|b| b.warehouse)
            }
            Target::Removed { .. } => None,
        };
        match self.condition() {
            Condition::UnderInspection => zone_bin(cx, warehouse.as_ref(), Zone::Quarantine),
            Condition::Rejected => zone_bin(cx, warehouse.as_ref(), Zone::Rejected),
            Condition::New | Condition::Opened => match &draft.target {
                Target::Issue { issue, .. } => Some(issue.bin.clone()),
                Target::Removed { .. } => None,
            },
        }
    }

    /// Takes `issue` as the one parts come back against.
    fn choose_issue(
        &mut self,
        cx: &mut Cx,
        issue: IssueRef,
        qty: Option<Qty>,
    ) -> Option<VerdictModel> {
        self.candidates.clear();
        self.issue = Some(issue.clone());
        if issue.item.tracking.serial() {
            self.expect_serial_of = Some(issue.item.id.clone());
            return Some(accepted_verdict(
                issue_row(cx, &issue).title,
                t("Now scan the serial number of each unit."),
            ));
        }
        let draft = Draft {
            target: Target::Issue {
                batch: issue.batch.clone(),
                issue,
                serial: None,
            },
            qty,
        };
        self.advance(cx, draft)
    }

    /// Asks for what the draft lacks, or judges it.
    fn advance(&mut self, cx: &mut Cx, draft: Draft) -> Option<VerdictModel> {
        if draft.qty.is_none() {
            self.waiting = Some(draft);
            self.ask_quantity = true;
            return None;
        }
        Some(self.judge(cx, draft))
    }

    fn judge(&mut self, cx: &mut Cx, draft: Draft) -> VerdictModel {
        let condition = self.condition();
        if matches!(draft.target, Target::Removed { .. }) && condition.is_usable() {
            self.waiting = Some(draft);
            return problem(
                "zone_mismatch",
                t("A removed unit never goes straight back to usable stock."),
                t("Choose under inspection or rejected."),
            );
        }
        let Some(bin) = self.bin_for(cx, &draft) else {
            self.waiting = Some(draft);
            return problem(
                "bin_required",
                t("Which bin does it go to?"),
                format!(
                    "{} ({})",
                    t("Scan the bin label"),
                    text::condition(condition)
                ),
            );
        };
        let Some(qty) = draft.qty else {
            self.waiting = Some(draft);
            self.ask_quantity = true;
            return problem(
                "quantity_required",
                t("How many come back?"),
                t("Enter the quantity."),
            );
        };
        let (mut doc, title, detail) = match &draft.target {
            Target::Issue {
                issue,
                serial,
                batch,
            } => {
                let body = Body::Return {
                    item: issue.item.id.clone(),
                    batch: batch.clone(),
                    serials: serial.clone().into_iter().collect(),
                    qty,
                    condition,
                    to_bin: bin.clone(),
                };
                let mut doc = cx.doc(body);
                doc.follows = Some(issue.id);
                doc.work_order = issue.work_order.clone();
                doc.line = issue.line.clone();
                let what = match (serial, batch) {
                    (Some(s), _) => format!("{} · {s}", issue.item.id),
                    (None, Some(b)) => format!("{} · {} {b} · × {qty}", issue.item.id, t("batch")),
                    (None, None) => format!("{} · × {qty}", issue.item.id),
                };
                (doc, issue.item.name.clone(), what)
            }
            Target::Removed {
                item,
                serial,
                work_order,
            } => {
                let body = Body::RemovedUnitReturn {
                    item: item.id.clone(),
                    serial: serial.clone(),
                    condition,
                    to_bin: bin.clone(),
                };
                let mut doc = cx.doc(body);
                doc.work_order = Some(work_order.clone());
                let warranty = match warranty_note(cx, &item.id, serial) {
                    Ok(note) => note,
                    Err(e) => return storage_failure(&e),
                };
                (
                    doc,
                    format!("{} ({})", item.name, t("removed unit")),
                    format!("{} · {serial} · {work_order}{warranty}", item.id),
                )
            }
        };
        let detail = format!("{detail} → {bin} · {}", text::condition(condition));
        if doc.work_order.is_none() {
            doc.line = None;
        }
        if let Err(e) = reasons::apply(cx, &mut doc, self.reason.as_ref()) {
            return storage_failure(&e);
        }
        match cx.judge(&doc) {
            Ok(_) => {
                self.pending
                    .push(Pending::new(doc, title.clone(), detail.clone()));
                accepted_verdict(title, detail)
            }
            Err(j) => not_accepted(&j),
        }
    }

    fn part(&mut self, cx: &mut Cx, part: PartScan) -> Option<VerdictModel> {
        let item = part.item.clone();
        if let Some(serial) = &part.serial {
            if self.serial_pending(&item.id, serial) {
                return Some(problem(
                    "already_scanned",
                    t("This unit is already in the list."),
                    t("Scan the next unit, or confirm."),
                ));
            }
            let state = or_storage!(serial_state(cx, &item.id, serial));
            return match &state {
                Some(SerialState::Removed { work_order, .. }) => {
                    self.issue = None;
                    self.candidates.clear();
                    let draft = Draft {
                        target: Target::Removed {
                            item,
                            serial: serial.clone(),
                            work_order: work_order.clone(),
                        },
                        qty: Some(Qty::units(1)),
                    };
                    Some(self.judge(cx, draft))
                }
                Some(SerialState::InWork { batch, .. }) => {
                    let acc = match cx.cache.issue_of_serial(&item.id, serial) {
                        Ok(Some(acc)) => acc,
                        Ok(None) => {
                            return Some(problem(
                                "no_open_issue",
                                format!("{}: {}", serial, t("no issue of this unit is open")),
                                t("Sync, then scan it again; or ask the supervisor."),
                            ));
                        }
                        Err(e) => return Some(storage_failure(&e)),
                    };
                    let Some(issue) = or_storage!(issue_ref(cx, &acc, None)) else {
                        return Some(problem(
                            "no_open_issue",
                            t("The unit's issue is not in this device's data."),
                            t("Sync, then scan it again."),
                        ));
                    };
                    self.candidates.clear();
                    self.expect_serial_of = Some(item.id.clone());
                    self.issue = Some(issue.clone());
                    let draft = Draft {
                        target: Target::Issue {
                            issue,
                            serial: Some(serial.clone()),
                            batch: batch.clone(),
                        },
                        qty: Some(Qty::units(1)),
                    };
                    Some(self.judge(cx, draft))
                }
                other => Some(problem(
                    "serial_not_in_work",
                    where_is(serial, other.as_ref()),
                    t("Only units issued to work or removed from an asset come back here."),
                )),
            };
        }
        if item.tracking.serial() {
            self.expect_serial_of = Some(item.id.clone());
            return Some(problem(
                "serial_required",
                format!("{} {}", item.id, t("is tracked by serial number")),
                t("Scan the serial number label of this unit."),
            ));
        }
        let issues = match cx.cache.open_issues_of_item(&item.id) {
            Ok(v) => v,
            Err(e) => return Some(storage_failure(&e)),
        };
        let mut found = Vec::new();
        for (acc, open) in &issues {
            found.extend(or_storage!(issue_ref(cx, acc, Some(*open))));
        }
        let mut refs: Vec<IssueRef> = found
            .into_iter()
            .filter(|i| self.order.is_none() || i.work_order == self.order)
            .filter(|i| part.batch.is_none() || i.batch == part.batch)
            .collect();
        for r in &mut refs {
            r.open -= self.pending_of(&r.id);
        }
        refs.retain(|r| r.open.is_positive());
        match refs.len() {
            0 => Some(problem(
                "no_open_issue",
                format!("{} {}", item.id, t("has no issue with parts still out")),
                t("Check the part; returns follow an issue. Scan the issue label if you have it."),
            )),
            1 => {
                let issue = refs.remove(0);
                self.choose_issue(cx, issue, None)
            }
            _ => {
                self.issue = None;
                self.candidates = refs;
                Some(accepted_verdict(
                    item.name.clone(),
                    t("Several issues have this part out: choose the one it came from."),
                ))
            }
        }
    }

    fn document(&mut self, cx: &mut Cx, id: DocId) -> Option<VerdictModel> {
        let Some(acc) = or_storage!(cx.cache.view().accepted(&id)) else {
            return Some(problem(
                "unknown_document",
                t("This document is not in this device's data."),
                t("Sync, then scan it again."),
            ));
        };
        let Some(mut issue) = or_storage!(issue_ref(cx, &acc, None)) else {
            return Some(problem(
                "not_an_issue",
                format!(
                    "{} {}",
                    text::kind(acc.doc.kind()),
                    t("is not an issue: returns follow an issue.")
                ),
                t("Scan the issue's label, or the part."),
            ));
        };
        if acc.reversed_by.is_some() {
            return Some(problem(
                "issue_reversed",
                t("This issue was corrected (reversed)."),
                t("Scan the part to find its current issue."),
            ));
        }
        issue.open -= self.pending_of(&issue.id);
        if !issue.open.is_positive() {
            return Some(problem(
                "return_exceeds_issue",
                t("Nothing of this issue is still out."),
                t("Check the label."),
            ));
        }
        self.choose_issue(cx, issue, None)
    }
}

impl Flow for ReturnFlow {
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        match scanned {
            Resolved::Part(p) => self.part(cx, p),
            Resolved::Document(id) => self.document(cx, id),
            Resolved::Bin(b) => {
                // The bin says the condition where its zone allows only one.
                match b.zone {
                    Zone::Quarantine => self.condition = Some(Condition::UnderInspection),
                    Zone::Rejected => self.condition = Some(Condition::Rejected),
                    Zone::Storage | Zone::Returns if !self.condition().is_usable() => {
                        self.condition = Some(Condition::New)
                    }
                    _ => {}
                }
                self.bin = Some(b.id.clone());
                if let Some(draft) = self.waiting.take() {
                    return self.advance(cx, draft);
                }
                Some(accepted_verdict(
                    format!("{} {}", t("Bin"), b.id),
                    format!(
                        "{} ({})",
                        t("Returns go here"),
                        text::condition(self.condition())
                    ),
                ))
            }
            Resolved::WorkOrder(wo) => {
                self.order = Some(wo.id.clone());
                self.candidates
                    .retain(|c| c.work_order.as_ref() == Some(&wo.id));
                Some(accepted_verdict(
                    format!("{} · {}", wo.id, wo.asset),
                    t("Now scan the parts that come back."),
                ))
            }
            Resolved::Asset(_) | Resolved::Badge(_) => Some(wrong_step(t(
                "Scan the part, its serial number or the issue label.",
            ))),
            Resolved::Unknown(code) => Some(unknown_code(&code)),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Select(id) => {
                let pos = self
                    .candidates
                    .iter()
                    .position(|c| c.id.to_string() == id)?;
                let issue = self.candidates.remove(pos);
                self.choose_issue(cx, issue, None)
            }
            Input::Choose(id) => {
                if let Some(code) = reasons::chosen(&id) {
                    self.reason = Some(code);
                    return None;
                }
                let c = CONDITIONS.into_iter().find(|c| condition_id(*c) == id)?;
                self.condition = Some(c);
                // A scanned bin that cannot take this condition no longer
                // applies.
                let bin = match &self.bin {
                    Some(b) => or_storage!(cx.cache.view().bin(b)),
                    None => None,
                };
                if let Some(b) = bin
                    && !c.fits_zone(b.zone)
                {
                    self.bin = None;
                }
                match self.waiting.take() {
                    Some(draft) if !self.ask_quantity => self.advance(cx, draft),
                    other => {
                        self.waiting = other;
                        None
                    }
                }
            }
            Input::Remove(id) => {
                self.pending.retain(|p| p.doc.id.to_string() != id);
                None
            }
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let Some(q) = q else {
                    self.waiting = None;
                    return None;
                };
                match parse_qty(&q, false) {
                    Ok(qty) => {
                        let mut draft = self.waiting.take()?;
                        draft.qty = Some(qty);
                        self.advance(cx, draft)
                    }
                    Err(v) => {
                        self.waiting = None;
                        Some(v)
                    }
                }
            }
            Input::Confirm => {
                let v = submit_all(cx, &mut self.pending, t("Returned"));
                if v.ok {
                    self.issue = None;
                    self.candidates.clear();
                    self.waiting = None;
                }
                Some(v)
            }
            Input::Cancel => {
                *self = ReturnFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, cx: &Cx) -> ScreenModel {
        let condition = self.condition();
        let mut m = ScreenModel {
            confirm_label: t("Confirm return"),
            can_confirm: !self.pending.is_empty(),
            ..ScreenModel::default()
        };
        m.choices = CONDITIONS
            .into_iter()
            .map(|c| {
                RowModel::new(condition_id(c), text::condition(c), "").tone(if c == condition {
                    Tone::Ok
                } else {
                    Tone::Plain
                })
            })
            .collect();
        m.choices.extend(shown(reasons::choices(
            cx,
            &[
                ReasonKind::Return,
                ReasonKind::Defect,
                ReasonKind::WarrantyReplacement,
            ],
            self.reason.as_ref(),
        )));
        m.header = t("Return to stock");
        if let Some(wo) = &self.order {
            m.header = format!("{} · {wo}", m.header);
        }
        m.prompt = if !self.candidates.is_empty() {
            t("Choose the issue the parts came from")
        } else if let Some(d) = &self.waiting {
            match d.target {
                Target::Removed { .. } if condition.is_usable() => {
                    t("Choose under inspection or rejected")
                }
                _ => t("Scan the bin the parts go to"),
            }
        } else if self.expect_serial_of.is_some() {
            t("Scan the serial number of each unit")
        } else {
            t("Scan the part, its serial number or the issue label")
        };
        let draft_issue = self.waiting.as_ref().and_then(|d| match &d.target {
            Target::Issue { issue, .. } => Some(issue),
            Target::Removed { .. } => None,
        });
        if let Some(issue) = draft_issue.or(self.issue.as_ref()) {
            let row = issue_row(cx, issue);
            m.header = row.title;
            m.subheader = format!("{} · {}", issue.item.name, row.detail);
        } else if let Some(Draft {
            target:
                Target::Removed {
                    item,
                    serial,
                    work_order,
                },
            ..
        }) = &self.waiting
        {
            m.header = format!("{} · {serial}", item.id);
            m.subheader = format!("{} · {} {work_order}", item.name, t("removed on"));
        }
        m.rows = self.candidates.iter().map(|c| issue_row(cx, c)).collect();
        m.pending = self.pending.iter().map(Pending::row).collect();
        m.hint = match &self.bin {
            Some(b) => format!("{} {b} ({})", t("Goes to bin"), text::condition(condition)),
            None => match condition {
                Condition::UnderInspection => t("Goes to the quarantine bin"),
                Condition::Rejected => t("Goes to the rejected bin"),
                _ => t("Goes back to the bin it was issued from, unless you scan another"),
            },
        };
        if self.ask_quantity
            && let Some(Draft {
                target: Target::Issue { issue, .. },
                ..
            }) = &self.waiting
        {
            let preset = issue.open - self.pending_of(&issue.id);
            m.ask_quantity = Some(QuantityAsk {
                title: format!("{} ({})", issue.item.name, issue.item.unit),
                preset: preset.max(Qty::ZERO).to_string(),
            });
        }
        m
    }

    fn context_item(&self) -> Option<ItemId> {
        self.expect_serial_of
            .clone()
            .or_else(|| self.issue.as_ref().map(|i| i.item.id.clone()))
    }

    fn redo(&mut self, cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        match &refused.body {
            Body::Return {
                condition,
                to_bin,
                item,
                ..
            } => {
                self.condition = Some(*condition);
                self.bin = Some(to_bin.clone());
                self.order = refused.work_order.clone();
                self.expect_serial_of = Some(item.clone());
                let acc = match refused.follows {
                    Some(f) => or_storage!(cx.cache.view().accepted(&f)),
                    None => None,
                };
                if let Some(acc) = acc
                    && let Some(issue) = or_storage!(issue_ref(cx, &acc, None))
                {
                    self.issue = Some(issue);
                }
            }
            Body::RemovedUnitReturn {
                condition,
                to_bin,
                item,
                ..
            } => {
                self.condition = Some(*condition);
                self.bin = Some(to_bin.clone());
                self.expect_serial_of = Some(item.clone());
            }
            _ => {}
        }
        None
    }
}

// ---------------------------------------------------------------------
// Inspection
// ---------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    ReleaseNew,
    ReleaseOpened,
    Reject,
}

impl Verdict {
    const ALL: [Verdict; 3] = [Verdict::ReleaseNew, Verdict::ReleaseOpened, Verdict::Reject];

    fn id(self) -> &'static str {
        match self {
            Verdict::ReleaseNew => "release-new",
            Verdict::ReleaseOpened => "release-opened",
            Verdict::Reject => "reject",
        }
    }

    fn title(self) -> String {
        t(match self {
            Verdict::ReleaseNew => "Release as new",
            Verdict::ReleaseOpened => "Release as opened",
            Verdict::Reject => "Reject",
        })
    }
}

/// A quarantine row's id: its stock key as JSON.
fn key_id(key: &StockKey) -> String {
    serde_json::to_string(key).unwrap_or_default()
}

#[derive(Debug, Default)]
pub struct InspectFlow {
    /// The quarantine position being decided, and what it holds.
    row: Option<(StockKey, Qty)>,
    /// The unit scanned (serial-tracked items: one per decision).
    serial: Option<SerialNo>,
    decision: Option<Verdict>,
    bin: Option<BinId>,
    qty: Option<Qty>,
    ask_quantity: bool,
    pending: Vec<Pending>,
}

impl InspectFlow {
    /// The queue less what the pending decisions take.
    fn queue(&self, cx: &Cx) -> Vec<(StockKey, Qty)> {
        let mut rows = cx.cache.quarantine().unwrap_or_default();
        for (key, qty) in &mut rows {
            let taken: Qty = self
                .pending
                .iter()
                .filter_map(|p| match &p.doc.body {
                    Body::InspectionDecision {
                        item,
                        from_bin,
                        batch,
                        qty,
                        ..
                    } if *item == key.item && *from_bin == key.bin && *batch == key.batch => {
                        Some(*qty)
                    }
                    _ => None,
                })
                .sum();
            *qty -= taken;
        }
        rows.retain(|(k, q)| q.is_positive() && k.condition == Condition::UnderInspection);
        rows
    }

    fn reset_entry(&mut self) {
        self.row = None;
        self.serial = None;
        self.decision = None;
        self.bin = None;
        self.qty = None;
        self.ask_quantity = false;
    }

    fn item(&self, cx: &Cx) -> Result<Option<Item>, ViewError> {
        match &self.row {
            Some((k, _)) => cx.cache.view().item(&k.item),
            None => Ok(None),
        }
    }

    /// Asks for what the decision lacks, or judges it.
    fn advance(&mut self, cx: &mut Cx) -> Option<VerdictModel> {
        let (key, _) = self.row.clone()?;
        let decision = self.decision?;
        let item = or_storage!(self.item(cx))?;
        if self.bin.is_none() && decision == Verdict::Reject {
            let wh = or_storage!(cx.cache.view().bin(&key.bin)).map(|b| b.warehouse);
            self.bin = zone_bin(cx, wh.as_ref(), Zone::Rejected);
        }
        let bin = self.bin.clone()?;
        if item.tracking.serial() && self.serial.is_none() {
            return None;
        }
        let qty = match (self.qty, &self.serial) {
            (Some(q), _) => q,
            (None, Some(_)) => Qty::units(1),
            (None, None) => {
                self.ask_quantity = true;
                return None;
            }
        };
        let decision_body = match decision {
            Verdict::ReleaseNew => Decision::Release {
                condition: Condition::New,
                to_bin: bin.clone(),
            },
            Verdict::ReleaseOpened => Decision::Release {
                condition: Condition::Opened,
                to_bin: bin.clone(),
            },
            Verdict::Reject => Decision::Reject {
                to_bin: bin.clone(),
            },
        };
        let doc = cx.doc(Body::InspectionDecision {
            item: key.item.clone(),
            from_bin: key.bin.clone(),
            batch: key.batch.clone(),
            serials: self.serial.clone().into_iter().collect(),
            qty,
            decision: decision_body,
        });
        let what = match (&self.serial, &key.batch) {
            (Some(s), _) => format!("{} · {s}", key.item),
            (None, Some(b)) => format!("{} · {} {b} · × {qty}", key.item, t("batch")),
            (None, None) => format!("{} · × {qty}", key.item),
        };
        let detail = format!("{what} · {} → {bin}", decision.title());
        match cx.judge(&doc) {
            Ok(_) => {
                let mut p = Pending::new(doc, item.name.clone(), detail.clone());
                if decision == Verdict::Reject {
                    p.tone = Tone::Warn;
                }
                self.pending.push(p);
                self.reset_entry();
                Some(accepted_verdict(item.name, detail))
            }
            Err(r) => {
                self.qty = None;
                if decision != Verdict::Reject {
                    self.bin = None;
                }
                Some(not_accepted(&r))
            }
        }
    }

    /// `advance`; if it neither judged nor asks for the quantity, `note`.
    fn advance_or(
        &mut self,
        cx: &mut Cx,
        note: impl FnOnce() -> Option<VerdictModel>,
    ) -> Option<VerdictModel> {
        let v = self.advance(cx);
        if v.is_none() && !self.ask_quantity {
            return note();
        }
        v
    }

    fn select_key(&mut self, key: StockKey, qty: Qty) {
        if self.row.as_ref().map(|(k, _)| k) != Some(&key) {
            self.serial = None;
            self.qty = None;
        }
        self.row = Some((key, qty));
    }

    fn part(&mut self, cx: &mut Cx, part: PartScan) -> Option<VerdictModel> {
        let queue = self.queue(cx);
        if let Some(serial) = &part.serial {
            let state = or_storage!(serial_state(cx, &part.item.id, serial));
            let Some(SerialState::InStock {
                bin,
                batch,
                condition: Condition::UnderInspection,
            }) = &state
            else {
                return Some(problem(
                    "nothing_to_inspect",
                    where_is(serial, state.as_ref()),
                    t("Only units under inspection in quarantine are decided here."),
                ));
            };
            if self.pending.iter().any(|p| {
                matches!(&p.doc.body, Body::InspectionDecision { serials, item, .. } if *item == part.item.id && serials.contains(serial))
            }) {
                return Some(problem("already_scanned", t("This unit is already in the list."), t("Scan the next unit, or confirm.")));
            }
            let key = StockKey {
                item: part.item.id.clone(),
                bin: bin.clone(),
                batch: batch.clone(),
                condition: Condition::UnderInspection,
            };
            let qty = queue
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, q)| *q)
                .unwrap_or(Qty::units(1));
            self.select_key(key, qty);
            self.serial = Some(serial.clone());
            return self.advance_or(cx, || {
                Some(accepted_verdict(
                    part.item.name.clone(),
                    format!("{serial} · {}", t("release it or reject it")),
                ))
            });
        }
        let mut rows: Vec<_> = queue
            .into_iter()
            .filter(|(k, _)| k.item == part.item.id)
            .filter(|(k, _)| part.batch.is_none() || k.batch == part.batch)
            .collect();
        match rows.len() {
            0 => Some(problem(
                "nothing_to_inspect",
                format!("{} {}", part.item.id, t("is not in quarantine")),
                t("Choose a row of the queue."),
            )),
            1 => {
                let (key, qty) = rows.remove(0);
                self.select_key(key, qty);
                if part.item.tracking.serial() {
                    return Some(problem(
                        "serial_required",
                        format!("{} {}", part.item.id, t("is tracked by serial number")),
                        t("Scan the serial number label of this unit."),
                    ));
                }
                self.advance_or(cx, || {
                    Some(accepted_verdict(
                        part.item.name.clone(),
                        t("Release it or reject it."),
                    ))
                })
            }
            _ => Some(problem(
                "choose_row",
                format!(
                    "{} {}",
                    part.item.id,
                    t("is in quarantine in several places")
                ),
                t("Choose the row of the queue."),
            )),
        }
    }
}

impl Flow for InspectFlow {
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        match scanned {
            Resolved::Part(p) => self.part(cx, p),
            Resolved::Bin(b) => {
                if b.zone == Zone::Quarantine {
                    return Some(problem(
                        "zone_mismatch",
                        t("That is a quarantine bin: stock leaves quarantine for another bin."),
                        t("Scan a storage bin to release, or the rejected bin to reject."),
                    ));
                }
                if b.zone == Zone::Rejected {
                    self.decision = Some(Verdict::Reject);
                }
                self.bin = Some(b.id.clone());
                self.advance_or(cx, || {
                    Some(accepted_verdict(
                        format!("{} {}", t("Bin"), b.id),
                        t("The decided stock goes here."),
                    ))
                })
            }
            Resolved::Unknown(code) => Some(unknown_code(&code)),
            _ => Some(wrong_step(t("Choose a row of the queue or scan the part."))),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Select(id) => {
                let (key, qty) = self.queue(cx).into_iter().find(|(k, _)| key_id(k) == id)?;
                self.select_key(key, qty);
                self.advance(cx)
            }
            Input::Choose(id) => {
                let d = Verdict::ALL.into_iter().find(|d| d.id() == id)?;
                if self.decision != Some(d) {
                    // A bin scanned for the other decision does not apply.
                    let bin = match &self.bin {
                        Some(b) => or_storage!(cx.cache.view().bin(b)),
                        None => None,
                    };
                    if let Some(b) = bin {
                        let fits = match d {
                            Verdict::Reject => b.zone == Zone::Rejected,
                            _ => b.zone.is_available(),
                        };
                        if !fits {
                            self.bin = None;
                        }
                    }
                }
                self.decision = Some(d);
                self.advance(cx)
            }
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let q = q?;
                match parse_qty(&q, false) {
                    Ok(qty) => {
                        self.qty = Some(qty);
                        self.advance(cx)
                    }
                    Err(v) => Some(v),
                }
            }
            Input::Remove(id) => {
                self.pending.retain(|p| p.doc.id.to_string() != id);
                None
            }
            Input::Confirm => Some(submit_all(cx, &mut self.pending, t("Decided"))),
            Input::Cancel => {
                *self = InspectFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, cx: &Cx) -> ScreenModel {
        let view = cx.cache.view();
        let mut m = ScreenModel {
            header: t("Quarantine"),
            confirm_label: t("Confirm decisions"),
            can_confirm: !self.pending.is_empty(),
            ..ScreenModel::default()
        };
        let selected = self.row.as_ref().map(|(k, _)| key_id(k));
        m.rows = self
            .queue(cx)
            .iter()
            .map(|(k, q)| {
                let item = shown(view.item(&k.item));
                let mut title = vec![k.item.to_string(), k.bin.to_string()];
                if let Some(b) = &k.batch {
                    title.push(format!("{} {b}", t("batch")));
                }
                let id = key_id(k);
                let tone = if selected.as_ref() == Some(&id) {
                    Tone::Ok
                } else {
                    Tone::Plain
                };
                RowModel::new(
                    id,
                    title.join(" · "),
                    format!(
                        "{} · {q} {}",
                        item.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
                        item.map(|i| i.unit).unwrap_or_default()
                    ),
                )
                .tone(tone)
            })
            .collect();
        m.choices = Verdict::ALL
            .into_iter()
            .map(|d| {
                RowModel::new(d.id(), d.title(), "").tone(if Some(d) == self.decision {
                    Tone::Ok
                } else {
                    Tone::Plain
                })
            })
            .collect();
        let item = shown(self.item(cx));
        m.prompt = match (&self.row, self.decision) {
            (None, _) => t("Choose a row of the queue or scan the part"),
            (Some(_), None) => t("Release or reject?"),
            (Some(_), Some(_))
                if item.as_ref().is_some_and(|i| i.tracking.serial()) && self.serial.is_none() =>
            {
                t("Scan the serial number of the unit")
            }
            (Some(_), Some(Verdict::Reject)) if self.bin.is_none() => t("Scan the rejected bin"),
            (Some(_), Some(_)) if self.bin.is_none() => t("Scan the storage bin it goes to"),
            _ => t("Enter the quantity"),
        };
        if let Some((k, q)) = &self.row {
            m.header = format!("{} · {}", k.item, k.bin);
            m.subheader = format!(
                "{} · {q} {}",
                item.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
                t("under inspection")
            );
            if let Some(s) = &self.serial {
                m.subheader = format!("{} · {s}", m.subheader);
            }
        }
        if let Some(b) = &self.bin {
            m.hint = format!("{} {b}", t("Goes to bin"));
        }
        m.pending = self.pending.iter().map(Pending::row).collect();
        if self.ask_quantity
            && let (Some((_, q)), Some(item)) = (&self.row, &item)
        {
            m.ask_quantity = Some(QuantityAsk {
                title: format!("{} ({})", item.name, item.unit),
                preset: q.to_string(),
            });
        }
        m
    }

    fn context_item(&self) -> Option<ItemId> {
        self.row.as_ref().map(|(k, _)| k.item.clone())
    }

    fn redo(&mut self, cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        if let Body::InspectionDecision {
            item,
            from_bin,
            batch,
            decision,
            ..
        } = &refused.body
        {
            let key = StockKey {
                item: item.clone(),
                bin: from_bin.clone(),
                batch: batch.clone(),
                condition: Condition::UnderInspection,
            };
            let qty = or_storage!(cx.cache.view().stock(&key));
            self.select_key(key, qty);
            self.decision = Some(match decision {
                Decision::Release {
                    condition: Condition::Opened,
                    ..
                } => Verdict::ReleaseOpened,
                Decision::Release { .. } => Verdict::ReleaseNew,
                Decision::Reject { .. } => Verdict::Reject,
            });
        }
        None
    }
}
