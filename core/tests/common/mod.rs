//! A small but complete test site and document builders, shared by the
//! domain tests. The site is the one of the domain article: a UPS with a
//! battery module, a server cabinet with a fan, filters, bearings, a pump.
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sparescan_core::document::*;
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::rules::Outcome;
use std::collections::BTreeSet;

pub const SITE: &str = "S1";

// Users, by role.
pub const TECH: &str = "tech-ivanov";
pub const TECH2: &str = "tech-petrov";
pub const CLERK: &str = "clerk-smirnova";
pub const SUPERVISOR: &str = "sup-kuznetsov";
pub const ENGINEER: &str = "eng-popova";
pub const DISPATCHER: &str = "disp-sokolov";
pub const CONTROLLER: &str = "ctrl-lebedeva";
pub const ACCOUNTANT: &str = "acct-kozlov";
pub const ADMIN: &str = "admin";

// Warehouses and bins.
pub const WH: &str = "WH-MAIN";
pub const WH2: &str = "WH-NORTH";
pub const SHELF: &str = "A-01";
pub const SHELF2: &str = "A-02";
pub const RETURNS: &str = "R-01";
pub const QUARANTINE: &str = "Q-01";
pub const REJECTED: &str = "X-01";
pub const NORTH_SHELF: &str = "N-01";

// Items.
pub const BATTERY: &str = "UPS-BATT-MOD"; // serial-tracked, critical
pub const TERMINALS: &str = "TERM-6MM"; // consumable
pub const ZIP_TIES: &str = "ZIP-200"; // consumable
pub const FILTER: &str = "FLT-AIR-500";
pub const BEARING: &str = "BRG-6204";
pub const FAN: &str = "FAN-120"; // serial-tracked
pub const FAN_ALT: &str = "FAN-120-B"; // listed substitute of FAN
pub const GREASE: &str = "GREASE-EP2"; // batch + expiry
pub const CABLE: &str = "CBL-PWR-2M";
pub const DRILL: &str = "TOOL-DRILL"; // tool, serial-tracked
pub const PUMP_CTRL: &str = "PUMP-CTRL"; // serial-tracked

// Assets.
pub const UPS: &str = "INV-UPS-01";
pub const CABINET: &str = "INV-RACK-07";
pub const PUMP: &str = "INV-PUMP-03";

pub fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("valid test date")
}

/// 2026-11-20 08:00 UTC plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0)
        .single()
        .expect("valid test time")
        + Duration::minutes(minutes)
}

pub fn q(n: i64) -> Qty {
    Qty::units(n)
}

fn user(id: &str, roles: &[Role]) -> User {
    User {
        id: id.into(),
        name: id.to_owned(),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        site: SITE.into(),
        active: true,
    }
}

fn item(id: &str, kind: ItemKind, tracking: Tracking) -> Item {
    Item {
        id: id.into(),
        name: id.to_owned(),
        unit: "pcs".into(),
        kind,
        tracking,
        expiry_tracked: false,
        serial_format: None,
        barcodes: Vec::new(),
        substitutes: Vec::new(),
        critical: false,
        unit_cost: None,
        warranty_months: None,
    }
}

fn bin(id: &str, wh: &str, zone: Zone) -> Bin {
    Bin {
        id: id.into(),
        warehouse: wh.into(),
        zone,
    }
}

pub fn stock_key(item: &str, bin: &str, batch: Option<&str>, condition: Condition) -> StockKey {
    StockKey {
        item: item.into(),
        bin: bin.into(),
        batch: batch.map(BatchCode::from),
        condition,
    }
}

pub fn serial_key(item: &str, serial: &str) -> SerialKey {
    SerialKey {
        item: item.into(),
        serial: serial.into(),
    }
}

/// The site's master data, without work orders.
pub fn site() -> MasterData {
    let mut battery = item(BATTERY, ItemKind::Material, Tracking::Serial);
    battery.serial_format = Some("BM-####".into());
    battery.critical = true;
    battery.barcodes = vec!["04012345000019".into()];
    let mut fan = item(FAN, ItemKind::Material, Tracking::Serial);
    fan.substitutes = vec![FAN_ALT.into()];
    let mut grease = item(GREASE, ItemKind::Material, Tracking::Batch);
    grease.expiry_tracked = true;
    let items = vec![
        battery,
        item(TERMINALS, ItemKind::Material, Tracking::None),
        item(ZIP_TIES, ItemKind::Material, Tracking::None),
        item(FILTER, ItemKind::Material, Tracking::None),
        item(BEARING, ItemKind::Material, Tracking::None),
        fan,
        item(FAN_ALT, ItemKind::Material, Tracking::Serial),
        grease,
        item(CABLE, ItemKind::Material, Tracking::None),
        item(DRILL, ItemKind::Tool, Tracking::Serial),
        item(PUMP_CTRL, ItemKind::Material, Tracking::Serial),
    ];
    let users = vec![
        user(TECH, &[Role::Technician]),
        user(TECH2, &[Role::Technician]),
        user(CLERK, &[Role::Clerk]),
        user(SUPERVISOR, &[Role::Supervisor]),
        user(ENGINEER, &[Role::Engineer]),
        user(DISPATCHER, &[Role::Dispatcher]),
        user(CONTROLLER, &[Role::Controller]),
        user(ACCOUNTANT, &[Role::Accountant]),
        user(ADMIN, &[Role::Admin]),
    ];
    let mut opening_stock = vec![
        (stock_key(TERMINALS, SHELF, None, Condition::New), q(50)),
        (stock_key(ZIP_TIES, SHELF, None, Condition::New), q(200)),
        (stock_key(FILTER, SHELF, None, Condition::New), q(2)),
        (stock_key(FILTER, NORTH_SHELF, None, Condition::New), q(6)),
        (stock_key(BEARING, SHELF2, None, Condition::New), q(10)),
        (stock_key(CABLE, SHELF2, None, Condition::New), q(5)),
        (
            stock_key(GREASE, SHELF2, Some("G-OLD"), Condition::New),
            q(3),
        ),
        (
            stock_key(GREASE, SHELF2, Some("G-NEW"), Condition::New),
            q(3),
        ),
    ];
    opening_stock.sort();
    let serial_on = |item: &str, s: &str, bin: &str| {
        (
            serial_key(item, s),
            stock_key(item, bin, None, Condition::New),
        )
    };
    MasterData {
        site: Some(SITE.into()),
        name: None,
        policy: SitePolicy::default(),
        items,
        warehouses: vec![
            Warehouse {
                id: WH.into(),
                name: "Main store".into(),
                site: SITE.into(),
            },
            Warehouse {
                id: WH2.into(),
                name: "North store".into(),
                site: SITE.into(),
            },
        ],
        bins: vec![
            bin(SHELF, WH, Zone::Storage),
            bin(SHELF2, WH, Zone::Storage),
            bin(RETURNS, WH, Zone::Returns),
            bin(QUARANTINE, WH, Zone::Quarantine),
            bin(REJECTED, WH, Zone::Rejected),
            bin(NORTH_SHELF, WH2, Zone::Storage),
        ],
        batches: vec![
            Batch {
                item: GREASE.into(),
                code: "G-OLD".into(),
                expiry: Some(day(10)),
            },
            Batch {
                item: GREASE.into(),
                code: "G-NEW".into(),
                expiry: Some(NaiveDate::from_ymd_opt(2027, 6, 30).expect("date")),
            },
        ],
        assets: vec![
            Asset {
                id: UPS.into(),
                name: "UPS, rack room 2".into(),
                site: SITE.into(),
                area: "Rack room 2".into(),
                custodian: Some(SUPERVISOR.into()),
            },
            Asset {
                id: CABINET.into(),
                name: "Server cabinet 7".into(),
                site: SITE.into(),
                area: "Rack room 2".into(),
                custodian: None,
            },
            Asset {
                id: PUMP.into(),
                name: "Cooling pump 3".into(),
                site: SITE.into(),
                area: "Plant room".into(),
                custodian: None,
            },
        ],
        installed_base: vec![
            (
                serial_key(BATTERY, "BM-0001"),
                UPS.into(),
                Some("slot 1".into()),
            ),
            (serial_key(PUMP_CTRL, "PC-OLD-1"), PUMP.into(), None),
        ],
        users,
        work_orders: Vec::new(),
        lines: Vec::new(),
        opening_stock,
        opening_serials: vec![
            serial_on(BATTERY, "BM-0101", SHELF),
            serial_on(BATTERY, "BM-0102", SHELF),
            serial_on(FAN, "FAN-A1", SHELF2),
            serial_on(FAN, "FAN-A2", SHELF2),
            serial_on(FAN_ALT, "FANB-1", SHELF2),
            serial_on(DRILL, "DR-1", SHELF2),
            serial_on(PUMP_CTRL, "PC-NEW-1", SHELF),
            serial_on(PUMP_CTRL, "PC-NEW-2", SHELF),
        ],
        closed_until: None,
        requests: Vec::new(),
        templates: Vec::new(),
        warranties: Vec::new(),
        reasons: Vec::new(),
    }
}

/// A work order with its lines, added to `master`.
pub struct WoBuilder<'m> {
    master: &'m mut MasterData,
    wo: WorkOrder,
}

pub fn work_order<'m>(master: &'m mut MasterData, id: &str, asset: &str) -> WoBuilder<'m> {
    WoBuilder {
        master,
        wo: WorkOrder {
            id: id.into(),
            site: SITE.into(),
            asset: asset.into(),
            scope: format!("work on {asset}"),
            performer: Some(TECH.into()),
            created_by: DISPATCHER.into(),
            approved_by: Some(ENGINEER.into()),
            planned_start: Some(day(20)),
            planned_end: Some(day(21)),
            tasks: vec![Task {
                id: "T1".into(),
                title: "Replace".into(),
            }],
            state: WoState::new(WoStatus::InProgress),
            cost_account: None,
            request: None,
            template: None,
            plan_changes: Vec::new(),
        },
    }
}

impl WoBuilder<'_> {
    pub fn status(mut self, status: WoStatus) -> Self {
        self.wo.state.status = status;
        self
    }

    /// A demand line `id` for `planned` units of `item`, requested by the
    /// dispatcher.
    pub fn line(self, id: &str, item: &str, planned: i64) -> Self {
        self.line_by(id, item, planned, DISPATCHER)
    }

    pub fn line_by(self, id: &str, item: &str, planned: i64, requested_by: &str) -> Self {
        let line = DemandLine {
            id: id.into(),
            work_order: self.wo.id.clone(),
            task: Some("T1".into()),
            item: item.into(),
            planned: q(planned),
            unit: "pcs".into(),
            mandatory: true,
            substitutes: Vec::new(),
            tolerance_percent: None,
            requested_by: requested_by.into(),
            additional: false,
            cost_account: None,
            planned_max: None,
            clarified: None,
            approved: None,
        };
        self.master.lines.push(line);
        self
    }

    pub fn add(self) -> WorkOrderId {
        let id = self.wo.id.clone();
        self.master.work_orders.push(self.wo);
        id
    }
}

/// A document under construction.
pub struct D(pub Document);

pub fn doc(author: &str, body: Body) -> D {
    D(Document {
        id: DocId::new_v7(),
        author: author.into(),
        device: "HH-01".into(),
        site: SITE.into(),
        device_time: at(0),
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

impl D {
    pub fn wo(mut self, wo: &str) -> Self {
        self.0.work_order = Some(wo.into());
        self
    }
    pub fn line(mut self, line: &str) -> Self {
        self.0.line = Some(line.into());
        self
    }
    pub fn on(self, wo: &str, line: &str) -> Self {
        self.wo(wo).line(line)
    }
    pub fn reason(mut self, r: &str) -> Self {
        self.0.reason = Some(r.into());
        self
    }
    pub fn approver(mut self, a: &str) -> Self {
        self.0.approver = Some(a.into());
        self
    }
    pub fn follows(mut self, id: DocId) -> Self {
        self.0.follows = Some(id);
        self
    }
    pub fn at(mut self, minutes: i64) -> Self {
        self.0.device_time = at(minutes);
        self
    }
    pub fn time(mut self, t: DateTime<Utc>) -> Self {
        self.0.device_time = t;
        self
    }
    pub fn id(&self) -> DocId {
        self.0.id
    }
    pub fn build(self) -> Document {
        self.0
    }
}

pub fn pick(item: &str, bin: &str, qty: i64) -> Pick {
    Pick {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        serials: Vec::new(),
        qty: q(qty),
        condition: Condition::New,
    }
}

pub fn pick_serials(item: &str, bin: &str, serials: &[&str]) -> Pick {
    Pick {
        serials: serials.iter().map(|s| SerialNo::from(*s)).collect(),
        ..pick(item, bin, serials.len() as i64)
    }
}

pub fn pick_batch(item: &str, bin: &str, batch: &str, qty: i64) -> Pick {
    Pick {
        batch: Some(batch.into()),
        ..pick(item, bin, qty)
    }
}

pub fn issue(p: Pick) -> Body {
    Body::Issue {
        pick: p,
        holder: None,
    }
}

pub fn write_off(item: &str, qty: i64, installed: &[&str]) -> Body {
    Body::WriteOff {
        item: item.into(),
        batch: None,
        qty: q(qty),
        installed: installed.iter().map(|s| SerialNo::from(*s)).collect(),
        position: None,
        removed: Vec::new(),
    }
}

pub fn ret(item: &str, qty: i64, condition: Condition, to_bin: &str) -> Body {
    Body::Return {
        item: item.into(),
        batch: None,
        serials: Vec::new(),
        qty: q(qty),
        condition,
        to_bin: to_bin.into(),
    }
}

pub fn ret_serials(item: &str, serials: &[&str], condition: Condition, to_bin: &str) -> Body {
    Body::Return {
        item: item.into(),
        batch: None,
        serials: serials.iter().map(|s| SerialNo::from(*s)).collect(),
        qty: q(serials.len() as i64),
        condition,
        to_bin: to_bin.into(),
    }
}

pub fn status(t: Transition) -> Body {
    Body::WoStatusChange { transition: t }
}

/// A ledger that checks its own consistency after every document.
pub struct Book {
    pub ledger: MemoryLedger,
}

impl Book {
    pub fn new(master: MasterData) -> Self {
        Book {
            ledger: MemoryLedger::new(master),
        }
    }

    pub fn submit(&mut self, d: D) -> Result<Outcome, Refusal> {
        let result = self.ledger.submit(d.0);
        let errors = self.ledger.consistency_errors();
        assert!(
            errors.is_empty(),
            "inconsistent after a document: {errors:#?}"
        );
        result
    }

    /// Submits and insists on acceptance; returns the document id.
    #[track_caller]
    pub fn accept(&mut self, d: D) -> DocId {
        let id = d.id();
        let kind = d.0.kind();
        if let Err(r) = self.submit(d) {
            panic!("{kind:?} refused: {} — {}", r.code, r.message);
        }
        id
    }

    /// Submits and insists on refusal with `code`; returns the refusal.
    #[track_caller]
    pub fn refuse(&mut self, d: D, code: ReasonCode) -> Refusal {
        let kind = d.0.kind();
        match self.submit(d) {
            Ok(_) => panic!("{kind:?} accepted, expected {code}"),
            Err(r) => {
                assert_eq!(
                    r.code, code,
                    "{kind:?} refused for another reason: {}",
                    r.message
                );
                r
            }
        }
    }

    pub fn stock(&self, item: &str, bin: &str, condition: Condition) -> Qty {
        self.ledger.stock(&stock_key(item, bin, None, condition))
    }

    pub fn counts(&self, line: &str) -> LineCounts {
        self.ledger.line_counts(&line.into())
    }

    pub fn serial(&self, item: &str, serial: &str) -> Option<SerialState> {
        self.ledger.serial(&serial_key(item, serial))
    }

    pub fn wo_status(&self, wo: &str) -> WoStatus {
        self.ledger
            .work_order(&wo.into())
            .map(|w| w.state.status)
            .expect("work order exists")
    }

    pub fn reserves(&self, line: &str) -> Vec<Reserve> {
        self.ledger.reserves_of_line(&line.into())
    }
}
