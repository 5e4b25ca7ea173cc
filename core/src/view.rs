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

pub trait LedgerView {
    fn policy(&self) -> SitePolicy;
    fn site(&self) -> Option<SiteId>;
    fn closed_until(&self) -> Option<NaiveDate>;

    fn user(&self, id: &UserId) -> Option<User>;
    fn item(&self, id: &ItemId) -> Option<Item>;
    fn bin(&self, id: &BinId) -> Option<Bin>;
    fn warehouse(&self, id: &WarehouseId) -> Option<Warehouse>;
    fn batch(&self, item: &ItemId, code: &BatchCode) -> Option<Batch>;
    fn asset(&self, id: &AssetId) -> Option<Asset>;
    fn work_order(&self, id: &WorkOrderId) -> Option<WorkOrder>;
    fn line(&self, id: &DemandLineId) -> Option<DemandLine>;
    fn lines_of(&self, wo: &WorkOrderId) -> Vec<DemandLine>;
    fn line_counts(&self, id: &DemandLineId) -> LineCounts;

    fn stock(&self, key: &StockKey) -> Qty;
    /// Usable stock of an item in a warehouse: new or opened, in available
    /// zones (quarantine, rejected and in transit never count), by stock row.
    /// Expired batches are included: the rules filter them by the
    /// document's day.
    fn usable_stock(&self, item: &ItemId, warehouse: &WarehouseId) -> Vec<(StockKey, Qty)>;
    fn in_work(&self, key: &InWorkKey) -> Qty;
    /// Every in-work position of a holding.
    fn in_work_of(&self, holding: &Holding) -> Vec<(InWorkKey, Qty)>;
    fn issue_open(&self, issue: &DocId) -> Qty;
    fn serial(&self, key: &SerialKey) -> Option<SerialState>;
    /// Serial units whose state names this work order as removed from its
    /// asset and not yet returned.
    fn removed_units_of(&self, wo: &WorkOrderId) -> Vec<SerialKey>;

    fn reserve(&self, id: &ReserveId) -> Option<Reserve>;
    fn reserves_of_line(&self, line: &DemandLineId) -> Vec<Reserve>;
    /// Quantity locked by active reserves for an item at a warehouse.
    fn locked(&self, item: &ItemId, warehouse: &WarehouseId) -> Qty;

    fn tool_out(&self, checkout: &DocId) -> Option<ToolOut>;
    fn tools_out(&self) -> Vec<ToolOut>;
    fn emergency(&self, doc: &DocId) -> Option<Emergency>;
    fn emergencies(&self) -> Vec<Emergency>;
    fn transit(&self, transfer: &DocId) -> Option<Transit>;
    fn missing_serials_of(&self, wo: &WorkOrderId) -> Vec<MissingSerial>;
    fn missing_serial(&self, write_off: &DocId) -> Option<MissingSerial>;

    fn accepted(&self, id: &DocId) -> Option<Accepted>;
    /// The reason a document was refused, if it was.
    fn refused(&self, id: &DocId) -> Option<ReasonCode>;
}
