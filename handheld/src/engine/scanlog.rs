//! Field diagnosis: one info line per scan, for `journalctl` — where it came
//! from, the screen, what kind of code it was, what it resolved to, the
//! verdict's reason code and the milliseconds from its last key to the
//! verdict. Never the scanned or typed text: a PIN typed on a keyboard on
//! the sign-in screen arrives as typed input, and codes that resolve to
//! nothing are logged only by their length.

use std::fmt;
use std::time::{Duration, Instant};

use sparescan_core::scan::{self, Scan, SiteLabelKind};

use super::Engine;
use super::model::{ScreenId, VerdictModel};
use super::resolve::{self, Resolved};

/// Where a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A scanner (wedge, evdev or serial).
    Scanner,
    /// A code typed by hand.
    Typed,
}

/// One scan's log line (its `Display`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRecord {
    pub origin: Origin,
    pub screen: ScreenId,
    /// `gs1`, `site:work_order`, `plain`, … or `unreadable`.
    pub kind: String,
    /// `work_order:WO-1003`, `part:FAN-A2`, `unknown`, … or `-` (sign-in,
    /// unreadable).
    pub resolved: String,
    /// The reason code of the verdict the scan produced (`accepted`,
    /// `stock_shortfall`, a scan error's code, …; see [`verdict`]); on the
    /// sign-in screen `badge_accepted` or `badge_refused`.
    pub verdict: String,
    /// Bytes scanned.
    pub len: usize,
    /// From the last key (or byte) to the verdict.
    pub latency: Duration,
}

impl fmt::Display for ScanRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scan: source={} screen={} kind={} resolved={} verdict={} len={} key_to_verdict_ms={}",
            match self.origin {
                Origin::Scanner => "scanner",
                Origin::Typed => "typed",
            },
            self.screen.name(),
            self.kind,
            self.resolved,
            self.verdict,
            self.len,
            self.latency.as_millis()
        )
    }
}

/// The kind of a classified scan.
pub fn kind(decoded: &Result<Scan, scan::ScanError>) -> String {
    match decoded {
        Ok(Scan::Gs1(_)) => "gs1".into(),
        Ok(Scan::Hibc(_)) => "hibc".into(),
        Ok(Scan::Supplier(_)) => "supplier".into(),
        Ok(Scan::Site(label)) => format!(
            "site:{}",
            match label.kind {
                SiteLabelKind::WorkOrder => "work_order",
                SiteLabelKind::Bin => "bin",
                SiteLabelKind::Asset => "asset",
                SiteLabelKind::User => "user",
                SiteLabelKind::Document => "document",
            }
        ),
        Ok(Scan::Plain(_)) => "plain".into(),
        Err(_) => "unreadable".into(),
    }
}

/// What a scan resolved to: the kind and id of a record of the cache; a
/// badge or an unknown code without its text.
pub fn resolved(r: &Resolved) -> String {
    match r {
        Resolved::WorkOrder(wo) => format!("work_order:{}", wo.id),
        Resolved::Bin(b) => format!("bin:{}", b.id),
        Resolved::Asset(a) => format!("asset:{}", a.id),
        Resolved::Badge(_) => "badge".into(),
        Resolved::Document(id) => format!("document:{}", id.0),
        Resolved::Part(p) => format!("part:{}", p.item.id),
        Resolved::Unknown(_) => "unknown".into(),
    }
}

/// The verdict code a scan produced, from the verdict before and after it.
/// A verdict equal to the one shown before is reported as `same:<code>`:
/// the scan repeated it, or produced none and left it standing.
pub fn verdict(before: Option<&VerdictModel>, after: Option<&VerdictModel>) -> String {
    match after {
        None => "none".into(),
        Some(v) if before == Some(v) => format!("same:{}", v.code),
        Some(v) => v.code.clone(),
    }
}

impl Engine {
    /// Judges one scan (or typed code) like [`Input::Scan`](super::Input)
    /// and logs it at info: the one place scans are logged. `last_key`: when
    /// the reader got the scan's last key or byte, if it knows.
    pub fn scan_logged(&mut self, bytes: &[u8], origin: Origin, last_key: Option<Instant>) {
        let last_key = last_key.unwrap_or_else(Instant::now);
        let screen = self.screen;
        let decoded = scan::classify(bytes, &self.scan_config);
        // Resolved again here (the flows consume theirs): a point lookup.
        let resolved = match (&decoded, screen) {
            (Ok(d), s) if !matches!(s, ScreenId::Enroll | ScreenId::SignIn) => {
                let context = self.flow.as_ref().and_then(|f| f.context_item());
                match resolve::resolve(&self.cache, d, context.as_ref()) {
                    Ok(r) => resolved(&r),
                    Err(_) => "storage_error".into(),
                }
            }
            _ => "-".into(),
        };
        let before = self.verdict.clone();
        self.scan(bytes);
        let verdict = if screen == ScreenId::SignIn && decoded.is_ok() {
            if self.sign_in_error.is_empty() {
                "badge_accepted".into()
            } else {
                "badge_refused".into()
            }
        } else {
            verdict(before.as_ref(), self.verdict.as_ref())
        };
        let record = ScanRecord {
            origin,
            screen,
            kind: kind(&decoded),
            resolved,
            verdict,
            len: bytes.len(),
            latency: last_key.elapsed(),
        };
        log::info!("{record}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparescan_core::scan::ScanConfig;

    fn verdict_of(code: &str) -> VerdictModel {
        VerdictModel {
            code: code.into(),
            ..VerdictModel::default()
        }
    }

    #[test]
    fn record_line_has_every_field_and_no_scanned_text() {
        let record = ScanRecord {
            origin: Origin::Scanner,
            screen: ScreenId::Issue,
            kind: kind(&scan::classify(b"WO:WO-1003", &ScanConfig::default())),
            resolved: "work_order:WO-1003".into(),
            verdict: verdict(None, Some(&verdict_of("accepted"))),
            len: 10,
            latency: Duration::from_micros(3_900),
        };
        assert_eq!(
            record.to_string(),
            "scan: source=scanner screen=issue kind=site:work_order \
             resolved=work_order:WO-1003 verdict=accepted len=10 key_to_verdict_ms=3"
        );
        let typed = ScanRecord {
            origin: Origin::Typed,
            screen: ScreenId::SignIn,
            kind: kind(&scan::classify(b"4711", &ScanConfig::default())),
            resolved: resolved(&Resolved::Unknown("4711".into())),
            verdict: "badge_refused".into(),
            len: 4,
            latency: Duration::ZERO,
        };
        let line = typed.to_string();
        assert!(!line.contains("4711"), "{line}");
        assert_eq!(
            line,
            "scan: source=typed screen=sign-in kind=plain resolved=unknown \
             verdict=badge_refused len=4 key_to_verdict_ms=0"
        );
        assert!(!resolved(&Resolved::Badge("B-1001".into())).contains("1001"));
    }

    #[test]
    fn verdict_code_tells_new_from_standing() {
        let refused = verdict_of("stock_shortfall");
        assert_eq!(verdict(None, None), "none");
        assert_eq!(verdict(None, Some(&refused)), "stock_shortfall");
        assert_eq!(
            verdict(Some(&verdict_of("accepted")), Some(&refused)),
            "stock_shortfall"
        );
        assert_eq!(
            verdict(Some(&refused), Some(&refused)),
            "same:stock_shortfall"
        );
        assert_eq!(
            kind(&scan::classify(b"", &ScanConfig::default())),
            "unreadable"
        );
    }

    /// Keeps this module's log lines, with the thread that wrote them.
    struct Capture;
    static LINES: std::sync::Mutex<Vec<(std::thread::ThreadId, String)>> =
        std::sync::Mutex::new(Vec::new());

    impl log::Log for Capture {
        fn enabled(&self, m: &log::Metadata) -> bool {
            m.target() == module_path!().trim_end_matches("::tests")
        }
        fn log(&self, r: &log::Record) {
            if self.enabled(r.metadata())
                && let Ok(mut lines) = LINES.lock()
            {
                lines.push((std::thread::current().id(), r.args().to_string()));
            }
        }
        fn flush(&self) {}
    }

    #[test]
    fn engine_logs_each_scan_once_without_its_text() {
        static CAPTURE: Capture = Capture;
        log::set_logger(&CAPTURE).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Info);
        let cache = crate::cache::Cache::open_in_memory().expect("cache");
        cache.set_meta("device_id", Some("dev-test")).expect("meta");
        cache.set_meta("site", Some("S1")).expect("meta");
        let mut engine = Engine::new(cache, ScanConfig::default());
        assert_eq!(engine.screen(), ScreenId::SignIn);
        engine.handle(super::super::Input::Scan(b"USR:B-1001".to_vec()));
        engine.handle(super::super::Input::Typed("4711".into()));
        engine.scan_logged(b"", Origin::Scanner, Some(Instant::now()));
        let me = std::thread::current().id();
        let lines: Vec<String> = LINES
            .lock()
            .expect("lines")
            .iter()
            .filter(|(t, _)| *t == me)
            .map(|(_, l)| l.clone())
            .collect();
        let want = [
            "scan: source=scanner screen=sign-in kind=site:user resolved=- verdict=badge_refused len=10",
            "scan: source=typed screen=sign-in kind=plain resolved=- verdict=badge_refused len=4",
            "scan: source=scanner screen=sign-in kind=unreadable resolved=- verdict=empty len=0",
        ];
        assert_eq!(lines.len(), want.len(), "{lines:#?}");
        for (line, want) in lines.iter().zip(want) {
            assert!(line.starts_with(want), "{line}");
            assert!(line.contains(" key_to_verdict_ms="), "{line}");
            assert!(!line.contains("1001") && !line.contains("4711"), "{line}");
        }
    }
}
