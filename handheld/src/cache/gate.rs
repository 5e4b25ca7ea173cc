//! Who writes next. Two connections write to the cache file: the worker's
//! (a scan's documents, sign-ins: the foreground) and the sync thread's
//! (server rows, verdicts: the background). SQLite lets one connection
//! write at a time, and one that finds the file locked polls with growing
//! sleeps (1, 2, 5 … 100 ms), so a background that starts its next chunk
//! at once could keep a scan's write waiting far longer than one chunk.
//! The gate settles it in the process instead: a foreground write goes
//! next; the background starts a write only while no foreground write
//! waits. A foreground write thus waits for one background chunk at most.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Which side of the gate a connection writes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Foreground,
    Background,
}

#[derive(Debug, Default)]
pub(super) struct Gate {
    lock: Mutex<()>,
    /// Foreground writers waiting for the lock.
    waiting: AtomicUsize,
}

impl Gate {
    /// Holds the write turn until the guard is dropped.
    pub(super) fn enter(&self, role: Role) -> MutexGuard<'_, ()> {
        // A panic while writing leaves nothing to protect here: SQLite
        // rolled the transaction back.
        let lock = || self.lock.lock().unwrap_or_else(|e| e.into_inner());
        match role {
            Role::Foreground => {
                self.waiting.fetch_add(1, Ordering::SeqCst);
                let guard = lock();
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                guard
            }
            Role::Background => loop {
                while self.waiting.load(Ordering::SeqCst) > 0 {
                    std::thread::sleep(Duration::from_micros(200));
                }
                let guard = lock();
                if self.waiting.load(Ordering::SeqCst) == 0 {
                    return guard;
                }
            },
        }
    }
}
