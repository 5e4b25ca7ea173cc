-- No PIN hash of anybody on a device any more (docs/security.md): who a
-- badge belongs to, and each person's presence key sealed by their PIN.
DROP TABLE credentials;

CREATE TABLE badges (
    badge  TEXT PRIMARY KEY,
    user   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE presence_keys (
    user        TEXT PRIMARY KEY,
    key_id      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    salt        BLOB NOT NULL,
    nonce       BLOB NOT NULL,
    sealed      BLOB NOT NULL
) STRICT, WITHOUT ROWID;
