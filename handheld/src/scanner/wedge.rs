//! Keyboard-wedge input: telling scans from typing in a stream of key texts.
//!
//! The decoder owns no clock: every call takes the time of the key (or
//! "now") from the caller, so behaviour is the same in tests and on the
//! device. In the UI the times come from when Slint delivers the key, which a
//! busy UI thread distorts (keys bunch up, or a pause appears inside a scan);
//! so the configured prefix and suffix come first: a burst that began like a
//! scan waits for the suffix (up to a second), and a prefix makes a burst a
//! scan however slowly it comes. Evdev and serial modes use real timestamps.
//!
//! Slint reports every key press as a text: a character, or a code for a
//! key that types nothing — Shift as U+0010, Control U+0011, Alt U+0012,
//! AltGr U+0013, Caps Lock U+0014, right Shift/Control U+0015/U+0016, Meta
//! U+0017/U+0018, arrows, F-keys, Home, End, Insert, Page Up/Down … in the
//! private-use range U+F700–U+F8FF (`i_slint_common::key_codes`). A HID
//! scanner presses Shift for every capital and for `:` `(` `)`, and Ctrl+]
//! for GS; [`WedgeDecoder::key`] takes these texts as Slint delivers them:
//! modifier and navigation keys never enter a scan nor end one, and a
//! Control press makes the next key its control character.
//!
//! UI glue, in a root `FocusScope`'s `capture-key-pressed` (which sees keys
//! before a `LineEdit` — the `LineEdit` would drop GS):
//!
//! ```text
//! let outcome = decoder.key(&event.text, epoch.elapsed(), text_field_focused);
//! handle(outcome.events);   // Scan → the worker; Typed → insert/handle
//! // a timer calls decoder.flush_due(epoch.elapsed()) (or at decoder.deadline())
//! return if outcome.captured { accept } else { reject };
//! ```

use std::borrow::Cow;
use std::time::Duration;

use super::ScannerError;
use super::config::ScannerConfig;
use super::frame::{Frame, Framer};
use super::keymap::{control_char, us_key_for_russian};

/// What the decoder hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeEvent {
    /// A scan: prefix (unless an AIM identifier) and suffix removed, GS
    /// substitute turned into GS (0x1D); a key text "\u{1d}" is a GS too.
    Scan(Vec<u8>),
    /// Keys a person typed (slow keys, bursts too short to be a scan, other
    /// keys), exactly as fed, suffix included. The decoder kept them from the
    /// UI, so the caller applies them where they would have gone.
    Typed(String),
}

/// What [`WedgeDecoder::key`] made of a key press.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct KeyOutcome {
    /// The decoder took the key: keep it from the widgets.
    pub captured: bool,
    /// Scans and typing this key (or the time it came) completed.
    pub events: Vec<WedgeEvent>,
}

/// What a key text from Slint stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlintKey {
    /// Shift, Control, Alt, AltGr, Caps Lock, Meta (U+0010–U+0018).
    Modifier { control: bool },
    /// Arrows, function keys, Home, End, Insert, Page Up/Down, Menu, …
    /// (the private-use range U+F700–U+F8FF).
    Navigation,
    /// Anything else: characters, Enter, Tab, Backspace, Escape, …
    Other,
}

/// Classifies a key text as Slint reports it.
pub fn slint_key(text: &str) -> SlintKey {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c @ '\u{10}'..='\u{18}'), None) => SlintKey::Modifier {
            control: matches!(c, '\u{11}' | '\u{16}'),
        },
        (Some('\u{F700}'..='\u{F8FF}'), None) => SlintKey::Navigation,
        _ => SlintKey::Other,
    }
}

/// Splits key texts into scans and typing. See the module documentation.
#[derive(Debug, Clone)]
pub struct WedgeDecoder {
    framer: Framer,
    /// When the Control key was pressed, until the next key uses it: Slint's
    /// key texts carry no modifiers, and releases are not seen.
    control_at: Option<Duration>,
    /// How long a Control press applies to the next key.
    control_window: Duration,
    /// When [`tick`](Self::tick) last ran.
    last_tick: Option<Duration>,
}

/// A timer tick this long after the previous one means the UI thread
/// stalled (the app's timer runs every 20 ms).
pub const LATE_TICK: Duration = Duration::from_millis(100);

impl WedgeDecoder {
    pub fn new(config: &ScannerConfig) -> Result<Self, ScannerError> {
        config.validate()?;
        Ok(Self {
            framer: Framer::new(config, config.min_length).for_keyboard(),
            control_at: None,
            // A scanner sends Ctrl and its key within milliseconds; a stalled
            // UI thread delivers both late but together.
            control_window: config.max_gap() * 10,
            last_tick: None,
        })
    }

    /// One key press as Slint reports it (see the module documentation), at
    /// `at`: the one call the UI makes per key. Modifier and navigation keys
    /// are never captured and change no burst (a Control press is kept for
    /// the next key: Ctrl+] is GS); other keys go to [`wants_key`] and
    /// [`feed`].
    ///
    /// [`wants_key`]: Self::wants_key
    /// [`feed`]: Self::feed
    pub fn key(&mut self, text: &str, at: Duration, text_field_focused: bool) -> KeyOutcome {
        let mut events = self.flush_due(at);
        match slint_key(text) {
            SlintKey::Modifier { control } => {
                if control {
                    self.control_at = Some(at);
                }
                KeyOutcome {
                    captured: false,
                    events,
                }
            }
            SlintKey::Navigation => KeyOutcome {
                captured: false,
                events,
            },
            SlintKey::Other => {
                let control = self
                    .control_at
                    .take()
                    .is_some_and(|t| at.saturating_sub(t) < self.control_window);
                let text = ctrl_text(text, control);
                let captured = self.wants_key(&text, at, text_field_focused);
                if captured {
                    events.extend(self.feed(&text, at));
                }
                KeyOutcome { captured, events }
            }
        }
    }

    /// Feeds one key's text (usually one character; several are taken as
    /// arriving together) pressed at `at`. Returns the scans and typing that
    /// this key completed, oldest first. A key that can never be part of a
    /// scan (see [`is_scan_text`]) ends the pending burst and comes back as
    /// typing on its own.
    pub fn feed(&mut self, text: &str, at: Duration) -> Vec<WedgeEvent> {
        let mut frames = Vec::new();
        if is_scan_text(text) {
            for &b in text.as_bytes() {
                self.framer.push(b, at, &mut frames);
            }
        } else {
            self.framer.flush(&mut frames);
            frames.push(Frame::Typed(text.as_bytes().to_vec()));
        }
        events(frames)
    }

    /// Ends the pending burst if no key came for the gap: call it from a
    /// timer at [`deadline`](Self::deadline), and before feeding a key.
    pub fn flush_due(&mut self, now: Duration) -> Vec<WedgeEvent> {
        let mut frames = Vec::new();
        self.framer.flush_due(now, &mut frames);
        events(frames)
    }

    /// The UI's periodic timer: ends the bursts whose time is up, like
    /// [`flush_due`](Self::flush_due), unless this tick itself comes late.
    /// A tick more than [`LATE_TICK`] after the previous one means the UI
    /// thread stalled: keys pressed during the stall are still waiting to
    /// be delivered and may continue the pending burst, so they go first
    /// and the next tick flushes. With the keys' own times (libinput on the
    /// device) this keeps even a scanner without a suffix from being cut in
    /// two by a stall.
    pub fn tick(&mut self, now: Duration) -> Vec<WedgeEvent> {
        let late = self
            .last_tick
            .is_some_and(|t| now.saturating_sub(t) > LATE_TICK);
        self.last_tick = Some(now);
        if late {
            return Vec::new();
        }
        self.flush_due(now)
    }

    /// Ends the pending burst now, e.g. when the window loses focus.
    pub fn flush(&mut self) -> Vec<WedgeEvent> {
        let mut frames = Vec::new();
        self.framer.flush(&mut frames);
        events(frames)
    }

    /// Drops the pending burst (its device went away mid-scan); returns the
    /// number of bytes dropped.
    pub fn discard_pending(&mut self) -> usize {
        self.framer.discard()
    }

    /// When the pending burst ends if no further key comes; `None` when
    /// nothing is pending.
    pub fn deadline(&self) -> Option<Duration> {
        self.framer.deadline()
    }

    /// Whether scans can be captured while a text field has focus: only with
    /// a prefix. Without one, the first key of a scan looks exactly like a
    /// typed key, and it has to be given to the field or kept before the
    /// next key shows whether a burst follows; so a prefix-less scanner
    /// types into a focused field like a keyboard (and the field drops GS).
    pub fn capture_while_text_focused(&self) -> bool {
        self.framer.has_prefix()
    }

    /// Whether the UI should keep this key from its widgets and
    /// [`feed`](Self::feed) it. Without a focused text field: every key that
    /// can be part of a scan (typing comes back as [`WedgeEvent::Typed`]).
    /// With one: only a key that begins the prefix or continues a burst
    /// already captured (so typing keeps its order). Pure: it changes
    /// nothing. `at` is accepted for symmetry with `feed`; the decision does
    /// not depend on timing, because a pending burst is delivered in order
    /// by `feed` even when its gap has passed.
    pub fn wants_key(&self, text: &str, _at: Duration, text_field_focused: bool) -> bool {
        if text.is_empty() || !is_scan_text(text) {
            return false;
        }
        if !text_field_focused {
            return true;
        }
        if !self.framer.has_prefix() {
            return false;
        }
        if !self.framer.pending().is_empty() {
            return true;
        }
        let key = text.as_bytes();
        self.framer
            .prefixes()
            .any(|prefix| prefix.starts_with(key) || key.starts_with(prefix))
    }
}

/// Whether a key text can be part of a scan. Slint's navigation and
/// function keys (private-use characters U+F700–U+F8FF), Backspace, Escape,
/// Backtab and Delete cannot; everything else can, control characters
/// included (scanners send GS, RS, EOT, STX as such).
pub fn is_scan_text(text: &str) -> bool {
    text.chars().all(|c| {
        !matches!(
            c,
            '\u{F700}'..='\u{F8FF}' | '\u{8}' | '\u{19}' | '\u{1b}' | '\u{7f}'
        )
    })
}

/// The text a key typed with Ctrl held: Slint reports Ctrl+] as "]" with
/// the Ctrl modifier, but the scanner meant GS (see
/// [`control_char`](super::keymap::control_char)); on the Russian layout
/// the same key arrives as "ъ". Other texts unchanged.
pub fn ctrl_text(text: &str, control: bool) -> Cow<'_, str> {
    let mut chars = text.chars();
    if control
        && let (Some(c), None) = (chars.next(), chars.next())
        && let Some(ctrl) = control_char(c).or_else(|| us_key_for_russian(c).and_then(control_char))
    {
        return Cow::Owned(ctrl.to_string());
    }
    Cow::Borrowed(text)
}

fn events(frames: Vec<Frame>) -> Vec<WedgeEvent> {
    frames
        .into_iter()
        .map(|f| match f {
            Frame::Scan(bytes) => WedgeEvent::Scan(bytes),
            // Fed as &str and cut only at ASCII bytes or whole prefixes, so
            // valid UTF-8; lossy only as a guard.
            Frame::Typed(bytes) => WedgeEvent::Typed(match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn prefixed(prefix: &str) -> WedgeDecoder {
        let config = ScannerConfig {
            prefix: prefix.into(),
            ..ScannerConfig::default()
        };
        WedgeDecoder::new(&config).expect("valid config")
    }

    #[test]
    fn focused_field_captures_only_the_prefix_start() {
        let d = prefixed("\u{2}");
        assert!(d.capture_while_text_focused());
        assert!(d.wants_key("\u{2}", ms(0), true));
        assert!(!d.wants_key("a", ms(0), true));
        assert!(d.wants_key("a", ms(0), false));
        assert!(!d.wants_key("\u{F700}", ms(0), false));
        assert!(!d.wants_key("", ms(0), false));
    }

    #[test]
    fn focused_field_without_prefix_captures_nothing() {
        let d = WedgeDecoder::new(&ScannerConfig::default()).expect("valid config");
        assert!(!d.capture_while_text_focused());
        assert!(!d.wants_key("0", ms(0), true));
        assert!(d.wants_key("0", ms(0), false));
    }

    #[test]
    fn focused_field_keeps_capturing_a_started_burst() {
        let mut d = prefixed("AB");
        assert!(d.wants_key("A", ms(0), true));
        assert!(d.feed("A", ms(0)).is_empty());
        // "x" spoils the prefix but must not overtake the captured "A".
        assert!(d.wants_key("x", ms(5), true));
        assert!(d.feed("x", ms(5)).is_empty());
        assert_eq!(d.flush_due(ms(45)), vec![WedgeEvent::Typed("Ax".into())]);
        assert!(!d.wants_key("x", ms(50), true));
    }

    #[test]
    fn special_key_ends_the_burst_and_comes_back_alone() {
        let mut d = WedgeDecoder::new(&ScannerConfig::default()).expect("valid config");
        assert!(d.feed("1", ms(0)).is_empty());
        assert!(d.feed("2", ms(5)).is_empty());
        assert_eq!(
            d.feed("\u{8}", ms(10)),
            vec![
                WedgeEvent::Typed("12".into()),
                WedgeEvent::Typed("\u{8}".into())
            ]
        );
        assert_eq!(d.deadline(), None);
    }

    #[test]
    fn ctrl_text_turns_ctrl_right_bracket_into_gs() {
        assert_eq!(ctrl_text("]", true), "\u{1d}");
        assert_eq!(ctrl_text("]", false), "]");
        assert_eq!(ctrl_text("\u{1d}", true), "\u{1d}");
        assert_eq!(ctrl_text("1", true), "1");
        assert_eq!(ctrl_text("]]", true), "]]");
        assert_eq!(ctrl_text("ъ", true), "\u{1d}", "Russian layout");
        assert_eq!(ctrl_text("ъ", false), "ъ");
    }

    #[test]
    fn slint_key_codes_are_classified_by_the_slint_list() {
        // i-slint-common 1.18 key_codes.rs: the modifiers, then the
        // private-use special keys.
        for (c, control) in [
            ('\u{10}', false), // Shift
            ('\u{11}', true),  // Control
            ('\u{12}', false), // Alt
            ('\u{13}', false), // AltGr
            ('\u{14}', false), // CapsLock
            ('\u{15}', false), // ShiftR
            ('\u{16}', true),  // ControlR
            ('\u{17}', false), // Meta
            ('\u{18}', false), // MetaR
        ] {
            assert_eq!(
                slint_key(&c.to_string()),
                SlintKey::Modifier { control },
                "{c:?}"
            );
        }
        for c in [
            '\u{F700}', '\u{F704}', '\u{F71B}', '\u{F727}', '\u{F729}', '\u{F748}',
        ] {
            assert_eq!(slint_key(&c.to_string()), SlintKey::Navigation, "{c:?}");
        }
        for t in [
            "a", "\n", "\t", " ", "\u{8}", "\u{1b}", "\u{1d}", "\u{2}", "Ж", "ab",
        ] {
            assert_eq!(slint_key(t), SlintKey::Other, "{t:?}");
        }
    }

    #[test]
    fn modifiers_and_navigation_are_invisible_to_a_burst() {
        let mut d = WedgeDecoder::new(&ScannerConfig::default()).expect("valid config");
        let mut out = Vec::new();
        for (text, at) in [
            ("A", 0),
            ("\u{10}", 3),
            ("\u{F702}", 4),
            ("\u{14}", 5),
            ("B", 6),
            ("\u{15}", 9),
            ("C", 12),
            ("\n", 15),
        ] {
            let o = d.key(text, ms(at), false);
            assert_eq!(o.captured, slint_key(text) == SlintKey::Other, "{text:?}");
            out.extend(o.events);
        }
        assert_eq!(out, vec![WedgeEvent::Scan(b"ABC".to_vec())]);
    }

    #[test]
    fn control_press_applies_to_the_next_key_only_and_not_for_long() {
        let mut d = WedgeDecoder::new(&ScannerConfig::default()).expect("valid config");
        let mut out = Vec::new();
        for (text, at) in [
            ("0", 0),
            ("1", 3),
            ("\u{11}", 6),
            ("\u{10}", 7), // Ctrl+Shift+6 = RS
            ("^", 8),
            ("]", 11),
            ("\u{16}", 14), // right Control
            ("]", 16),
            ("\n", 19),
        ] {
            out.extend(d.key(text, ms(at), false).events);
        }
        assert_eq!(out, vec![WedgeEvent::Scan(b"01\x1e]\x1d".to_vec())]);
        // A Control tap long before a key does not change it.
        let _ = d.key("\u{11}", ms(1000), false);
        let o = d.key("]", ms(5000), false);
        assert!(o.captured);
        let _ = d.key("d", ms(5003), false);
        let _ = d.key("2", ms(5006), false);
        assert_eq!(
            d.key("\n", ms(5009), false).events,
            vec![WedgeEvent::Scan(b"]d2".to_vec())]
        );
    }

    #[test]
    fn focused_field_gets_typing_and_modifiers() {
        let mut d = WedgeDecoder::new(&ScannerConfig::default()).expect("valid config");
        for (text, at) in [("\u{10}", 0), ("A", 150), ("b", 400), ("\n", 700)] {
            let o = d.key(text, ms(at), true);
            assert!(!o.captured, "{text:?} goes to the field");
            assert!(o.events.is_empty());
        }
    }

    #[test]
    fn is_scan_text_allows_control_characters_scanners_send() {
        assert!(is_scan_text("\u{1d}\u{1e}\u{4}\u{2}\t\n"));
        assert!(!is_scan_text("a\u{1b}"));
        assert!(!is_scan_text("\u{F704}"));
    }
}
