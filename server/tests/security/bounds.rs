//! Bounds and cursors (issue 14, item 7), over real HTTPS against the
//! server on 127.0.0.1: a 15 MiB reason, a quantity past what the ledger
//! holds, a pull cursor past `i64`.

use crate::common::*;
use sparescan_core::document::Body;
use sparescan_core::model::Condition;
use sparescan_core::qty::Qty;
use sparescan_core::sync::Verdict;
use sparescan_server::demo::SITE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_reason_is_refused_and_not_stored() {
    let ts = TestServer::start().await;
    let (dev, id) = enrolled(&ts, SITE, "HH-1").await;
    let db = ts.dir.path().join("sparescan.db");
    let size = || {
        ["", "-wal"]
            .iter()
            .map(|s| {
                std::fs::metadata(format!("{}{s}", db.display()))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum::<u64>()
    };
    let before = size();
    let mut d = count_doc(&id, "clerk-1", "BRG-6204", "A-02", Qty::units(12));
    d.reason = Some("x".repeat(15 * 1024 * 1024));
    let r = dev.push(&[d]).await.expect("push");
    assert_eq!(
        code_of(&r.verdicts[0]),
        Some("too_long"),
        "{:?}",
        code_of(&r.verdicts[0])
    );
    let grown = size().saturating_sub(before);
    assert!(grown < 1024 * 1024, "the database grew by {grown} bytes");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_to_the_largest_quantity_then_a_return_loses_nothing() {
    let ts = TestServer::start().await;
    let clerk = office(&ts, "clerk-1").await;
    let ctrl = office(&ts, "ctrl-1").await;
    let issued = doc(
        "backoffice",
        "clerk-1",
        Some("WO-1003"),
        Some("WO-1003-L3"),
        Body::Issue {
            pick: pick("ZIP-200", "A-01", 5, &[]),
            holder: Some("tech-1".into()),
        },
    );
    let v = submit(&clerk, std::slice::from_ref(&issued)).await;
    assert!(matches!(v[0], Verdict::Accepted { .. }), "{v:?}");
    let largest = Qty::from_milli(i64::MAX);
    let mut count = count_doc("backoffice", "ctrl-1", "ZIP-200", "A-01", largest);
    if let Body::Count { adjust, .. } = &mut count.body {
        *adjust = true;
    }
    let counted = submit(&ctrl, &[count]).await;
    let mut back = doc(
        "backoffice",
        "clerk-1",
        Some("WO-1003"),
        None,
        Body::Return {
            item: "ZIP-200".into(),
            batch: None,
            serials: vec![],
            qty: Qty::units(5),
            condition: Condition::New,
            to_bin: "A-01".into(),
        },
    );
    back.follows = Some(issued.id);
    let returned = submit(&clerk, &[back]).await;
    let both = matches!(counted[0], Verdict::Accepted { .. })
        && matches!(returned[0], Verdict::Accepted { .. });
    assert!(
        !both,
        "a count to {largest} and a return of 5 were both accepted: 5 units vanished"
    );
    assert!(
        [&counted[0], &returned[0]]
            .iter()
            .any(|v| code_of(v) == Some("quantity_too_large")),
        "{counted:?} {returned:?}"
    );
    let report = ts.server.verify().expect("verify");
    assert!(report.is_clean(), "{report}");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_out_of_range_are_refused() {
    let ts = TestServer::start().await;
    let (dev, _) = enrolled(&ts, SITE, "HH-1").await;
    let token = dev.device_token().expect("token").to_owned();
    for after in ["9223372036854775808", "18446744073709551615", "-1", "1e3"] {
        let resp = dev
            .http()
            .get(format!("{}/api/v1/sync/pull?after={after}", dev.base()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("pull");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        assert_eq!(status, 400, "pull?after={after}: {text}");
    }
    ts.stop().await;
}

/// One raw HTTP/1.1 exchange on an open TLS stream: the status and whether
/// the server means to keep the connection.
fn exchange(
    tls: &mut rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>,
    head: &str,
    body_after: Option<(std::time::Duration, &[u8])>,
) -> std::io::Result<u16> {
    use std::io::{BufRead, Read, Write};
    tls.write_all(head.as_bytes())?;
    tls.flush()?;
    if let Some((pause, body)) = body_after {
        std::thread::sleep(pause);
        tls.write_all(body)?;
        tls.flush()?;
    }
    let mut reader = std::io::BufReader::new(tls);
    let mut status = String::new();
    reader.read_line(&mut status)?;
    let code = status
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {status:?}")))?;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut rest = vec![0; length];
    reader.read_exact(&mut rest)?;
    Ok(code)
}

/// A client whose body arrives a moment after its headers (a loaded machine,
/// a slow link) hears the refusal and keeps its connection: the server reads
/// the whole body before it answers, so it never closes on bytes still
/// coming — which a client sees as a reset in the middle of its request
/// (what schemathesis hit in CI).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_arrives_late_is_read_before_the_refusal() {
    let ts = TestServer::start().await;
    let addr = ts.running.as_ref().expect("running").addr;
    let config = sparescan_client::tls::pinned_client_config(&ts.ca).expect("CA");
    // No credentials, a method the path does not take, a path that does not
    // exist: each refused before any handler would read the body.
    let cases = [
        ("PUT", "/api/v1/me/password", 401),
        ("POST", "/api/v1/documents", 401),
        ("TRACE", "/api/v1/me/password", 405),
        ("POST", "/api/v1/no-such-thing", 404),
    ];
    for (method, path, expected) in cases {
        let config = config.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
            let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name)
                .map_err(std::io::Error::other)?;
            let tcp = std::net::TcpStream::connect(addr)?;
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let body = br#"{"old":"a","new":"b"}"#;
            let head = format!(
                "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\
                 content-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let first = exchange(
                &mut tls,
                &head,
                Some((std::time::Duration::from_millis(300), body)),
            )?;
            let second = exchange(
                &mut tls,
                "GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n",
                None,
            )?;
            Ok::<_, std::io::Error>((first, second))
        })
        .await
        .expect("joined");
        assert_eq!(
            outcome.as_ref().ok(),
            Some(&(expected, 200)),
            "{method} {path}, then a second request on the same connection: {outcome:?}"
        );
    }
    ts.stop().await;
}
