//! A view that cannot read gives no verdict (issue 15, item 6): whatever
//! look-up fails, the rules answer `Judgement::Storage` or the same verdict
//! as without the failure (when they did not need that look-up), never
//! another refusal or an acceptance built on a missing answer.

mod common;

use chrono::NaiveDate;
use common::*;
use sparescan_core::document::*;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules::{self, EffectsError, Judgement};
use sparescan_core::view::{Accepted, LedgerView, ViewError};

/// Every look-up of the view, by name.
const LOOKUPS: &[&str] = &[
    "policy",
    "site",
    "closed_until",
    "user",
    "item",
    "bin",
    "warehouse",
    "batch",
    "asset",
    "work_order",
    "line",
    "lines_of",
    "line_counts",
    "stock",
    "usable_stock",
    "in_work",
    "in_work_of",
    "issue_open",
    "serial",
    "removed_units_of",
    "reserve",
    "reserves_of_line",
    "locked",
    "tool_out",
    "tools_out",
    "emergency",
    "emergencies",
    "transit",
    "missing_serials_of",
    "missing_serial",
    "accepted",
    "refused",
    "valuation",
];

/// A memory ledger whose look-up `fails` cannot be read: every call of it,
/// or (`nth`) only the nth read of the view, whatever it is.
struct Failing<'a> {
    ledger: &'a MemoryLedger,
    fails: &'static str,
    nth: Option<usize>,
    reads: std::cell::Cell<usize>,
}

impl<'a> Failing<'a> {
    fn on(ledger: &'a MemoryLedger, fails: &'static str) -> Self {
        Failing {
            ledger,
            fails,
            nth: None,
            reads: Default::default(),
        }
    }

    fn at(ledger: &'a MemoryLedger, nth: usize) -> Self {
        Failing {
            ledger,
            fails: "",
            nth: Some(nth),
            reads: Default::default(),
        }
    }

    fn check(&self, name: &str) -> Result<(), ViewError> {
        let read = self.reads.get();
        self.reads.set(read + 1);
        if name == self.fails || self.nth == Some(read) {
            Err(ViewError::new(format!("{name}: disk I/O error (test)")))
        } else {
            Ok(())
        }
    }
}

impl LedgerView for Failing<'_> {
    fn policy(&self) -> Result<SitePolicy, ViewError> {
        self.check("policy")?;
        LedgerView::policy(self.ledger)
    }
    fn site(&self) -> Result<Option<SiteId>, ViewError> {
        self.check("site")?;
        LedgerView::site(self.ledger)
    }
    fn closed_until(&self) -> Result<Option<NaiveDate>, ViewError> {
        self.check("closed_until")?;
        LedgerView::closed_until(self.ledger)
    }
    fn user(&self, id: &UserId) -> Result<Option<User>, ViewError> {
        self.check("user")?;
        LedgerView::user(self.ledger, id)
    }
    fn item(&self, id: &ItemId) -> Result<Option<Item>, ViewError> {
        self.check("item")?;
        LedgerView::item(self.ledger, id)
    }
    fn bin(&self, id: &BinId) -> Result<Option<Bin>, ViewError> {
        self.check("bin")?;
        LedgerView::bin(self.ledger, id)
    }
    fn warehouse(&self, id: &WarehouseId) -> Result<Option<Warehouse>, ViewError> {
        self.check("warehouse")?;
        LedgerView::warehouse(self.ledger, id)
    }
    fn batch(&self, item: &ItemId, code: &BatchCode) -> Result<Option<Batch>, ViewError> {
        self.check("batch")?;
        LedgerView::batch(self.ledger, item, code)
    }
    fn asset(&self, id: &AssetId) -> Result<Option<Asset>, ViewError> {
        self.check("asset")?;
        LedgerView::asset(self.ledger, id)
    }
    fn work_order(&self, id: &WorkOrderId) -> Result<Option<WorkOrder>, ViewError> {
        self.check("work_order")?;
        LedgerView::work_order(self.ledger, id)
    }
    fn line(&self, id: &DemandLineId) -> Result<Option<DemandLine>, ViewError> {
        self.check("line")?;
        LedgerView::line(self.ledger, id)
    }
    fn lines_of(&self, wo: &WorkOrderId) -> Result<Vec<DemandLine>, ViewError> {
        self.check("lines_of")?;
        LedgerView::lines_of(self.ledger, wo)
    }
    fn line_counts(&self, id: &DemandLineId) -> Result<LineCounts, ViewError> {
        self.check("line_counts")?;
        LedgerView::line_counts(self.ledger, id)
    }
    fn stock(&self, key: &StockKey) -> Result<Qty, ViewError> {
        self.check("stock")?;
        LedgerView::stock(self.ledger, key)
    }
    fn usable_stock(
        &self,
        item: &ItemId,
        warehouse: &WarehouseId,
    ) -> Result<Vec<(StockKey, Qty)>, ViewError> {
        self.check("usable_stock")?;
        LedgerView::usable_stock(self.ledger, item, warehouse)
    }
    fn in_work(&self, key: &InWorkKey) -> Result<Qty, ViewError> {
        self.check("in_work")?;
        LedgerView::in_work(self.ledger, key)
    }
    fn in_work_of(&self, holding: &Holding) -> Result<Vec<(InWorkKey, Qty)>, ViewError> {
        self.check("in_work_of")?;
        LedgerView::in_work_of(self.ledger, holding)
    }
    fn issue_open(&self, issue: &DocId) -> Result<Qty, ViewError> {
        self.check("issue_open")?;
        LedgerView::issue_open(self.ledger, issue)
    }
    fn serial(&self, key: &SerialKey) -> Result<Option<SerialState>, ViewError> {
        self.check("serial")?;
        LedgerView::serial(self.ledger, key)
    }
    fn removed_units_of(&self, wo: &WorkOrderId) -> Result<Vec<SerialKey>, ViewError> {
        self.check("removed_units_of")?;
        LedgerView::removed_units_of(self.ledger, wo)
    }
    fn reserve(&self, id: &ReserveId) -> Result<Option<Reserve>, ViewError> {
        self.check("reserve")?;
        LedgerView::reserve(self.ledger, id)
    }
    fn reserves_of_line(&self, line: &DemandLineId) -> Result<Vec<Reserve>, ViewError> {
        self.check("reserves_of_line")?;
        LedgerView::reserves_of_line(self.ledger, line)
    }
    fn locked(&self, item: &ItemId, warehouse: &WarehouseId) -> Result<Qty, ViewError> {
        self.check("locked")?;
        LedgerView::locked(self.ledger, item, warehouse)
    }
    fn tool_out(&self, checkout: &DocId) -> Result<Option<ToolOut>, ViewError> {
        self.check("tool_out")?;
        LedgerView::tool_out(self.ledger, checkout)
    }
    fn tools_out(&self) -> Result<Vec<ToolOut>, ViewError> {
        self.check("tools_out")?;
        LedgerView::tools_out(self.ledger)
    }
    fn emergency(&self, doc: &DocId) -> Result<Option<Emergency>, ViewError> {
        self.check("emergency")?;
        LedgerView::emergency(self.ledger, doc)
    }
    fn emergencies(&self) -> Result<Vec<Emergency>, ViewError> {
        self.check("emergencies")?;
        LedgerView::emergencies(self.ledger)
    }
    fn approval(&self, request: &DocId) -> Result<Option<Approval>, ViewError> {
        self.check("approval")?;
        LedgerView::approval(self.ledger, request)
    }
    fn approvals_of(&self, wo: &WorkOrderId) -> Result<Vec<Approval>, ViewError> {
        self.check("approvals_of")?;
        LedgerView::approvals_of(self.ledger, wo)
    }
    fn transit(&self, transfer: &DocId) -> Result<Option<Transit>, ViewError> {
        self.check("transit")?;
        LedgerView::transit(self.ledger, transfer)
    }
    fn keeps_values(&self) -> bool {
        self.ledger.keeps_values()
    }
    fn valuation(&self, item: &ItemId) -> Result<Valuation, ViewError> {
        self.check("valuation")?;
        LedgerView::valuation(self.ledger, item)
    }
    fn missing_serials_of(&self, wo: &WorkOrderId) -> Result<Vec<MissingSerial>, ViewError> {
        self.check("missing_serials_of")?;
        LedgerView::missing_serials_of(self.ledger, wo)
    }
    fn missing_serial(&self, write_off: &DocId) -> Result<Option<MissingSerial>, ViewError> {
        self.check("missing_serial")?;
        LedgerView::missing_serial(self.ledger, write_off)
    }
    fn warranty(&self, key: &SerialKey) -> Result<Option<chrono::NaiveDate>, ViewError> {
        self.check("warranty")?;
        LedgerView::warranty(self.ledger, key)
    }
    fn site_reason(&self, code: &ReasonId) -> Result<Option<SiteReason>, ViewError> {
        self.check("site_reason")?;
        LedgerView::site_reason(self.ledger, code)
    }
    fn site_reasons(&self, kind: ReasonKind) -> Result<Vec<SiteReason>, ViewError> {
        self.check("site_reasons")?;
        LedgerView::site_reasons(self.ledger, kind)
    }
    fn accepted(&self, id: &DocId) -> Result<Option<Accepted>, ViewError> {
        self.check("accepted")?;
        LedgerView::accepted(self.ledger, id)
    }
    fn refused(&self, id: &DocId) -> Result<Option<ReasonCode>, ViewError> {
        self.check("refused")?;
        LedgerView::refused(self.ledger, id)
    }
}

fn documents() -> (Book, Vec<D>) {
    let mut site = site();
    work_order(&mut site, "WO-UPS", UPS)
        .line("L-BATT", BATTERY, 1)
        .line("L-TERM", TERMINALS, 10)
        .add();
    let terminals = doc(CLERK, issue(pick(TERMINALS, SHELF, 10))).on("WO-UPS", "L-TERM");
    let issued = terminals.id();
    let docs = vec![
        doc(CLERK, issue(pick_serials(BATTERY, SHELF, &["BM-0101"]))).on("WO-UPS", "L-BATT"),
        terminals,
        doc(
            TECH,
            Body::WriteOff {
                item: BATTERY.into(),
                batch: None,
                qty: q(1),
                installed: vec!["BM-0101".into()],
                position: None,
                removed: vec![RemovedUnit {
                    item: BATTERY.into(),
                    serial: "BM-0001".into(),
                }],
            },
        )
        .on("WO-UPS", "L-BATT"),
        doc(TECH, write_off(TERMINALS, 7, &[])).on("WO-UPS", "L-TERM"),
        doc(CLERK, ret(TERMINALS, 3, Condition::New, RETURNS))
            .on("WO-UPS", "L-TERM")
            .follows(issued),
        doc(TECH, status(Transition::Complete)).wo("WO-UPS"),
    ];
    (Book::new(site), docs)
}

#[test]
fn a_failed_look_up_is_a_storage_judgement_never_another_verdict() {
    let (mut book, docs) = documents();
    for d in docs {
        let plain = rules::evaluate(&book.ledger, &d.0);
        assert!(plain.is_ok(), "{plain:?}");
        let mut storage = 0;
        for fails in LOOKUPS {
            let view = Failing::on(&book.ledger, fails);
            match rules::evaluate(&view, &d.0) {
                Err(Judgement::Storage(e)) => {
                    assert!(e.to_string().starts_with("storage failed: "), "{e}");
                    storage += 1;
                }
                other => assert_eq!(other, plain, "{fails} failing on {:?}", d.0.body),
            }
        }
        // At least the duplicate check reads the view.
        assert!(storage > 0);
        // Each single read failing, wherever the rules make it (a later
        // read of the same look-up included).
        let counted = Failing::at(&book.ledger, usize::MAX);
        assert_eq!(rules::evaluate(&counted, &d.0), plain);
        for nth in 0..counted.reads.get() {
            match rules::evaluate(&Failing::at(&book.ledger, nth), &d.0) {
                Err(Judgement::Storage(_)) => {}
                other => assert_eq!(other, plain, "read {nth} failing on {:?}", d.0.body),
            }
        }
        book.accept(d);
    }
}

#[test]
fn an_unreadable_stock_row_is_not_a_shortfall() {
    let (book, docs) = documents();
    let terminals = &docs[1].0;
    let view = Failing::on(&book.ledger, "stock");
    let judged = rules::evaluate(&view, terminals);
    assert!(matches!(&judged, Err(Judgement::Storage(_))), "{judged:?}");
    assert!(judged.as_ref().err().and_then(Judgement::refusal).is_none());
    // The helpers the screens and the stores use pass it on too.
    let effects = rules::evaluate(&book.ledger, terminals)
        .expect("accepted")
        .effects;
    assert!(matches!(
        rules::check_effects(&view, &effects),
        Err(EffectsError::Storage(_))
    ));
    let failing_lines = Failing::on(&book.ledger, "lines_of");
    assert!(rules::closure_blockers(&failing_lines, &"WO-UPS".into()).is_err());
}
