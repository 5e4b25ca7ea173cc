//! The app as a user starts it (`sparescan demo`), in a real X11 window on
//! Xvfb, driven the way a technician drives it: a USB HID scanner typing
//! scans (xdotool with the default US keymap: Shift for capitals and for
//! `:` `(` `)`, 3 ms between keys, Return as the suffix), taps on the
//! on-screen keys (pointer clicks), and the "type it" dialog by keyboard
//! and by its keypad. It signs in by badge and PIN, issues to WO-1004 a
//! serial part (GS1 DataMatrix content) and a batch part (no order of the
//! demo site plans a batch item, so as an additional issue approved by the
//! supervisor's badge and PIN), and then reads the server's consumption
//! report over HTTPS as the back office does.
//!
//! Where to click comes from the same UI laid out headless at the same size
//! (Slint's testing backend) with the texts the app shows at that step;
//! before each click the test checks the colour of the target in a
//! screenshot of the real window, and each step waits for what the screen
//! shows (the verdict banner's colour). Screenshots of the steps go to
//! `target/tmp/xvfb_scanner/`.
//!
//! Needs `Xvfb`, `xdotool` and `xwd` (scripts/setup.sh installs them).
//! Without them the test says so and passes, except under CI, where it
//! fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions,
};
use slint::{ComponentHandle, ModelRc, PhysicalSize, VecModel};
use sparescan::ui::{AppAdapter, AppWindow, IssueAdapter, LineData, RowData, SignInAdapter};
use sparescan_server::demo::{SITE, gtin};

/// The window's size: portrait, the app's default (in landscape the issue
/// modes are below the fold).
const W: u32 = 480;
const H: u32 = 800;

// Theme colours (ui/theme.slint) the steps are recognised by.
const BAR: u32 = 0x12324f;
const PRIMARY: u32 = 0x0b57b0;
const OK: u32 = 0x0a7d2c;
const BAD: u32 = 0xb3261e;
const PROMPT_TINT: u32 = 0xe8f1fc;

#[test]
fn a_hid_scanner_and_taps_issue_two_parts_in_the_real_window() {
    let missing: Vec<&str> = ["Xvfb", "xdotool", "xwd"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    if !missing.is_empty() {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(
            !ci,
            "CI is set and {} missing: run scripts/setup.sh",
            missing.join(", ")
        );
        println!(
            "SKIPPED the real-window test: {} not installed (scripts/setup.sh installs them)",
            missing.join(", ")
        );
        return;
    }
    let started = Instant::now();
    let layout = Layout::new();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("xvfb_scanner");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let data = tempfile::tempdir().expect("tempdir");
    let mut x = Session::start(data.path(), &shots);

    // Sign in: the badge as the scanner types it, the PIN on the keypad.
    // The first scans may come before the site's badges are downloaded.
    let pin_key = layout.sign_in_pin["1"];
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        x.scan("USR:B-1001");
        if x.wait_quietly(Duration::from_secs(3), |s| s.near(pin_key.probe(), PRIMARY)) {
            break;
        }
        if Instant::now() >= deadline {
            let shot = x.save("badge-not-taken");
            panic!(
                "the badge USR:B-1001, typed as a USB scanner types it (Shift for capitals and \
                 ':'), did not open the PIN keypad (key 1 at {pin_key:?}) in 40 s; the screen \
                 is in {}",
                shot.display()
            );
        }
    }
    x.save("pin-keypad");
    for key in ["1", "1", "1", "1"] {
        x.tap(&layout.sign_in_pin[key], PRIMARY, "a PIN key");
    }
    x.tap(&layout.sign_in_pin["OK"], OK, "the PIN's OK");

    // From home, the work order's label opens the issue screen with it.
    x.scan_expecting("WO:WO-1004", true, "order");
    x.scan_expecting("BIN:A-02", true, "bin");
    // A GS1 DataMatrix as the scanner reads it (element string form).
    let fan = format!("(01){}(21)FAN-A1", gtin("0401234500002"));
    x.scan_expecting(&fan, true, "serial-part");
    x.confirm(&layout, "issued-fan");

    // The order again, typed on the keyboard in the "type it" dialog; the
    // bin entered on the dialog's keypad alone.
    x.open_type_it(&layout);
    x.type_text("WO-1004");
    x.wait_for("the typed code", |s| {
        s.near(layout.type_it["OK"].probe(), OK)
    });
    x.save("typed-order");
    x.key_return();
    x.expect_verdict(true, "order-typed");
    x.open_type_it(&layout);
    for key in ["A", "-", "0", "2"] {
        x.tap(&layout.type_it[key], PRIMARY, "a code key");
    }
    x.save("bin-on-keypad");
    x.tap(&layout.type_it["OK"], OK, "the dialog's OK");
    x.expect_verdict(true, "bin-from-keypad");

    // A batch part beyond the plan: Additional, the label, the quantity
    // (1), the approver's badge and PIN.
    x.dismiss();
    let additional = layout.screen["Additional"];
    x.click(additional.center());
    x.wait_for("the Additional mode chosen", |s| {
        s.near(additional.probe(), PRIMARY)
    });
    x.scan(&format!("(01){}(10)G-2605", gtin("0401234500006")));
    x.tap(&layout.quantity["OK"], OK, "the quantity's OK");
    x.wait_for("the approver's badge prompt", |s| {
        !s.near(layout.quantity["OK"].probe(), OK)
    });
    x.save("approver-badge");
    x.scan("USR:B-3001");
    // An approver's PIN has six digits (the layout knows the key 4).
    let pin = person("B-3001").pin;
    for i in 0..pin.len() {
        x.tap(
            &layout.approver_pin[&pin[i..i + 1]],
            PRIMARY,
            "an approver's PIN key",
        );
    }
    x.tap(&layout.approver_pin["OK"], OK, "the approver's OK");
    x.expect_verdict(true, "batch-part");
    x.confirm(&layout, "issued-grease");

    // The back office sees both issues in the consumption report.
    let report = consumption_report(&x, data.path());
    let line = |wo: &str, item: &str| -> serde_json::Value {
        report["orders"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["work_order"] == wo)
            .flat_map(|o| o["lines"].as_array().cloned().unwrap_or_default())
            .find(|l| l["item"] == item)
            .unwrap_or_else(|| panic!("no {item} line of {wo} in the report: {report}"))
    };
    let fan_line = line("WO-1004", "FAN-120");
    assert_eq!(fan_line["issued"], "1", "{fan_line}");
    assert_eq!(
        fan_line["movements"][0]["serials"],
        serde_json::json!(["FAN-A1"]),
        "{fan_line}"
    );
    let grease_line = line("WO-1004", "GREASE-EP2");
    assert_eq!(grease_line["issued"], "1", "{grease_line}");
    assert_eq!(grease_line["additional"], true, "{grease_line}");
    assert_eq!(
        grease_line["movements"][0]["batch"], "G-2605",
        "{grease_line}"
    );
    println!(
        "xvfb_scanner: the whole flow in the real window took {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
}

/// The consumption report as the back office reads it: a supervisor signed
/// in at the site, over HTTPS, pinned to the demo server's CA. Waits for the
/// device's sync to deliver both documents.
fn consumption_report(x: &Session, data: &Path) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ca = std::fs::read(data.join("server/tls/ca.pem")).expect("the demo server's CA");
    let sup = sparescan_server::demo::PEOPLE
        .iter()
        .find(|p| p.id == "sup-1")
        .expect("the demo supervisor");
    rt.block_on(async {
        let mut office =
            sparescan_client::Client::new(&format!("https://127.0.0.1:{}", x.port), &ca)
                .expect("client");
        office
            .sign_in_office(sup.badge, sup.password, SITE)
            .await
            .expect("the supervisor signs in");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let report: serde_json::Value = office
                .get_json("/api/v1/reports/consumption")
                .await
                .expect("consumption report");
            let text = report.to_string();
            if text.contains("FAN-A1") && text.contains("G-2605") {
                return report;
            }
            assert!(
                Instant::now() < deadline,
                "the device's issues did not reach the server in 60 s: {report}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
}

/// A button of the UI: its rectangle in window pixels.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Rect {
    fn center(&self) -> (i32, i32) {
        (
            (self.x + self.w / 2.0) as i32,
            (self.y + self.h / 2.0) as i32,
        )
    }
    /// A point of the button's fill, clear of its text and rounded corners.
    fn probe(&self) -> (i32, i32) {
        ((self.x + 6.0) as i32, (self.y + self.h / 2.0) as i32)
    }
}

type Buttons = std::collections::BTreeMap<String, Rect>;

/// Where the buttons are, from the UI laid out headless at W×H.
struct Layout {
    sign_in_pin: Buttons,
    screen: Buttons,
    type_it: Buttons,
    quantity: Buttons,
    approver_pin: Buttons,
}

fn person(badge: &str) -> &'static sparescan_server::demo::Person {
    sparescan_server::demo::PEOPLE
        .iter()
        .find(|p| p.badge == badge)
        .expect("a demo person")
}

/// The issue screen as the app shows it once WO-1004's fan is issued and
/// the bin is A-02 (the texts decide where things wrap).
fn issue_wo1004(app: &AppWindow) {
    app.global::<AppAdapter>().set_screen("issue".into());
    let a = app.global::<IssueAdapter>();
    a.set_header("WO-1004 · INV-RACK-07 · in progress".into());
    a.set_subheader("Replace cabinet fan".into());
    a.set_prompt("Bin A-02 — scan the parts".into());
    a.set_hint("".into());
    a.set_lines(ModelRc::new(VecModel::from(vec![LineData {
        id: "WO-1004-L1".into(),
        item: "FAN-120".into(),
        description: "Cabinet fan 120 mm".into(),
        planned: "1".into(),
        reserved: "0".into(),
        issued: "1".into(),
        in_work: "1".into(),
        unit: "pcs".into(),
        selected: false,
    }])));
    let rows = |r: Vec<RowData>| ModelRc::new(VecModel::from(r));
    a.set_rows(rows(vec![]));
    a.set_pending(rows(vec![]));
    a.set_blockers(rows(vec![]));
    a.set_choices(rows(
        [
            ("issue", "Planned", "ok"),
            ("substitution", "Substitute", "plain"),
            ("additional", "Additional", "plain"),
            ("emergency", "Emergency", "plain"),
        ]
        .into_iter()
        .map(|(id, title, tone)| RowData {
            id: id.into(),
            title: title.into(),
            detail: "".into(),
            tone: tone.into(),
        })
        .collect(),
    ));
    a.set_can_confirm(true);
}

impl Layout {
    fn new() -> Layout {
        slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
            mock_time: true,
            threading: false,
            renderer_name: Some("software".into()),
        })))
        .expect("testing platform");
        let sign_in_pin = buttons(&["1", "OK"], |app| {
            app.global::<AppAdapter>().set_screen("sign-in".into());
            app.global::<SignInAdapter>()
                .set_badge_name(person("B-1001").name.into());
        });
        let screen = buttons(&["Type the code", "Confirm", "Additional"], issue_wo1004);
        let type_it = buttons(&["A", "-", "0", "2", "OK"], |app| {
            issue_wo1004(app);
            app.window().take_snapshot().expect("frame");
            press(app, "Type the code");
        });
        let quantity = buttons(&["OK"], |app| {
            issue_wo1004(app);
            let a = app.global::<IssueAdapter>();
            a.set_quantity_title("Bearing grease EP2, 400 g (pcs)".into());
            a.set_quantity("1".into());
            a.set_ask_quantity(true);
        });
        let approver_pin = buttons(&["4", "OK"], |app| {
            issue_wo1004(app);
            let a = app.global::<IssueAdapter>();
            a.set_pin_title("Approver's approval: scan the badge, enter the PIN".into());
            a.set_pin_who(person("B-3001").name.into());
            a.set_ask_pin(true);
        });
        Layout {
            sign_in_pin,
            screen,
            type_it,
            quantity,
            approver_pin,
        }
    }
}

fn press(app: &AppWindow, label: &str) {
    let b = ElementHandle::find_by_accessible_label(app, label)
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .unwrap_or_else(|| panic!("no button {label:?}"));
    b.invoke_accessible_default_action();
}

/// The rectangles of the buttons labelled `labels` in a fresh window set up
/// by `setup`.
fn buttons(labels: &[&str], setup: impl FnOnce(&AppWindow)) -> Buttons {
    let app = AppWindow::new().expect("window");
    app.window().set_size(PhysicalSize::new(W, H));
    app.show().expect("show");
    app.window().take_snapshot().expect("frame");
    setup(&app);
    app.window().take_snapshot().expect("frame");
    let mut out = Buttons::new();
    for &label in labels {
        let found: Vec<_> = ElementHandle::find_by_accessible_label(&app, label)
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect();
        assert_eq!(found.len(), 1, "one button {label:?} in the laid-out UI");
        let (p, s) = (found[0].absolute_position(), found[0].size());
        out.insert(
            label.to_string(),
            Rect {
                x: p.x,
                y: p.y,
                w: s.width,
                h: s.height,
            },
        );
    }
    app.hide().expect("hide");
    out
}

/// Xvfb and the app on it; both killed when dropped.
struct Session {
    display: String,
    window: String,
    origin: (i32, i32),
    port: u16,
    shots: PathBuf,
    saved: std::cell::Cell<u32>,
    xvfb: Child,
    app: Option<Child>,
}

impl Session {
    /// `sparescan demo` on `data`: the demo server in the app's process on
    /// a free port, the device enrolling itself.
    fn start(data: &Path, shots: &Path) -> Session {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let args = [
            "demo".to_string(),
            "--dir".into(),
            data.display().to_string(),
            "--port".into(),
            port.to_string(),
        ];
        Session::launch(&args, port, shots)
    }

    /// The app started with `args`, under a fresh Xvfb; `port`: the
    /// server's, for the back office.
    fn launch(args: &[String], port: u16, shots: &Path) -> Session {
        // Xvfb picks a free display and writes its number on stdout.
        let mut xvfb = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1024x1024x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(log_file(shots, "xvfb.log"))
            .spawn()
            .expect("starting Xvfb");
        let out = xvfb.stdout.take().expect("Xvfb stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let display = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(n) if !n.trim().is_empty() => format!(":{}", n.trim()),
            other => {
                let _ = xvfb.kill();
                let _ = xvfb.wait();
                panic!(
                    "Xvfb did not start: {other:?} (see {}/xvfb.log)",
                    shots.display()
                );
            }
        };
        let mut s = Session {
            display,
            window: String::new(),
            origin: (0, 0),
            port,
            shots: shots.to_path_buf(),
            saved: std::cell::Cell::new(0),
            xvfb,
            app: None,
        };
        let app = Command::new(env!("CARGO_BIN_EXE_sparescan"))
            .args(args)
            .env("DISPLAY", &s.display)
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("SPARESCAN_CONFIG")
            // One window pixel per screen pixel, whatever DPI Xvfb reports.
            .env("WINIT_X11_SCALE_FACTOR", "1")
            .env("RUST_LOG", "info")
            .stdout(log_file(shots, "app.out"))
            .stderr(log_file(shots, "app.log"))
            .spawn()
            .expect("starting sparescan");
        s.app = Some(app);

        let deadline = Instant::now() + Duration::from_secs(60);
        s.window = loop {
            let found = s.xdotool(&["search", "--name", "^sparescan$"], false);
            if let Some(id) = found.lines().last().filter(|l| !l.is_empty()) {
                break id.to_string();
            }
            s.check_app_running();
            assert!(
                Instant::now() < deadline,
                "no sparescan window in 60 s (see {}/app.log)",
                shots.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        s.xdotool(
            &[
                "windowsize",
                &s.window.clone(),
                &W.to_string(),
                &H.to_string(),
            ],
            true,
        );
        let geometry = s.xdotool(&["getwindowgeometry", "--shell", &s.window.clone()], true);
        let field = |name: &str| -> i32 {
            geometry
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        s.origin = (field("X"), field("Y"));
        // Enrolled and signed out: the badge prompt on the sign-in screen.
        let ready = s.wait_quietly(Duration::from_secs(60), |shot| {
            shot.w == W && shot.near((4, 4), BAR) && shot.near((40, 160), PROMPT_TINT)
        });
        let shot = s.save("start");
        assert!(ready, "the sign-in screen did not come: {}", shot.display());
        // No window manager: keys go to the focused window (once mapped).
        s.xdotool(&["windowfocus", &s.window.clone()], true);
        s
    }

    fn check_app_running(&mut self) {
        if let Some(app) = self.app.as_mut()
            && let Ok(Some(status)) = app.try_wait()
        {
            panic!(
                "sparescan exited with {status} (see {}/app.log)",
                self.shots.display()
            );
        }
    }

    fn xdotool(&self, args: &[&str], must: bool) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("running xdotool");
        assert!(
            !must || out.status.success(),
            "xdotool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys as a USB HID scanner sends them: the default US keymap, Shift
    /// for capitals and shifted symbols, 3 ms between keys.
    fn type_text(&self, text: &str) {
        self.xdotool(&["type", "--delay", "3", "--", text], true);
    }

    fn key_return(&self) {
        self.xdotool(&["key", "--delay", "3", "Return"], true);
    }

    /// A scan: the code, then the scanner's Enter suffix ("\n" is typed as
    /// Return), all in one burst.
    fn scan(&self, code: &str) {
        self.type_text(&format!("{code}\n"));
    }

    /// Clears the verdict banner (a tap on it) so the next one is seen.
    fn dismiss(&mut self) {
        if self.shot().verdict().is_some() {
            self.click((W as i32 / 2, 10));
            if !self.wait_quietly(Duration::from_secs(5), |s| s.verdict().is_none()) {
                let shot = self.save("dismiss-failed");
                panic!("the verdict banner stayed after a tap: {}", shot.display());
            }
        }
    }

    fn scan_expecting(&mut self, code: &str, ok: bool, step: &str) {
        self.dismiss();
        self.scan(code);
        self.expect_verdict(ok, step);
    }

    /// Waits for the verdict banner; `ok`: green, else red.
    fn expect_verdict(&mut self, ok: bool, step: &str) {
        let seen = self.wait_quietly(Duration::from_secs(10), |s| s.verdict().is_some());
        let shot = self.save(step);
        let verdict = self.shot().verdict();
        assert!(
            seen && verdict == Some(ok),
            "{step}: expected a {} verdict, the screen shows {}: {}",
            if ok {
                "green (accepted)"
            } else {
                "red (refused)"
            },
            match verdict {
                Some(true) => "a green one",
                Some(false) => "a red one",
                None => "none",
            },
            shot.display()
        );
    }

    fn confirm(&mut self, layout: &Layout, step: &str) {
        self.dismiss();
        self.tap(&layout.screen["Confirm"], OK, "Confirm");
        self.expect_verdict(true, step);
    }

    fn open_type_it(&mut self, layout: &Layout) {
        self.dismiss();
        self.click(layout.screen["Type the code"].center());
        let key = layout.type_it["A"];
        if !self.wait_quietly(Duration::from_secs(5), |s| s.near(key.probe(), PRIMARY)) {
            let shot = self.save("type-it-not-open");
            panic!("the \"type it\" dialog did not open: {}", shot.display());
        }
    }

    /// Clicks a button once the screen shows it (its fill colour) where the
    /// headless layout put it.
    fn tap(&mut self, b: &Rect, colour: u32, what: &str) {
        let shown = self.wait_quietly(Duration::from_secs(10), |s| s.near(b.probe(), colour));
        if !shown {
            let shot = self.save("tap-target-missing");
            panic!("{what} is not on screen at {b:?}: {}", shot.display());
        }
        self.click(b.center());
        std::thread::sleep(Duration::from_millis(100));
    }

    fn click(&self, (x, y): (i32, i32)) {
        let (x, y) = (x + self.origin.0, y + self.origin.1);
        self.xdotool(
            &["mousemove", &x.to_string(), &y.to_string(), "click", "1"],
            true,
        );
    }

    /// Waits up to 10 s for `cond`; fails with a screenshot otherwise.
    fn wait_for(&mut self, what: &str, cond: impl Fn(&Shot) -> bool) {
        if !self.wait_quietly(Duration::from_secs(10), cond) {
            let shot = self.save("wait-failed");
            panic!("no {what} on screen: {}", shot.display());
        }
    }

    /// Polls screenshots until `cond` holds or `timeout` passes.
    fn wait_quietly(&mut self, timeout: Duration, cond: impl Fn(&Shot) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_app_running();
            if cond(&self.shot()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// The window as shown now (`xwd` of the root window, cut to it).
    fn shot(&self) -> Shot {
        let out = Command::new("xwd")
            .args(["-root", "-silent"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("running xwd");
        assert!(out.status.success(), "xwd failed");
        Shot::from_xwd(&out.stdout, self.origin, (W, H)).expect("an xwd image")
    }

    /// Saves the window as `<n>-<name>.png` for a person to look at.
    fn save(&self, name: &str) -> PathBuf {
        let n = self.saved.get() + 1;
        self.saved.set(n);
        let path = self.shots.join(format!("{n:02}-{name}.png"));
        self.shot().write_png(&path);
        path
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(mut app) = self.app.take() {
            let _ = app.kill();
            let _ = app.wait();
        }
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

fn log_file(dir: &Path, name: &str) -> Stdio {
    std::fs::File::create(dir.join(name))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// An RGB image of the window.
struct Shot {
    w: u32,
    h: u32,
    rgb: Vec<u8>,
}

impl Shot {
    /// Cuts the `size` rectangle at `origin` out of an XWD dump (X Window
    /// Dump, ZPixmap, TrueColor: what `xwd` writes for a 24-bit screen).
    fn from_xwd(d: &[u8], origin: (i32, i32), size: (u32, u32)) -> Option<Shot> {
        let field = |i: usize| -> Option<u32> {
            d.get(i * 4..i * 4 + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let header = field(0)? as usize;
        let (width, height) = (field(4)?, field(5)?);
        let lsb_first = field(7)? == 0;
        let bytes = (field(11)? / 8) as usize;
        let line = field(12)? as usize;
        let masks = [field(14)?, field(15)?, field(16)?];
        let colours = field(19)? as usize;
        let pixels = header + colours * 12;
        if !(1..=4).contains(&bytes) {
            return None;
        }
        let (w, h) = (size.0.min(width), size.1.min(height));
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h as usize {
            for x in 0..w as usize {
                let at = pixels
                    + (y + origin.1.max(0) as usize) * line
                    + (x + origin.0.max(0) as usize) * bytes;
                let raw = d.get(at..at + bytes)?;
                let v = raw.iter().enumerate().fold(0u32, |v, (i, &b)| {
                    let shift = if lsb_first { i } else { bytes - 1 - i } * 8;
                    v | (u32::from(b) << shift)
                });
                for mask in masks {
                    rgb.push(((v & mask) >> mask.trailing_zeros()) as u8);
                }
            }
        }
        Some(Shot { w, h, rgb })
    }

    fn pixel(&self, (x, y): (i32, i32)) -> Option<[u8; 3]> {
        if x < 0 || y < 0 || x as u32 >= self.w || y as u32 >= self.h {
            return None;
        }
        let i = ((y as u32 * self.w + x as u32) * 3) as usize;
        Some([self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]])
    }

    fn near(&self, at: (i32, i32), colour: u32) -> bool {
        let want = [(colour >> 16) as u8, (colour >> 8) as u8, colour as u8];
        self.pixel(at)
            .is_some_and(|p| p.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 24))
    }

    /// The verdict banner over the top bar: Some(true) green, Some(false) red.
    fn verdict(&self) -> Option<bool> {
        if self.near((4, 4), OK) {
            Some(true)
        } else if self.near((4, 4), BAD) {
            Some(false)
        } else {
            None
        }
    }

    fn write_png(&self, path: &Path) {
        let Ok(file) = std::fs::File::create(path) else {
            return;
        };
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.w, self.h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        if let Ok(mut writer) = encoder.write_header() {
            let _ = writer.write_image_data(&self.rgb);
        }
    }
}

// ---- Benchmark: key-to-verdict latency in the real window ----------------
//
// Ignored by `cargo test`; `scripts/bench-scan-latency.sh` runs it (release
// build) and it prints its table. The app (`sparescan run`) talks to its
// server through a proxy in this process that either forwards or, like an
// access point that drops packets, accepts and never answers. Three
// conditions, SCAN_BENCH_SCANS scans each (default 1,000) typed by xdotool
// as a HID scanner: (a) the server answering, (b) the proxy never
// answering, (c) while a bootstrap of SCAN_BENCH_SERIALS serial units
// (default 1,000,000) is applied. The latency of each scan is the app's own
// scan log line ("key_to_verdict_ms", from the UI thread's last key to the
// verdict).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A TCP proxy to the server: forwarding, or (`hole` set) accepting and
/// never answering, open connections included.
struct Proxy {
    port: u16,
    hole: Arc<AtomicBool>,
}

impl Proxy {
    fn start(to: std::net::SocketAddr) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("proxy listener");
        let port = listener.local_addr().expect("proxy address").port();
        let hole = Arc::new(AtomicBool::new(false));
        let h = hole.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if h.load(Ordering::SeqCst) {
                    // Held open, never answered.
                    std::mem::forget(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(to) else {
                    continue;
                };
                for (from, into) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ] {
                    let (Ok(mut from), Ok(mut into)) = (from, into) else {
                        continue;
                    };
                    let h = h.clone();
                    std::thread::spawn(move || {
                        use std::io::{Read, Write};
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                // A dead link: the bytes go nowhere.
                                Ok(_) if h.load(Ordering::SeqCst) => {}
                                Ok(n) => {
                                    if into.write_all(&buf[..n]).is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = into.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
        Proxy { port, hole }
    }

    fn answer(&self, yes: bool) {
        self.hole.store(!yes, Ordering::SeqCst);
    }
}

/// The demo site with `serials` more serial units on its shelves (items
/// IT-…, bins B-… of warehouse WH, from `demo::large_site`).
fn demo_site_with(serials: usize) -> sparescan_core::model::MasterData {
    let mut m = sparescan_server::demo::site();
    let big = sparescan_server::demo::large_site(SITE, 10, serials);
    m.items.extend(big.items);
    m.warehouses.extend(big.warehouses);
    m.bins.extend(big.bins);
    m.opening_stock.extend(big.opening_stock);
    m.opening_serials.extend(big.opening_serials);
    m
}

/// Lines of the app's log from line `from` on.
fn log_lines(shots: &Path, from: usize) -> Vec<String> {
    std::fs::read_to_string(shots.join("app.log"))
        .unwrap_or_default()
        .lines()
        .skip(from)
        .map(str::to_owned)
        .collect()
}

fn wait_for_log(shots: &Path, from: usize, what: &str, timeout: Duration) -> usize {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(i) = log_lines(shots, from).iter().position(|l| l.contains(what)) {
            return from + i + 1;
        }
        assert!(
            Instant::now() < deadline,
            "no {what:?} in {}/app.log within {timeout:?}",
            shots.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn latency_ms(line: &str) -> Option<u64> {
    line.split("key_to_verdict_ms=").nth(1)?.trim().parse().ok()
}

/// Types `n` scans (9 of 10 numbered codes the site does not know, every
/// tenth a bin label) in batches, waits for their log lines; their
/// latencies, in order. `until`: stop typing once the log shows it.
fn scan_batch(x: &Session, shots: &Path, n: usize, until: Option<&str>) -> Vec<u64> {
    let from = log_lines(shots, 0).len();
    let mut typed = 0;
    while typed < n {
        if let Some(stop) = until
            && log_lines(shots, from).iter().any(|l| l.contains(stop))
        {
            break;
        }
        let batch = (n - typed).min(10);
        let mut args: Vec<String> = Vec::new();
        for i in typed..typed + batch {
            let code = if i % 10 == 9 {
                "BIN:A-02".to_string()
            } else {
                format!("SEQ-{i:05}")
            };
            args.extend(["type", "--delay", "3", "--"].map(String::from));
            args.push(format!("{code}\n"));
            // A person scans a few labels a second at most.
            args.extend(["sleep", "0.05"].map(String::from));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        x.xdotool(&refs, true);
        typed += batch;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines: Vec<u64> = log_lines(shots, from)
            .iter()
            .filter(|l| l.contains("scan: source=scanner"))
            .filter_map(|l| latency_ms(l))
            .collect();
        if lines.len() >= typed || Instant::now() >= deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn percentiles(mut v: Vec<u64>) -> (usize, u64, u64, u64) {
    v.sort_unstable();
    if v.is_empty() {
        return (0, 0, 0, 0);
    }
    let at = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    (v.len(), at(0.50), at(0.99), *v.last().unwrap_or(&0))
}

#[test]
#[ignore = "benchmark: scripts/bench-scan-latency.sh"]
fn scan_latency_in_the_real_window() {
    let missing: Vec<&str> = ["Xvfb", "xdotool", "xwd"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    assert!(missing.is_empty(), "missing {}", missing.join(", "));
    let env = |name: &str, default: usize| -> usize {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let scans = env("SCAN_BENCH_SCANS", 1000);
    let serials = env("SCAN_BENCH_SERIALS", 1_000_000);
    let layout = Layout::new();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scan_latency");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("log dir");
    let data = tempfile::tempdir().expect("tempdir");

    // The server, in this process: the demo site with the extra serials.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let made = Instant::now();
    let server = sparescan_server::Server::open(sparescan_server::config::Config::new(
        ([127, 0, 0, 1], 0).into(),
        data.path().join("server"),
    ))
    .expect("server");
    let running = rt.block_on(async {
        server
            .create_site(demo_site_with(serials))
            .await
            .expect("site");
        for p in sparescan_server::demo::PEOPLE {
            server
                .set_credential(&SITE.into(), &p.id.into(), p.badge, p.pin)
                .await
                .expect("credential");
        }
        server
            .ledger()
            .push(
                SITE.into(),
                sparescan_server::demo::seed_documents(chrono::Utc::now()),
            )
            .await
            .expect("seed");
        server.serve().await.expect("serve")
    });
    println!(
        "scan_latency: the site with {serials} more serials made in {:.1} s",
        made.elapsed().as_secs_f64()
    );
    let proxy = Proxy::start(running.addr);

    // The device, enrolled through the proxy before the app starts.
    let ca_path = data.path().join("server/tls/ca.pem");
    let ca = std::fs::read_to_string(&ca_path).expect("CA");
    let device_dir = data.path().join("device");
    std::fs::create_dir_all(&device_dir).expect("device dir");
    let proxy_url = format!("https://127.0.0.1:{}", proxy.port);
    let enrolled = rt.block_on(async {
        let code = server
            .enrollment_code(&SITE.into())
            .await
            .expect("enrollment code");
        let mut c = sparescan_client::Client::new(&proxy_url, ca.as_bytes()).expect("client");
        c.enroll(&code, "bench handheld").await.expect("enroll")
    });
    let cache_path = device_dir.join("cache.sqlite");
    {
        let cache = sparescan::cache::Cache::open(&cache_path).expect("cache");
        for (k, v) in [
            ("server_url", proxy_url.as_str()),
            ("ca_pem", ca.as_str()),
            ("device_token", enrolled.token.as_str()),
            ("device_id", enrolled.device_id.as_str()),
            ("site", enrolled.site.as_str()),
        ] {
            cache.set_meta(k, Some(v)).expect("meta");
        }
    }
    let config = data.path().join("sparescan.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[sync]\ninterval_secs = 10\nmax_backoff_secs = 5\n",
            device_dir.display().to_string()
        ),
    )
    .expect("config");
    let args = [
        "run".to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    let mut x = Session::launch(&args, running.addr.port(), &shots);

    // The first bootstrap, then sign in and open WO-1004's issue screen.
    let t = Instant::now();
    let after_boot = wait_for_log(&shots, 0, "bootstrap_rows=", Duration::from_secs(900));
    println!(
        "scan_latency: first bootstrap done {:.1} s after start",
        t.elapsed().as_secs_f64()
    );
    let pin_key = layout.sign_in_pin["1"];
    x.scan("USR:B-1001");
    x.wait_for("the PIN keypad", |s| s.near(pin_key.probe(), PRIMARY));
    for key in ["1", "1", "1", "1"] {
        x.tap(&layout.sign_in_pin[key], PRIMARY, "a PIN key");
    }
    x.tap(&layout.sign_in_pin["OK"], OK, "the PIN's OK");
    x.scan_expecting("WO:WO-1004", true, "order");

    let mut table = Vec::new();
    // (a) the server answering.
    proxy.answer(true);
    table.push(("(a) server answering", scan_batch(&x, &shots, scans, None)));
    // (b) the proxy accepts and never answers.
    proxy.answer(false);
    let from = log_lines(&shots, 0).len();
    // Once one round has hung and failed, the next ones (every 1–5 s) hang
    // all through the scans.
    wait_for_log(&shots, from, "sync failed", Duration::from_secs(30));
    table.push((
        "(b) server never answering",
        scan_batch(&x, &shots, scans, None),
    ));
    let offline = log_lines(&shots, from)
        .iter()
        .filter(|l| l.contains("sync failed"))
        .count();
    println!("scan_latency: {offline} syncs failed during (b)");
    // (c) the server answers again; the device is told to bootstrap anew
    // (its cursor dropped), and scans while the rows are written.
    proxy.answer(true);
    let from = log_lines(&shots, 0).len().max(after_boot);
    {
        let conn = rusqlite::Connection::open(&cache_path).expect("cache file");
        conn.busy_timeout(Duration::from_secs(5)).expect("busy");
        conn.execute("DELETE FROM meta WHERE key = 'cursor'", [])
            .expect("cursor dropped");
    }
    let began = wait_for_log(&shots, from, "sync: bootstrap", Duration::from_secs(60));
    // The first page is being fetched and written from here on.
    let during = scan_batch(&x, &shots, scans, Some("bootstrap_rows="));
    let ended = log_lines(&shots, began)
        .iter()
        .any(|l| l.contains("bootstrap_rows="));
    let label = if ended {
        "(c) during a bootstrap (it ended first)"
    } else {
        "(c) during a bootstrap"
    };
    table.push((label, during));
    wait_for_log(&shots, began, "bootstrap_rows=", Duration::from_secs(900));
    let boot_line = log_lines(&shots, began)
        .into_iter()
        .find(|l| l.contains("bootstrap_rows="))
        .unwrap_or_default();

    println!(
        "\nkey-to-verdict latency, real window under Xvfb (ms, whole ms from the app's scan log)"
    );
    println!(
        "{:<44} {:>6} {:>5} {:>5} {:>5}",
        "condition", "scans", "p50", "p99", "max"
    );
    for (name, v) in table {
        let (n, p50, p99, max) = percentiles(v);
        println!("{name:<44} {n:>6} {p50:>5} {p99:>5} {max:>5}");
    }
    println!("bootstrap of (c): {}", boot_line.trim());
    drop(x);
    rt.block_on(running.shutdown()).expect("shutdown");
}
