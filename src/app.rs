//! The bridge between the Slint window and the worker: callbacks become
//! [`Command`]s, [`UiModel`]s become adapter properties. Nothing here
//! decides anything; the engine does.

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use crate::engine::Input;
use crate::engine::model::*;
use crate::ui::*;
use crate::worker::{Command, Sink};

fn s(text: &str) -> SharedString {
    SharedString::from(text)
}

fn rows(rows: &[RowModel]) -> ModelRc<RowData> {
    ModelRc::new(VecModel::from(
        rows.iter()
            .map(|r| RowData {
                id: s(&r.id),
                title: s(&r.title),
                detail: s(&r.detail),
                tone: s(r.tone.name()),
            })
            .collect::<Vec<_>>(),
    ))
}

fn lines(lines: &[LineModel]) -> ModelRc<LineData> {
    ModelRc::new(VecModel::from(
        lines
            .iter()
            .map(|l| LineData {
                id: s(&l.id),
                item: s(&l.item),
                description: s(&l.description),
                planned: s(&l.planned),
                reserved: s(&l.reserved),
                issued: s(&l.issued),
                in_work: s(&l.in_work),
                unit: s(&l.unit),
                selected: l.selected,
            })
            .collect::<Vec<_>>(),
    ))
}

/// Every workflow adapter has the same shape: one macro fills any of them.
macro_rules! set_flow {
    ($window:expr, $adapter:ty, $m:expr) => {{
        let a = $window.global::<$adapter>();
        let m: &ScreenModel = $m;
        a.set_prompt(s(&m.prompt));
        a.set_header(s(&m.header));
        a.set_subheader(s(&m.subheader));
        a.set_lines(lines(&m.lines));
        a.set_rows(rows(&m.rows));
        a.set_rows_title(s(&m.rows_title));
        a.set_pending(rows(&m.pending));
        a.set_choices(rows(&m.choices));
        a.set_blockers(rows(&m.blockers));
        a.set_hint(s(&m.hint));
        a.set_can_confirm(m.can_confirm);
        a.set_confirm_label(s(&m.confirm_label));
        match &m.ask_quantity {
            Some(q) => {
                if !a.get_ask_quantity() {
                    a.set_quantity(s(&q.preset));
                }
                a.set_quantity_title(s(&q.title));
                a.set_ask_quantity(true);
            }
            None => a.set_ask_quantity(false),
        }
        match &m.ask_pin {
            Some(p) => {
                if !a.get_ask_pin() {
                    a.set_pin(s(""));
                }
                a.set_pin_title(s(&p.title));
                a.set_pin_who(s(&p.who));
                a.set_ask_pin(true);
            }
            None => a.set_ask_pin(false),
        }
    }};
}

macro_rules! wire_flow {
    ($window:expr, $adapter:ty, $tx:expr) => {{
        let a = $window.global::<$adapter>();
        let tx = $tx.clone();
        a.on_select(move |id| send(&tx, Input::Select(id.into())));
        let tx = $tx.clone();
        a.on_choose(move |id| send(&tx, Input::Choose(id.into())));
        let tx = $tx.clone();
        a.on_remove(move |id| send(&tx, Input::Remove(id.into())));
        let tx = $tx.clone();
        a.on_confirm(move || send(&tx, Input::Confirm));
        let tx = $tx.clone();
        a.on_cancel(move || send(&tx, Input::Cancel));
        let tx = $tx.clone();
        let weak = $window.as_weak();
        a.on_quantity_done(move |ok| {
            let q = weak
                .upgrade()
                .map(|w| w.global::<$adapter>().get_quantity().to_string())
                .unwrap_or_default();
            send(&tx, Input::Quantity(ok.then_some(q)))
        });
        let tx = $tx.clone();
        let weak = $window.as_weak();
        a.on_pin_done(move |ok| {
            let pin = weak
                .upgrade()
                .map(|w| {
                    let a = w.global::<$adapter>();
                    let pin = a.get_pin().to_string();
                    a.set_pin(s(""));
                    pin
                })
                .unwrap_or_default();
            send(&tx, Input::Pin(ok.then_some(pin)))
        });
    }};
}

fn send(tx: &Sender<Command>, input: Input) {
    if tx.send(Command::Input(input)).is_err() {
        log::error!("the worker is gone");
    }
}

/// Copies a model into the window's adapters.
pub fn apply(window: &AppWindow, m: &UiModel) {
    let app = window.global::<AppAdapter>();
    app.set_screen(s(m.screen.name()));
    app.set_user_name(s(&m.user_name));
    app.set_role(s(&m.role));
    match &m.verdict {
        Some(v) => {
            app.set_verdict(VerdictData {
                ok: v.ok,
                title: s(&v.title),
                reason: s(&v.reason),
                what_to_do: s(&v.what_to_do),
                code: s(&v.code),
            });
            app.set_show_verdict(true);
        }
        None => app.set_show_verdict(false),
    }
    let sync = window.global::<SyncAdapter>();
    sync.set_online(m.sync.online);
    sync.set_pending(m.sync.pending.min(i32::MAX as u64) as i32);
    sync.set_attention(m.sync.attention.min(i32::MAX as u64) as i32);
    sync.set_last_sync(s(&m.sync.last_sync));
    sync.set_activity(s(&m.sync.activity));
    sync.set_progress(s(&m.sync.progress));
    sync.set_progress_fraction(m.sync.progress_fraction);

    let enroll = window.global::<EnrollAdapter>();
    enroll.set_error(s(&m.enroll.error));
    enroll.set_working(m.enroll.working);

    let sign_in = window.global::<SignInAdapter>();
    sign_in.set_badge_name(s(&m.sign_in.badge_name));
    sign_in.set_error(s(&m.sign_in.error));
    sign_in.set_status(s(&m.sign_in.status));
    if m.sign_in.badge_name.is_empty() {
        sign_in.set_pin(s(""));
    }

    window.global::<HomeAdapter>().set_actions(rows(&m.home));
    app.set_recent_scans(rows(&m.recent_scans));

    match m.screen {
        ScreenId::Issue => set_flow!(window, IssueAdapter, &m.flow),
        ScreenId::Return => set_flow!(window, ReturnAdapter, &m.flow),
        ScreenId::Inspect => set_flow!(window, InspectAdapter, &m.flow),
        ScreenId::Confirm => set_flow!(window, ConfirmAdapter, &m.flow),
        ScreenId::Transfer => set_flow!(window, TransferAdapter, &m.flow),
        ScreenId::Tools => set_flow!(window, ToolsAdapter, &m.flow),
        ScreenId::Count => set_flow!(window, CountAdapter, &m.flow),
        ScreenId::Receive => set_flow!(window, ReceiveAdapter, &m.flow),
        _ => {}
    }

    window
        .global::<AttentionAdapter>()
        .set_items(ModelRc::new(VecModel::from(
            m.attention
                .iter()
                .map(|a| AttentionData {
                    id: s(&a.id),
                    kind: s(&a.kind),
                    title: s(&a.title),
                    reason: s(&a.reason),
                    what_to_do: s(&a.what_to_do),
                    action_label: s(&a.action_label),
                    at: s(&a.at),
                })
                .collect::<Vec<_>>(),
        )));
}

/// Connects every callback of the window to the worker.
pub fn wire(window: &AppWindow, tx: &Sender<Command>) {
    let app = window.global::<AppAdapter>();
    let t = tx.clone();
    app.on_navigate(move |screen| {
        if let Some(id) = ScreenId::from_name(&screen) {
            send(&t, Input::Navigate(id));
        }
    });
    let t = tx.clone();
    app.on_back(move || send(&t, Input::Back));
    let t = tx.clone();
    app.on_sign_out(move || send(&t, Input::SignOut));
    let t = tx.clone();
    app.on_dismiss_verdict(move || send(&t, Input::DismissVerdict));
    let t = tx.clone();
    app.on_manual_entry(move |code| send(&t, Input::Typed(code.into())));
    app.on_without_last_char(|code| {
        let mut code = code.to_string();
        code.pop();
        code.into()
    });

    let t = tx.clone();
    window.global::<SyncAdapter>().on_sync_now(move || {
        let _ = t.send(Command::SyncNow);
    });

    let enroll = window.global::<EnrollAdapter>();
    let t = tx.clone();
    let weak = window.as_weak();
    enroll.on_enroll(move || {
        let Some(w) = weak.upgrade() else { return };
        let e = w.global::<EnrollAdapter>();
        let _ = t.send(Command::Enroll {
            server_url: e.get_server_url().into(),
            ca_path: e.get_ca_path().into(),
            code: e.get_code().into(),
            device_name: e.get_device_name().into(),
        });
        // The one-time code is used up either way; don't leave it on screen.
        e.set_code(s(""));
    });

    let sign_in = window.global::<SignInAdapter>();
    let t = tx.clone();
    let weak = window.as_weak();
    sign_in.on_sign_in(move || {
        let Some(w) = weak.upgrade() else { return };
        let a = w.global::<SignInAdapter>();
        let pin = a.get_pin().to_string();
        a.set_pin(s(""));
        send(&t, Input::SignIn { pin });
    });
    let t = tx.clone();
    sign_in.on_cancel(move || send(&t, Input::CancelSignIn));

    let t = tx.clone();
    window.global::<HomeAdapter>().on_open(move |screen| {
        if let Some(id) = ScreenId::from_name(&screen) {
            send(&t, Input::Navigate(id));
        }
    });

    wire_flow!(window, IssueAdapter, tx);
    wire_flow!(window, ReturnAdapter, tx);
    wire_flow!(window, InspectAdapter, tx);
    wire_flow!(window, ConfirmAdapter, tx);
    wire_flow!(window, TransferAdapter, tx);
    wire_flow!(window, ToolsAdapter, tx);
    wire_flow!(window, CountAdapter, tx);
    wire_flow!(window, ReceiveAdapter, tx);

    let attention = window.global::<AttentionAdapter>();
    let t = tx.clone();
    attention.on_act(move |id| send(&t, Input::Act(id.into())));
    let t = tx.clone();
    attention.on_resolve(move |id| send(&t, Input::Resolve(id.into())));
}

/// The worker's sink in the app: keeps only the newest model and asks the
/// event loop to show it, so a burst of scans repaints once, not 5,000
/// times, and the worker never waits for the UI.
pub struct UiSink {
    latest: Arc<Mutex<Option<UiModel>>>,
    window: slint::Weak<AppWindow>,
}

impl UiSink {
    pub fn new(window: &AppWindow) -> UiSink {
        UiSink {
            latest: Arc::new(Mutex::new(None)),
            window: window.as_weak(),
        }
    }

    /// Shows the newest model now (tests on the testing backend, which has
    /// no running event loop, call this).
    pub fn flush(&self) {
        let model = self.latest.lock().ok().and_then(|mut l| l.take());
        if let (Some(m), Some(w)) = (model, self.window.upgrade()) {
            apply(&w, &m);
        }
    }

    pub fn handle(&self) -> UiSinkHandle {
        UiSinkHandle {
            latest: self.latest.clone(),
            window: self.window.clone(),
        }
    }
}

/// The half of [`UiSink`] that goes to the worker thread.
pub struct UiSinkHandle {
    latest: Arc<Mutex<Option<UiModel>>>,
    window: slint::Weak<AppWindow>,
}

impl Sink for UiSinkHandle {
    fn show(&self, model: UiModel) {
        let Ok(mut slot) = self.latest.lock() else {
            return;
        };
        let was_empty = slot.replace(model).is_none();
        drop(slot);
        if was_empty {
            let latest = self.latest.clone();
            let window = self.window.clone();
            let _ = slint::invoke_from_event_loop(move || {
                let model = latest.lock().ok().and_then(|mut l| l.take());
                if let (Some(m), Some(w)) = (model, window.upgrade()) {
                    apply(&w, &m);
                }
            });
        }
    }
}

/// Keyboard-wedge scanners: the window's root FocusScope hands every key
/// press to `AppAdapter.key` first, as Slint reports it (Shift, Ctrl and the
/// other modifiers as key texts of their own); the decoder keeps scan bursts
/// (GS intact) from the widgets, lets modifiers and navigation keys through
/// untouched, and a timer ends bursts that no suffix ends. Returns the
/// timer, which must live as long as the window.
pub fn wire_wedge(
    window: &AppWindow,
    tx: &Sender<Command>,
    config: &crate::scanner::ScannerConfig,
) -> Option<slint::Timer> {
    use crate::scanner::{WedgeDecoder, WedgeEvent};
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Instant;

    let decoder = match WedgeDecoder::new(config) {
        Ok(d) => Rc::new(RefCell::new(d)),
        Err(e) => {
            log::error!("scanner configuration: {e}; wedge scans are off");
            return None;
        }
    };
    let start = Instant::now();
    let forward = {
        let tx = tx.clone();
        move |events: Vec<WedgeEvent>| {
            for e in events {
                match e {
                    WedgeEvent::Scan(bytes) => {
                        // Handed over as its last key (or the pause that
                        // ended it) is handled.
                        let scan = Command::Scan {
                            bytes,
                            last_key: Instant::now(),
                        };
                        if tx.send(scan).is_err() {
                            log::error!("the worker is gone");
                        }
                    }
                    // A code typed on a keyboard and ended with Enter is a
                    // manual entry; other stray keys mean nothing here.
                    WedgeEvent::Typed(text) => {
                        let code = text.trim_end_matches(['\r', '\n']);
                        if text.ends_with(['\r', '\n']) && code.trim().len() >= 2 {
                            send(&tx, Input::Typed(code.trim().to_string()));
                        }
                    }
                }
            }
        }
    };
    let weak = window.as_weak();
    let d = decoder.clone();
    let f = forward.clone();
    window.global::<AppAdapter>().on_key(move |text| {
        // The key's press time where the device's backend stamps it.
        let at = crate::key_clock::key_time(start);
        let focused = weak
            .upgrade()
            .is_some_and(|w| w.global::<AppAdapter>().get_text_editing());
        let Ok(mut decoder) = d.try_borrow_mut() else {
            return false;
        };
        let outcome = decoder.key(&text, at, focused);
        drop(decoder);
        f(outcome.events);
        outcome.captured
    });
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::Repeated,
        std::time::Duration::from_millis(20),
        move || {
            if let Ok(mut d) = decoder.try_borrow_mut() {
                let events = d.tick(start.elapsed());
                forward(events);
            }
        },
    );
    Some(timer)
}
