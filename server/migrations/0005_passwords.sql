-- sparescan-server schema, version 5: back-office passwords (issue 14,
-- item 3). A handheld PIN never opens the back office; a password does.
-- Argon2id in PHC form, never sent to devices and never exported. `mac` is
-- an HMAC under the chain key (store/chain_key.rs) over site, user, hash
-- and one-time limit: a hash written into the database outside the API
-- opens nothing and `verify` reports it.
CREATE TABLE passwords (
    site            TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    hash            TEXT NOT NULL,
    -- Set for a one-time password an admin gave out: valid until then,
    -- and the session it opens may only change the password.
    one_time_until  TEXT,
    set_at          TEXT NOT NULL,
    mac             TEXT NOT NULL,
    PRIMARY KEY (site, user_id)
) STRICT;
-- A session opened with a one-time password may only change it.
ALTER TABLE sessions ADD COLUMN password_change_only INTEGER NOT NULL DEFAULT 0;
-- How many digits the PIN has (NULL: set before this was kept), so a role
-- that approves on a handheld is not given to a short PIN.
ALTER TABLE credentials ADD COLUMN pin_digits INTEGER;
