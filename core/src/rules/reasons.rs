//! The site's reasons (the article's reason codes): which kind a movement
//! takes, and whether the document names one the site has for it.
//!
//! A site that has reasons of a kind asks for one on every movement of
//! that kind; a site that has none keeps free text where the rules ask for
//! a reason (a substitution). A reason that asks for free text beside it
//! needs the text too.

use super::{Ctx, Rule};
use crate::document::{Body, Document};
use crate::model::{ReasonKind, SerialKey};
use crate::reason::{ReasonCode, Refusal};
use crate::view::{LedgerView, ViewError};

/// Which kind of the site's reasons `doc` takes, if any. A removed unit
/// still under warranty at the document's time takes a warranty
/// replacement reason where the site has such reasons, else a defect.
pub fn kind_for(view: &impl LedgerView, doc: &Document) -> Result<Option<ReasonKind>, ViewError> {
    Ok(match &doc.body {
        Body::SubstitutionIssue { .. }
        | Body::ApprovalRequest {
            what: crate::model::ApprovalKind::Substitution,
            ..
        } => Some(ReasonKind::Substitution),
        Body::WriteOff { .. } => Some(ReasonKind::WriteOff),
        Body::Return { .. } => Some(ReasonKind::Return),
        Body::RemovedUnitReturn { item, serial, .. } => {
            let key = SerialKey {
                item: item.clone(),
                serial: serial.clone(),
            };
            let under_warranty = view
                .warranty(&key)?
                .is_some_and(|until| super::warranty::covers(until, doc.device_time));
            if under_warranty
                && !view
                    .site_reasons(ReasonKind::WarrantyReplacement)?
                    .is_empty()
            {
                Some(ReasonKind::WarrantyReplacement)
            } else {
                Some(ReasonKind::Defect)
            }
        }
        _ => None,
    })
}

/// The document's reason against the site's reasons for its kind.
pub(super) fn check<V: LedgerView>(ctx: &Ctx<V>) -> Rule {
    let doc = ctx.doc;
    let kind = kind_for(ctx.view, doc)?;
    let Some(code) = &doc.reason_code else {
        if let Some(kind) = kind
            && !ctx.view.site_reasons(kind)?.is_empty()
        {
            return Err(Refusal::new(ReasonCode::ReasonCodeRequired)
                .detail(format!("a {} reason", kind_words(kind)))
                .into());
        }
        return Ok(());
    };
    let Some(kind) = kind else {
        return Err(Refusal::new(ReasonCode::ReasonCodeInvalid)
            .detail(format!("{code}: this movement takes no reason code"))
            .into());
    };
    let reason = ctx
        .view
        .site_reason(code)?
        .filter(|r| r.active)
        .ok_or_else(|| {
            Refusal::new(ReasonCode::ReasonCodeInvalid)
                .detail(format!("{code} is not a reason of this site"))
        })?;
    if reason.kind != kind {
        let why = if kind == ReasonKind::WarrantyReplacement {
            ", the unit is under warranty"
        } else if reason.kind == ReasonKind::WarrantyReplacement {
            ", the unit is not under warranty"
        } else {
            ""
        };
        return Err(Refusal::new(ReasonCode::ReasonCodeInvalid)
            .detail(format!(
                "{code} is a {} reason; this needs a {} reason{why}",
                kind_words(reason.kind),
                kind_words(kind)
            ))
            .into());
    }
    if reason.free_text && doc.reason.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(Refusal::new(ReasonCode::ReasonRequired)
            .detail(format!("{code} asks for a few words beside it"))
            .into());
    }
    Ok(())
}

/// A kind as the refusals word it.
pub fn kind_words(kind: ReasonKind) -> &'static str {
    match kind {
        ReasonKind::WriteOff => "write-off",
        ReasonKind::Defect => "defect",
        ReasonKind::Return => "return",
        ReasonKind::Substitution => "substitution",
        ReasonKind::WarrantyReplacement => "warranty replacement",
    }
}
