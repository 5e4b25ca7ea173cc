//! Storage behind a trait: the handlers and the ledger writer speak to
//! [`Store`], so a PostgreSQL store can be added without touching them.
//! SQLite (WAL) is the embedded default.

pub mod chain_key;
pub mod sqlite;

use chrono::{DateTime, Utc};
use sparescan_core::document::{DocKind, Document};
use sparescan_core::ids::{DocId, ItemId, SiteId};
use sparescan_core::model::{MasterData, Valuation};
use sparescan_core::reason::{ReasonCode, Refusal};
use sparescan_core::sync::{Change, Row};
use sparescan_core::view::Accepted;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
    /// The file is not a sparescan database (empty, another format, another
    /// program's database): never started on, never changed.
    #[error("{0}")]
    Foreign(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What one group commit writes: documents accepted and refused, the rows
/// they changed, and master-data edits — all in one transaction.
#[derive(Debug, Default)]
pub struct CommitBatch {
    pub site: Option<SiteId>,
    pub accepted: Vec<(Accepted, Vec<ReasonCode>)>,
    pub refused: Vec<(Document, Refusal)>,
    pub rows: Vec<Row>,
    pub master: Option<MasterData>,
    pub audit: Vec<AuditEntry>,
    pub received_at: Option<DateTime<Utc>>,
    /// Users of the batch's site whose sessions end with this commit (their
    /// roles changed, or they were deactivated or removed).
    pub end_sessions: Vec<String>,
    /// Back-office passwords set with this commit (with their audit entry
    /// in `audit`).
    pub passwords: Vec<PasswordSet>,
    /// Item values the batch's documents changed (a zero value is
    /// dropped).
    pub values: Vec<(ItemId, Valuation)>,
}

/// A back-office password to store: the person's other sessions end with
/// it, and the badge's and user's lock-out counters are lifted.
#[derive(Debug, Clone)]
pub struct PasswordSet {
    pub user: String,
    /// Argon2id, PHC form.
    pub hash: String,
    /// A one-time password: valid until then, and the session it opens may
    /// only change it.
    pub one_time_until: Option<DateTime<Utc>>,
    /// The session (token hash) that changed it, kept and freed of its
    /// change-only limit.
    pub keep_session: Option<String>,
}

/// A stored back-office password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRecord {
    pub hash: String,
    pub one_time_until: Option<DateTime<Utc>>,
    /// Its MAC under the chain key matches: written through the API.
    pub intact: bool,
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub site: SiteId,
    pub name: String,
    pub revoked: bool,
}

/// A monitoring system's credential: it raises requests at its site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemKey {
    pub site: SiteId,
    pub name: String,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub site: SiteId,
    pub user: String,
    pub device: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// Opened with a one-time password: may only change the password.
    pub password_change_only: bool,
}

/// A device as the admin's list shows it (times as stored, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolledDevice {
    pub id: String,
    pub name: String,
    pub enrolled_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Credential {
    pub user: String,
    pub badge: String,
    pub pin_hash: String,
    /// Digits of the PIN (`None`: set before they were kept).
    #[serde(default)]
    pub pin_digits: Option<u32>,
}

/// A presence key as the server keeps it (docs/security.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceKeyRecord {
    pub id: String,
    pub site: SiteId,
    pub user: String,
    pub device: String,
    pub key: Vec<u8>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A lock-out counter an attempt takes a slot of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSlot {
    pub key: String,
    pub max_failures: u32,
}

/// A link of a hash chain that did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub table: &'static str,
    pub seq: u64,
}

pub trait Store: Send {
    // ---- sites and state ----
    fn sites(&self) -> StoreResult<Vec<(SiteId, MasterData)>>;
    fn create_site(&mut self, site: &SiteId, master: &MasterData, rows: &[Row]) -> StoreResult<()>;
    fn rows(&self, site: &SiteId) -> StoreResult<Vec<Row>>;
    /// What each item's stock at the site is worth, as last committed.
    fn valuations(&self, site: &SiteId) -> StoreResult<Vec<(ItemId, Valuation)>>;

    // ---- the ledger ----
    /// The sequence the next accepted document gets.
    fn next_doc_seq(&self) -> StoreResult<u64>;
    fn document(&self, id: &DocId) -> StoreResult<Option<Accepted>>;
    fn refusal_code(&self, id: &DocId) -> StoreResult<Option<ReasonCode>>;
    /// The site a document id belongs to: the site of the accepted
    /// document, or of the refused one, with this id.
    fn id_site(&self, id: &DocId) -> StoreResult<Option<SiteId>>;
    /// Accepted documents of a site in ledger order, from `after_seq`.
    fn documents(&self, site: &SiteId, after_seq: u64, limit: u32) -> StoreResult<Vec<Accepted>>;
    /// Accepted documents of one kind, newest first, before `before_seq`
    /// (`u64::MAX` for the newest): the receipts page, without reading the
    /// rest of the ledger.
    fn documents_of_kind(
        &self,
        site: &SiteId,
        kind: DocKind,
        before_seq: u64,
        limit: u32,
    ) -> StoreResult<Vec<Accepted>>;
    /// Documents whose envelope names a work order, in ledger order.
    fn order_documents(&self, site: &SiteId, work_order: &str) -> StoreResult<Vec<Accepted>>;
    /// Documents that name a serial, in ledger order.
    fn serial_history(&self, site: &SiteId, item: &str, serial: &str)
    -> StoreResult<Vec<Accepted>>;
    /// Refused documents of a site, newest first.
    fn refusals(&self, site: &SiteId, limit: u32) -> StoreResult<Vec<(Document, Refusal)>>;
    /// Writes a group commit in one transaction; returns the last change
    /// sequence.
    fn commit(&mut self, batch: &CommitBatch) -> StoreResult<u64>;
    /// Checks the hash chains of the ledger and the audit log.
    fn verify_chains(&self) -> StoreResult<Vec<ChainBreak>>;

    // ---- sync ----
    fn changes_after(&self, site: &SiteId, after: u64, limit: u32) -> StoreResult<ChangesPage>;
    /// Changes at or below this were compacted away.
    fn horizon(&self, site: &SiteId) -> StoreResult<u64>;
    fn last_change(&self, site: &SiteId) -> StoreResult<u64>;
    /// Rows in key order after `after_key`, for bootstrap pages.
    fn rows_page(
        &self,
        site: &SiteId,
        after_key: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<(String, String)>>;
    fn row_count(&self, site: &SiteId) -> StoreResult<u64>;
    /// Drops changes older than `keep_after` for a site (devices behind it
    /// bootstrap again).
    fn compact_changes(&mut self, site: &SiteId, keep_after: u64) -> StoreResult<u64>;

    // ---- devices, users, sessions ----
    fn add_enrollment_code(
        &mut self,
        site: &SiteId,
        code_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Uses a code once: the site it was for, if valid now.
    fn take_enrollment_code(
        &mut self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SiteId>>;
    fn add_device(
        &mut self,
        id: &str,
        site: &SiteId,
        name: &str,
        token_hash: &str,
    ) -> StoreResult<()>;
    fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>>;
    /// A site's devices, revoked ones too, in the order they enrolled.
    fn devices(&self, site: &SiteId) -> StoreResult<Vec<EnrolledDevice>>;
    fn revoke_device(&mut self, id: &str) -> StoreResult<bool>;
    /// Gives a monitoring system `name` at `site` a new key (replacing its
    /// old one, revoked or not).
    fn set_system_key(&mut self, site: &SiteId, name: &str, token_hash: &str) -> StoreResult<()>;
    /// Withdraws a system's key; false when it had none in force.
    fn revoke_system_key(&mut self, site: &SiteId, name: &str) -> StoreResult<bool>;
    fn system_by_token(&self, token_hash: &str) -> StoreResult<Option<SystemKey>>;
    fn set_credential(&mut self, site: &SiteId, cred: &Credential) -> StoreResult<()>;
    fn credential_by_badge(&self, site: &SiteId, badge: &str) -> StoreResult<Option<Credential>>;
    fn credentials(&self, site: &SiteId) -> StoreResult<Vec<Credential>>;
    /// A person's back-office password, if they have one.
    fn password(&self, site: &SiteId, user: &str) -> StoreResult<Option<PasswordRecord>>;
    /// The language a person chose to read the console in (a code such
    /// as "ru"), if they chose one.
    fn user_language(&self, site: &SiteId, user: &str) -> StoreResult<Option<String>>;
    fn set_user_language(&mut self, site: &SiteId, user: &str, language: &str) -> StoreResult<()>;
    fn add_session(&mut self, token_hash: &str, session: &Session) -> StoreResult<()>;
    /// Stores a new presence key; the holder's earlier keys on that device
    /// are superseded (revoked) in the same transaction.
    fn add_presence_key(&mut self, key: &PresenceKeyRecord) -> StoreResult<()>;
    fn presence_key(&self, id: &str) -> StoreResult<Option<PresenceKeyRecord>>;
    /// Revokes every live key of a person at a site (PIN reset, roles
    /// changed, deactivated). The number revoked.
    fn revoke_presence_keys(&mut self, site: &SiteId, user: &str) -> StoreResult<u64>;
    fn session(&self, token_hash: &str) -> StoreResult<Option<Session>>;
    /// Ends one session (signing out); false when there was none.
    fn end_session(&mut self, token_hash: &str) -> StoreResult<bool>;
    /// Takes one attempt on each counter in one step: `None` when every
    /// counter had room (each now counts the attempt as failed), else the
    /// index of the first locked one and when its lock ends (nothing
    /// counted). A counter starts again `lockout` after its last attempt.
    /// Keeps at most `max_tracked` counters, dropping the oldest.
    fn reserve_sign_in(
        &mut self,
        site: &SiteId,
        slots: &[SignInSlot],
        now: DateTime<Utc>,
        lockout: chrono::Duration,
        max_tracked: u32,
    ) -> StoreResult<Option<(usize, DateTime<Utc>)>>;
    /// A right PIN: the badge's counter goes, the source's gives its slot back.
    fn sign_in_succeeded(
        &mut self,
        site: &SiteId,
        badge_key: &str,
        source_key: &str,
    ) -> StoreResult<()>;

    // ---- maintenance ----
    /// Online backup to a file.
    fn backup(&self, to: &std::path::Path) -> StoreResult<()>;
}

/// Opens stores: one writer, any number of readers.
pub trait Backend: Send + Sync {
    fn writer(&self) -> StoreResult<Box<dyn Store>>;
    fn reader(&self) -> StoreResult<Box<dyn Store>>;
}
