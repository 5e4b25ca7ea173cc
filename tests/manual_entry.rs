//! The "type it" dialog for a label that cannot be scanned, headless
//! (Slint's testing backend, software renderer) with the app's real wiring
//! and keyboard-wedge decoder: keys typed on a keyboard reach the field
//! through the window's key events (Shift included, as a keyboard sends
//! it), and the on-screen keypad enters a code by pointer clicks alone. The
//! code entered goes to the engine as a typed input, like a scan.

use std::sync::mpsc::{Receiver, channel};

use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions,
};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, PhysicalSize};
use sparescan::engine::Input;
use sparescan::scanner::ScannerConfig;
use sparescan::ui::{AppAdapter, AppWindow};
use sparescan::worker::Command;

const SIZES: &[(u32, u32)] = &[(480, 800), (800, 480)];

thread_local! {
    static INIT: () = {
        slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
            mock_time: true,
            threading: false,
            renderer_name: Some("software".into()),
        })))
        .expect("testing platform");
    };
}

/// The window on the issue screen, wired to a channel as the app wires it
/// to the worker, with the dialog open.
struct Dialog {
    app: AppWindow,
    commands: Receiver<Command>,
    _wedge: Option<slint::Timer>,
}

impl Dialog {
    fn open((w, h): (u32, u32)) -> Dialog {
        INIT.with(|_| ());
        let app = AppWindow::new().expect("AppWindow");
        let (tx, commands) = channel();
        sparescan::app::wire(&app, &tx);
        let wedge = sparescan::app::wire_wedge(&app, &tx, &ScannerConfig::default());
        app.global::<AppAdapter>().set_screen("issue".into());
        app.window().set_size(PhysicalSize::new(w, h));
        app.show().expect("show");
        let d = Dialog {
            app,
            commands,
            _wedge: wedge,
        };
        d.frame();
        d.button("Type the code").invoke_accessible_default_action();
        d.frame();
        d
    }

    /// Renders a frame (runs the change handlers, as the event loop does).
    fn frame(&self) {
        self.app.window().take_snapshot().expect("snapshot");
    }

    fn button(&self, label: &str) -> ElementHandle {
        let found: Vec<_> = ElementHandle::find_by_accessible_label(&self.app, label)
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect();
        assert_eq!(found.len(), 1, "one button labelled {label:?}");
        found.into_iter().next().expect("button")
    }

    fn field(&self) -> Option<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.app, "Code")
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
    }

    fn text(&self) -> String {
        self.field()
            .and_then(|f| f.accessible_value())
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// Keys as a US keyboard sends them through the window: Shift pressed
    /// around capitals and shifted symbols.
    fn type_keys(&self, text: &str) {
        self.keys(text, true);
    }

    fn keys(&self, text: &str, with_shift: bool) {
        let window = self.app.window();
        for c in text.chars() {
            let shifted = with_shift && (c.is_ascii_uppercase() || ":()_+?".contains(c));
            if shifted {
                window.dispatch_event(WindowEvent::KeyPressed {
                    text: "\u{10}".into(),
                });
            }
            window.dispatch_event(WindowEvent::KeyPressed {
                text: c.to_string().into(),
            });
            window.dispatch_event(WindowEvent::KeyReleased {
                text: c.to_string().into(),
            });
            if shifted {
                window.dispatch_event(WindowEvent::KeyReleased {
                    text: "\u{10}".into(),
                });
            }
        }
        self.frame();
    }

    /// A tap with the pointer, in the middle of the key.
    fn tap(&self, label: &str) {
        self.button(label)
            .mock_single_click(PointerEventButton::Left);
        self.frame();
    }

    /// Everything the window sent the worker so far.
    fn inputs(&self) -> Vec<Input> {
        self.commands
            .try_iter()
            .filter_map(|c| match c {
                Command::Input(i) => Some(i),
                // A scanner's scan carries when its last key came.
                Command::Scan { bytes, .. } => Some(Input::Scan(bytes)),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn typing_on_a_keyboard_fills_the_field_and_enters_the_code() {
    for &size in SIZES {
        let d = Dialog::open(size);
        assert!(d.field().is_some(), "{size:?}: the dialog is open");
        assert!(
            d.app.global::<AppAdapter>().get_text_editing(),
            "{size:?}: the decoder knows a field has the keyboard"
        );
        d.type_keys("WO-1004");
        assert_eq!(
            d.text(),
            "WO-1004",
            "{size:?}: the typed keys are in the field"
        );
        assert_eq!(d.inputs(), vec![], "{size:?}: nothing sent before Enter");
        d.type_keys("\n");
        assert_eq!(
            d.inputs(),
            vec![Input::Typed("WO-1004".into())],
            "{size:?}: Enter enters the code, once"
        );
        assert!(d.field().is_none(), "{size:?}: the dialog closed");
        assert!(
            !d.app.global::<AppAdapter>().get_text_editing(),
            "{size:?}: keys go to the scanner decoder again"
        );
    }
}

#[test]
fn the_on_screen_keypad_enters_a_code_without_a_keyboard() {
    for &size in SIZES {
        let d = Dialog::open(size);
        for key in ["B", "I", "N", "Backspace", "Backspace", "Backspace"] {
            d.tap(key);
        }
        assert_eq!(d.text(), "", "{size:?}: backspace takes keys back");
        assert_eq!(
            d.button("OK").accessible_enabled(),
            Some(false),
            "{size:?}: OK needs a code"
        );
        for key in ["Q", "-", "0", "9", "Clear", "A", "-", "0", "3", "Backspace"] {
            d.tap(key);
        }
        assert_eq!(d.text(), "A-0", "{size:?}");
        // The field keeps the keyboard after a tap: typing goes on at the end.
        d.type_keys("2");
        assert_eq!(d.text(), "A-02", "{size:?}: keypad and keyboard mixed");
        d.tap("OK");
        assert_eq!(
            d.inputs(),
            vec![Input::Typed("A-02".into())],
            "{size:?}: OK enters the code"
        );
        assert!(d.field().is_none(), "{size:?}: the dialog closed");
    }
}

#[test]
fn the_keypad_has_every_key_big_and_on_screen() {
    let mut labels: Vec<String> = ('0'..='9').chain('A'..='Z').map(String::from).collect();
    labels.extend(["-", "/", ".", "Backspace", "Clear", "OK"].map(String::from));
    for &(w, h) in SIZES {
        let d = Dialog::open((w, h));
        let mut rects = Vec::new();
        for label in &labels {
            let b = d.button(label);
            let (pos, size): (LogicalPosition, _) = (b.absolute_position(), b.size());
            assert!(
                size.width >= 56.0 && size.height >= 56.0,
                "{w}x{h}: key {label:?} is {}x{} px, gloves need 56",
                size.width,
                size.height
            );
            assert!(
                pos.x >= 0.0
                    && pos.y >= 0.0
                    && pos.x + size.width <= w as f32
                    && pos.y + size.height <= h as f32,
                "{w}x{h}: key {label:?} at {pos:?} {size:?} is off screen"
            );
            rects.push((label, pos, size));
        }
        for (i, (a, pa, sa)) in rects.iter().enumerate() {
            for (b, pb, sb) in &rects[i + 1..] {
                let apart = pa.x + sa.width <= pb.x
                    || pb.x + sb.width <= pa.x
                    || pa.y + sa.height <= pb.y
                    || pb.y + sb.height <= pa.y;
                assert!(apart, "{w}x{h}: keys {a:?} and {b:?} overlap");
            }
        }
        // The field and the title are on screen too.
        let field = d.field().expect("field");
        let (p, s) = (field.absolute_position(), field.size());
        assert!(p.y >= 0.0 && p.y + s.height <= h as f32, "{w}x{h}: field");
    }
}

#[test]
fn a_code_read_by_a_prefixed_scanner_while_typing_is_still_a_scan() {
    // With a prefix, the decoder takes a scan's keys even from the focused
    // field: a label read while the dialog is open is a scan, not typing.
    INIT.with(|_| ());
    let app = AppWindow::new().expect("AppWindow");
    let (tx, commands) = channel();
    sparescan::app::wire(&app, &tx);
    let config = ScannerConfig {
        prefix: "\u{2}".into(),
        ..ScannerConfig::default()
    };
    let _wedge = sparescan::app::wire_wedge(&app, &tx, &config);
    app.global::<AppAdapter>().set_screen("issue".into());
    app.window().set_size(PhysicalSize::new(480, 800));
    app.show().expect("show");
    let d = Dialog {
        app,
        commands,
        _wedge: None,
    };
    d.frame();
    d.button("Type the code").invoke_accessible_default_action();
    d.frame();
    d.type_keys("A-");
    // Without Shift: what Shift does inside a scan is the decoder's
    // business (handheld/src/scanner), not this dialog's.
    d.keys("\u{2}BIN:A-02\n", false);
    assert_eq!(d.text(), "A-", "the scan stayed out of the field");
    assert_eq!(d.inputs(), vec![Input::Scan(b"BIN:A-02".to_vec())]);
}
