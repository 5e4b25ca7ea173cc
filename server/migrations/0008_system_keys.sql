-- Credentials of monitoring systems (issue 16, item 4): each may raise
-- maintenance requests at its site and nothing else. Only the key's
-- SHA-256 is kept; a new key for the same name replaces the old one.
CREATE TABLE system_keys (
    site        TEXT NOT NULL,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    PRIMARY KEY (site, name)
) STRICT;
