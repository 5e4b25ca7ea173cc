//! The handheld as a test drives it: the real window (Slint testing
//! backend, software renderer, no display), the real bridge, worker, engine
//! and cache, against a real server on 127.0.0.1:0.
#![allow(dead_code)]

use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use sparescan::app;
use sparescan::cache::Cache;
use sparescan::config::SyncConfig;
use sparescan::engine::model::{ScreenId, UiModel};
use sparescan::scanner::ScannerConfig;
use sparescan::ui::*;
use sparescan::worker::{Command, Worker};
use sparescan_core::scan::ScanConfig;
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

pub fn init_ui() {
    // One platform per test thread; a second init on the same thread fails
    // harmlessly.
    i_slint_backend_testing::init_no_event_loop();
}

pub struct Handheld {
    pub window: AppWindow,
    pub worker: Option<Worker>,
    pub tx: Sender<Command>,
    models: Receiver<UiModel>,
    pub last: Option<UiModel>,
    _wedge: Option<slint::Timer>,
}

impl Handheld {
    /// The app on the cache at `path`, syncing every second.
    pub fn open(path: &Path) -> Handheld {
        init_ui();
        let window = AppWindow::new().expect("window");
        window.window().set_size(slint::PhysicalSize::new(480, 800));
        window.show().expect("show");
        let (worker, models) = worker_on(path);
        let tx = worker.sender();
        app::wire(&window, &tx);
        let wedge = app::wire_wedge(&window, &tx, &ScannerConfig::default());
        Handheld {
            window,
            worker: Some(worker),
            tx,
            models,
            last: None,
            _wedge: wedge,
        }
    }

    /// Applies the worker's models to the window until `cond` holds.
    pub fn wait(&mut self, what: &str, cond: impl Fn(&UiModel) -> bool) -> UiModel {
        let deadline = Instant::now() + Duration::from_secs(60);
        if let Some(m) = &self.last
            && cond(m)
        {
            return m.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.models.recv_timeout(left) {
                Ok(m) => {
                    app::apply(&self.window, &m);
                    let done = cond(&m);
                    self.last = Some(m.clone());
                    if done {
                        return m;
                    }
                }
                Err(_) => panic!("timed out waiting for {what}; last model: {:#?}", self.last),
            }
        }
    }

    /// Applies every model waiting, returns the newest.
    pub fn drain(&mut self) -> UiModel {
        // A short quiet period means the worker is done with what was sent.
        while let Ok(m) = self.models.recv_timeout(Duration::from_millis(300)) {
            app::apply(&self.window, &m);
            self.last = Some(m);
        }
        self.last.clone().expect("a model")
    }

    /// A scan as a keyboard-wedge scanner types it: key by key into the
    /// window's root, then Enter.
    pub fn scan(&mut self, code: &str) {
        let app = self.window.global::<AppAdapter>();
        for ch in code.chars() {
            assert!(
                app.invoke_key(ch.to_string().into()),
                "key {ch:?} of a scan not captured"
            );
        }
        assert!(app.invoke_key("\n".into()));
    }

    /// Taps the element whose accessible label is `label`.
    pub fn tap(&mut self, label: &str) {
        let found: Vec<ElementHandle> =
            ElementHandle::find_by_accessible_label(&self.window, label).collect();
        let target = found
            .iter()
            .find(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
            .or(found.first())
            .unwrap_or_else(|| panic!("nothing labelled {label:?} on screen"));
        target.invoke_accessible_default_action();
    }

    /// Taps the last button labelled `label`: a dialog's, drawn over the
    /// screen that has a button of the same name.
    pub fn tap_last(&mut self, label: &str) {
        let found: Vec<ElementHandle> =
            ElementHandle::find_by_accessible_label(&self.window, label)
                .filter(|e| {
                    e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button)
                })
                .collect();
        found
            .last()
            .unwrap_or_else(|| panic!("no button labelled {label:?} on screen"))
            .invoke_accessible_default_action();
    }

    pub fn screen(&self) -> Option<ScreenId> {
        self.last.as_ref().map(|m| m.screen)
    }

    pub fn enroll(&mut self, url: &str, ca: &Path, code: &str) {
        let e = self.window.global::<EnrollAdapter>();
        e.set_server_url(url.into());
        e.set_ca_path(ca.display().to_string().into());
        e.set_code(code.into());
        e.set_device_name("test handheld".into());
        e.invoke_enroll();
        // Scans no longer wait behind the first bootstrap: wait for it here.
        self.wait("sign-in after enrollment and the first sync", |m| {
            m.screen == ScreenId::SignIn && m.sync.online
        });
    }

    /// Badge scan, then the PIN on the keypad.
    pub fn sign_in(&mut self, badge: &str, pin: &str) {
        self.wait("sign-in screen", |m| m.screen == ScreenId::SignIn);
        self.scan(&format!("USR:{badge}"));
        self.wait("the badge", |m| !m.sign_in.badge_name.is_empty());
        let a = self.window.global::<SignInAdapter>();
        a.set_pin(pin.into());
        a.invoke_sign_in();
        self.wait("home", |m| m.screen == ScreenId::Home);
    }

    pub fn navigate(&mut self, screen: ScreenId) {
        self.window
            .global::<AppAdapter>()
            .invoke_navigate(screen.name().into());
        self.wait("the screen", |m| m.screen == screen);
    }

    /// Waits until the outbox is empty and a sync went through.
    pub fn synced(&mut self) -> UiModel {
        let _ = self.tx.send(Command::SyncNow);
        self.wait("the outbox to drain", |m| {
            m.sync.online && m.sync.pending == 0
        })
    }
}

impl Drop for Handheld {
    fn drop(&mut self) {
        drop(self.worker.take());
    }
}

/// The worker on the cache at `path`, syncing every second, and the channel
/// its models arrive on.
fn worker_on(path: &Path) -> (Worker, Receiver<UiModel>) {
    let cache = Cache::open(path).expect("cache");
    let (sink, models) = channel();
    let worker = Worker::spawn(
        cache,
        ScanConfig::default(),
        SyncConfig {
            interval_secs: 1,
            max_backoff_secs: 1,
        },
        sink,
    )
    .expect("worker");
    (worker, models)
}

/// A device without a window: the worker and engine, models on a channel.
pub struct Device {
    pub worker: Option<Worker>,
    models: Receiver<UiModel>,
    pub last: Option<UiModel>,
}

impl Device {
    pub fn open(path: &Path) -> Device {
        let (worker, models) = worker_on(path);
        Device {
            worker: Some(worker),
            models,
            last: None,
        }
    }

    pub fn send(&self, c: Command) {
        if let Some(w) = &self.worker {
            w.send(c);
        }
    }

    pub fn input(&self, i: sparescan::engine::Input) {
        self.send(Command::Input(i));
    }

    pub fn scan(&self, code: &str) {
        self.input(sparescan::engine::Input::Scan(code.as_bytes().to_vec()));
    }

    pub fn wait(&mut self, what: &str, cond: impl Fn(&UiModel) -> bool) -> UiModel {
        let deadline = Instant::now() + Duration::from_secs(60);
        if let Some(m) = &self.last
            && cond(m)
        {
            return m.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.models.recv_timeout(left) {
                Ok(m) => {
                    let done = cond(&m);
                    self.last = Some(m.clone());
                    if done {
                        return m;
                    }
                }
                Err(_) => panic!("timed out waiting for {what}; last model: {:#?}", self.last),
            }
        }
    }

    pub fn enroll(&mut self, url: &str, ca: &Path, code: &str) {
        self.send(Command::Enroll {
            server_url: url.into(),
            ca_path: ca.display().to_string(),
            code: code.into(),
            device_name: "test device".into(),
        });
        self.wait("enrolled and synced", |m| {
            m.screen == ScreenId::SignIn && m.sync.online
        });
    }

    pub fn sign_in(&mut self, badge: &str, pin: &str) {
        self.scan(&format!("USR:{badge}"));
        self.input(sparescan::engine::Input::SignIn { pin: pin.into() });
        self.wait("home", |m| m.screen == ScreenId::Home);
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        drop(self.worker.take());
    }
}

/// A free port on loopback (for a server that must come back on the same
/// address after a restart).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Handheld {
    /// Applies whatever models are waiting, without blocking; returns them.
    pub fn pump(&mut self) -> Vec<UiModel> {
        let mut seen = Vec::new();
        while let Ok(m) = self.models.try_recv() {
            app::apply(&self.window, &m);
            seen.push(m.clone());
            self.last = Some(m);
        }
        seen
    }
}
