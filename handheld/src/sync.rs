//! The sync thread: everything that waits for the server — push, pull,
//! bootstrap, badges, enrollment — on a thread of its own with its own
//! connection to the cache ([`Cache::background`]), so the worker that
//! judges scans never waits for the network. It reports what it is doing
//! ([`Report::Status`]: syncing, offline since, progress) and when what it
//! wrote changes what the rules see ([`Report::Changed`]). Each round is
//! logged at info with its counts and duration; never a PIN or a token.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sparescan_client::{Client, ClientError};
use sparescan_core::document::Document;
use sparescan_core::sync::{Row, Verdict};
use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

use crate::cache::Cache;
use crate::config::SyncConfig;
use crate::engine::{meta, t};

/// Documents per push request.
const PUSH_BATCH: usize = 500;

/// What the sync thread tells the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Status(Status),
    /// Rows, verdicts or settings the rules read changed: read them again.
    Changed,
    /// Enrollment ended: `Err` holds what to tell the person.
    Enrolled(Result<(), String>),
}

/// The sync's part of the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub online: bool,
    /// "Syncing…", "Offline since 14:05 UTC", or empty.
    pub activity: String,
    /// A bootstrap's progress, or whose sign-in documents wait for.
    pub progress: String,
    /// Below zero: no progress bar.
    pub progress_fraction: f32,
}

impl Default for Status {
    fn default() -> Status {
        Status {
            online: false,
            activity: String::new(),
            progress: String::new(),
            progress_fraction: -1.0,
        }
    }
}

enum Request {
    Now,
    Enroll {
        server_url: String,
        ca: PinnedCa,
        code: String,
        device_name: String,
    },
}

/// The CA certificate a device enrolling is to pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinnedCa {
    /// A PEM file on the device (typed on the enrollment screen, or the
    /// configuration's `ca_file`).
    File(String),
    /// The SHA-256 an enrollment QR code gives: the device fetches the
    /// server's CA and pins it only if it is that one.
    Fingerprint(String),
}

/// The running sync thread; stopped (a request in flight abandoned) when
/// dropped.
pub struct SyncThread {
    tx: Option<Sender<Request>>,
    stop: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
}

impl SyncThread {
    /// Starts syncing `cache` (the background connection) at once.
    pub fn spawn(
        cache: Cache,
        config: SyncConfig,
        report: impl Fn(Report) + Send + 'static,
    ) -> Result<SyncThread> {
        let (tx, rx) = channel();
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sparescan-sync".into())
            .spawn(move || run(cache, config, rx, &stopped, &report))
            .context("starting the sync thread")?;
        Ok(SyncThread {
            tx: Some(tx),
            stop,
            thread: Some(thread),
        })
    }

    /// Sync as soon as the round under way (if any) ends.
    pub fn now(&self) {
        self.send(Request::Now);
    }

    pub fn enroll(&self, server_url: String, ca: PinnedCa, code: String, device_name: String) {
        self.send(Request::Enroll {
            server_url,
            ca,
            code,
            device_name,
        });
    }

    fn send(&self, request: Request) {
        if let Some(tx) = &self.tx
            && tx.send(request).is_err()
        {
            log::error!("the sync thread is gone");
        }
    }
}

impl Drop for SyncThread {
    fn drop(&mut self) {
        self.stop.notify_one();
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `work`, or `None` once the thread is asked to stop.
async fn unless_stopped<T>(stop: &Notify, work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        done = work => Some(done),
        _ = stop.notified() => None,
    }
}

struct State {
    status: Status,
    due: Instant,
    backoff: Duration,
    offline_since: Option<DateTime<Utc>>,
}

fn run(
    mut cache: Cache,
    config: SyncConfig,
    rx: Receiver<Request>,
    stop: &Notify,
    report: &dyn Fn(Report),
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("sync stopped: no network runtime: {e}");
            return;
        }
    };
    let mut s = State {
        status: Status::default(),
        due: Instant::now(),
        backoff: Duration::from_secs(1),
        offline_since: None,
    };
    loop {
        let wait = s.due.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(Request::Now) => s.due = Instant::now(),
            Ok(Request::Enroll {
                server_url,
                ca,
                code,
                device_name,
            }) => {
                let work = enroll(&mut cache, &server_url, &ca, &code, &device_name);
                match rt.block_on(unless_stopped(stop, work)) {
                    None => return,
                    Some(Ok(())) => {
                        report(Report::Enrolled(Ok(())));
                        s.due = Instant::now();
                    }
                    Some(Err(e)) => report(Report::Enrolled(Err(format!("{e:#}")))),
                }
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if Instant::now() < s.due {
            continue;
        }
        let client = match client_for(&cache) {
            Ok(Some(c)) => c,
            // Not enrolled yet: nothing to sync.
            Ok(None) => {
                s.due = Instant::now() + Duration::from_secs(config.interval_secs.max(1));
                continue;
            }
            Err(e) => {
                log::error!("sync: {e:#}");
                s.due = Instant::now() + Duration::from_secs(config.max_backoff_secs.max(1));
                continue;
            }
        };
        s.status.activity = t("Syncing…");
        report(Report::Status(s.status.clone()));
        let started = Instant::now();
        let work = sync_once(&mut cache, &client, &mut s.status, report);
        let Some(result) = rt.block_on(unless_stopped(stop, work)) else {
            return;
        };
        let ms = started.elapsed().as_millis();
        match result {
            Ok(round) => {
                log::info!(
                    "sync: pushed={} accepted={} refused={} held={} pulled_rows={} bootstrap_rows={} ms={ms}",
                    round.pushed,
                    round.accepted,
                    round.refused,
                    round.held,
                    round.pulled,
                    round.bootstrapped
                );
                s.status.online = true;
                s.status.activity.clear();
                s.offline_since = None;
                s.backoff = Duration::from_secs(1);
                s.due = Instant::now() + Duration::from_secs(config.interval_secs.max(1));
            }
            Err(e) => {
                log::warn!("sync failed after {ms} ms: {e:#}");
                let since = *s.offline_since.get_or_insert_with(Utc::now);
                s.status.online = false;
                s.status.activity = format!("{} {}", t("Offline since"), since.format("%H:%M UTC"));
                s.due = Instant::now() + s.backoff;
                s.backoff =
                    (s.backoff * 2).min(Duration::from_secs(config.max_backoff_secs.max(1)));
            }
        }
        s.status.progress = cache
            .held()
            .ok()
            .flatten()
            .map(|r| format!("{} {}", t("Documents wait for a sign-in:"), r.message))
            .unwrap_or_default();
        s.status.progress_fraction = -1.0;
        report(Report::Status(s.status.clone()));
    }
}

/// The client for the enrolled device; `None` before enrollment.
pub fn client_for(cache: &Cache) -> Result<Option<Client>> {
    let (Some(url), Some(ca), Some(token)) = (
        cache.meta(meta::SERVER_URL)?,
        cache.meta(meta::CA_PEM)?,
        cache.meta(meta::DEVICE_TOKEN)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(
        Client::new(&url, ca.as_bytes())?.with_device_token(token),
    ))
}

async fn enroll(
    cache: &mut Cache,
    url: &str,
    pinned: &PinnedCa,
    code: &str,
    name: &str,
) -> Result<()> {
    let url = url.trim();
    anyhow::ensure!(
        url.starts_with("https://"),
        "{}",
        t("The server address must start with https:// (plain HTTP is refused).")
    );
    let ca = match pinned {
        PinnedCa::File(path) => std::fs::read(path.trim())
            .with_context(|| format!("{} {path}", t("Cannot read the CA file")))?,
        PinnedCa::Fingerprint(sha256) => Client::fetch_ca(url, sha256)
            .await
            .context(t("The server's certificate could not be checked"))?,
    };
    let mut client = Client::new(url, &ca)?;
    let enrolled = client
        .enroll(code.trim(), name.trim())
        .await
        .context(t("Enrollment failed"))?;
    cache.set_meta(meta::SERVER_URL, Some(url))?;
    cache.set_meta(meta::CA_PEM, Some(&String::from_utf8_lossy(&ca)))?;
    cache.set_meta(meta::DEVICE_TOKEN, Some(&enrolled.token))?;
    cache.set_meta(meta::DEVICE_ID, Some(&enrolled.device_id))?;
    cache.set_meta(meta::SITE, Some(enrolled.site.as_str()))?;
    log::info!(
        "enrolled as device {} at {}",
        enrolled.device_id,
        enrolled.site
    );
    let client = client.with_device_token(enrolled.token);
    let holders = client.credentials().await?;
    cache.set_badges(&holders)?;
    Ok(())
}

/// What one round did, for the log.
#[derive(Debug, Default)]
struct Round {
    pushed: usize,
    accepted: usize,
    refused: usize,
    held: usize,
    pulled: usize,
    bootstrapped: u64,
}

/// One round: push the outbox in order, then pull (or bootstrap), then
/// the badges.
async fn sync_once(
    cache: &mut Cache,
    client: &Client,
    status: &mut Status,
    report: &dyn Fn(Report),
) -> Result<Round> {
    let mut round = Round::default();
    push(cache, client, &mut round, report).await?;
    if cache.cursor()? == 0 {
        round.bootstrapped = bootstrap(cache, client, status, report).await?;
    } else {
        match pull(cache, client, report).await {
            Ok(n) => round.pulled = n,
            Err(e)
                if matches!(
                    e.downcast_ref::<ClientError>(),
                    Some(ClientError::Rebootstrap)
                ) =>
            {
                cache.begin_rebootstrap()?;
                report(Report::Changed);
                round.bootstrapped = bootstrap(cache, client, status, report).await?;
            }
            Err(e) => return Err(e),
        }
    }
    let holders = client.credentials().await?;
    cache.set_badges(&holders)?;
    let now = Utc::now().format("%Y-%m-%d %H:%M:%S UTC").to_string();
    cache.set_meta(meta::LAST_SYNC, Some(&now))?;
    Ok(round)
}

async fn push(
    cache: &mut Cache,
    client: &Client,
    round: &mut Round,
    report: &dyn Fn(Report),
) -> Result<()> {
    loop {
        let outbox: Vec<Document> = cache.outbox()?;
        if outbox.is_empty() {
            return Ok(());
        }
        let batch: Vec<Document> = outbox.into_iter().take(PUSH_BATCH).collect();
        let answer = client.push_as_is(&batch).await?;
        anyhow::ensure!(
            !answer.verdicts.is_empty(),
            "the server answered a push without verdicts"
        );
        round.pushed += batch.len();
        let held = cache.settle(&answer.verdicts)?;
        for v in &answer.verdicts {
            match v {
                Verdict::Accepted { .. } | Verdict::Duplicate { .. } => round.accepted += 1,
                Verdict::Rejected { .. } => round.refused += 1,
            }
        }
        // Held ones are refusals the device keeps (they wait for a sign-in).
        round.refused -= held.min(round.refused);
        round.held += held;
        report(Report::Changed);
        // Held for someone's online sign-in: they go again after it.
        if held > 0 {
            return Ok(());
        }
    }
}

/// Pulls every change after the cursor; the number of rows.
async fn pull(cache: &mut Cache, client: &Client, report: &dyn Fn(Report)) -> Result<usize> {
    let mut cursor = cache.cursor()?;
    let mut pulled = 0;
    loop {
        let page = client.pull(cursor, None).await?;
        let rows: Vec<Row> = page
            .changes
            .into_iter()
            .map(|c| Row {
                key: c.key,
                value: c.value,
            })
            .collect();
        pulled += rows.len();
        let moved = page.cursor != cursor;
        cursor = page.cursor;
        cache.apply_rows(&rows, Some(cursor))?;
        if !rows.is_empty() || moved {
            report(Report::Changed);
        }
        if !page.more {
            return Ok(pulled);
        }
    }
}

/// The whole site, page by page into the cache (never all in memory), with
/// progress on the status line; the rows written.
async fn bootstrap(
    cache: &mut Cache,
    client: &Client,
    status: &mut Status,
    report: &dyn Fn(Report),
) -> Result<u64> {
    let mut page = client.bootstrap_page(None).await?;
    log::info!("sync: bootstrap of {} rows begins", page.total);
    let cursor = page.cursor;
    let mut done = 0u64;
    loop {
        done += page.rows.len() as u64;
        cache.apply_rows(&page.rows, None)?;
        status.progress = format!("{} {done} / {}", t("Downloading site data:"), page.total);
        status.progress_fraction = if page.total == 0 {
            1.0
        } else {
            done as f32 / page.total as f32
        };
        report(Report::Status(status.clone()));
        match page.next.take() {
            Some(next) => page = client.bootstrap_page(Some(&next)).await?,
            None => break,
        }
    }
    cache.apply_rows(&[], Some(cursor))?;
    report(Report::Changed);
    Ok(done)
}
