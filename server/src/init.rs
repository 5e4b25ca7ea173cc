//! A site from nothing (`sparescan-server init`): the site and its first
//! admin, who gets a one-time password to choose their own with at the
//! first back-office sign-in. Everything else — people, master data,
//! devices — that admin then adds.

use crate::Server;
use crate::api::backoffice::rows::check_id;
use crate::api::passwords::set_one_time;
use crate::ledger::{Ledger, LedgerError};
use anyhow::{Result, anyhow, bail};
use sparescan_core::ids::{SiteId, UserId};
use sparescan_core::limits::{MAX_TEXT_CHARS, longer_than};
use sparescan_core::model::{MasterData, Role, User};
use sparescan_core::sync::OneTimePassword;

/// What `init` is given.
pub struct NewSite<'a> {
    pub site: &'a str,
    pub name: &'a str,
    /// The first admin's badge, which is also their user id.
    pub admin: &'a str,
    pub admin_name: &'a str,
}

/// Why a site was not made. Nothing was changed in any case but the last,
/// whose message says what is left to do.
#[derive(Debug, thiserror::Error)]
pub enum NewSiteError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(
        "site {site} was created, but its admin's one-time password could not be set ({why}): \
         run `sparescan-server one-time-password --site {site} --user {admin}`"
    )]
    NoPassword {
        site: SiteId,
        admin: UserId,
        why: String,
    },
}

/// Creates the site and its first admin, with a one-time password for the
/// admin; refused, with nothing changed, when the site exists already. `by`
/// is who asked: `cli`, or the admin who made it from the back office.
pub async fn create_with_admin(
    ledger: &Ledger,
    new: &NewSite<'_>,
    by: &str,
) -> Result<OneTimePassword, NewSiteError> {
    let invalid = NewSiteError::Invalid;
    check_id(new.site).map_err(|e| invalid(format!("the site id {e}")))?;
    check_id(new.admin).map_err(|e| invalid(format!("the admin's badge {e}")))?;
    let name = checked_name("the site name", new.name).map_err(invalid)?;
    let admin_name = checked_name("the admin's name", new.admin_name).map_err(invalid)?;
    let site = SiteId::new(new.site);
    let admin = UserId::new(new.admin);
    let master = MasterData {
        site: Some(site.clone()),
        name: Some(name),
        users: vec![User {
            id: admin.clone(),
            name: admin_name,
            roles: [Role::Admin].into(),
            site: site.clone(),
            active: true,
        }],
        ..MasterData::default()
    };
    ledger.create_site(master).await?;
    set_one_time(ledger, &site, &admin, by)
        .await
        .map_err(|e| NewSiteError::NoPassword {
            site,
            admin,
            why: e.message,
        })
}

/// `sparescan-server init`: the server must be stopped, since the running
/// one keeps its sites in memory and would not see a site made beside it.
pub async fn init_site(server: &Server, new: &NewSite<'_>) -> Result<OneTimePassword> {
    server.lock_for_writing().map_err(|e| {
        anyhow!(
            "{e:#}. A site is made with the server stopped: `systemctl stop sparescan-server`, \
             this init again, then `systemctl start sparescan-server`; or, signed in to the \
             running server as an admin, `POST /api/v1/sites`"
        )
    })?;
    match create_with_admin(server.ledger(), new, "cli").await {
        Err(NewSiteError::Ledger(LedgerError::SiteExists(site))) => bail!(
            "site {site} exists already; nothing was changed. Its admin can add people and master data \
             (`sparescan-server import --site {site} users FILE`), or give another id for a new site"
        ),
        other => Ok(other?),
    }
}

fn checked_name(what: &str, value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{what} is empty: give one"));
    }
    if longer_than(value, MAX_TEXT_CHARS) {
        return Err(format!(
            "{what} is longer than {MAX_TEXT_CHARS} characters: shorten it"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "{what} contains a control character: use plain text"
        ));
    }
    Ok(value.to_owned())
}
