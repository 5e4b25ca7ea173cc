//! The one long-lived worker: it owns the cache (SQLite) and the network.
//! The UI sends [`Command`]s through a channel (never blocking) and gets
//! [`UiModel`]s back through a [`Sink`] (in the app, `invoke_from_event_loop`).
//! Scans from every reader arrive on the same channel, so none is dropped
//! or reordered while the worker is busy.

use anyhow::{Context, Result};
use chrono::Utc;
use sparescan_client::{Client, ClientError};
use sparescan_core::document::Document;
use sparescan_core::scan::ScanConfig;
use sparescan_core::sync::Row;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::config::SyncConfig;
use crate::engine::model::UiModel;
use crate::engine::scanlog::Origin;
use crate::engine::{Engine, Input, OnlineSignIn, meta, t};

/// Where models go (the UI, or a test).
pub trait Sink: Send + 'static {
    fn show(&self, model: UiModel);
}

impl Sink for Sender<UiModel> {
    fn show(&self, model: UiModel) {
        let _ = self.send(model);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Input(Input),
    /// A scan with the time its last key or byte came (for the log).
    Scan {
        bytes: Vec<u8>,
        last_key: Instant,
    },
    Enroll {
        server_url: String,
        ca_path: String,
        code: String,
        device_name: String,
    },
    SyncNow,
    /// Sends the current model (after start, or when a test asks).
    Refresh,
    Shutdown,
}

/// Documents per push request.
const PUSH_BATCH: usize = 500;

pub struct Worker {
    tx: Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker on `cache`. The first model is sent at once.
    pub fn spawn(
        cache: Cache,
        scan_config: ScanConfig,
        sync: SyncConfig,
        sink: impl Sink,
    ) -> Result<Worker> {
        let (tx, rx) = channel();
        let thread = std::thread::Builder::new()
            .name("sparescan-worker".into())
            .spawn(move || {
                let engine = Engine::new(cache, scan_config);
                if let Err(e) = run(engine, sync, rx, sink) {
                    log::error!("worker stopped: {e:#}");
                }
            })
            .context("starting the worker thread")?;
        let _ = tx.send(Command::Refresh);
        Ok(Worker {
            tx,
            thread: Some(thread),
        })
    }

    /// A sender for the UI and the scanner readers.
    pub fn sender(&self) -> Sender<Command> {
        self.tx.clone()
    }

    pub fn send(&self, command: Command) {
        if self.tx.send(command).is_err() {
            log::error!("the worker is gone; command dropped");
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.tx.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Sync {
    config: SyncConfig,
    /// When to sync next.
    due: Instant,
    backoff: Duration,
}

fn run(
    mut engine: Engine,
    config: SyncConfig,
    rx: Receiver<Command>,
    sink: impl Sink,
) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the network runtime")?;
    let mut sync = Sync {
        due: Instant::now(),
        backoff: Duration::from_secs(1),
        config,
    };
    loop {
        let wait = sync.due.saturating_duration_since(Instant::now());
        let command = match rx.recv_timeout(wait) {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        match command {
            Some(Command::Shutdown) => return Ok(()),
            // An approver's PIN: online first, as at a sign-in, so a
            // supervisor who never signed in on this handheld can approve
            // while it is online.
            Some(Command::Input(Input::Pin(Some(pin)))) => {
                if let Some(badge) = engine.pending_approver_badge().map(str::to_owned)
                    && let OnlineSignIn::Signed { user, key } =
                        rt.block_on(online_sign_in(&engine, &badge, &pin))
                {
                    engine.keep_approver_key(&user, &pin, &key);
                }
                engine.handle(Input::Pin(Some(pin)));
            }
            Some(Command::Input(Input::SignIn { pin })) => {
                let online = match engine.pending_badge().map(str::to_owned) {
                    Some(badge) => rt.block_on(online_sign_in(&engine, &badge, &pin)),
                    None => OnlineSignIn::Unreachable,
                };
                if engine.finish_sign_in(&pin, online) {
                    // Documents held for this person's sign-in go now.
                    sync.due = Instant::now();
                }
            }
            Some(Command::Input(input)) => {
                let confirm = input == Input::Confirm;
                engine.handle(input);
                if confirm {
                    // Documents just recorded: send them while the person
                    // is still at the shelf.
                    sync.due = Instant::now();
                }
            }
            Some(Command::Enroll {
                server_url,
                ca_path,
                code,
                device_name,
            }) => {
                {
                    let m = engine.enroll_model_mut();
                    m.working = true;
                    m.error.clear();
                    m.server_url = server_url.clone();
                    m.ca_path = ca_path.clone();
                    m.device_name = device_name.clone();
                }
                sink.show(engine.model());
                match rt.block_on(enroll(
                    &mut engine,
                    &server_url,
                    &ca_path,
                    &code,
                    &device_name,
                )) {
                    Ok(()) => {
                        engine.enrolled();
                        sync.due = Instant::now();
                    }
                    Err(e) => {
                        let m = engine.enroll_model_mut();
                        m.working = false;
                        m.error = format!("{e:#}");
                    }
                }
            }
            Some(Command::Scan { bytes, last_key }) => {
                engine.scan_logged(&bytes, Origin::Scanner, Some(last_key))
            }
            Some(Command::SyncNow) => sync.due = Instant::now(),
            Some(Command::Refresh) => {}
            None => {}
        }
        if Instant::now() >= sync.due {
            let result = rt.block_on(sync_once(&mut engine, &sink));
            let held = engine.cache().held().ok().flatten();
            let m = engine.sync_model_mut();
            m.progress = held
                .map(|r| format!("{} {}", t("Documents wait for a sign-in:"), r.message))
                .unwrap_or_default();
            m.progress_fraction = -1.0;
            match result {
                Ok(synced) => {
                    m.online = synced;
                    sync.backoff = Duration::from_secs(1);
                    sync.due =
                        Instant::now() + Duration::from_secs(sync.config.interval_secs.max(1));
                }
                Err(e) => {
                    log::warn!("sync failed: {e:#}");
                    m.online = false;
                    sync.due = Instant::now() + sync.backoff;
                    sync.backoff = (sync.backoff * 2)
                        .min(Duration::from_secs(sync.config.max_backoff_secs.max(1)));
                }
            }
        }
        // The UI's sink coalesces: a burst of scans repaints once.
        sink.show(engine.model());
    }
}

fn client_for(engine: &Engine) -> Result<Option<Client>> {
    let cache = engine.cache();
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
    engine: &mut Engine,
    url: &str,
    ca_path: &str,
    code: &str,
    name: &str,
) -> Result<()> {
    let url = url.trim();
    anyhow::ensure!(
        url.starts_with("https://"),
        "{}",
        t("The server address must start with https:// (plain HTTP is refused).")
    );
    let ca = std::fs::read(ca_path.trim())
        .with_context(|| format!("{} {ca_path}", t("Cannot read the CA file")))?;
    let mut client = Client::new(url, &ca)?;
    let enrolled = client
        .enroll(code.trim(), name.trim())
        .await
        .context(t("Enrollment failed"))?;
    let cache = engine.cache_mut();
    cache.set_meta(meta::SERVER_URL, Some(url))?;
    cache.set_meta(meta::CA_PEM, Some(&String::from_utf8_lossy(&ca)))?;
    cache.set_meta(meta::DEVICE_TOKEN, Some(&enrolled.token))?;
    cache.set_meta(meta::DEVICE_ID, Some(&enrolled.device_id))?;
    cache.set_meta(meta::SITE, Some(enrolled.site.as_str()))?;
    let client = client.with_device_token(enrolled.token);
    refresh_credentials(engine, &client).await?;
    Ok(())
}

async fn refresh_credentials(engine: &mut Engine, client: &Client) -> Result<()> {
    let holders = client.credentials().await?;
    engine.cache_mut().set_badges(&holders)?;
    Ok(())
}

/// Signs the person whose badge was scanned in with the server, when the
/// device is enrolled and the server answers in time; the answer carries
/// their presence key for this device.
async fn online_sign_in(engine: &Engine, badge: &str, pin: &str) -> OnlineSignIn {
    let mut client = match client_for(engine) {
        Ok(Some(c)) => c,
        Ok(None) => return OnlineSignIn::Unreachable,
        Err(e) => {
            log::warn!("online sign-in not tried: {e:#}");
            return OnlineSignIn::Unreachable;
        }
    };
    match client.sign_in(badge, pin, None).await {
        Ok(signed) => match signed.presence {
            Some(key) => {
                log::info!("{} signed in online", signed.user.id);
                OnlineSignIn::Signed {
                    user: signed.user,
                    key,
                }
            }
            None => OnlineSignIn::Refused(t(
                "The server gave no key for this device. Enroll it again.",
            )),
        },
        // The server's own words: wrong PIN, locked, not a handheld user.
        Err(ClientError::Api {
            status: 401 | 403 | 429,
            message,
            ..
        }) => OnlineSignIn::Refused(if message.contains("not recognised") {
            t("Wrong PIN. Try again.")
        } else {
            message
        }),
        Err(e) => {
            log::info!("online sign-in failed, signing in offline: {e}");
            OnlineSignIn::Unreachable
        }
    }
}

/// One round: push the outbox in order, then pull (or bootstrap).
/// `Ok(false)` when the device is not enrolled yet.
pub async fn sync_once(engine: &mut Engine, sink: &impl Sink) -> Result<bool> {
    let Some(client) = client_for(engine)? else {
        return Ok(false);
    };
    push(engine, &client).await?;
    if engine.cache().cursor()? == 0 {
        bootstrap(engine, &client, sink).await?;
    } else {
        match pull(engine, &client).await {
            Err(e)
                if matches!(
                    e.downcast_ref::<ClientError>(),
                    Some(ClientError::Rebootstrap)
                ) =>
            {
                engine.cache_mut().clear_rows()?;
                bootstrap(engine, &client, sink).await?;
            }
            other => other?,
        }
    }
    refresh_credentials(engine, &client).await?;
    let now = Utc::now().format("%Y-%m-%d %H:%M:%S UTC").to_string();
    engine.cache_mut().set_meta(meta::LAST_SYNC, Some(&now))?;
    Ok(true)
}

async fn push(engine: &mut Engine, client: &Client) -> Result<()> {
    loop {
        let outbox: Vec<Document> = engine.cache().outbox()?;
        if outbox.is_empty() {
            return Ok(());
        }
        let batch: Vec<Document> = outbox.into_iter().take(PUSH_BATCH).collect();
        let answer = client.push_as_is(&batch).await?;
        anyhow::ensure!(
            !answer.verdicts.is_empty(),
            "the server answered a push without verdicts"
        );
        // Held for someone's online sign-in: they go again after it.
        if engine.cache_mut().settle(&answer.verdicts)? > 0 {
            return Ok(());
        }
    }
}

async fn pull(engine: &mut Engine, client: &Client) -> Result<()> {
    let mut cursor = engine.cache().cursor()?;
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
        cursor = page.cursor;
        engine.cache_mut().apply_rows(&rows, Some(cursor))?;
        if !page.more {
            return Ok(());
        }
    }
}

/// The whole site, page by page into the cache (never all in memory), with
/// progress on the status bar.
async fn bootstrap(engine: &mut Engine, client: &Client, sink: &impl Sink) -> Result<()> {
    let mut page = client.bootstrap_page(None).await?;
    let cursor = page.cursor;
    let mut done = 0u64;
    loop {
        done += page.rows.len() as u64;
        engine.cache_mut().apply_rows(&page.rows, None)?;
        {
            let m = engine.sync_model_mut();
            m.progress = format!("{} {done} / {}", t("Downloading site data:"), page.total);
            m.progress_fraction = if page.total == 0 {
                1.0
            } else {
                done as f32 / page.total as f32
            };
        }
        sink.show(engine.model());
        match page.next.take() {
            Some(next) => page = client.bootstrap_page(Some(&next)).await?,
            None => break,
        }
    }
    engine.cache_mut().apply_rows(&[], Some(cursor))?;
    Ok(())
}
