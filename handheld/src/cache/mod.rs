//! The handheld's local cache: the server's rows of the site in SQLite, the
//! outbox of documents recorded here, and what the server said about them
//! (design §7).
//!
//! A site of 100k items and a million serials does not fit a memory budget
//! of 60 MB as a `MemoryLedger`, so the rows stay on disk and the rules read
//! them through [`CacheView`], one indexed statement per look-up. The
//! outbox's effects live in memory as an overlay: the rows as they are
//! once the outbox is applied, recomputed ("replayed") through the core
//! rules whenever the rows underneath change.

mod error;
mod gate;
mod lookups;
mod outbox;
mod overlay;
mod replay;
mod rows;
mod scope;
mod sql;
mod view;

pub use error::CacheError;
pub use lookups::AttentionItem;
pub use view::CacheView;

use chrono::NaiveDate;
use gate::{Gate, Role};
use overlay::Overlay;
use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{M, Migrations};
use sparescan_core::ids::*;
use sparescan_core::model::{Bin, SitePolicy};
use sparescan_core::reason::Refusal;
use sparescan_core::view::Accepted;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

/// How long a connection waits for the other's write before failing. The
/// gate keeps in-process waits to one short write; this covers another
/// process (a support tool) holding the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows per write transaction when the background writes many (a bootstrap
/// page, a clear): each holds the write lock for a few milliseconds, so a
/// scan's document never waits longer.
pub(crate) const ROWS_PER_WRITE: usize = 256;

/// Names of the device settings kept with [`Cache::meta`].
pub mod keys {
    /// The site the device is enrolled at; the view judges for it.
    pub const SITE: &str = "site";
    /// Pull cursor (the server's change sequence).
    pub const CURSOR: &str = "cursor";
    pub const DEVICE_ID: &str = "device_id";
    pub const DEVICE_TOKEN: &str = "device_token";
    pub const SERVER_URL: &str = "server_url";
    pub const CA_PEM: &str = "ca_pem";
    pub const LAST_SYNC: &str = "last_sync";
    /// Why documents wait in the outbox for someone to sign in online
    /// (the server's refusal detail), while they do.
    pub const HELD: &str = "held_for_sign_in";
    /// The generation rows are written in now; a re-bootstrap starts the
    /// next one.
    pub const ROW_GEN: &str = "row_generation";
    /// The generation up to which older rows have been swept.
    pub const SWEPT_GEN: &str = "swept_generation";
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_init.sql")),
        M::up(include_str!("migrations/0002_presence.sql")),
        M::up(include_str!("migrations/0003_row_generations.sql")),
    ])
}

/// Small, hot values of the stored rows, read once per change instead of
/// once per look-up.
#[derive(Debug, Default)]
struct Snapshot {
    policy: SitePolicy,
    /// A setting, changed through `&self` by [`Cache::set_meta`].
    site: RefCell<Option<SiteId>>,
    closed_until: Option<NaiveDate>,
    /// Every bin of the site (a few hundred): stock filters by bin.
    bins: HashMap<BinId, Bin>,
}

/// What the last replay of the outbox found.
#[derive(Debug, Default)]
struct Local {
    /// Outbox documents the rules accept on the current rows (seq 0: not
    /// in the server's ledger yet).
    accepted: HashMap<DocId, Accepted>,
    /// Outbox documents the rules now refuse here, in outbox order: they
    /// stay in the outbox (the server decides) but show no effects.
    refused: Vec<(DocId, Refusal)>,
}

/// The device's cache. See the module documentation.
pub struct Cache {
    conn: Connection,
    overlay: Overlay,
    snapshot: Snapshot,
    local: Local,
    /// Shared by the connections of one file in this process.
    gate: Arc<Gate>,
    role: Role,
    /// The file, for a second connection; `None` in memory.
    path: Option<PathBuf>,
}

impl Cache {
    /// Opens (creating) the cache at `path`, migrates it and replays the
    /// outbox.
    pub fn open(path: &Path) -> Result<Cache, CacheError> {
        Self::start(Connection::open(path)?, Some(path.to_path_buf()))
    }

    pub fn open_in_memory() -> Result<Cache, CacheError> {
        Self::start(Connection::open_in_memory()?, None)
    }

    fn start(mut conn: Connection, path: Option<PathBuf>) -> Result<Cache, CacheError> {
        configure(&conn, path.is_some())?;
        // FULL: a submitted document is on disk before its verdict is shown.
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrations().to_latest(&mut conn)?;
        let mut cache = Cache {
            conn,
            overlay: Overlay::default(),
            snapshot: Snapshot::default(),
            local: Local::default(),
            gate: Arc::default(),
            role: Role::Foreground,
            path,
        };
        cache.load_snapshot()?;
        cache.replay()?;
        Ok(cache)
    }

    /// A second connection to the same file for the sync thread: it writes
    /// server rows and verdicts while this one judges scans (WAL: neither
    /// waits for the other's reads), and yields to this one's writes (the
    /// gate). It keeps no view of its own: after its writes, the
    /// connection that judges calls [`Cache::reload`]. `None` for a cache
    /// in memory.
    pub fn background(&self) -> Result<Option<Cache>, CacheError> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let conn = Connection::open(path)?;
        configure(&conn, true)?;
        // Server rows can be fetched again and a verdict lost to a power
        // cut is asked again (the server answers "duplicate"): no fsync on
        // every chunk of a bootstrap.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(Some(Cache {
            conn,
            overlay: Overlay::default(),
            snapshot: Snapshot::default(),
            local: Local::default(),
            gate: self.gate.clone(),
            role: Role::Background,
            path: Some(path.clone()),
        }))
    }

    /// Reads what another connection changed: the hot rows again, and the
    /// outbox replayed on the rows as they are now.
    pub fn reload(&mut self) -> Result<(), CacheError> {
        // One read transaction: the settled documents and the outbox as
        // of one moment, though the sync thread settles meanwhile.
        self.conn.execute_batch("BEGIN DEFERRED")?;
        let result = self.load_snapshot().and_then(|()| self.replay());
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        self.conn.execute_batch(end)?;
        result
    }

    /// Whether this connection keeps the view the rules judge against (the
    /// background connection does not).
    fn keeps_view(&self) -> bool {
        self.role == Role::Foreground
    }

    /// The write turn (see [`gate`]), held until the guard is dropped.
    /// Taken before every write; a transaction of the same cache can be
    /// open beside it (`self.gate` and `self.conn` are borrowed apart).
    fn write_turn(&self) -> MutexGuard<'_, ()> {
        self.gate.enter(self.role)
    }

    /// The view the rules judge against: the rows with the outbox applied.
    pub fn view(&self) -> CacheView<'_> {
        CacheView { cache: self }
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(self
            .conn
            .prepare_cached(sql::META_GET)?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a setting; `None` removes it.
    pub fn set_meta(&self, key: &str, value: Option<&str>) -> Result<(), CacheError> {
        let _turn = self.write_turn();
        match value {
            Some(v) => self.conn.prepare_cached(sql::META_SET)?.execute([key, v])?,
            None => self.conn.prepare_cached(sql::META_DEL)?.execute([key])?,
        };
        if key == keys::SITE {
            *self.snapshot.site.borrow_mut() = value.map(SiteId::from);
        }
        Ok(())
    }

    /// The pull cursor; 0 before the first bootstrap.
    pub fn cursor(&self) -> Result<u64, CacheError> {
        self.meta_number(keys::CURSOR)
    }

    /// A numeric setting; 0 when unset.
    pub(crate) fn meta_number(&self, key: &str) -> Result<u64, CacheError> {
        match self.meta(key)? {
            None => Ok(0),
            Some(text) => text.parse().map_err(|_| CacheError::Meta {
                key: key.to_owned(),
                value: text,
            }),
        }
    }

    /// Outbox documents the rules refuse on the current rows (a pulled row
    /// conflicts): still in the outbox, their effects not shown. The UI
    /// warns about them; the server decides.
    pub fn local_refusals(&self) -> &[(DocId, Refusal)] {
        &self.local.refused
    }
}

/// What both connections set: WAL (readers never wait for the writer, nor
/// the writer for readers), a busy timeout, cached statements.
fn configure(conn: &Connection, file: bool) -> Result<(), CacheError> {
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if file && !mode.eq_ignore_ascii_case("wal") {
        return Err(CacheError::NotWal(mode));
    }
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Every look-up is a cached prepared statement.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}
