//! Stable reason codes for every refusal, each with a message a technician
//! understands and what to do instead. `docs/reason-codes.md` is generated
//! from this table (a test fails when it drifts).

use crate::ids::DocId;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! reason_codes {
    ($( $variant:ident => $code:literal, $message:literal, $todo:literal; )*) => {
        /// Why a document was refused (or accepted with an exception).
        /// The snake_case code is stable: devices and reports key on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ReasonCode { $($variant),* }

        impl ReasonCode {
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant),*];

            /// The stable code, as on the wire.
            pub fn code(self) -> &'static str {
                match self { $(ReasonCode::$variant => $code),* }
            }

            /// The reason a stable code names (as an API error carries it).
            pub fn from_code(code: &str) -> Option<ReasonCode> {
                match code { $($code => Some(ReasonCode::$variant),)* _ => None }
            }

            /// What went wrong, in the words of the shop floor.
            pub fn message(self) -> &'static str {
                match self { $(ReasonCode::$variant => $message),* }
            }

            /// What to do instead.
            pub fn what_to_do(self) -> &'static str {
                match self { $(ReasonCode::$variant => $todo),* }
            }
        }
    };
}

reason_codes! {
    Duplicate => "duplicate", "This document was already accepted.", "Nothing to do: it is recorded once.";
    IdReused => "id_reused", "Another document with the same id but different content was already accepted.", "Create the movement again as a new document.";
    SiteMismatch => "site_mismatch", "The document belongs to another site.", "Record it on a device enrolled at the right site.";
    DeviceMismatch => "device_mismatch", "The document names another device than the one that sent it.", "Push documents from the device that recorded them.";
    ProofMissing => "proof_missing", "The document carries no proof that its author (or approver) signed in on this device.", "Sign in online on this handheld: documents waiting are sent again then.";
    ProofInvalid => "proof_invalid", "The document's proof of presence does not match it: it was changed after it was recorded, or signed with another person's key.", "Record the movement again, signed in as yourself.";
    ProofExpired => "proof_expired", "The sign-in on this device had expired when the document was recorded.", "Sign in online on this handheld: documents waiting are sent again then.";
    ProofRevoked => "proof_revoked", "The sign-in on this device was withdrawn (PIN reset, role change, user or device disabled).", "Sign in online on this handheld again: documents waiting are sent again then.";
    WaitingForEarlier => "waiting_for_earlier", "An earlier document of the same person, or one this document follows, waits for a sign-in online; this one waits behind it.", "Nothing to do: it is sent right after the earlier one.";
    BackOfficeOnly => "back_office_only", "This is done in the back office, not on a handheld.", "Ask the engineer, dispatcher, controller or accountant to do it in the back office.";
    UnknownUser => "unknown_user", "The author is not a known, active user of this site.", "Sign in again with your badge, or ask an admin to enable your account.";
    RoleNotAllowed => "role_not_allowed", "Your role may not record this movement.", "Ask a colleague with the right role (see the role matrix) to record it.";
    SelfIssueNotAllowed => "self_issue_not_allowed", "Technicians may not issue to themselves at this site.", "Ask the store clerk to issue the part.";
    ApproverRequired => "approver_required", "This movement needs an approver.", "Have the approver enter their badge and PIN on this device.";
    ApproverNotAllowed => "approver_not_allowed", "The approver's role may not approve this movement.", "Ask an approver with the right role (engineer, supervisor or dispatcher; controller for corrections).";
    ApproverIsAuthor => "approver_is_author", "You cannot approve your own movement.", "Ask another person to approve it.";
    SeparationOfDuties => "separation_of_duties", "The person who requested or approved this demand may not issue against it.", "Ask another technician or the store clerk to issue it.";
    PeriodClosed => "period_closed", "The document is dated inside a closed accounting period.", "Record a correction in the open period instead.";
    PeriodInFuture => "period_in_future", "A period can only be closed up to a day before today.", "Close an earlier date.";
    PeriodNotAfter => "period_not_after", "A later period is already closed.", "Close a date after the last closed one.";
    NoWorkOrder => "no_work_order", "No work order: parts are issued only against a work order.", "Scan the work order first, or record an emergency issue with a supervisor's approval.";
    UnknownWorkOrder => "unknown_work_order", "This work order is not known.", "Check the work order number, or sync and scan it again.";
    WorkOrderStatus => "work_order_status", "The work order's status does not allow this movement.", "Check the status on the order card: start it, or ask the dispatcher.";
    LineRequired => "line_required", "The movement must name a demand line of the work order.", "Pick the demand line for this part on the order card.";
    UnknownLine => "unknown_line", "This demand line is not on the work order.", "Pick a line from the order card, or record an additional issue.";
    ItemNotOnLine => "item_not_on_line", "This part is not the one the demand line asks for.", "Scan the part of the line, or record a substitution with a reason.";
    SubstituteNotAllowed => "substitute_not_allowed", "This part is not an allowed substitute for the line.", "Ask an engineer to approve the substitution.";
    ReasonRequired => "reason_required", "This movement needs a reason.", "Choose or type the reason.";
    ReasonCodeRequired => "reason_code_required", "This site asks for one of its reasons for this movement.", "Choose the reason from the list.";
    ReasonCodeInvalid => "reason_code_invalid", "This reason is not one of the site's reasons for this movement.", "Choose a reason from this movement's list.";
    UnknownItem => "unknown_item", "This part is not in the catalog.", "Scan the part label again or type the item code; ask the clerk to add the item.";
    UnknownBin => "unknown_bin", "This bin is not known.", "Scan the bin label again.";
    UnknownWarehouse => "unknown_warehouse", "This warehouse is not known.", "Pick a warehouse of this site.";
    ZoneMismatch => "zone_mismatch", "This bin's zone does not take stock in this condition.", "Use a quarantine bin for items under inspection, a rejected bin for rejects, a storage or returns bin for usable stock.";
    BatchRequired => "batch_required", "This part is batch-tracked: the batch must be recorded.", "Scan the batch on the label.";
    UnknownBatch => "unknown_batch", "This batch is not known for the part.", "Scan the batch again, or ask the clerk to register it.";
    BatchExpired => "batch_expired", "This batch is past its expiry date.", "Take a batch that has not expired and hand this one to the clerk.";
    SerialRequired => "serial_required", "This part is serial-tracked: each unit's serial must be recorded.", "Scan the serial of each unit.";
    SerialNotTracked => "serial_not_tracked", "This part is not tracked by serial in stock: no serials go with it here.", "Record the quantity only.";
    SerialFormat => "serial_format", "The serial does not match the part's serial format.", "Rescan the serial label; a misread or a wrong label is likely.";
    SerialCountMismatch => "serial_count_mismatch", "The quantity does not match the number of serials.", "Scan one serial per unit.";
    SerialRepeated => "serial_repeated", "The same serial appears twice in the movement.", "Scan each unit once.";
    SerialKnown => "serial_known", "This serial is already in the ledger: a unit received must be new to it.", "Check the label; a unit that comes back is returned or transferred, not received.";
    SerialUnknown => "serial_unknown", "This serial is not known to the ledger.", "Check the label; ask the clerk to receive the unit first.";
    SerialNotInBin => "serial_not_in_bin", "This unit is not recorded in this bin.", "Scan the bin the unit lies in, or ask the clerk to correct its location.";
    SerialHeldElsewhere => "serial_held_elsewhere", "This unit is already in someone else's hands.", "Check the unit's serial; the holder named here must return it first.";
    SerialNotInWork => "serial_not_in_work", "This unit was not issued to this work order line.", "Scan a unit issued to this order, or issue this one first.";
    SerialInstalledElsewhere => "serial_installed_elsewhere", "This unit is recorded as installed on another asset.", "Check the serial; correct the other asset's record first.";
    SerialNotOnAsset => "serial_not_on_asset", "This unit is not recorded as installed on the order's asset.", "Check the serial of the removed unit.";
    SerialNotRemoved => "serial_not_removed", "This unit was not recorded as removed on this work order.", "Record the removal with the write-off first.";
    QuantityInvalid => "quantity_invalid", "The quantity must be positive (whole units for serial parts).", "Enter the quantity again.";
    RequestNotOpen => "request_not_open", "This request already became a work order, or was declined.", "Open the work order it became; a new fault needs a new request.";
    UnknownApproval => "unknown_approval", "There is no such approval request on this site.", "Ask for the approval again from the issue screen.";
    ApprovalNotGranted => "approval_not_granted", "This approval request is still waiting for an approver, or was refused.", "Wait for the approver's answer (the order card shows it), or ask again with a clearer reason.";
    ApprovalMismatch => "approval_mismatch", "The approval was given for another order, line or item.", "Issue exactly what was approved, or ask for another approval.";
    ApprovalUsedUp => "approval_used_up", "This goes beyond what the approval leaves.", "Issue what is left, or ask for approval of the rest.";
    ApprovalDecided => "approval_decided", "This request has been decided already.", "Nothing to do: the decision stands. A new need takes a new request.";
    OwnPlanChange => "own_plan_change", "You proposed this plan change: another approver decides it.", "Ask an engineer, supervisor or dispatcher who did not propose it.";
    RequestAssetMismatch => "request_asset_mismatch", "The work order is for another asset than the request.", "Make the order for the request's asset, or a new request for this one.";
    ExpiryRequired => "expiry_required", "A new batch of an item whose expiry is kept needs its expiry date.", "Scan the label with the expiry date (GS1 AI 17), or give the date.";
    ExpiryMismatch => "expiry_mismatch", "The label's expiry date differs from the batch's in the books.", "Check the label: a misprint, or another batch. Ask the clerk to correct the batch's expiry if the label is right.";
    ExpiryWithoutBatch => "expiry_without_batch", "An expiry date is kept per batch; this receipt names no batch.", "Give the batch (lot), or leave the expiry date out.";
    WarrantyNeedsSerial => "warranty_needs_serial", "A warranty end date is kept per serial unit; this receipt has no serials.", "Give the units' serials, or leave the warranty date out.";
    PriceInvalid => "price_invalid", "A price per unit cannot be negative.", "Enter the price again, e.g. 12.50, or leave it out to take the item's price.";
    StockShortfall => "stock_shortfall", "The books show less in this bin than was taken.", "Recorded as a discrepancy for a controller; take the parts.";
    ReservedForOtherOrder => "reserved_for_other_order", "This stock is reserved for another work order.", "Take it from another bin, or ask the clerk to release the other reserve.";
    OverTolerance => "over_tolerance", "This issue goes over the planned quantity plus tolerance.", "Record an additional issue with a reason and an approver.";
    NotInWork => "not_in_work", "More than is in work on this order line.", "Write off or return only what was issued; if more was used, record an additional issue first.";
    ToolNotConsumable => "tool_not_consumable", "Tools are checked out and returned, never issued or written off.", "Use tool checkout.";
    NotATool => "not_a_tool", "This item is not a tool.", "Issue it against a work order instead.";
    ReferenceRequired => "reference_required", "The movement must reference the document it follows.", "Scan the issue document, or pick it from the list.";
    UnknownDocument => "unknown_document", "The referenced document is not known.", "Sync the device and try again; check the document number.";
    ReferenceRefused => "reference_refused", "The referenced document was refused, so this one cannot be recorded.", "Resolve the refused document in Needs attention first.";
    WrongReference => "wrong_reference", "The referenced document is not of the right kind or order.", "Reference the original issue (or transfer, checkout) of this part.";
    ReturnExceedsIssue => "return_exceeds_issue", "More is returned than the referenced issue handed out.", "Return against the other issue documents of this part.";
    UnknownReserve => "unknown_reserve", "The reserve is not known or no longer active.", "Refresh the order card.";
    NotInTransit => "not_in_transit", "Less is in transit on this transfer than received.", "Check the transfer document and the counted quantity.";
    WrongWarehouse => "wrong_warehouse", "The bin is not in the warehouse this movement is for.", "Scan a bin of the right warehouse.";
    NothingToInspect => "nothing_to_inspect", "Less is under inspection in this quarantine bin than the decision covers.", "Scan the quarantine bin the parts lie in and check the quantity.";
    CountDiscrepancy => "count_discrepancy", "The counted quantity differs from the books.", "A controller reviews the discrepancy; only a controller adjusts the books.";
    UnknownAsset => "unknown_asset", "This asset is not known.", "Scan the asset label again.";
    LineExists => "line_exists", "A demand line with this id exists already.", "Create the additional issue again (a new line id is made for it).";
    InvalidTransition => "invalid_transition", "The work order cannot change to that status from its current one.", "Check the order's status on its card.";
    ClosureBlocked => "closure_blocked", "The work order cannot be closed yet.", "Clear each blocker listed: write off or return what is in work, record missing serials, release reserves, link emergency issues.";
    AlreadyLinked => "already_linked", "This emergency issue is already linked to a work order.", "Nothing to do.";
    NotCorrectable => "not_correctable", "This kind of document cannot be corrected by reversal.", "Record the opposite movement (e.g. a status change) instead.";
    AlreadyReversed => "already_reversed", "This document was already reversed.", "Nothing to reverse.";
    NotReversible => "not_reversible", "Later movements depend on this document, so it cannot be reversed now.", "Correct the later movements first (newest first).";
    TooLong => "too_long", "A text, an id or a list in the document is longer than allowed.", "Shorten it (see the limits in the manual) and record the movement again.";
    QuantityNotWhole => "quantity_not_whole", "This item moves in whole units (a piece, a kit): the quantity has a fraction.", "Enter a whole number; ask an admin if the item's unit of measure is wrong.";
    QuantityTooLarge => "quantity_too_large", "The quantity, or the balance it would make, is larger than the ledger allows.", "Check the quantity: a scanned barcode may have been typed into the quantity field.";
    DeviceTimeFuture => "device_time_future", "The document is dated later than the server's clock.", "Set the device's date and time, then record the movement again.";
    DeviceTimeTooOld => "device_time_too_old", "The document is dated before the site's offline limit.", "Record the movement again with today's date; ask the controller if it really happened that long ago.";
}

impl ReasonCode {
    /// Books-versus-fact codes a site accepts with an exception by default.
    pub const DEFAULT_EXCEPTIONS: &'static [ReasonCode] = &[ReasonCode::StockShortfall];

    /// Refusals of who vouched for a document, not of the movement: the
    /// device keeps it in its outbox and sends it again once its author
    /// (or approver) has signed in online there. `proof_invalid` is not
    /// one: a document that does not match its proof was changed.
    pub const HELD_FOR_SIGN_IN: &'static [ReasonCode] = &[
        ReasonCode::ProofMissing,
        ReasonCode::ProofExpired,
        ReasonCode::ProofRevoked,
        ReasonCode::WaitingForEarlier,
    ];

    /// Codes a site may choose to accept with an exception: only where the
    /// rules know how to record the fact and open a discrepancy.
    pub const EXCEPTIONABLE: &'static [ReasonCode] = &[
        ReasonCode::StockShortfall,
        ReasonCode::ReservedForOtherOrder,
    ];

    /// The reason codes as a Markdown table (kept in docs/reason-codes.md).
    pub fn markdown_table() -> String {
        let mut out = String::from(
            "# Reason codes\n\nGenerated from `core/src/reason.rs` \
             (`cargo test -p sparescan-core reason_codes_doc` checks it).\n\n\
             | code | message | what to do |\n|---|---|---|\n",
        );
        for code in Self::ALL {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                code.code(),
                code.message(),
                code.what_to_do()
            ));
        }
        out
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What still stands between a work order and its closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "blocker", rename_all = "snake_case")]
pub enum Blocker {
    InWork {
        line: crate::ids::DemandLineId,
        item: crate::ids::ItemId,
        qty: crate::qty::Qty,
    },
    WriteOffLacksSerial {
        write_off: DocId,
        item: crate::ids::ItemId,
        missing: u32,
    },
    ReserveHeld {
        reserve: DocId,
        line: crate::ids::DemandLineId,
        open: crate::qty::Qty,
    },
    EmergencyNotLinked {
        emergency: DocId,
        item: crate::ids::ItemId,
    },
    RemovedUnitNotReturned {
        item: crate::ids::ItemId,
        serial: crate::ids::SerialNo,
    },
    ToolOut {
        checkout: DocId,
        item: crate::ids::ItemId,
    },
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::InWork { line, item, qty } => {
                write!(
                    f,
                    "line {line}: {qty} of {item} still in work — write off or return it"
                )
            }
            Blocker::WriteOffLacksSerial {
                write_off,
                item,
                missing,
            } => write!(
                f,
                "write-off {write_off} of {item} lacks {missing} serial(s) — correct it with the serials"
            ),
            Blocker::ReserveHeld {
                reserve,
                line,
                open,
            } => {
                write!(
                    f,
                    "line {line}: reserve {reserve} still holds {open} — release it"
                )
            }
            Blocker::EmergencyNotLinked { emergency, item } => write!(
                f,
                "emergency issue {emergency} of {item} is not linked to a work order — link it"
            ),
            Blocker::RemovedUnitNotReturned { item, serial } => write!(
                f,
                "removed unit {item} {serial} not returned to quarantine — record the removed-unit return"
            ),
            Blocker::ToolOut { checkout, item } => {
                write!(f, "tool {item} (checkout {checkout}) still out — return it")
            }
        }
    }
}

/// A refused document: a stable code, a message a person can act on, and
/// what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{message} {what_to_do}")]
pub struct Refusal {
    pub code: ReasonCode,
    /// The code's message, with the particulars of this case.
    pub message: String,
    pub what_to_do: String,
    /// For closure: every blocker.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<Blocker>,
    /// The document this refusal is about (the refused reference, the
    /// document already accepted with this id, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<DocId>,
}

impl Refusal {
    pub fn new(code: ReasonCode) -> Self {
        Refusal {
            code,
            message: code.message().to_owned(),
            what_to_do: code.what_to_do().to_owned(),
            blockers: Vec::new(),
            related: None,
        }
    }

    /// Adds the particulars ("serial 123 is with tech-2 on WO-7").
    pub fn detail(mut self, detail: impl fmt::Display) -> Self {
        self.message = format!("{} ({detail})", self.message);
        self
    }

    pub fn related(mut self, doc: DocId) -> Self {
        self.related = Some(doc);
        self
    }
}

impl From<ReasonCode> for Refusal {
    fn from(code: ReasonCode) -> Self {
        Refusal::new(code)
    }
}
