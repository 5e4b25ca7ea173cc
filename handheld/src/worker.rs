//! The worker: the one thread that judges scans and records documents. It
//! owns the engine and the cache's main connection and never does network
//! I/O: sync runs on the sync thread ([`crate::sync`], its own connection
//! to the cache) and an online sign-in on a short-lived thread of its own
//! ([`crate::online`]); both answer with messages on the worker's channel.
//! The UI sends [`Command`]s through that channel (never blocking) and gets
//! [`UiModel`]s back through a [`Sink`] (in the app,
//! `invoke_from_event_loop`). Scans from every reader arrive on the same
//! channel, so none is dropped or reordered.

use anyhow::{Context, Result};
use sparescan_core::scan::ScanConfig;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::cache::Cache;
use crate::config::SyncConfig;
use crate::engine::model::{ScreenId, UiModel};
use crate::engine::scanlog::Origin;
use crate::engine::{Engine, Input, OnlineSignIn, problem, t};
use crate::online;
use crate::sync::{PinnedCa, Report, SyncThread};
use sparescan_core::enrollment::{EnrollmentLink, LinkError};

/// Where models go (the UI, or a test).
pub trait Sink: Send + 'static {
    fn show(&self, model: UiModel);
}

impl Sink for Sender<UiModel> {
    fn show(&self, model: UiModel) {
        let _ = self.send(model);
    }
}

/// A device's name when neither the screen nor the configuration gives one.
const DEFAULT_DEVICE_NAME: &str = "handheld";

/// A scan that is meant as an enrollment QR code (it starts with the
/// link's scheme, after an AIM symbology identifier such as `]Q1`): the link,
/// or why it cannot be used. `None` for any other scan.
fn enrollment_link(bytes: &[u8]) -> Option<Result<EnrollmentLink, LinkError>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let text = match text.strip_prefix(']') {
        Some(rest) if rest.len() >= 2 && rest.is_char_boundary(2) => &rest[2..],
        _ => text,
    };
    text.starts_with(sparescan_core::enrollment::SCHEME)
        .then(|| EnrollmentLink::parse(text))
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
    /// From the sync thread: what it is doing, what it changed.
    Sync(Report),
    /// From an online sign-in's thread: the server's answer to the check
    /// numbered `ticket`.
    Answer {
        ticket: u64,
        answer: OnlineSignIn,
    },
}

pub struct Worker {
    tx: Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker on `cache`, and the sync thread on a second
    /// connection to its file (none for a cache in memory). The first
    /// model is sent at once.
    pub fn spawn(
        cache: Cache,
        scan_config: ScanConfig,
        sync: SyncConfig,
        sink: impl Sink,
    ) -> Result<Worker> {
        let (tx, rx) = channel();
        let sync = match cache
            .background()
            .context("opening the cache for the sync thread")?
        {
            Some(background) => {
                let reports = tx.clone();
                Some(SyncThread::spawn(background, sync, move |r| {
                    let _ = reports.send(Command::Sync(r));
                })?)
            }
            None => {
                log::warn!("the cache is in memory: no sync");
                None
            }
        };
        let answers = tx.clone();
        let thread = std::thread::Builder::new()
            .name("sparescan-worker".into())
            .spawn(move || {
                let engine = Engine::new(cache, scan_config);
                run(engine, sync, answers, rx, sink);
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

/// Whose PIN the server is being asked about.
enum Asked {
    SignIn { badge: String },
    Approver { badge: String },
}

/// An online check under way. The PIN waits here (never logged) for the
/// answer: the key the server sends is sealed with it, and without an
/// answer the device checks it itself.
struct Pending {
    ticket: u64,
    asked: Asked,
    pin: String,
}

struct Loop<S: Sink> {
    engine: Engine,
    sync: Option<SyncThread>,
    /// The worker's own channel, for the answers of online checks.
    answers: Sender<Command>,
    pending: Option<Pending>,
    tickets: u64,
    sink: S,
}

fn run(
    engine: Engine,
    sync: Option<SyncThread>,
    answers: Sender<Command>,
    rx: Receiver<Command>,
    sink: impl Sink,
) {
    let mut l = Loop {
        engine,
        sync,
        answers,
        pending: None,
        tickets: 0,
        sink,
    };
    while let Ok(command) = rx.recv() {
        if command == Command::Shutdown {
            break;
        }
        l.handle(command);
        l.engine.set_checking(l.pending.is_some());
        // The UI's sink coalesces: a burst of scans repaints once.
        l.sink.show(l.engine.model());
    }
    // Dropping the sync thread stops it (a request in flight is abandoned).
    drop(l);
}

impl<S: Sink> Loop<S> {
    fn sync_now(&self) {
        if let Some(s) = &self.sync {
            s.now();
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            // An approver's PIN: online first, as at a sign-in, so a
            // supervisor who never signed in on this handheld can approve
            // while it is online.
            Command::Input(Input::Pin(Some(pin))) => {
                match self.engine.pending_approver_badge().map(str::to_owned) {
                    Some(badge) => self.ask(Asked::Approver { badge }, pin),
                    None => self.engine.handle(Input::Pin(Some(pin))),
                }
            }
            Command::Input(Input::SignIn { pin }) => {
                match self.engine.pending_badge().map(str::to_owned) {
                    Some(badge) => self.ask(Asked::SignIn { badge }, pin),
                    None => self.sign_in(&pin, OnlineSignIn::Unreachable),
                }
            }
            Command::Input(input) => {
                let confirm = input == Input::Confirm;
                if matches!(
                    input,
                    Input::CancelSignIn
                        | Input::SignOut
                        | Input::Pin(None)
                        | Input::Cancel
                        | Input::Back
                        | Input::Navigate(_)
                ) {
                    // What the check was for is gone: its answer is not used.
                    self.pending = None;
                }
                self.engine.handle(input);
                if confirm {
                    // Documents just recorded: send them while the person
                    // is still at the shelf.
                    self.sync_now();
                }
            }
            Command::Scan { bytes, last_key } => {
                if self.engine.screen() == ScreenId::Enroll
                    && let Some(link) = enrollment_link(&bytes)
                {
                    self.enroll_from(link);
                } else {
                    self.engine
                        .scan_logged(&bytes, Origin::Scanner, Some(last_key))
                }
            }
            Command::Enroll {
                server_url,
                ca_path,
                code,
                device_name,
            } => {
                let m = self.engine.enroll_model_mut();
                m.working = true;
                m.error.clear();
                m.server_url = server_url.clone();
                m.ca_path = ca_path.clone();
                m.device_name = device_name.clone();
                self.start_enrolling(server_url, PinnedCa::File(ca_path), code, device_name);
            }
            Command::SyncNow => self.sync_now(),
            Command::Refresh | Command::Shutdown => {}
            Command::Sync(report) => self.report(report),
            Command::Answer { ticket, answer } => self.answered(ticket, answer),
        }
    }

    /// Hands an enrollment to the sync thread.
    fn start_enrolling(&mut self, url: String, ca: PinnedCa, code: String, name: String) {
        let m = self.engine.enroll_model_mut();
        match &self.sync {
            Some(s) => s.enroll(url, ca, code, name),
            None => {
                m.working = false;
                m.error = t("This cache is in memory: it cannot be enrolled.");
            }
        }
    }

    /// The enrollment QR code was scanned: the server, the CA's
    /// fingerprint and the code come from it; the name from the screen
    /// (or the configuration), else a default.
    fn enroll_from(&mut self, link: Result<EnrollmentLink, LinkError>) {
        let m = self.engine.enroll_model_mut();
        let link = match link {
            Ok(l) => l,
            Err(e) => {
                m.working = false;
                m.error = t(&e.to_string());
                return;
            }
        };
        m.working = true;
        m.error.clear();
        m.server_url = link.server.clone();
        m.ca_path.clear();
        if m.device_name.trim().is_empty() {
            m.device_name = DEFAULT_DEVICE_NAME.into();
        }
        let name = m.device_name.clone();
        self.start_enrolling(
            link.server,
            PinnedCa::Fingerprint(link.ca_sha256),
            link.code,
            name,
        );
    }

    /// Asks the server about a PIN off this thread; the answer comes back
    /// as [`Command::Answer`]. Not enrolled: checked here at once.
    fn ask(&mut self, asked: Asked, pin: String) {
        let Some(server) = online::Server::of(self.engine.cache()) else {
            self.pending = Some(Pending {
                ticket: 0,
                asked,
                pin,
            });
            self.answered(0, OnlineSignIn::Unreachable);
            return;
        };
        self.tickets += 1;
        let ticket = self.tickets;
        let badge = match &asked {
            Asked::SignIn { badge } | Asked::Approver { badge } => badge.clone(),
        };
        let answers = self.answers.clone();
        online::check(server, badge, pin.clone(), move |answer| {
            let _ = answers.send(Command::Answer { ticket, answer });
        });
        self.pending = Some(Pending { ticket, asked, pin });
    }

    /// The server's answer (or none: `Unreachable`) to the check under way.
    /// An answer to an older check, or for a badge no longer waiting, is
    /// dropped.
    fn answered(&mut self, ticket: u64, answer: OnlineSignIn) {
        if self.pending.as_ref().is_none_or(|p| p.ticket != ticket) {
            return;
        }
        let Some(Pending { asked, pin, .. }) = self.pending.take() else {
            return;
        };
        match asked {
            Asked::SignIn { badge } => {
                if self.engine.pending_badge() == Some(badge.as_str()) {
                    self.sign_in(&pin, answer);
                }
            }
            Asked::Approver { badge } => {
                if self.engine.pending_approver_badge() == Some(badge.as_str()) {
                    if let OnlineSignIn::Signed { user, key } = &answer {
                        self.engine.keep_approver_key(user, &pin, key);
                    }
                    self.engine.handle(Input::Pin(Some(pin)));
                }
            }
        }
    }

    fn sign_in(&mut self, pin: &str, online: OnlineSignIn) {
        if self.engine.finish_sign_in(pin, online) {
            // Documents held for this person's sign-in go now.
            self.sync_now();
        }
    }

    fn report(&mut self, report: Report) {
        match report {
            Report::Status(s) => {
                let m = self.engine.sync_model_mut();
                m.online = s.online;
                m.activity = s.activity;
                m.progress = s.progress;
                m.progress_fraction = s.progress_fraction;
            }
            Report::Changed => self.reload(),
            Report::Enrolled(Ok(())) => {
                self.reload();
                self.engine.enrolled();
            }
            Report::Enrolled(Err(message)) => {
                let m = self.engine.enroll_model_mut();
                m.working = false;
                m.error = message;
            }
        }
    }

    /// The sync thread wrote rows, verdicts or settings: the view is
    /// rebuilt on them.
    fn reload(&mut self) {
        if let Err(e) = self.engine.cache_mut().reload() {
            log::error!("cache: reading the synced rows failed: {e}");
            self.engine.show_verdict(problem(
                "storage",
                format!("{} {e}", t("Storage error:")),
                t("Restart the app. If it happens again, call support."),
            ));
        }
    }
}
