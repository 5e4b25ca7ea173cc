//! Scan verdicts on a site of 100k items and a million serial units: the
//! cache must judge an issue with p99 ≤ 1 ms while the app stays within
//! 60 MB resident.
//!
//! `cargo bench -p sparescan --bench cache_verdict` builds the cache file
//! (timed), then runs the verdicts in a fresh process so its resident
//! memory is the cache's alone, not the generator's. Prints figures; no
//! harness. `SPARESCAN_BENCH_ITEMS` / `_SERIALS` / `_VERDICTS` scale it;
//! `SPARESCAN_BENCH_KEEP` keeps the cache file for a look with `sqlite3`.

use chrono::{TimeZone, Utc};
use sparescan::cache::{Cache, keys};
use sparescan_core::document::{Body, Document, Pick};
use sparescan_core::ids::DocId;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::rules::evaluate;
use sparescan_core::sync::{Row, RowKey};
use sparescan_demo::large_site;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SITE: &str = "BIG";
const ORDERS: usize = 200;
const LINES_PER_ORDER: usize = 10;
const PAGE: usize = 10_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Size {
    items: usize,
    serials: usize,
}

impl Size {
    fn from_env() -> Size {
        Size {
            items: env("SPARESCAN_BENCH_ITEMS", 100_000),
            serials: env("SPARESCAN_BENCH_SERIALS", 1_000_000),
        }
    }
    /// `large_site` makes the first tenth of the items serial-tracked.
    fn serial_items(&self) -> usize {
        (self.items / 10).max(1)
    }
}

/// Item of line `n`: serial items spread over the whole range.
fn line_item(size: &Size, n: usize) -> usize {
    (n * 7919) % size.serial_items()
}

fn item_id(i: usize) -> String {
    format!("IT-{i:06}")
}

/// The large site plus open orders whose lines ask for serial items.
fn master(size: &Size) -> MasterData {
    let mut m = large_site(SITE, size.items, size.serials);
    m.assets.push(Asset {
        id: "ASSET-1".into(),
        name: "Line 1".into(),
        site: SITE.into(),
        area: "Hall".into(),
        custodian: None,
    });
    for o in 0..ORDERS {
        let wo = format!("WO-{o:04}");
        m.work_orders.push(WorkOrder {
            id: wo.as_str().into(),
            site: SITE.into(),
            asset: "ASSET-1".into(),
            scope: "Overhaul".into(),
            performer: Some("tech-1".into()),
            created_by: "disp-1".into(),
            approved_by: Some("eng-1".into()),
            planned_start: None,
            planned_end: None,
            tasks: Vec::new(),
            state: WoState::new(WoStatus::InProgress),
            cost_account: None,
            request: None,
            template: None,
            plan_changes: Vec::new(),
        });
        for l in 0..LINES_PER_ORDER {
            let n = o * LINES_PER_ORDER + l;
            m.lines.push(DemandLine {
                id: format!("{wo}-L{l}").into(),
                work_order: wo.as_str().into(),
                task: None,
                item: item_id(line_item(size, n)).into(),
                planned: Qty::units(5),
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
            });
        }
    }
    m
}

/// A small deterministic generator (no dependency for one bench).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// An issue of a random serial unit of a random line's item to that line.
fn scan(size: &Size, rng: &mut Rng) -> Document {
    let n = rng.below(ORDERS * LINES_PER_ORDER);
    let (o, l) = (n / LINES_PER_ORDER, n % LINES_PER_ORDER);
    let item = line_item(size, n);
    // `large_site` puts serial s on item s % serial_items, bin s % 100.
    let per_item = size.serials / size.serial_items();
    let s = item + size.serial_items() * rng.below(per_item);
    Document {
        id: DocId::new_v7(),
        author: "clerk-1".into(),
        device: "bench".into(),
        site: SITE.into(),
        device_time: Utc
            .with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
            .single()
            .unwrap_or_default(),
        work_order: Some(format!("WO-{o:04}").into()),
        line: Some(format!("WO-{o:04}-L{l}").into()),
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body: Body::Issue {
            pick: Pick {
                item: item_id(item).into(),
                bin: format!("B-{:03}", s % 100).into(),
                batch: None,
                serials: vec![format!("SN-{s:08}").into()],
                qty: Qty::units(1),
                condition: Condition::New,
            },
            holder: Some("tech-1".into()),
        },
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn percentiles(name: &str, mut t: Vec<Duration>) {
    t.sort();
    let at = |p: f64| micros(t[((t.len() as f64 * p) as usize).min(t.len() - 1)]);
    println!(
        "{name}: n={} p50={:.0} µs p99={:.0} µs max={:.0} µs",
        t.len(),
        at(0.50),
        at(0.99),
        micros(t[t.len() - 1])
    );
}

fn file_size(path: &Path) -> u64 {
    let side = |ext: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        std::fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len())
    };
    std::fs::metadata(path).map_or(0, |m| m.len()) + side("-wal")
}

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

fn build(size: &Size, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let ledger = MemoryLedger::new(master(size));
    // As the server pages a bootstrap: in key text order.
    let mut order: Vec<(String, RowKey)> = ledger
        .row_keys()
        .into_iter()
        .map(|k| (k.to_text(), k))
        .collect();
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    println!(
        "site: {} items, {} serials, {} rows (generated in {:.1} s)",
        size.items,
        size.serials,
        order.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_file(path);
    let mut cache = Cache::open(path)?;
    cache.set_meta(keys::SITE, Some(SITE))?;
    let started = Instant::now();
    let pages = order.chunks(PAGE).count();
    for (i, page) in order.chunks(PAGE).enumerate() {
        let rows: Vec<Row> = page
            .iter()
            .map(|(_, k)| Row {
                key: k.clone(),
                value: ledger.row(k),
            })
            .collect();
        cache.apply_rows(&rows, (i + 1 == pages).then_some(1))?;
    }
    let took = started.elapsed();
    println!(
        "bootstrap into the cache: {:.1} s ({:.0} rows/s, pages of {PAGE}), file {:.1} MB",
        took.as_secs_f64(),
        order.len() as f64 / took.as_secs_f64(),
        file_size(path) as f64 / 1e6
    );
    Ok(())
}

fn verdicts(size: &Size, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let n = env("SPARESCAN_BENCH_VERDICTS", 10_000);
    let started = Instant::now();
    let mut cache = Cache::open(path)?;
    println!(
        "open: {:.1} ms, {} rows, VmRSS {}",
        started.elapsed().as_secs_f64() * 1e3,
        cache.row_count()?,
        status("VmRSS:")
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut times = Vec::with_capacity(n);
    let mut refused = 0;
    for _ in 0..n {
        let doc = scan(size, &mut rng);
        let t = Instant::now();
        let verdict = evaluate(&cache.view(), &doc);
        times.push(t.elapsed());
        if let Err(r) = verdict {
            refused += 1;
            if refused == 1 {
                println!("first refusal: {r}");
            }
        }
    }
    percentiles("scan verdict (rules::evaluate on the view)", times);
    println!("refused: {refused} of {n}");
    // Submitting: the verdict plus the overlay and the durable outbox write
    // (synchronous=FULL: one fsync per document).
    let mut times = Vec::new();
    for _ in 0..200 {
        let doc = scan(size, &mut rng);
        let t = Instant::now();
        let _ = cache.submit(doc)?;
        times.push(t.elapsed());
    }
    percentiles("submit (verdict + outbox fsync + overlay)", times);
    let mut times = Vec::new();
    for _ in 0..n.min(2_000) {
        let doc = scan(size, &mut rng);
        let t = Instant::now();
        let _ = evaluate(&cache.view(), &doc);
        times.push(t.elapsed());
    }
    percentiles(
        &format!(
            "scan verdict with {} documents in the outbox",
            cache.outbox_len()?
        ),
        times,
    );
    println!(
        "resident: VmRSS {}, peak VmHWM {}; cache file {:.1} MB",
        status("VmRSS:"),
        status("VmHWM:"),
        file_size(path) as f64 / 1e6
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let size = Size::from_env();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--verdicts") {
        let path = args.get(i + 1).ok_or("--verdicts needs a path")?;
        return verdicts(&size, Path::new(path));
    }
    let dir = std::env::temp_dir().join(format!("sparescan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("cache.sqlite");
    build(&size, &path)?;
    // A fresh process: its memory is the cache's, not the generator's.
    let status = Command::new(std::env::current_exe()?)
        .arg("--verdicts")
        .arg(&path)
        .status()?;
    if std::env::var("SPARESCAN_BENCH_KEEP").is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!("kept {}", path.display());
    }
    if !status.success() {
        return Err("the verdict run failed".into());
    }
    Ok(())
}
