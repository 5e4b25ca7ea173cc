//! Starting the app: cache, worker, scanner readers, window.

use anyhow::{Context, Result};
use slint::ComponentHandle;
use std::sync::mpsc::Sender;

use crate::app;
use crate::cache::Cache;
use crate::config::Config;
use crate::engine::set_language;
use crate::ui::AppWindow;
use crate::worker::{Command, Worker};

/// Where a new device enrolls by itself (`sparescan demo`), without anyone
/// typing it on the enrollment screen.
pub struct Enrollment {
    pub server_url: String,
    pub ca_path: String,
    pub code: String,
}

/// Opens the cache, enrolling it with `enroll` first when one is given and
/// the cache is new, and runs the UI until the window closes.
pub fn run_app(config: &Config, enroll: Option<Enrollment>) -> Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let cache = Cache::open(&config.cache_path())
        .with_context(|| format!("opening the cache {}", config.cache_path().display()))?;
    // Read before the worker takes the cache: only a new one enrolls itself.
    let enrolled = cache.meta(crate::engine::meta::DEVICE_TOKEN)?.is_some();
    // The device's backend, with the key press times (a no-op elsewhere).
    crate::key_clock::install()?;
    let window = open_window(config.language.code())?;
    let sink = app::UiSink::new(&window);
    let worker = Worker::spawn(
        cache,
        config.decode.clone(),
        config.sync.clone(),
        sink.handle(),
    )?;
    let tx = worker.sender();
    app::wire(&window, &tx);
    let _wedge = app::wire_wedge(&window, &tx, &config.scanner);
    let _reader = start_reader(config, &tx);
    prefill_enrollment(&window, config, enroll.filter(|_| !enrolled), &tx);
    let _systemd = crate::service::notify_systemd();
    window.run().context("running the UI")?;
    drop(worker);
    Ok(())
}

/// The main window, in `language` (the engine's texts too). Slint takes in
/// the bundled translations when the first component is created: chosen
/// before that, the language is refused and the UI stays in English.
pub fn open_window(language: &str) -> Result<AppWindow> {
    set_language(language);
    let window = AppWindow::new().context("creating the window")?;
    if let Err(e) = slint::select_bundled_translation(language) {
        log::warn!("no {language} translation: {e}");
    }
    Ok(window)
}

/// The enrollment screen's defaults; `enroll` (given only while the device
/// is not enrolled) enrolls it by itself.
fn prefill_enrollment(
    window: &AppWindow,
    config: &Config,
    enroll: Option<Enrollment>,
    tx: &Sender<Command>,
) {
    let e = window.global::<crate::ui::EnrollAdapter>();
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let name = config
        .device_name
        .clone()
        .unwrap_or_else(|| host.trim().to_string());
    e.set_device_name(name.clone().into());
    if let Some(url) = &config.server_url {
        e.set_server_url(url.into());
    }
    if let Some(ca) = &config.ca_file {
        e.set_ca_path(ca.display().to_string().into());
    }
    if let Some(enroll) = enroll {
        let _ = tx.send(Command::Enroll {
            server_url: enroll.server_url,
            ca_path: enroll.ca_path,
            code: enroll.code,
            device_name: if name.is_empty() {
                "demo handheld".into()
            } else {
                name
            },
        });
    }
}

/// Starts the evdev or serial reader the configuration asks for; its scans
/// join the worker's queue in order (wedge scans come through the window).
fn start_reader(config: &Config, tx: &Sender<Command>) -> Option<crate::scanner::ReaderHandle> {
    let (sender, queue) = crate::scanner::ScanQueue::new();
    let reader = match crate::scanner::spawn_reader(&config.scanner, sender) {
        Ok(Some(r)) => r,
        Ok(None) => return None,
        Err(e) => {
            log::error!("scanner: {e}");
            return None;
        }
    };
    let tx = tx.clone();
    let forward = std::thread::Builder::new()
        .name("sparescan-scans".into())
        .spawn(move || {
            while let Some(scan) = queue.recv() {
                let command = Command::Scan {
                    bytes: scan.bytes,
                    last_key: scan.at,
                };
                if tx.send(command).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = forward {
        log::error!("starting the scan forwarder: {e}");
    }
    Some(reader)
}
