//! What can go wrong in the cache. Every failure is an error value, never a
//! panic: the handheld shows it and keeps the outbox.

/// A cache failure.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The file cannot be put in WAL mode (a file system without shared
    /// memory): the sync thread would block scans.
    #[error("the cache cannot use WAL (journal mode is {0}); keep it on a local file system")]
    NotWal(String),
    #[error("cache schema migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A stored or received row does not hold a value of its entity's type.
    #[error("row {key} does not hold a valid value: {source}")]
    Row {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    /// A row key that is not a `RowKey` (a damaged database).
    #[error("row key {key} is not valid: {source}")]
    Key {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    /// A stored document, refusal or other record that does not decode.
    #[error("{what} {id} in the cache is damaged: {source}")]
    Record {
        what: &'static str,
        id: String,
        #[source]
        source: serde_json::Error,
    },
    /// A stored setting that does not hold what it should.
    #[error("setting {key} holds {value:?}, which is not valid")]
    Meta { key: String, value: String },
    /// The core rules could not apply effects they produced to a scratch
    /// ledger built from the cache's rows (a rows/rules mismatch).
    #[error("the effects of document {doc} do not apply to the cached rows: {why}")]
    Apply { doc: String, why: String },
    /// The rules could not read the cache (their view's own error).
    #[error(transparent)]
    View(#[from] sparescan_core::view::ViewError),
}
