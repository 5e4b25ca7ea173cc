//! Console page times on a 100k-item / 1M-serial site, over real HTTPS on
//! loopback, as a browser asks for them (the session cookie, one request
//! after another), printing p50 / p95 / max per page. Target: p95 ≤ 100 ms.
//!
//! `cargo bench -p sparescan-server --bench console`; `BENCH_PAGES=serial`
//! times only the pages whose name holds that text.

use sparescan_server::config::Config;
use sparescan_server::{Server, demo};
use std::time::{Duration, Instant};

/// Requests per page.
const ROUNDS: usize = 40;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1e3
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::new("127.0.0.1:0".parse().expect("addr"), dir.path());
    let server = Server::open(config).expect("server");
    let site = "BIG";
    let master = demo::large_site(site, 100_000, 1_000_000);
    let t = Instant::now();
    server.create_site(master).await.expect("site");
    eprintln!(
        "  (site {site} created in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    // The controller: every page but the admin's opens for them.
    let person = demo::PEOPLE
        .iter()
        .find(|p| p.role == sparescan_core::model::Role::Controller)
        .expect("a controller");
    server
        .set_password(
            &site.into(),
            &person.id.into(),
            Some(person.badge),
            person.password,
            "bench",
        )
        .await
        .expect("password");
    let running = server.serve().await.expect("serve");
    let base = format!("https://127.0.0.1:{}", running.addr.port());
    let ca = std::fs::read(dir.path().join("tls/ca.pem")).expect("CA");
    let mut client = sparescan_client::Client::new(&base, &ca).expect("client");
    let signed = client
        .sign_in_office(person.id, person.password, site)
        .await
        .expect("sign in");
    let cookie = format!("sparescan_session={}", signed.token);
    let http = client.http().clone();

    let pages = [
        ("stock on hand, first page", "/console/stock".to_owned()),
        (
            "stock on hand, sorted by quantity, page 1000",
            "/console/stock?sort=qty&dir=desc&page=1000".to_owned(),
        ),
        (
            "stock on hand, one item",
            "/console/stock?item=IT-050123".to_owned(),
        ),
        (
            "stock on hand, CSV export of one bin",
            "/console/stock?bin=B-042&format=csv".to_owned(),
        ),
        ("serial units, first page", "/console/serials".to_owned()),
        (
            "serial units, sorted by serial number, page 100",
            "/console/serials?sort=serial&dir=desc&page=100".to_owned(),
        ),
        (
            "serial units of one item",
            "/console/serials?item=IT-004321".to_owned(),
        ),
        (
            "serial units, a serial number searched",
            "/console/serials?serial=SN-0012345".to_owned(),
        ),
        (
            "master data: items, first page",
            "/console/master/items".to_owned(),
        ),
        (
            "master data: items sorted by name, page 1000",
            "/console/master/items?sort=name&dir=desc&page=1000".to_owned(),
        ),
        (
            "master data: items filtered by text",
            "/console/master/items?q=bearing%206204".to_owned(),
        ),
        (
            "master data: one item's form",
            "/console/master/items/edit?id=IT-050123".to_owned(),
        ),
        ("work orders", "/console/work-orders".to_owned()),
        (
            "inspections (quarantine)",
            "/console/inspections".to_owned(),
        ),
        (
            "scan box: a GTIN",
            format!("/console/scan?code={}", demo::gtin("0500000050123")),
        ),
    ];
    let only = std::env::var("BENCH_PAGES").unwrap_or_default();
    println!("console pages, {ROUNDS} requests each (target p95 ≤ 100 ms):");
    for (what, path) in pages.into_iter().filter(|(what, _)| what.contains(&only)) {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut bytes = 0;
        let rss_before = resident_mb();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let resp = http
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("page");
            let status = resp.status();
            let body = resp.bytes().await.expect("body");
            times.push(t.elapsed());
            assert!(
                status.is_success() || status.is_redirection(),
                "{path}: {status}"
            );
            bytes = body.len();
        }
        times.sort();
        println!(
            "  {what}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({bytes} bytes); resident {:.0} → {:.0} MB",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 1.0),
            rss_before,
            resident_mb(),
        );
    }
    // The item list is kept until master data changes: the first view after
    // a change makes it again. An admin renames an item, then the list is
    // asked for (only the list is timed).
    if !"master data: items, first page just after an item changed".contains(&only) {
        running.shutdown().await.expect("shutdown");
        return;
    }
    let admin = demo::PEOPLE
        .iter()
        .find(|p| p.role == sparescan_core::model::Role::Admin)
        .expect("an admin");
    server
        .set_password(
            &site.into(),
            &admin.id.into(),
            Some(admin.badge),
            admin.password,
            "bench",
        )
        .await
        .expect("password");
    let admin_token = client
        .sign_in_office(admin.id, admin.password, site)
        .await
        .expect("admin signs in")
        .token;
    let mut times = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let renamed = http
            .put(format!("{base}/api/v1/master/items"))
            .bearer_auth(&admin_token)
            .json(&serde_json::json!([{ "id": "IT-050123", "name": format!("Renamed {round}") }]))
            .send()
            .await
            .expect("rename");
        assert!(
            renamed.status().is_success(),
            "rename: {}",
            renamed.status()
        );
        let t = Instant::now();
        let resp = http
            .get(format!("{base}/console/master/items"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("page");
        assert!(resp.status().is_success());
        resp.bytes().await.expect("body");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "  master data: items, first page just after an item changed: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 1.0),
    );
    running.shutdown().await.expect("shutdown");
}

/// The process's resident memory (the server runs in it), from
/// `/proc/self/status`; 0 where that cannot be read. What a page's first
/// requests add to it is what the page keeps (an index, a table).
fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
