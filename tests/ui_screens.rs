//! Headless tests of the Slint UI (testing backend, software renderer): every
//! screen renders at 480×800 and 800×480 and they differ, workflow screens
//! have their Confirm button, the Russian translation is complete and active,
//! the eight workflow adapters keep one property set, scanner keys reach
//! Rust first, and the keypad edits the quantity.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::rc::Rc;

use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions,
};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, PhysicalSize, SharedString};
use sparescan::engine::model::ScreenId;
use sparescan::ui::{
    AppAdapter, AppWindow, ConfirmAdapter, EnrollAdapter, IssueAdapter, SignInAdapter,
};

const WORKFLOW: &[&str] = &[
    "issue", "return", "inspect", "confirm", "transfer", "tools", "count", "receive",
];
const SIZES: &[(u32, u32)] = &[(480, 800), (800, 480)];

thread_local! {
    static INIT: () = {
        // A real rasterizer, so take_snapshot works (init_no_event_loop keeps
        // a mock renderer). The platform is per test thread.
        slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
            mock_time: true,
            threading: false,
            renderer_name: Some("software".into()),
        })))
        .expect("testing platform");
    };
}

fn new_app() -> AppWindow {
    INIT.with(|_| ());
    AppWindow::new().expect("AppWindow")
}

fn show(app: &AppWindow, screen: &str, (w, h): (u32, u32)) {
    app.global::<AppAdapter>().set_screen(screen.into());
    app.window().set_size(PhysicalSize::new(w, h));
    app.show().expect("show");
}

/// RGBA pixels of the window as rendered now.
fn render(app: &AppWindow) -> (u32, u32, Vec<u8>) {
    let shot = app.window().take_snapshot().expect("snapshot");
    (shot.width(), shot.height(), shot.as_bytes().to_vec())
}

/// Share of pixels that differ from the most common colour, and the number
/// of distinct colours.
fn ink(rgba: &[u8]) -> (f64, usize) {
    let mut counts: BTreeMap<[u8; 4], usize> = BTreeMap::new();
    for px in rgba.chunks_exact(4) {
        *counts.entry([px[0], px[1], px[2], px[3]]).or_default() += 1;
    }
    let total = rgba.len() / 4;
    let top = counts.values().copied().max().unwrap_or(0);
    ((total - top) as f64 / total as f64, counts.len())
}

fn buttons(app: &AppWindow, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(app, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect()
}

fn press(app: &AppWindow, label: &str) {
    let found = buttons(app, label);
    assert_eq!(found.len(), 1, "one button labelled {label:?}");
    found[0].invoke_accessible_default_action();
}

#[test]
fn every_screen_renders_at_both_sizes_and_screens_differ() {
    for &size in SIZES {
        let mut seen: Vec<(&str, Vec<u8>)> = Vec::new();
        for screen in ScreenId::ALL.map(ScreenId::name) {
            let app = new_app();
            show(&app, screen, size);
            let (w, h, pixels) = render(&app);
            assert_eq!((w, h), size, "{screen}: snapshot size");
            let (share, colours) = ink(&pixels);
            assert!(
                share > 0.04 && colours > 16,
                "{screen} at {size:?} looks blank: {:.1} % ink, {colours} colours",
                share * 100.0
            );
            for (other, theirs) in &seen {
                let differing = pixels
                    .chunks_exact(4)
                    .zip(theirs.chunks_exact(4))
                    .filter(|(a, b)| a != b)
                    .count();
                assert!(
                    differing > (w * h / 50) as usize,
                    "{screen} and {other} at {size:?} look the same ({differing} pixels differ)"
                );
            }
            seen.push((screen, pixels));
            app.hide().expect("hide");
        }
    }
}

#[test]
fn workflow_screens_have_the_confirm_button() {
    for &size in SIZES {
        for &screen in WORKFLOW {
            let app = new_app();
            show(&app, screen, size);
            let found = buttons(&app, "Confirm");
            assert_eq!(found.len(), 1, "{screen} at {size:?}: one Confirm button");
            let by_id: Vec<_> =
                ElementHandle::find_by_element_id(&app, "WorkflowScreen::confirm-button").collect();
            assert_eq!(by_id.len(), 1, "{screen}: element id confirm-button");
            assert!(
                found[0].size().height >= 48.0,
                "{screen}: Confirm is a big target"
            );
        }
        for screen in ["home", "sign-in", "attention", "enroll"] {
            let app = new_app();
            show(&app, screen, size);
            assert!(
                buttons(&app, "Confirm").is_empty(),
                "{screen}: no Confirm button"
            );
        }
    }

    // Enabled follows can-confirm, and the button calls the adapter.
    let app = new_app();
    show(&app, "issue", (480, 800));
    let confirmed = Rc::new(RefCell::new(0));
    let c = confirmed.clone();
    app.global::<IssueAdapter>()
        .on_confirm(move || *c.borrow_mut() += 1);
    let button = &buttons(&app, "Confirm")[0];
    assert_eq!(button.accessible_enabled(), Some(true));
    assert_eq!(
        button.accessible_description().as_deref(),
        Some("Issue 1 part")
    );
    button.invoke_accessible_default_action();
    assert_eq!(*confirmed.borrow(), 1);
    app.global::<IssueAdapter>().set_can_confirm(false);
    assert_eq!(button.accessible_enabled(), Some(false));
    button.invoke_accessible_default_action();
    assert_eq!(*confirmed.borrow(), 1, "a disabled Confirm does nothing");
}

/// The build links ICU4X's segmenter without the word dictionaries of
/// Chinese, Japanese, Thai, Lao, Khmer and Burmese (vendor/icu_segmenter_data):
/// an item name from the ERP in one of those scripts must still lay out and
/// wrap, by the rule-based breaks, rather than fail.
#[test]
fn text_in_scripts_without_dictionaries_still_lays_out() {
    let app = new_app();
    show(&app, "issue", (480, 800));
    let (_, _, before) = render(&app);
    let issue = app.global::<IssueAdapter>();
    for text in [
        "แบตเตอรี่สำรองไฟสำหรับเครื่องสำรองไฟฟ้า UPS-01 ชุดที่สอง",
        "不间断电源电池模块更换作业第二组件",
        "ថ្មបម្រុងទុកសម្រាប់ម៉ាស៊ីន UPS-01 ក្រុមទីពីរ",
        "ບັດເຕີຣີສຳຮອງໄຟ UPS-01",
        "ယူပီအက်စ် ဘက်ထရီ အစားထိုးခြင်း",
    ] {
        issue.set_hint(text.repeat(3).into());
        let (_, _, after) = render(&app);
        assert_ne!(before, after, "the hint {text:?} drew nothing");
    }
}

#[test]
fn russian_translation_is_active() {
    let app = new_app();
    show(&app, "issue", (480, 800));
    let (_, _, english) = render(&app);
    assert_eq!(buttons(&app, "Back").len(), 1);
    assert_eq!(buttons(&app, "Confirm").len(), 1);

    slint::select_bundled_translation("ru").expect("ru bundled");
    let (_, _, russian) = render(&app);
    assert!(buttons(&app, "Back").is_empty(), "Back is still English");
    assert_eq!(buttons(&app, "Назад").len(), 1, "top bar in Russian");
    assert_eq!(
        buttons(&app, "Подтвердить").len(),
        1,
        "workflow screen in Russian"
    );
    // Strings inside `for` and `if` keep their component's context.
    let planned: Vec<_> = ElementHandle::find_by_accessible_label(&app, "План").collect();
    assert!(!planned.is_empty(), "demand table header in Russian");
    assert_ne!(english, russian, "the rendering changed with the language");

    slint::select_bundled_translation("en").expect("back to English");
    assert_eq!(buttons(&app, "Back").len(), 1);
}

#[test]
fn the_configured_language_is_shown_from_the_first_frame() {
    // As the app starts (`run::open_window`), on a fresh UI thread: no
    // component existed before this window.
    INIT.with(|_| ());
    let app = sparescan::run::open_window("ru").expect("window");
    show(&app, "issue", (480, 800));
    render(&app);
    assert_eq!(buttons(&app, "Назад").len(), 1, "the UI started in English");
    assert!(buttons(&app, "Back").is_empty());
    sparescan::engine::set_language("en");
}

/// `(context, msgid)` of every `@tr("…")` in the .slint sources: the
/// context is the component or global the string is written in.
fn tr_strings(source: &str) -> Vec<(String, String)> {
    let bytes = source.as_bytes();
    let mut found = Vec::new();
    let (mut depth, mut context, mut i) = (0i32, String::new(), 0usize);
    let read_string = |start: usize| -> (String, usize) {
        let mut out = String::new();
        let mut chars = source[start + 1..].char_indices();
        while let Some((k, c)) = chars.next() {
            match c {
                '"' => return (out, start + 1 + k + 1),
                '\\' => {
                    if let Some((_, e)) = chars.next() {
                        out.push(match e {
                            'n' => '\n',
                            other => other,
                        });
                    }
                }
                c => out.push(c),
            }
        }
        panic!("unterminated string");
    };
    while i < bytes.len() {
        let rest = &source[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").expect("comment end") + 2;
        } else if rest.starts_with("@tr(") {
            let quote = i + rest.find('"').expect("@tr string");
            let (msgid, end) = read_string(quote);
            found.push((context.clone(), msgid));
            i = end;
        } else if bytes[i] == b'"' {
            i = read_string(i).1;
        } else if bytes[i] == b'{' {
            depth += 1;
            i += 1;
        } else if bytes[i] == b'}' {
            depth -= 1;
            i += 1;
        } else if depth == 0
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'-'))
            && (rest.starts_with("component ") || rest.starts_with("global "))
        {
            let name = rest.split_whitespace().nth(1).expect("declaration name");
            context = name.to_string();
            i += rest.find(name).unwrap() + name.len();
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

fn slint_sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("ui dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            slint_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// `(msgctxt, msgid) -> msgstr` of a .po file (single-line entries).
fn po_entries(po: &str) -> BTreeMap<(String, String), String> {
    let unquote = |s: &str| -> String {
        let s = s.trim();
        s[1..s.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    };
    let mut out = BTreeMap::new();
    let (mut ctx, mut id) = (String::new(), None::<String>);
    for line in po.lines() {
        if let Some(v) = line.strip_prefix("msgctxt ") {
            ctx = unquote(v);
        } else if let Some(v) = line.strip_prefix("msgid ") {
            id = Some(unquote(v));
        } else if let Some(v) = line.strip_prefix("msgstr ")
            && let Some(id) = id.take()
        {
            out.insert((std::mem::take(&mut ctx), id), unquote(v));
        }
    }
    out
}

#[test]
fn every_string_has_a_russian_translation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    slint_sources(&root.join("ui"), &mut files);
    let mut wanted = BTreeSet::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("read .slint");
        for (ctx, id) in tr_strings(&source) {
            assert!(
                !ctx.is_empty(),
                "{}: @tr({id:?}) outside a component",
                file.display()
            );
            wanted.insert((ctx, id));
        }
    }
    assert!(wanted.len() > 50, "found only {} @tr strings", wanted.len());
    assert!(wanted.contains(&("LinesHeader".into(), "Planned".into())));

    let po =
        std::fs::read_to_string(root.join("lang/ru/LC_MESSAGES/sparescan.po")).expect("ru .po");
    let have = po_entries(&po);
    let missing: Vec<_> = wanted
        .iter()
        .filter(|key| have.get(*key).is_none_or(|t| t.is_empty()))
        .collect();
    assert!(missing.is_empty(), "no Russian translation for {missing:?}");
    let stale: Vec<_> = have
        .keys()
        .filter(|k| !k.1.is_empty() && !wanted.contains(*k))
        .collect();
    assert!(
        stale.is_empty(),
        "translations of strings no longer in ui/: {stale:?}"
    );
}

#[test]
fn the_eight_workflow_adapters_have_one_property_set() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/adapters.slint");
    let source = std::fs::read_to_string(path).expect("adapters.slint");
    let mut sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("export global ") {
            current = Some(name.trim_end_matches(" {").to_string());
        } else if line == "}" {
            current = None;
        } else if let Some(global) = &current {
            let declaration = line.split(':').next().unwrap_or(line).trim_end_matches(';');
            if line.starts_with("in") || line.starts_with("out") || line.starts_with("callback") {
                sets.entry(global.clone())
                    .or_default()
                    .push(declaration.to_string());
            }
        }
    }
    let names = [
        "IssueAdapter",
        "ReturnAdapter",
        "InspectAdapter",
        "ConfirmAdapter",
        "TransferAdapter",
        "ToolsAdapter",
        "CountAdapter",
        "ReceiveAdapter",
    ];
    let reference = sets.get("IssueAdapter").expect("IssueAdapter");
    assert_eq!(reference.len(), 26, "IssueAdapter: {reference:#?}");
    for name in names {
        assert_eq!(
            sets.get(name),
            Some(reference),
            "{name} differs from IssueAdapter"
        );
    }
}

#[test]
fn scanner_keys_reach_rust_first() {
    let app = new_app();
    show(&app, "home", (480, 800));
    let keys = Rc::new(RefCell::new(String::new()));
    let k = keys.clone();
    app.global::<AppAdapter>()
        .on_key(move |text: SharedString| {
            k.borrow_mut().push_str(&text);
            true
        });
    for c in "]C1\u{1d}01".chars() {
        app.window()
            .dispatch_event(WindowEvent::KeyPressed { text: c.into() });
        app.window()
            .dispatch_event(WindowEvent::KeyReleased { text: c.into() });
    }
    assert_eq!(keys.borrow().as_str(), "]C1\u{1d}01", "GS included");

    // On enroll, keys Rust rejects reach the focused field, and
    // text-editing tells Rust a field has focus.
    let app = new_app();
    show(&app, "enroll", (480, 800));
    let seen = Rc::new(RefCell::new(String::new()));
    let s = seen.clone();
    app.global::<AppAdapter>()
        .on_key(move |text: SharedString| {
            s.borrow_mut().push_str(&text);
            false
        });
    let field: Vec<_> = ElementHandle::find_by_accessible_label(&app, "Enrollment code")
        .filter(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
        .collect();
    assert_eq!(field.len(), 1, "enrollment code field");
    field[0].mock_single_click(PointerEventButton::Left);
    render(&app); // runs the change handlers
    assert!(
        app.global::<AppAdapter>().get_text_editing(),
        "text-editing while a field has focus"
    );
    for c in "K7Q2".chars() {
        app.window()
            .dispatch_event(WindowEvent::KeyPressed { text: c.into() });
        app.window()
            .dispatch_event(WindowEvent::KeyReleased { text: c.into() });
    }
    assert_eq!(seen.borrow().as_str(), "K7Q2", "Rust saw the keys first");
    assert_eq!(app.global::<EnrollAdapter>().get_code().as_str(), "K7Q2");

    // Leaving the screen gives the keys back to the scanner scope.
    app.global::<AppAdapter>().set_screen("home".into());
    render(&app);
    assert!(!app.global::<AppAdapter>().get_text_editing());
}

#[test]
fn keypad_edits_the_quantity_and_pin() {
    let app = new_app();
    show(&app, "issue", (800, 480));
    let issue = app.global::<IssueAdapter>();
    issue.set_quantity("12.5".into());
    issue.set_ask_quantity(true);
    let done = Rc::new(RefCell::new(Vec::new()));
    let d = done.clone();
    issue.on_quantity_done(move |ok| d.borrow_mut().push(ok));

    // The first key replaces the pre-filled value; backspace takes one back.
    for key in ["3", "0", "Backspace", "Decimal point", "5"] {
        press(&app, key);
    }
    assert_eq!(issue.get_quantity().as_str(), "3.5");
    press(&app, "Backspace");
    press(&app, "Backspace");
    press(&app, "Backspace");
    assert_eq!(issue.get_quantity().as_str(), "");
    assert_eq!(
        buttons(&app, "OK")[0].accessible_enabled(),
        Some(false),
        "OK needs a value"
    );
    press(&app, "7");
    press(&app, "OK");
    // Two buttons say Cancel now: the keypad's and the screen's.
    assert_eq!(buttons(&app, "Cancel").len(), 2);
    let cancel: Vec<_> = ElementHandle::find_by_element_id(&app, "Keypad::cancel-key").collect();
    assert_eq!(cancel.len(), 1, "the keypad's Cancel");
    cancel[0].invoke_accessible_default_action();
    assert_eq!(issue.get_quantity().as_str(), "7");
    assert_eq!(*done.borrow(), vec![true, false]);
    for key in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] {
        assert_eq!(buttons(&app, key).len(), 1, "key {key}");
        assert!(
            buttons(&app, key)[0].size().height >= 64.0,
            "key {key} is 64 px"
        );
    }

    // The approver's PIN: first the badge, then dots on the keypad.
    issue.set_ask_quantity(false);
    let confirm = app.global::<ConfirmAdapter>();
    app.global::<AppAdapter>().set_screen("confirm".into());
    confirm.set_ask_pin(true);
    assert!(buttons(&app, "1").is_empty(), "no keypad before the badge");
    confirm.set_pin_who("Olga Smirnova".into());
    for key in ["4", "2", "4", "2"] {
        press(&app, key);
    }
    assert_eq!(confirm.get_pin().as_str(), "4242");
    let dots: Vec<_> = ElementHandle::find_by_accessible_label(&app, "PIN").collect();
    assert_eq!(dots.len(), 1);
    assert_eq!(
        dots[0].accessible_value().as_deref(),
        Some("4"),
        "four dots, no digits"
    );

    // Sign-in: Rust clears the PIN after each wrong try; the keypad starts
    // over every time (PINs are at most 8 digits).
    confirm.set_ask_pin(false);
    app.global::<AppAdapter>().set_screen("sign-in".into());
    let sign_in = app.global::<SignInAdapter>();
    sign_in.set_badge_name("Ivan Petrov".into());
    for attempt in ["1111", "2222", "3333", "123456789"] {
        for key in attempt.chars() {
            press(&app, &key.to_string());
        }
        let expected = &attempt[..attempt.len().min(8)];
        assert_eq!(sign_in.get_pin().as_str(), expected, "attempt {attempt}");
        sign_in.set_pin("".into());
    }
}
