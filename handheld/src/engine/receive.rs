//! Goods receipt at the shelf (a clerk): scan the bin, then each label of
//! the delivery — GS1 labels carry the GTIN, the lot and its expiry, the
//! serial and the quantity — then confirm. Each label becomes a goods
//! receipt judged by the same rules as the server's; a new lot is made
//! known by its receipt, with the label's expiry.

use sparescan_core::document::{Body, Document, Receipt};
use sparescan_core::ids::*;
use sparescan_core::model::{Condition, Item};
use sparescan_core::qty::Qty;

use super::flow::Flow;
use super::model::*;
use super::resolve::{PartScan, Resolved};
use super::returns::{Pending, parse_qty, submit_all, unknown_code, wrong_step};
use super::{Cx, Input, accepted_verdict, not_accepted, problem, t};

#[derive(Debug, Default)]
pub struct ReceiveFlow {
    bin: Option<BinId>,
    /// A label without a quantity of an item counted by quantity: the
    /// keypad asks how many.
    waiting: Option<PartScan>,
    ask_quantity: bool,
    pending: Vec<Pending>,
}

impl ReceiveFlow {
    /// The receipt a label (and a quantity) makes, judged.
    fn receive(&mut self, cx: &Cx, part: PartScan, qty: Qty) -> VerdictModel {
        let Some(bin) = self.bin.clone() else {
            return bin_first();
        };
        let item = &part.item;
        let serials: Vec<SerialNo> = part.serial.iter().cloned().collect();
        let doc = cx.doc(Body::GoodsReceipt {
            receipt: Receipt {
                item: item.id.clone(),
                bin: bin.clone(),
                batch: part.batch.clone(),
                // An expiry is kept per lot: only with one.
                expiry: part.expiry.filter(|_| part.batch.is_some()),
                condition: Condition::New,
                qty,
                serials,
                reference: None,
                unit_cost: None,
                warranty_until: None,
            },
        });
        let detail = describe(item, &part, qty, &bin);
        match cx.judge(&doc) {
            Ok(outcome) => {
                let new_lot = outcome
                    .effects
                    .iter()
                    .any(|e| matches!(e, sparescan_core::effect::Effect::ReceivedBatch { .. }));
                let mut v = accepted_verdict(item.name.clone(), detail.clone());
                let mut p = Pending::new(doc, item.name.clone(), detail);
                if new_lot {
                    p.tone = Tone::Warn;
                    v.what_to_do = t("A new batch: it becomes known with this receipt.");
                }
                self.pending.push(p);
                v
            }
            Err(j) => not_accepted(&j),
        }
    }

    /// This unit is already on the list.
    fn listed(&self, item: &ItemId, serial: &SerialNo) -> bool {
        self.pending.iter().any(|p| match &p.doc.body {
            Body::GoodsReceipt { receipt } => {
                receipt.item == *item && receipt.serials.contains(serial)
            }
            _ => false,
        })
    }
}

fn bin_first() -> VerdictModel {
    problem(
        "bin_required",
        t("Which bin?"),
        t("Scan the bin the delivery goes into first."),
    )
}

/// What a receipt line says: item, lot and expiry, serial or quantity, bin.
fn describe(item: &Item, part: &PartScan, qty: Qty, bin: &BinId) -> String {
    let mut parts = vec![item.id.to_string()];
    if let Some(b) = &part.batch {
        parts.push(format!("{} {b}", t("batch")));
        if let Some(e) = part.expiry {
            parts.push(format!("{} {e}", t("expires")));
        }
    }
    match &part.serial {
        Some(s) => parts.push(s.to_string()),
        None => parts.push(format!("× {qty} {}", item.unit)),
    }
    parts.push(format!("→ {bin}"));
    parts.join(" · ")
}

impl Flow for ReceiveFlow {
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel> {
        match scanned {
            Resolved::Bin(b) => {
                self.bin = Some(b.id.clone());
                self.waiting = None;
                Some(accepted_verdict(
                    format!("{} {}", t("Bin"), b.id),
                    t("Now scan each label of the delivery."),
                ))
            }
            Resolved::Part(part) => {
                if self.bin.is_none() {
                    return Some(bin_first());
                }
                let item = &part.item;
                if item.tracking.batch() && part.batch.is_none() {
                    return Some(problem(
                        "batch_required",
                        format!("{} {}", item.id, t("is kept by batch")),
                        t("Scan the label with the batch number (GS1 AI 10)."),
                    ));
                }
                if item.tracking.serial() {
                    let Some(serial) = &part.serial else {
                        return Some(problem(
                            "serial_required",
                            format!("{} {}", item.id, t("is kept by serial")),
                            t("Scan the label with the serial number (GS1 AI 21)."),
                        ));
                    };
                    if self.listed(&item.id, serial) {
                        return Some(problem(
                            "already_scanned",
                            t("This unit is already in the list."),
                            t("Scan the next unit, or confirm."),
                        ));
                    }
                    return Some(self.receive(cx, part, Qty::units(1)));
                }
                match part.qty {
                    Some(qty) => Some(self.receive(cx, part, qty)),
                    None => {
                        self.waiting = Some(part);
                        self.ask_quantity = true;
                        None
                    }
                }
            }
            Resolved::Unknown(code) => Some(unknown_code(&code)),
            _ => Some(wrong_step(t(
                "Scan the bin, then the labels of the delivery.",
            ))),
        }
    }

    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel> {
        match input {
            Input::Quantity(q) => {
                self.ask_quantity = false;
                let part = self.waiting.take()?;
                let q = q?;
                match parse_qty(&q, false) {
                    Ok(qty) => Some(self.receive(cx, part, qty)),
                    Err(v) => Some(v),
                }
            }
            Input::Remove(id) => {
                self.pending.retain(|p| p.doc.id.to_string() != id);
                None
            }
            Input::Confirm => Some(submit_all(cx, &mut self.pending, t("Received"))),
            Input::Cancel => {
                *self = ReceiveFlow::default();
                None
            }
            _ => None,
        }
    }

    fn model(&self, _cx: &Cx) -> ScreenModel {
        let mut m = ScreenModel {
            header: t("Goods receipt"),
            confirm_label: t("Confirm receipt"),
            can_confirm: !self.pending.is_empty(),
            ..ScreenModel::default()
        };
        m.prompt = match &self.bin {
            None => t("Scan the bin the delivery goes into"),
            Some(_) => t("Scan each label of the delivery"),
        };
        if let Some(b) = &self.bin {
            m.header = format!("{} · {} {b}", t("Goods receipt"), t("bin"));
        }
        m.subheader =
            t("From a supplier's delivery: GTIN, batch, expiry and serial from the label");
        m.pending = self.pending.iter().map(Pending::row).collect();
        if self.ask_quantity
            && let Some(part) = &self.waiting
        {
            let batch = part
                .batch
                .as_ref()
                .map(|b| format!(" · {} {b}", t("batch")))
                .unwrap_or_default();
            m.ask_quantity = Some(QuantityAsk {
                title: format!(
                    "{}{batch} ({}) · {}",
                    part.item.name,
                    part.item.unit,
                    t("received")
                ),
                preset: String::new(),
            });
        }
        m
    }

    fn context_item(&self) -> Option<ItemId> {
        self.waiting.as_ref().map(|p| p.item.id.clone())
    }

    fn redo(&mut self, _cx: &mut Cx, refused: &Document) -> Option<VerdictModel> {
        if let Body::GoodsReceipt { receipt } = &refused.body {
            self.bin = Some(receipt.bin.clone());
        }
        None
    }
}
