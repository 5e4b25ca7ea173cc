//! Serial and USB-CDC scanners: raw bytes, GS intact, cut into scans at the
//! suffix or a pause.

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::ScannerError;
use super::config::ScannerConfig;
use super::frame::{Frame, Framer};
use super::queue::{ScanSender, ScanSource};
use super::worker::{self, ReaderHandle};

/// Cuts a serial byte stream into scans: at the suffix, or when no byte came
/// for `max_gap_ms` (ten times that after a prefix). Prefix and suffix are
/// removed and a GS substitute becomes GS, as for keyboards; unlike
/// keyboards every non-empty frame is a scan (nobody types on a serial
/// line), and bare line ends are dropped.
#[derive(Debug, Clone)]
pub struct SerialSplitter {
    framer: Framer,
}

impl SerialSplitter {
    pub fn new(config: &ScannerConfig) -> Result<Self, ScannerError> {
        config.validate()?;
        Ok(Self {
            framer: Framer::new(config, 1),
        })
    }

    /// Bytes read at `at`; returns the scans they completed.
    pub fn push(&mut self, bytes: &[u8], at: Duration) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        for &b in bytes {
            self.framer.push(b, at, &mut frames);
        }
        scans(frames)
    }

    /// Ends the pending scan if its pause has passed at `now`.
    pub fn flush_due(&mut self, now: Duration) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        self.framer.flush_due(now, &mut frames);
        scans(frames)
    }

    /// When the pending scan ends if no byte comes; `None` if none pending.
    pub fn deadline(&self) -> Option<Duration> {
        self.framer.deadline()
    }

    /// Drops a scan cut off by a disconnect (a cut-off code can look valid);
    /// returns the number of bytes dropped.
    pub fn discard_pending(&mut self) -> usize {
        self.framer.discard()
    }
}

fn scans(frames: Vec<Frame>) -> Vec<Vec<u8>> {
    frames
        .into_iter()
        .filter_map(|f| match f {
            Frame::Scan(bytes) => Some(bytes),
            Frame::Typed(bytes) => {
                log::debug!("serial scanner: ignored {bytes:?} outside a scan");
                None
            }
        })
        .collect()
}

/// How long one read waits: short enough to end a suffix-less scan soon
/// after its pause and to notice a stop request.
pub fn read_timeout(config: &ScannerConfig) -> Duration {
    (config.max_gap() / 2).clamp(Duration::from_millis(10), Duration::from_millis(100))
}

/// Reads `port` until `stop` is set (returns `Ok`), the queue is closed
/// (`Ok`), or the port fails or ends (`Err`, after dropping any cut-off
/// scan). Read timeouts (`TimedOut` or `WouldBlock`, as a serial port or a
/// socket with a read timeout give them) are when pauses are noticed, so
/// `port` must have one (see [`read_timeout`]).
pub fn read_loop<R: Read>(
    port: &mut R,
    splitter: &mut SerialSplitter,
    sender: &ScanSender,
    stop: &AtomicBool,
) -> io::Result<()> {
    let epoch = Instant::now();
    let mut buf = [0u8; 512];
    let result = loop {
        if stop.load(Ordering::Acquire) {
            break Ok(());
        }
        let scans = match port.read(&mut buf) {
            Ok(0) => break Err(io::Error::new(io::ErrorKind::UnexpectedEof, "port closed")),
            Ok(n) => splitter.push(&buf[..n], epoch.elapsed()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                splitter.flush_due(epoch.elapsed())
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(e),
        };
        for scan in scans {
            if sender.send(scan, ScanSource::Serial).is_err() {
                log::info!("serial scanner: scan queue closed, stopping");
                return Ok(());
            }
        }
    };
    let dropped = splitter.discard_pending();
    if dropped > 0 {
        log::warn!("serial scanner: dropped a scan cut off after {dropped} bytes");
    }
    result
}

/// Starts the serial reader thread.
pub(crate) fn spawn(
    config: &ScannerConfig,
    sender: ScanSender,
) -> Result<ReaderHandle, ScannerError> {
    let path = config
        .serial_device
        .as_deref()
        .ok_or_else(|| ScannerError::Config("mode \"serial\" needs serial_device".into()))?;
    let path = path_str(path)?;
    let baud = config.baud;
    let timeout = read_timeout(config);
    let splitter = SerialSplitter::new(config)?;
    let label = format!("serial scanner {path}");
    worker::spawn("scanner-serial", move |stop| {
        worker::reconnect_loop(
            &label,
            &stop,
            || {
                serialport::new(path.as_str(), baud)
                    .timeout(timeout)
                    .open()
                    .map_err(io::Error::from)
            },
            |mut port| {
                let mut splitter = splitter.clone();
                read_loop(&mut port, &mut splitter, &sender, stop.flag())
            },
        );
    })
}

fn path_str(path: &Path) -> Result<String, ScannerError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| ScannerError::Config(format!("serial_device {path:?} is not UTF-8")))
}
