//! Labels the site prints itself: work order, bin, asset, user badge and
//! document, each recognised by its configured prefix.

use serde::{Deserialize, Serialize};

use super::config::SiteLabelPrefixes;
use super::error::{ScanError, ScanErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteLabelKind {
    WorkOrder,
    Bin,
    Asset,
    User,
    Document,
}

/// A site label: its kind and the value after the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteLabel {
    pub kind: SiteLabelKind,
    pub value: String,
}

impl SiteLabelPrefixes {
    /// The prefix configured for `kind`.
    pub fn prefix(&self, kind: SiteLabelKind) -> &str {
        match kind {
            SiteLabelKind::WorkOrder => &self.work_order,
            SiteLabelKind::Bin => &self.bin,
            SiteLabelKind::Asset => &self.asset,
            SiteLabelKind::User => &self.user,
            SiteLabelKind::Document => &self.document,
        }
    }
}

const KINDS: [SiteLabelKind; 5] = [
    SiteLabelKind::WorkOrder,
    SiteLabelKind::Bin,
    SiteLabelKind::Asset,
    SiteLabelKind::User,
    SiteLabelKind::Document,
];

/// The kind whose prefix starts `s` (ASCII case-insensitively; the longest
/// prefix wins) and the prefix length.
fn matching(s: &str, prefixes: &SiteLabelPrefixes) -> Option<(SiteLabelKind, usize)> {
    KINDS
        .iter()
        .filter_map(|&k| {
            let p = prefixes.prefix(k);
            let head = s.as_bytes().get(..p.len())?;
            (!p.is_empty() && head.eq_ignore_ascii_case(p.as_bytes())).then_some((k, p.len()))
        })
        .max_by_key(|&(_, len)| len)
}

fn bad_value(value: &str) -> Option<usize> {
    value
        .char_indices()
        .find(|(_, c)| c.is_control())
        .map(|(i, _)| i)
}

/// `None` if `s` has no site prefix; otherwise the label or why it is bad.
pub(crate) fn parse(
    s: &str,
    base: usize,
    prefixes: &SiteLabelPrefixes,
) -> Option<Result<SiteLabel, ScanError>> {
    let (kind, len) = matching(s, prefixes)?;
    let rest = &s[len..];
    let value = rest.trim();
    let at = base + len + (rest.len() - rest.trim_start().len());
    if value.is_empty() {
        return Some(Err(ScanError::new(
            ScanErrorCode::SiteLabel,
            base + s.len(),
            format!(
                "site label '{}' has nothing after its prefix — rescan or type the code",
                prefixes.prefix(kind)
            ),
        )));
    }
    if let Some(i) = bad_value(value) {
        return Some(Err(ScanError::new(
            ScanErrorCode::SiteLabel,
            at + i,
            "site label contains a control character — rescan or type the code",
        )));
    }
    Some(Ok(SiteLabel {
        kind,
        value: value.to_string(),
    }))
}

/// Why a site label cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteLabelError {
    #[error("a site label needs a value")]
    Empty,
    #[error("a site label value cannot contain control characters or surrounding spaces")]
    BadValue,
}

/// The text to print in a site label's barcode.
pub fn encode_site_label(
    kind: SiteLabelKind,
    value: &str,
    prefixes: &SiteLabelPrefixes,
) -> Result<String, SiteLabelError> {
    if value.is_empty() {
        return Err(SiteLabelError::Empty);
    }
    if bad_value(value).is_some() || value.trim() != value {
        return Err(SiteLabelError::BadValue);
    }
    Ok(format!("{}{value}", prefixes.prefix(kind)))
}
