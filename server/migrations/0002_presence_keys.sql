-- Presence keys (docs/security.md): issued when a person signs in online on
-- an enrolled device; every document that device pushes in their name
-- carries a MAC made with it. Superseded by the next sign-in of the same
-- person on the same device, revoked with the device, the person's PIN or
-- roles; a document dated after `expires_at` is not accepted with it.
CREATE TABLE presence_keys (
    id          TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    key         BLOB NOT NULL,
    issued_at   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;
CREATE INDEX presence_keys_holder ON presence_keys (site, user_id, device_id);
CREATE INDEX presence_keys_device ON presence_keys (device_id);
