//! The SQLite store (WAL). One writer connection takes every write, so no
//! write ever waits on a lock; readers see committed snapshots.

use super::chain_key::{Chain, ChainKey, KEYED};
use super::*;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use sparescan_core::effect::Effect;
use sparescan_core::money::Money;
use sparescan_core::qty::Qty;
use std::path::{Path, PathBuf};

/// Withdraws a person's live presence keys at a site (?1 site, ?2 user,
/// ?3 when).
const REVOKE_USER_KEYS: &str = "UPDATE presence_keys SET revoked_at = ?3
     WHERE site = ?1 AND user_id = ?2 AND revoked_at IS NULL";

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_init.sql")),
        M::up(include_str!("../../migrations/0002_presence_keys.sql")),
        M::up(include_str!("../../migrations/0003_sign_in_attempts.sql")),
        M::up(include_str!("../../migrations/0004_master_mac.sql")),
        M::up(include_str!("../../migrations/0005_passwords.sql")),
        M::up(include_str!(
            "../../migrations/0006_sealed_presence_keys.sql"
        )),
        M::up(include_str!("../../migrations/0007_valuations.sql")),
        M::up(include_str!("../../migrations/0008_system_keys.sql")),
        M::up(include_str!("../../migrations/0009_user_languages.sql")),
    ])
}

pub struct SqliteBackend {
    path: PathBuf,
    key: std::sync::Arc<ChainKey>,
}

impl SqliteBackend {
    /// Opens (creating) the database and applies migrations. A file that is
    /// there but is not a sparescan database is refused, untouched.
    pub fn open(path: impl Into<PathBuf>) -> StoreResult<Self> {
        let path = path.into();
        let existed = path.exists();
        if existed {
            check_is_ours(&path)?;
        }
        let mut conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrations().to_latest(&mut conn)?;
        let next = |table: &str| -> StoreResult<u64> {
            let max: Option<i64> =
                conn.query_row(&format!("SELECT max(seq) FROM {table}"), [], |r| r.get(0))?;
            Ok(max.unwrap_or(0) as u64 + 1)
        };
        let keyed: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM documents WHERE hash LIKE ?1)
                 OR EXISTS (SELECT 1 FROM audit WHERE hash LIKE ?1)",
            [format!("{KEYED}%")],
            |r| r.get(0),
        )?;
        let key = ChainKey::load_or_create(&path, next("documents")?, next("audit")?, keyed)?;
        if key.created {
            // The moment a database is first keyed: its sites' master data
            // as it stands gets its MAC. Later, a missing MAC is a break.
            let sites: Vec<(String, String)> = conn
                .prepare("SELECT id, master FROM sites WHERE master_mac IS NULL")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (id, master) in sites {
                conn.execute(
                    "UPDATE sites SET master_mac = ?2 WHERE id = ?1",
                    params![id, key.link(Chain::Master, 0, &id, &[&master])],
                )?;
            }
        }
        Ok(SqliteBackend {
            path,
            key: std::sync::Arc::new(key),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Backend for SqliteBackend {
    fn writer(&self) -> StoreResult<Box<dyn Store>> {
        let conn = Connection::open(&self.path)?;
        SqliteStore::configure(&conn)?;
        Ok(Box::new(SqliteStore {
            conn,
            key: self.key.clone(),
        }))
    }

    fn reader(&self) -> StoreResult<Box<dyn Store>> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Box::new(SqliteStore {
            conn,
            key: self.key.clone(),
        }))
    }
}

/// An existing file must be a sparescan database: not empty (a truncated
/// file or a failed restore would otherwise start as an empty server), an
/// SQLite file, and either carrying our migrations or holding nothing.
fn check_is_ours(path: &Path) -> StoreResult<()> {
    let foreign = |why: &str| {
        StoreError::Foreign(format!(
            "{} {why}: it is not a sparescan database. Restore the database from a backup, \
             or move the file away to start a new, empty server",
            path.display()
        ))
    };
    let len = std::fs::metadata(path)
        .map_err(|e| StoreError::Foreign(format!("{}: {e}", path.display())))?
        .len();
    if len == 0 {
        return Err(foreign("is empty (0 bytes)"));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let version: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
        Ok(v) => v,
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(foreign("is not an SQLite file"));
        }
        Err(e) => return Err(e.into()),
    };
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    let ours: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('sites', 'documents', 'audit')",
        [],
        |r| r.get(0),
    )?;
    if (version == 0 && tables > 0) || (version > 0 && ours < 3) {
        return Err(foreign("holds another program's tables"));
    }
    Ok(())
}

pub struct SqliteStore {
    conn: Connection,
    key: std::sync::Arc<ChainKey>,
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Plain data types always serialise.
    serde_json::to_string(v).unwrap_or_default()
}

/// A document kind as the `documents.kind` column holds it (`goods_receipt`).
fn kind_column(kind: DocKind) -> String {
    to_json(&kind).trim_matches('"').to_owned()
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a presence key is sealed for: its row's identity and lifetime, so
/// a sealed key moved to another person, device or a longer life opens
/// nothing.
fn presence_binding(k: &PresenceKeyRecord) -> String {
    format!(
        "presence key\n{}\n{}\n{}\n{}\n{}\n{}",
        k.id,
        k.site.as_str(),
        k.user,
        k.device,
        time_text(k.issued_at),
        time_text(k.expires_at)
    )
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn parse_time(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time {text}: {e}")))
}

impl SqliteStore {
    fn configure(conn: &Connection) -> StoreResult<()> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL survives a process crash (kill -9); only a power
        // loss can take the last commits.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(())
    }

    fn accepted_from_row(&self, seq: i64, doc: &str, effects: &str) -> StoreResult<Accepted> {
        let doc: Document = from_json(doc, "document")?;
        let reversed_by = self
            .conn
            .prepare_cached("SELECT value FROM rows WHERE site = ?1 AND key = ?2")?
            .query_row(
                params![
                    doc.site.as_str(),
                    sparescan_core::sync::RowKey::Reversed(doc.id).to_text()
                ],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|v| from_json(&v, "reversal"))
            .transpose()?;
        Ok(Accepted {
            effects: from_json::<Vec<Effect>>(effects, "effects")?,
            seq: seq as u64,
            reversed_by,
            doc,
        })
    }

    /// Accepted documents from a query selecting (seq, doc, effects).
    fn accepted_query(&self, sql: &str, args: impl rusqlite::Params) -> StoreResult<Vec<Accepted>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, doc, effects) = row?;
            out.push(self.accepted_from_row(seq, &doc, &effects)?);
        }
        Ok(out)
    }

    /// A stored password's MAC: binds the hash to its site and person.
    fn password_mac(&self, site: &str, user: &str, hash: &str, until: Option<&str>) -> String {
        self.key
            .link(Chain::Password, 0, site, &[user, hash, until.unwrap_or("")])
    }

    fn last_hash(&self, table: &str) -> StoreResult<String> {
        let sql = format!("SELECT hash FROM {table} ORDER BY seq DESC LIMIT 1");
        Ok(self
            .conn
            .query_row(&sql, [], |r| r.get::<_, String>(0))
            .optional()?
            .unwrap_or_else(|| GENESIS.to_owned()))
    }

    fn write_batch(&self, batch: &CommitBatch) -> StoreResult<u64> {
        let site = batch
            .site
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        let now = time_text(batch.received_at.unwrap_or_else(Utc::now));
        let mut prev = self.last_hash("documents")?;
        {
            let mut insert_doc = self.conn.prepare_cached(
                "INSERT INTO documents (seq, id, site, kind, work_order, author, device, device_time,
                 received_at, doc, effects, exceptions, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            let mut insert_serial = self.conn.prepare_cached(
                "INSERT INTO doc_serials (seq, site, item, serial) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut clear_refusal = self
                .conn
                .prepare_cached("DELETE FROM refusals WHERE id = ?1")?;
            for (acc, exceptions) in &batch.accepted {
                let doc_json = to_json(&acc.doc);
                let effects_json = to_json(&acc.effects);
                let hash = self.key.link(
                    Chain::Documents,
                    acc.seq,
                    &prev,
                    &[&doc_json, &effects_json],
                );
                let kind = kind_column(acc.doc.kind());
                insert_doc.execute(params![
                    acc.seq as i64,
                    acc.doc.id.to_string(),
                    acc.doc.site.as_str(),
                    kind,
                    acc.doc.work_order.as_ref().map(|w| w.as_str()),
                    acc.doc.author.as_str(),
                    acc.doc.device.as_str(),
                    time_text(acc.doc.device_time),
                    now,
                    doc_json,
                    effects_json,
                    to_json(exceptions),
                    prev,
                    hash,
                ])?;
                for e in &acc.effects {
                    if let Effect::Serial { key, .. } = e {
                        insert_serial.execute(params![
                            acc.seq as i64,
                            acc.doc.site.as_str(),
                            key.item.as_str(),
                            key.serial.as_str()
                        ])?;
                    }
                }
                clear_refusal.execute(params![acc.doc.id.to_string()])?;
                prev = hash;
            }
        }
        {
            let mut upsert = self.conn.prepare_cached(
                "INSERT INTO refusals (id, site, device, received_at, code, refusal, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET received_at = ?4, code = ?5, refusal = ?6, doc = ?7",
            )?;
            for (doc, refusal) in &batch.refused {
                upsert.execute(params![
                    doc.id.to_string(),
                    doc.site.as_str(),
                    doc.device.as_str(),
                    now,
                    refusal.code.code(),
                    to_json(refusal),
                    to_json(doc),
                ])?;
            }
        }
        let mut last_change = 0;
        {
            let mut put = self.conn.prepare_cached(
                "INSERT INTO rows (site, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (site, key) DO UPDATE SET value = ?3",
            )?;
            let mut del = self
                .conn
                .prepare_cached("DELETE FROM rows WHERE site = ?1 AND key = ?2")?;
            let mut log = self
                .conn
                .prepare_cached("INSERT INTO changes (site, key, value) VALUES (?1, ?2, ?3)")?;
            for row in &batch.rows {
                let key = row.key.to_text();
                let value = row.value.as_ref().map(to_json);
                match &value {
                    Some(v) => put.execute(params![site, key, v])?,
                    None => del.execute(params![site, key])?,
                };
                log.execute(params![site, key, value])?;
                last_change = self.conn.last_insert_rowid() as u64;
            }
        }
        {
            let mut put = self.conn.prepare_cached(
                "INSERT INTO valuations (site, item, milli, cents) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site, item) DO UPDATE SET milli = ?3, cents = ?4",
            )?;
            let mut del = self
                .conn
                .prepare_cached("DELETE FROM valuations WHERE site = ?1 AND item = ?2")?;
            for (item, v) in &batch.values {
                if *v == Valuation::default() {
                    del.execute(params![site, item.as_str()])?;
                } else {
                    put.execute(params![
                        site,
                        item.as_str(),
                        v.qty.milli(),
                        v.value.as_cents()
                    ])?;
                }
            }
        }
        // Whose roles or active flag changed: their sessions end and their
        // presence keys on devices are withdrawn.
        for user in &batch.end_sessions {
            self.conn
                .prepare_cached("DELETE FROM sessions WHERE site = ?1 AND user_id = ?2")?
                .execute(params![site, user])?;
            self.conn
                .prepare_cached(REVOKE_USER_KEYS)?
                .execute(params![site, user, time_text(Utc::now())])?;
        }
        if let Some(master) = &batch.master {
            let master = to_json(master);
            self.conn.execute(
                "UPDATE sites SET master = ?2, master_mac = ?3 WHERE id = ?1",
                params![
                    site,
                    master,
                    self.key.link(Chain::Master, 0, &site, &[&master])
                ],
            )?;
        }
        for p in &batch.passwords {
            let until = p.one_time_until.map(time_text);
            self.conn.execute(
                "INSERT INTO passwords (site, user_id, hash, one_time_until, set_at, mac)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (site, user_id) DO UPDATE SET hash = ?3, one_time_until = ?4,
                 set_at = ?5, mac = ?6",
                params![
                    site,
                    p.user,
                    p.hash,
                    until,
                    now,
                    self.password_mac(&site, &p.user, &p.hash, until.as_deref())
                ],
            )?;
            // Whoever knew the old password is signed out; the session that
            // changed it goes on, now free to do the rest.
            let keep = p.keep_session.as_deref().unwrap_or("");
            self.conn.execute(
                "DELETE FROM sessions WHERE site = ?1 AND user_id = ?2 AND token_hash <> ?3",
                params![site, p.user, keep],
            )?;
            self.conn.execute(
                "UPDATE sessions SET password_change_only = 0 WHERE token_hash = ?1",
                params![keep],
            )?;
            self.conn.execute(
                "DELETE FROM sign_in_attempts WHERE site = ?1 AND key = ?2",
                params![site, format!("user:{}", p.user)],
            )?;
        }
        if !batch.audit.is_empty() {
            let mut prev = self.last_hash("audit")?;
            let last: Option<i64> = self
                .conn
                .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))?;
            let mut insert = self.conn.prepare_cached(
                "INSERT INTO audit (seq, at, site, actor, action, payload, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (seq, a) in (last.unwrap_or(0) + 1..).zip(&batch.audit) {
                let payload = to_json(&a.payload);
                let hash = self.key.link(
                    Chain::Audit,
                    seq as u64,
                    &prev,
                    &[&now, &site, &a.actor, &a.action, &payload],
                );
                insert.execute(params![
                    seq, now, site, a.actor, a.action, payload, prev, hash
                ])?;
                prev = hash;
            }
        }
        Ok(last_change)
    }
}

impl Store for SqliteStore {
    fn sites(&self) -> StoreResult<Vec<(SiteId, MasterData)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, master FROM sites ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, master) = row?;
            out.push((SiteId::new(id), from_json(&master, "site master data")?));
        }
        Ok(out)
    }

    fn create_site(&mut self, site: &SiteId, master: &MasterData, rows: &[Row]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM sites WHERE id = ?1", [site.as_str()], |_| {
                Ok(true)
            })
            .optional()?
            .unwrap_or(false);
        if exists {
            return Err(StoreError::Conflict(format!("site {site} exists already")));
        }
        tx.execute(
            "INSERT INTO sites (id, master, master_mac) VALUES (?1, ?2, ?3)",
            params![
                site.as_str(),
                to_json(master),
                self.key
                    .link(Chain::Master, 0, site.as_str(), &[&to_json(master)])
            ],
        )?;
        {
            let mut put =
                tx.prepare_cached("INSERT INTO rows (site, key, value) VALUES (?1, ?2, ?3)")?;
            let mut log =
                tx.prepare_cached("INSERT INTO changes (site, key, value) VALUES (?1, ?2, ?3)")?;
            for row in rows {
                if let Some(v) = &row.value {
                    let key = row.key.to_text();
                    let v = to_json(v);
                    put.execute(params![site.as_str(), key, v])?;
                    log.execute(params![site.as_str(), key, v])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn valuations(&self, site: &SiteId) -> StoreResult<Vec<(ItemId, Valuation)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT item, milli, cents FROM valuations WHERE site = ?1")?;
        let rows = stmt.query_map([site.as_str()], |r| {
            Ok((
                ItemId::new(r.get::<_, String>(0)?),
                Valuation {
                    qty: Qty::from_milli(r.get(1)?),
                    value: Money::cents(r.get(2)?),
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn rows(&self, site: &SiteId) -> StoreResult<Vec<Row>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM rows WHERE site = ?1")?;
        let rows = stmt.query_map([site.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, value) = row?;
            out.push(Row {
                key: sparescan_core::sync::RowKey::from_text(&key)
                    .map_err(|e| StoreError::Corrupt(format!("row key {key}: {e}")))?,
                value: Some(from_json(&value, "row value")?),
            });
        }
        Ok(out)
    }

    fn next_doc_seq(&self) -> StoreResult<u64> {
        let max: Option<i64> = self
            .conn
            .query_row("SELECT max(seq) FROM documents", [], |r| r.get(0))?;
        Ok(max.unwrap_or(0) as u64 + 1)
    }

    fn document(&self, id: &DocId) -> StoreResult<Option<Accepted>> {
        let found = self
            .conn
            .prepare_cached("SELECT seq, doc, effects FROM documents WHERE id = ?1")?
            .query_row([id.to_string()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        found
            .map(|(seq, doc, effects)| self.accepted_from_row(seq, &doc, &effects))
            .transpose()
    }

    fn refusal_code(&self, id: &DocId) -> StoreResult<Option<ReasonCode>> {
        let code = self
            .conn
            .prepare_cached("SELECT code FROM refusals WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get::<_, String>(0))
            .optional()?;
        code.map(|c| from_json(&format!("\"{c}\""), "reason code"))
            .transpose()
    }

    fn id_site(&self, id: &DocId) -> StoreResult<Option<SiteId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT site FROM documents WHERE id = ?1
                 UNION ALL SELECT site FROM refusals WHERE id = ?1 LIMIT 1",
            )?
            .query_row([id.to_string()], |r| r.get::<_, String>(0))
            .optional()?
            .map(SiteId::new))
    }

    fn documents(&self, site: &SiteId, after_seq: u64, limit: u32) -> StoreResult<Vec<Accepted>> {
        self.accepted_query(
            "SELECT seq, doc, effects FROM documents WHERE site = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            params![site.as_str(), i64::try_from(after_seq).unwrap_or(i64::MAX), limit],
        )
    }

    fn documents_of_kind(
        &self,
        site: &SiteId,
        kind: DocKind,
        before_seq: u64,
        limit: u32,
    ) -> StoreResult<Vec<Accepted>> {
        self.accepted_query(
            "SELECT seq, doc, effects FROM documents WHERE site = ?1 AND kind = ?2 AND seq < ?3 ORDER BY seq DESC LIMIT ?4",
            params![
                site.as_str(),
                kind_column(kind),
                i64::try_from(before_seq).unwrap_or(i64::MAX),
                limit
            ],
        )
    }

    fn order_documents(&self, site: &SiteId, work_order: &str) -> StoreResult<Vec<Accepted>> {
        self.accepted_query(
            "SELECT seq, doc, effects FROM documents WHERE site = ?1 AND work_order = ?2 ORDER BY seq",
            params![site.as_str(), work_order],
        )
    }

    fn serial_history(
        &self,
        site: &SiteId,
        item: &str,
        serial: &str,
    ) -> StoreResult<Vec<Accepted>> {
        self.accepted_query(
            "SELECT DISTINCT d.seq, d.doc, d.effects FROM doc_serials s JOIN documents d ON d.seq = s.seq
             WHERE s.site = ?1 AND s.item = ?2 AND s.serial = ?3 ORDER BY d.seq",
            params![site.as_str(), item, serial],
        )
    }

    fn refusals(&self, site: &SiteId, limit: u32) -> StoreResult<Vec<(Document, Refusal)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT doc, refusal FROM refusals WHERE site = ?1 ORDER BY received_at DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![site.as_str(), limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (doc, refusal) = row?;
            out.push((
                from_json(&doc, "document")?,
                from_json(&refusal, "refusal")?,
            ));
        }
        Ok(out)
    }

    fn commit(&mut self, batch: &CommitBatch) -> StoreResult<u64> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match self.write_batch(batch) {
            Ok(last) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(last)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn verify_chains(&self) -> StoreResult<Vec<ChainBreak>> {
        let mut breaks = Vec::new();
        let mut prev = GENESIS.to_owned();
        let mut stmt = self
            .conn
            .prepare("SELECT seq, doc, effects, prev_hash, hash FROM documents ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (seq, doc, effects, p, h): (i64, String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            if p != prev
                || self
                    .key
                    .link(Chain::Documents, seq as u64, &p, &[&doc, &effects])
                    != h
            {
                breaks.push(ChainBreak {
                    table: "documents",
                    seq: seq as u64,
                });
            }
            prev = h;
        }
        let mut prev = GENESIS.to_owned();
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, site, actor, action, payload, prev_hash, hash FROM audit ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let parts: Vec<String> = (1..6).map(|i| r.get(i)).collect::<Result<_, _>>()?;
            let (p, h): (String, String) = (r.get(6)?, r.get(7)?);
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            if p != prev || self.key.link(Chain::Audit, seq as u64, &p, &refs) != h {
                breaks.push(ChainBreak {
                    table: "audit",
                    seq: seq as u64,
                });
            }
            prev = h;
        }
        // Master data (users and their roles among it) as the API wrote it.
        let mut stmt = self
            .conn
            .prepare("SELECT id, master, master_mac FROM sites ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            n += 1;
            let (id, master, mac): (String, String, Option<String>) =
                (r.get(0)?, r.get(1)?, r.get(2)?);
            if mac.as_deref() != Some(&self.key.link(Chain::Master, 0, &id, &[&master])) {
                breaks.push(ChainBreak {
                    table: "sites",
                    seq: n,
                });
            }
        }
        // Passwords as the API set them.
        let mut stmt = self.conn.prepare(
            "SELECT site, user_id, hash, one_time_until, mac FROM passwords ORDER BY site, user_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            n += 1;
            let (site, user, hash, until, mac): (String, String, String, Option<String>, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            if mac != self.password_mac(&site, &user, &hash, until.as_deref()) {
                breaks.push(ChainBreak {
                    table: "passwords",
                    seq: n,
                });
            }
        }
        Ok(breaks)
    }

    fn changes_after(&self, site: &SiteId, after: u64, limit: u32) -> StoreResult<ChangesPage> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, key, value FROM changes WHERE site = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![
                site.as_str(),
                i64::try_from(after).unwrap_or(i64::MAX),
                limit + 1
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )?;
        let mut changes = Vec::new();
        for row in rows {
            let (seq, key, value) = row?;
            changes.push(Change {
                seq: seq as u64,
                key: sparescan_core::sync::RowKey::from_text(&key)
                    .map_err(|e| StoreError::Corrupt(format!("change key {key}: {e}")))?,
                value: value.map(|v| from_json(&v, "change value")).transpose()?,
            });
        }
        let more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        Ok(ChangesPage { changes, more })
    }

    fn horizon(&self, site: &SiteId) -> StoreResult<u64> {
        let h: Option<i64> = self
            .conn
            .prepare_cached("SELECT min_seq FROM sync_horizon WHERE site = ?1")?
            .query_row([site.as_str()], |r| r.get(0))
            .optional()?;
        Ok(h.unwrap_or(0) as u64)
    }

    fn last_change(&self, site: &SiteId) -> StoreResult<u64> {
        let last: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(seq) FROM changes WHERE site = ?1")?
            .query_row([site.as_str()], |r| r.get(0))?;
        Ok(last.unwrap_or(0) as u64)
    }

    fn rows_page(
        &self,
        site: &SiteId,
        after_key: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, value FROM rows WHERE site = ?1 AND key > ?2 ORDER BY key LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![site.as_str(), after_key.unwrap_or(""), limit],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn row_count(&self, site: &SiteId) -> StoreResult<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM rows WHERE site = ?1")?
            .query_row([site.as_str()], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn compact_changes(&mut self, site: &SiteId, keep_after: u64) -> StoreResult<u64> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM changes WHERE site = ?1 AND seq <= ?2",
            params![site.as_str(), i64::try_from(keep_after).unwrap_or(i64::MAX)],
        )?;
        tx.execute(
            "INSERT INTO sync_horizon (site, min_seq) VALUES (?1, ?2)
             ON CONFLICT (site) DO UPDATE SET min_seq = max(min_seq, ?2)",
            params![site.as_str(), i64::try_from(keep_after).unwrap_or(i64::MAX)],
        )?;
        tx.commit()?;
        Ok(n as u64)
    }

    fn add_enrollment_code(
        &mut self,
        site: &SiteId,
        code_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO enrollment_codes (code_hash, site, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![code_hash, site.as_str(), time_text(Utc::now()), time_text(expires_at)],
        )?;
        Ok(())
    }

    fn take_enrollment_code(
        &mut self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SiteId>> {
        let tx = self.conn.transaction()?;
        let found: Option<(String, String, Option<String>)> = tx
            .query_row(
                "SELECT site, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?1",
                [code_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let site = match found {
            Some((site, expires, None)) if parse_time(&expires)? > now => {
                tx.execute(
                    "UPDATE enrollment_codes SET used_at = ?2 WHERE code_hash = ?1",
                    params![code_hash, time_text(now)],
                )?;
                Some(SiteId::new(site))
            }
            _ => None,
        };
        tx.commit()?;
        Ok(site)
    }

    fn add_device(
        &mut self,
        id: &str,
        site: &SiteId,
        name: &str,
        token_hash: &str,
    ) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO devices (id, site, name, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, site.as_str(), name, token_hash, time_text(Utc::now())],
        )?;
        Ok(())
    }

    fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, site, name, revoked_at FROM devices WHERE token_hash = ?1")?
            .query_row([token_hash], |r| {
                Ok(Device {
                    id: r.get(0)?,
                    site: SiteId::new(r.get::<_, String>(1)?),
                    name: r.get(2)?,
                    revoked: r.get::<_, Option<String>>(3)?.is_some(),
                })
            })
            .optional()?)
    }

    fn devices(&self, site: &SiteId) -> StoreResult<Vec<EnrolledDevice>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, enrolled_at, revoked_at FROM devices WHERE site = ?1 ORDER BY enrolled_at, id",
        )?;
        let rows = stmt.query_map([site.as_str()], |r| {
            Ok(EnrolledDevice {
                id: r.get(0)?,
                name: r.get(1)?,
                enrolled_at: r.get(2)?,
                revoked_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn revoke_device(&mut self, id: &str) -> StoreResult<bool> {
        let n = self.conn.execute(
            "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, time_text(Utc::now())],
        )?;
        self.conn
            .execute("DELETE FROM sessions WHERE device_id = ?1", params![id])?;
        self.conn.execute(
            "UPDATE presence_keys SET revoked_at = ?2 WHERE device_id = ?1 AND revoked_at IS NULL",
            params![id, time_text(Utc::now())],
        )?;
        Ok(n > 0)
    }

    fn set_system_key(&mut self, site: &SiteId, name: &str, token_hash: &str) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO system_keys (site, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (site, name) DO UPDATE SET token_hash = ?3, created_at = ?4, revoked_at = NULL",
            params![site.as_str(), name, token_hash, time_text(Utc::now())],
        )?;
        Ok(())
    }

    fn revoke_system_key(&mut self, site: &SiteId, name: &str) -> StoreResult<bool> {
        let n = self.conn.execute(
            "UPDATE system_keys SET revoked_at = ?3 WHERE site = ?1 AND name = ?2 AND revoked_at IS NULL",
            params![site.as_str(), name, time_text(Utc::now())],
        )?;
        Ok(n > 0)
    }

    fn system_by_token(&self, token_hash: &str) -> StoreResult<Option<SystemKey>> {
        Ok(self
            .conn
            .prepare_cached("SELECT site, name, revoked_at FROM system_keys WHERE token_hash = ?1")?
            .query_row([token_hash], |r| {
                Ok(SystemKey {
                    site: SiteId::new(r.get::<_, String>(0)?),
                    name: r.get(1)?,
                    revoked: r.get::<_, Option<String>>(2)?.is_some(),
                })
            })
            .optional()?)
    }

    fn set_credential(&mut self, site: &SiteId, cred: &Credential) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        let before: Option<(String, String)> = tx
            .query_row(
                "SELECT badge, pin_hash FROM credentials WHERE site = ?1 AND user_id = ?2",
                params![site.as_str(), cred.user],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO credentials (site, user_id, badge, pin_hash, pin_digits) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (site, user_id) DO UPDATE SET badge = ?3, pin_hash = ?4, pin_digits = ?5",
            params![site.as_str(), cred.user, cred.badge, cred.pin_hash, cred.pin_digits],
        )?;
        // A new PIN or badge ends the person's sessions (whoever knew the
        // old one is signed out) and lifts the badge's lock-out.
        if let Some((badge, pin_hash)) = before
            && (badge != cred.badge || pin_hash != cred.pin_hash)
        {
            tx.execute(
                "DELETE FROM sessions WHERE site = ?1 AND user_id = ?2",
                params![site.as_str(), cred.user],
            )?;
            tx.execute(
                "DELETE FROM sign_in_attempts WHERE site = ?1 AND key IN (?2, ?3)",
                params![
                    site.as_str(),
                    format!("badge:{badge}"),
                    format!("badge:{}", cred.badge)
                ],
            )?;
            // And withdraws what the old one unlocked on devices: they
            // must see the person sign in online again.
            tx.execute(
                REVOKE_USER_KEYS,
                params![site.as_str(), cred.user, time_text(Utc::now())],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn reserve_sign_in(
        &mut self,
        site: &SiteId,
        slots: &[SignInSlot],
        now: DateTime<Utc>,
        lockout: chrono::Duration,
        max_tracked: u32,
    ) -> StoreResult<Option<(usize, DateTime<Utc>)>> {
        let tx = self.conn.transaction()?;
        let stale = time_text(now - lockout);
        tx.execute(
            "DELETE FROM sign_in_attempts WHERE last_at <= ?1",
            params![stale],
        )?;
        let mut counts = Vec::with_capacity(slots.len());
        for (i, slot) in slots.iter().enumerate() {
            let found: Option<(i64, String)> = tx
                .prepare_cached(
                    "SELECT failures, last_at FROM sign_in_attempts WHERE site = ?1 AND key = ?2",
                )?
                .query_row(params![site.as_str(), slot.key], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let failures = found.as_ref().map_or(0, |f| f.0);
            if failures >= i64::from(slot.max_failures) {
                let last = parse_time(&found.map(|f| f.1).unwrap_or_default())?;
                tx.commit()?;
                return Ok(Some((i, last + lockout)));
            }
            counts.push(failures);
        }
        let at = time_text(now);
        for (slot, failures) in slots.iter().zip(counts) {
            tx.prepare_cached(
                "INSERT INTO sign_in_attempts (site, key, failures, last_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site, key) DO UPDATE SET failures = ?3, last_at = ?4",
            )?
            .execute(params![site.as_str(), slot.key, failures + 1, at])?;
        }
        let tracked: i64 =
            tx.query_row("SELECT count(*) FROM sign_in_attempts", [], |r| r.get(0))?;
        if tracked > i64::from(max_tracked) {
            tx.execute(
                "DELETE FROM sign_in_attempts WHERE rowid IN
                 (SELECT rowid FROM sign_in_attempts ORDER BY last_at LIMIT ?1)",
                params![tracked - i64::from(max_tracked)],
            )?;
        }
        tx.commit()?;
        Ok(None)
    }

    fn sign_in_succeeded(
        &mut self,
        site: &SiteId,
        badge_key: &str,
        source_key: &str,
    ) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM sign_in_attempts WHERE site = ?1 AND key = ?2",
            params![site.as_str(), badge_key],
        )?;
        tx.execute(
            "UPDATE sign_in_attempts SET failures = max(failures - 1, 0) WHERE site = ?1 AND key = ?2",
            params![site.as_str(), source_key],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn credential_by_badge(&self, site: &SiteId, badge: &str) -> StoreResult<Option<Credential>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT user_id, badge, pin_hash, pin_digits FROM credentials WHERE site = ?1 AND badge = ?2",
            )?
            .query_row(params![site.as_str(), badge], |r| {
                Ok(Credential {
                    user: r.get(0)?,
                    badge: r.get(1)?,
                    pin_hash: r.get(2)?,
                    pin_digits: r.get(3)?,
                })
            })
            .optional()?)
    }

    fn credentials(&self, site: &SiteId) -> StoreResult<Vec<Credential>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT user_id, badge, pin_hash, pin_digits FROM credentials WHERE site = ?1 ORDER BY user_id",
        )?;
        let rows = stmt.query_map([site.as_str()], |r| {
            Ok(Credential {
                user: r.get(0)?,
                badge: r.get(1)?,
                pin_hash: r.get(2)?,
                pin_digits: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn password(&self, site: &SiteId, user: &str) -> StoreResult<Option<PasswordRecord>> {
        let found: Option<(String, Option<String>, String)> = self
            .conn
            .prepare_cached(
                "SELECT hash, one_time_until, mac FROM passwords WHERE site = ?1 AND user_id = ?2",
            )?
            .query_row(params![site.as_str(), user], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((hash, until, mac)) = found else {
            return Ok(None);
        };
        let intact = mac == self.password_mac(site.as_str(), user, &hash, until.as_deref());
        Ok(Some(PasswordRecord {
            hash,
            one_time_until: until.as_deref().map(parse_time).transpose()?,
            intact,
        }))
    }

    fn user_language(&self, site: &SiteId, user: &str) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT language FROM user_languages WHERE site = ?1 AND user_id = ?2")?
            .query_row(params![site.as_str(), user], |r| r.get(0))
            .optional()?)
    }

    fn set_user_language(&mut self, site: &SiteId, user: &str, language: &str) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO user_languages (site, user_id, language) VALUES (?1, ?2, ?3)
             ON CONFLICT (site, user_id) DO UPDATE SET language = excluded.language",
            params![site.as_str(), user, language],
        )?;
        Ok(())
    }

    fn add_session(&mut self, token_hash: &str, s: &Session) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO sessions (token_hash, site, user_id, device_id, created_at, expires_at,
             password_change_only) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                token_hash,
                s.site.as_str(),
                s.user,
                s.device,
                time_text(Utc::now()),
                time_text(s.expires_at),
                s.password_change_only,
            ],
        )?;
        Ok(())
    }

    fn end_session(&mut self, token_hash: &str) -> StoreResult<bool> {
        let n = self
            .conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(n > 0)
    }

    fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let found: Option<(String, String, Option<String>, String, bool)> = self
            .conn
            .prepare_cached(
                "SELECT site, user_id, device_id, expires_at, password_change_only FROM sessions
                 WHERE token_hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        found
            .map(|(site, user, device, expires, change_only)| {
                Ok(Session {
                    site: SiteId::new(site),
                    user,
                    device,
                    expires_at: parse_time(&expires)?,
                    password_change_only: change_only,
                })
            })
            .transpose()
    }

    fn add_presence_key(&mut self, k: &PresenceKeyRecord) -> StoreResult<()> {
        let sealed = self.key.seal(&presence_binding(k), &k.key)?;
        let tx = self.conn.transaction()?;
        // One live key per person and device: the new one supersedes.
        tx.execute(
            "UPDATE presence_keys SET revoked_at = ?4
             WHERE site = ?1 AND user_id = ?2 AND device_id = ?3 AND revoked_at IS NULL",
            params![k.site.as_str(), k.user, k.device, time_text(k.issued_at)],
        )?;
        tx.execute(
            "INSERT INTO presence_keys (id, site, user_id, device_id, key, issued_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                k.id,
                k.site.as_str(),
                k.user,
                k.device,
                sealed,
                time_text(k.issued_at),
                time_text(k.expires_at)
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn presence_key(&self, id: &str) -> StoreResult<Option<PresenceKeyRecord>> {
        type Found = (
            String,
            String,
            String,
            Vec<u8>,
            String,
            String,
            Option<String>,
        );
        let found: Option<Found> = self
            .conn
            .prepare_cached(
                "SELECT site, user_id, device_id, key, issued_at, expires_at, revoked_at
                 FROM presence_keys WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()?;
        found
            .map(|(site, user, device, sealed, issued, expires, revoked)| {
                let mut record = PresenceKeyRecord {
                    id: id.to_owned(),
                    site: SiteId::new(site),
                    user,
                    device,
                    key: Vec::new(),
                    issued_at: parse_time(&issued)?,
                    expires_at: parse_time(&expires)?,
                    revoked_at: revoked.as_deref().map(parse_time).transpose()?,
                };
                record.key = match self.key.open(&presence_binding(&record), &sealed) {
                    Some(key) => key,
                    // Bare keys from before sealing, all withdrawn by
                    // migration 0006: they can hold a document for its
                    // author's online sign-in, never prove it.
                    None if record.revoked_at.is_some()
                        && sealed.len() == sparescan_core::presence::KEY_LEN =>
                    {
                        sealed
                    }
                    // No key proves anything with this one.
                    None => {
                        log::error!(
                            "presence key {id} was not sealed by this server for its holder: every proof made with it is refused"
                        );
                        Vec::new()
                    }
                };
                Ok(record)
            })
            .transpose()
    }

    fn revoke_presence_keys(&mut self, site: &SiteId, user: &str) -> StoreResult<u64> {
        let n = self.conn.execute(
            REVOKE_USER_KEYS,
            params![site.as_str(), user, time_text(Utc::now())],
        )?;
        Ok(n as u64)
    }

    fn backup(&self, to: &Path) -> StoreResult<()> {
        let mut dst = Connection::open(to)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)?;
        backup.run_to_completion(1024, std::time::Duration::from_millis(0), None)?;
        Ok(())
    }
}
