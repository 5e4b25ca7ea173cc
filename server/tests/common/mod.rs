//! A real server on 127.0.0.1:0 over HTTPS with the demo site, and real
//! clients talking to it.
#![allow(dead_code)]

use chrono::Utc;
use sparescan_client::Client;
use sparescan_core::document::*;
use sparescan_core::ids::*;
use sparescan_core::model::*;
use sparescan_core::qty::Qty;
use sparescan_server::config::Config;
use sparescan_server::demo::{self, PEOPLE, SITE};
use sparescan_server::{Running, Server};

pub struct TestServer {
    pub server: Server,
    pub running: Option<Running>,
    pub dir: tempfile::TempDir,
    pub base: String,
    pub ca: Vec<u8>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir).await
    }

    pub async fn start_in(dir: tempfile::TempDir) -> TestServer {
        Self::start_with(dir, |_| {}).await
    }

    pub async fn start_with(dir: tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = Config::new("127.0.0.1:0".parse().expect("addr"), dir.path());
        tweak(&mut config);
        let server = Server::open(config).expect("open server");
        demo::install(&server).await.expect("demo site");
        let running = server.serve().await.expect("serve");
        let base = format!("https://127.0.0.1:{}", running.addr.port());
        let ca = std::fs::read(dir.path().join("tls/ca.pem")).expect("CA written");
        TestServer {
            server,
            running: Some(running),
            dir,
            base,
            ca,
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base, &self.ca).expect("client")
    }

    /// An enrolled device client.
    pub async fn device(&self, name: &str) -> Client {
        let code = self
            .server
            .enrollment_code(&SITE.into())
            .await
            .expect("enrollment code");
        let mut c = self.client();
        c.enroll(&code, name).await.expect("enroll");
        sign_in_everyone(&mut c).await;
        c
    }

    /// The device id a client was enrolled as.
    pub fn rows(&self) -> Vec<sparescan_core::sync::Row> {
        self.server
            .ledger()
            .read(&SITE.into(), |s| s.ledger.rows())
            .expect("site")
    }

    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(r) = self.running.take() {
            r.shutdown().await.expect("shutdown");
        }
        self.dir
    }
}

/// Signs every demo person who works on a handheld in on `c`, an enrolled
/// device: its pushes then carry their proofs of presence (as documents
/// recorded on a handheld each of them signed in on).
pub async fn sign_in_everyone(c: &mut Client) {
    for p in PEOPLE {
        // The accountant and the admin are refused on a device.
        let _ = c.sign_in(p.badge, p.pin, None).await;
    }
}

pub fn pin_of(user: &str) -> (&'static str, &'static str) {
    let p = PEOPLE.iter().find(|p| p.id == user).expect("demo person");
    (p.badge, p.pin)
}

/// A demo person's badge and back-office password.
pub fn password_of(user: &str) -> (&'static str, &'static str) {
    let p = PEOPLE.iter().find(|p| p.id == user).expect("demo person");
    (p.badge, p.password)
}

pub fn doc(
    device: &str,
    author: &str,
    wo: Option<&str>,
    line: Option<&str>,
    body: Body,
) -> Document {
    Document {
        id: DocId::new_v7(),
        author: author.into(),
        device: device.into(),
        site: SITE.into(),
        device_time: Utc::now(),
        work_order: wo.map(Into::into),
        line: line.map(Into::into),
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body,
    }
}

pub fn pick(item: &str, bin: &str, qty: i64, serials: &[&str]) -> Pick {
    Pick {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        serials: serials.iter().map(|s| SerialNo::from(*s)).collect(),
        qty: Qty::units(qty),
        condition: Condition::New,
    }
}

pub fn issue(device: &str, wo: &str, line: &str, p: Pick) -> Document {
    doc(
        device,
        "clerk-1",
        Some(wo),
        Some(line),
        Body::Issue {
            pick: p,
            holder: Some("tech-1".into()),
        },
    )
}

/// A device enrolled at `site`, nobody signed in on it yet.
pub async fn enroll_only(ts: &TestServer, site: &str, name: &str) -> (Client, String) {
    let code = ts.server.enrollment_code(&site.into()).await.expect("code");
    let mut c = ts.client();
    let r = c.enroll(&code, name).await.expect("enroll");
    (c, r.device_id)
}

/// A device enrolled at `site` with everyone who works on a handheld
/// signed in on it (see [`sign_in_everyone`]).
pub async fn enrolled(ts: &TestServer, site: &str, name: &str) -> (Client, String) {
    let (mut c, id) = enroll_only(ts, site, name).await;
    sign_in_everyone(&mut c).await;
    (c, id)
}

/// A back-office sign-in at the demo site (badge and password).
pub async fn office(ts: &TestServer, user: &str) -> Client {
    let (badge, password) = password_of(user);
    let mut c = ts.client();
    c.sign_in_office(badge, password, SITE)
        .await
        .expect("sign in");
    c
}

/// Back-office documents, by the signed-in person.
pub async fn submit(c: &Client, docs: &[Document]) -> Vec<sparescan_core::sync::Verdict> {
    let r: sparescan_core::sync::PushResponse = c
        .post_json(
            "/api/v1/documents",
            &sparescan_core::sync::PushRequest {
                documents: docs.to_vec(),
            },
        )
        .await
        .expect("documents");
    r.verdicts
}

/// The refusal's code, as on the wire.
pub fn code_of(v: &sparescan_core::sync::Verdict) -> Option<&'static str> {
    match v {
        sparescan_core::sync::Verdict::Rejected { refusal, .. } => Some(refusal.code.code()),
        _ => None,
    }
}

/// A count of `item` in `bin` (no adjustment).
pub fn count_doc(device: &str, author: &str, item: &str, bin: &str, counted: Qty) -> Document {
    doc(
        device,
        author,
        None,
        None,
        Body::Count {
            item: item.into(),
            bin: bin.into(),
            batch: None,
            condition: Condition::New,
            counted,
            adjust: false,
        },
    )
}

/// Sends a request with the client's session: the status and the body
/// (JSON where it is JSON, else the text as a string).
pub async fn send(c: &Client, req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let req = match c.session() {
        Some(s) => req.bearer_auth(s),
        None => req,
    };
    answer(req).await
}

/// One call to the server at `base` with `http`, a bearer token and a JSON
/// body if given: the status and the body (as [`send`]).
pub async fn call_api(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = http.request(method, format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    answer(req).await
}

async fn answer(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

pub async fn get(c: &Client, path: &str) -> (u16, serde_json::Value) {
    send(c, c.http().get(format!("{}{path}", c.base()))).await
}

pub async fn put(c: &Client, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    send(c, c.http().put(format!("{}{path}", c.base())).json(&body)).await
}

/// The real server binary, `demo` or `serve` on 127.0.0.1:0 in `dir`, as
/// a child process (killed when dropped).
pub struct Proc {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server binary with the demo site and waits until it listens.
pub fn start_demo_binary(dir: &std::path::Path) -> Proc {
    start_binary(dir, "demo")
}

/// Starts `sparescan-server <command>` on `dir` and waits until it says
/// where it listens (`demo` on stdout, `serve` in its log).
pub fn start_binary(dir: &std::path::Path, command: &str) -> Proc {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sparescan-server"))
        .arg(command)
        .env("SPARESCAN_LISTEN", "127.0.0.1:0")
        .env("SPARESCAN_DATA_DIR", dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    // Both streams are read to their end, so the server never blocks on a
    // full pipe; their lines come here.
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let forward = |stream: Box<dyn Read + Send>, tx: std::sync::mpsc::Sender<String>| {
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        })
    };
    forward(Box::new(child.stdout.take().expect("stdout")), tx.clone());
    forward(Box::new(child.stderr.take().expect("stderr")), tx);
    let mut seen = Vec::new();
    let base = loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(120))
            .unwrap_or_else(|_| {
                panic!(
                    "the server did not say where it listens:\n{}",
                    seen.join("\n")
                )
            });
        if let Some(at) = line.find("https://") {
            break line[at..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
        seen.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    Proc { child, base }
}

/// The server binary's CLI on the data directory `dir`.
pub fn cli(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sparescan-server"))
        .args(args)
        .env("SPARESCAN_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the CLI")
}

/// An HTTP client that trusts the development CA of the data directory
/// `dir` (the server made it at its first start).
pub fn http_for(dir: &std::path::Path) -> reqwest::Client {
    let ca = std::fs::read(dir.join("tls/ca.pem")).expect("CA");
    sparescan_client::Client::new("https://127.0.0.1", &ca)
        .expect("client")
        .http()
        .clone()
}
