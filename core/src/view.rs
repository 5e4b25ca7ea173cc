//! The read-only view of the state that the rules consult. The handheld
//! implements it over its cache (snapshot plus replayed outbox), the server
//! over its database, tests over [`crate::memory::MemoryLedger`].

use crate::document::Document;
use crate::effect::Effect;
use crate::ids::*;
use crate::model::*;
use crate::qty::Qty;
use crate::reason::ReasonCode;
use chrono::NaiveDate;

/// An accepted document as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    pub doc: Document,
    pub effects: Vec<Effect>,
    /// Position in the ledger (arrival order).
    pub seq: u64,
    pub reversed_by: Option<DocId>,
}

/// The state could not be read (a failed query, a malformed row): a storage
/// failure, never a business verdict. The scan or document that met it is
/// neither recorded nor refused; it can be tried again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage failed: {0}")]
pub struct ViewError(pub String);

impl ViewError {
    pub fn new(what: impl std::fmt::Display) -> Self {
        ViewError(what.to_string())
    }
}

/// Every answer may fail with [`ViewError`]: a store that cannot read its
/// state says so instead of answering "none" or zero.
pub trait LedgerView {
    fn policy(&self) -> Result<SitePolicy, ViewError>;
    fn site(&self) -> Result<Option<SiteId>, ViewError>;
    fn closed_until(&self) -> Result<Option<NaiveDate>, ViewError>;

    fn user(&self, id: &UserId) -> Result<Option<User>, ViewError>;
    fn item(&self, id: &ItemId) -> Result<Option<Item>, ViewError>;
    fn bin(&self, id: &BinId) -> Result<Option<Bin>, ViewError>;
    fn warehouse(&self, id: &WarehouseId) -> Result<Option<Warehouse>, ViewError>;
    fn batch(&self, item: &ItemId, code: &BatchCode) -> Result<Option<Batch>, ViewError>;
    fn asset(&self, id: &AssetId) -> Result<Option<Asset>, ViewError>;
    fn work_order(&self, id: &WorkOrderId) -> Result<Option<WorkOrder>, ViewError>;
    fn line(&self, id: &DemandLineId) -> Result<Option<DemandLine>, ViewError>;
    fn lines_of(&self, wo: &WorkOrderId) -> Result<Vec<DemandLine>, ViewError>;
    fn line_counts(&self, id: &DemandLineId) -> Result<LineCounts, ViewError>;

    fn stock(&self, key: &StockKey) -> Result<Qty, ViewError>;
    /// Usable stock of an item in a warehouse: new or opened, in available
    /// zones (quarantine, rejected and in transit never count), by stock row.
    /// Expired batches are included: the rules filter them by the
    /// document's day.
    fn usable_stock(
        &self,
        item: &ItemId,
        warehouse: &WarehouseId,
    ) -> Result<Vec<(StockKey, Qty)>, ViewError>;
    fn in_work(&self, key: &InWorkKey) -> Result<Qty, ViewError>;
    /// Every in-work position of a holding.
    fn in_work_of(&self, holding: &Holding) -> Result<Vec<(InWorkKey, Qty)>, ViewError>;
    fn issue_open(&self, issue: &DocId) -> Result<Qty, ViewError>;
    fn serial(&self, key: &SerialKey) -> Result<Option<SerialState>, ViewError>;
    /// Serial units whose state names this work order as removed from its
    /// asset and not yet returned.
    fn removed_units_of(&self, wo: &WorkOrderId) -> Result<Vec<SerialKey>, ViewError>;

    fn reserve(&self, id: &ReserveId) -> Result<Option<Reserve>, ViewError>;
    fn reserves_of_line(&self, line: &DemandLineId) -> Result<Vec<Reserve>, ViewError>;
    /// Quantity locked by active reserves for an item at a warehouse.
    fn locked(&self, item: &ItemId, warehouse: &WarehouseId) -> Result<Qty, ViewError>;

    fn tool_out(&self, checkout: &DocId) -> Result<Option<ToolOut>, ViewError>;
    fn tools_out(&self) -> Result<Vec<ToolOut>, ViewError>;
    fn emergency(&self, doc: &DocId) -> Result<Option<Emergency>, ViewError>;
    fn emergencies(&self) -> Result<Vec<Emergency>, ViewError>;
    /// An approval request, by its document.
    fn approval(&self, request: &DocId) -> Result<Option<Approval>, ViewError>;
    /// The approval requests on a work order, decided or not.
    fn approvals_of(&self, wo: &WorkOrderId) -> Result<Vec<Approval>, ViewError>;
    fn transit(&self, transfer: &DocId) -> Result<Option<Transit>, ViewError>;
    fn missing_serials_of(&self, wo: &WorkOrderId) -> Result<Vec<MissingSerial>, ViewError>;
    fn missing_serial(&self, write_off: &DocId) -> Result<Option<MissingSerial>, ViewError>;
    /// The last day of a serial unit's warranty, where one is known.
    fn warranty(&self, key: &SerialKey) -> Result<Option<NaiveDate>, ViewError>;
    /// One of the site's reasons, active or withdrawn.
    fn site_reason(&self, code: &ReasonId) -> Result<Option<SiteReason>, ViewError>;
    /// The site's active reasons of one kind, by code.
    fn site_reasons(&self, kind: ReasonKind) -> Result<Vec<SiteReason>, ViewError>;

    /// Whether this view values stock. The handheld's cache does not:
    /// documents judged on it carry no [`Effect::Value`], and the rules
    /// read nothing for them; the server values what it accepts.
    fn keeps_values(&self) -> bool {
        false
    }

    /// What the site's stock of an item is worth (read only where
    /// [`LedgerView::keeps_values`]).
    fn valuation(&self, _item: &ItemId) -> Result<Valuation, ViewError> {
        Ok(Valuation::default())
    }

    fn accepted(&self, id: &DocId) -> Result<Option<Accepted>, ViewError>;
    /// The reason a document was refused, if it was.
    fn refused(&self, id: &DocId) -> Result<Option<ReasonCode>, ViewError>;
}
