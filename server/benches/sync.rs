//! Sync benchmarks on the embedded SQLite store, over real HTTPS on
//! loopback, printing their figures:
//!
//! - `push`: batched push throughput (documents per second);
//! - `concurrent`: single-document pushes from 200 devices at once
//!   (latency p50 / p99);
//! - `bootstrap`: a fresh device's bootstrap of a 100k-item / 1M-serial
//!   site (seconds, bytes on the wire, rows).
//!
//! `cargo bench -p sparescan-server --bench sync [-- push|concurrent|bootstrap]`

use chrono::Utc;
use sparescan_client::Client;
use sparescan_core::document::{Body, Document, Pick};
use sparescan_core::ids::*;
use sparescan_core::memory::MemoryLedger;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_core::sync::{BootstrapPage, Verdict};
use sparescan_server::config::Config;
use sparescan_server::{Running, Server, demo};
use std::time::{Duration, Instant};

struct Bench {
    server: Server,
    running: Running,
    _dir: tempfile::TempDir,
    base: String,
    ca: Vec<u8>,
}

async fn start(master: MasterData) -> Bench {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new("127.0.0.1:0".parse().expect("addr"), dir.path());
    config.limits.push_max_docs = 10_000;
    let server = Server::open(config).expect("server");
    let site = master.site.clone().expect("site");
    let t = Instant::now();
    server.create_site(master).await.expect("site");
    eprintln!(
        "  (site {site} created in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    for p in demo::PEOPLE {
        server
            .set_credential(&site, &p.id.into(), p.badge, p.pin)
            .await
            .expect("credential");
    }
    let running = server.serve().await.expect("serve");
    let base = format!("https://127.0.0.1:{}", running.addr.port());
    let ca = std::fs::read(dir.path().join("tls/ca.pem")).expect("CA");
    Bench {
        server,
        running,
        _dir: dir,
        base,
        ca,
    }
}

impl Bench {
    async fn device(&self, site: &str, name: &str) -> (Client, String) {
        let code = self
            .server
            .enrollment_code(&site.into())
            .await
            .expect("code");
        let mut c = Client::new(&self.base, &self.ca).expect("client");
        let e = c.enroll(&code, name).await.expect("enroll");
        // The author of the bench's issues signs in on the device: each
        // document carries the clerk's proof of presence, made (as on a
        // device) when it is recorded, before any timing.
        c.sign_in("B-2001", "3333", None).await.expect("sign in");
        (c, e.device_id)
    }
}

/// A site of `items` items with `orders` work orders in progress, each with
/// five lines of ten units of plain items — room for 50 issues an order.
fn busy_site(site: &str, items: usize, orders: usize) -> MasterData {
    let mut m = demo::large_site(site, items, 0);
    let plain: Vec<ItemId> = m
        .items
        .iter()
        .filter(|i| i.tracking == Tracking::None)
        .map(|i| i.id.clone())
        .collect();
    m.assets.push(Asset {
        id: "ASSET".into(),
        name: "Asset".into(),
        site: site.into(),
        area: "Plant".into(),
        custodian: None,
    });
    for o in 0..orders {
        let wo = WorkOrderId::new(format!("WO-{o:05}"));
        m.work_orders.push(WorkOrder {
            id: wo.clone(),
            site: site.into(),
            asset: "ASSET".into(),
            scope: "bench".into(),
            performer: None,
            created_by: "disp-1".into(),
            approved_by: Some("eng-1".into()),
            planned_start: None,
            planned_end: None,
            tasks: vec![],
            state: WoState::new(WoStatus::InProgress),
            cost_account: None,
            request: None,
            template: None,
            plan_changes: Vec::new(),
        });
        for l in 0..5 {
            m.lines.push(DemandLine {
                id: format!("{wo}-L{l}").into(),
                work_order: wo.clone(),
                task: None,
                item: plain[(o * 5 + l) % plain.len()].clone(),
                planned: Qty::units(10),
                unit: "pcs".into(),
                mandatory: true,
                substitutes: vec![],
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

/// Issue documents that the rules accept: one unit per document against
/// each line of `busy_site`, round after round.
fn issues(site: &str, master: &MasterData, device: &str, n: usize) -> Vec<Document> {
    let stock_bin = |item: &ItemId| {
        master
            .opening_stock
            .iter()
            .find(|(k, _)| k.item == *item)
            .map(|(k, _)| k.bin.clone())
            .expect("stocked")
    };
    let lines = &master.lines;
    (0..n)
        .map(|i| {
            let line = &lines[i % lines.len()];
            Document {
                id: DocId::new_v7(),
                author: "clerk-1".into(),
                device: device.into(),
                site: site.into(),
                device_time: Utc::now(),
                work_order: Some(line.work_order.clone()),
                line: Some(line.id.clone()),
                reason: None,
                reason_code: None,
                approver: None,
                follows: None,
                proof: None,
                body: Body::Issue {
                    pick: Pick {
                        item: line.item.clone(),
                        bin: stock_bin(&line.item),
                        batch: None,
                        serials: vec![],
                        qty: Qty::units(1),
                        condition: Condition::New,
                    },
                    holder: Some("tech-1".into()),
                },
            }
        })
        .collect()
}

fn accepted(verdicts: &[Verdict]) -> usize {
    verdicts
        .iter()
        .filter(|v| matches!(v, Verdict::Accepted { .. }))
        .count()
}

async fn bench_push() {
    let site = "PUSH";
    // 1,000 orders × 5 lines: 5,000 lines, 10 issues each fit the plan.
    let master = busy_site(site, 10_000, 1_000);
    let b = start(master.clone()).await;
    let (client, device) = b.device(site, "bench").await;
    let total = 40_000;
    let docs: Vec<Document> = issues(site, &master, &device, total)
        .into_iter()
        .map(|d| client.prove(d))
        .collect();
    let batch = 1_000;
    let t = Instant::now();
    let mut ok = 0;
    for chunk in docs.chunks(batch) {
        let r = client.push(chunk).await.expect("push");
        ok += accepted(&r.verdicts);
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(ok, total, "every document accepted");
    println!(
        "push: {total} issue documents in batches of {batch}: {secs:.2} s, {:.0} documents/s (target ≥ 5,000)",
        total as f64 / secs
    );
    b.running.shutdown().await.expect("shutdown");
}

async fn bench_concurrent() {
    let site = "CONC";
    let master = busy_site(site, 10_000, 1_000);
    let b = start(master.clone()).await;
    let devices = 200;
    let per_device = 25;
    let mut clients = Vec::new();
    for d in 0..devices {
        clients.push(b.device(site, &format!("hh-{d}")).await);
    }
    // Each device gets its own lines, so every document is accepted.
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (d, (client, device)) in clients.into_iter().enumerate() {
        let mut m = master.clone();
        m.lines = master.lines.iter().skip(d * 25).take(25).cloned().collect();
        let docs: Vec<Document> = issues(site, &m, &device, per_device)
            .into_iter()
            .map(|d| client.prove(d))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(docs.len());
            for doc in docs {
                let s = Instant::now();
                let r = client.push(std::slice::from_ref(&doc)).await.expect("push");
                lat.push(s.elapsed());
                assert_eq!(accepted(&r.verdicts), 1, "{:?}", r.verdicts);
            }
            lat
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("task"));
    }
    let secs = t.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "concurrent: {devices} devices × {per_device} single-document pushes: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 ≤ 50 ms); {:.0} documents/s",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        lat.len() as f64 / secs
    );
    b.running.shutdown().await.expect("shutdown");
}

async fn bench_bootstrap() {
    let site = "BIG";
    let master = demo::large_site(site, 100_000, 1_000_000);
    let b = start(master).await;
    let (client, _) = b.device(site, "fresh").await;
    let token = client.device_token().expect("token").to_owned();
    // Count what crosses the wire: ask for zstd and decompress here.
    let tls = sparescan_client::tls::pinned_client_config(&b.ca).expect("tls");
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_zstd()
        .no_gzip()
        .build()
        .expect("http");
    let t = Instant::now();
    let mut wire = 0usize;
    let mut rows = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!("{}/api/v1/sync/bootstrap", b.base);
        if let Some(p) = &next {
            url.push_str(&format!("?page={p}"));
        }
        let resp = http
            .get(url)
            .bearer_auth(&token)
            .header("accept-encoding", "zstd")
            .send()
            .await
            .expect("page");
        assert_eq!(
            resp.headers().get("content-encoding").map(|v| v.as_bytes()),
            Some(&b"zstd"[..])
        );
        let body = resp.bytes().await.expect("body");
        wire += body.len();
        let json = zstd::decode_all(&body[..]).expect("zstd");
        let mut page: BootstrapPage = serde_json::from_slice(&json).expect("page json");
        rows.append(&mut page.rows);
        pages += 1;
        match page.next {
            Some(n) => next = Some(n),
            None => break,
        }
    }
    let fetched = t.elapsed().as_secs_f64();
    let n = rows.len();
    let ledger = MemoryLedger::from_rows(rows).expect("rows");
    let secs = t.elapsed().as_secs_f64();
    let serials = ledger.projections().serials.len();
    println!(
        "bootstrap: {n} rows ({serials} serial units) in {pages} pages: {:.1} MB on the wire (zstd), fetched in {fetched:.1} s, loaded in {secs:.1} s (targets ≤ 15 s, ≤ 40 MB)",
        wire as f64 / 1e6
    );
    b.running.shutdown().await.expect("shutdown");
}

fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = which.is_empty();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if all || which.iter().any(|w| w == "push") {
            bench_push().await;
        }
        if all || which.iter().any(|w| w == "concurrent") {
            bench_concurrent().await;
        }
        if all || which.iter().any(|w| w == "bootstrap") {
            bench_bootstrap().await;
        }
    });
}
