//! Recording one back-office document from a page: through the API's
//! documents handler (the signed-in person as author, device `backoffice`,
//! the same rules as a device's push), its verdict in words.

use crate::api::auth::UserAuth;
use crate::api::backoffice::documents;
use crate::api::{ApiJson, AppState};
use axum::extract::State;
use sparescan_core::document::Document;
use sparescan_core::sync::{PushRequest, Verdict};

/// Records `doc`; `Err` says why it was not, and what to do.
pub async fn one(state: &AppState, auth: &UserAuth, doc: Document) -> Result<(), String> {
    let answer = documents::submit(
        State(state.clone()),
        auth.clone(),
        ApiJson(PushRequest {
            documents: vec![doc],
        }),
    )
    .await;
    match answer {
        Ok(r) => verdict(r.0.verdicts.into_iter().next()),
        Err(e) => Err(format!("Not done: {}", e.message)),
    }
}

/// A verdict as the page says it.
pub fn verdict(v: Option<Verdict>) -> Result<(), String> {
    match v {
        Some(Verdict::Accepted { .. } | Verdict::Duplicate { .. }) => Ok(()),
        Some(Verdict::Rejected { refusal, .. }) => Err(format!(
            "Not done: {} {}",
            refusal.message, refusal.what_to_do
        )),
        None => Err("Not done: the ledger gave no verdict. Try again.".to_owned()),
    }
}
