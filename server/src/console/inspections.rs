//! The inspection queue, for clerks and controllers: what waits in
//! quarantine (per unit for serial items), and the decision on each —
//! back to the shelf as new or opened, or rejected — recorded as an
//! inspection-decision document judged by the rules.

use super::i18n::Tr;
use super::layout::{Flash, Layout};
use super::{Person, failure, page, record, words};
use crate::api::auth::UserAuth;
use crate::api::backoffice::office_document;
use crate::api::{ApiError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use sparescan_core::document::{Body, Decision, DocKind};
use sparescan_core::model::{Condition, Role, SerialState};
use sparescan_core::qty::Qty;
use sparescan_core::rules::roles::author_roles;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/inspections", get(queue).post(decide))
}

/// Who decides inspections.
pub fn inspectors() -> &'static [Role] {
    author_roles(DocKind::InspectionDecision, None)
}

/// A unit or quantity waiting for a decision.
pub struct Waiting {
    pub item: String,
    pub name: String,
    pub bin: String,
    pub batch: String,
    pub serial: String,
    pub qty: Qty,
    pub unit: String,
    /// The bins of the same warehouse it may go to: id, words.
    pub to_bins: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/inspections.html")]
struct QueuePage {
    layout: Layout,
    waiting: Vec<Waiting>,
}

fn queue_page(
    state: &AppState,
    auth: &UserAuth,
    tr: Tr,
    flash: Option<Flash>,
) -> Result<QueuePage, ApiError> {
    let waiting = state.ledger.read(&auth.session.site, |s| {
        let master = &s.master;
        let p = s.ledger.projections();
        let items: HashMap<_, _> = master.items.iter().map(|i| (&i.id, i)).collect();
        let bins: HashMap<_, _> = master.bins.iter().map(|b| (&b.id, b)).collect();
        let to_bins = |from: &sparescan_core::ids::BinId| -> Vec<(String, String)> {
            let Some(wh) = bins.get(from).map(|b| &b.warehouse) else {
                return Vec::new();
            };
            master
                .bins
                .iter()
                .filter(|b| &b.warehouse == wh && b.id != *from)
                .map(|b| (b.id.to_string(), format!("{} — {}", b.id, words::zone(tr, b.zone))))
                .collect()
        };
        let mut waiting = Vec::new();
        for (key, qty) in &p.stock {
            if key.condition != Condition::UnderInspection || !qty.is_positive() {
                continue;
            }
            let item = items.get(&key.item);
            let base = |serial: String, qty: Qty| Waiting {
                item: key.item.to_string(),
                name: item.map(|i| i.name.clone()).unwrap_or_default(),
                bin: key.bin.to_string(),
                batch: key.batch.as_ref().map(|b| b.to_string()).unwrap_or_default(),
                serial,
                qty,
                unit: item.map(|i| i.unit.clone()).unwrap_or_default(),
                to_bins: to_bins(&key.bin),
            };
            let serials: Vec<String> = p
                .serials
                .iter()
                .filter(|(k, st)| {
                    k.item == key.item
                        && matches!(st, SerialState::InStock { bin, batch, condition }
                            if *bin == key.bin && *batch == key.batch && *condition == key.condition)
                })
                .map(|(k, _)| k.serial.to_string())
                .collect();
            if serials.is_empty() {
                waiting.push(base(String::new(), *qty));
            } else {
                waiting.extend(serials.into_iter().map(|s| base(s, Qty::units(1))));
            }
        }
        waiting
    })?;
    Ok(QueuePage {
        layout: Layout::of(auth, tr, tr.t("Inspections"), "/console/inspections").with_flash(flash),
        waiting,
    })
}

/// What the last decision was, for the next page to say.
#[derive(Debug, Default, Deserialize)]
struct Done {
    /// `new`, `opened` or `reject`.
    done: Option<String>,
    #[serde(default)]
    item: String,
    #[serde(default)]
    qty: String,
}

async fn queue(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Query(q): Query<Done>,
) -> Response {
    if let Err(e) = auth.require(inspectors()) {
        return failure(tr, e);
    }
    let flash = q.done.as_deref().and_then(|d| {
        let args: [(&str, &dyn std::fmt::Display); 2] = [("qty", &q.qty), ("item", &q.item)];
        let said = match d {
            "reject" => tr.f("Decided: {qty} {item} rejected.", &args),
            "new" => tr.f("Decided: {qty} {item} back on the shelf as new.", &args),
            "opened" => tr.f(
                "Decided: {qty} {item} back on the shelf as opened, usable and marked.",
                &args,
            ),
            _ => return None,
        };
        Some(Flash::ok(said))
    });
    match queue_page(&state, &auth, tr, flash) {
        Ok(p) => page(p.render()),
        Err(e) => failure(tr, e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct DecisionFields {
    #[serde(default)]
    item: String,
    #[serde(default)]
    bin: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    qty: String,
    /// `new`, `opened` or `reject`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    to_bin: String,
}

async fn decide(
    State(state): State<AppState>,
    Person(auth, tr): Person,
    Form(f): Form<DecisionFields>,
) -> Response {
    let qty = f.qty.trim();
    let to_bin = f.to_bin.trim().into();
    let decision = match f.decision.as_str() {
        "new" => Some(Decision::Release {
            condition: Condition::New,
            to_bin,
        }),
        "opened" => Some(Decision::Release {
            condition: Condition::Opened,
            to_bin,
        }),
        "reject" => Some(Decision::Reject { to_bin }),
        _ => None,
    };
    let outcome = match (qty.parse::<Qty>(), decision) {
        (Err(_), _) => Err(record::not_a_quantity(tr, qty)),
        (_, None) => Err(record::not_done(tr, tr.t("choose a decision."))),
        (Ok(qty), Some(decision)) => {
            let serial = f.serial.trim();
            let batch = f.batch.trim();
            let doc = office_document(
                &auth,
                None,
                Body::InspectionDecision {
                    item: f.item.trim().into(),
                    from_bin: f.bin.trim().into(),
                    batch: (!batch.is_empty()).then(|| batch.into()),
                    serials: if serial.is_empty() {
                        Vec::new()
                    } else {
                        vec![serial.into()]
                    },
                    qty,
                    decision,
                },
            );
            record::one(&state, &auth, tr, doc).await
        }
    };
    match outcome {
        Ok(()) => Redirect::to(&format!(
            "/console/inspections?done={}&qty={}&item={}",
            super::encode(f.decision.as_str()),
            super::encode(f.qty.trim()),
            super::encode(f.item.trim()),
        ))
        .into_response(),
        Err(why) => match queue_page(&state, &auth, tr, Some(Flash::error(why))) {
            Ok(p) => (StatusCode::CONFLICT, page(p.render())).into_response(),
            Err(e) => failure(tr, e),
        },
    }
}
