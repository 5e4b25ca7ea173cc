-- sparescan handheld cache, version 1.

-- Small settings of the device: token, site, cursor, server url, CA...
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The server's rows (bootstrap and pulled changes). `scope_a`/`scope_b`
-- are computed from the key and value at write time for the secondary
-- look-ups the rules and the UI make (line -> work order, stock -> item,
-- serial -> work order it was removed on, ...); NULL where unused, and the
-- partial indexes leave those out (a million serials in stock need none).
CREATE TABLE rows (
    key      TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    scope_a  TEXT,
    scope_b  TEXT,
    value    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX rows_scope_a ON rows (kind, scope_a) WHERE scope_a IS NOT NULL;
CREATE INDEX rows_scope_b ON rows (kind, scope_b) WHERE scope_b IS NOT NULL;

-- Barcodes printed on items (an item has several): code -> item row.
CREATE TABLE item_codes (
    code  TEXT NOT NULL,
    key   TEXT NOT NULL,
    PRIMARY KEY (code, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX item_codes_key ON item_codes (key);

-- Documents recorded on the device and not yet settled by the server, in
-- submission order.
CREATE TABLE outbox (
    pos           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    doc           TEXT NOT NULL,
    submitted_at  TEXT NOT NULL
) STRICT;

-- Own documents the server accepted, until the next pull brings the
-- server's rows for them: the overlay keeps showing their effects and
-- follow-ups find them. The end of a pull empties the table.
CREATE TABLE settled (
    id        TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL,
    accepted  TEXT NOT NULL
) STRICT;

-- Documents the server rejected, waiting for the user.
CREATE TABLE attention (
    n        INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE,
    doc      TEXT NOT NULL,
    refusal  TEXT NOT NULL,
    at       TEXT NOT NULL
) STRICT;

-- Attention items the user dealt with: kept, never deleted.
CREATE TABLE attention_archive (
    id           TEXT PRIMARY KEY,
    doc          TEXT NOT NULL,
    refusal      TEXT NOT NULL,
    at           TEXT NOT NULL,
    resolved_at  TEXT NOT NULL
) STRICT;

-- Badges and PIN hashes of the site's users, for signing in offline.
CREATE TABLE credentials (
    badge     TEXT PRIMARY KEY,
    user      TEXT NOT NULL,
    pin_hash  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
