//! Keyboard-wedge scanner read straight from its Linux input device: taken
//! exclusively (so its keys no longer reach the UI) and timed by the
//! kernel's event timestamps rather than by when a UI thread gets round to
//! a key.

use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use evdev::{Device, EventSummary};

use super::ScannerError;
use super::config::ScannerConfig;
use super::keymap::KeyState;
use super::poll;
use super::queue::{ScanSender, ScanSource};
use super::wedge::{WedgeDecoder, WedgeEvent};
use super::worker::{self, ReaderHandle};

/// Longest wait for a key before checking the stop flag again.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// Starts the evdev reader thread.
pub(crate) fn spawn(
    config: &ScannerConfig,
    sender: ScanSender,
) -> Result<ReaderHandle, ScannerError> {
    let path: PathBuf = config
        .evdev_device
        .clone()
        .ok_or_else(|| ScannerError::Config("mode \"evdev\" needs evdev_device".into()))?;
    let decoder = WedgeDecoder::new(config)?;
    let label = format!("evdev scanner {}", path.display());
    worker::spawn("scanner-evdev", move |stop| {
        worker::reconnect_loop(
            &label,
            &stop,
            || open(&path),
            |mut device| {
                let mut decoder = decoder.clone();
                let result = run(&mut device, &mut decoder, &sender, stop.flag());
                let dropped = decoder.discard_pending();
                if dropped > 0 {
                    log::warn!("{label}: dropped a scan cut off after {dropped} bytes");
                }
                result
            },
        );
    })
}

fn open(path: &Path) -> io::Result<Device> {
    let mut device = Device::open(path)?;
    device.grab()?;
    device.set_nonblocking(true)?;
    Ok(device)
}

/// The kernel stamps input events with the realtime clock by default.
fn wall_clock(t: SystemTime) -> Duration {
    t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default()
}

/// Reads keys until stopped or the queue closes (`Ok`) or the device fails
/// (`Err`: unplugged).
fn run(
    device: &mut Device,
    decoder: &mut WedgeDecoder,
    sender: &ScanSender,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut keys = KeyState::default();
    let mut typed = Vec::new();
    while !stop.load(Ordering::Acquire) {
        let now = wall_clock(SystemTime::now());
        if !deliver(decoder.flush_due(now), sender) {
            return Ok(());
        }
        let wait = decoder
            .deadline()
            .map_or(IDLE_WAIT, |d| d.saturating_sub(now).min(IDLE_WAIT));
        if !poll::wait_readable(device.as_fd(), wait)? {
            continue;
        }
        typed.clear();
        match device.fetch_events() {
            Ok(events) => {
                for event in events {
                    if let EventSummary::Key(_, code, value) = event.destructure()
                        && let Some(c) = keys.key(code.code(), value)
                    {
                        typed.push((c, wall_clock(event.timestamp())));
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
        for &(c, at) in &typed {
            let mut utf8 = [0u8; 4];
            if !deliver(decoder.feed(c.encode_utf8(&mut utf8), at), sender) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Sends scans as evdev scans and typing as typed input; false once the
/// queue is closed.
fn deliver(events: Vec<WedgeEvent>, sender: &ScanSender) -> bool {
    for event in events {
        let (bytes, source) = match event {
            WedgeEvent::Scan(bytes) => (bytes, ScanSource::Evdev),
            WedgeEvent::Typed(text) => (text.into_bytes(), ScanSource::Typed),
        };
        if sender.send(bytes, source).is_err() {
            log::info!("evdev scanner: scan queue closed, stopping");
            return false;
        }
    }
    true
}
