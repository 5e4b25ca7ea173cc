//! The typed refusal of a scan.

use serde::{Deserialize, Serialize};

/// Stable reason codes; the app maps them to its own wording or help pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanErrorCode {
    /// Nothing was scanned.
    Empty,
    /// The bytes are not UTF-8 text.
    InvalidEncoding,
    /// Digits where an Application Identifier should start match no AI.
    UnknownAi,
    /// The data ends (or a separator comes) before a field is complete.
    Truncated,
    /// A field is longer than its AI allows.
    TooLong,
    /// A character outside the field's character set.
    InvalidCharacter,
    /// A GS1 check digit (or check character pair) does not match.
    CheckDigit,
    /// A date that does not exist (month 13, 30 February, …).
    InvalidDate,
    /// A time that does not exist (hour 24, minute 60, …).
    InvalidTime,
    /// Another content rule of the field fails (country, currency, …).
    InvalidValue,
    /// An AI that needs another AI on the same label comes without it.
    MissingRequiredAi,
    /// Two AIs that must not appear together.
    ExcludedAiPair,
    /// The same AI twice with different values.
    DuplicateAi,
    /// The GS separators seem to have been dropped and the data can be split
    /// in more than one valid way.
    AmbiguousWithoutSeparator,
    /// A GS1 Digital Link URI that breaks the URI syntax rules.
    DigitalLink,
    /// A HIBC label whose structure is wrong.
    HibcFormat,
    /// A HIBC label whose mod-43 check character does not match.
    HibcCheckCharacter,
    /// An ANSI MH10.8.2 / ECIA supplier label whose structure is wrong.
    SupplierFormat,
    /// A site label prefix with nothing (or unprintable characters) after it.
    SiteLabel,
}

/// A refused scan: what is wrong, where (byte offset in the input, at most
/// its length), and a sentence for the technician.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ScanError {
    pub code: ScanErrorCode,
    pub position: usize,
    pub message: String,
}

impl ScanError {
    pub fn new(code: ScanErrorCode, position: usize, message: impl Into<String>) -> Self {
        Self {
            code,
            position,
            message: message.into(),
        }
    }

    /// Moves the position by `offset` (errors found in a slice of the input).
    pub(crate) fn shifted(mut self, offset: usize) -> Self {
        self.position += offset;
        self
    }
}
