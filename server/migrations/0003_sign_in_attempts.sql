-- sparescan-server schema, version 3: the sign-in lock-out, kept across
-- restarts. One counter per site and key (`badge:<badge>`,
-- `device:<id>` or `addr:<ip>`): failed (or not yet checked) attempts since
-- the count started again, and the last one counted. Bounded by the server
-- (old counters go first).
CREATE TABLE sign_in_attempts (
    site      TEXT NOT NULL,
    key       TEXT NOT NULL,
    failures  INTEGER NOT NULL,
    last_at   TEXT NOT NULL,
    PRIMARY KEY (site, key)
) STRICT;
CREATE INDEX sign_in_attempts_last ON sign_in_attempts (last_at);
