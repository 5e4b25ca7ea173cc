//! The site's reasons on the handheld: offered as choices on the screens
//! whose movements take them, in the person's language; the one chosen is
//! put on each document of its kind (`rules::reasons::kind_for`), and the
//! rules refuse a movement that needs one and has none.

use super::Cx;
use super::model::{RowModel, Tone};
use super::text::{language, t};
use sparescan_core::document::Document;
use sparescan_core::ids::ReasonId;
use sparescan_core::model::ReasonKind;
use sparescan_core::rules::reasons::kind_for;
use sparescan_core::view::{LedgerView, ViewError};

/// How a reason's choice id starts.
const PREFIX: &str = "reason:";

/// The site's active reasons of `kinds` as choices, the chosen one marked.
pub(super) fn choices(
    cx: &Cx,
    kinds: &[ReasonKind],
    chosen: Option<&ReasonId>,
) -> Result<Vec<RowModel>, ViewError> {
    let view = cx.cache.view();
    let mut out = Vec::new();
    for kind in kinds {
        for r in view.site_reasons(*kind)? {
            let tone = if chosen == Some(&r.code) {
                Tone::Ok
            } else {
                Tone::Plain
            };
            let detail = if r.free_text {
                format!("{} · {}", r.code, t("with a few words"))
            } else {
                r.code.to_string()
            };
            out.push(
                RowModel::new(format!("{PREFIX}{}", r.code), r.text(language()), detail).tone(tone),
            );
        }
    }
    Ok(out)
}

/// The reason a choice id names, if it names one.
pub(super) fn chosen(id: &str) -> Option<ReasonId> {
    id.strip_prefix(PREFIX).map(ReasonId::from)
}

/// Puts the chosen reason on `doc` when it is of the kind the movement
/// takes; otherwise the document goes without, and the rules say which
/// kind it needs.
pub(super) fn apply(
    cx: &Cx,
    doc: &mut Document,
    chosen: Option<&ReasonId>,
) -> Result<(), ViewError> {
    let Some(code) = chosen else {
        return Ok(());
    };
    let view = cx.cache.view();
    let kind = kind_for(&view, doc)?;
    if let Some(r) = view.site_reason(code)?
        && Some(r.kind) == kind
    {
        doc.reason_code = Some(code.clone());
    }
    Ok(())
}
