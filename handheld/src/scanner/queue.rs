//! The one queue all scans go through, whatever their source.
//!
//! Unbounded (std `mpsc`), so a busy consumer never makes a reader drop or
//! block on a scan. Sequence numbers are assigned under the same lock as the
//! send, so they increase in exactly the order the consumer receives.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Where a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanSource {
    /// Keyboard wedge, delimited by the UI's [`WedgeDecoder`](super::WedgeDecoder).
    Wedge,
    /// The grabbed evdev keyboard device.
    Evdev,
    /// A serial or USB-CDC port.
    Serial,
    /// Keys a person typed on a grabbed device (they reach the UI no other
    /// way); the consumer treats them as manual entry, not as a scan.
    Typed,
}

/// One scan (or typed input) as delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanInput {
    /// Raw bytes, GS intact; decode with `sparescan_core::scan::classify`.
    pub bytes: Vec<u8>,
    pub source: ScanSource,
    /// Position in the queue: 0, 1, 2, … in the order received.
    pub seq: u64,
    /// When the reader sent it: right after the scan's last key or byte
    /// (the log's key-to-verdict time starts here).
    pub at: Instant,
}

/// The queue was closed: its [`ScanQueue`] is gone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the scan queue is closed")]
pub struct QueueClosed;

struct Shared {
    next_seq: u64,
    tx: mpsc::Sender<ScanInput>,
}

/// Sending end; clone it for every reader.
#[derive(Clone)]
pub struct ScanSender {
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for ScanSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanSender").finish_non_exhaustive()
    }
}

impl ScanSender {
    /// Enqueues a scan; returns its sequence number. Never blocks on the
    /// consumer.
    pub fn send(&self, bytes: Vec<u8>, source: ScanSource) -> Result<u64, QueueClosed> {
        // A panic elsewhere while holding the lock leaves the counter and
        // sender intact: keep going rather than lose scans.
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = shared.next_seq;
        shared
            .tx
            .send(ScanInput {
                bytes,
                source,
                seq,
                at: Instant::now(),
            })
            .map_err(|_| QueueClosed)?;
        shared.next_seq += 1;
        Ok(seq)
    }
}

/// Receiving end, for the one consumer.
#[derive(Debug)]
pub struct ScanQueue {
    rx: mpsc::Receiver<ScanInput>,
}

impl ScanQueue {
    /// A new queue and its first sender.
    pub fn new() -> (ScanSender, ScanQueue) {
        let (tx, rx) = mpsc::channel();
        let sender = ScanSender {
            shared: Arc::new(Mutex::new(Shared { next_seq: 0, tx })),
        };
        (sender, ScanQueue { rx })
    }

    /// The next scan if one is waiting.
    pub fn try_recv(&self) -> Option<ScanInput> {
        self.rx.try_recv().ok()
    }

    /// Waits for the next scan; `None` once every sender is gone and the
    /// queue is empty.
    pub fn recv(&self) -> Option<ScanInput> {
        self.rx.recv().ok()
    }

    /// Waits up to `timeout` for the next scan.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<ScanInput> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Everything waiting now, oldest first.
    pub fn drain(&self) -> Vec<ScanInput> {
        self.rx.try_iter().collect()
    }
}
