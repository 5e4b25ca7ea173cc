//! The handheld cache against the core's `MemoryLedger`: the same rows must
//! answer every look-up and give every verdict the same way, the outbox must
//! survive a restart, and the server's verdicts and pulled rows must move
//! documents where the design says (§7).

use chrono::{DateTime, Duration, TimeZone, Utc};
use sparescan_core::document::*;
use sparescan_core::ids::*;
use sparescan_core::memory::{MemoryLedger, touched_by};
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::ReasonCode;
use sparescan_core::rules::evaluate;
use sparescan_core::sync::BadgeHolder;
use sparescan_core::sync::{Row, RowKey, Verdict};
use sparescan_core::view::LedgerView;
use sparescan_demo::{self as demo, MAIN, NORTH, SITE};
use sparescan_handheld::cache::{Cache, keys};
use std::collections::BTreeSet;

// ---------------------------------------------------------------- fixtures

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn q(n: i64) -> Qty {
    Qty::units(n)
}

/// A document under construction.
struct B(Document);

fn doc(author: &str, body: Body) -> B {
    B(Document {
        id: DocId::new_v7(),
        author: author.into(),
        device: "dev-1".into(),
        site: SITE.into(),
        device_time: t(60),
        work_order: None,
        line: None,
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body,
    })
}

impl B {
    fn on(mut self, wo: &str, line: &str) -> Self {
        self.0.work_order = Some(wo.into());
        self.0.line = Some(line.into());
        self
    }
    fn wo(mut self, wo: &str) -> Self {
        self.0.work_order = Some(wo.into());
        self
    }
    fn follows(mut self, id: DocId) -> Self {
        self.0.follows = Some(id);
        self
    }
    fn reason(mut self, r: &str) -> Self {
        self.0.reason = Some(r.into());
        self
    }
    fn approver(mut self, a: &str) -> Self {
        self.0.approver = Some(a.into());
        self
    }
    fn site(mut self, s: &str) -> Self {
        self.0.site = s.into();
        self
    }
    fn done(self) -> Document {
        self.0
    }
}

fn pick(item: &str, bin: &str, qty: i64, serials: &[&str]) -> Pick {
    Pick {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        serials: serials.iter().map(|s| (*s).into()).collect(),
        qty: q(qty),
        condition: Condition::New,
    }
}

fn issue(p: Pick) -> Body {
    Body::Issue {
        pick: p,
        holder: Some("tech-1".into()),
    }
}

fn stock_key(item: &str, bin: &str) -> StockKey {
    StockKey {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        condition: Condition::New,
    }
}

fn serial_key(item: &str, serial: &str) -> SerialKey {
    SerialKey {
        item: item.into(),
        serial: serial.into(),
    }
}

/// The demo site as the server holds it after its seed documents.
fn server() -> MemoryLedger {
    let mut ledger = MemoryLedger::new(demo::site());
    for d in demo::seed_documents(t(0)) {
        ledger.submit(d).expect("seed document accepted");
    }
    // Reasons set up after the seed: one offered, one withdrawn.
    for (code, kind, active) in [
        ("OTHER-MAKE", ReasonKind::Substitution, true),
        ("OLD-USE", ReasonKind::WriteOff, false),
    ] {
        let reason = SiteReason {
            code: code.into(),
            kind,
            text_en: code.to_lowercase(),
            text_ru: code.to_lowercase(),
            free_text: false,
            active,
        };
        ledger
            .set_row(Row {
                key: RowKey::SiteReason(reason.code.clone()),
                value: serde_json::to_value(&reason).ok(),
            })
            .expect("reason row");
    }
    ledger
}

/// A device cache bootstrapped from `server`'s rows.
fn device(server: &MemoryLedger) -> Cache {
    let cache = Cache::open_in_memory().unwrap();
    bootstrap(cache, server)
}

fn bootstrap(mut cache: Cache, server: &MemoryLedger) -> Cache {
    // In pages, as a bootstrap arrives; the cursor only with the last.
    let rows = server.rows();
    let pages: Vec<&[Row]> = rows.chunks(7).collect();
    for (i, page) in pages.iter().enumerate() {
        let cursor = (i + 1 == pages.len()).then_some(1);
        cache.apply_rows(page, cursor).unwrap();
    }
    cache
}

/// Accepts `doc` on the server and returns the rows a pull brings.
fn server_accepts(server: &mut MemoryLedger, doc: Document) -> (Verdict, Vec<Row>) {
    let id = doc.id;
    let outcome = server.submit(doc.clone()).expect("server accepts");
    let seq = server.accepted(&id).map(|a| a.seq).unwrap_or_default();
    let rows = touched_by(&doc, &outcome.effects)
        .into_iter()
        .map(|key| {
            let value = server.row(&key);
            Row { key, value }
        })
        .collect();
    (
        Verdict::Accepted {
            id,
            seq,
            exceptions: outcome.exceptions,
        },
        rows,
    )
}

// ------------------------------------------------------- equivalence probe

/// Every key the look-ups can be asked about, from a ledger's rows, plus
/// ids nobody knows.
#[derive(Default)]
struct Probes {
    users: BTreeSet<UserId>,
    items: BTreeSet<ItemId>,
    bins: BTreeSet<BinId>,
    warehouses: BTreeSet<WarehouseId>,
    batches: BTreeSet<(ItemId, BatchCode)>,
    assets: BTreeSet<AssetId>,
    orders: BTreeSet<WorkOrderId>,
    lines: BTreeSet<DemandLineId>,
    stock: BTreeSet<StockKey>,
    in_work: BTreeSet<InWorkKey>,
    holdings: BTreeSet<Holding>,
    serials: BTreeSet<SerialKey>,
    docs: BTreeSet<DocId>,
    reasons: BTreeSet<ReasonId>,
}

fn probes(ledger: &MemoryLedger, extra_docs: &[DocId]) -> Probes {
    let mut p = Probes::default();
    p.users.insert("nobody".into());
    p.items.insert("NO-SUCH-ITEM".into());
    p.bins.insert("NO-BIN".into());
    p.warehouses.insert("NO-WH".into());
    p.assets.insert("NO-ASSET".into());
    p.orders.insert("WO-0000".into());
    p.lines.insert("WO-0000-L1".into());
    p.docs.insert(DocId::new_v7());
    p.reasons.insert("NO-SUCH-REASON".into());
    p.docs.extend(extra_docs.iter().copied());
    for key in ledger.row_keys() {
        match key {
            RowKey::Item(id) => {
                p.items.insert(id);
            }
            RowKey::Warehouse(id) => {
                p.warehouses.insert(id);
            }
            RowKey::Bin(id) => {
                p.bins.insert(id);
            }
            RowKey::Batch(i, c) | RowKey::ReceivedBatch(i, c) => {
                p.batches.insert((i, c));
            }
            RowKey::Asset(id) => {
                p.assets.insert(id);
            }
            RowKey::User(id) => {
                p.users.insert(id);
            }
            RowKey::WorkOrder(id) => {
                p.orders.insert(id);
            }
            RowKey::Line(id) | RowKey::LineCounts(id) => {
                p.holdings.insert(Holding::Line(id.clone()));
                p.lines.insert(id);
            }
            RowKey::Stock(k) => {
                p.stock.insert(k);
            }
            RowKey::InWork(k) => {
                p.holdings.insert(k.holding.clone());
                p.in_work.insert(k);
            }
            RowKey::Serial(k) | RowKey::Warranty(k) => {
                p.serials.insert(k);
            }
            RowKey::Emergency(id) => {
                p.holdings.insert(Holding::Emergency(id));
                p.docs.insert(id);
            }
            RowKey::IssueOpen(id)
            | RowKey::Reserve(id)
            | RowKey::Tool(id)
            | RowKey::Transit(id)
            | RowKey::MissingSerial(id)
            | RowKey::Discrepancy(id)
            | RowKey::Reversed(id)
            | RowKey::Approval(id)
            | RowKey::Document(id) => {
                p.docs.insert(id);
            }
            RowKey::SiteReason(id) => {
                p.reasons.insert(id);
            }
            // Requests and templates are not read by the rules.
            RowKey::Policy | RowKey::ClosedUntil | RowKey::Request(_) | RowKey::Template(_) => {}
        }
    }
    for a in ledger.accepted_docs() {
        p.docs.insert(a.doc.id);
    }
    p
}

/// Every answer of every look-up for the probes, one line each. `local`:
/// documents submitted on both sides after the bootstrap, whose ledger
/// position differs by design (the cache gives 0 until the server's seq).
fn answers(v: &impl LedgerView, p: &Probes, local: &BTreeSet<DocId>) -> Vec<String> {
    let mut out = vec![
        format!("policy {:?}", v.policy()),
        format!("site {:?}", v.site()),
        format!("closed_until {:?}", v.closed_until()),
        format!("tools_out {:?}", v.tools_out()),
        format!("emergencies {:?}", v.emergencies()),
    ];
    for id in &p.users {
        out.push(format!("user {id} {:?}", v.user(id)));
    }
    for id in &p.items {
        out.push(format!("item {id} {:?}", v.item(id)));
        for wh in &p.warehouses {
            out.push(format!("usable {id} {wh} {:?}", v.usable_stock(id, wh)));
            out.push(format!("locked {id} {wh} {:?}", v.locked(id, wh)));
        }
    }
    for id in &p.bins {
        out.push(format!("bin {id} {:?}", v.bin(id)));
    }
    for id in &p.warehouses {
        out.push(format!("warehouse {id} {:?}", v.warehouse(id)));
    }
    for (i, c) in &p.batches {
        out.push(format!("batch {i} {c} {:?}", v.batch(i, c)));
    }
    for id in &p.assets {
        out.push(format!("asset {id} {:?}", v.asset(id)));
    }
    for id in &p.orders {
        out.push(format!("work_order {id} {:?}", v.work_order(id)));
        out.push(format!("lines_of {id} {:?}", v.lines_of(id)));
        out.push(format!(
            "removed_units_of {id} {:?}",
            v.removed_units_of(id)
        ));
        out.push(format!(
            "missing_serials_of {id} {:?}",
            v.missing_serials_of(id)
        ));
        out.push(format!("approvals_of {id} {:?}", v.approvals_of(id)));
    }
    for id in &p.lines {
        out.push(format!("line {id} {:?}", v.line(id)));
        out.push(format!("line_counts {id} {:?}", v.line_counts(id)));
        out.push(format!(
            "reserves_of_line {id} {:?}",
            v.reserves_of_line(id)
        ));
    }
    for k in &p.stock {
        out.push(format!("stock {k:?} {:?}", v.stock(k)));
    }
    for k in &p.in_work {
        out.push(format!("in_work {k:?} {:?}", v.in_work(k)));
    }
    for h in &p.holdings {
        out.push(format!("in_work_of {h:?} {:?}", v.in_work_of(h)));
    }
    for k in &p.serials {
        out.push(format!("serial {k:?} {:?}", v.serial(k)));
        out.push(format!("warranty {k:?} {:?}", v.warranty(k)));
    }
    for code in &p.reasons {
        out.push(format!("site_reason {code} {:?}", v.site_reason(code)));
    }
    for kind in ReasonKind::ALL {
        out.push(format!("site_reasons {kind:?} {:?}", v.site_reasons(kind)));
    }
    for id in &p.docs {
        out.push(format!("issue_open {id} {:?}", v.issue_open(id)));
        out.push(format!("reserve {id} {:?}", v.reserve(id)));
        out.push(format!("tool_out {id} {:?}", v.tool_out(id)));
        out.push(format!("emergency {id} {:?}", v.emergency(id)));
        out.push(format!("approval {id} {:?}", v.approval(id)));
        out.push(format!("transit {id} {:?}", v.transit(id)));
        out.push(format!("missing_serial {id} {:?}", v.missing_serial(id)));
        let mut acc = v.accepted(id);
        if local.contains(id)
            && let Ok(Some(a)) = acc.as_mut()
        {
            a.seq = 0;
        }
        out.push(format!("accepted {id} {acc:?}"));
        out.push(format!("refused {id} {:?}", v.refused(id)));
    }
    out
}

/// Where the cache answers differently from the ledger.
fn differences(
    cache: &Cache,
    ledger: &MemoryLedger,
    extra_docs: &[DocId],
    local: &BTreeSet<DocId>,
) -> Vec<String> {
    let p = probes(ledger, extra_docs);
    let mine = answers(&cache.view(), &p, local);
    let theirs = answers(ledger, &p, local);
    assert_eq!(mine.len(), theirs.len());
    mine.into_iter()
        .zip(theirs)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("cache:  {a}\nledger: {b}"))
        .collect()
}

#[track_caller]
fn assert_same(cache: &Cache, ledger: &MemoryLedger, extra: &[DocId], local: &BTreeSet<DocId>) {
    let diffs = differences(cache, ledger, extra, local);
    assert!(
        diffs.is_empty(),
        "{} difference(s):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Documents to judge: valid and invalid, following the seed's and the
/// given ones.
fn battery(server: &MemoryLedger, follow: &[DocId]) -> Vec<Document> {
    let seed: Vec<DocId> = server.accepted_docs().map(|a| a.doc.id).collect();
    let term_issue = seed[4]; // TERM-6MM to WO-1005-L2, 2 written off
    let batt_issue = seed[1]; // BM-0101 to WO-1003-L1
    let mut docs = vec![
        // Valid.
        doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A2"])))
            .on("WO-1004", "WO-1004-L1")
            .done(),
        doc("clerk-1", issue(pick("ZIP-200", "A-01", 3, &[])))
            .on("WO-1003", "WO-1003-L3")
            .done(),
        doc(
            "clerk-1",
            Body::SubstitutionIssue {
                pick: pick("FAN-120-B", "A-02", 1, &["FANB-1"]),
                holder: None,
                approval: None,
            },
        )
        .on("WO-1004", "WO-1004-L1")
        .reason("original out of stock")
        .done(),
        doc(
            "clerk-1",
            Body::Return {
                item: "TERM-6MM".into(),
                batch: None,
                serials: vec![],
                qty: q(2),
                condition: Condition::New,
                to_bin: "R-01".into(),
            },
        )
        .wo("WO-1005")
        .follows(term_issue)
        .done(),
        doc(
            "clerk-1",
            Body::TransferOut {
                pick: Pick {
                    batch: Some("F-77".into()),
                    ..pick("FLT-AIR-500", "N-01", 2, &[])
                },
                to_warehouse: MAIN.into(),
                for_reserve: None,
            },
        )
        .done(),
        doc(
            "clerk-1",
            Body::Reserve {
                warehouse: MAIN.into(),
                qty: q(2),
            },
        )
        .on("WO-1002", "WO-1002-L1")
        .done(),
        doc(
            "tech-1",
            Body::ToolCheckout {
                pick: pick("TOOL-DRILL", "A-03", 1, &["DR-2"]),
                due: t(600),
                holder: None,
            },
        )
        .done(),
        doc(
            "clerk-1",
            Body::Count {
                item: "BRG-6204".into(),
                bin: "A-02".into(),
                batch: None,
                condition: Condition::New,
                counted: q(11),
                adjust: false,
            },
        )
        .done(),
        doc(
            "tech-1",
            Body::EmergencyIssue {
                pick: pick("BRG-6204", "A-02", 1, &[]),
                asset: Some("INV-PUMP-03".into()),
                holder: None,
            },
        )
        .approver("sup-1")
        .reason("pump down at night")
        .done(),
        doc("clerk-1", Body::Correction)
            .follows(term_issue)
            .reason("wrong order")
            .approver("sup-1")
            .done(),
        doc(
            "clerk-1",
            Body::RemovedUnitReturn {
                item: "PUMP-CTRL".into(),
                serial: "PC-OLD-1".into(),
                condition: Condition::UnderInspection,
                to_bin: "Q-01".into(),
            },
        )
        .wo("WO-1005")
        .done(),
        doc(
            "sup-1",
            Body::WoStatusChange {
                transition: Transition::Start,
            },
        )
        .wo("WO-1002")
        .done(),
        // Invalid.
        doc(
            "clerk-1",
            issue(pick("UPS-BATT-MOD", "A-01", 1, &["BM-0102"])),
        )
        .on("WO-1003", "WO-1003-L1")
        .done(), // over tolerance
        doc(
            "clerk-1",
            issue(pick("UPS-BATT-MOD", "A-01", 1, &["BM-0101"])),
        )
        .on("WO-1003", "WO-1003-L1")
        .done(), // already in work
        doc("clerk-1", issue(pick("FAN-120", "A-01", 1, &["FAN-A1"])))
            .on("WO-1004", "WO-1004-L1")
            .done(), // wrong bin
        doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-Z9"])))
            .on("WO-1004", "WO-1004-L1")
            .done(), // unknown serial
        doc("clerk-1", issue(pick("ZIP-200", "A-01", 1, &[])))
            .on("WO-1007", "WO-1007-L1")
            .done(), // cancelled order
        doc("clerk-1", issue(pick("KIT-UPS-SVC", "A-03", 1, &[])))
            .on("WO-1008", "WO-1008-L1")
            .done(), // closed order
        doc("clerk-1", issue(pick("ZIP-200", "A-01", 1, &[])))
            .on("WO-1003", "WO-1003-L3")
            .site("PLANT-2")
            .done(),
        doc("nobody", issue(pick("ZIP-200", "A-01", 1, &[])))
            .on("WO-1003", "WO-1003-L3")
            .done(),
        doc("acct-1", issue(pick("ZIP-200", "A-01", 1, &[])))
            .on("WO-1003", "WO-1003-L3")
            .done(), // role
        doc(
            "clerk-1",
            Body::Return {
                item: "UPS-BATT-MOD".into(),
                batch: None,
                serials: vec!["BM-0101".into()],
                qty: q(1),
                condition: Condition::New,
                to_bin: "A-01".into(),
            },
        )
        .wo("WO-1003")
        .follows(DocId::new_v7())
        .done(), // unknown document
        doc(
            "clerk-1",
            Body::Return {
                item: "UPS-BATT-MOD".into(),
                batch: None,
                serials: vec!["BM-0101".into()],
                qty: q(1),
                condition: Condition::New,
                to_bin: "A-01".into(),
            },
        )
        .wo("WO-1003")
        .follows(batt_issue)
        .done(), // valid, in fact
        doc(
            "tech-2",
            Body::WriteOff {
                item: "TERM-6MM".into(),
                batch: None,
                qty: q(5),
                installed: vec![],
                position: None,
                removed: vec![],
            },
        )
        .on("WO-1005", "WO-1005-L2")
        .done(), // more than in work
        doc(
            "sup-1",
            Body::WoStatusChange {
                transition: Transition::Close,
            },
        )
        .wo("WO-1005")
        .done(), // closure blocked
        doc(
            "clerk-1",
            Body::TransferIn {
                to_bin: "A-02".into(),
                qty: q(1),
                serials: vec![],
            },
        )
        .follows(DocId::new_v7())
        .done(),
        doc(
            "acct-1",
            Body::PeriodClose {
                until: t(-24 * 60).date_naive(),
            },
        )
        .done(),
        doc(
            "tech-1",
            Body::EmergencyIssue {
                pick: pick("BRG-6204", "A-02", 1, &[]),
                asset: None,
                holder: None,
            },
        )
        .done(), // no approver
        doc(
            "clerk-1",
            Body::Reserve {
                warehouse: NORTH.into(),
                qty: q(100),
            },
        )
        .on("WO-1002", "WO-1002-L1")
        .done(), // over tolerance
    ];
    // Follow-ups of the given documents: return, correction, tool return,
    // transfer in, write-off.
    for id in follow {
        docs.push(
            doc(
                "clerk-1",
                Body::Return {
                    item: "ZIP-200".into(),
                    batch: None,
                    serials: vec![],
                    qty: q(1),
                    condition: Condition::New,
                    to_bin: "A-01".into(),
                },
            )
            .wo("WO-1003")
            .follows(*id)
            .done(),
        );
        docs.push(
            doc("clerk-1", Body::Correction)
                .follows(*id)
                .reason("scanned twice")
                .approver("ctrl-1")
                .done(),
        );
        docs.push(
            doc(
                "tech-1",
                Body::ToolReturn {
                    to_bin: "A-03".into(),
                },
            )
            .follows(*id)
            .done(),
        );
        docs.push(
            doc(
                "clerk-1",
                Body::TransferIn {
                    to_bin: "A-02".into(),
                    qty: q(1),
                    serials: vec![],
                },
            )
            .follows(*id)
            .done(),
        );
    }
    docs
}

/// Judges the battery on both; returns (accepted, refused codes).
#[track_caller]
fn same_verdicts(
    cache: &Cache,
    ledger: &MemoryLedger,
    docs: &[Document],
) -> (usize, BTreeSet<ReasonCode>) {
    let mut accepted = 0;
    let mut codes = BTreeSet::new();
    for d in docs {
        let mine = evaluate(&cache.view(), d);
        let theirs = evaluate(ledger, d);
        assert_eq!(mine, theirs, "verdicts differ on {d:#?}");
        match theirs {
            Ok(_) => accepted += 1,
            Err(r) => {
                codes.insert(r.refusal().expect("a refusal, not a storage error").code);
            }
        }
    }
    (accepted, codes)
}

/// The documents the device records after the bootstrap (each accepted):
/// issues, a write-off, a return of a local issue, a reserve, a tool
/// checkout, an emergency issue, a correction of a server document, a
/// removed unit to quarantine, a status change.
fn device_documents(server: &MemoryLedger) -> Vec<Document> {
    let seed: Vec<DocId> = server.accepted_docs().map(|a| a.doc.id).collect();
    let zip = doc("clerk-1", issue(pick("ZIP-200", "A-01", 5, &[])))
        .on("WO-1003", "WO-1003-L3")
        .done();
    let zip_id = zip.id;
    let reserve = doc(
        "clerk-1",
        Body::Reserve {
            warehouse: MAIN.into(),
            qty: q(2),
        },
    )
    .on("WO-1002", "WO-1002-L1")
    .done();
    let reserve_id = reserve.id;
    vec![
        doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A1"])))
            .on("WO-1004", "WO-1004-L1")
            .done(),
        zip,
        doc(
            "tech-1",
            Body::WriteOff {
                item: "FAN-120".into(),
                batch: None,
                qty: q(1),
                installed: vec!["FAN-A1".into()],
                position: Some("top".into()),
                removed: vec![],
            },
        )
        .on("WO-1004", "WO-1004-L1")
        .done(),
        doc(
            "clerk-1",
            Body::Return {
                item: "ZIP-200".into(),
                batch: None,
                serials: vec![],
                qty: q(2),
                condition: Condition::New,
                to_bin: "A-01".into(),
            },
        )
        .wo("WO-1003")
        .follows(zip_id)
        .done(),
        reserve,
        doc(
            "tech-1",
            Body::ToolCheckout {
                pick: pick("TOOL-DRILL", "A-03", 1, &["DR-1"]),
                due: t(600),
                holder: None,
            },
        )
        .wo("WO-1004")
        .done(),
        doc(
            "tech-1",
            Body::EmergencyIssue {
                pick: pick("BRG-6204", "A-02", 2, &[]),
                asset: Some("INV-PUMP-03".into()),
                holder: None,
            },
        )
        .approver("sup-1")
        .reason("pump down at night")
        .done(),
        doc("clerk-1", Body::Correction)
            .follows(seed[2]) // TERM-6MM to WO-1003-L2
            .reason("issued to the wrong order")
            .approver("ctrl-1")
            .done(),
        doc(
            "clerk-1",
            Body::RemovedUnitReturn {
                item: "PUMP-CTRL".into(),
                serial: "PC-OLD-1".into(),
                condition: Condition::UnderInspection,
                to_bin: "Q-01".into(),
            },
        )
        .wo("WO-1005")
        .done(),
        doc(
            "tech-1",
            Body::WoStatusChange {
                transition: Transition::Complete,
            },
        )
        .wo("WO-1004")
        .done(),
        // A local document undone locally: its reserve row goes again.
        doc("clerk-1", Body::Correction)
            .follows(reserve_id)
            .reason("reserved on the wrong line")
            .approver("ctrl-1")
            .done(),
    ]
}

// ------------------------------------------------------------------- tests

/// The cache answers every look-up, and judges every document, exactly as a
/// `MemoryLedger` of the same rows — right after the bootstrap and after
/// documents recorded on both (the overlay against the ledger's own
/// arithmetic).
#[test]
fn the_cache_view_equals_a_memory_ledger_of_the_same_rows() {
    let server = server();
    let rows = server.rows();
    let mut mirror = MemoryLedger::from_rows(rows.clone()).unwrap();
    let mut cache = device(&server);
    assert_eq!(cache.row_count().unwrap(), rows.len() as u64);
    let none = BTreeSet::new();
    assert_same(&cache, &mirror, &[], &none);

    let docs = battery(&server, &[]);
    let (accepted, codes) = same_verdicts(&cache, &mirror, &docs);
    // The battery means something: both kinds of verdict, many reasons.
    assert!(accepted >= 12, "only {accepted} accepted");
    assert!(codes.len() >= 10, "only {codes:?}");

    // Record documents on both: the overlay must equal the ledger.
    let mut local = BTreeSet::new();
    for d in device_documents(&server) {
        let id = d.id;
        let theirs = mirror.submit(d.clone());
        let mine = cache.submit(d).unwrap();
        assert_eq!(mine, theirs, "document {id}");
        assert!(mine.is_ok(), "{mine:?}");
        local.insert(id);
        assert_same(&cache, &mirror, &[], &local);
    }
    assert!(cache.local_refusals().is_empty());
    let followed: Vec<DocId> = local.iter().copied().collect();
    let docs = battery(&server, &followed);
    let (accepted, codes) = same_verdicts(&cache, &mirror, &docs);
    assert!(accepted >= 10, "only {accepted} accepted");
    assert!(codes.len() >= 10, "only {codes:?}");

    // And the comparison can tell: one more document on one side only.
    let extra = doc("clerk-1", issue(pick("ZIP-200", "A-01", 1, &[])))
        .on("WO-1003", "WO-1003-L3")
        .done();
    cache.submit(extra).unwrap().unwrap();
    let diffs = differences(&cache, &mirror, &[], &local);
    assert!(
        diffs.len() >= 3,
        "the probe misses a one-document difference: {diffs:?}"
    );
}

/// After a replay from disk the overlay is the same as when the documents
/// were submitted one by one.
#[test]
fn a_reopened_cache_replays_the_outbox_to_the_same_view() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let server = server();
    let mut mirror = MemoryLedger::from_rows(server.rows()).unwrap();
    let mut local = BTreeSet::new();
    {
        let mut cache = bootstrap(Cache::open(&path).unwrap(), &server);
        for d in device_documents(&server) {
            local.insert(d.id);
            mirror.submit(d.clone()).unwrap();
            cache.submit(d).unwrap().unwrap();
        }
    }
    let cache = Cache::open(&path).unwrap();
    assert_eq!(cache.outbox_len().unwrap(), local.len() as u64);
    assert_same(&cache, &mirror, &[], &local);
}

/// Submitted documents are on disk before `submit` returns: after the
/// process goes (drop) and the cache is opened again, the outbox holds them
/// in order and the view shows their effects.
#[test]
fn the_outbox_survives_a_restart_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let server = server();
    let docs = vec![
        doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A1"])))
            .on("WO-1004", "WO-1004-L1")
            .done(),
        doc("clerk-1", issue(pick("ZIP-200", "A-01", 5, &[])))
            .on("WO-1003", "WO-1003-L3")
            .done(),
        doc("clerk-1", issue(pick("ZIP-200", "A-01", 7, &[])))
            .on("WO-1003", "WO-1003-L3")
            .done(),
    ];
    {
        let mut cache = bootstrap(Cache::open(&path).unwrap(), &server);
        cache.set_meta(keys::SITE, Some(SITE)).unwrap();
        for d in &docs {
            cache.submit(d.clone()).unwrap().unwrap();
        }
        // A refused document leaves no trace.
        let refused = doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A1"])))
            .on("WO-1004", "WO-1004-L1")
            .done();
        assert!(cache.submit(refused).unwrap().is_err());
        assert_eq!(cache.outbox_len().unwrap(), 3);
    }
    let cache = Cache::open(&path).unwrap();
    assert_eq!(cache.outbox().unwrap(), docs);
    assert_eq!(cache.meta(keys::SITE).unwrap().as_deref(), Some(SITE));
    assert_eq!(cache.cursor().unwrap(), 1);
    let view = cache.view();
    assert_eq!(view.site().expect("cache view"), Some(SITE.into()));
    assert_eq!(
        view.stock(&stock_key("ZIP-200", "A-01"))
            .expect("cache view"),
        q(500 - 12)
    );
    assert_eq!(
        view.stock(&stock_key("FAN-120", "A-02"))
            .expect("cache view"),
        q(1)
    );
    assert!(matches!(
        view.serial(&serial_key("FAN-120", "FAN-A1"))
            .expect("cache view"),
        Some(SerialState::InWork { .. })
    ));
    assert_eq!(
        view.line_counts(&"WO-1003-L3".into())
            .expect("cache view")
            .issued,
        q(12)
    );
    assert_eq!(
        view.accepted(&docs[1].id)
            .expect("cache view")
            .map(|a| (a.doc, a.seq)),
        Some((docs[1].clone(), 0))
    );
    // The same document again is a duplicate; its id with other content too.
    let mut cache = cache;
    let again = cache.submit(docs[2].clone()).unwrap().unwrap_err();
    assert_eq!(again.code, ReasonCode::Duplicate);
    let mut other = docs[2].clone();
    other.reason = Some("changed".into());
    assert_eq!(
        cache.submit(other).unwrap().unwrap_err().code,
        ReasonCode::IdReused
    );
}

/// The server's verdicts: accepted leaves the outbox but stays visible
/// (with the server's seq) until the pull brings its rows; rejected goes to
/// the attention list with its refusal, and what follows it is refused
/// locally; unknown verdicts change nothing; nothing is lost on the way.
#[test]
fn settling_moves_documents_where_the_verdicts_say() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let mut server = server();
    let mut cache = bootstrap(Cache::open(&path).unwrap(), &server);

    let fan = doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A1"])))
        .on("WO-1004", "WO-1004-L1")
        .done();
    let zip = doc("clerk-1", issue(pick("ZIP-200", "A-01", 5, &[])))
        .on("WO-1003", "WO-1003-L3")
        .done();
    let zip_back = doc(
        "clerk-1",
        Body::Return {
            item: "ZIP-200".into(),
            batch: None,
            serials: vec![],
            qty: q(2),
            condition: Condition::New,
            to_bin: "A-01".into(),
        },
    )
    .wo("WO-1003")
    .follows(zip.id)
    .done();
    let terms = doc("clerk-1", issue(pick("ZIP-200", "A-01", 1, &[])))
        .on("WO-1003", "WO-1003-L3")
        .done();
    for d in [&fan, &zip, &zip_back, &terms] {
        cache.submit(d.clone()).unwrap().unwrap();
    }
    assert_eq!(cache.outbox_len().unwrap(), 4);

    // Push: the server accepts the fan, rejects the zip ties (as if it
    // knew better), and answers for a document this device never had.
    let (fan_verdict, fan_rows) = server_accepts(&mut server, fan.clone());
    let refusal = sparescan_core::reason::Refusal::new(ReasonCode::StockShortfall)
        .detail("the shelf was empty");
    let verdicts = vec![
        fan_verdict.clone(),
        Verdict::Rejected {
            id: zip.id,
            refusal: refusal.clone(),
        },
        Verdict::Duplicate {
            id: DocId::new_v7(),
            seq: 99,
        },
    ];
    cache.settle(&verdicts).unwrap();
    let Verdict::Accepted { seq: fan_seq, .. } = fan_verdict else {
        unreachable!()
    };

    assert_eq!(
        cache.outbox().unwrap(),
        vec![zip_back.clone(), terms.clone()]
    );
    let attention = cache.attention().unwrap();
    assert_eq!(attention.len(), 1);
    assert_eq!(attention[0].doc, zip);
    assert_eq!(attention[0].refusal, refusal);
    {
        let view = cache.view();
        // Accepted: found with the server's seq, its effects still shown.
        let acc = view
            .accepted(&fan.id)
            .expect("cache view")
            .expect("kept until the pull");
        assert_eq!((acc.seq, &acc.doc), (fan_seq, &fan));
        assert!(!acc.effects.is_empty());
        assert_eq!(
            view.stock(&stock_key("FAN-120", "A-02"))
                .expect("cache view"),
            q(1)
        );
        // Rejected: refused, its effects gone, its follow-up refused here.
        assert_eq!(
            view.refused(&zip.id).expect("cache view"),
            Some(ReasonCode::StockShortfall)
        );
        assert_eq!(view.accepted(&zip.id).expect("cache view"), None);
        assert_eq!(
            view.stock(&stock_key("ZIP-200", "A-01"))
                .expect("cache view"),
            q(500 - 1)
        );
    }
    let local: Vec<_> = cache
        .local_refusals()
        .iter()
        .map(|(id, r)| (*id, r.code))
        .collect();
    assert_eq!(local, vec![(zip_back.id, ReasonCode::ReferenceRefused)]);

    // The state survives a restart just the same.
    drop(cache);
    let mut cache = Cache::open(&path).unwrap();
    assert_eq!(
        cache.outbox().unwrap(),
        vec![zip_back.clone(), terms.clone()]
    );
    assert_eq!(cache.attention().unwrap(), attention);
    assert_eq!(cache.local_refusals().len(), 1);
    assert_eq!(
        cache
            .view()
            .accepted(&fan.id)
            .expect("cache view")
            .map(|a| a.seq),
        Some(fan_seq)
    );

    // The pull brings the fan's rows: it is counted once, from the rows.
    cache.apply_rows(&fan_rows, Some(2)).unwrap();
    assert_eq!(cache.cursor().unwrap(), 2);
    {
        let view = cache.view();
        assert_eq!(
            view.stock(&stock_key("FAN-120", "A-02"))
                .expect("cache view"),
            q(1)
        );
        assert_eq!(
            view.line_counts(&"WO-1004-L1".into())
                .expect("cache view")
                .issued,
            q(1)
        );
        // Now the server's own document row answers.
        let acc = view
            .accepted(&fan.id)
            .expect("cache view")
            .expect("the document row");
        assert_eq!(acc, server.accepted(&fan.id).unwrap());
    }

    // The user deals with the rejected document: archived, still refused.
    cache.resolve_attention(zip.id).unwrap();
    assert!(cache.attention().unwrap().is_empty());
    assert_eq!(
        cache.view().refused(&zip.id).expect("cache view"),
        Some(ReasonCode::StockShortfall)
    );
    // Settling the rest: everything accounted for, nothing dropped.
    let (terms_verdict, _) = server_accepts(&mut server, terms.clone());
    cache
        .settle(&[
            Verdict::Rejected {
                id: zip_back.id,
                refusal: sparescan_core::reason::Refusal::new(ReasonCode::ReferenceRefused),
            },
            terms_verdict,
        ])
        .unwrap();
    assert_eq!(cache.outbox_len().unwrap(), 0);
    assert_eq!(cache.attention().unwrap().len(), 1);
    assert!(cache.local_refusals().is_empty());
}

/// Rows pulled after documents were recorded here: the overlay is
/// recomputed on them, and a document a pulled row now contradicts stays in
/// the outbox (the server decides) but shows no effects and is reported.
#[test]
fn pulled_rows_recompute_the_overlay_and_flag_conflicts() {
    let mut server = server();
    let mut cache = device(&server);
    let fan = doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A2"])))
        .on("WO-1004", "WO-1004-L1")
        .done();
    let zip = doc("clerk-1", issue(pick("ZIP-200", "A-01", 5, &[])))
        .on("WO-1003", "WO-1003-L3")
        .done();
    cache.submit(fan.clone()).unwrap().unwrap();
    cache.submit(zip.clone()).unwrap().unwrap();
    assert_eq!(
        cache
            .view()
            .stock(&stock_key("ZIP-200", "A-01"))
            .expect("cache view"),
        q(495)
    );

    // Another device took zip ties and the same fan, on another order's
    // line... the server accepted both first.
    let mut rows = Vec::new();
    let other_zip = doc("clerk-1", issue(pick("ZIP-200", "A-01", 10, &[])))
        .on("WO-1003", "WO-1003-L3")
        .done();
    let (_, r) = server_accepts(&mut server, other_zip);
    rows.extend(r);
    let other_fan = doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A2"])))
        .on("WO-1004", "WO-1004-L1")
        .done();
    let (_, r) = server_accepts(&mut server, other_fan);
    rows.extend(r);
    cache.apply_rows(&rows, Some(5)).unwrap();

    // The zip ties still apply, on top of the pulled stock.
    let view = cache.view();
    assert_eq!(
        view.stock(&stock_key("ZIP-200", "A-01"))
            .expect("cache view"),
        q(500 - 10 - 5)
    );
    assert_eq!(
        view.line_counts(&"WO-1003-L3".into())
            .expect("cache view")
            .issued,
        q(15)
    );
    // The fan is the other device's now; ours is refused here, but kept.
    assert_eq!(
        view.serial(&serial_key("FAN-120", "FAN-A2"))
            .expect("cache view"),
        server.serial(&serial_key("FAN-120", "FAN-A2"))
    );
    assert_eq!(view.accepted(&fan.id).expect("cache view"), None);
    assert_eq!(cache.outbox().unwrap(), vec![fan.clone(), zip.clone()]);
    let flagged: Vec<DocId> = cache.local_refusals().iter().map(|(id, _)| *id).collect();
    assert_eq!(flagged, vec![fan.id]);
    // The view is the server's rows plus the zip ties: as a ledger of the
    // server's rows that then accepts the zip ties.
    let mut mirror = MemoryLedger::from_rows(server.rows()).unwrap();
    mirror.submit(zip.clone()).unwrap();
    let local = BTreeSet::from([zip.id]);
    assert_same(&cache, &mirror, &[fan.id], &local);
}

/// A whole sync round: record offline, push, settle, pull. The device ends
/// with exactly the server's view, and an empty outbox.
#[test]
fn a_sync_round_ends_with_the_servers_view() {
    let mut server = server();
    let mut cache = device(&server);
    let docs = device_documents(&server);
    for d in &docs {
        cache.submit(d.clone()).unwrap().unwrap();
    }
    let mut verdicts = Vec::new();
    let mut rows = Vec::new();
    for d in cache.outbox().unwrap() {
        let (v, r) = server_accepts(&mut server, d);
        verdicts.push(v);
        rows.extend(r);
    }
    cache.settle(&verdicts).unwrap();
    // Before the pull the view already shows everything, once.
    let mirror = MemoryLedger::from_rows(server.rows()).unwrap();
    let ids: Vec<DocId> = docs.iter().map(|d| d.id).collect();
    let before_pull = differences(&cache, &mirror, &ids, &BTreeSet::new());
    // Only the documents' own rows differ (settled docs carry the device's
    // effects and are not yet document rows): no projection does.
    assert!(
        before_pull
            .iter()
            .all(|d| d.starts_with("cache:  accepted")),
        "{before_pull:#?}"
    );
    cache.apply_rows(&rows, Some(9)).unwrap();
    assert_eq!(cache.outbox_len().unwrap(), 0);
    assert_same(&cache, &mirror, &ids, &BTreeSet::new());
    assert_eq!(cache.row_count().unwrap(), server.rows().len() as u64);
}

/// The device's own look-ups: open orders, an asset's order, returnable
/// issues, a serial's issue, barcodes, badges, the quarantine queue.
#[test]
fn device_lookups_merge_rows_and_outbox() {
    let server = server();
    let mut cache = device(&server);
    let open: Vec<String> = cache
        .open_orders()
        .unwrap()
        .into_iter()
        .map(|w| w.id.0)
        .collect();
    assert_eq!(
        open,
        [
            "WO-1001", "WO-1002", "WO-1003", "WO-1004", "WO-1005", "WO-1006"
        ]
    );
    assert_eq!(
        cache
            .order_of_asset(&"INV-UPS-01".into())
            .unwrap()
            .map(|w| w.id.0),
        Some("WO-1003".into())
    );
    assert_eq!(
        cache
            .order_of_asset(&"INV-AHU-02".into())
            .unwrap()
            .map(|w| w.id.0),
        Some("WO-1002".into())
    );
    let battery = cache.items_by_code(&demo::gtin("0401234500001")).unwrap();
    assert_eq!(battery.map(|i| i.id.0), Some("UPS-BATT-MOD".into()));
    assert_eq!(cache.items_by_code("0000").unwrap(), None);

    // Server documents: the seed's issues.
    let seed: Vec<DocId> = server.accepted_docs().map(|a| a.doc.id).collect();
    let open_terms = cache.open_issues_of_item(&"TERM-6MM".into()).unwrap();
    let summary: Vec<(DocId, Qty)> = open_terms.iter().map(|(a, q)| (a.doc.id, *q)).collect();
    // WO-1003's ten are all in work; WO-1005's four had two written off.
    assert_eq!(summary, vec![(seed[2], q(10)), (seed[4], q(2))]);
    assert_eq!(
        cache
            .issue_of_serial(&"UPS-BATT-MOD".into(), &"BM-0101".into())
            .unwrap()
            .map(|a| a.doc.id),
        Some(seed[1])
    );
    assert_eq!(
        cache
            .issue_of_serial(&"UPS-BATT-MOD".into(), &"BM-0102".into())
            .unwrap(),
        None
    );

    // Local documents count too: an issue, a status change, a unit to
    // quarantine.
    let fan = doc("clerk-1", issue(pick("FAN-120", "A-02", 1, &["FAN-A1"])))
        .on("WO-1004", "WO-1004-L1")
        .done();
    cache.submit(fan.clone()).unwrap().unwrap();
    assert_eq!(
        cache
            .issue_of_serial(&"FAN-120".into(), &"FAN-A1".into())
            .unwrap()
            .map(|a| a.doc.id),
        Some(fan.id)
    );
    let open_fans = cache.open_issues_of_item(&"FAN-120".into()).unwrap();
    assert_eq!(open_fans.len(), 1);
    assert_eq!((open_fans[0].0.seq, open_fans[0].1), (0, q(1)));
    let cancel = doc(
        "disp-1",
        Body::WoStatusChange {
            transition: Transition::Cancel,
        },
    )
    .wo("WO-1001")
    .done();
    cache.submit(cancel).unwrap().unwrap();
    assert!(
        !cache
            .open_orders()
            .unwrap()
            .iter()
            .any(|w| w.id.0 == "WO-1001")
    );
    assert_eq!(cache.quarantine().unwrap(), vec![]);
    let old = doc(
        "clerk-1",
        Body::RemovedUnitReturn {
            item: "PUMP-CTRL".into(),
            serial: "PC-OLD-1".into(),
            condition: Condition::UnderInspection,
            to_bin: "Q-01".into(),
        },
    )
    .wo("WO-1005")
    .done();
    cache.submit(old).unwrap().unwrap();
    assert_eq!(
        cache.quarantine().unwrap(),
        vec![(
            StockKey {
                condition: Condition::UnderInspection,
                ..stock_key("PUMP-CTRL", "Q-01")
            },
            q(1)
        )]
    );

    // Badges: whose is whose, and no secret.
    cache
        .set_badges(&[BadgeHolder {
            user: "tech-1".into(),
            badge: "B-1001".into(),
        }])
        .unwrap();
    assert_eq!(
        cache.user_by_badge("b-1001").unwrap().map(|u| u.id.0),
        Some("tech-1".into())
    );
    assert_eq!(cache.user_by_badge("B-0000").unwrap(), None);
    // A presence key is kept sealed, and opens with the PIN only.
    let tech: UserId = "tech-1".into();
    assert_eq!(cache.presence(&tech).unwrap(), None);
    let until = chrono::Utc::now() + chrono::Duration::days(7);
    let sealed =
        sparescan_handheld::presence::seal("1111", "tech-1", "pk-1", until, &[5; 32]).unwrap();
    cache.put_presence(&tech, &sealed).unwrap();
    let kept = cache.presence(&tech).unwrap().expect("kept");
    assert_eq!(kept.key_id, "pk-1");
    assert_ne!(kept.sealed[..32], [5; 32]);
    assert_eq!(
        sparescan_handheld::presence::open("1111", "tech-1", &kept).unwrap(),
        Some(vec![5; 32])
    );
}

/// A row that is not of its entity's type refuses the whole batch, naming
/// the row; nothing of the batch is written.
#[test]
fn a_bad_row_refuses_the_batch_and_names_the_row() {
    let server = server();
    let mut cache = device(&server);
    let before = cache.row_count().unwrap();
    let rows = vec![
        Row {
            key: RowKey::Stock(stock_key("ZIP-200", "A-02")),
            value: Some(serde_json::json!("7")),
        },
        Row {
            key: RowKey::Serial(serial_key("FAN-120", "FAN-A1")),
            value: Some(serde_json::json!({"state": "teleported"})),
        },
    ];
    let err = cache.apply_rows(&rows, Some(3)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("FAN-A1"), "{text}");
    assert_eq!(cache.row_count().unwrap(), before);
    assert_eq!(cache.cursor().unwrap(), 1);
    assert_eq!(
        cache
            .view()
            .stock(&stock_key("ZIP-200", "A-02"))
            .expect("cache view"),
        Qty::ZERO
    );
}

/// A re-bootstrap (HTTP 410: the server no longer has the changes since the
/// cursor) keeps judging on the old rows until new ones replace them; the
/// rows the server no longer has go when the last page is in; the outbox
/// stays throughout.
#[test]
fn a_rebootstrap_keeps_the_old_rows_until_the_new_ones_replace_them() {
    let server = server();
    let mut cache = device(&server);
    // A row the server has since dropped.
    let mut gone = cache
        .view()
        .item(&"FLT-AIR-500".into())
        .expect("cache view")
        .expect("the filter");
    gone.id = "OLD-FILTER".into();
    gone.barcodes = vec!["OLD-FILTER-CODE".into()];
    let gone_row = Row {
        key: RowKey::Item(gone.id.clone()),
        value: Some(serde_json::to_value(&gone).unwrap()),
    };
    cache.apply_rows(&[gone_row], Some(1)).unwrap();
    let zip = doc("clerk-1", issue(pick("ZIP-200", "A-01", 5, &[])))
        .on("WO-1003", "WO-1003-L3")
        .done();
    cache.submit(zip.clone()).unwrap().unwrap();
    let zip_stock = |cache: &Cache| {
        cache
            .view()
            .stock(&stock_key("ZIP-200", "A-01"))
            .expect("cache view")
    };
    let rows_before = cache.row_count().unwrap();

    cache.begin_rebootstrap().unwrap();
    assert_eq!(cache.cursor().unwrap(), 0, "the next round bootstraps");
    assert_eq!(
        cache.row_count().unwrap(),
        rows_before,
        "rows dropped before their replacements came: scans would be judged on a partial site"
    );
    assert_eq!(zip_stock(&cache), q(495));

    // Half the new bootstrap in: the rest is still the old rows.
    let rows = server.rows();
    let (first, second) = rows.split_at(rows.len() / 2);
    cache.apply_rows(first, None).unwrap();
    assert_eq!(cache.row_count().unwrap(), rows_before);
    assert!(cache.items_by_code("OLD-FILTER-CODE").unwrap().is_some());
    assert_eq!(zip_stock(&cache), q(495));

    // The last page: what the server no longer has is gone, codes too.
    cache.apply_rows(second, Some(2)).unwrap();
    assert_eq!(cache.row_count().unwrap(), rows.len() as u64);
    assert!(
        cache.items_by_code("OLD-FILTER-CODE").unwrap().is_none(),
        "a row the server no longer has outlived the re-bootstrap"
    );
    assert!(
        cache
            .view()
            .item(&"OLD-FILTER".into())
            .expect("cache view")
            .is_none()
    );
    assert_eq!(cache.cursor().unwrap(), 2);
    assert_eq!(cache.outbox().unwrap(), vec![zip]);
    assert_eq!(zip_stock(&cache), q(495));
    assert!(cache.local_refusals().is_empty());
}
