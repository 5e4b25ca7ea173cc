//! The audit trail, for accountants, controllers and admins: the site's
//! documents in ledger order — who, when, on which device, for which
//! order, reversed or not — page by page, and on request the check of the
//! hash chains that make the ledger tamper-evident.

use super::layout::{Flash, Layout};
use super::{Person, encode, failure, page};
use crate::api::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sparescan_core::rules::roles::back_office::AUDIT;

/// Documents per page.
const PAGE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/audit", get(audit))
}

#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    /// The ledger position the page starts after.
    after: Option<String>,
    /// `1`: check the hash chains.
    verify: Option<String>,
}

pub struct Entry {
    pub seq: u64,
    pub when: String,
    pub kind: &'static str,
    pub author: String,
    pub approver: String,
    pub device: String,
    pub order: Option<(String, String)>,
    pub reversed_by: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<Entry>,
    next: Option<String>,
}

async fn audit(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<AuditQuery>,
) -> Response {
    if let Err(e) = auth.require(AUDIT) {
        return failure(tr, e);
    }
    let after: u64 = q
        .after
        .as_deref()
        .and_then(|a| a.trim().parse().ok())
        .unwrap_or(0);
    let verify = q.verify.as_deref() == Some("1");
    let site = auth.session.site.clone();
    let found = state
        .readers
        .with(move |s| {
            let docs = s.documents(&site, after, PAGE + 1)?;
            let breaks = if verify {
                Some(s.verify_chains()?)
            } else {
                None
            };
            Ok((docs, breaks))
        })
        .await;
    let (mut docs, breaks) = match found {
        Ok(f) => f,
        Err(e) => return failure(tr, e),
    };
    let more = docs.len() > PAGE as usize;
    docs.truncate(PAGE as usize);
    let next = more
        .then(|| {
            docs.last()
                .map(|d| format!("/console/audit?after={}", d.seq))
        })
        .flatten();
    let flash = breaks.map(|b| {
        if b.is_empty() {
            Flash::ok(tr.t("The hash chains are intact: no document or audit entry was changed, removed or put in between since it was recorded."))
        } else {
            let at = b
                .iter()
                .map(|x| format!("{} {}", x.table, x.seq))
                .collect::<Vec<_>>()
                .join(", ");
            Flash::error(tr.f(
                "The hash chains are broken at {where}: the database was changed outside the server. Restore the last good backup and tell whoever runs the server.",
                &[("where", &at)],
            ))
        }
    });
    let entries = docs
        .into_iter()
        .map(|a| Entry {
            seq: a.seq,
            when: a
                .doc
                .device_time
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
            kind: tr.doc_kind(a.doc.kind()),
            author: a.doc.author.to_string(),
            approver: a
                .doc
                .approver
                .as_ref()
                .map(|x| x.to_string())
                .unwrap_or_default(),
            device: a.doc.device.to_string(),
            order: a.doc.work_order.as_ref().map(|w| {
                (
                    w.to_string(),
                    format!("/console/work-orders/{}", encode(w.as_str())),
                )
            }),
            reversed_by: a.reversed_by.map(|r| r.to_string()).unwrap_or_default(),
        })
        .collect();
    page(
        AuditPage {
            layout: Layout::of(&auth, tr, tr.t("Audit trail"), "/console/audit").with_flash(flash),
            entries,
            next,
        }
        .render(),
    )
}
