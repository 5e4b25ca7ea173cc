//! The `[scanner]` table of the device configuration.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ScannerError;

/// How the barcode engine's data reaches the app.
///
/// The `[scanner]` table of the device's TOML configuration, for example:
///
/// ```toml
/// [scanner]
/// mode = "evdev"
/// evdev_device = "/dev/input/by-id/usb-Honeywell_Scanner-event-kbd"
/// prefix = "]"            # the scanner sends AIM symbology identifiers
/// gs_substitute = "<GS>"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerConfig {
    /// `"wedge"` (default): the scanner types into the UI like a keyboard
    /// and the UI hands keys to the decoder. `"evdev"`: the app takes the
    /// scanner's keyboard device for itself (Linux, `evdev_device`) and reads
    /// keys with their hardware timestamps. `"serial"`: the scanner is a
    /// serial or USB-CDC port (`serial_device`, `baud`) delivering raw bytes.
    pub mode: ScannerMode,
    /// What the scanner sends before every scan (default: nothing), e.g. STX
    /// (`"\u0002"`). A key sequence starting with the prefix is a scan however
    /// slowly it arrives, and it is the only way scans can be told from
    /// typing while a text field has focus. The prefix is removed from the
    /// delivered bytes, except a prefix starting with `]`: that is the AIM
    /// symbology identifier (`]d2`, `]C1`, …), which stays because the
    /// decoder reads it.
    pub prefix: String,
    /// What ends a scan: `"\n"` (default, the Enter key), `"\r"` or `"\r\n"`
    /// (all three mean a line end: CR, LF or CR LF), `"\t"` (Tab), or `""` /
    /// `"none"` (a scan ends when the keys stop for `max_gap_ms`). Removed from
    /// the delivered bytes. A line end cannot occur inside a scan. From a
    /// keyboard (wedge, evdev), a burst that began like a scan waits for the
    /// suffix up to a second, so a stall of the app cannot cut it in two;
    /// set `"none"` if the scanner sends no suffix.
    pub suffix: Suffix,
    /// What the scanner sends instead of the GS group separator (0x1D), when
    /// it cannot send GS itself, e.g. `"^]"` or `"<GS>"`. Turned back into
    /// 0x1D in the delivered bytes. Unset (default): only a real GS counts;
    /// in wedge and evdev modes Ctrl+] also arrives as GS.
    pub gs_substitute: Option<String>,
    /// Longest pause, in milliseconds, between two keys (or serial reads) of
    /// one scan; default 40. Keys less than this apart form a burst: a scan
    /// if it is long enough (`min_length`). A longer pause ends the scan, so
    /// raise it if scans arrive cut in two; lower it if fast typing is taken
    /// for scans. After a prefix, ten times this pause is allowed; from a
    /// keyboard with a suffix configured, see `suffix`.
    pub max_gap_ms: u64,
    /// Fewest characters (prefix and suffix not counted) a burst without a
    /// prefix needs to be a scan rather than typing; default 3, at least 2.
    /// Serial lines carry only scanner data: there every frame is a scan.
    pub min_length: usize,
    /// Mode `"evdev"`: the scanner's input device, preferably its stable
    /// name, e.g. `/dev/input/by-id/usb-…-event-kbd`. Taken exclusively, so
    /// its keys no longer reach the UI.
    pub evdev_device: Option<PathBuf>,
    /// Mode `"serial"`: the port, e.g. `/dev/ttyACM0` or `/dev/ttyUSB0`.
    pub serial_device: Option<PathBuf>,
    /// Mode `"serial"`: bits per second, default 9600 (8 data bits, no
    /// parity, 1 stop bit). USB-CDC scanners ignore it.
    pub baud: u32,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        Self {
            mode: ScannerMode::Wedge,
            prefix: String::new(),
            suffix: Suffix::Lf,
            gs_substitute: None,
            max_gap_ms: 40,
            min_length: 3,
            evdev_device: None,
            serial_device: None,
            baud: 9600,
        }
    }
}

/// See [`ScannerConfig::mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScannerMode {
    #[default]
    Wedge,
    Evdev,
    Serial,
}

impl fmt::Display for ScannerMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Wedge => "wedge",
            Self::Evdev => "evdev",
            Self::Serial => "serial",
        })
    }
}

/// See [`ScannerConfig::suffix`]. The three line-end spellings behave alike;
/// they are kept apart only so a configuration reads back as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Suffix {
    #[default]
    Lf,
    Cr,
    CrLf,
    Tab,
    None,
}

impl Suffix {
    /// Whether `b` ends a scan.
    pub(crate) fn ends_with(self, b: u8) -> bool {
        match self {
            Self::Lf | Self::Cr | Self::CrLf => b == b'\n' || b == b'\r',
            Self::Tab => b == b'\t',
            Self::None => false,
        }
    }
}

impl TryFrom<String> for Suffix {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "\n" => Ok(Self::Lf),
            "\r" => Ok(Self::Cr),
            "\r\n" => Ok(Self::CrLf),
            "\t" => Ok(Self::Tab),
            "" | "none" => Ok(Self::None),
            other => Err(format!(
                "suffix {other:?} is not one of \"\\n\", \"\\r\", \"\\r\\n\", \"\\t\", \"\" or \"none\""
            )),
        }
    }
}

impl From<Suffix> for String {
    fn from(s: Suffix) -> String {
        match s {
            Suffix::Lf => "\n",
            Suffix::Cr => "\r",
            Suffix::CrLf => "\r\n",
            Suffix::Tab => "\t",
            Suffix::None => "",
        }
        .to_string()
    }
}

impl ScannerConfig {
    /// The pause that ends a burst.
    pub fn max_gap(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.max_gap_ms)
    }

    /// Checks the values that make no sense on their own or together.
    pub fn validate(&self) -> Result<(), ScannerError> {
        let bad = |msg: String| Err(ScannerError::Config(msg));
        if !(1..=10_000).contains(&self.max_gap_ms) {
            return bad(format!(
                "max_gap_ms = {} must be between 1 and 10000",
                self.max_gap_ms
            ));
        }
        if self.min_length < 2 {
            return bad(format!(
                "min_length = {} must be at least 2, or every key pressed would be a scan",
                self.min_length
            ));
        }
        if self.prefix.bytes().any(|b| self.suffix.ends_with(b)) {
            return bad("the prefix must not contain the suffix".into());
        }
        if let Some(sub) = &self.gs_substitute {
            if sub.is_empty() {
                return bad("gs_substitute must not be empty (leave it out instead)".into());
            }
            if sub.bytes().any(|b| self.suffix.ends_with(b)) {
                return bad("gs_substitute must not contain the suffix".into());
            }
        }
        match self.mode {
            ScannerMode::Evdev if self.evdev_device.is_none() => {
                bad("mode \"evdev\" needs evdev_device".into())
            }
            ScannerMode::Serial if self.serial_device.is_none() => {
                bad("mode \"serial\" needs serial_device".into())
            }
            ScannerMode::Serial if self.baud == 0 => bad("baud must not be 0".into()),
            _ => Ok(()),
        }
    }
}
