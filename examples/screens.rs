//! Renders the handheld's screens headless with Slint's software renderer
//! and writes them as PNG files to `docs/screens/` (run through
//! `scripts/screens.sh`). Every screen at 480×800 (portrait) and 800×480
//! (landscape) as `<screen>-<w>x<h>.png`; home, issue and return in Russian
//! too (`<screen>-ru-<w>x<h>.png`); plus a refused scan, the quantity keypad,
//! the supervisor's approval (badge, then PIN), the PIN step of sign-in with
//! a download in progress, an empty attention list and the "type it"
//! dialog.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions,
};
use slint::{ComponentHandle, ModelRc, PhysicalSize, VecModel};
use sparescan::engine::model::ScreenId;
use sparescan::ui::{
    AppAdapter, AppWindow, AttentionAdapter, ConfirmAdapter, IssueAdapter, RowData, SignInAdapter,
    SyncAdapter, VerdictData,
};

const SIZES: &[(u32, u32)] = &[(480, 800), (800, 480)];
const RUSSIAN: &[&str] = &["home", "issue", "return"];

/// Sets a shown window up for one screenshot.
type Setup = fn(&AppWindow);

/// Extra states: file name prefix and how to set the window up.
const EXTRAS: &[(&str, Setup)] = &[
    ("issue-refused", refused),
    ("issue-quantity", quantity),
    ("confirm-badge", approver_badge),
    ("confirm-pin", approver_pin),
    ("sign-in-pin", sign_in_pin),
    ("attention-empty", nothing_to_do),
    ("return-type-it", type_it),
];

fn main() -> Result<()> {
    // The testing backend with a real rasterizer: `init_no_event_loop()`
    // keeps a mock renderer that cannot take snapshots.
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .map_err(|e| anyhow!("platform: {e:?}"))?;

    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screens");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = Vec::new();
    for &(w, h) in SIZES {
        for screen in ScreenId::ALL.map(ScreenId::name) {
            let name = format!("{screen}-{w}x{h}");
            written.push(render(&out, &name, "en", (w, h), |app| {
                show_screen(app, screen)
            })?);
        }
        for &screen in RUSSIAN {
            let name = format!("{screen}-ru-{w}x{h}");
            written.push(render(&out, &name, "ru", (w, h), |app| {
                show_screen(app, screen)
            })?);
        }
        for &(prefix, setup) in EXTRAS {
            written.push(render(
                &out,
                &format!("{prefix}-{w}x{h}"),
                "en",
                (w, h),
                setup,
            )?);
        }
    }
    for path in &written {
        println!("{}", path.display());
    }
    Ok(())
}

fn show_screen(app: &AppWindow, screen: &str) {
    app.global::<AppAdapter>().set_screen(screen.into());
}

/// A red verdict over the issue screen: the wrong part was scanned.
fn refused(app: &AppWindow) {
    let a = app.global::<AppAdapter>();
    a.set_screen("issue".into());
    a.set_verdict(VerdictData {
        ok: false,
        title: "Refused: not on this order".into(),
        reason: "FLT-AIR-595 is not a line of WO-1001".into(),
        what_to_do: "Put it back and scan BAT-MOD-48V, or choose Additional".into(),
        code: "ITEM_NOT_ON_ORDER".into(),
    });
    a.set_show_verdict(true);
    // The task's last scans: the refusal does not hide the earlier ones.
    let row = |id: &str, title: &str, detail: &str, tone: &str| RowData {
        id: id.into(),
        title: title.into(),
        detail: detail.into(),
        tone: tone.into(),
    };
    a.set_recent_scans(ModelRc::new(VecModel::from(vec![
        row(
            "3",
            "(01)04012345000054",
            "Refused: FLT-AIR-595 is not a line of WO-1001",
            "bad",
        ),
        row(
            "2",
            "(01)04012345000023(21)SN-48V-0002",
            "Accepted: UPS battery module 48V",
            "ok",
        ),
        row("1", "BIN:A-01-01", "Accepted: Bin A-01-01", "ok"),
    ])));
}

/// The quantity keypad for a cable sold by the metre.
fn quantity(app: &AppWindow) {
    show_screen(app, "issue");
    let issue = app.global::<IssueAdapter>();
    issue.set_ask_quantity(true);
    issue.set_quantity("12.5".into());
}

/// The supervisor's approval before the badge is scanned.
fn approver_badge(app: &AppWindow) {
    show_screen(app, "confirm");
    app.global::<ConfirmAdapter>().set_ask_pin(true);
}

/// The supervisor's approval: badge scanned, two digits of the PIN typed.
fn approver_pin(app: &AppWindow) {
    show_screen(app, "confirm");
    let confirm = app.global::<ConfirmAdapter>();
    confirm.set_ask_pin(true);
    confirm.set_pin_who("Olga Smirnova (supervisor)".into());
    confirm.set_pin("12".into());
}

/// Sign-in after the badge, a wrong PIN, site data still downloading.
fn sign_in_pin(app: &AppWindow) {
    show_screen(app, "sign-in");
    let sign_in = app.global::<SignInAdapter>();
    sign_in.set_badge_name("Ivan Petrov (technician)".into());
    sign_in.set_pin("123".into());
    sign_in.set_error("Wrong PIN. 4 tries left.".into());
    app.global::<SyncAdapter>().set_progress_fraction(0.1);
}

/// The "type it" fallback for an unreadable label, opened by its button,
/// with part of a code entered on its keypad.
fn type_it(app: &AppWindow) {
    show_screen(app, "return");
    // A frame for the screen (and its change handler) before the tap.
    let _ = app.window().take_snapshot();
    tap(app, "Type the code");
    let _ = app.window().take_snapshot();
    for key in ["B", "M", "-", "0", "1"] {
        tap(app, key);
    }
}

fn tap(app: &AppWindow, label: &str) {
    for button in ElementHandle::find_by_accessible_label(app, label) {
        if button.accessible_role() == Some(AccessibleRole::Button) {
            button.invoke_accessible_default_action();
        }
    }
}

/// Offline, nothing queued, nothing to do.
fn nothing_to_do(app: &AppWindow) {
    show_screen(app, "attention");
    app.global::<AttentionAdapter>()
        .set_items(ModelRc::new(VecModel::default()));
    let sync = app.global::<SyncAdapter>();
    sync.set_attention(0);
    sync.set_online(false);
    sync.set_pending(0);
}

/// Renders a fresh window (fresh globals with their preview data), shown
/// and then set up by `setup`, in `language`, into `out/<name>.png`.
fn render(
    out: &Path,
    name: &str,
    language: &str,
    (w, h): (u32, u32),
    setup: impl FnOnce(&AppWindow),
) -> Result<PathBuf> {
    let app = AppWindow::new()?;
    slint::select_bundled_translation(language).map_err(|e| anyhow!("language {language}: {e}"))?;
    app.window().set_size(PhysicalSize::new(w, h));
    app.show()?;
    // A first frame creates the elements inside `if` and `for`.
    app.window().take_snapshot()?;
    setup(&app);
    let shot = app.window().take_snapshot()?;
    app.hide()?;
    let path = out.join(format!("{name}.png"));
    write_png(&path, shot.width(), shot.height(), shot.as_bytes())?;
    Ok(path)
}

fn write_png(path: &Path, w: u32, h: u32, rgba: &[u8]) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(())
}
