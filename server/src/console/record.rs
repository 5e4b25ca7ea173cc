//! Recording one back-office document from a page: through the API's
//! documents handler (the signed-in person as author, device `backoffice`,
//! the same rules as a device's push), its verdict in words.

use super::i18n::Tr;
use crate::api::auth::UserAuth;
use crate::api::backoffice::documents;
use crate::api::{ApiJson, AppState};
use axum::extract::State;
use sparescan_core::document::Document;
use sparescan_core::sync::{PushRequest, Verdict};

/// Records `doc`; `Err` says why it was not, and what to do.
pub async fn one(state: &AppState, auth: &UserAuth, tr: Tr, doc: Document) -> Result<(), String> {
    let answer = documents::submit(
        State(state.clone()),
        auth.clone(),
        ApiJson(PushRequest {
            documents: vec![doc],
        }),
    )
    .await;
    match answer {
        Ok(r) => verdict(tr, r.0.verdicts.into_iter().next()),
        Err(e) => Err(not_done(tr, &tr.api_error(&e))),
    }
}

/// "Not done: why", in the reader's language.
pub fn not_done(tr: Tr, why: &str) -> String {
    tr.f("Not done: {why}", &[("why", &why)])
}

/// A verdict as the page says it.
pub fn verdict(tr: Tr, v: Option<Verdict>) -> Result<(), String> {
    match v {
        Some(Verdict::Accepted { .. } | Verdict::Duplicate { .. }) => Ok(()),
        Some(Verdict::Rejected { refusal, .. }) => Err(not_done(tr, &tr.refusal(&refusal))),
        None => Err(not_done(tr, tr.t("the ledger gave no verdict. Try again."))),
    }
}

/// "Not done: `x` is not a quantity", in the reader's language.
pub fn not_a_quantity(tr: Tr, text: &str) -> String {
    not_done(
        tr,
        &tr.f(
            "`{text}` is not a quantity; write a number such as 2 or 1.5.",
            &[("text", &text)],
        ),
    )
}
