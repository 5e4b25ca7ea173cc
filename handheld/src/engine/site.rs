//! On-site confirmation (the supervisor at the asset): scan the asset → its
//! open work order → scan the serials installed (issued to this order) and
//! removed (taken off this asset), or pick a line and enter what was used →
//! a verdict for each → confirm writes them off → the closure check shows
//! what still blocks the order, and complete / close are offered.

use sparescan_core::document::{Body, Document, RemovedUnit, Transition};
use sparescan_core::ids::*;
use sparescan_core::model::{
    DemandLine, Holding, InWorkKey, Item, SerialState, WoStatus, WorkOrder,
};
use sparescan_core::qty::Qty;
use sparescan_core::rules;
use sparescan_core::view::{LedgerView, ViewError};

use super::flow::Flow;
use super::model::*;
use super::reasons;
use super::resolve::{PartScan, Resolved};
use super::returns::{
    issue_ref, parse_qty, serial_state, unknown_code, warranty_note, where_is, wrong_step,
};
use super::{
    Cx, Input, accepted_verdict, not_accepted, problem, refused_verdict, shown, storage_failure, t,
    text,
};

/// The lines of a work order as the issue and confirm screens show them.
pub(crate) fn line_models(
    cx: &Cx,
    wo: &WorkOrderId,
    selected: Option<&DemandLineId>,
) -> Vec<LineModel> {
    let view = cx.cache.view();
    shown(view.lines_of(wo))
        .into_iter()
        .map(|l| {
            let counts = shown(view.line_counts(&l.id));
            let reserved: Qty = shown(view.reserves_of_line(&l.id))
                .iter()
                .filter(|r| r.is_active())
                .map(|r| r.locked)
                .sum();
            LineModel {
                id: l.id.to_string(),
                item: l.item.to_string(),
                description: shown(view.item(&l.item))
                    .map(|i| i.name)
                    .unwrap_or_default(),
                planned: l.planned.to_string(),
                reserved: reserved.to_string(),
                issued: counts.issued.to_string(),
                in_work: counts.in_work().to_string(),
                unit: l.unit.clone(),
                selected: selected == Some(&l.id),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Mode {
    #[default]
    Installed,
    Removed,
}

impl Mode {
    fn id(self) -> &'static str {
        match self {
            Mode::Installed => "installed",
            Mode::Removed => "removed",
        }
    }
}

/// One confirmed fact, before Confirm groups them into write-offs.
#[derive(Debug, Clone)]
enum Fact {
    /// A unit issued to this order, now on the asset.
    Installed {
        item: ItemId,
        serial: SerialNo,
        batch: Option<BatchCode>,
        line: DemandLineId,
        issue: Option<DocId>,
    },
    /// A unit taken off the asset.
    Removed { item: ItemId, serial: SerialNo },
    /// A quantity of a non-serial item used.
    Used {
        item: ItemId,
        batch: Option<BatchCode>,
        qty: Qty,
        line: DemandLineId,
        issue: Option<DocId>,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    id: String,
    fact: Fact,
    title: String,
    detail: String,
}

/// A non-serial line waiting for its quantity.
#[derive(Debug, Clone)]
struct Usage {
    line: DemandLine,
    item: Item,
    batch: Option<BatchCode>,
    in_work: Qty,
}

#[derive(Debug, Default)]
pub struct ConfirmFlow {
    order: Option<WorkOrderId>,
    line: Option<DemandLineId>,
    mode: Mode,
    entries: Vec<Entry>,
    waiting: Option<Usage>,
    ask_quantity: bool,
    expect_serial_of: Option<ItemId>,
    /// The blockers of the last refused close.
    refused_close: Vec<String>,
    /// One of the site's write-off reasons, chosen for what follows.
    reason: Option<ReasonId>,
}

/// The write-offs the facts make: installed units and used quantities by
/// (item, line, batch, issue); removed units with a write-off of their own
/// item, else on their own (zero quantity) on the item's line or the
/// order's first line. Each document with the entries it carries.
fn group(
    cx: &Cx,
    wo: &WorkOrderId,
    facts: &[&Entry],
    reason: Option<&ReasonId>,
) -> Result<Vec<(Document, Vec<String>)>, ViewError> {
    type Key = (ItemId, DemandLineId, Option<BatchCode>, Option<DocId>);
    struct Group {
        key: Key,
        qty: Qty,
        installed: Vec<SerialNo>,
        removed: Vec<RemovedUnit>,
        entries: Vec<String>,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut add = |key: Key, qty: Qty, serial: Option<SerialNo>, entry: &str| {
        let g = match groups.iter_mut().position(|g| g.key == key) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    key,
                    qty: Qty::ZERO,
                    installed: Vec::new(),
                    removed: Vec::new(),
                    entries: Vec::new(),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        g.qty += qty;
        g.installed.extend(serial);
        g.entries.push(entry.to_string());
    };
    for e in facts {
        match &e.fact {
            Fact::Installed {
                item,
                serial,
                batch,
                line,
                issue,
            } => add(
                (item.clone(), line.clone(), batch.clone(), *issue),
                Qty::units(1),
                Some(serial.clone()),
                &e.id,
            ),
            Fact::Used {
                item,
                batch,
                qty,
                line,
                issue,
            } => add(
                (item.clone(), line.clone(), batch.clone(), *issue),
                *qty,
                None,
                &e.id,
            ),
            Fact::Removed { .. } => {}
        }
    }
    let lines = cx.cache.view().lines_of(wo)?;
    for e in facts {
        let Fact::Removed { item, serial } = &e.fact else {
            continue;
        };
        let unit = RemovedUnit {
            item: item.clone(),
            serial: serial.clone(),
        };
        if let Some(g) = groups
            .iter_mut()
            .find(|g| g.key.0 == *item && !g.installed.is_empty())
        {
            g.removed.push(unit);
            g.entries.push(e.id.clone());
            continue;
        }
        let Some(line) = lines
            .iter()
            .find(|l| l.item == *item)
            .or_else(|| lines.first())
            .map(|l| l.id.clone())
        else {
            continue;
        };
        let key: Key = (item.clone(), line, None, None);
        match groups
            .iter_mut()
            .find(|g| g.key == key && g.installed.is_empty() && g.qty.is_zero())
        {
            Some(g) => {
                g.removed.push(unit);
                g.entries.push(e.id.clone());
            }
            None => groups.push(Group {
                key,
                qty: Qty::ZERO,
                installed: Vec::new(),
                removed: vec![unit],
                entries: vec![e.id.clone()],
            }),
        }
    }
    let mut docs = Vec::with_capacity(groups.len());
    for g in groups {
        let (item, line, batch, issue) = g.key;
        let mut doc = cx.doc(Body::WriteOff {
            item,
            batch,
            qty: g.qty,
            installed: g.installed,
            position: None,
            removed: g.removed,
        });
        doc.work_order = Some(wo.clone());
        doc.line = Some(line);
        doc.follows = issue;
        reasons::apply(cx, &mut doc, reason)?;
        docs.push((doc, g.entries));
    }
    Ok(docs)
}

impl ConfirmFlow {
    /// The order, for the screen.
    fn order(&self, cx: &Cx) -> Option<WorkOrder> {
        let o = self.order.as_ref()?;
        shown(cx.cache.view().work_order(o))
    }

    fn set_order(&mut self, wo: WorkOrder) -> VerdictModel {
        if self.order.as_ref() != Some(&wo.id) {
            self.entries.clear();
            self.line = None;
            self.waiting = None;
            self.refused_close.clear();
        }
        self.order = Some(wo.id.clone());
        if wo.state.status.is_open() {
            accepted_verdict(format!("{} · {}", wo.id, wo.asset), wo.scope.clone())
        } else {
            problem(
                "work_order_status",
                format!("{} {}", wo.id, text::status(wo.state.status)),
                t("Nothing more can be confirmed on this order."),
            )
        }
    }

    fn id_for(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }

    /// Judges `facts` as the write-offs they make.
    fn judge_facts(&self, cx: &Cx, facts: &[&Entry]) -> Result<(), VerdictModel> {
        let Some(wo) = &self.order else {
            return Err(no_order());
        };
        if facts.iter().any(|e| matches!(e.fact, Fact::Removed { .. }))
            && cx
                .cache
                .view()
                .lines_of(wo)
                .map_err(storage_failure)?
                .is_empty()
        {
            return Err(problem(
                "line_required",
                t("The order has no lines to record the removal on."),
                t("Ask the dispatcher to add the line."),
            ));
        }
        for (doc, _) in group(cx, wo, facts, self.reason.as_ref()).map_err(storage_failure)? {
            cx.judge(&doc).map_err(|j| not_accepted(&j))?;
        }
        Ok(())
    }

    /// Adds a fact if the rules accept it on its own.
    fn add(&mut self, cx: &Cx, entry: Entry) -> VerdictModel {
        match self.judge_facts(cx, &[&entry]) {
            Ok(()) => {
                let v = accepted_verdict(entry.title.clone(), entry.detail.clone());
                self.entries.push(entry);
                self.refused_close.clear();
                v
            }
            Err(v) => v,
        }
    }

    fn serial_listed(&self, item: &ItemId, serial: &SerialNo) -> bool {
        self.entries.iter().any(|e| match &e.fact {
            Fact::Installed {
                item: i, serial: s, ..
            }
            | Fact::Removed { item: i, serial: s } => i == item && s == serial,
            Fact::Used { .. } => false,
        })
    }

    fn installed(
        &mut self,
        cx: &Cx,
        wo: &WorkOrder,
        part: &PartScan,
        serial: &SerialNo,
    ) -> VerdictModel {
        let state = match serial_state(cx, &part.item.id, serial) {
            Ok(state) => state,
            Err(e) => return storage_failure(&e),
        };
        let (line, batch) = match &state {
            Some(SerialState::InWork {
                holding: Holding::Line(line),
                work_order: Some(w),
                batch,
                ..
            }) if *w == wo.id => (line.clone(), batch.clone()),
            Some(SerialState::Installed { asset, .. }) if *asset == wo.asset => {
                return problem(
                    "serial_not_in_work",
                    where_is(serial, state.as_ref()),
                    t("If it was taken off, choose Removed and scan it again."),
                );
            }
            other => {
                return problem(
                    "serial_not_in_work",
                    where_is(serial, other.as_ref()),
                    format!(
                        "{} {}",
                        t("Only units issued to this order can be installed:"),
                        wo.id
                    ),
                );
            }
        };
        let issue = match cx.cache.issue_of_serial(&part.item.id, serial) {
            Ok(acc) => acc.map(|a| a.doc.id),
            Err(e) => return storage_failure(&e),
        };
        let entry = Entry {
            id: self.id_for(),
            fact: Fact::Installed {
                item: part.item.id.clone(),
                serial: serial.clone(),
                batch,
                line: line.clone(),
                issue,
            },
            title: part.item.name.clone(),
            detail: format!("{} {} · {serial} · {line}", t("Installed:"), part.item.id),
        };
        self.add(cx, entry)
    }

    fn removed(
        &mut self,
        cx: &Cx,
        wo: &WorkOrder,
        part: &PartScan,
        serial: &SerialNo,
    ) -> VerdictModel {
        let state = match serial_state(cx, &part.item.id, serial) {
            Ok(state) => state,
            Err(e) => return storage_failure(&e),
        };
        match &state {
            None => {}
            Some(SerialState::Installed { asset, .. }) if *asset == wo.asset => {}
            Some(SerialState::InWork {
                work_order: Some(w),
                ..
            }) if *w == wo.id => {
                return problem(
                    "serial_not_on_asset",
                    where_is(serial, state.as_ref()),
                    t("If it was put on the asset, choose Installed and scan it again."),
                );
            }
            other => {
                return problem(
                    "serial_not_on_asset",
                    where_is(serial, other.as_ref()),
                    format!(
                        "{} {}",
                        t("Only units installed on the asset can be removed:"),
                        wo.asset
                    ),
                );
            }
        }
        let warranty = match warranty_note(cx, &part.item.id, serial) {
            Ok(note) => note,
            Err(e) => return storage_failure(&e),
        };
        let entry = Entry {
            id: self.id_for(),
            fact: Fact::Removed {
                item: part.item.id.clone(),
                serial: serial.clone(),
            },
            title: part.item.name.clone(),
            detail: format!(
                "{} {} · {serial} · {}{warranty}",
                t("Removed:"),
                part.item.id,
                wo.asset
            ),
        };
        self.add(cx, entry)
    }

    /// A non-serial part or line: ask how much was used.
    fn usage(
        &mut self,
        cx: &Cx,
        line: DemandLine,
        batch: Option<BatchCode>,
    ) -> Option<VerdictModel> {
        let view = cx.cache.view();
        let item = or_storage!(view.item(&line.item))?;
        if item.tracking.serial() {
            self.expect_serial_of = Some(item.id.clone());
            return Some(problem(
                "serial_required",
                format!("{} {}", item.id, t("is tracked by serial number")),
                t("Scan the serial number label of each unit installed."),
            ));
        }
        let in_work: Vec<(InWorkKey, Qty)> =
            or_storage!(view.in_work_of(&Holding::Line(line.id.clone())))
                .into_iter()
                .filter(|(k, q)| k.item == item.id && q.is_positive())
                .filter(|(k, _)| batch.is_none() || k.batch == batch)
                .collect();
        let listed: Qty = self
            .entries
            .iter()
            .filter_map(|e| match &e.fact {
                Fact::Used { line: l, qty, .. } if *l == line.id => Some(*qty),
                _ => None,
            })
            .sum();
        let (batch, qty) = match in_work.as_slice() {
            [] => {
                return Some(problem(
                    "not_in_work",
                    format!("{} {}: {}", line.id, item.id, t("nothing is in work")),
                    t("Issue the parts first, or choose another line."),
                ));
            }
            [(k, q)] => (k.batch.clone(), *q),
            _ => {
                return Some(problem(
                    "batch_required",
                    format!("{} {}", item.id, t("is in work in several batches")),
                    t("Scan the label with the batch number (GS1 AI 10)."),
                ));
            }
        };
        self.line = Some(line.id.clone());
        self.waiting = Some(Usage {
            line,
            item,
            batch,
            in_work: (qty - listed).max(Qty::ZERO),
        });
        self.ask_quantity = true;
        None
    }

    fn still_waiting(&mut self, u: Usage, verdict: VerdictModel) -> VerdictModel {
        self.waiting = Some(u);
        self.ask_quantity = true;
        verdict
    }

    fn used(&mut self, cx: &Cx, u: Usage, qty: Qty) -> VerdictModel {
        // The line's open issue the quantity came from (oldest first).
        // The quantity stays asked for after a storage failure, to enter
        // again.
        let issues = match cx.cache.open_issues_of_item(&u.item.id) {
            Ok(issues) => issues,
            Err(e) => return self.still_waiting(u, storage_failure(&e)),
        };
        let mut issue = None;
        for (acc, open) in &issues {
            match issue_ref(cx, acc, Some(*open)) {
                Ok(Some(i)) if i.line.as_ref() == Some(&u.line.id) && i.batch == u.batch => {
                    issue = Some(i.id);
                    break;
                }
                Ok(_) => {}
                Err(e) => return self.still_waiting(u, storage_failure(&e)),
            }
        }
        let batch_text = u
            .batch
            .as_ref()
            .map(|b| format!(" · {} {b}", t("batch")))
            .unwrap_or_default();
        let entry = Entry {
            id: self.id_for(),
            fact: Fact::Used {
                item: u.item.id.clone(),
                batch: u.batch.clone(),
                qty,
                line: u.line.id.clone(),
                issue,
            },
            title: u.item.name.clone(),
            detail: format!(
                "{} {}{batch_text} · × {qty} · {}",
                t("Used:"),
                u.item.id,
                u.line.id
            ),
        };
        self.add(cx, entry)
    }

    fn part(&mut self, cx: &mut Cx, part: PartScan) -> Option<VerdictModel> {
        let Some(wo) = self.order(cx) else {
            return Some(no_order());
        };
        if let Some(serial) = &part.serial {
            if self.serial_listed(&part.item.id, serial) {
                return Some(problem(
                    "already_scanned",
                    t("This unit is already in the list."),
                    t("Scan the next unit, or confirm."),
                ));
            }
            return Some(match self.mode {
                Mode::Installed => self.installed(cx, &wo, &part, serial),
                Mode::Removed => self.removed(cx, &wo, &part, serial),
            });
        }
        if part.item.tracking.serial() {
            self.expect_serial_of = Some(part.item.id.clone());
            return Some(problem(
                "serial_required",
                format!("{} {}", part.item.id, t("is tracked by serial number")),
                t("Scan the serial number label of the unit."),
            ));
        }
        if self.mode == Mode::Removed {
            return Some(problem(
                "serial_required",
                t("Removed units are recorded by serial number."),
                t("Scan the serial number label of the unit taken off."),
            ));
        }
        let view = cx.cache.view();
        let lines: Vec<DemandLine> = or_storage!(view.lines_of(&wo.id))
            .into_iter()
            .filter(|l| l.item == part.item.id)
            .collect();
        let mut in_work = None;
        for l in &lines {
            if or_storage!(view.line_counts(&l.id)).in_work().is_positive() {
                in_work = Some(l);
                break;
            }
        }
        let line = self
            .line
            .as_ref()
            .and_then(|sel| lines.iter().find(|l| l.id == *sel))
            .or(in_work)
            .or_else(|| lines.first())
            .cloned();
        match line {
            Some(l) => self.usage(cx, l, part.batch.clone()),
            None => Some(problem(
                "item_not_on_line",
                format!("{} {}", part.item.id, t("is not on this work order")),
                t("Scan a part of this order's lines."),
            )),
        }
    }

    fn confirm(&mut self, cx: &mut Cx) -> VerdictModel {
        let Some(wo) = self.order.clone() else {
            return no_order();
        };
        if self.entries.is_empty() {
            return problem(
                "nothing_to_confirm",
                t("Nothing scanned yet."),
                t("Scan the installed and removed units first."),
            );
        }
        let entries = std::mem::take(&mut self.entries);
        let refs: Vec<&Entry> = entries.iter().collect();
        let docs = match group(cx, &wo, &refs, self.reason.as_ref()) {
            Ok(docs) => docs,
            Err(e) => {
                // Nothing was recorded: the entries stay to confirm again.
                self.entries = entries;
                return storage_failure(&e);
            }
        };
        let mut done = 0;
        let mut kept: Vec<String> = Vec::new();
        let mut first: Option<VerdictModel> = None;
        for (doc, ids) in docs {
            match cx.submit(doc) {
                Ok(Ok(_)) => done += 1,
                Ok(Err(r)) => {
                    first.get_or_insert_with(|| refused_verdict(&r));
                    kept.extend(ids);
                }
                Err(e) => {
                    first.get_or_insert_with(|| storage_failure(&e));
                    kept.extend(ids);
                }
            }
        }
        // Refused write-offs stay listed so nothing is silently lost.
        self.entries = entries
            .into_iter()
            .filter(|e| kept.contains(&e.id))
            .collect();
        if let Some(v) = first {
            return v;
        }
        let blockers = shown(rules::closure_blockers(&cx.cache.view(), &wo));
        accepted_verdict(
            t("Written off"),
            format!(
                "{done} {}. {}",
                t("documents recorded; they sync when online"),
                if blockers.is_empty() {
                    t("Nothing blocks closure.")
                } else {
                    format!("{}: {}", t("Still blocking closure"), blockers.len())
                }
            ),
        )
    }

    fn transition(&mut self, cx: &mut Cx, transition: Transition) -> VerdictModel {
        let Some(wo) = self.order.clone() else {
            return no_order();
        };
        if !self.entries.is_empty() {
            return problem(
                "unconfirmed",
                t("Scanned units are not confirmed yet."),
                t("Confirm them (or remove them) first."),
            );
        }
        let mut doc = cx.doc(Body::WoStatusChange { transition });
        doc.work_order = Some(wo.clone());
        match cx.submit(doc) {
            Ok(Ok(_)) => {
                self.refused_close.clear();
                let status = shown(cx.cache.view().work_order(&wo))
                    .map(|w| text::status(w.state.status))
                    .unwrap_or_default();
                accepted_verdict(
                    match transition {
                        Transition::Close => t("Work order closed"),
                        _ => t("Work completed"),
                    },
                    format!("{wo}: {status}"),
                )
            }
            Ok(Err(r)) => {
                if transition == Transition::Close {
                    self.refused_close = r.blockers.iter().map(text::blocker).collect();
                }
                refused_verdict(&r)
            }
            Err(e) => storage_failure(&e),
        }
    }
}

fn no_order() -> VerdictModel {
    problem(
        "work_order_required",
        t("No work order chosen."),
        t("Scan the asset or the work order first."),
    )
}

/// The transitions the confirm screen offers that the order's status
/// allows now.
fn transitions(wo: &WorkOrder) -> Vec<Transition> {
    let mut out = Vec::new();
    if wo.state.status == WoStatus::InProgress && wo.state.completed_at.is_none() {
        out.push(Transition::Complete);
    }
    if matches!(
        wo.state.status,
        WoStatus::InProgress | WoStatus::AwaitingReturn | WoStatus::Cancelled
    ) {
        out.push(Transition::Close);
    }
    out
}

fn transition_id(t: Transition) -> &'static str {
    match t {
        Transition::Close => "close",
        _ => "complete",
    }
}

impl Flow for ConfirmFlow {
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        match scanned {
            Resolved::Asset(a) => match cx.cache.order_of_asset(&a.id) {
                Ok(Some(wo)) => Some(self.set_order(wo)),
                Ok(None) => Some(problem(
                    "no_open_order",
                    format!("{} {}", a.id, t("has no open work order")),
                    t("Scan the work order, or sync if it is new."),
                )),
                Err(e) => Some(storage_failure(&e)),
            },
            Resolved::WorkOrder(wo) => Some(self.set_order(wo)),
            Resolved::Part(p) => self.part(cx, p),
            Resolved::Unknown(code) => Some(unknown_code(&code)),
            Resolved::Bin(_) | Resolved::Badge(_) | Resolved::Document(_) => Some(wrong_step(t(
                "Scan the asset, the work order or the serial numbers.",
            ))),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Select(id) => {
                let view = cx.cache.view();
                if self.order.is_none() {
                    let wo = or_storage!(view.work_order(&id.as_str().into()))?;
                    return Some(self.set_order(wo));
                }
                let line = or_storage!(view.line(&id.as_str().into()))
                    .filter(|l| Some(&l.work_order) == self.order.as_ref())?;
                self.line = Some(line.id.clone());
                let serial =
                    or_storage!(view.item(&line.item)).is_some_and(|i| i.tracking.serial());
                if serial {
                    self.expect_serial_of = Some(line.item.clone());
                    return None;
                }
                // A line of a non-serial item: what was used of it.
                self.usage(cx, line, None)
            }
            Input::Choose(id) => match id.as_str() {
                _ if reasons::chosen(&id).is_some() => {
                    self.reason = reasons::chosen(&id);
                    None
                }
                "installed" => {
                    self.mode = Mode::Installed;
                    None
                }
                "removed" => {
                    self.mode = Mode::Removed;
                    None
                }
                "complete" => Some(self.transition(cx, Transition::Complete)),
                "close" => Some(self.transition(cx, Transition::Close)),
                _ => None,
            },
            Input::Remove(id) => {
                self.entries.retain(|e| e.id != id);
                None
            }
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let u = self.waiting.take()?;
                let q = q?;
                match parse_qty(&q, false) {
                    Ok(qty) => Some(self.used(cx, u, qty)),
                    Err(v) => Some(v),
                }
            }
            Input::Confirm => Some(self.confirm(cx)),
            Input::Cancel => {
                *self = ConfirmFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, cx: &Cx) -> ScreenModel {
        let mut m = ScreenModel {
            confirm_label: t("Confirm write-off"),
            can_confirm: !self.entries.is_empty(),
            ..ScreenModel::default()
        };
        m.choices = [Mode::Installed, Mode::Removed]
            .into_iter()
            .map(|mode| {
                let title = match mode {
                    Mode::Installed => t("Installed"),
                    Mode::Removed => t("Removed"),
                };
                RowModel::new(mode.id(), title, "").tone(if mode == self.mode {
                    Tone::Ok
                } else {
                    Tone::Plain
                })
            })
            .collect();
        m.choices.extend(shown(reasons::choices(
            cx,
            &[sparescan_core::model::ReasonKind::WriteOff],
            self.reason.as_ref(),
        )));
        let Some(wo) = self.order(cx) else {
            m.prompt = t("Scan the asset or the work order");
            m.header = t("On-site confirmation");
            m.rows = cx
                .cache
                .open_orders()
                .unwrap_or_default()
                .into_iter()
                .map(|wo| RowModel::work_order(&wo))
                .collect();
            return m;
        };
        for tr in transitions(&wo) {
            let (title, detail) = match tr {
                Transition::Close => (t("Close the order"), t("Only when nothing blocks it")),
                _ => (t("Work complete"), t("Leftovers are then awaited back")),
            };
            m.choices
                .push(RowModel::new(transition_id(tr), title, detail));
        }
        m.header = format!(
            "{} · {} · {}",
            wo.id,
            wo.asset,
            text::status(wo.state.status)
        );
        m.subheader = wo.scope.clone();
        m.prompt = match self.mode {
            Mode::Installed => {
                t("Scan the serial of each unit installed, or pick a line for what was used")
            }
            Mode::Removed => t("Scan the serial of each unit taken off the asset"),
        };
        m.lines = line_models(cx, &wo.id, self.line.as_ref());
        m.pending = self
            .entries
            .iter()
            .map(|e| {
                let tone = match e.fact {
                    Fact::Removed { .. } => Tone::Warn,
                    _ => Tone::Plain,
                };
                RowModel::new(e.id.clone(), e.title.clone(), e.detail.clone()).tone(tone)
            })
            .collect();
        let view = cx.cache.view();
        // What is on the asset now, to scan when taken off.
        if self.mode == Mode::Removed {
            m.rows = shown(view.removed_units_of(&wo.id))
                .into_iter()
                .map(|k| {
                    RowModel::new(
                        format!("{}/{}", k.item, k.serial),
                        format!("{} · {}", k.item, k.serial),
                        t("removed, waiting to come back to the store"),
                    )
                    .tone(Tone::Warn)
                })
                .collect();
        }
        let blockers: Vec<String> = if self.refused_close.is_empty() {
            shown(rules::closure_blockers(&view, &wo.id))
                .iter()
                .map(text::blocker)
                .collect()
        } else {
            self.refused_close.clone()
        };
        m.blockers = blockers
            .into_iter()
            .enumerate()
            .map(|(i, b)| RowModel::new(format!("blocker-{i}"), b, "").tone(Tone::Bad))
            .collect();
        if m.blockers.is_empty() && wo.state.status.is_open() {
            m.hint = t("Nothing blocks closure.");
        }
        if self.ask_quantity
            && let Some(u) = &self.waiting
        {
            m.ask_quantity = Some(QuantityAsk {
                title: format!("{} ({}) · {}", u.item.name, u.item.unit, t("used")),
                preset: u.in_work.to_string(),
            });
        }
        m
    }

    fn context_item(&self) -> Option<ItemId> {
        self.expect_serial_of.clone()
    }

    fn redo(&mut self, cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        let wo = match &refused.work_order {
            Some(w) => or_storage!(cx.cache.view().work_order(w)),
            None => None,
        };
        if let Some(wo) = wo {
            self.set_order(wo);
        }
        self.line = refused.line.clone();
        if let Body::WriteOff {
            item,
            installed,
            removed,
            ..
        } = &refused.body
        {
            if installed.is_empty() && !removed.is_empty() {
                self.mode = Mode::Removed;
            }
            self.expect_serial_of = Some(item.clone());
        }
        None
    }
}
