-- sparescan-server schema, version 1.

-- A site and the master data its ledger started from (opening balances,
-- work orders in their initial state); kept current for master-data edits.
CREATE TABLE sites (
    id      TEXT PRIMARY KEY,
    master  TEXT NOT NULL
) STRICT;

-- The ledger: accepted documents, append-only, in arrival order, each
-- chained to the one before by a hash.
CREATE TABLE documents (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    site         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    work_order   TEXT,
    author       TEXT NOT NULL,
    device       TEXT NOT NULL,
    device_time  TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    doc          TEXT NOT NULL,
    effects      TEXT NOT NULL,
    exceptions   TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;
CREATE INDEX documents_site_wo ON documents (site, work_order, seq);
CREATE INDEX documents_site_kind ON documents (site, kind, seq);

-- Serial numbers each document names, for serial history.
CREATE TABLE doc_serials (
    seq     INTEGER NOT NULL,
    site    TEXT NOT NULL,
    item    TEXT NOT NULL,
    serial  TEXT NOT NULL
) STRICT;
CREATE INDEX doc_serials_key ON doc_serials (site, item, serial, seq);

-- Refused documents: the last refusal of each id not (yet) accepted.
CREATE TABLE refusals (
    id           TEXT PRIMARY KEY,
    site         TEXT NOT NULL,
    device       TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    code         TEXT NOT NULL,
    refusal      TEXT NOT NULL,
    doc          TEXT NOT NULL
) STRICT;

-- Current state: master data and projections, one row per entity.
CREATE TABLE rows (
    site   TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (site, key)
) STRICT, WITHOUT ROWID;

-- Every change to `rows`, in commit order; devices pull from it.
-- A NULL value deletes the row.
CREATE TABLE changes (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    site   TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT
) STRICT;
CREATE INDEX changes_site_seq ON changes (site, seq);

-- Changes at or below a site's horizon were compacted away: a device whose
-- cursor is older must bootstrap again.
CREATE TABLE sync_horizon (
    site     TEXT PRIMARY KEY,
    min_seq  INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    site         TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    enrolled_at  TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

CREATE TABLE enrollment_codes (
    code_hash   TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
) STRICT;

-- Badge and PIN (argon2) per user.
CREATE TABLE credentials (
    site      TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    badge     TEXT NOT NULL,
    pin_hash  TEXT NOT NULL,
    PRIMARY KEY (site, user_id)
) STRICT;
CREATE UNIQUE INDEX credentials_badge ON credentials (site, badge);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    device_id   TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;

-- Back-office actions, chained by hash like the ledger.
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    site       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;
