//! A site from nothing (`sparescan-server init`): the site and its first
//! admin, who gets a one-time password to choose their own with at the
//! first back-office sign-in. Everything else — people, master data,
//! devices — that admin then adds.

use crate::Server;
use crate::api::backoffice::rows::check_id;
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

/// Creates the site and its admin; refused, with nothing changed, when the
/// site exists already.
pub async fn init_site(server: &Server, new: &NewSite<'_>) -> Result<OneTimePassword> {
    check_id(new.site).map_err(|e| anyhow!("the site id {e}"))?;
    check_id(new.admin).map_err(|e| anyhow!("the admin's badge {e}"))?;
    let name = checked_name("the site name (--name)", new.name)?;
    let admin_name = checked_name("the admin's name (--admin-name)", new.admin_name)?;
    // The running server keeps its sites in memory: one made beside it
    // would go unseen until its restart.
    server.lock_for_writing().map_err(|e| {
        anyhow!(
            "{e:#}. A site is made with the server stopped: `systemctl stop sparescan-server`, \
             this init again, then `systemctl start sparescan-server`"
        )
    })?;
    let site = SiteId::new(new.site);
    if server.ledger().read(&site, |_| ()).is_ok() {
        bail!(
            "site {site} exists already; nothing was changed. Its admin can add people and master data \
             (`sparescan-server import --site {site} users FILE`), or give another id for a new site"
        );
    }
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
    server.create_site(master).await?;
    server.one_time_password(&site, &admin).await.map_err(|e| {
        anyhow!(
            "site {site} was created, but its admin's one-time password could not be set ({e}): \
             run `sparescan-server one-time-password --site {site} --user {admin}`"
        )
    })
}

fn checked_name(what: &str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        bail!("{what} is empty: give one");
    }
    if longer_than(value, MAX_TEXT_CHARS) {
        bail!("{what} is longer than {MAX_TEXT_CHARS} characters: shorten it");
    }
    if value.chars().any(char::is_control) {
        bail!("{what} contains a control character: use plain text");
    }
    Ok(value.to_owned())
}
