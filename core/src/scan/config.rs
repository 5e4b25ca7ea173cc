//! Scanner and site configuration of the decoder.

use serde::{Deserialize, Serialize};

/// How the scanner delivers control characters, and the site's label prefixes.
///
/// The default needs no setup: GS (0x1D), RS (0x1E) and EOT (0x04) are taken
/// as they come, and so are their Unicode control pictures (␝ ␞ ␄).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanConfig {
    /// Character a keyboard-wedge scanner sends instead of GS / FNC1.
    pub gs_substitute: Option<char>,
    /// Character sent instead of RS (supplier labels).
    pub rs_substitute: Option<char>,
    /// Character sent instead of EOT (supplier labels).
    pub eot_substitute: Option<char>,
    /// Prefixes of the site's own labels.
    pub prefixes: SiteLabelPrefixes,
    /// Year the two-digit GS1 years are read against; `None` = this year.
    pub reference_year: Option<i32>,
}

/// Prefixes of the labels the site prints itself. Matched case-insensitively
/// (a wedge with Caps Lock on still works); the value after the prefix is the
/// label's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteLabelPrefixes {
    /// Default `WO:`.
    pub work_order: String,
    /// Default `BIN:`.
    pub bin: String,
    /// Default `AST:`.
    pub asset: String,
    /// Default `USR:`.
    pub user: String,
    /// Default `DOC:`.
    pub document: String,
}

impl Default for SiteLabelPrefixes {
    fn default() -> Self {
        Self {
            work_order: "WO:".into(),
            bin: "BIN:".into(),
            asset: "AST:".into(),
            user: "USR:".into(),
            document: "DOC:".into(),
        }
    }
}
