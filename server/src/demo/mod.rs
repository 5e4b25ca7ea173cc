//! The demo site (sparescan-demo's fixtures, re-exported here for the
//! server's command and tests) installed into a server.

pub use sparescan_demo::*;

use crate::Server;
use anyhow::Result;
use chrono::Utc;
use sparescan_core::sync::Verdict;

/// Creates the demo site with everyone's badge, PIN and
/// back-office password, and seeds it.
/// Does nothing if the site exists already.
pub async fn install(server: &Server) -> Result<()> {
    let exists = server.ledger().read(&SITE.into(), |_| ()).is_ok();
    if exists {
        return Ok(());
    }
    server.create_site(site()).await?;
    for p in PEOPLE {
        server
            .set_credential(&SITE.into(), &p.id.into(), p.badge, p.pin)
            .await?;
        server
            .set_password(
                &SITE.into(),
                &p.id.into(),
                Some(p.badge),
                p.password,
                "demo",
            )
            .await?;
    }
    let verdicts = server
        .ledger()
        .push(SITE.into(), seed_documents(Utc::now()))
        .await?;
    for v in verdicts {
        if let Verdict::Rejected { refusal, .. } = v {
            anyhow::bail!("demo seed refused: {} {}", refusal.code, refusal.message);
        }
    }
    Ok(())
}
