//! What the fuzz targets share: the demo site as the server would hold it.

use chrono::{DateTime, TimeZone, Utc};
use sparescan_core::memory::MemoryLedger;
use sparescan_server::demo;
use sparescan_server::ledger::SiteState;
use std::sync::OnceLock;

/// A fixed "now", so a run's findings reproduce.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0)
        .single()
        .expect("a valid time")
}

/// The demo site with its seed documents accepted: orders in progress,
/// stock issued, returns in quarantine — built once, cloned per input.
pub fn demo_site() -> &'static SiteState {
    static SITE: OnceLock<SiteState> = OnceLock::new();
    SITE.get_or_init(|| {
        let master = demo::site();
        let mut ledger = MemoryLedger::new(master.clone());
        for doc in demo::seed_documents(now()) {
            if let Err(r) = ledger.submit(doc) {
                panic!("a demo seed document is refused: {r:?}");
            }
        }
        SiteState { ledger, master }
    })
}

/// The presence key the fuzzed pushes are proven with.
pub const KEY: &[u8; 32] = b"sparescan-fuzz-presence-key-0001";
