-- Presence keys are kept sealed under chain.key from now on (see
-- ChainKey::seal): a key read from the database is no use, and one written
-- into it proves nothing. Keys issued before were stored bare; they are
-- withdrawn, so each person signs in online once more on their device
-- (documents made meanwhile wait in its outbox, nothing is lost).
UPDATE presence_keys SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
 WHERE revoked_at IS NULL;
