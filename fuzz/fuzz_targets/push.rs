//! A device's push payload, through every check the server makes before and
//! while judging it: parsing, the back-office-only kinds, the proof of
//! presence, the bounds, the device's clock, then the rules over the demo
//! site. Nothing may panic, and after the accepted documents the ledger must
//! still be consistent (no negative stock, no unit in two places).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sparescan_core::sync::PushRequest;
use sparescan_core::view::LedgerView;
use sparescan_core::{limits, presence, rules};
use sparescan_core_fuzz::{KEY, demo_site, now};

fuzz_target!(|data: &[u8]| {
    let Ok(push) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    let mut ledger = demo_site().ledger.clone();
    let offline_days = ledger.policy().offline_limit_days;
    let mut accepted = 0;
    for doc in push.documents {
        // The gates of `api::presence::check_push`: their verdicts are
        // what matter to the server, here that they never panic.
        let _ = rules::roles::check_from_device(&doc.body);
        if let Some(proof) = &doc.proof {
            let _ = presence::verify(KEY, &doc, &proof.author.mac);
        }
        if limits::check_document(&doc).is_err() {
            continue;
        }
        if rules::check_times(&doc, now(), offline_days).is_err() {
            continue;
        }
        if ledger.submit(doc).is_ok() {
            accepted += 1;
        }
    }
    if accepted > 0 {
        let errors = ledger.consistency_errors();
        assert!(errors.is_empty(), "{accepted} accepted, ledger inconsistent: {errors:?}");
    }
});
