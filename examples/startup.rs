//! Start-up figures of the handheld on a given cache (e.g. the 1M-serial
//! cache `SPARESCAN_BENCH_KEEP=1 cargo bench --bench cache_verdict` keeps):
//! time from start to the first rendered frame, and resident memory with
//! the cache open and the UI shown. Headless: Slint's software renderer.
//!
//! `cargo run --release --example startup -- /path/to/cache.sqlite`
//!
//! With `--enroll <server-url> <ca.pem> <code>` a new cache enrolls against
//! that server first and waits for its bootstrap, so the figures are those
//! of a device holding the site's cache (scripts/cross.sh measures the
//! aarch64 build this way under qemu, against the demo site).

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;
use sparescan::cache::{Cache, keys};
use sparescan::config::SyncConfig;
use sparescan::engine::model::{ScreenId, UiModel};
use sparescan::worker::{Command, Worker};
use std::time::{Duration, Instant};

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l.trim_start_matches(field).trim().to_string())
        .unwrap_or_default()
}

/// The first model after enrollment that shows the device signed off and
/// online: the enrollment went through and the bootstrap is in the cache.
fn wait_synced(
    models: &std::sync::mpsc::Receiver<UiModel>,
    limit: Duration,
) -> Result<UiModel, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = models
            .recv_timeout(left)
            .map_err(|_| format!("not enrolled and synced within {limit:?}"))?;
        if !m.enroll.error.is_empty() {
            return Err(format!("enrollment refused: {}", m.enroll.error).into());
        }
        if m.screen == ScreenId::SignIn && m.sync.online {
            return Ok(m);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, enroll) = match args.as_slice() {
        [path] => (path.clone(), None),
        [path, flag, url, ca, code] if flag == "--enroll" => {
            (path.clone(), Some((url.clone(), ca.clone(), code.clone())))
        }
        _ => {
            return Err(
                "usage: startup <cache.sqlite> [--enroll <server-url> <ca.pem> <code>]".into(),
            );
        }
    };
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
    if enroll.is_none() && cache.meta(keys::DEVICE_TOKEN)?.is_none() {
        cache.set_meta(keys::DEVICE_ID, Some("bench-device"))?;
        cache.set_meta(keys::DEVICE_TOKEN, Some("bench-token"))?;
    }
    // The window as the app opens it (the configured language: English).
    let window = sparescan::run::open_window("en")?;
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
    if let Some((server_url, ca_path, code)) = enroll {
        let enrolling = Instant::now();
        worker.send(Command::Enroll {
            server_url,
            ca_path,
            code,
            device_name: "startup figures".into(),
        });
        let synced = wait_synced(&models, Duration::from_secs(600))?;
        sparescan::app::apply(&window, &synced);
        window.window().take_snapshot()?;
        println!(
            "enrolled and bootstrapped in {:.1} s; cache rows now: {}",
            enrolling.elapsed().as_secs_f64(),
            Cache::open(std::path::Path::new(&path))?.row_count()?
        );
    }
    println!(
        "resident memory: {} (peak {})",
        status("VmRSS:"),
        status("VmHWM:")
    );
    drop(worker);
    Ok(())
}
