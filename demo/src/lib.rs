//! The demo site: rich enough to walk every workflow — serial, batch with
//! expiry, kit and tool items, quarantine and rejected bins, assets with
//! installed serials, users of every role with known PINs and passwords, and work orders
//! in every status (the in-work and awaiting-return ones reached through
//! real documents). Tests and benchmarks use it too, and `large_site` makes
//! a catalog of any size.
//!
//! Pure data over core's types, so the handheld's tests take their fixtures
//! from here without linking the server; the server's `demo::install` puts
//! it into a server.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sparescan_core::document::*;
use sparescan_core::ids::*;
use sparescan_core::model::*;
use sparescan_core::money::Money;
use sparescan_core::qty::Qty;
use sparescan_core::scan::gs1_check_digit;
use std::collections::BTreeSet;

pub const SITE: &str = "PLANT-1";
pub const MAIN: &str = "WH-MAIN";
pub const NORTH: &str = "WH-NORTH";

/// A demo person: id, name, role, badge, PIN (six digits for those who
/// approve on a handheld), back-office password.
pub struct Person {
    pub id: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub badge: &'static str,
    pub pin: &'static str,
    pub password: &'static str,
}

pub const PEOPLE: &[Person] = &[
    Person {
        id: "tech-1",
        name: "Ivan Technician",
        role: Role::Technician,
        badge: "B-1001",
        pin: "1111",
        password: "demo-pass-1001",
    },
    Person {
        id: "tech-2",
        name: "Petr Technician",
        role: Role::Technician,
        badge: "B-1002",
        pin: "2222",
        password: "demo-pass-1002",
    },
    Person {
        id: "clerk-1",
        name: "Olga Clerk",
        role: Role::Clerk,
        badge: "B-2001",
        pin: "3333",
        password: "demo-pass-2001",
    },
    Person {
        id: "sup-1",
        name: "Sergei Supervisor",
        role: Role::Supervisor,
        badge: "B-3001",
        pin: "444444",
        password: "demo-pass-3001",
    },
    Person {
        id: "eng-1",
        name: "Elena Engineer",
        role: Role::Engineer,
        badge: "B-4001",
        pin: "555555",
        password: "demo-pass-4001",
    },
    Person {
        id: "disp-1",
        name: "Dmitri Dispatcher",
        role: Role::Dispatcher,
        badge: "B-5001",
        pin: "666666",
        password: "demo-pass-5001",
    },
    Person {
        id: "ctrl-1",
        name: "Vera Controller",
        role: Role::Controller,
        badge: "B-6001",
        pin: "777777",
        password: "demo-pass-6001",
    },
    Person {
        id: "acct-1",
        name: "Anna Accountant",
        role: Role::Accountant,
        badge: "B-7001",
        pin: "8888",
        password: "demo-pass-7001",
    },
    Person {
        id: "admin",
        name: "Site Admin",
        role: Role::Admin,
        badge: "B-9001",
        pin: "9999",
        password: "demo-pass-9001",
    },
];

/// A valid GTIN-14 from a 13-digit stem.
pub fn gtin(stem: &str) -> String {
    let check = gs1_check_digit(stem.as_bytes()) as char;
    format!("{stem}{check}")
}

fn item(id: &str, name: &str, kind: ItemKind, tracking: Tracking, gtin_stem: &str) -> Item {
    Item {
        id: id.into(),
        name: name.into(),
        unit: "pcs".into(),
        kind,
        tracking,
        expiry_tracked: false,
        serial_format: None,
        barcodes: vec![gtin(gtin_stem)],
        substitutes: Vec::new(),
        critical: false,
        unit_cost: None,
        warranty_months: None,
    }
}

fn key(item: &str, bin: &str, batch: Option<&str>) -> StockKey {
    StockKey {
        item: item.into(),
        bin: bin.into(),
        batch: batch.map(Into::into),
        condition: Condition::New,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn work_order(id: &str, asset: &str, scope: &str, status: WoStatus) -> WorkOrder {
    WorkOrder {
        id: id.into(),
        site: SITE.into(),
        asset: asset.into(),
        scope: scope.into(),
        performer: Some("tech-1".into()),
        created_by: "disp-1".into(),
        approved_by: (status != WoStatus::Created).then(|| "eng-1".into()),
        planned_start: None,
        planned_end: None,
        tasks: vec![Task {
            id: format!("{id}-T1").into(),
            title: scope.into(),
        }],
        state: WoState::new(status),
        cost_account: None,
        request: None,
        template: None,
        plan_changes: Vec::new(),
    }
}

fn line(wo: &str, n: u32, item: &str, planned: i64) -> DemandLine {
    DemandLine {
        id: format!("{wo}-L{n}").into(),
        work_order: wo.into(),
        task: Some(format!("{wo}-T1").into()),
        item: item.into(),
        planned: Qty::units(planned),
        unit: "pcs".into(),
        mandatory: true,
        substitutes: Vec::new(),
        tolerance_percent: None,
        requested_by: "disp-1".into(),
        additional: false,
        cost_account: None,
        planned_max: None,
        clarified: None,
        approved: None,
    }
}

/// The demo site's master data.
pub fn site() -> MasterData {
    let mut battery = item(
        "UPS-BATT-MOD",
        "UPS battery module 48V",
        ItemKind::Material,
        Tracking::Serial,
        "0401234500001",
    );
    battery.serial_format = Some("BM-####".into());
    battery.critical = true;
    let mut fan = item(
        "FAN-120",
        "Cabinet fan 120 mm",
        ItemKind::Material,
        Tracking::Serial,
        "0401234500002",
    );
    fan.substitutes = vec!["FAN-120-B".into()];
    let mut grease = item(
        "GREASE-EP2",
        "Bearing grease EP2, 400 g",
        ItemKind::Material,
        Tracking::Batch,
        "0401234500006",
    );
    grease.expiry_tracked = true;
    let mut filter = item(
        "FLT-AIR-500",
        "Air filter 500x500",
        ItemKind::Material,
        Tracking::Batch,
        "0401234500007",
    );
    filter.expiry_tracked = false;
    let mut items = vec![
        battery,
        fan,
        item(
            "FAN-120-B",
            "Cabinet fan 120 mm, alt. make",
            ItemKind::Material,
            Tracking::Serial,
            "0401234500003",
        ),
        item(
            "PUMP-CTRL",
            "Pump controller",
            ItemKind::Material,
            Tracking::Serial,
            "0401234500004",
        ),
        item(
            "TERM-6MM",
            "Cable terminal 6 mm²",
            ItemKind::Material,
            Tracking::None,
            "0401234500005",
        ),
        grease,
        filter,
        item(
            "BRG-6204",
            "Ball bearing 6204",
            ItemKind::Material,
            Tracking::None,
            "0401234500008",
        ),
        item(
            "ZIP-200",
            "Zip tie 200 mm",
            ItemKind::Material,
            Tracking::None,
            "0401234500009",
        ),
        item(
            "KIT-UPS-SVC",
            "UPS service kit",
            ItemKind::Kit,
            Tracking::None,
            "0401234500010",
        ),
        item(
            "TOOL-DRILL",
            "Cordless drill",
            ItemKind::Tool,
            Tracking::Serial,
            "0401234500011",
        ),
        item(
            "TOOL-TORQUE",
            "Torque wrench 5-60 Nm",
            ItemKind::Tool,
            Tracking::Serial,
            "0401234500012",
        ),
    ];
    // The ERP's price list, so the demo's stock and repairs have values.
    for item in &mut items {
        let cents = match item.id.as_str() {
            "UPS-BATT-MOD" => 41_200,
            "FAN-120" => 2_350,
            "FAN-120-B" => 2_190,
            "PUMP-CTRL" => 18_900,
            "TERM-6MM" => 12,
            "GREASE-EP2" => 940,
            "FLT-AIR-500" => 1_575,
            "BRG-6204" => 480,
            "ZIP-200" => 3,
            "KIT-UPS-SVC" => 8_600,
            "TOOL-DRILL" => 15_900,
            "TOOL-TORQUE" => 21_400,
            _ => continue,
        };
        item.unit_cost = Some(Money::cents(cents));
    }
    let users = PEOPLE
        .iter()
        .map(|p| User {
            id: p.id.into(),
            name: p.name.into(),
            roles: BTreeSet::from([p.role]),
            site: SITE.into(),
            active: true,
        })
        .collect();
    let bins = [
        ("A-01", MAIN, Zone::Storage),
        ("A-02", MAIN, Zone::Storage),
        ("A-03", MAIN, Zone::Storage),
        ("R-01", MAIN, Zone::Returns),
        ("Q-01", MAIN, Zone::Quarantine),
        ("X-01", MAIN, Zone::Rejected),
        ("N-01", NORTH, Zone::Storage),
    ]
    .into_iter()
    .map(|(id, wh, zone)| Bin {
        id: id.into(),
        warehouse: wh.into(),
        zone,
    })
    .collect();
    let serials_on = |item: &str, bin: &str, serials: &[&str]| -> Vec<(SerialKey, StockKey)> {
        serials
            .iter()
            .map(|s| {
                (
                    SerialKey {
                        item: item.into(),
                        serial: (*s).into(),
                    },
                    key(item, bin, None),
                )
            })
            .collect()
    };
    let mut opening_serials = Vec::new();
    opening_serials.extend(serials_on(
        "UPS-BATT-MOD",
        "A-01",
        &["BM-0101", "BM-0102", "BM-0103"],
    ));
    opening_serials.extend(serials_on("FAN-120", "A-02", &["FAN-A1", "FAN-A2"]));
    opening_serials.extend(serials_on("FAN-120-B", "A-02", &["FANB-1"]));
    opening_serials.extend(serials_on("PUMP-CTRL", "A-01", &["PC-NEW-1", "PC-NEW-2"]));
    opening_serials.extend(serials_on("TOOL-DRILL", "A-03", &["DR-1", "DR-2"]));
    opening_serials.extend(serials_on("TOOL-TORQUE", "A-03", &["TW-1"]));
    let work_orders = vec![
        work_order(
            "WO-1001",
            "INV-AHU-02",
            "Replace AHU filters (planned)",
            WoStatus::Created,
        ),
        work_order(
            "WO-1002",
            "INV-AHU-02",
            "Quarterly AHU service",
            WoStatus::Approved,
        ),
        work_order(
            "WO-1003",
            "INV-UPS-01",
            "Replace UPS battery module",
            WoStatus::InProgress,
        ),
        work_order(
            "WO-1004",
            "INV-RACK-07",
            "Replace cabinet fan",
            WoStatus::InProgress,
        ),
        work_order(
            "WO-1005",
            "INV-PUMP-03",
            "Replace pump controller",
            WoStatus::InProgress,
        ),
        work_order(
            "WO-1006",
            "INV-PUMP-03",
            "Regrease pump bearings",
            WoStatus::OnHold,
        ),
        work_order(
            "WO-1007",
            "INV-RACK-07",
            "Re-cable rack (cancelled)",
            WoStatus::Cancelled,
        ),
        work_order(
            "WO-1008",
            "INV-UPS-01",
            "UPS inspection (done)",
            WoStatus::Closed,
        ),
    ];
    let mut hold = work_orders[5].clone();
    hold.state.held_from = Some(WoStatus::InProgress);
    let work_orders: Vec<WorkOrder> = work_orders
        .into_iter()
        .map(|w| if w.id == hold.id { hold.clone() } else { w })
        .collect();
    let lines = vec![
        line("WO-1001", 1, "FLT-AIR-500", 4),
        line("WO-1002", 1, "FLT-AIR-500", 4),
        line("WO-1002", 2, "BRG-6204", 2),
        line("WO-1003", 1, "UPS-BATT-MOD", 1),
        line("WO-1003", 2, "TERM-6MM", 10),
        line("WO-1003", 3, "ZIP-200", 20),
        line("WO-1004", 1, "FAN-120", 1),
        line("WO-1005", 1, "PUMP-CTRL", 1),
        line("WO-1005", 2, "TERM-6MM", 4),
        line("WO-1006", 1, "GREASE-EP2", 2),
        line("WO-1007", 1, "ZIP-200", 50),
        line("WO-1008", 1, "KIT-UPS-SVC", 1),
    ];
    MasterData {
        site: Some(SITE.into()),
        name: Some("Plant 1 (demo)".into()),
        policy: SitePolicy::default(),
        items,
        warehouses: vec![
            Warehouse {
                id: MAIN.into(),
                name: "Main store".into(),
                site: SITE.into(),
            },
            Warehouse {
                id: NORTH.into(),
                name: "North store".into(),
                site: SITE.into(),
            },
        ],
        bins,
        batches: vec![
            Batch {
                item: "GREASE-EP2".into(),
                code: "G-2301".into(),
                expiry: Some(date(2026, 1, 31)),
            },
            Batch {
                item: "GREASE-EP2".into(),
                code: "G-2611".into(),
                expiry: Some(date(2028, 11, 30)),
            },
            Batch {
                item: "GREASE-EP2".into(),
                code: "G-2605".into(),
                expiry: Some(date(2027, 5, 31)),
            },
            Batch {
                item: "FLT-AIR-500".into(),
                code: "F-77".into(),
                expiry: None,
            },
        ],
        assets: vec![
            asset("INV-UPS-01", "UPS, rack room 2", "Rack room 2"),
            asset("INV-RACK-07", "Server cabinet 7", "Rack room 2"),
            asset("INV-PUMP-03", "Cooling pump 3", "Plant room"),
            asset("INV-AHU-02", "Air handling unit 2", "Roof"),
        ],
        installed_base: vec![
            (
                SerialKey {
                    item: "UPS-BATT-MOD".into(),
                    serial: "BM-0001".into(),
                },
                "INV-UPS-01".into(),
                Some("slot 1".into()),
            ),
            (
                SerialKey {
                    item: "PUMP-CTRL".into(),
                    serial: "PC-OLD-1".into(),
                },
                "INV-PUMP-03".into(),
                None,
            ),
        ],
        users,
        work_orders,
        lines,
        opening_stock: vec![
            (key("TERM-6MM", "A-01", None), Qty::units(200)),
            (key("ZIP-200", "A-01", None), Qty::units(500)),
            (key("BRG-6204", "A-02", None), Qty::units(12)),
            (key("FLT-AIR-500", "A-02", Some("F-77")), Qty::units(2)),
            (key("FLT-AIR-500", "N-01", Some("F-77")), Qty::units(8)),
            (key("GREASE-EP2", "A-02", Some("G-2301")), Qty::units(2)),
            (key("GREASE-EP2", "A-02", Some("G-2605")), Qty::units(3)),
            (key("GREASE-EP2", "A-03", Some("G-2611")), Qty::units(6)),
            (key("KIT-UPS-SVC", "A-03", None), Qty::units(3)),
        ],
        opening_serials,
        closed_until: None,
        // The dispatcher's queue: an alarm from the monitoring system and a
        // technician's report, both open.
        requests: vec![
            MaintenanceRequest {
                id: "REQ-0001".into(),
                site: SITE.into(),
                asset: "INV-AHU-02".into(),
                symptoms: "supply fan vibration 7.9 mm/s (alarm over 7.1)".into(),
                priority: Priority::High,
                requested_by: Requester::System("bms".into()),
                at: DateTime::from_timestamp(1_796_112_000, 0).unwrap_or_default(),
                work_order: None,
                declined: None,
            },
            MaintenanceRequest {
                id: "REQ-0002".into(),
                site: SITE.into(),
                asset: "INV-PUMP-03".into(),
                symptoms: "seal weeping, small puddle under the pump".into(),
                priority: Priority::Normal,
                requested_by: Requester::Person("tech-2".into()),
                at: DateTime::from_timestamp(1_796_119_200, 0).unwrap_or_default(),
                work_order: None,
                declined: None,
            },
        ],
        templates: vec![ahu_service_template()],
        // The UPS module is under the supplier's warranty, and so is the
        // pump controller WO-1005 takes off: a warranty claim to make.
        warranties: vec![
            (
                SerialKey {
                    item: "UPS-BATT-MOD".into(),
                    serial: "BM-0001".into(),
                },
                date(2027, 12, 31),
            ),
            (
                SerialKey {
                    item: "PUMP-CTRL".into(),
                    serial: "PC-OLD-1".into(),
                },
                date(2027, 9, 30),
            ),
        ], // The site's own reasons are for an admin to set up (master data
        // `reasons`); the demo keeps free text so every flow runs as is.
        reasons: Vec::new(),
    }
}

/// The AHU's quarterly service: filters (how many are clogged shows on
/// the job: a range), grease for the fan bearings, and a bearing when one
/// is worn.
fn ahu_service_template() -> WorkTemplate {
    let standard =
        |task: &str, item: &str, qty: Qty, max: Option<Qty>, mandatory: bool| StandardLine {
            task: Some(task.into()),
            item: item.into(),
            planned: qty,
            planned_max: max,
            mandatory,
            substitutes: Vec::new(),
        };
    WorkTemplate {
        id: "PM-AHU-Q".into(),
        site: SITE.into(),
        name: "AHU quarterly service".into(),
        scope: "Quarterly service: filters and fan bearings".into(),
        tasks: vec![
            Task {
                id: "T1".into(),
                title: "Replace clogged filters".into(),
            },
            Task {
                id: "T2".into(),
                title: "Grease and check fan bearings".into(),
            },
        ],
        lines: vec![
            standard(
                "T1",
                "FLT-AIR-500",
                Qty::units(1),
                Some(Qty::units(2)),
                true,
            ),
            standard("T2", "GREASE-EP2", Qty::units(1), None, true),
            standard("T2", "BRG-6204", Qty::units(1), None, false),
        ],
        saved_by: "eng-1".into(),
        saved_at: DateTime::from_timestamp(1_796_000_000, 0).unwrap_or_default(),
    }
}

fn asset(id: &str, name: &str, area: &str) -> Asset {
    Asset {
        id: id.into(),
        name: name.into(),
        site: SITE.into(),
        area: area.into(),
        custodian: Some("sup-1".into()),
    }
}

/// Documents that bring the demo to life: a module and terminals in work on
/// WO-1003, a reserve on WO-1002, WO-1005's controller swapped and the order
/// awaiting the return of its terminals and of the old controller.
pub fn seed_documents(now: DateTime<Utc>) -> Vec<Document> {
    let mut t = now - Duration::hours(3);
    let mut doc = |author: &str, wo: Option<&str>, line: Option<&str>, body: Body| {
        t += Duration::minutes(5);
        Document {
            id: DocId::new_v7(),
            author: author.into(),
            device: "seed".into(),
            site: SITE.into(),
            device_time: t,
            work_order: wo.map(Into::into),
            line: line.map(Into::into),
            reason: None,
            reason_code: None,
            approver: None,
            follows: None,
            proof: None,
            body,
        }
    };
    let pick = |item: &str, bin: &str, qty: i64, serials: &[&str]| Pick {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        serials: serials.iter().map(|s| (*s).into()).collect(),
        qty: Qty::units(qty),
        condition: Condition::New,
    };
    vec![
        doc(
            "clerk-1",
            Some("WO-1002"),
            Some("WO-1002-L2"),
            Body::Reserve {
                warehouse: MAIN.into(),
                qty: Qty::units(2),
            },
        ),
        doc(
            "clerk-1",
            Some("WO-1003"),
            Some("WO-1003-L1"),
            Body::Issue {
                pick: pick("UPS-BATT-MOD", "A-01", 1, &["BM-0101"]),
                holder: Some("tech-1".into()),
            },
        ),
        doc(
            "clerk-1",
            Some("WO-1003"),
            Some("WO-1003-L2"),
            Body::Issue {
                pick: pick("TERM-6MM", "A-01", 10, &[]),
                holder: Some("tech-1".into()),
            },
        ),
        doc(
            "clerk-1",
            Some("WO-1005"),
            Some("WO-1005-L1"),
            Body::Issue {
                pick: pick("PUMP-CTRL", "A-01", 1, &["PC-NEW-1"]),
                holder: Some("tech-2".into()),
            },
        ),
        doc(
            "clerk-1",
            Some("WO-1005"),
            Some("WO-1005-L2"),
            Body::Issue {
                pick: pick("TERM-6MM", "A-01", 4, &[]),
                holder: Some("tech-2".into()),
            },
        ),
        doc(
            "tech-2",
            Some("WO-1005"),
            Some("WO-1005-L1"),
            Body::WriteOff {
                item: "PUMP-CTRL".into(),
                batch: None,
                qty: Qty::units(1),
                installed: vec!["PC-NEW-1".into()],
                position: None,
                removed: vec![RemovedUnit {
                    item: "PUMP-CTRL".into(),
                    serial: "PC-OLD-1".into(),
                }],
            },
        ),
        doc(
            "tech-2",
            Some("WO-1005"),
            Some("WO-1005-L2"),
            Body::WriteOff {
                item: "TERM-6MM".into(),
                batch: None,
                qty: Qty::units(2),
                installed: vec![],
                position: None,
                removed: vec![],
            },
        ),
        doc(
            "tech-2",
            Some("WO-1005"),
            None,
            Body::WoStatusChange {
                transition: Transition::Complete,
            },
        ),
    ]
}

/// The people and PINs, as `demo` prints them at start.
pub fn people_table() -> String {
    let mut out = String::from("badge   PIN     back-office password  role        name\n");
    for p in PEOPLE {
        out.push_str(&format!(
            "{:<7} {:<7} {:<21} {:<11} {}\n",
            p.badge,
            p.pin,
            p.password,
            format!("{:?}", p.role).to_lowercase(),
            p.name
        ));
    }
    out
}

/// A site with `items` catalog items and `serials` serial units on the
/// shelves (for benchmarks): one warehouse, 100 bins, a tenth of the items
/// serial-tracked.
pub fn large_site(site: &str, items: usize, serials: usize) -> MasterData {
    let mut m = MasterData {
        site: Some(site.into()),
        ..MasterData::default()
    };
    m.warehouses.push(Warehouse {
        id: "WH".into(),
        name: "Store".into(),
        site: site.into(),
    });
    for b in 0..100 {
        m.bins.push(Bin {
            id: format!("B-{b:03}").into(),
            warehouse: "WH".into(),
            zone: Zone::Storage,
        });
    }
    let serial_items = (items / 10).max(1);
    for i in 0..items {
        let tracking = if i < serial_items {
            Tracking::Serial
        } else {
            Tracking::None
        };
        let mut it = item(
            &format!("IT-{i:06}"),
            &format!("Catalog item {i}"),
            ItemKind::Material,
            tracking,
            &format!("05{i:011}"),
        );
        it.substitutes.clear();
        m.items.push(it);
        if tracking == Tracking::None {
            m.opening_stock.push((
                key(&format!("IT-{i:06}"), &format!("B-{:03}", i % 100), None),
                Qty::units(50),
            ));
        }
    }
    for s in 0..serials {
        let item = format!("IT-{:06}", s % serial_items);
        m.opening_serials.push((
            SerialKey {
                item: item.as_str().into(),
                serial: format!("SN-{s:08}").into(),
            },
            key(&item, &format!("B-{:03}", s % 100), None),
        ));
    }
    for p in PEOPLE {
        m.users.push(User {
            id: p.id.into(),
            name: p.name.into(),
            roles: BTreeSet::from([p.role]),
            site: site.into(),
            active: true,
        });
    }
    m
}
