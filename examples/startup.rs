//! Start-up figures of the handheld on a given cache (e.g. the 1M-serial
//! cache `SPARESCAN_BENCH_KEEP=1 cargo bench --bench cache_verdict` keeps):
//! time from start to the first rendered frame, and resident memory with
//! the cache open and the UI shown. Headless: Slint's software renderer.
//!
//! `cargo run --release --example startup -- /path/to/cache.sqlite`

use slint::ComponentHandle;
use sparescan::cache::Cache;
use sparescan::config::SyncConfig;
use sparescan::ui::AppWindow;
use sparescan::worker::Worker;
use std::time::{Duration, Instant};

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l.trim_start_matches(field).trim().to_string())
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: startup <cache.sqlite>")?;
    i_slint_backend_testing::init_no_event_loop();
    let cache = Cache::open(std::path::Path::new(&path))?;
    let rows = cache.row_count()?;
    let window = AppWindow::new()?;
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    window.show()?;
    let (sink, models) = std::sync::mpsc::channel();
    let worker = Worker::spawn(cache, Default::default(), SyncConfig::default(), sink)?;
    sparescan::app::wire(&window, &worker.sender());
    let model = models.recv_timeout(Duration::from_secs(30))?;
    sparescan::app::apply(&window, &model);
    let frame = window.window().take_snapshot()?;
    let first_frame = start.elapsed();
    println!("cache rows: {rows}");
    println!(
        "first frame ({}x{}): {:.0} ms after start",
        frame.width(),
        frame.height(),
        first_frame.as_secs_f64() * 1e3
    );
    println!(
        "resident memory: {} (peak {})",
        status("VmRSS:"),
        status("VmHWM:")
    );
    drop(worker);
    Ok(())
}
