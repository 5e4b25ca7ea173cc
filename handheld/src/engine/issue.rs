//! Issue: scan or pick the work order → its lines → scan the bin → scan
//! parts → a verdict for each → quantity for non-serial items → confirm.
//! Modes: substitution (with a reason), additional (an approver's PIN),
//! emergency (a supervisor's PIN, before an order exists).
//!
//! With no approver at hand, an additional issue or an unlisted substitute
//! is asked for instead ("Ask an approver"): an approval request the back
//! office decides. Once the approval arrives with a sync, the same part
//! scanned again is issued under it, without a PIN.

use sparescan_core::document::{Body, Document, Pick};
use sparescan_core::ids::*;
use sparescan_core::model::{ApprovalKind, ApprovalStatus, Condition, Tracking, WorkOrder};
use sparescan_core::qty::Qty;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules;
use sparescan_core::view::{LedgerView, ViewError};

use super::flow::Flow;
use super::model::*;
use super::reasons;
use super::resolve::{PartScan, Resolved};
use super::{
    Cx, Input, accepted_verdict, not_accepted, problem, refused_verdict, shown, storage_failure, t,
};
use sparescan_core::model::ReasonKind;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Issue,
    Substitution,
    Additional,
    Emergency,
}

impl Mode {
    const ALL: [Mode; 4] = [
        Mode::Issue,
        Mode::Substitution,
        Mode::Additional,
        Mode::Emergency,
    ];

    fn id(self) -> &'static str {
        match self {
            Mode::Issue => "issue",
            Mode::Substitution => "substitution",
            Mode::Additional => "additional",
            Mode::Emergency => "emergency",
        }
    }

    fn title(self) -> String {
        t(match self {
            Mode::Issue => "Planned",
            Mode::Substitution => "Substitute",
            Mode::Additional => "Additional",
            Mode::Emergency => "Emergency",
        })
    }

    fn reason(self) -> Option<String> {
        match self {
            Mode::Issue => None,
            Mode::Substitution => Some(t("Planned part not available; substitute allowed")),
            Mode::Additional => Some(t("More needed than planned, found on site")),
            Mode::Emergency => Some(t("Breakdown: part needed before the work order")),
        }
    }
}

/// A pick judged acceptable, waiting for Confirm.
#[derive(Debug, Clone)]
struct Pending {
    doc: Document,
    title: String,
    detail: String,
}

/// A part scanned, waiting for its quantity or for the approver.
#[derive(Debug, Clone)]
struct Waiting {
    part: PartScan,
    qty: Option<Qty>,
}

/// What "Ask an approver" would ask for: the part that needed an approver
/// nobody gave.
#[derive(Debug, Clone)]
struct Asking {
    kind: ApprovalKind,
    item: ItemId,
    name: String,
    qty: Qty,
    line: Option<DemandLineId>,
}

/// The choice that asks for an approval.
const ASK: &str = "ask-approval";
/// How the rows of approvals asked for start their ids (a tap on one
/// selects nothing).
const APPROVAL_ROW: &str = "approval:";

#[derive(Debug, Default)]
pub struct IssueFlow {
    order: Option<WorkOrderId>,
    asset: Option<AssetId>,
    line: Option<DemandLineId>,
    bin: Option<BinId>,
    mode: Mode,
    pending: Vec<Pending>,
    waiting: Option<Waiting>,
    ask_quantity: bool,
    ask_pin: bool,
    approver_badge: Option<(String, String)>,
    hint: String,
    /// One of the site's substitution reasons, chosen for what follows.
    reason: Option<ReasonId>,
    asking: Option<Asking>,
}

impl IssueFlow {
    /// The order, for the screen.
    fn order(&self, cx: &Cx) -> Option<WorkOrder> {
        let o = self.order.as_ref()?;
        shown(cx.cache.view().work_order(o))
    }

    fn set_order(&mut self, wo: WorkOrder) -> VerdictModel {
        let status = wo.state.status;
        self.order = Some(wo.id.clone());
        self.asset = Some(wo.asset.clone());
        self.line = None;
        // What was to be asked for belonged to the order before.
        self.asking = None;
        self.pending.clear();
        self.hint.clear();
        if status.is_open() {
            accepted_verdict(format!("{} · {}", wo.id, wo.asset), wo.scope.clone())
        } else {
            // Shown anyway: the person sees why nothing can be issued.
            problem(
                "work_order_status",
                format!("{} {}: {:?}", wo.id, t("cannot take issues"), status),
                t("Ask the dispatcher to approve or resume the order, or choose another one."),
            )
        }
    }

    /// The line a part goes to: the selected one if it fits, else the first
    /// line of that item (or, in substitution mode, allowing it).
    fn line_for(&self, cx: &Cx, item: &ItemId) -> Result<Option<DemandLineId>, ViewError> {
        let Some(wo) = self.order.as_ref() else {
            return Ok(None);
        };
        let view = cx.cache.view();
        let mut fitting = Vec::new();
        for l in view.lines_of(wo)? {
            let fits = match self.mode {
                Mode::Substitution => {
                    l.substitutes.contains(item)
                        || view
                            .item(&l.item)?
                            .is_some_and(|i| i.substitutes.contains(item))
                }
                _ => l.item == *item,
            };
            if fits {
                fitting.push(l.id);
            }
        }
        if let Some(sel) = &self.line
            && fitting.contains(sel)
        {
            return Ok(Some(sel.clone()));
        }
        Ok(fitting.into_iter().next())
    }

    /// The batch to take: the label's, or the only one on this bin.
    fn batch_for(
        &self,
        cx: &Cx,
        part: &PartScan,
        bin: &BinId,
    ) -> Result<Option<BatchCode>, VerdictModel> {
        if let Some(b) = &part.batch {
            return Ok(Some(b.clone()));
        }
        if !matches!(part.item.tracking, Tracking::Batch | Tracking::BatchSerial) {
            return Ok(None);
        }
        if let Some(serial) = &part.serial {
            let key = sparescan_core::model::SerialKey {
                item: part.item.id.clone(),
                serial: serial.clone(),
            };
            if let Some(sparescan_core::model::SerialState::InStock { batch, .. }) =
                cx.cache.view().serial(&key).map_err(storage_failure)?
            {
                return Ok(batch);
            }
        }
        let view = cx.cache.view();
        let Some(b) = view.bin(bin).map_err(storage_failure)? else {
            return Ok(None);
        };
        let mut batches: Vec<BatchCode> = view
            .usable_stock(&part.item.id, &b.warehouse)
            .map_err(storage_failure)?
            .into_iter()
            .filter(|(k, _)| k.bin == *bin)
            .filter_map(|(k, _)| k.batch)
            .collect();
        batches.sort();
        batches.dedup();
        match batches.as_slice() {
            [one] => Ok(Some(one.clone())),
            [] => Ok(None),
            _ => Err(problem(
                "batch_required",
                format!(
                    "{} {}",
                    part.item.id,
                    t("is kept in several batches on this bin")
                ),
                t("Scan the label with the batch number (GS1 AI 10)."),
            )),
        }
    }

    fn part(&mut self, cx: &mut Cx, part: PartScan) -> Option<VerdictModel> {
        self.asking = None;
        if self.mode != Mode::Emergency && self.order.is_none() {
            return Some(problem(
                "work_order_required",
                t("No work order: nothing can be issued without one."),
                t("Scan the work order first (or choose Emergency with a supervisor)."),
            ));
        }
        if self.bin.is_none() {
            return Some(problem(
                "bin_required",
                t("Which shelf is the part taken from?"),
                t("Scan the bin label first."),
            ));
        }
        let serial_tracked = matches!(part.item.tracking, Tracking::Serial | Tracking::BatchSerial);
        if serial_tracked && part.serial.is_none() {
            return Some(problem(
                "serial_required",
                format!("{} {}", part.item.id, t("is tracked by serial number")),
                t("Scan the serial number label of this unit."),
            ));
        }
        if serial_tracked
            && self.pending.iter().any(|p| {
                pick_of(&p.doc).is_some_and(|k| {
                    k.item == part.item.id
                        && part.serial.as_ref().is_some_and(|s| k.serials.contains(s))
                })
            })
        {
            return Some(problem(
                "already_scanned",
                t("This unit is already in the list."),
                t("Scan the next unit, or confirm."),
            ));
        }
        let waiting = Waiting {
            qty: serial_tracked.then(|| Qty::units(1)),
            part,
        };
        if waiting.qty.is_none() {
            self.waiting = Some(waiting);
            self.ask_quantity = true;
            return None;
        }
        self.waiting = Some(waiting);
        self.after_quantity(cx)
    }

    /// The approved request this person may issue `item` under on the
    /// order (for a substitute, on `line`), with `qty` left.
    fn approved(
        &self,
        cx: &Cx,
        kind: ApprovalKind,
        item: &ItemId,
        qty: Qty,
        line: Option<&DemandLineId>,
    ) -> Result<Option<DocId>, ViewError> {
        let Some(wo) = self.order.as_ref() else {
            return Ok(None);
        };
        Ok(
            rules::approval::usable(&cx.cache.view(), kind, wo, line, item, qty, &cx.user.id)?
                .map(|a| a.request),
        )
    }

    /// A substitute approved for one of the order's lines: the selected
    /// line first.
    fn approved_substitute(
        &self,
        cx: &Cx,
        item: &ItemId,
        qty: Qty,
    ) -> Result<Option<(DemandLineId, DocId)>, ViewError> {
        let Some(wo) = self.order.as_ref() else {
            return Ok(None);
        };
        let mut lines: Vec<DemandLineId> = self.line.iter().cloned().collect();
        lines.extend(cx.cache.view().lines_of(wo)?.into_iter().map(|l| l.id));
        for line in lines {
            if let Some(request) =
                self.approved(cx, ApprovalKind::Substitution, item, qty, Some(&line))?
            {
                return Ok(Some((line, request)));
            }
        }
        Ok(None)
    }

    /// The line an unlisted substitute stands in for, when the person
    /// asks: the selected one, or the order's only line.
    fn asked_line(&self, cx: &Cx) -> Result<Option<DemandLineId>, ViewError> {
        if self.line.is_some() {
            return Ok(self.line.clone());
        }
        let Some(wo) = self.order.as_ref() else {
            return Ok(None);
        };
        let lines = cx.cache.view().lines_of(wo)?;
        Ok(match lines.as_slice() {
            [only] => Some(only.id.clone()),
            _ => None,
        })
    }

    fn after_quantity(&mut self, cx: &mut Cx) -> Option<VerdictModel> {
        if self.mode == Mode::Additional
            && self.approver_badge.is_none()
            && let Some(w) = &self.waiting
        {
            let qty = w.qty.unwrap_or(Qty::units(1));
            match self.approved(cx, ApprovalKind::Additional, &w.part.item.id, qty, None) {
                Err(e) => return Some(storage_failure(&e)),
                // Approved in the back office: no PIN needed.
                Ok(Some(request)) => {
                    let w = self.waiting.take()?;
                    return Some(self.judge_pick(cx, w, None, Some(request)));
                }
                Ok(None) => {
                    self.asking = Some(Asking {
                        kind: ApprovalKind::Additional,
                        item: w.part.item.id.clone(),
                        name: w.part.item.name.clone(),
                        qty,
                        line: None,
                    });
                }
            }
        }
        if matches!(self.mode, Mode::Additional | Mode::Emergency) && self.approver_badge.is_none()
        {
            self.ask_pin = true;
            return None;
        }
        let waiting = self.waiting.take()?;
        let approver = self.approver_badge.as_ref().map(|(_, user)| user.clone());
        Some(self.judge_pick(cx, waiting, approver, None))
    }

    /// Records a request for the approval nobody at the shelf could give.
    fn ask(&mut self, cx: &mut Cx) -> Option<VerdictModel> {
        let a = self.asking.take()?;
        let line = match a.kind {
            ApprovalKind::Substitution if a.line.is_none() => match self.asked_line(cx) {
                Ok(Some(l)) => Some(l),
                Ok(None) => {
                    self.asking = Some(a);
                    return Some(problem(
                        "line_required",
                        t("Which planned part does it replace?"),
                        t("Tap that line of the order, then Ask an approver again."),
                    ));
                }
                Err(e) => return Some(storage_failure(&e)),
            },
            _ => a.line.clone(),
        };
        let mut doc = cx.doc(Body::ApprovalRequest {
            what: a.kind,
            item: a.item.clone(),
            qty: a.qty,
        });
        doc.work_order = self.order.clone();
        doc.line = line;
        doc.reason = self.mode.reason();
        if let Err(e) = reasons::apply(cx, &mut doc, self.reason.as_ref()) {
            return Some(storage_failure(&e));
        }
        Some(match cx.submit(doc) {
            Ok(Ok(_)) => accepted_verdict(
                t("Approval asked"),
                format!(
                    "{} × {} — {}",
                    a.qty,
                    a.name,
                    t(
                        "an approver decides in the back office; once approved, scan the part again: no PIN is needed."
                    )
                ),
            ),
            Ok(Err(r)) => refused_verdict(&r),
            Err(e) => storage_failure(&e),
        })
    }

    fn judge_pick(
        &mut self,
        cx: &mut Cx,
        w: Waiting,
        approver: Option<String>,
        approval: Option<DocId>,
    ) -> VerdictModel {
        let Some(bin) = self.bin.clone() else {
            return problem("bin_required", t("Scan the bin label first."), "");
        };
        let batch = match self.batch_for(cx, &w.part, &bin) {
            Ok(b) => b,
            Err(v) => return v,
        };
        let qty = w.qty.unwrap_or(Qty::units(1));
        let pick = Pick {
            item: w.part.item.id.clone(),
            bin: bin.clone(),
            batch: batch.clone(),
            serials: w.part.serial.clone().into_iter().collect(),
            qty,
            condition: Condition::New,
        };
        let mut line = match self.line_for(cx, &pick.item) {
            Ok(line) => line,
            Err(e) => return storage_failure(&e),
        };
        let mut approval = approval;
        if self.mode == Mode::Substitution && line.is_none() {
            match self.approved_substitute(cx, &pick.item, qty) {
                Ok(Some((l, request))) => {
                    line = Some(l);
                    approval = Some(request);
                }
                // Not listed, not approved: judged on the line it would
                // replace, so the refusal says a substitute needs approval.
                Ok(None) => match self.asked_line(cx) {
                    Ok(l) => line = l,
                    Err(e) => return storage_failure(&e),
                },
                Err(e) => return storage_failure(&e),
            }
        }
        let (item_id, item_name) = (pick.item.clone(), w.part.item.name.clone());
        let body = match self.mode {
            Mode::Issue => Body::Issue { pick, holder: None },
            Mode::Substitution => Body::SubstitutionIssue {
                pick,
                holder: None,
                approval,
            },
            Mode::Additional => Body::AdditionalIssue {
                pick,
                new_line: format!(
                    "{}-A{}",
                    self.order
                        .as_ref()
                        .map(|o| o.to_string())
                        .unwrap_or_default(),
                    &uuid::Uuid::now_v7().simple().to_string()[20..]
                )
                .into(),
                task: None,
                holder: None,
                approval,
            },
            Mode::Emergency => Body::EmergencyIssue {
                pick,
                asset: self.asset.clone(),
                holder: None,
            },
        };
        let mut doc = cx.doc(body);
        doc.work_order = self.order.clone();
        doc.line = match self.mode {
            Mode::Issue | Mode::Substitution => line.clone(),
            _ => None,
        };
        doc.reason = self.mode.reason();
        doc.approver = approver.map(Into::into);
        if let Err(e) = reasons::apply(cx, &mut doc, self.reason.as_ref()) {
            return storage_failure(&e);
        }
        if self.mode == Mode::Issue && line.is_none() {
            return problem(
                "item_not_on_line",
                format!("{} {}", w.part.item.id, t("is not on this work order")),
                t("Pick Substitute if it replaces a planned part, or Additional with an approver."),
            );
        }
        match cx.judge(&doc) {
            Ok(outcome) => {
                self.hint = shown(fefo(cx, &doc)).unwrap_or_default();
                let title = w.part.item.name.clone();
                let detail = match (&w.part.serial, &batch) {
                    (Some(s), _) => format!("{} · {}", w.part.item.id, s),
                    (None, Some(b)) => {
                        format!("{} · {} {} · × {}", w.part.item.id, t("batch"), b, qty)
                    }
                    (None, None) => format!("{} · × {}", w.part.item.id, qty),
                };
                self.pending.push(Pending {
                    doc,
                    title: title.clone(),
                    detail: detail.clone(),
                });
                let mut v = accepted_verdict(title, detail);
                if !outcome.exceptions.is_empty() {
                    v.what_to_do =
                        t("Accepted with an exception: a controller will check the stock.");
                }
                v
            }
            Err(j) => {
                let mut v = not_accepted(&j);
                // An unlisted substitute without an engineer: offer to ask.
                if self.mode == Mode::Substitution
                    && j.refusal()
                        .is_some_and(|r| r.code == ReasonCode::SubstituteNotAllowed)
                    && self.line_item(cx, line.as_ref()).as_ref() != Some(&item_id)
                {
                    self.asking = Some(Asking {
                        kind: ApprovalKind::Substitution,
                        item: item_id,
                        name: item_name,
                        qty,
                        line,
                    });
                    v.what_to_do = t(
                        "Ask an engineer at the shelf, or tap Ask an approver: they decide in the back office.",
                    );
                }
                v
            }
        }
    }

    /// The item `line` asks for.
    fn line_item(&self, cx: &Cx, line: Option<&DemandLineId>) -> Option<ItemId> {
        shown(cx.cache.view().line(line?)).map(|l| l.item)
    }

    /// The approvals this person asked for on the order, as rows: waiting,
    /// approved with something left, or refused with the reason.
    fn approval_rows(&self, cx: &Cx, wo: &WorkOrderId) -> Vec<RowModel> {
        let view = cx.cache.view();
        let mut asked: Vec<_> = shown(view.approvals_of(wo))
            .into_iter()
            .filter(|a| a.requested_by == cx.user.id)
            .collect();
        asked.sort_by_key(|a| std::cmp::Reverse((a.requested_at, a.request)));
        asked
            .into_iter()
            .filter_map(|a| {
                let title = format!("{} × {}", a.qty, a.item);
                let (detail, tone) = match (a.status(), &a.decision) {
                    (ApprovalStatus::Waiting, _) => (t("waiting for an approver"), Tone::Warn),
                    (ApprovalStatus::Approved, Some(d)) if a.left().is_positive() => (
                        format!(
                            "{} {} — {} {}",
                            t("approved by"),
                            d.by,
                            t("left to issue:"),
                            a.left()
                        ),
                        Tone::Ok,
                    ),
                    (ApprovalStatus::Refused, Some(d)) => (
                        format!(
                            "{} {}: {}",
                            t("refused by"),
                            d.by,
                            d.reason.clone().unwrap_or_default()
                        ),
                        Tone::Bad,
                    ),
                    // Approved and all issued: nothing to do about it.
                    _ => return None,
                };
                Some(
                    RowModel::new(format!("{APPROVAL_ROW}{}", a.request), title, detail).tone(tone),
                )
            })
            .collect()
    }

    fn confirm(&mut self, cx: &mut Cx) -> Option<VerdictModel> {
        if self.pending.is_empty() {
            return Some(problem(
                "nothing_to_confirm",
                t("Nothing scanned yet."),
                t("Scan parts first."),
            ));
        }
        let mut done = 0;
        let mut kept = Vec::new();
        let mut first: Option<VerdictModel> = None;
        let mut picks = std::mem::take(&mut self.pending).into_iter();
        while let Some(p) = picks.next() {
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
                // Not a refusal: the storage failed. This pick and the ones
                // after it stay, in order, to be confirmed again.
                Err(e) => {
                    first = Some(storage_failure(&e));
                    kept.push(p);
                    kept.extend(picks);
                    break;
                }
            }
        }
        self.approver_badge = None;
        self.hint.clear();
        if let Some(v) = first {
            // Refused picks stay listed so nothing is silently lost.
            self.pending = kept;
            return Some(v);
        }
        Some(accepted_verdict(
            t("Issued"),
            format!("{done} {}", t("documents recorded; they sync when online")),
        ))
    }
}

fn pick_of(doc: &Document) -> Option<&Pick> {
    match &doc.body {
        Body::Issue { pick, .. }
        | Body::SubstitutionIssue { pick, .. }
        | Body::AdditionalIssue { pick, .. }
        | Body::EmergencyIssue { pick, .. } => Some(pick),
        _ => None,
    }
}

/// "An earlier-expiring batch exists" (FEFO), from core's hint.
fn fefo(cx: &Cx, doc: &Document) -> Result<Option<String>, ViewError> {
    let Some((pick, batch)) = pick_of(doc).and_then(|p| Some((p, p.batch.as_ref()?))) else {
        return Ok(None);
    };
    let view = cx.cache.view();
    let Some(wh) = view.bin(&pick.bin)?.map(|b| b.warehouse) else {
        return Ok(None);
    };
    let Some((b, bin, expiry)) =
        rules::fefo_hint(&view, &pick.item, &wh, batch, cx.now.date_naive())?
    else {
        return Ok(None);
    };
    Ok(Some(format!(
        "{} {b} ({} {bin}) {} {expiry}",
        t("Batch"),
        t("bin"),
        t("expires earlier:")
    )))
}

impl Flow for IssueFlow {
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        if self.ask_pin {
            if let Resolved::Badge(b) = &scanned {
                return match cx.badge_user(b) {
                    Err(e) => Some(storage_failure(e)),
                    Ok(Some(u)) => {
                        self.approver_badge = Some((b.clone(), u.id.to_string()));
                        None
                    }
                    Ok(None) => Some(problem(
                        "unknown_badge",
                        t("Unknown badge."),
                        t("Scan the approver's badge."),
                    )),
                };
            }
            return Some(problem(
                "badge_required",
                t("The approver's badge is needed."),
                t("Scan the approver's badge, then the PIN."),
            ));
        }
        match scanned {
            Resolved::WorkOrder(wo) => Some(self.set_order(wo)),
            Resolved::Asset(a) => {
                self.asset = Some(a.id.clone());
                if self.order.is_none()
                    && let Ok(Some(wo)) = cx.cache.order_of_asset(&a.id)
                {
                    return Some(self.set_order(wo));
                }
                Some(accepted_verdict(a.id.to_string(), a.name))
            }
            Resolved::Bin(b) => {
                self.bin = Some(b.id.clone());
                Some(accepted_verdict(
                    format!("{} {}", t("Bin"), b.id),
                    t("Now scan the parts."),
                ))
            }
            Resolved::Part(p) => self.part(cx, p),
            Resolved::Badge(_) => Some(problem(
                "wrong_step",
                t("A badge is not needed now."),
                t("Scan the work order, the bin or a part."),
            )),
            Resolved::Document(_) => Some(problem(
                "wrong_step",
                t("A document label is not needed here."),
                t("Scan the work order, the bin or a part."),
            )),
            Resolved::Unknown(code) => Some(problem(
                "unknown_code",
                format!("{} {code}", t("Nothing in this site's data has the code")),
                t("Check the label; sync if the part is new; or type the item code."),
            )),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Select(id) => {
                if id.starts_with(APPROVAL_ROW) {
                    return None;
                }
                if self.order.is_none() {
                    let wo = or_storage!(cx.cache.view().work_order(&id.as_str().into()))?;
                    return Some(self.set_order(wo));
                }
                self.line = Some(id.into());
                None
            }
            Input::Choose(id) => {
                if id == ASK {
                    return self.ask(cx);
                }
                if let Some(code) = reasons::chosen(&id) {
                    self.reason = Some(code);
                    return None;
                }
                if let Some(m) = Mode::ALL.into_iter().find(|m| m.id() == id) {
                    self.mode = m;
                    self.approver_badge = None;
                    self.asking = None;
                }
                None
            }
            Input::Remove(id) => {
                self.pending.retain(|p| p.doc.id.to_string() != id);
                None
            }
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let q = q?;
                match q.trim().parse::<Qty>() {
                    Ok(qty) if qty.is_positive() => {
                        if let Some(w) = self.waiting.as_mut() {
                            w.qty = Some(qty);
                        }
                        self.after_quantity(cx)
                    }
                    _ => {
                        self.waiting = None;
                        Some(problem(
                            "bad_quantity",
                            format!("{} {q}", t("Not a quantity:")),
                            t("Scan the part again and enter a number above zero."),
                        ))
                    }
                }
            }
            Input::Pin(pin) => {
                self.ask_pin = false;
                let Some(pin) = pin else {
                    self.waiting = None;
                    self.approver_badge = None;
                    return None;
                };
                let Some((badge, _)) = self.approver_badge.clone() else {
                    self.waiting = None;
                    return Some(problem(
                        "badge_required",
                        t("The approver's badge was not scanned."),
                        t("Scan the part again, then the approver's badge and PIN."),
                    ));
                };
                match cx.check_pin(&badge, &pin) {
                    Ok(u) => {
                        let w = self.waiting.take()?;
                        let v = self.judge_pick(cx, w, Some(u.id.to_string()), None);
                        // One approval covers the next parts only if the
                        // rules took it; a refused approver is asked again.
                        if !v.ok {
                            self.approver_badge = None;
                        }
                        Some(v)
                    }
                    Err(why) => {
                        self.approver_badge = None;
                        self.waiting = None;
                        Some(problem(
                            "wrong_pin",
                            why,
                            t("Scan the part again and let the approver retry."),
                        ))
                    }
                }
            }
            Input::Confirm => self.confirm(cx),
            Input::Cancel => {
                *self = IssueFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, cx: &Cx) -> ScreenModel {
        let view = cx.cache.view();
        let mut m = ScreenModel {
            confirm_label: t("Confirm issue"),
            can_confirm: !self.pending.is_empty(),
            hint: self.hint.clone(),
            ..ScreenModel::default()
        };
        m.choices = Mode::ALL
            .into_iter()
            .map(|mode| {
                RowModel::new(mode.id(), mode.title(), "").tone(if mode == self.mode {
                    Tone::Ok
                } else {
                    Tone::Plain
                })
            })
            .collect();
        if let Some(a) = self.asking.as_ref().filter(|_| !self.ask_pin) {
            m.choices.push(
                RowModel::new(ASK, t("Ask an approver"), format!("{} × {}", a.qty, a.name))
                    .tone(Tone::Warn),
            );
        }
        if self.mode == Mode::Substitution {
            m.choices.extend(shown(reasons::choices(
                cx,
                &[ReasonKind::Substitution],
                self.reason.as_ref(),
            )));
        }
        match self.order(cx) {
            None if self.mode == Mode::Emergency => {
                m.prompt = if self.bin.is_none() {
                    t("Emergency: scan the asset, then the bin")
                } else {
                    t("Scan the parts")
                };
                m.header = self
                    .asset
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| t("Emergency issue"));
            }
            None => {
                m.prompt = t("Scan the work order");
                m.header = t("Choose a work order");
                m.rows = cx
                    .cache
                    .open_orders()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|wo| {
                        RowModel::work_order(&wo).tone(if wo.state.status.is_open() {
                            Tone::Plain
                        } else {
                            Tone::Warn
                        })
                    })
                    .collect();
            }
            Some(wo) => {
                m.header = format!(
                    "{} · {} · {}",
                    wo.id,
                    wo.asset,
                    super::text::status(wo.state.status)
                );
                m.subheader = wo.scope.clone();
                m.prompt = if self.bin.is_none() {
                    t("Scan the bin")
                } else {
                    format!(
                        "{} {} — {}",
                        t("Bin"),
                        self.bin.as_ref().map(|b| b.to_string()).unwrap_or_default(),
                        t("scan the parts")
                    )
                };
                m.lines = super::site::line_models(cx, &wo.id, self.line.as_ref());
                m.rows = self.approval_rows(cx, &wo.id);
                m.rows_title = t("Approvals you asked for");
            }
        }
        m.pending = self
            .pending
            .iter()
            .map(|p| RowModel::new(p.doc.id.to_string(), p.title.clone(), p.detail.clone()))
            .collect();
        if self.ask_quantity
            && let Some(w) = &self.waiting
        {
            m.ask_quantity = Some(QuantityAsk {
                title: format!("{} ({})", w.part.item.name, w.part.item.unit),
                preset: w
                    .part
                    .qty
                    .map(|q| q.to_string())
                    .unwrap_or_else(|| "1".into()),
            });
        }
        if self.ask_pin {
            m.ask_pin = Some(PinAsk {
                title: match self.mode {
                    Mode::Emergency => t("Supervisor's approval: scan the badge, enter the PIN"),
                    _ => t("Approver's approval: scan the badge, enter the PIN"),
                },
                who: self
                    .approver_badge
                    .as_ref()
                    .and_then(|(_, u)| shown(view.user(&u.as_str().into())))
                    .map(|u| u.name)
                    .unwrap_or_default(),
            });
        }
        m
    }

    fn context_item(&self) -> Option<ItemId> {
        self.waiting.as_ref().map(|w| w.part.item.id.clone())
    }

    fn approver_badge(&self) -> Option<&str> {
        self.approver_badge
            .as_ref()
            .filter(|_| self.ask_pin)
            .map(|(badge, _)| badge.as_str())
    }

    fn redo(&mut self, cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        let wo = match &refused.work_order {
            Some(w) => or_storage!(cx.cache.view().work_order(w)),
            None => None,
        };
        if let Some(wo) = wo {
            self.set_order(wo);
        }
        if let Some(p) = pick_of(refused) {
            self.bin = Some(p.bin.clone());
        }
        self.line = refused.line.clone();
        None
    }
}
