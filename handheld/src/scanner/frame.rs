//! Cutting a timed stream of bytes into scans and typing: the rules the
//! keyboard paths (wedge, evdev) and the serial path share.

use std::borrow::Cow;
use std::time::Duration;

use super::config::{ScannerConfig, Suffix};
use super::keymap;

const GS: u8 = 0x1D;

/// Once the prefix has said "scanner", a pause this many times `max_gap`
/// is still the same scan: a busy UI thread or a USB hiccup must not cut it.
const PREFIXED_GAP_FACTOR: u32 = 10;

/// Keyboards with a suffix configured: once a burst has begun like a scan
/// (the prefix, or without one two keys less than `max_gap` apart), the
/// suffix ends it, and only a pause this long (at least
/// `PREFIXED_GAP_FACTOR` × `max_gap`) ends it without one. In wedge mode
/// the gaps are measured when the UI thread handles the keys, so a stall of
/// the app would otherwise cut a scan in two.
const SUFFIX_WAIT: Duration = Duration::from_secs(1);

/// One delimited piece of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// Scan data: prefix (unless an AIM identifier) and suffix removed, GS
    /// substitute replaced by GS.
    Scan(Vec<u8>),
    /// Input that is not a scan, exactly as it came (suffix included).
    Typed(Vec<u8>),
}

#[derive(Debug, Clone)]
pub(crate) struct Framer {
    prefix: Vec<u8>,
    keep_prefix: bool,
    suffix: Suffix,
    gs_substitute: Option<Vec<u8>>,
    max_gap: Duration,
    min_chars: usize,
    /// Keyboard input (see [`Framer::for_keyboard`]).
    keyboard: bool,
    /// The prefix as it arrives while the Russian layout is active, if it
    /// differs; keyboard input only.
    russian_prefix: Option<Vec<u8>>,
    buf: Vec<u8>,
    /// Time of the newest byte in `buf`; `None` when `buf` is empty.
    last: Option<Duration>,
    /// `buf` starts with a prefix of this many bytes (0: no prefix).
    prefixed: usize,
    /// A CR ended the previous frame at this time: an LF right after it is
    /// the rest of a CR LF line end.
    cr_at: Option<Duration>,
}

impl Framer {
    /// `min_chars`: the shortest unprefixed burst that counts as a scan.
    pub fn new(config: &ScannerConfig, min_chars: usize) -> Self {
        Self {
            prefix: config.prefix.as_bytes().to_vec(),
            keep_prefix: config.prefix.starts_with(']'),
            suffix: config.suffix,
            gs_substitute: config
                .gs_substitute
                .as_ref()
                .filter(|s| !s.is_empty())
                .map(|s| s.as_bytes().to_vec()),
            max_gap: config.max_gap(),
            min_chars,
            keyboard: false,
            russian_prefix: None,
            buf: Vec::new(),
            last: None,
            prefixed: 0,
            cr_at: None,
        }
    }

    /// Keyboard input (wedge and evdev), where a person may type too and the
    /// key times may come from a busy UI thread: a burst that began like a
    /// scan waits for the configured suffix (see [`SUFFIX_WAIT`]), and a scan
    /// typed while the Russian layout was active comes back in the Latin
    /// characters of its keys ([`keymap::latin_from_russian`]; the prefix is
    /// recognised in either spelling). Barcodes on our labels are ASCII.
    pub fn for_keyboard(mut self) -> Self {
        self.keyboard = true;
        let prefix = String::from_utf8_lossy(&self.prefix).into_owned();
        let russian = keymap::russian_spelling(&prefix).into_bytes();
        self.russian_prefix = (russian != self.prefix).then_some(russian);
        self
    }

    /// The configured prefix, and its Russian-layout spelling if it differs.
    pub fn prefixes(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(self.prefix.as_slice()).chain(self.russian_prefix.as_deref())
    }

    pub fn has_prefix(&self) -> bool {
        !self.prefix.is_empty()
    }

    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// When the pending burst ends if nothing more arrives.
    pub fn deadline(&self) -> Option<Duration> {
        let gap = if self.waits_for_suffix() {
            SUFFIX_WAIT.max(self.max_gap * PREFIXED_GAP_FACTOR)
        } else if self.prefixed > 0 {
            self.max_gap * PREFIXED_GAP_FACTOR
        } else {
            self.max_gap
        };
        self.last.map(|t| t + gap)
    }

    /// The pending keyboard burst began like a scan (with the prefix, if one
    /// is configured) and a suffix will end it.
    fn waits_for_suffix(&self) -> bool {
        self.keyboard
            && self.suffix != Suffix::None
            && (self.prefixed > 0 || (self.prefix.is_empty() && char_count(&self.buf) >= 2))
    }

    pub fn push(&mut self, b: u8, at: Duration, out: &mut Vec<Frame>) {
        if let Some(cr) = self.cr_at.take()
            && b == b'\n'
            && at.saturating_sub(cr) < self.max_gap
        {
            return;
        }
        if self.deadline().is_some_and(|d| at >= d) {
            self.finish(false, out);
        }
        self.buf.push(b);
        self.last = Some(at);
        if self.suffix.ends_with(b) {
            if b == b'\r' {
                self.cr_at = Some(at);
            }
            self.finish(true, out);
            return;
        }
        let matched = (self.prefixed == 0)
            .then(|| {
                self.prefixes()
                    .find(|p| !p.is_empty() && self.buf.ends_with(p))
                    .map(<[u8]>::len)
            })
            .flatten();
        if let Some(len) = matched {
            // Keys that came just before the prefix are not part of the scan.
            let start = self.buf.len() - len;
            if start > 0 {
                let head: Vec<u8> = self.buf.drain(..start).collect();
                out.extend(self.classify(head, 0, false));
            }
            self.prefixed = len;
        }
    }

    /// Ends the pending burst if its gap has passed at `now`.
    pub fn flush_due(&mut self, now: Duration, out: &mut Vec<Frame>) {
        if self.deadline().is_some_and(|d| now >= d) {
            if self.waits_for_suffix() {
                log::info!(
                    "scanner: a scan ended by a pause of {} ms without its suffix; if the \
                     scanner sends none, set suffix = \"none\" in [scanner]",
                    SUFFIX_WAIT
                        .max(self.max_gap * PREFIXED_GAP_FACTOR)
                        .as_millis()
                );
            }
            self.finish(false, out);
        }
    }

    /// Ends the pending burst now.
    pub fn flush(&mut self, out: &mut Vec<Frame>) {
        self.finish(false, out);
    }

    /// Drops the pending burst (its source went away mid-scan: a cut-off
    /// code may still look valid, so it must not be delivered). Returns how
    /// many bytes were dropped.
    pub fn discard(&mut self) -> usize {
        let n = self.buf.len();
        self.buf.clear();
        self.last = None;
        self.prefixed = 0;
        self.cr_at = None;
        n
    }

    fn finish(&mut self, terminated: bool, out: &mut Vec<Frame>) {
        let raw = std::mem::take(&mut self.buf);
        let prefixed = std::mem::take(&mut self.prefixed);
        self.last = None;
        out.extend(self.classify(raw, prefixed, terminated));
    }

    /// `prefix_len`: bytes of prefix `raw` starts with (0: none).
    fn classify(&self, raw: Vec<u8>, prefix_len: usize, terminated: bool) -> Option<Frame> {
        if raw.is_empty() {
            return None;
        }
        let end = raw.len() - usize::from(terminated);
        let prefixed = prefix_len > 0;
        let payload = self.latin_payload(&raw[..end], &raw[prefix_len..end]);
        let payload = replace_gs(&payload, self.gs_substitute.as_deref());
        let is_scan = if prefixed {
            !payload.is_empty()
        } else {
            char_count(&payload) >= self.min_chars
        };
        if !is_scan {
            return Some(Frame::Typed(raw));
        }
        if prefixed && self.keep_prefix {
            // The configured spelling, whichever layout typed it.
            let mut data = self.prefix.clone();
            data.extend_from_slice(&payload);
            return Some(Frame::Scan(data));
        }
        Some(Frame::Scan(payload))
    }

    /// `payload` (part of `burst`) in the Latin characters of its keys when
    /// the keyboard burst shows it was typed on the Russian layout (the
    /// prefix alone may show it, e.g. `ъ` for the AIM `]`).
    fn latin_payload<'a>(&self, burst: &[u8], payload: &'a [u8]) -> Cow<'a, [u8]> {
        if self.keyboard
            && let (Ok(burst), Ok(text)) =
                (std::str::from_utf8(burst), std::str::from_utf8(payload))
            && keymap::typed_on_russian(burst)
        {
            return Cow::Owned(keymap::latin_keys(text).into_bytes());
        }
        Cow::Borrowed(payload)
    }
}

/// Every occurrence of `sub` becomes GS.
fn replace_gs(data: &[u8], sub: Option<&[u8]>) -> Vec<u8> {
    let Some(sub) = sub else {
        return data.to_vec();
    };
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(sub) {
            out.push(GS);
            i += sub.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

/// Characters in UTF-8 text: bytes that do not continue a character.
fn char_count(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn run(config: &ScannerConfig, input: &[(&[u8], u64)], end: u64) -> Vec<Frame> {
        let mut f = Framer::new(config, config.min_length);
        let mut out = Vec::new();
        for (bytes, at) in input {
            for &b in *bytes {
                f.push(b, ms(*at), &mut out);
            }
        }
        f.flush_due(ms(end), &mut out);
        out
    }

    #[test]
    fn replace_gs_handles_overlaps_and_ends() {
        assert_eq!(
            replace_gs(b"a<GS><GS>b<GS", Some(b"<GS>")),
            b"a\x1d\x1db<GS"
        );
        assert_eq!(replace_gs(b"^]^", Some(b"^]")), b"\x1d^");
        assert_eq!(replace_gs(b"a^]", None), b"a^]");
    }

    #[test]
    fn char_count_counts_characters_not_bytes() {
        assert_eq!(char_count("aé€".as_bytes()), 3);
        assert_eq!(char_count(b""), 0);
    }

    #[test]
    fn cr_lf_is_one_line_end_but_a_late_lf_is_not() {
        let config = ScannerConfig::default();
        let out = run(
            &config,
            &[(b"abc\r\n", 0), (b"def\r", 5), (b"\n", 100)],
            200,
        );
        assert_eq!(
            out,
            vec![
                Frame::Scan(b"abc".to_vec()),
                Frame::Scan(b"def".to_vec()),
                Frame::Typed(b"\n".to_vec()),
            ]
        );
    }

    #[test]
    fn prefixed_scan_tolerates_longer_pauses_and_ends_at_ten_gaps() {
        let config = ScannerConfig {
            prefix: "\u{2}".into(),
            suffix: Suffix::None,
            ..ScannerConfig::default()
        };
        let mut f = Framer::new(&config, config.min_length);
        let mut out = Vec::new();
        f.push(2, ms(0), &mut out);
        f.push(b'A', ms(300), &mut out);
        assert_eq!(f.deadline(), Some(ms(700)));
        f.flush_due(ms(699), &mut out);
        assert!(out.is_empty());
        f.flush_due(ms(700), &mut out);
        assert_eq!(out, vec![Frame::Scan(b"A".to_vec())]);
    }

    #[test]
    fn discard_drops_the_partial_burst() {
        let config = ScannerConfig::default();
        let mut f = Framer::new(&config, 3);
        let mut out = Vec::new();
        for b in *b"0123" {
            f.push(b, ms(0), &mut out);
        }
        assert_eq!(f.discard(), 4);
        f.flush(&mut out);
        assert!(out.is_empty());
        assert_eq!(f.deadline(), None);
    }
}
