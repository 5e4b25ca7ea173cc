//! Store work away from orders: receiving a transfer, tools out and back,
//! and the cycle count.
//!
//! Transfer: scan the transfer's label → what is in transit → the receiving
//! bin → the serials (or the quantity) → confirm.
//! Tools: the tools out (overdue in red); scan a tool on the shelf to check
//! it out (to the work order scanned first, if any), scan one that is out
//! to take it back (then its bin).
//! Count: scan the bin → the item (and its batch label) → the counted
//! quantity → confirm.

use chrono::Duration;
use sparescan_core::document::{Body, Document, Pick};
use sparescan_core::ids::*;
use sparescan_core::model::{Condition, Item, ItemKind, SerialState, ToolOut, Transit};
use sparescan_core::qty::Qty;
use sparescan_core::rules;
use sparescan_core::view::{LedgerView, ViewError};

use super::flow::Flow;
use super::model::*;
use super::resolve::{PartScan, Resolved};
use super::returns::{
    Pending, parse_qty, serial_state, submit_all, unknown_code, where_is, wrong_step,
};
use super::{Cx, Input, accepted_verdict, not_accepted, problem, shown, storage_failure, t, text};

/// How long a tool goes out for when the site sets nothing else.
const TOOL_LOAN_HOURS: i64 = 8;

fn bin_first() -> VerdictModel {
    problem(
        "bin_required",
        t("Which bin?"),
        t("Scan the bin label first."),
    )
}

// ---------------------------------------------------------------------
// Transfer receipt
// ---------------------------------------------------------------------

#[derive(Debug, Default)]
pub struct TransferFlow {
    transfer: Option<Transit>,
    bin: Option<BinId>,
    serials: Vec<SerialNo>,
    qty: Option<Qty>,
    ask_quantity: bool,
}

impl TransferFlow {
    fn doc(&self, cx: &Cx) -> Option<Document> {
        let transit = self.transfer.as_ref()?;
        let bin = self.bin.clone()?;
        let qty = if self.serials.is_empty() {
            self.qty?
        } else {
            Qty::units(self.serials.len() as i64)
        };
        let mut doc = cx.doc(Body::TransferIn {
            to_bin: bin,
            qty,
            serials: self.serials.clone(),
        });
        doc.follows = Some(transit.transfer);
        Some(doc)
    }

    fn item(&self, cx: &Cx) -> Result<Option<Item>, ViewError> {
        match &self.transfer {
            Some(tr) => cx.cache.view().item(&tr.item),
            None => Ok(None),
        }
    }

    /// Judges the receipt as it stands.
    fn judge(&self, cx: &Cx, title: String, detail: String) -> Result<VerdictModel, VerdictModel> {
        let doc = self.doc(cx).ok_or_else(bin_first)?;
        match cx.judge(&doc) {
            Ok(_) => Ok(accepted_verdict(title, detail)),
            Err(j) => Err(not_accepted(&j)),
        }
    }

    fn document(&mut self, cx: &mut Cx, id: DocId) -> VerdictModel {
        let view = cx.cache.view();
        let transit = match view.transit(&id) {
            Ok(t) => t,
            Err(e) => return storage_failure(&e),
        };
        match transit {
            Some(tr) => {
                let item = shown(view.item(&tr.item))
                    .map(|i| i.name)
                    .unwrap_or_default();
                let v = accepted_verdict(
                    format!("{} · {}", t("Transfer"), tr.item),
                    format!(
                        "{item} · {} {} → {}",
                        tr.qty,
                        t("in transit"),
                        tr.to_warehouse
                    ),
                );
                *self = TransferFlow {
                    transfer: Some(tr),
                    ..TransferFlow::default()
                };
                v
            }
            None => match view.accepted(&id) {
                Err(e) => storage_failure(&e),
                Ok(a) => match a {
                    Some(a) if matches!(a.doc.body, Body::TransferOut { .. }) => problem(
                        "not_in_transit",
                        t("This transfer was received in full."),
                        t("Nothing is left to receive on it."),
                    ),
                    Some(a) => problem(
                        "not_a_transfer",
                        format!("{} {}", text::kind(a.doc.kind()), t("is not a transfer.")),
                        t("Scan the label of the transfer document."),
                    ),
                    None => problem(
                        "unknown_document",
                        t("This document is not in this device's data."),
                        t("Sync, then scan it again."),
                    ),
                },
            },
        }
    }

    fn part(&mut self, cx: &mut Cx, part: PartScan) -> Option<VerdictModel> {
        let Some(tr) = self.transfer.clone() else {
            return Some(problem(
                "transfer_required",
                t("Which transfer?"),
                t("Scan the transfer document's label first."),
            ));
        };
        if part.item.id != tr.item {
            return Some(problem(
                "wrong_item",
                format!(
                    "{} {} {}",
                    part.item.id,
                    t("is not on this transfer; it carries"),
                    tr.item
                ),
                t("Scan the parts of this transfer."),
            ));
        }
        if self.bin.is_none() {
            return Some(bin_first());
        }
        if !part.item.tracking.serial() {
            if let Some(q) = part.qty {
                self.qty = Some(q);
                return Some(
                    self.judge(
                        cx,
                        part.item.name.clone(),
                        format!("{} × {q}", part.item.id),
                    )
                    .unwrap_or_else(|v| v),
                );
            }
            self.ask_quantity = true;
            return None;
        }
        let Some(serial) = part.serial else {
            return Some(problem(
                "serial_required",
                format!("{} {}", part.item.id, t("is tracked by serial number")),
                t("Scan the serial number label of each unit."),
            ));
        };
        if self.serials.contains(&serial) {
            return Some(problem(
                "already_scanned",
                t("This unit is already in the list."),
                t("Scan the next unit, or confirm."),
            ));
        }
        if !tr.serials.contains(&serial) {
            let state = or_storage!(serial_state(cx, &part.item.id, &serial));
            return Some(problem(
                "not_in_transit",
                where_is(&serial, state.as_ref()),
                t("This unit is not on this transfer."),
            ));
        }
        self.serials.push(serial.clone());
        match self.judge(
            cx,
            part.item.name.clone(),
            format!("{} · {serial}", part.item.id),
        ) {
            Ok(v) => Some(v),
            Err(v) => {
                self.serials.pop();
                Some(v)
            }
        }
    }
}

impl Flow for TransferFlow {
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        match scanned {
            Resolved::Document(id) => Some(self.document(cx, id)),
            Resolved::Bin(b) => {
                let Some(tr) = &self.transfer else {
                    return Some(problem(
                        "transfer_required",
                        t("Which transfer?"),
                        t("Scan the transfer document's label first."),
                    ));
                };
                if b.warehouse != tr.to_warehouse {
                    return Some(problem(
                        "wrong_warehouse",
                        format!(
                            "{} {} {}",
                            t("This transfer goes to"),
                            tr.to_warehouse,
                            t("and the bin is elsewhere.")
                        ),
                        format!("{} {}", t("Scan a bin of"), tr.to_warehouse),
                    ));
                }
                if !tr.condition.fits_zone(b.zone) {
                    return Some(problem(
                        "zone_mismatch",
                        format!(
                            "{} {}: {} ({})",
                            t("Bin"),
                            b.id,
                            t("its zone does not take this stock"),
                            text::condition(tr.condition)
                        ),
                        t("Scan a storage bin."),
                    ));
                }
                self.bin = Some(b.id.clone());
                let serial = or_storage!(self.item(cx)).is_some_and(|i| i.tracking.serial());
                if !serial && self.qty.is_none() {
                    self.ask_quantity = true;
                    return None;
                }
                Some(accepted_verdict(
                    format!("{} {}", t("Bin"), b.id),
                    if serial {
                        t("Now scan each unit.")
                    } else {
                        t("Received stock goes here.")
                    },
                ))
            }
            Resolved::Part(p) => self.part(cx, p),
            Resolved::Unknown(code) => Some(unknown_code(&code)),
            _ => Some(wrong_step(t(
                "Scan the transfer label, the bin, then the parts.",
            ))),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let q = q?;
                match parse_qty(&q, false) {
                    Ok(qty) => {
                        let before = self.qty.replace(qty);
                        let item = or_storage!(self.item(cx))?;
                        match self.judge(cx, item.name.clone(), format!("{} × {qty}", item.id)) {
                            Ok(v) => Some(v),
                            Err(v) => {
                                self.qty = before;
                                Some(v)
                            }
                        }
                    }
                    Err(v) => Some(v),
                }
            }
            Input::Remove(id) => {
                if id == "qty" {
                    self.qty = None;
                } else {
                    self.serials.retain(|s| s.as_str() != id);
                }
                None
            }
            Input::Confirm => {
                let Some(doc) = self.doc(cx) else {
                    return Some(problem(
                        "nothing_to_confirm",
                        t("Nothing scanned yet."),
                        t("Scan the bin, then the parts."),
                    ));
                };
                let mut pending = vec![Pending::new(doc, t("Transfer receipt"), String::new())];
                let v = submit_all(cx, &mut pending, t("Received"));
                if v.ok {
                    *self = TransferFlow::default();
                }
                Some(v)
            }
            Input::Cancel => {
                *self = TransferFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, cx: &Cx) -> ScreenModel {
        let mut m = ScreenModel {
            header: t("Transfer receipt"),
            confirm_label: t("Confirm receipt"),
            can_confirm: self.bin.is_some() && (!self.serials.is_empty() || self.qty.is_some()),
            ..ScreenModel::default()
        };
        let Some(tr) = &self.transfer else {
            m.prompt = t("Scan the transfer document's label");
            return m;
        };
        let item = shown(self.item(cx));
        let serial = item.as_ref().is_some_and(|i| i.tracking.serial());
        m.header = format!("{} · {}", t("Transfer"), tr.item);
        m.subheader = format!(
            "{} · {} {} · → {}",
            item.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
            tr.qty,
            t("in transit"),
            tr.to_warehouse
        );
        let mut detail = vec![text::condition(tr.condition)];
        if let Some(b) = &tr.batch {
            detail.push(format!("{} {b}", t("batch")));
        }
        m.rows = if serial {
            tr.serials
                .iter()
                .map(|s| {
                    let got = self.serials.contains(s);
                    RowModel::new(
                        s.to_string(),
                        format!("{} · {s}", tr.item),
                        detail.join(" · "),
                    )
                    .tone(if got { Tone::Ok } else { Tone::Plain })
                })
                .collect()
        } else {
            vec![RowModel::new(
                tr.transfer.to_string(),
                format!("{} × {}", tr.item, tr.qty),
                detail.join(" · "),
            )]
        };
        m.prompt = match (&self.bin, serial) {
            (None, _) => t("Scan the receiving bin"),
            (Some(_), true) => t("Scan each unit"),
            (Some(_), false) => t("Enter the quantity received"),
        };
        if let Some(b) = &self.bin {
            m.hint = format!("{} {b}", t("Into bin"));
        }
        m.pending = self
            .serials
            .iter()
            .map(|s| RowModel::new(s.to_string(), tr.item.to_string(), s.to_string()))
            .collect();
        if let Some(q) = self.qty
            && !serial
        {
            m.pending
                .push(RowModel::new("qty", tr.item.to_string(), format!("× {q}")));
        }
        if self.ask_quantity
            && let Some(item) = &item
        {
            m.ask_quantity = Some(QuantityAsk {
                title: format!("{} ({})", item.name, item.unit),
                preset: tr.qty.to_string(),
            });
        }
        m
    }

    fn context_item(&self) -> Option<ItemId> {
        self.transfer.as_ref().map(|tr| tr.item.clone())
    }

    fn redo(&mut self, cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        if let Some(id) = refused.follows {
            let v = self.document(cx, id);
            if !v.ok {
                return Some(v);
            }
        }
        None
    }
}

// ---------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------

#[derive(Debug, Default)]
pub struct ToolsFlow {
    /// A work order scanned first: checkouts go against it.
    order: Option<WorkOrderId>,
    bin: Option<BinId>,
    /// A tool out, waiting for the bin it goes back to.
    returning: Option<ToolOut>,
    /// A non-serial tool waiting for its quantity.
    waiting: Option<Item>,
    ask_quantity: bool,
    pending: Vec<Pending>,
}

impl ToolsFlow {
    fn listed(&self, item: &ItemId, serial: &SerialNo) -> bool {
        self.pending.iter().any(|p| {
            matches!(&p.doc.body, Body::ToolCheckout { pick, .. } if pick.item == *item && pick.serials.contains(serial))
        })
    }

    fn judge_push(
        &mut self,
        cx: &Cx,
        doc: Document,
        title: String,
        detail: String,
    ) -> VerdictModel {
        match cx.judge(&doc) {
            Ok(_) => {
                self.pending
                    .push(Pending::new(doc, title.clone(), detail.clone()));
                accepted_verdict(title, detail)
            }
            Err(j) => not_accepted(&j),
        }
    }

    fn checkout(&mut self, cx: &Cx, item: &Item, pick: Pick) -> VerdictModel {
        let due = cx.now + Duration::hours(TOOL_LOAN_HOURS);
        let what = if pick.serials.is_empty() {
            format!("{} × {}", item.id, pick.qty)
        } else {
            format!(
                "{} · {}",
                item.id,
                pick.serials
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut doc = cx.doc(Body::ToolCheckout {
            pick,
            due,
            holder: None,
        });
        doc.work_order = self.order.clone();
        let mut detail = format!("{} · {} {}", what, t("due"), due.format("%Y-%m-%d %H:%M"));
        if let Some(wo) = &self.order {
            detail = format!("{detail} · {wo}");
        }
        self.judge_push(cx, doc, format!("{}: {}", t("Out"), item.name), detail)
    }

    fn give_back(&mut self, cx: &Cx, out: ToolOut, bin: BinId) -> VerdictModel {
        let item = shown(cx.cache.view().item(&out.item))
            .map(|i| i.name)
            .unwrap_or_else(|| out.item.to_string());
        let what = if out.serials.is_empty() {
            format!("{} × {}", out.item, out.qty)
        } else {
            format!(
                "{} · {}",
                out.item,
                out.serials
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut doc = cx.doc(Body::ToolReturn {
            to_bin: bin.clone(),
        });
        doc.follows = Some(out.checkout);
        self.judge_push(
            cx,
            doc,
            format!("{}: {item}", t("Back")),
            format!("{what} → {bin}"),
        )
    }

    fn returning_pending(&self, checkout: &DocId) -> bool {
        self.pending
            .iter()
            .any(|p| p.doc.follows.as_ref() == Some(checkout))
    }

    fn part(&mut self, cx: &mut Cx, part: PartScan) -> Option<VerdictModel> {
        if part.item.kind != ItemKind::Tool {
            return Some(problem(
                "not_a_tool",
                format!("{} {}", part.item.id, t("is not a tool")),
                t("Parts are issued on the Issue screen."),
            ));
        }
        let Some(serial) = part.serial.clone() else {
            if part.item.tracking.serial() {
                return Some(problem(
                    "serial_required",
                    format!("{} {}", part.item.id, t("is tracked by serial number")),
                    t("Scan the serial number label of the tool."),
                ));
            }
            // A tool counted by quantity: out from the scanned bin, or back
            // by choosing its row.
            if self.bin.is_none() {
                return Some(problem(
                    "bin_required",
                    t("Which bin is it taken from?"),
                    t("Scan the bin label first; to give a tool back, choose its row."),
                ));
            }
            self.waiting = Some(part.item.clone());
            self.ask_quantity = true;
            return None;
        };
        if self.listed(&part.item.id, &serial) {
            return Some(problem(
                "already_scanned",
                t("This tool is already in the list."),
                t("Scan the next tool, or confirm."),
            ));
        }
        let state = or_storage!(serial_state(cx, &part.item.id, &serial));
        match state {
            Some(SerialState::InStock {
                bin,
                batch,
                condition,
            }) => {
                let pick = Pick {
                    item: part.item.id.clone(),
                    bin,
                    batch,
                    serials: vec![serial],
                    qty: Qty::units(1),
                    condition,
                };
                Some(self.checkout(cx, &part.item, pick))
            }
            Some(SerialState::CheckedOut { checkout, .. }) => {
                if self.returning_pending(&checkout) {
                    return Some(problem(
                        "already_scanned",
                        t("This tool is already in the list."),
                        t("Scan the next tool, or confirm."),
                    ));
                }
                let Some(out) = or_storage!(cx.cache.view().tool_out(&checkout)) else {
                    return Some(problem(
                        "unknown_document",
                        t("The checkout of this tool is not in this device's data."),
                        t("Sync, then scan it again."),
                    ));
                };
                match self.bin.clone() {
                    Some(bin) => Some(self.give_back(cx, out, bin)),
                    None => {
                        self.returning = Some(out);
                        Some(accepted_verdict(
                            format!("{} · {serial}", part.item.name),
                            t("Coming back: scan the bin it goes to."),
                        ))
                    }
                }
            }
            other => Some(problem(
                "tool_unavailable",
                where_is(&serial, other.as_ref()),
                t("Only tools on a shelf go out, and only tools out come back."),
            )),
        }
    }
}

impl Flow for ToolsFlow {
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        match scanned {
            Resolved::WorkOrder(wo) => {
                if !wo.state.status.is_open() {
                    return Some(problem(
                        "work_order_status",
                        format!("{} {}", wo.id, text::status(wo.state.status)),
                        t("Tools go out only against an open order."),
                    ));
                }
                self.order = Some(wo.id.clone());
                Some(accepted_verdict(
                    format!("{} · {}", wo.id, wo.asset),
                    t("Tools now go out against this order."),
                ))
            }
            Resolved::Bin(b) => {
                self.bin = Some(b.id.clone());
                if let Some(out) = self.returning.take() {
                    return Some(self.give_back(cx, out, b.id));
                }
                Some(accepted_verdict(
                    format!("{} {}", t("Bin"), b.id),
                    t("Now scan the tools."),
                ))
            }
            Resolved::Part(p) => self.part(cx, p),
            Resolved::Unknown(code) => Some(unknown_code(&code)),
            _ => Some(wrong_step(t("Scan a tool, a bin or a work order."))),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Select(id) => {
                let out = or_storage!(cx.cache.view().tools_out())
                    .into_iter()
                    .find(|o| o.checkout.to_string() == id)?;
                if self.returning_pending(&out.checkout) {
                    return Some(problem(
                        "already_scanned",
                        t("This tool is already in the list."),
                        t("Confirm."),
                    ));
                }
                match self.bin.clone() {
                    Some(bin) => Some(self.give_back(cx, out, bin)),
                    None => {
                        self.returning = Some(out);
                        None
                    }
                }
            }
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let item = self.waiting.take()?;
                let q = q?;
                let qty = match parse_qty(&q, false) {
                    Ok(q) => q,
                    Err(v) => return Some(v),
                };
                let bin = self.bin.clone()?;
                let pick = Pick {
                    item: item.id.clone(),
                    bin,
                    batch: None,
                    serials: Vec::new(),
                    qty,
                    condition: Condition::New,
                };
                Some(self.checkout(cx, &item, pick))
            }
            Input::Remove(id) => {
                self.pending.retain(|p| p.doc.id.to_string() != id);
                None
            }
            Input::Confirm => {
                let v = submit_all(cx, &mut self.pending, t("Recorded"));
                if v.ok {
                    self.returning = None;
                }
                Some(v)
            }
            Input::Cancel => {
                *self = ToolsFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, cx: &Cx) -> ScreenModel {
        let view = cx.cache.view();
        let mut m = ScreenModel {
            header: t("Tools"),
            confirm_label: t("Confirm"),
            can_confirm: !self.pending.is_empty(),
            ..ScreenModel::default()
        };
        if let Some(wo) = &self.order {
            m.subheader = format!("{} {wo}", t("Checkouts against"));
        }
        let overdue: Vec<DocId> = shown(rules::overdue_tools(&view, cx.now))
            .iter()
            .map(|o| o.checkout)
            .collect();
        let mut out = shown(view.tools_out());
        out.sort_by_key(|o| o.due);
        m.rows = out
            .iter()
            .map(|o| {
                let name = shown(view.item(&o.item))
                    .map(|i| i.name)
                    .unwrap_or_default();
                let what = if o.serials.is_empty() {
                    format!("{} × {}", o.item, o.qty)
                } else {
                    format!(
                        "{} · {}",
                        o.item,
                        o.serials
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                let holder = shown(view.user(&o.holder))
                    .map(|u| u.name)
                    .unwrap_or_else(|| o.holder.to_string());
                let late = overdue.contains(&o.checkout);
                let mut detail = format!(
                    "{name} · {holder} · {} {}",
                    t("due"),
                    o.due.format("%Y-%m-%d %H:%M")
                );
                if late {
                    detail = format!("{detail} · {}", t("overdue"));
                }
                if let Some(wo) = &o.work_order {
                    detail = format!("{detail} · {wo}");
                }
                let tone = if late {
                    Tone::Bad
                } else if self
                    .returning
                    .as_ref()
                    .is_some_and(|r| r.checkout == o.checkout)
                {
                    Tone::Ok
                } else {
                    Tone::Plain
                };
                RowModel::new(o.checkout.to_string(), what, detail).tone(tone)
            })
            .collect();
        m.prompt = if self.returning.is_some() {
            t("Scan the bin the tool goes back to")
        } else {
            t("Scan a tool to check it out or give it back")
        };
        if let Some(b) = &self.bin {
            m.hint = format!("{} {b}", t("Bin"));
        }
        m.pending = self.pending.iter().map(Pending::row).collect();
        if self.ask_quantity
            && let Some(item) = &self.waiting
        {
            m.ask_quantity = Some(QuantityAsk {
                title: format!("{} ({})", item.name, item.unit),
                preset: "1".into(),
            });
        }
        m
    }

    fn redo(&mut self, cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        self.order = refused.work_order.clone();
        if let Body::ToolReturn { .. } = refused.body
            && let Some(f) = refused.follows
            && let Some(out) = or_storage!(cx.cache.view().tool_out(&f))
        {
            self.returning = Some(out);
        }
        None
    }
}

// ---------------------------------------------------------------------
// Count
// ---------------------------------------------------------------------

#[derive(Debug, Default)]
pub struct CountFlow {
    bin: Option<BinId>,
    /// The item being counted, with the batch of its label.
    waiting: Option<(Item, Option<BatchCode>)>,
    ask_quantity: bool,
    pending: Vec<Pending>,
}

impl CountFlow {
    fn count(
        &mut self,
        cx: &Cx,
        item: Item,
        batch: Option<BatchCode>,
        counted: Qty,
    ) -> VerdictModel {
        let Some(bin) = self.bin.clone() else {
            return bin_first();
        };
        let doc = cx.doc(Body::Count {
            item: item.id.clone(),
            bin: bin.clone(),
            batch: batch.clone(),
            condition: Condition::New,
            counted,
            adjust: false,
        });
        let what = match &batch {
            Some(b) => format!("{} · {} {b}", item.id, t("batch")),
            None => item.id.to_string(),
        };
        match cx.judge(&doc) {
            Ok(outcome) => {
                let differs = outcome
                    .effects
                    .iter()
                    .any(|e| matches!(e, sparescan_core::effect::Effect::Discrepancy(_)));
                let detail = format!("{what} · {bin} · {} {counted} {}", t("counted"), item.unit);
                let mut p = Pending::new(doc, item.name.clone(), detail.clone());
                // A recount of the same position replaces the earlier one.
                self.pending.retain(|q| match &q.doc.body {
                    Body::Count {
                        item: i,
                        bin: b,
                        batch: c,
                        ..
                    } => !(*i == item.id && *b == bin && *c == batch),
                    _ => true,
                });
                let mut v = accepted_verdict(item.name.clone(), detail);
                if differs {
                    p.tone = Tone::Warn;
                    v.what_to_do = t("Differs from the books: a controller will check it.");
                }
                self.pending.push(p);
                v
            }
            Err(j) => not_accepted(&j),
        }
    }
}

impl Flow for CountFlow {
    fn scan(&mut self, _cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        match scanned {
            Resolved::Bin(b) => {
                self.bin = Some(b.id.clone());
                self.waiting = None;
                Some(accepted_verdict(
                    format!("{} {}", t("Bin"), b.id),
                    t("Now scan each item on it and enter the count."),
                ))
            }
            Resolved::Part(p) => {
                if self.bin.is_none() {
                    return Some(bin_first());
                }
                if p.item.tracking.batch() && p.batch.is_none() {
                    return Some(problem(
                        "batch_required",
                        format!("{} {}", p.item.id, t("is kept by batch")),
                        t("Scan the label with the batch number (GS1 AI 10)."),
                    ));
                }
                self.waiting = Some((p.item, p.batch));
                self.ask_quantity = true;
                None
            }
            Resolved::Unknown(code) => Some(unknown_code(&code)),
            _ => Some(wrong_step(t("Scan the bin, then the items on it."))),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let (item, batch) = self.waiting.take()?;
                let q = q?;
                match parse_qty(&q, true) {
                    Ok(counted) => Some(self.count(cx, item, batch, counted)),
                    Err(v) => Some(v),
                }
            }
            Input::Remove(id) => {
                self.pending.retain(|p| p.doc.id.to_string() != id);
                None
            }
            Input::Confirm => Some(submit_all(cx, &mut self.pending, t("Counted"))),
            Input::Cancel => {
                *self = CountFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, _cx: &Cx) -> ScreenModel {
        let mut m = ScreenModel {
            header: t("Cycle count"),
            confirm_label: t("Confirm count"),
            can_confirm: !self.pending.is_empty(),
            ..ScreenModel::default()
        };
        m.prompt = match &self.bin {
            None => t("Scan the bin"),
            Some(_) => t("Scan an item on the bin"),
        };
        if let Some(b) = &self.bin {
            m.header = format!("{} · {} {b}", t("Cycle count"), t("bin"));
        }
        m.pending = self.pending.iter().map(Pending::row).collect();
        if self.ask_quantity
            && let Some((item, batch)) = &self.waiting
        {
            let batch = batch
                .as_ref()
                .map(|b| format!(" · {} {b}", t("batch")))
                .unwrap_or_default();
            m.ask_quantity = Some(QuantityAsk {
                title: format!("{}{batch} ({}) · {}", item.name, item.unit, t("counted")),
                preset: String::new(),
            });
        }
        m
    }

    fn context_item(&self) -> Option<ItemId> {
        self.waiting.as_ref().map(|(i, _)| i.id.clone())
    }

    fn redo(&mut self, _cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        if let Body::Count { bin, .. } = &refused.body {
            self.bin = Some(bin.clone());
        }
        None
    }
}
