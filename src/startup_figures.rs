//! `sparescan startup-figures`: how long the handheld takes from start to
//! its first rendered frame on a given cache, and its resident memory with
//! the cache open and the UI shown. Headless, with the software renderer
//! the device draws with, so it runs anywhere: on a device, under
//! qemu-user in CI (scripts/cross.sh), or on a desktop with the 1M-serial
//! cache `SPARESCAN_BENCH_KEEP=1 cargo bench --bench cache_verdict` keeps.
//!
//! It is part of the app rather than an example so that the device build
//! links one binary, not two: each link of the Slint stack with LTO took
//! as long as the rest of the device build.
//!
//! With an enrollment (server, CA, code) a new cache enrolls against that
//! server first and waits for its bootstrap, so the figures are those of a
//! device holding the site's cache.

use crate::cache::{Cache, keys};
use crate::config::SyncConfig;
use crate::engine::model::{ScreenId, UiModel};
use crate::worker::{Command, Worker};
use anyhow::{Context, Result, anyhow, bail};
use slint::ComponentHandle;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The portrait size of the handheld's screen.
const WIDTH: u32 = 480;
const HEIGHT: u32 = 800;

/// Where to enroll a new cache before measuring.
pub struct Enrollment {
    pub server_url: String,
    pub ca_path: String,
    pub code: String,
}

/// One window, drawn into memory.
struct Headless(Rc<MinimalSoftwareWindow>);

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

/// Draws the window's current contents into a frame buffer, as the device
/// does for its display.
fn draw(window: &MinimalSoftwareWindow) -> Result<()> {
    let mut frame = vec![PremultipliedRgbaColor::default(); (WIDTH * HEIGHT) as usize];
    window.request_redraw();
    let drawn = window.draw_if_needed(|renderer| {
        renderer.render(&mut frame, WIDTH as usize);
    });
    if !drawn {
        bail!("the window drew nothing");
    }
    Ok(())
}

/// A field of `/proc/self/status` (under qemu-user, the emulator's
/// process: the figure includes qemu itself).
fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l.trim_start_matches(field).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The first model after enrollment that shows the device signed off and
/// online: the enrollment went through and the bootstrap is in the cache.
fn wait_synced(models: &std::sync::mpsc::Receiver<UiModel>, limit: Duration) -> Result<UiModel> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = models
            .recv_timeout(left)
            .map_err(|_| anyhow!("not enrolled and synced within {limit:?}"))?;
        if !m.enroll.error.is_empty() {
            bail!("enrollment refused: {}", m.enroll.error);
        }
        if m.screen == ScreenId::SignIn && m.sync.online {
            return Ok(m);
        }
    }
}

/// Measures and prints the figures; `started` is when the process began.
pub fn run(path: &Path, enroll: Option<Enrollment>, started: Instant) -> Result<()> {
    let screen = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless(screen.clone())))
        .map_err(|e| anyhow!("the headless platform: {e:?}"))?;
    let cache = Cache::open(path).with_context(|| format!("opening {}", path.display()))?;
    let rows = cache.row_count()?;
    // A benchmark cache was never enrolled: mark it so the first frame is
    // the sign-in screen a device shows after a restart (it stays offline).
    if enroll.is_none() && cache.meta(keys::DEVICE_TOKEN)?.is_none() {
        cache.set_meta(keys::DEVICE_ID, Some("bench-device"))?;
        cache.set_meta(keys::DEVICE_TOKEN, Some("bench-token"))?;
    }
    // The window as the app opens it (the configured language: English).
    let window = crate::run::open_window("en")?;
    window
        .window()
        .set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));
    window.show()?;
    let (sink, models) = std::sync::mpsc::channel();
    let worker = Worker::spawn(cache, Default::default(), SyncConfig::default(), sink)?;
    crate::app::wire(&window, &worker.sender());
    let model = models.recv_timeout(Duration::from_secs(30))?;
    crate::app::apply(&window, &model);
    draw(&screen)?;
    let first_frame = started.elapsed();
    println!("cache rows: {rows}");
    println!(
        "first frame ({:?} screen, {WIDTH}x{HEIGHT}): {:.0} ms after start",
        model.screen,
        first_frame.as_secs_f64() * 1e3
    );
    if let Some(e) = enroll {
        let enrolling = Instant::now();
        worker.send(Command::Enroll {
            server_url: e.server_url,
            ca_path: e.ca_path,
            code: e.code,
            device_name: "startup figures".into(),
        });
        let synced = wait_synced(&models, Duration::from_secs(600))?;
        crate::app::apply(&window, &synced);
        draw(&screen)?;
        println!(
            "enrolled and bootstrapped in {:.1} s; cache rows now: {}",
            enrolling.elapsed().as_secs_f64(),
            Cache::open(path)?.row_count()?
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
