//! Start-up figures of the handheld on a given cache (e.g. the 1M-serial
//! cache `SPARESCAN_BENCH_KEEP=1 cargo bench --bench cache_verdict` keeps):
//! time from start to the first rendered frame, and resident memory with
//! the cache open and the UI shown. Headless: Slint's software renderer.
//!
//! `cargo run --release --example startup -- /path/to/cache.sqlite`

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;
use sparescan::cache::{Cache, keys};
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
    // The testing backend with a real rasterizer: `init_no_event_loop()`
    // keeps a mock renderer that cannot take snapshots.
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: false,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .map_err(|e| format!("platform: {e:?}"))?;
    let cache = Cache::open(std::path::Path::new(&path))?;
    let rows = cache.row_count()?;
    // A benchmark cache was never enrolled: mark it so the first frame is
    // the sign-in screen a device shows after a restart (it stays offline).
    if cache.meta(keys::DEVICE_TOKEN)?.is_none() {
        cache.set_meta(keys::DEVICE_ID, Some("bench-device"))?;
        cache.set_meta(keys::DEVICE_TOKEN, Some("bench-token"))?;
    }
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
        "first frame ({:?} screen, {}x{}): {:.0} ms after start",
        model.screen,
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
