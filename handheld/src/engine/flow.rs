//! The shape every workflow screen has, and what needs-attention knows
//! about documents.

use sparescan_core::document::{Body, DocKind, Document};
use sparescan_core::ids::ItemId;

use super::model::{ScreenId, ScreenModel, VerdictModel};
use super::resolve::Resolved;
use super::{Cx, Input, t, text};

/// A workflow (issue, return, …) as a state machine. Every method may
/// answer with a verdict for the big banner.
pub trait Flow: Send {
    /// A scan, resolved against the cache.
    fn scan(&mut self, cx: &mut Cx, scanned: Resolved) -> Option<VerdictModel>;
    /// A tap: select, choose, remove, confirm, cancel, quantity, PIN.
    fn input(&mut self, cx: &mut Cx, input: Input) -> Option<VerdictModel>;
    fn model(&self, cx: &Cx) -> ScreenModel;
    /// The item a bare serial number is read as first.
    fn context_item(&self) -> Option<ItemId> {
        None
    }
    /// Needs attention's corrective action: set the screen up to record
    /// `refused` again (its order, its item, …).
    fn redo(&mut self, cx: &mut Cx, refused: &Document) -> Option<VerdictModel>;
    /// The badge of an approver whose PIN the flow is asking for.
    fn approver_badge(&self) -> Option<&str> {
        None
    }
}

/// The screen where a refused document is put right.
pub fn screen_for(doc: &Document) -> ScreenId {
    screen_of_kind(doc.kind())
}

/// The screen that records documents of `kind`.
pub fn screen_of_kind(kind: DocKind) -> ScreenId {
    match kind {
        DocKind::Issue
        | DocKind::SubstitutionIssue
        | DocKind::AdditionalIssue
        | DocKind::EmergencyIssue
        | DocKind::EmergencyLink
        | DocKind::ApprovalRequest
        | DocKind::ApprovalDecision
        | DocKind::Reserve
        | DocKind::ReserveConfirm
        | DocKind::ReserveRelease => ScreenId::Issue,
        DocKind::Return | DocKind::RemovedUnitReturn => ScreenId::Return,
        DocKind::InspectionDecision => ScreenId::Inspect,
        DocKind::WriteOff | DocKind::WoStatusChange | DocKind::Correction => ScreenId::Confirm,
        DocKind::TransferOut | DocKind::TransferIn => ScreenId::Transfer,
        DocKind::GoodsReceipt | DocKind::OpeningBalance => ScreenId::Receive,
        DocKind::ToolCheckout | DocKind::ToolReturn => ScreenId::Tools,
        DocKind::Count | DocKind::PeriodClose => ScreenId::Count,
    }
}

pub fn action_label(doc: &Document) -> String {
    match screen_for(doc) {
        ScreenId::Issue => t("Issue again"),
        ScreenId::Return => t("Return again"),
        ScreenId::Inspect => t("Decide again"),
        ScreenId::Confirm => t("Open the order"),
        ScreenId::Transfer | ScreenId::Receive => t("Receive again"),
        ScreenId::Tools => t("Open tools"),
        _ => t("Count again"),
    }
}

/// One line naming a document for a person: kind, order, item, serials.
pub fn describe(doc: &Document) -> String {
    let mut parts = vec![text::kind(doc.kind())];
    if let Some(wo) = &doc.work_order {
        parts.push(wo.to_string());
    }
    let (item, serials, qty) = match &doc.body {
        Body::Issue { pick, .. }
        | Body::SubstitutionIssue { pick, .. }
        | Body::AdditionalIssue { pick, .. }
        | Body::EmergencyIssue { pick, .. }
        | Body::TransferOut { pick, .. }
        | Body::ToolCheckout { pick, .. } => (
            Some(pick.item.to_string()),
            pick.serials.clone(),
            Some(pick.qty),
        ),
        Body::WriteOff {
            item,
            qty,
            installed,
            ..
        } => (Some(item.to_string()), installed.clone(), Some(*qty)),
        Body::Return {
            item, serials, qty, ..
        } => (Some(item.to_string()), serials.clone(), Some(*qty)),
        Body::RemovedUnitReturn { item, serial, .. } => {
            (Some(item.to_string()), vec![serial.clone()], None)
        }
        Body::InspectionDecision {
            item, serials, qty, ..
        } => (Some(item.to_string()), serials.clone(), Some(*qty)),
        Body::Count { item, counted, .. } => (Some(item.to_string()), Vec::new(), Some(*counted)),
        Body::TransferIn { qty, serials, .. } => (None, serials.clone(), Some(*qty)),
        _ => (None, Vec::new(), None),
    };
    if let Some(item) = item {
        parts.push(item);
    }
    if !serials.is_empty() {
        parts.push(
            serials
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
    } else if let Some(q) = qty {
        parts.push(format!("× {q}"));
    }
    parts.join(" · ")
}
