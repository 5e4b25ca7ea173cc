//! Reader threads: stop flag, handle, reconnect with back-off.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::ScannerError;

const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// A running reader thread. Dropping it (or [`stop`](Self::stop)) stops the
/// thread and waits for it, which releases the device (and an evdev grab).
#[derive(Debug)]
pub struct ReaderHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ReaderHandle {
    /// Stops the reader and waits for it (at most about 0.1 s).
    pub fn stop(self) {}

    /// Whether the thread has ended on its own (its queue was closed).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for ReaderHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            // Wakes a reader sleeping between reconnect attempts.
            thread.thread().unpark();
            if thread.join().is_err() {
                log::error!("scanner reader thread panicked");
            }
        }
    }
}

/// The reader side of the stop flag.
#[derive(Debug, Clone)]
pub(crate) struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Sleeps for `d` unless stopped first; returns false if stopped.
    pub fn sleep(&self, d: Duration) -> bool {
        let until = Instant::now() + d;
        while !self.requested() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            thread::park_timeout(left);
        }
        false
    }
}

/// Starts `body` on a named thread with a fresh stop flag.
pub(crate) fn spawn(
    name: &str,
    body: impl FnOnce(Stop) + Send + 'static,
) -> Result<ReaderHandle, ScannerError> {
    let flag = Arc::new(AtomicBool::new(false));
    let stop = Stop(Arc::clone(&flag));
    let thread = thread::Builder::new()
        .name(name.into())
        .spawn(move || body(stop))
        .map_err(ScannerError::Spawn)?;
    Ok(ReaderHandle {
        stop: flag,
        thread: Some(thread),
    })
}

/// Opens the device and runs it until stopped, reopening after errors
/// (unplugged, not there yet) with a back-off from 0.25 s up to 5 s. `run`
/// returns `Ok` to end the thread (stop requested, queue closed) and `Err`
/// to reconnect.
pub(crate) fn reconnect_loop<D>(
    label: &str,
    stop: &Stop,
    mut open: impl FnMut() -> io::Result<D>,
    mut run: impl FnMut(D) -> io::Result<()>,
) {
    let mut delay = FIRST_RETRY;
    // Only the first of a series of failed opens is a warning: an unplugged
    // scanner would otherwise fill the log.
    let mut failing = false;
    while !stop.requested() {
        match open() {
            Ok(device) => {
                log::info!("{label}: connected");
                delay = FIRST_RETRY;
                failing = false;
                match run(device) {
                    Ok(()) => return,
                    Err(e) => log::warn!("{label}: {e}; reconnecting"),
                }
            }
            Err(e) if !failing => {
                log::warn!("{label}: cannot open: {e}; retrying");
                failing = true;
            }
            Err(e) => log::debug!("{label}: cannot open: {e}"),
        }
        if !stop.sleep(delay) {
            return;
        }
        delay = (delay * 2).min(MAX_RETRY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn drop_stops_a_sleeping_thread_promptly() {
        let handle = spawn("test-sleeper", |stop| {
            stop.sleep(Duration::from_secs(30));
        })
        .expect("spawn");
        let started = Instant::now();
        drop(handle);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn reconnect_loop_retries_with_growing_delays_until_run_ends() {
        let opens = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&opens);
        let stop = Stop(Arc::new(AtomicBool::new(false)));
        let mut attempt = 0;
        reconnect_loop(
            "test",
            &stop,
            || {
                attempt += 1;
                log.lock().expect("lock").push(Instant::now());
                match attempt {
                    1 | 2 => Err(io::Error::other("absent")),
                    3 => Ok(false),
                    _ => Ok(true),
                }
            },
            |last| {
                if last {
                    Ok(())
                } else {
                    Err(io::Error::other("unplugged"))
                }
            },
        );
        let t = opens.lock().expect("lock").clone();
        assert_eq!(t.len(), 4);
        assert!(t[1] - t[0] >= FIRST_RETRY);
        assert!(t[2] - t[1] >= FIRST_RETRY * 2);
        // A successful open resets the delay.
        assert!(t[3] - t[2] < t[2] - t[1]);
    }
}
