//! Every SQL statement of the cache, written once. The schema is in
//! `migrations/`.

// ---- settings ----
pub const META_GET: &str = "SELECT value FROM meta WHERE key = ?1";
pub const META_SET: &str = "INSERT INTO meta (key, value) VALUES (?1, ?2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";
pub const META_DEL: &str = "DELETE FROM meta WHERE key = ?1";

// ---- server rows ----
pub const ROW_GET: &str = "SELECT value FROM rows WHERE key = ?1";
pub const ROW_PUT: &str = "INSERT INTO rows (key, kind, scope_a, scope_b, value, gen) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, scope_a = excluded.scope_a, \
     scope_b = excluded.scope_b, value = excluded.value, gen = excluded.gen";
/// Up to ?3 keys after ?2 of rows older than generation ?1, in key order
/// (a sweep walks the table once).
pub const ROWS_STALE_SOME: &str =
    "SELECT key FROM rows WHERE gen < ?1 AND key > ?2 ORDER BY key LIMIT ?3";
pub const ROW_DEL: &str = "DELETE FROM rows WHERE key = ?1";
pub const ROWS_COUNT: &str = "SELECT count(*) FROM rows";
pub const ROWS_BY_A: &str = "SELECT key, value FROM rows WHERE kind = ?1 AND scope_a = ?2";
pub const ROWS_BY_B: &str = "SELECT key, value FROM rows WHERE kind = ?1 AND scope_b = ?2";
/// Every row of a kind that has a scope A (the listable kinds set one).
pub const ROWS_WITH_A: &str = "SELECT key, value FROM rows WHERE kind = ?1 AND scope_a IS NOT NULL";
/// Every row of a kind that has a scope B (work orders: the open ones).
pub const ROWS_WITH_B: &str = "SELECT key, value FROM rows WHERE kind = ?1 AND scope_b IS NOT NULL";

pub const CODES_DEL: &str = "DELETE FROM item_codes WHERE key = ?1";
pub const CODES_PUT: &str = "INSERT OR IGNORE INTO item_codes (code, key) VALUES (?1, ?2)";
pub const ITEM_BY_CODE: &str = "SELECT r.key, r.value FROM item_codes c \
     JOIN rows r ON r.key = c.key WHERE c.code = ?1 ORDER BY r.key LIMIT 1";

// ---- outbox ----
pub const OUTBOX_PUT: &str = "INSERT INTO outbox (id, doc, submitted_at) VALUES (?1, ?2, ?3)";
pub const OUTBOX_ALL: &str = "SELECT id, doc FROM outbox ORDER BY pos";
pub const OUTBOX_COUNT: &str = "SELECT count(*) FROM outbox";
pub const OUTBOX_GET: &str = "SELECT doc FROM outbox WHERE id = ?1";
pub const OUTBOX_DEL: &str = "DELETE FROM outbox WHERE id = ?1";

// ---- own documents the server accepted ----
pub const SETTLED_PUT: &str = "INSERT INTO settled (id, seq, accepted) VALUES (?1, ?2, ?3) \
     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, accepted = excluded.accepted";
pub const SETTLED_GET: &str = "SELECT accepted FROM settled WHERE id = ?1";
pub const SETTLED_ALL: &str = "SELECT id, accepted FROM settled ORDER BY seq";
pub const SETTLED_CLEAR: &str = "DELETE FROM settled";

// ---- documents the server rejected ----
pub const ATTENTION_PUT: &str = "INSERT INTO attention (id, doc, refusal, at) \
     VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, refusal = excluded.refusal, \
     at = excluded.at";
pub const ATTENTION_ALL: &str = "SELECT id, doc, refusal, at FROM attention ORDER BY n DESC";
pub const ATTENTION_REFUSAL: &str = "SELECT refusal FROM attention WHERE id = ?1 \
     UNION ALL SELECT refusal FROM attention_archive WHERE id = ?1 LIMIT 1";
pub const ATTENTION_ARCHIVE: &str = "INSERT OR REPLACE INTO attention_archive (id, doc, refusal, at, resolved_at) \
     SELECT id, doc, refusal, at, ?2 FROM attention WHERE id = ?1";
pub const ATTENTION_DEL: &str = "DELETE FROM attention WHERE id = ?1";

// ---- badges and sealed presence keys, for signing in ----
pub const BADGES_CLEAR: &str = "DELETE FROM badges";
pub const BADGE_PUT: &str = "INSERT OR REPLACE INTO badges (badge, user) VALUES (?1, ?2)";
// Badges are matched regardless of case: a wedge with Caps Lock on still signs in.
pub const BADGE_USER: &str = "SELECT user FROM badges WHERE badge = ?1 COLLATE NOCASE";
pub const PRESENCE_PUT: &str = "INSERT OR REPLACE INTO presence_keys \
     (user, key_id, expires_at, salt, nonce, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
pub const PRESENCE_GET: &str =
    "SELECT key_id, expires_at, salt, nonce, sealed FROM presence_keys WHERE user = ?1";
pub const OUTBOX_SET: &str = "UPDATE outbox SET doc = ?2 WHERE id = ?1";
