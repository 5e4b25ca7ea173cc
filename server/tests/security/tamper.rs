//! Tamper evidence (issue 14, item 9), with the real server binary: a
//! database file that is empty or not sparescan's refuses to start, and
//! `verify` finds a document rewritten in the database even when the
//! rewriter recomputed the (unkeyed) hash chain.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sparescan-server");

/// Runs `serve` on `dir`; it must exit by itself (refusing to start).
fn serve_refuses(dir: &Path) -> Output {
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("SPARESCAN_LISTEN", "127.0.0.1:0")
        .env("SPARESCAN_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "the server started on {}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_empty_or_foreign_database_refuses_to_start() {
    // Zero bytes: a truncated or wrongly restored file, not a new server.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("sparescan.db"), b"").expect("write");
    let out = serve_refuses(dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("empty"), "{err}");
    assert_eq!(
        std::fs::metadata(dir.path().join("sparescan.db"))
            .map(|m| m.len())
            .ok(),
        Some(0),
        "the file is left as it was"
    );

    // Not a database at all.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("sparescan.db"),
        b"hello, this is a text file\n".repeat(200),
    )
    .expect("write");
    let out = serve_refuses(dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a sparescan database"), "{err}");

    // Another program's SQLite database.
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let db = rusqlite::Connection::open(dir.path().join("sparescan.db")).expect("db");
        db.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO invoices (total) VALUES ('12.50');")
            .expect("foreign schema");
    }
    let out = serve_refuses(dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a sparescan database"), "{err}");
    let db = rusqlite::Connection::open(dir.path().join("sparescan.db")).expect("db");
    let tables: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .expect("tables");
    assert_eq!(tables, 1, "nothing was added to the foreign database");
}

/// The unkeyed chain as the server wrote it before it was keyed: anyone
/// with the database can recompute it.
fn unkeyed(prev: &str, parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    for p in parts {
        h.update(b"\n");
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

fn verify(dir: &Path) -> Output {
    Command::new(BIN)
        .arg("verify")
        .env("SPARESCAN_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("verify")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_author_is_found_even_with_the_chain_recomputed() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The demo site, its seed documents and audit entries.
    let out = Command::new(BIN)
        .args(["enroll-device", "--site", "PLANT-1"])
        .env("SPARESCAN_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("enroll-device");
    let _ = out;
    {
        let server = sparescan_server::Server::open(sparescan_server::config::Config::new(
            "127.0.0.1:0".parse().expect("addr"),
            dir.path(),
        ))
        .expect("open");
        sparescan_server::demo::install(&server)
            .await
            .expect("demo");
    }
    let clean = verify(dir.path());
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );

    // Someone with the database file makes clerk-1's issue sup-1's, and
    // recomputes the chain from there on.
    {
        let db = rusqlite::Connection::open(dir.path().join("sparescan.db")).expect("db");
        let rows: Vec<(i64, String, String, String)> = db
            .prepare("SELECT seq, doc, effects, prev_hash FROM documents ORDER BY seq")
            .expect("query")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert!(rows.len() > 2, "the demo seeds documents");
        let mut prev = rows[0].3.clone();
        for (i, (seq, doc, effects, _)) in rows.iter().enumerate() {
            let doc = if i == 1 {
                doc.replacen("\"author\":\"clerk-1\"", "\"author\":\"sup-1\"", 1)
            } else {
                doc.clone()
            };
            let hash = unkeyed(&prev, &[&doc, effects]);
            db.execute(
                "UPDATE documents SET doc = ?2, author = json_extract(?2, '$.author'), prev_hash = ?3, hash = ?4 WHERE seq = ?1",
                rusqlite::params![seq, doc, prev, hash],
            )
            .expect("rewrite");
            prev = hash;
        }
        // And the document's copy among the rows devices pull.
        let id: String = db
            .query_row(
                "SELECT id FROM documents WHERE seq = ?1",
                [rows[1].0],
                |r| r.get(0),
            )
            .expect("id");
        db.execute(
            "UPDATE rows SET value = replace(value, '\"author\":\"clerk-1\"', '\"author\":\"sup-1\"') WHERE key LIKE '%' || ?1 || '%'",
            [&id],
        )
        .expect("rewrite the row");
        let author: String = db
            .query_row(
                "SELECT author FROM documents WHERE seq = ?1",
                [rows[1].0],
                |r| r.get(0),
            )
            .expect("author");
        assert_eq!(author, "sup-1", "the rewrite took");
    }
    let out = verify(dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "verify passed a rewritten author with a recomputed chain:\n{text}"
    );
    assert!(text.contains("documents seq"), "{text}");
}

/// A data directory holding the demo site, which `verify` finds clean.
async fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let server = sparescan_server::Server::open(sparescan_server::config::Config::new(
            "127.0.0.1:0".parse().expect("addr"),
            dir.path(),
        ))
        .expect("open");
        sparescan_server::demo::install(&server)
            .await
            .expect("demo");
    }
    assert!(verify(dir.path()).status.success());
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_changed_in_the_database_are_found() {
    let dir = demo_dir().await;
    // The technician made an admin, in the site's master data and in the
    // user's row alike, so the projections agree.
    {
        let db = rusqlite::Connection::open(dir.path().join("sparescan.db")).expect("db");
        let master: String = db
            .query_row("SELECT master FROM sites WHERE id = 'PLANT-1'", [], |r| {
                r.get(0)
            })
            .expect("master");
        let mut m: serde_json::Value = serde_json::from_str(&master).expect("json");
        let users = m["users"].as_array_mut().expect("users");
        let tech = users
            .iter_mut()
            .find(|u| u["id"] == "tech-1")
            .expect("tech-1");
        tech["roles"] = serde_json::json!(["technician", "admin"]);
        let row = tech.clone();
        db.execute(
            "UPDATE sites SET master = ?1 WHERE id = 'PLANT-1'",
            [serde_json::to_string(&m).expect("json")],
        )
        .expect("rewrite master");
        let n = db
            .execute(
                "UPDATE rows SET value = ?1 WHERE site = 'PLANT-1' AND key LIKE '%\"user\"%' AND key LIKE '%tech-1%'",
                [serde_json::to_string(&row).expect("json")],
            )
            .expect("rewrite row");
        assert_eq!(n, 1, "the user's row");
    }
    let out = verify(dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "verify passed roles changed in the database:\n{text}"
    );
}

/// A stock value changed in the database (issue 16, item 3): `verify`
/// recomputes every item's value from the documents' and finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stock_value_changed_in_the_database_is_found() {
    let dir = demo_dir().await;
    {
        let db = rusqlite::Connection::open(dir.path().join("sparescan.db")).expect("db");
        // The seed wrote off terminals: their pool is kept.
        let n = db
            .execute(
                "UPDATE valuations SET cents = cents + 100000 WHERE site = 'PLANT-1' AND item = 'TERM-6MM'",
                [],
            )
            .expect("rewrite");
        assert_eq!(n, 1, "the terminals' value is kept");
    }
    let out = verify(dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "verify passed a changed value:\n{text}"
    );
    assert!(text.contains("value of TERM-6MM"), "{text}");
}
