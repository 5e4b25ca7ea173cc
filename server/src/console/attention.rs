//! Needs attention, for supervisors, controllers and admins: the
//! documents the rules refused at the site and not recorded since, newest
//! first, each with what happened, what to do, and the order it concerns
//! one click away.

use super::layout::Layout;
use super::{Person, encode, failure, page};
use crate::api::AppState;
use crate::api::backoffice::documents::{self, AttentionQuery};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/attention", get(attention))
}

pub struct Refused {
    pub when: String,
    pub kind: &'static str,
    pub author: String,
    pub device: String,
    pub order: Option<(String, String)>,
    pub message: String,
    pub what_to_do: String,
    pub code: &'static str,
}

#[derive(Template)]
#[template(path = "console/attention.html")]
struct AttentionPage {
    layout: Layout,
    refused: Vec<Refused>,
}

async fn attention(State(state): State<AppState>, Person(auth, tr): Person) -> Response {
    let list = documents::needs_attention(
        State(state),
        auth.clone(),
        Ok(Query(AttentionQuery { limit: None })),
    )
    .await;
    let list = match list {
        Ok(l) => l.0,
        Err(e) => return failure(tr, e),
    };
    let refused = list
        .into_iter()
        .map(|a| {
            let (message, what_to_do) = tr.reason(a.code, &a.message, &a.what_to_do);
            Refused {
                when: a.device_time.format("%Y-%m-%d %H:%M UTC").to_string(),
                kind: tr.doc_kind(a.kind),
                author: a.author.to_string(),
                device: a.device.to_string(),
                order: a.work_order.map(|w| {
                    (
                        w.to_string(),
                        format!("/console/work-orders/{}", encode(w.as_str())),
                    )
                }),
                message,
                what_to_do,
                code: a.code.code(),
            }
        })
        .collect();
    page(
        AttentionPage {
            layout: Layout::of(&auth, tr, tr.t("Needs attention"), "/console/attention"),
            refused,
        }
        .render(),
    )
}
