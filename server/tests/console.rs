//! The console in a real browser: Debian's chromium driven through
//! chromedriver (WebDriver over plain HTTP on 127.0.0.1) against the real
//! server over HTTPS on 127.0.0.1:0, from a data directory with no site.
//!
//! The first run makes the site in the browser; the admin's session then
//! loads master data and stock over the API, as an admin's ERP export
//! would; a dispatcher (one-time password, then their own) plans an order
//! in the form, is refused approving it themselves, an engineer approves
//! it, the scan box opens the order and a part's stock, and the stock
//! table's export is fetched and read. Screenshots of each page go to
//! `target/console-screens/` (and `docs/console/` with UPDATE_DOCS=1).

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use sparescan_server::Server;
use sparescan_server::config::Config;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PASSWORD: &str = "first admin's own pass";
const DISPATCHER_PASSWORD: &str = "dispatcher's own pass";
const ENGINEER_PASSWORD: &str = "engineer's own pass";
const CONTROLLER_PASSWORD: &str = "controller's own pass";
const ACCOUNTANT_PASSWORD: &str = "accountant's own pass";
const CLERK_PASSWORD: &str = "clerk's own pass longer";
/// WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver: install chromium and chromium-driver (scripts/setup.sh does)");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let status = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("http client");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = status
            .get(format!("{}/status", driver.url))
            .send()
            .await
            .ok()
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        if ready {
            return driver;
        }
        assert!(Instant::now() < until, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn browser(driver: &Driver) -> Client {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            // The server's development CA is not in the browser's store;
            // only this test browser is told to accept it.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--ignore-certificate-errors",
                     "--window-size=1280,800", "--lang=en-GB"]
        }
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

fn screens_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/console-screens");
    std::fs::create_dir_all(&dir).expect("screens dir");
    dir
}

/// The text of the QR code in a PNG (a screenshot of it as the browser
/// drew it).
fn decode_qr(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("its pixels");
    let (width, height) = (frame.width as usize, frame.height as usize);
    let samples = frame.color_type.samples();
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let at = (y * width + x) * samples;
        // The darkest of the colour channels: black modules stay black.
        pixels[at..at + samples.min(3)]
            .iter()
            .copied()
            .min()
            .unwrap_or(255)
    });
    let grids = image.detect_grids();
    let grid = grids.first().expect("a QR code in the image");
    let (_, content) = grid.decode().expect("the QR code decodes");
    content
}

/// axe-core, vendored: the WCAG checker run on every page shot below.
const AXE: &str = include_str!("vendor/axe-core/axe.min.js");

/// Checks the page with axe-core (WCAG 2.0/2.1 A and AA, and no script
/// error on the page), then takes its screenshot.
async fn shot(b: &Client, name: &str) {
    b.execute(&format!("{AXE}\nreturn true;"), Vec::new())
        .await
        .expect("load axe-core");
    let found = b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                .catch(e => done(['axe failed: ' + e]));",
            Vec::new(),
        )
        .await
        .expect("run axe-core");
    let violations: Vec<String> = serde_json::from_value(found).expect("axe's answer");
    assert!(
        violations.is_empty(),
        "{name} ({}): WCAG violations:\n{}",
        path(b).await,
        violations.join("\n")
    );
    let png = b.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(screens_dir().join(format!("{name}.png")), &png).expect("write screenshot");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/console");
        std::fs::create_dir_all(&docs).expect("docs/console");
        std::fs::write(docs.join(format!("{name}.png")), &png).expect("write docs screenshot");
    }
}

async fn fill(b: &Client, css: &str, text: &str) {
    let field = find(b, css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

/// Clicks what leads to another page, and waits until that page is there
/// (the old page's root gone stale).
async fn click(b: &Client, css: &str) {
    let target = match find(b, css).await {
        Ok(t) => t,
        Err(e) => panic!(
            "{css}: {e}\nat {}:\n{}",
            path(b).await,
            b.source().await.unwrap_or_default()
        ),
    };
    loads(b, target.click()).await;
}

async fn loads<F>(b: &Client, action: F)
where
    F: std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
{
    let old = b.find(Locator::Css("html")).await.expect("the page");
    action.await.expect("act");
    let until = Instant::now() + Duration::from_secs(10);
    while old.tag_name().await.is_ok() {
        assert!(Instant::now() < until, "no new page came");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    find(b, "main").await.expect("the new page");
}

/// An element, waited for a while: a click's page may still be loading.
async fn find(b: &Client, css: &str) -> Result<fantoccini::elements::Element, String> {
    b.wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| e.to_string())
}

async fn text_of(b: &Client, css: &str) -> String {
    match find(b, css).await {
        Ok(found) => found.text().await.expect("text"),
        Err(e) => panic!(
            "{css}: {e}\nat {}:\n{}",
            path(b).await,
            b.source().await.unwrap_or_default()
        ),
    }
}

async fn path(b: &Client) -> String {
    let url = b.current_url().await.expect("url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

async fn nav_labels(b: &Client) -> Vec<String> {
    let mut labels = Vec::new();
    for link in b.find_all(Locator::Css("nav.pages a")).await.expect("nav") {
        labels.push(link.text().await.expect("label"));
    }
    labels
}

/// The session token the browser holds (HttpOnly: WebDriver sees it, the
/// page's scripts would not).
async fn session_token(b: &Client) -> String {
    b.get_named_cookie("sparescan_session")
        .await
        .expect("session cookie")
        .value()
        .to_owned()
}

async fn sign_in(b: &Client, base: &str, login: &str, password: &str) {
    b.goto(&format!("{base}/console")).await.expect("open");
    assert!(
        path(b).await.starts_with("/console/sign-in"),
        "{}",
        path(b).await
    );
    fill(b, "#login", login).await;
    fill(b, "#password", password).await;
    click(b, "form.form button[type=submit]").await;
}

/// Sets a date field's value as the form sends it (typed keys follow the
/// browser's locale: day and month swap places).
async fn set_value(b: &Client, id: &str, value: &str) {
    b.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .expect("set the field");
}

/// A person's first sign-in: the admin's one-time password, then their
/// own password, which the console asks for before anything else.
async fn first_sign_in(b: &Client, base: &str, admin: &Api, user: &str, password: &str) {
    let once = admin.one_time_password(user).await;
    sign_in(b, base, user, &once).await;
    assert_eq!(path(b).await, "/console/password");
    // Nothing else opens before the password is chosen.
    b.goto(&format!("{base}/console/stock"))
        .await
        .expect("open");
    assert_eq!(path(b).await, "/console/password");
    fill(b, "#current", &once).await;
    fill(b, "#new", password).await;
    fill(b, "#again", password).await;
    click(b, "form.form button[type=submit]").await;
    assert_eq!(path(b).await, "/console/work-orders?done=password");
}

/// Signs in on the sign-in page the browser is on.
async fn sign_in_here(b: &Client, login: &str, password: &str) {
    assert!(
        path(b).await.starts_with("/console/sign-in"),
        "{}",
        path(b).await
    );
    fill(b, "#login", login).await;
    fill(b, "#password", password).await;
    click(b, "form.form button[type=submit]").await;
}

/// Chooses `file` in the page's upload form and sends it.
async fn upload(b: &Client, file: &std::path::Path) {
    find(b, "#file")
        .await
        .expect("file")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose");
    click(b, "form.upload button").await;
}

async fn sign_out(b: &Client) {
    click(b, ".who form button").await;
    assert!(path(b).await.starts_with("/console/sign-in"));
    assert_eq!(text_of(b, ".flash.ok").await, "You are signed out.");
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// Sends a request as the admin; it must succeed.
    async fn ok(&self, path: &str, req: reqwest::RequestBuilder) {
        let res = req.bearer_auth(&self.token).send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
    }

    async fn csv(&self, path: &str, body: &str) {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "text/csv")
            .body(body.to_owned());
        self.ok(path, req).await;
    }

    async fn put_json(&self, path: &str, body: Value) {
        let req = self.http.put(format!("{}{path}", self.base)).json(&body);
        self.ok(path, req).await;
    }

    async fn post_json(&self, path: &str, body: Value) {
        let req = self.http.post(format!("{}{path}", self.base)).json(&body);
        self.ok(path, req).await;
    }

    async fn one_time_password(&self, user: &str) -> String {
        let res = self
            .http
            .post(format!(
                "{}/api/v1/users/{user}/one-time-password",
                self.base
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        let body: Value = res.json().await.expect("json");
        body["password"].as_str().expect("password").to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_work_in_the_console_from_the_first_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::new("127.0.0.1:0".parse().expect("addr"), dir.path());
    let server = Server::open(config).expect("open server");
    let running = server.serve().await.expect("serve");
    let base = format!("https://127.0.0.1:{}", running.addr.port());
    let token = std::fs::read_to_string(dir.path().join("setup-token"))
        .expect("the setup token is written for a server without a site");
    let ca = std::fs::read(dir.path().join("tls/ca.pem")).expect("CA");
    // The device client's HTTPS stack, trusting the server's CA.
    let http = sparescan_client::Client::new(&base, &ca)
        .expect("client")
        .http()
        .clone();

    let driver = start_driver().await;
    let b = browser(&driver).await;

    // First run: the console opens on the setup page.
    b.goto(&format!("{base}/")).await.expect("open");
    assert_eq!(path(&b).await, "/console/setup");
    fill(&b, "#site", "PLANT-7").await;
    fill(&b, "#site_name", "Plant 7").await;
    fill(&b, "#admin", "B-7001").await;
    fill(&b, "#admin_name", "Anna Admin").await;
    fill(&b, "#password", ADMIN_PASSWORD).await;
    fill(&b, "#password_again", ADMIN_PASSWORD).await;
    // A wrong token: refused, what was typed kept, nothing made.
    fill(&b, "#token", "setup_not-the-token").await;
    click(&b, "form.form button[type=submit]").await;
    assert!(
        text_of(&b, ".flash.error")
            .await
            .contains("not the setup token"),
        "{}",
        b.source().await.unwrap_or_default()
    );
    assert_eq!(
        b.find(Locator::Css("#site"))
            .await
            .expect("site")
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("PLANT-7")
    );
    assert!(server.ledger().sites().read().expect("sites").is_empty());
    fill(&b, "#password", ADMIN_PASSWORD).await;
    fill(&b, "#password_again", ADMIN_PASSWORD).await;
    fill(&b, "#token", token.trim()).await;
    shot(&b, "first-run").await;
    click(&b, "form.form button[type=submit]").await;
    assert_eq!(path(&b).await, "/console/work-orders");
    assert!(text_of(&b, ".who").await.contains("Anna Admin"));
    assert!(
        !dir.path().join("setup-token").exists(),
        "the token works once"
    );
    // The token is spent: the page now says so.
    b.goto(&format!("{base}/console/setup"))
        .await
        .expect("open");
    assert!(text_of(&b, "main").await.contains("has been made"));

    // The admin loads the site's master data and stock over the API, in a
    // session of its own (the browser's ends when they sign out there).
    let signed_in: Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"badge": "B-7001", "password": ADMIN_PASSWORD, "site": "PLANT-7"}))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("json");
    let admin = Api {
        http: http.clone(),
        base: base.clone(),
        token: signed_in["token"].as_str().expect("token").to_owned(),
    };
    let browser_session = session_token(&b).await;
    for (entity, body) in [
        ("warehouses", "id,name\nWH-1,Main store\n"),
        (
            "bins",
            "id,warehouse,zone\nA-01,WH-1,storage\nQ-01,WH-1,quarantine\nR-01,WH-1,rejected\n",
        ),
        (
            "items",
            "id,name,unit,tracking,serial_format,barcodes,substitutes,unit_cost,warranty_months\n\
             BRG-6205,Ball bearing 6205,pcs,none,,04612345000018,,4.20,\n\
             GREASE-LT2,Grease LT-2,kg,none,,,,6.00,\n",
        ),
        (
            "assets",
            "id,name,area\nPUMP-3,Cooling water pump 3,Boiler house\n",
        ),
        (
            "users",
            "id,name,roles\ndisp-1,Dmitri Dispatcher,dispatcher\neng-1,Elena Engineer,engineer\n\
             tech-1,Ivan Technician,technician\nctl-1,Carla Controller,controller\n\
             acc-1,Aida Accountant,accountant\nclk-1,Kira Clerk,clerk\n",
        ),
    ] {
        admin
            .csv(&format!("/api/v1/master/{entity}/import"), body)
            .await;
    }
    admin
        .csv(
            "/api/v1/stock/opening",
            "item,bin,qty,serials,unit_cost,condition\nBRG-6205,A-01,12,,4.20,new\n\
             GREASE-LT2,A-01,5,,6.00,new\nBRG-6205,Q-01,1,,4.20,under_inspection\n",
        )
        .await;
    // A planning template with a range (grease: 0.25 to 0.5 kg, settled
    // by an engineer) and an order made from it.
    admin
        .put_json(
            "/api/v1/templates/PM-PUMP",
            json!({"name": "Pump bearing service", "scope": "Bearings and grease",
                   "tasks": [{"id": "T1", "title": "Change the bearings"}],
                   "lines": [{"task": "T1", "item": "BRG-6205", "planned": "2"},
                             {"task": "T1", "item": "GREASE-LT2", "planned": "0.25", "planned_max": "0.5"}]}),
        )
        .await;
    admin
        .post_json(
            "/api/v1/work-orders",
            json!({"id": "WO-2", "asset": "PUMP-3", "template": "PM-PUMP"}),
        )
        .await;
    // The technician's badge and PIN for the handheld.
    admin
        .put_json(
            "/api/v1/master/users",
            json!([{"id": "tech-1", "badge": "B-101", "pin": "1111"}]),
        )
        .await;

    // A change from anywhere but a page of this server is refused, even
    // with the session.
    let forged = http
        .post(format!("{base}/console/work-orders/WO-1/start"))
        .header("cookie", format!("sparescan_session={browser_session}"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), 403);
    // The admin enrolls a handheld: the QR code carries the server's
    // address, its CA's fingerprint and a one-time code.
    b.goto(&format!("{base}/console/work-orders"))
        .await
        .expect("open");
    assert_eq!(
        nav_labels(&b).await,
        [
            "Work orders",
            "New work order",
            "Requests",
            "Stock on hand",
            "Needs attention",
            "Dashboard",
            "Reports",
            "Audit trail",
            "Master data",
            "People",
            "Devices"
        ]
    );
    click(&b, "nav a[href='/console/devices']").await;
    assert!(
        text_of(&b, "main")
            .await
            .contains("No device has enrolled yet.")
    );
    click(&b, "form[action='/console/devices'] button").await;
    let qr = find(&b, "img.qr").await.expect("the QR code");
    assert!(
        qr.attr("src")
            .await
            .expect("src")
            .unwrap_or_default()
            .starts_with("data:image/svg+xml;base64,"),
        "the QR code is an image the page's policy allows"
    );
    let qr_pixels = qr.screenshot().await.expect("the QR code's pixels");
    shot(&b, "devices-enroll").await;
    let link = text_of(&b, ".new-code code.wrap").await;
    // Read back as a handheld's scanner reads it: the image says exactly
    // the link printed under it.
    assert_eq!(decode_qr(&qr_pixels), link, "the QR code's content");
    let link =
        sparescan_core::enrollment::EnrollmentLink::parse(&link).expect("an enrollment link");
    assert_eq!(link.server, base);
    // What the handheld does with it: the CA, checked by its fingerprint…
    let wrong = "0".repeat(64);
    let refused = sparescan_client::Client::fetch_ca(&link.server, &wrong).await;
    assert!(
        matches!(&refused, Err(sparescan_client::ClientError::Tls(m)) if m.contains("not the one in the enrollment QR code")),
        "{refused:?}"
    );
    let pinned = sparescan_client::Client::fetch_ca(&link.server, &link.ca_sha256)
        .await
        .expect("the CA the QR code names");
    assert_eq!(pinned, ca, "the CA fetched is the server's");
    // …then the enrollment over the pinned connection.
    let mut device = sparescan_client::Client::new(&link.server, &pinned).expect("client");
    let enrolled = device.enroll(&link.code, "HH-1").await.expect("enroll");
    b.goto(&format!("{base}/console/devices"))
        .await
        .expect("open");
    let listed = text_of(&b, "main table tbody").await;
    assert!(
        listed.contains(&enrolled.device_id)
            && listed.contains("HH-1")
            && listed.contains("In use"),
        "{listed}"
    );
    // People: a one-time password for whoever has none.
    click(&b, "nav a[href='/console/users']").await;
    let people = text_of(&b, "main table tbody").await;
    assert!(
        people.contains("Dmitri Dispatcher") && people.contains("dispatcher"),
        "{people}"
    );
    shot(&b, "people").await;
    sign_out(&b).await;
    // Signing out ended the session: its cookie opens nothing now.
    let ended = http
        .get(format!("{base}/console/work-orders"))
        .header("cookie", format!("sparescan_session={browser_session}"))
        .send()
        .await
        .expect("request");
    assert_eq!(ended.url().path(), "/console/sign-in");

    // The dispatcher: a one-time password, then their own.
    first_sign_in(&b, &base, &admin, "disp-1", DISPATCHER_PASSWORD).await;
    assert_eq!(
        nav_labels(&b).await,
        [
            "Work orders",
            "New work order",
            "Requests",
            "Approvals",
            "Stock on hand",
            "Dashboard",
            "Reports",
            "Master data"
        ]
    );

    // Plans an order in the form: a wrong quantity first, kept and named.
    click(&b, "nav a[href='/console/work-orders/new']").await;
    fill(&b, "#id", "WO-1").await;
    b.find(Locator::Css("#asset"))
        .await
        .expect("asset")
        .select_by_value("PUMP-3")
        .await
        .expect("choose the asset");
    fill(&b, "#scope", "Replace the pump's bearings").await;
    fill(&b, "#item-1", "BRG-6205").await;
    fill(&b, "#qty-1", "two").await;
    fill(&b, "#item-2", "GREASE-LT2").await;
    fill(&b, "#qty-2", "0.5").await;
    // The grease only if the job needs it, within 20 % of the plan.
    b.find(Locator::Css("#mand-2"))
        .await
        .expect("needed")
        .select_by_value("no")
        .await
        .expect("choose");
    fill(&b, "#tol-2", "20").await;
    fill(&b, "#tasks", "Lock out the pump\nChange the bearings").await;
    click(&b, "form.form button[type=submit]").await;
    assert!(
        text_of(&b, ".flash.error")
            .await
            .contains("`two` is not a quantity")
    );
    fill(&b, "#qty-1", "2").await;
    shot(&b, "new-work-order").await;
    click(&b, "form.form button[type=submit]").await;
    assert_eq!(path(&b).await, "/console/work-orders/WO-1?done=created");
    assert_eq!(
        text_of(&b, ".facts .status").await,
        "Created — waiting for approval"
    );
    let lines = text_of(&b, "table tbody").await;
    assert!(
        lines.contains("BRG-6205") && lines.contains("GREASE-LT2"),
        "{lines}"
    );
    assert!(
        text_of(
            &b,
            "section[aria-labelledby='lines-h'] tbody tr:nth-child(2)"
        )
        .await
        .contains("(optional)")
    );
    assert_eq!(
        text_of(&b, "section[aria-labelledby='tasks-h'] ol").await,
        "Lock out the pump\nChange the bearings"
    );
    // Reserves the bearings at the main store: waiting until approval.
    fill(&b, "#rq-1", "2").await;
    click(
        &b,
        "form[action='/console/work-orders/WO-1/reserve'] button",
    )
    .await;
    assert_eq!(path(&b).await, "/console/work-orders/WO-1?done=reserve");
    let reserves = text_of(&b, "section[aria-labelledby='reserves-h'] tbody").await;
    assert!(
        reserves.contains("WO-1-L1") && reserves.contains("WH-1"),
        "{reserves}"
    );
    // Approving their own order: the rules refuse it, with the reason.
    click(
        &b,
        "form[action='/console/work-orders/WO-1/approve'] button",
    )
    .await;
    let refusal = text_of(&b, ".flash.error").await;
    assert!(refusal.starts_with("Not done:"), "{refusal}");
    assert_eq!(
        text_of(&b, ".facts .status").await,
        "Created — waiting for approval"
    );
    sign_out(&b).await;

    // The engineer approves it from the approvals queue.
    first_sign_in(&b, &base, &admin, "eng-1", ENGINEER_PASSWORD).await;
    click(&b, "nav a[href='/console/approvals']").await;
    assert_eq!(path(&b).await, "/console/approvals");
    let queue = text_of(&b, "section[aria-labelledby='wait-h'] tbody").await;
    assert!(
        queue.contains("WO-1") && queue.contains("disp-1"),
        "{queue}"
    );
    let ranges = text_of(&b, "section[aria-labelledby='ranges-h'] tbody").await;
    assert!(
        ranges.contains("WO-2") && ranges.contains("0.25 kg") && ranges.contains("0.5 kg"),
        "{ranges}"
    );
    shot(&b, "approvals").await;
    click(&b, "table tbody a[href='/console/work-orders/WO-1']").await;
    // An engineer does not reserve stock: no reserve column for them.
    assert!(b.find(Locator::Css("#rq-1")).await.is_err());
    click(
        &b,
        "form[action='/console/work-orders/WO-1/approve'] button",
    )
    .await;
    assert_eq!(path(&b).await, "/console/work-orders/WO-1?done=approve");
    assert_eq!(
        text_of(&b, ".facts .status").await,
        "Approved — ready to start"
    );
    assert!(text_of(&b, ".facts").await.contains("eng-1"));
    // The range on the order from the template: the engineer settles it
    // from the queue.
    b.goto(&format!("{base}/console/approvals"))
        .await
        .expect("open");
    fill(
        &b,
        "section[aria-labelledby='ranges-h'] input[name=qty]",
        "0.4",
    )
    .await;
    click(&b, "form[action='/console/work-orders/WO-2/settle'] button").await;
    assert_eq!(path(&b).await, "/console/work-orders/WO-2?done=settle");
    let lines = text_of(&b, "section[aria-labelledby='lines-h'] tbody").await;
    assert!(
        lines.contains("0.4") && !lines.contains("0.25–0.5"),
        "{lines}"
    );
    sign_out(&b).await;

    // The dispatcher locks the reserved bearings and starts the work.
    sign_in(&b, &base, "disp-1", DISPATCHER_PASSWORD).await;
    b.goto(&format!("{base}/console/work-orders/WO-1"))
        .await
        .expect("open");
    let reserves = text_of(&b, "section[aria-labelledby='reserves-h'] tbody").await;
    assert!(reserves.contains("Nothing locked yet"), "{reserves}");
    click(&b, "form[action='/console/work-orders/WO-1/lock'] button").await;
    let reserves = text_of(&b, "section[aria-labelledby='reserves-h'] tbody").await;
    assert!(reserves.contains("Locked"), "{reserves}");
    click(&b, "form[action='/console/work-orders/WO-1/start'] button").await;
    assert_eq!(text_of(&b, ".facts .status").await, "In progress");
    // The pick list to print: what is still to take, and where.
    click(&b, "a[href='/console/work-orders/WO-1/pick-list']").await;
    let pick = text_of(&b, "table.pick tbody").await;
    assert!(
        pick.contains("BRG-6205") && pick.contains("2 pcs") && pick.contains("A-01 — 12"),
        "{pick}"
    );
    assert!(
        !pick.contains("Q-01"),
        "quarantine is not picked from: {pick}"
    );
    shot(&b, "pick-list").await;
    // More grease than was approved: past the free 10 %, so the change
    // waits for an approver and the line stays as approved meanwhile.
    b.goto(&format!("{base}/console/work-orders/WO-1"))
        .await
        .expect("open");
    let propose = |why: &'static str| {
        let b = b.clone();
        async move {
            b.find(Locator::Css("#pl-line"))
                .await
                .expect("the line list")
                .select_by_value("WO-1-L2")
                .await
                .expect("choose the grease");
            fill(&b, "#pl-qty", "0.8").await;
            fill(&b, "#pl-why", why).await;
            click(&b, "form.plan button[type=submit]").await;
        }
    };
    propose("").await;
    let refusal = text_of(&b, ".flash.error").await;
    assert!(
        refusal.starts_with("Not done:") && refusal.contains("say why"),
        "{refusal}"
    );
    propose("the new housing takes more grease").await;
    assert_eq!(
        path(&b).await,
        "/console/work-orders/WO-1?done=replan-waiting"
    );
    assert!(
        text_of(&b, ".flash.ok")
            .await
            .starts_with("The change goes beyond what the approval allows")
    );
    let plan = text_of(&b, "section[aria-labelledby='plan-h'] ul").await;
    assert!(
        plan.contains("WO-1-L2: 0.8 kg of GREASE-LT2, proposed by disp-1")
            && plan.contains("waiting for an approver"),
        "{plan}"
    );
    let lines = text_of(&b, "section[aria-labelledby='lines-h'] tbody").await;
    assert!(lines.contains("0.5") && !lines.contains("0.8"), "{lines}");
    b.execute(
        "document.getElementById('plan-h').scrollIntoView(); return true;",
        Vec::new(),
    )
    .await
    .expect("scroll to the plan");
    shot(&b, "work-order-plan-change").await;
    sign_out(&b).await;
    // The engineer decides it in the approvals queue.
    sign_in(&b, &base, "eng-1", ENGINEER_PASSWORD).await;
    click(&b, "nav a[href='/console/approvals']").await;
    let replans = text_of(&b, "section[aria-labelledby='replan-h'] tbody").await;
    assert!(
        replans.contains("WO-1-L2")
            && replans
                .contains("0.8 kg where 0.5 kg was approved (up to 0.55 kg without approval)")
            && replans.contains("disp-1")
            && replans.contains("the new housing takes more grease"),
        "{replans}"
    );
    b.execute(
        "document.getElementById('replan-h').scrollIntoView(); return true;",
        Vec::new(),
    )
    .await
    .expect("scroll to the plan changes");
    shot(&b, "approvals-plan-change").await;
    // A refusal needs a reason.
    click(
        &b,
        "section[aria-labelledby='replan-h'] button[value=refuse]",
    )
    .await;
    assert!(
        text_of(&b, ".flash.error")
            .await
            .contains("say why the change is refused")
    );
    click(
        &b,
        "section[aria-labelledby='replan-h'] button[value=approve]",
    )
    .await;
    assert_eq!(path(&b).await, "/console/approvals?decided=plan-approve");
    assert_eq!(
        text_of(&b, ".flash.ok").await,
        "Approved: the line is planned so now."
    );
    assert_eq!(
        text_of(&b, "section[aria-labelledby='replan-h']")
            .await
            .lines()
            .last(),
        Some("None.")
    );
    click(&b, "nav a[href='/console/work-orders']").await;
    b.goto(&format!("{base}/console/work-orders/WO-1"))
        .await
        .expect("open");
    let lines = text_of(&b, "section[aria-labelledby='lines-h'] tbody").await;
    assert!(lines.contains("0.8"), "{lines}");
    sign_out(&b).await;

    // A handheld: the technician takes one bearing of the two planned.
    device
        .sign_in("B-101", "1111", None)
        .await
        .expect("technician on the handheld");
    let issue = sparescan_core::document::Document {
        id: sparescan_core::ids::DocId::new_v7(),
        author: "tech-1".into(),
        device: enrolled.device_id.as_str().into(),
        site: "PLANT-7".into(),
        device_time: chrono::Utc::now(),
        work_order: Some("WO-1".into()),
        line: Some("WO-1-L1".into()),
        reason: None,
        reason_code: None,
        approver: None,
        follows: None,
        proof: None,
        body: sparescan_core::document::Body::Issue {
            pick: sparescan_core::document::Pick {
                item: "BRG-6205".into(),
                bin: "A-01".into(),
                batch: None,
                serials: Vec::new(),
                qty: sparescan_core::qty::Qty::units(1),
                condition: sparescan_core::model::Condition::New,
            },
            holder: None,
        },
    };
    let pushed = device
        .push(std::slice::from_ref(&issue))
        .await
        .expect("push");
    assert!(
        matches!(
            pushed.verdicts[..],
            [sparescan_core::sync::Verdict::Accepted { .. }]
        ),
        "{pushed:?}"
    );

    // And a bearing for WO-2, which nobody has started: refused.
    let mut early = issue.clone();
    early.id = sparescan_core::ids::DocId::new_v7();
    early.work_order = Some("WO-2".into());
    early.line = Some("WO-2-L1".into());
    early.proof = None;
    let pushed = device.push(&[early]).await.expect("push");
    assert!(
        matches!(
            pushed.verdicts[..],
            [sparescan_core::sync::Verdict::Rejected { .. }]
        ),
        "{pushed:?}"
    );

    // One bearing more than planned, and no approver at the shelf: the
    // technician asks; the engineer decides later in the approvals queue.
    let mut ask = issue.clone();
    ask.id = sparescan_core::ids::DocId::new_v7();
    ask.line = None;
    ask.proof = None;
    ask.reason = Some("the second bearing seat is worn too".into());
    ask.body = sparescan_core::document::Body::ApprovalRequest {
        what: sparescan_core::model::ApprovalKind::Additional,
        item: "BRG-6205".into(),
        qty: sparescan_core::qty::Qty::units(1),
    };
    let pushed = device.push(std::slice::from_ref(&ask)).await.expect("push");
    assert!(
        matches!(
            pushed.verdicts[..],
            [sparescan_core::sync::Verdict::Accepted { .. }]
        ),
        "{pushed:?}"
    );
    let cite = |n: u32| {
        let mut d = issue.clone();
        d.id = sparescan_core::ids::DocId::new_v7();
        d.line = None;
        d.proof = None;
        d.reason = ask.reason.clone();
        if let sparescan_core::document::Body::Issue { pick, .. } = &issue.body {
            d.body = sparescan_core::document::Body::AdditionalIssue {
                pick: pick.clone(),
                new_line: format!("WO-1-A{n}").into(),
                task: None,
                holder: None,
                approval: Some(ask.id),
            };
        }
        d
    };
    // Not before the engineer said yes.
    let pushed = device.push(&[cite(1)]).await.expect("push");
    assert!(
        matches!(
            &pushed.verdicts[..],
            [sparescan_core::sync::Verdict::Rejected { refusal, .. }]
                if refusal.code == sparescan_core::reason::ReasonCode::ApprovalNotGranted
        ),
        "{pushed:?}"
    );
    sign_in(&b, &base, "eng-1", ENGINEER_PASSWORD).await;
    click(&b, "nav a[href='/console/approvals']").await;
    let asked = text_of(&b, "section[aria-labelledby='asked-h'] tbody").await;
    assert!(
        asked.contains("WO-1")
            && asked.contains("BRG-6205")
            && asked.contains("1 pcs")
            && asked.contains("tech-1")
            && asked.contains("the second bearing seat is worn too"),
        "{asked}"
    );
    shot(&b, "approvals-asked").await;
    // Refusing takes a reason: without one the rules say so.
    click(
        &b,
        "section[aria-labelledby='asked-h'] button[value=refuse]",
    )
    .await;
    let refusal = text_of(&b, ".flash.error").await;
    assert!(refusal.starts_with("Not done:"), "{refusal}");
    fill(
        &b,
        "section[aria-labelledby='asked-h'] input[name=reason]",
        "worn seats are the job; take one",
    )
    .await;
    click(
        &b,
        "section[aria-labelledby='asked-h'] button[value=approve]",
    )
    .await;
    assert_eq!(path(&b).await, "/console/approvals?decided=approve");
    assert!(
        text_of(&b, ".flash.ok")
            .await
            .starts_with("Approved: the technician may issue it now.")
    );
    assert_eq!(
        text_of(&b, "section[aria-labelledby='asked-h']")
            .await
            .lines()
            .last(),
        Some("None.")
    );
    sign_out(&b).await;
    // The handheld issues it now, once: the approval covered one bearing.
    for (n, accepted) in [(2, true), (3, false)] {
        let pushed = device.push(&[cite(n)]).await.expect("push");
        assert_eq!(
            matches!(
                pushed.verdicts[..],
                [sparescan_core::sync::Verdict::Accepted { .. }]
            ),
            accepted,
            "{pushed:?}"
        );
    }

    // The controller sees the deviation in its report.
    first_sign_in(&b, &base, &admin, "ctl-1", CONTROLLER_PASSWORD).await;
    // Needs attention: the refused issue, with what to do and its order.
    click(&b, "nav a[href='/console/attention']").await;
    let refused = text_of(&b, "main table tbody").await;
    assert!(
        refused.contains("Issue") && refused.contains("tech-1") && refused.contains("WO-2"),
        "{refused}"
    );
    shot(&b, "needs-attention").await;
    // The dashboard: this month's issue was tied to its order.
    click(&b, "nav a[href='/console/dashboard']").await;
    let tied = find(&b, "figure.chart svg")
        .await
        .expect("a chart")
        .attr("aria-label")
        .await
        .expect("label")
        .unwrap_or_default();
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    assert!(
        tied.starts_with("Issues tied to a work order:")
            && tied.ends_with(&format!("{this_month} 100 %")),
        "{tied}"
    );
    shot(&b, "dashboard").await;
    click(&b, "nav a[href='/console/reports']").await;
    shot(&b, "reports").await;
    click(&b, "a[href='/console/reports/deviations']").await;
    fill(&b, "#p-wo", "WO-1").await;
    click(&b, "form.filters button[type=submit]").await;
    assert!(
        path(&b)
            .await
            .starts_with("/console/reports/deviations?wo=WO-1")
    );
    let deviations = text_of(&b, "table tbody").await;
    assert!(
        deviations.contains("WO-1-L1") && deviations.contains("BRG-6205"),
        "{deviations}"
    );
    shot(&b, "report-deviations").await;
    // A row leads to what it names: the item to its stock, the order to
    // its card.
    click(
        &b,
        "main table tbody a[href='/console/stock?item=BRG-6205']",
    )
    .await;
    assert!(
        text_of(&b, "main table tbody")
            .await
            .contains("Ball bearing 6205")
    );
    b.back().await.expect("back");
    click(&b, "main table tbody a[href='/console/work-orders/WO-1']").await;
    assert_eq!(path(&b).await, "/console/work-orders/WO-1");
    // The scan box: an order's number, then a part's GTIN label.
    let scan = find(&b, "#scan-code").await.expect("scan box");
    loads(&b, scan.send_keys(&format!("WO-1{ENTER}"))).await;
    assert_eq!(path(&b).await, "/console/work-orders/WO-1");
    let lines = text_of(&b, "section[aria-labelledby='lines-h'] tbody").await;
    assert!(lines.contains("-1"), "issued 1 of 2: {lines}");
    shot(&b, "work-order-card").await;
    let scan = find(&b, "#scan-code").await.expect("scan box");
    loads(&b, scan.send_keys(&format!("]C10104612345000018{ENTER}"))).await;
    assert_eq!(path(&b).await, "/console/stock?item=BRG-6205");
    let stock = text_of(&b, "table tbody").await;
    assert!(
        stock.contains("BRG-6205") && !stock.contains("GREASE"),
        "{stock}"
    );
    b.goto(&format!("{base}/console/stock?sort=qty&dir=desc"))
        .await
        .expect("open");
    shot(&b, "stock-on-hand").await;

    // The export is exactly the table on screen: its filter and order.
    let href = find(&b, "a[download]")
        .await
        .expect("export link")
        .attr("href")
        .await
        .expect("href")
        .expect("an href");
    assert_eq!(href, "/console/stock?sort=qty&dir=desc&format=csv");
    let csv = http
        .get(format!("{base}{href}"))
        .header(
            "cookie",
            format!("sparescan_session={}", session_token(&b).await),
        )
        .send()
        .await
        .expect("export");
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.expect("csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "item,name,warehouse,bin,batch,condition,qty,unit");
    assert!(
        rows[1].starts_with("BRG-6205,") && rows[2].starts_with("GREASE-LT2,"),
        "{csv}"
    );
    // The same table as a spreadsheet.
    let xlsx = http
        .get(format!(
            "{base}{}",
            href.replace("format=csv", "format=xlsx")
        ))
        .header(
            "cookie",
            format!("sparescan_session={}", session_token(&b).await),
        )
        .send()
        .await
        .expect("export");
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.bytes().await.expect("xlsx").starts_with(b"PK"));
    // Twelve in, one issued and one more approved: ten on the shelf (the
    // reserve locks, it does not move stock).
    assert!(rows[1].contains(",10,pcs"), "{csv}");
    sign_out(&b).await;

    // The clerk rejects the bearing that waits in quarantine.
    first_sign_in(&b, &base, &admin, "clk-1", CLERK_PASSWORD).await;
    assert_eq!(
        nav_labels(&b).await,
        [
            "Work orders",
            "Requests",
            "Stock on hand",
            "Goods receipts",
            "Inspections",
            "Reports",
            "Master data"
        ]
    );
    click(&b, "nav a[href='/console/inspections']").await;
    let queue = text_of(&b, "main table tbody").await;
    assert!(
        queue.contains("BRG-6205") && queue.contains("Q-01"),
        "{queue}"
    );
    shot(&b, "inspections").await;
    find(&b, "#id-1")
        .await
        .expect("decision")
        .select_by_value("reject")
        .await
        .expect("reject");
    find(&b, "#ib-1")
        .await
        .expect("to bin")
        .select_by_value("R-01")
        .await
        .expect("R-01");
    click(&b, "form[action='/console/inspections'] button").await;
    assert_eq!(
        text_of(&b, ".flash.ok").await,
        "Decided: 1 BRG-6205 rejected."
    );
    assert_eq!(
        text_of(&b, "main > p:last-of-type").await,
        "Nothing waits for inspection."
    );
    b.goto(&format!("{base}/console/stock?condition=rejected"))
        .await
        .expect("open");
    let rejected = text_of(&b, "table tbody").await;
    assert!(
        rejected.contains("R-01") && rejected.contains("Rejected"),
        "{rejected}"
    );
    sign_out(&b).await;

    // The accountant closes the period through yesterday; the open order
    // is listed as still open.
    first_sign_in(&b, &base, &admin, "acc-1", ACCOUNTANT_PASSWORD).await;
    assert_eq!(
        nav_labels(&b).await,
        [
            "Work orders",
            "Requests",
            "Stock on hand",
            "Dashboard",
            "Reports",
            "Period close",
            "Audit trail"
        ]
    );
    click(&b, "nav a[href='/console/period-close']").await;
    assert!(
        text_of(&b, "section[aria-labelledby='open-h']")
            .await
            .contains("WO-1")
    );
    let today = chrono::Utc::now().date_naive();
    set_value(&b, "until", &today.to_string()).await;
    click(&b, "form[action='/console/period-close'] button").await;
    assert!(
        text_of(&b, ".flash.error").await.starts_with("Not done:"),
        "today is not over yet"
    );
    let yesterday = today - chrono::Duration::days(1);
    set_value(&b, "until", &yesterday.to_string()).await;
    click(&b, "form[action='/console/period-close'] button").await;
    assert_eq!(
        text_of(&b, ".flash.ok").await,
        format!("The period is closed through {yesterday}.")
    );
    shot(&b, "period-close").await;
    // The audit trail: every document in ledger order, and the chains.
    click(&b, "nav a[href='/console/audit']").await;
    let trail = text_of(&b, "main table tbody").await;
    assert!(
        trail.contains("Period close") && trail.contains("acc-1") && trail.contains("tech-1"),
        "{trail}"
    );
    click(&b, "form[action='/console/audit'] button").await;
    assert!(
        text_of(&b, ".flash.ok")
            .await
            .starts_with("The hash chains are intact"),
    );
    shot(&b, "audit-trail").await;
    sign_out(&b).await;

    // Signed out, a page sends the person to sign in and back.
    b.goto(&format!("{base}/console/work-orders/WO-1"))
        .await
        .expect("open");
    assert_eq!(
        path(&b).await,
        "/console/sign-in?next=%2Fconsole%2Fwork-orders%2FWO-1"
    );
    shot(&b, "sign-in").await;
    fill(&b, "#login", "eng-1").await;
    fill(&b, "#password", "not the password").await;
    click(&b, "form.form button[type=submit]").await;
    assert!(text_of(&b, ".flash.error").await.contains("not recognised"));
    fill(&b, "#password", ENGINEER_PASSWORD).await;
    click(&b, "form.form button[type=submit]").await;
    assert_eq!(path(&b).await, "/console/work-orders/WO-1");

    // An engineer is not let into the admin's pages.
    b.goto(&format!("{base}/console/devices"))
        .await
        .expect("open");
    assert!(
        text_of(&b, ".flash.error")
            .await
            .contains("needs the role admin")
    );
    b.goto(&format!("{base}/console/work-orders"))
        .await
        .expect("open");
    sign_out(&b).await;

    // The admin revokes the handheld: its token records nothing more.
    b.goto(&format!("{base}/console/devices"))
        .await
        .expect("open");
    sign_in_here(&b, "B-7001", ADMIN_PASSWORD).await;
    click(
        &b,
        &format!(
            "form[action='/console/devices/{}/revoke'] button",
            enrolled.device_id
        ),
    )
    .await;
    assert!(text_of(&b, ".flash.ok").await.contains("is revoked"));
    assert!(text_of(&b, "main table tbody").await.contains("Revoked"));
    let after = device.pull(0, None).await;
    assert!(
        matches!(
            &after,
            Err(sparescan_client::ClientError::Api { status: 401, .. })
        ),
        "a revoked device is refused at once: {after:?}"
    );

    master_data(&b, &base, &http, dir.path()).await;
    requests_queue(&b, &base).await;
    serial_units(&b, &base, &admin).await;
    goods_receipts(&b, &base, dir.path(), &admin).await;
    in_russian(&b, &base, &admin).await;
    on_a_tablet(&b, &base).await;

    b.close().await.expect("close the browser");
    running.shutdown().await.expect("shutdown");
}

/// The admin keeps master data in the console: a record changed in its
/// form, one added, a person added with roles and given a badge and PIN,
/// a spreadsheet imported (a wrong line first: named, nothing imported),
/// the table filtered and exported.
async fn master_data(b: &Client, base: &str, http: &reqwest::Client, dir: &std::path::Path) {
    b.goto(&format!("{base}/console/work-orders"))
        .await
        .expect("open");
    click(b, "nav a[href='/console/master']").await;
    shot(b, "master-data").await;
    click(b, "main a[href='/console/master/items']").await;
    assert!(text_of(b, "main table tbody").await.contains("Grease LT-2"));
    shot(b, "master-items").await;
    // A record changed in its form: the key stays, the name changes.
    click(
        b,
        "main table a[href='/console/master/items/edit?id=GREASE-LT2']",
    )
    .await;
    assert_eq!(
        find(b, "#f-id")
            .await
            .expect("id")
            .attr("readonly")
            .await
            .expect("attr")
            .as_deref(),
        Some("true")
    );
    fill(b, "#f-name", "Grease LT-2, lithium").await;
    shot(b, "master-item").await;
    click(b, "form.form button[type=submit]").await;
    assert_eq!(text_of(b, ".flash.ok").await, "Saved.");
    assert_eq!(
        find(b, "#f-name")
            .await
            .expect("name")
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("Grease LT-2, lithium")
    );
    // A wrong value is refused by the import's checks, the form kept.
    fill(b, "#f-warranty_months", "twelve").await;
    click(b, "form.form button[type=submit]").await;
    let refused = text_of(b, ".flash.error").await;
    assert!(refused.contains("warranty_months"), "{refused}");
    // A person added with two roles, then their badge and PIN.
    b.goto(&format!("{base}/console/master/users/edit"))
        .await
        .expect("open");
    fill(b, "#f-id", "clk-2").await;
    fill(b, "#f-name", "Klaus Clerk").await;
    find(b, "#f-roles-clerk")
        .await
        .expect("clerk")
        .click()
        .await
        .expect("tick");
    find(b, "#f-roles-controller")
        .await
        .expect("controller")
        .click()
        .await
        .expect("tick");
    click(b, "form.form button[type=submit]").await;
    assert_eq!(text_of(b, ".flash.ok").await, "Saved.");
    assert_eq!(text_of(b, "h1").await, "People and roles: clk-2");
    fill(b, "#badge", "B-202").await;
    fill(b, "#pin", "12").await;
    click(b, "form[action='/console/users/clk-2/badge-pin'] button").await;
    assert!(text_of(b, ".flash.error").await.contains("PIN"));
    fill(b, "#badge", "B-202").await;
    fill(b, "#pin", "508317").await;
    click(b, "form[action='/console/users/clk-2/badge-pin'] button").await;
    assert!(
        text_of(b, ".flash.ok")
            .await
            .starts_with("The badge and PIN of clk-2 are set")
    );
    shot(b, "master-person").await;
    // A spreadsheet of bins: a wrong zone on line 3 refuses the whole file.
    let sheet = |rows: &[[&str; 3]]| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *cell).expect("cell");
            }
        }
        book.save_to_buffer().expect("xlsx")
    };
    let wrong = dir.join("bins-wrong.xlsx");
    std::fs::write(
        &wrong,
        sheet(&[
            ["id", "warehouse", "zone"],
            ["B-01", "WH-1", "storage"],
            ["B-02", "WH-1", "attic"],
            ["B-03", "WH-9", "storage"],
        ]),
    )
    .expect("write");
    b.goto(&format!("{base}/console/master/bins"))
        .await
        .expect("open");
    upload(b, &wrong).await;
    let refused = text_of(b, ".flash.error").await;
    assert!(
        refused.starts_with("Nothing was imported from bins-wrong.xlsx: line 3, column zone")
            && refused
                .contains("\nline 4, column warehouse: bin B-03: warehouse WH-9 does not exist"),
        "every wrong line at once: {refused}"
    );
    b.goto(&format!("{base}/console/master/bins"))
        .await
        .expect("open");
    assert!(
        !text_of(b, "main table tbody").await.contains("B-01"),
        "all or nothing"
    );
    let right = dir.join("bins.xlsx");
    std::fs::write(
        &right,
        sheet(&[
            ["id", "warehouse", "zone"],
            ["B-01", "WH-1", "storage"],
            ["B-02", "WH-1", "returns"],
        ]),
    )
    .expect("write");
    upload(b, &right).await;
    assert_eq!(
        text_of(b, ".flash.ok").await,
        "Imported: 2 records added or changed."
    );
    let bins = text_of(b, "main table tbody").await;
    assert!(bins.contains("B-01") && bins.contains("B-02"), "{bins}");
    // Filtered, and the export is exactly the filtered table.
    fill(b, "#q", "returns").await;
    click(b, "form.filters button").await;
    let href = find(b, "a[href*='format=csv']")
        .await
        .expect("export")
        .attr("href")
        .await
        .expect("href")
        .expect("a link");
    assert_eq!(href, "/console/master/bins?q=returns&format=csv");
    let csv = http
        .get(format!("{base}{href}"))
        .header(
            "cookie",
            format!("sparescan_session={}", session_token(b).await),
        )
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("csv");
    assert_eq!(csv, "id,warehouse,zone\nB-02,WH-1,returns\n");
}

/// A request raised in the console becomes a work order planned from it;
/// another is declined, first without a reason (refused), then with one.
async fn requests_queue(b: &Client, base: &str) {
    b.goto(&format!("{base}/console/requests"))
        .await
        .expect("open");
    for (symptoms, priority) in [
        ("Bearing noise at full load", "high"),
        ("Paint scratched", "low"),
    ] {
        b.find(Locator::Css("#r-asset"))
            .await
            .expect("asset")
            .select_by_value("PUMP-3")
            .await
            .expect("choose");
        fill(b, "#r-symptoms", symptoms).await;
        b.find(Locator::Css("#r-priority"))
            .await
            .expect("priority")
            .select_by_value(priority)
            .await
            .expect("choose");
        click(b, "form[action='/console/requests'] button").await;
        assert!(text_of(b, ".flash.ok").await.starts_with("Request REQ-"));
    }
    let queue = text_of(b, "main table tbody").await;
    let rows: Vec<&str> = queue.lines().collect();
    assert!(
        rows[0].starts_with("High") && rows[0].contains("Bearing noise"),
        "the more urgent first: {queue}"
    );
    shot(b, "requests").await;
    // Plan the first: the form comes filled from it.
    click(b, "main table tbody tr:first-child a.button").await;
    assert!(text_of(b, "form.form").await.contains("From request REQ-"));
    assert_eq!(
        find(b, "#scope")
            .await
            .expect("scope")
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("Bearing noise at full load")
    );
    fill(b, "#id", "WO-9").await;
    click(b, "form.form > button[type=submit]").await;
    assert_eq!(path(b).await, "/console/work-orders/WO-9?done=created");
    // Declined: a reason is needed.
    b.goto(&format!("{base}/console/requests"))
        .await
        .expect("open");
    let queue = text_of(b, "main table tbody").await;
    assert!(
        !queue.contains("Bearing noise"),
        "planned: off the open queue: {queue}"
    );
    click(b, "form.decline button").await;
    assert!(text_of(b, ".flash.error").await.contains("reason is empty"));
    fill(
        b,
        "form.decline input[name=reason]",
        "Cosmetic: next shutdown",
    )
    .await;
    click(b, "form.decline button").await;
    assert!(text_of(b, ".flash.ok").await.ends_with("is declined."));
    b.goto(&format!("{base}/console/requests?status=all"))
        .await
        .expect("open");
    let all = text_of(b, "main table tbody").await;
    assert!(
        all.contains("Work order made: WO-9") && all.contains("Cosmetic: next shutdown"),
        "{all}"
    );
}

/// The pages on a tablet held upright (800×1280): nothing wider than the
/// screen but a table in its own scrolling box, and still WCAG-clean.
async fn on_a_tablet(b: &Client, base: &str) {
    b.set_window_size(800, 1280).await.expect("tablet size");
    for (name, page) in [
        ("work-orders", "/console/work-orders"),
        ("work-order-card", "/console/work-orders/WO-1"),
        ("new-work-order", "/console/work-orders/new"),
        ("stock-on-hand", "/console/stock"),
        ("requests", "/console/requests?status=all"),
        ("approvals", "/console/approvals"),
        ("dashboard", "/console/dashboard"),
        ("master-item", "/console/master/items/edit?id=BRG-6205"),
    ] {
        b.goto(&format!("{base}{page}")).await.expect("open");
        // What sticks out past the screen's right edge (outside a
        // scrolling box), named for the message.
        let wider = b
            .execute(
                "const out = [];
                 for (const e of document.querySelectorAll('body *')) {
                   if (e.closest('.scroll')) continue;
                   const r = e.getBoundingClientRect();
                   if (r.right > window.innerWidth + 1) out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right));
                 }
                 return [document.documentElement.scrollWidth - window.innerWidth, out.slice(0, 8)];",
                Vec::new(),
            )
            .await
            .expect("widths");
        assert!(
            wider[0].as_i64().unwrap_or(1) <= 0,
            "{page}: the page is wider than the tablet: {wider}"
        );
        shot(b, &format!("tablet-{name}")).await;
    }
    b.set_window_size(1280, 800).await.expect("desktop size");
}

/// Each serial unit and where it is, from the stock page; a unit leads to
/// its history.
async fn serial_units(b: &Client, base: &str, admin: &Api) {
    admin
        .csv(
            "/api/v1/master/items/import",
            "id,name,unit,tracking\nMTR-5,Motor 5 kW,pcs,serial\n",
        )
        .await;
    admin
        .csv(
            "/api/v1/stock/opening",
            "item,bin,qty,serials,unit_cost,condition\nMTR-5,A-01,2,M-001|M-002,300.00,new\n",
        )
        .await;
    b.goto(&format!("{base}/console/stock?item=MTR-5"))
        .await
        .expect("open");
    click(b, "main a[href='/console/serials?item=MTR-5']").await;
    let units = text_of(b, "main table tbody").await;
    assert!(
        units.contains("M-001")
            && units.contains("M-002")
            && units.contains("On the shelf in bin A-01"),
        "{units}"
    );
    shot(b, "serial-units").await;
    b.find(Locator::Css("#place"))
        .await
        .expect("where")
        .select_by_value("installed")
        .await
        .expect("choose");
    click(b, "form.filters button").await;
    assert_eq!(text_of(b, ".summary").await, "No rows match.");
    b.goto(&format!("{base}/console/serials?item=MTR-5"))
        .await
        .expect("open");
    click(b, "main table tbody a[href*='serial=M-002']").await;
    assert!(
        path(b)
            .await
            .starts_with("/console/reports/serial-history?item=MTR-5&serial=M-002")
    );
    // A number searched among all units, in any case (the index of
    // numbers); a unit received after it was made is found too.
    let numbers = |b: &Client, query: &'static str| {
        let b = b.clone();
        let url = format!("{base}/console/serials?{query}");
        async move {
            b.goto(&url).await.expect("open");
            let mut out = Vec::new();
            for cell in b
                .find_all(Locator::Css("main table tbody tr td:nth-child(2)"))
                .await
                .expect("cells")
            {
                out.push(cell.text().await.expect("text"));
            }
            out
        }
    };
    assert_eq!(numbers(b, "serial=m-00").await, ["M-001", "M-002"]);
    admin
        .csv(
            "/api/v1/stock/opening",
            "item,bin,qty,serials,unit_cost,condition\nMTR-5,A-01,1,M-003,300.00,new\n",
        )
        .await;
    assert_eq!(numbers(b, "serial=m-00").await, ["M-001", "M-002", "M-003"]);
    // Every unit in order of its number, both ways, read off the index:
    // each page in order, the one the other way round.
    let up = numbers(b, "sort=serial&dir=asc").await;
    let down = numbers(b, "sort=serial&dir=desc").await;
    let folded = |v: &[String]| -> Vec<String> { v.iter().map(|s| s.to_lowercase()).collect() };
    let mut sorted = folded(&up);
    sorted.sort();
    assert_eq!(folded(&up), sorted, "ascending: {up:?}");
    assert!(up.len() < 50, "one page holds every unit here: {up:?}");
    let mut reversed = up.clone();
    reversed.reverse();
    assert_eq!(down, reversed);
    assert!(up.iter().any(|n| n == "M-003"), "{up:?}");
}

/// The clerk receives a delivery: a part's label scanned into the form
/// (a keyboard wedge types it and Enter) fills the item and quantity; a
/// wrong quantity is named and the form kept; recorded, the receipt heads
/// the list and the stock grew. Then a whole delivery as a file: a wrong
/// line first (named, nothing recorded), then the right file.
async fn goods_receipts(b: &Client, base: &str, dir: &std::path::Path, admin: &Api) {
    b.goto(&format!("{base}/console/work-orders"))
        .await
        .expect("open");
    sign_out(b).await;
    sign_in(b, base, "clk-1", CLERK_PASSWORD).await;
    // The one row of new bearings in A-01: "… A-01 New 10 pcs".
    let on_shelf = |stock: &str| -> i64 {
        let words: Vec<&str> = stock.split_whitespace().collect();
        assert!(stock.contains("A-01 New"), "{stock}");
        words
            .windows(2)
            .find(|w| w[1] == "pcs")
            .and_then(|w| w[0].parse().ok())
            .unwrap_or_else(|| panic!("no quantity in {stock}"))
    };
    b.goto(&format!("{base}/console/stock?item=BRG-6205&bin=A-01"))
        .await
        .expect("open");
    let before = on_shelf(&text_of(b, "table tbody").await);
    // What is out is hers to chase: from the stock page to the tools out
    // and the overdue returns, the only reports for her role.
    click(b, "main a[href='/console/reports/tools-out']").await;
    assert_eq!(text_of(b, "h1").await, "Tools out");
    b.goto(&format!("{base}/console/reports"))
        .await
        .expect("open");
    assert_eq!(
        text_of(b, "ul.reports")
            .await
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count(),
        4,
        "two reports, each with its description"
    );
    click(b, "main a[href='/console/reports/overdue-returns']").await;
    assert_eq!(text_of(b, "h1").await, "Overdue returns");
    b.goto(&format!("{base}/console/reports/kpis"))
        .await
        .expect("open");
    assert!(
        text_of(b, ".flash.error").await.contains("reports are for"),
        "the KPIs are not hers"
    );
    b.goto(&format!("{base}/console/work-orders"))
        .await
        .expect("open");
    click(b, "nav a[href='/console/receipts']").await;
    assert_eq!(text_of(b, "main > p").await, "No goods receipts yet.");
    // GTIN and a count of 12, as the scanner sends them.
    let label = find(b, "#label").await.expect("label field");
    loads(
        b,
        label.send_keys(&format!("]C1010461234500001830012{ENTER}")),
    )
    .await;
    assert_eq!(
        text_of(b, ".flash.ok").await,
        "Read from the label: BRG-6205 — Ball bearing 6205, quantity 12. Check the bin and the quantity, then record the receipt."
    );
    let value = |id: &'static str| async move {
        find(b, id)
            .await
            .expect("field")
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    };
    assert_eq!(value("#item").await, "BRG-6205");
    assert_eq!(value("#qty").await, "12");
    assert_eq!(value("#label").await, "", "ready for the next label");
    fill(b, "#bin", "A-01").await;
    fill(b, "#reference", "DN-4711").await;
    fill(b, "#unit_cost", "4.30").await;
    fill(b, "#qty", "-3").await;
    click(b, "form.form > button[type=submit]").await;
    let refused = text_of(b, ".flash.error").await;
    assert!(
        refused.starts_with("The quantity must be positive") && !refused.contains("file"),
        "{refused}"
    );
    assert_eq!(value("#reference").await, "DN-4711", "the form is kept");
    fill(b, "#qty", "12").await;
    click(b, "form.form > button[type=submit]").await;
    assert_eq!(
        text_of(b, ".flash.ok").await,
        "Received: 12 BRG-6205 into A-01."
    );
    let first = text_of(b, "main table tbody tr:first-child").await;
    assert!(
        first.contains("Ball bearing 6205")
            && first.contains("12 pcs")
            && first.contains("DN-4711")
            && first.contains("4.30")
            && first.contains("clk-1"),
        "{first}"
    );
    shot(b, "goods-receipts").await;
    b.goto(&format!("{base}/console/stock?item=BRG-6205&bin=A-01"))
        .await
        .expect("open");
    assert_eq!(
        on_shelf(&text_of(b, "table tbody").await),
        before + 12,
        "the receipt is on the shelf"
    );
    // A delivery as a file: line 3 names a bin the site does not have.
    let wrong = dir.join("delivery-wrong.csv");
    std::fs::write(
        &wrong,
        "item,bin,qty,reference\nGREASE-LT2,A-01,5,DN-4712\nBRG-6205,Z-99,4,DN-4712\nBRG-6205,A-01,lots,DN-4712\n",
    )
    .expect("write");
    b.goto(&format!("{base}/console/receipts"))
        .await
        .expect("open");
    upload(b, &wrong).await;
    let refused = text_of(b, ".flash.error").await;
    assert!(
        refused.starts_with("Nothing was recorded from delivery-wrong.csv: line 3")
            && refused.contains("\nline 4, column qty: `lots` is not a quantity"),
        "every wrong line at once: {refused}"
    );
    assert!(
        !text_of(b, "main table tbody").await.contains("DN-4712"),
        "all or nothing"
    );
    let right = dir.join("delivery.csv");
    std::fs::write(
        &right,
        "item,bin,qty,reference\nGREASE-LT2,A-01,5,DN-4712\nBRG-6205,A-01,4,DN-4712\n",
    )
    .expect("write");
    upload(b, &right).await;
    assert_eq!(
        text_of(b, ".flash.ok").await,
        "Received: 2 lines of the file, one receipt each."
    );
    let list = text_of(b, "main table tbody").await;
    assert_eq!(list.matches("DN-4712").count(), 2, "{list}");

    // She sends two kilograms of grease to the north store; until they are
    // received there, they are on the way.
    admin
        .csv(
            "/api/v1/master/warehouses/import",
            "id,name\nWH-2,North store\n",
        )
        .await;
    admin
        .csv(
            "/api/v1/master/bins/import",
            "id,warehouse,zone\nN-01,WH-2,storage\n",
        )
        .await;
    // From the form on the transfers page: to the bin's own warehouse is
    // refused with the form kept as typed; then to the north store.
    b.goto(&format!("{base}/console/stock"))
        .await
        .expect("open");
    click(b, "main a[href='/console/transfers']").await;
    let send = |to: &'static str| {
        let b = b.clone();
        async move {
            fill(&b, "#tr-item", "GREASE-LT2").await;
            fill(&b, "#tr-bin", "A-01").await;
            fill(&b, "#tr-qty", "2").await;
            b.find(Locator::Css("#tr-to"))
                .await
                .expect("the warehouses")
                .select_by_value(to)
                .await
                .expect("choose the north store");
            click(&b, "section[aria-labelledby='send-h'] button[type=submit]").await;
        }
    };
    send("WH-1").await;
    let refusal = text_of(b, ".flash.error").await;
    assert!(
        refusal.starts_with("Not done:") && refusal.contains("another warehouse"),
        "{refusal}"
    );
    assert_eq!(
        find(b, "#tr-item")
            .await
            .expect("the form")
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("GREASE-LT2"),
        "kept as typed"
    );
    send("WH-2").await;
    assert_eq!(path(b).await, "/console/transfers?sent=1");
    assert!(text_of(b, ".flash.ok").await.starts_with("Sent:"));
    let on_the_way = text_of(b, "main table tbody").await;
    assert!(
        on_the_way.contains("GREASE-LT2")
            && on_the_way.contains("North store")
            && on_the_way.contains(" 2 "),
        "{on_the_way}"
    );
    shot(b, "transfers").await;
    sign_out(b).await;
    sign_in(b, base, "B-7001", ADMIN_PASSWORD).await;
}

/// Texts of the page's own words (headings, labels, buttons, column
/// heads, messages, links) that have Latin letters and no Cyrillic: left
/// in English on a Russian page. Data (table cells, the options of a
/// choice, codes) is not among them.
async fn english_left(b: &Client) -> Vec<String> {
    let found = b
        .execute(
            "const words = [];
             for (const e of document.querySelectorAll('main h1, main h2, main h3, th, label, button, legend, dt, .flash, nav.pages a, main p, figcaption, a.button, .skip, .who a, title')) {
               const t = (e.innerText || e.textContent || '').trim();
               // A language's own name is in that language (lang=\"en\").
               if (e.closest('[lang]').getAttribute('lang') !== 'ru') continue;
               if (/[A-Za-z]/.test(t) && !/[А-Яа-яЁё]/.test(t)) words.push(e.tagName + ': ' + t);
             }
             for (const e of document.querySelectorAll('[aria-label], img[alt]')) {
               const t = e.getAttribute('aria-label') || e.getAttribute('alt');
               if (/[A-Za-z]/.test(t) && !/[А-Яа-яЁё]/.test(t)) words.push(e.tagName + ' label: ' + t);
             }
             return words;",
            Vec::new(),
        )
        .await
        .expect("read the page's words");
    serde_json::from_value(found).expect("words")
}

/// A page in Russian: marked so, nothing left in English, WCAG-clean;
/// its screenshot as `ru-{name}`.
async fn russian_page(b: &Client, name: &str) {
    let lang = find(b, "html")
        .await
        .expect("html")
        .attr("lang")
        .await
        .expect("lang");
    assert_eq!(lang.as_deref(), Some("ru"), "{name}: {}", path(b).await);
    let left = english_left(b).await;
    assert!(
        left.is_empty(),
        "{name} ({}): still in English:\n{}",
        path(b).await,
        left.join("\n")
    );
    shot(b, &format!("ru-{name}")).await;
}

/// A person who reads Russian: they choose it on the sign-in page, every
/// page (each role's) speaks it, the choice is theirs across sessions,
/// and they can switch on their account page.
async fn in_russian(b: &Client, base: &str, admin: &Api) {
    admin
        .csv(
            "/api/v1/master/users/import",
            "id,name,roles\nall-1,Olga Omni,dispatcher|engineer|clerk|controller|accountant|admin\n",
        )
        .await;
    let once = admin.one_time_password("all-1").await;
    b.goto(&format!("{base}/console/work-orders"))
        .await
        .expect("open");
    sign_out(b).await;
    click(b, "nav.languages a[lang='ru']").await;
    assert_eq!(text_of(b, "h1").await, "Вход");
    russian_page(b, "sign-in").await;
    fill(b, "#login", "all-1").await;
    fill(b, "#password", "not the password").await;
    click(b, "form.form button[type=submit]").await;
    assert_eq!(
        text_of(b, ".flash.error").await,
        "Пропуск, пользователь или пароль не распознаны."
    );
    fill(b, "#password", &once).await;
    click(b, "form.form button[type=submit]").await;
    assert_eq!(path(b).await, "/console/password");
    russian_page(b, "choose-password").await;
    fill(b, "#current", &once).await;
    fill(b, "#new", "olga's own password").await;
    fill(b, "#again", "olga's own password").await;
    click(b, "form.form button[type=submit]").await;
    assert_eq!(text_of(b, ".flash.ok").await, "Ваш пароль задан.");
    assert_eq!(
        nav_labels(b).await,
        [
            "Наряды",
            "Новый наряд",
            "Заявки",
            "Согласование",
            "Остатки",
            "Приёмка товаров",
            "Проверка",
            "Требует внимания",
            "Показатели",
            "Отчёты",
            "Закрытие периода",
            "Журнал аудита",
            "Справочники",
            "Сотрудники",
            "Устройства"
        ]
    );
    for (name, page) in [
        ("work-orders", "/console/work-orders"),
        ("new-work-order", "/console/work-orders/new"),
        ("requests", "/console/requests?status=all"),
        ("work-order-card", "/console/work-orders/WO-1"),
        ("pick-list", "/console/work-orders/WO-2/pick-list"),
        ("stock-on-hand", "/console/stock"),
        ("serial-units", "/console/serials"),
        ("transfers", "/console/transfers"),
        ("goods-receipts", "/console/receipts"),
        ("inspections", "/console/inspections"),
        ("needs-attention", "/console/attention"),
        ("dashboard", "/console/dashboard"),
        ("reports", "/console/reports"),
        ("report-deviations", "/console/reports/deviations?all=true"),
        ("report-kpis", "/console/reports/kpis"),
        (
            "report-repair-cost",
            "/console/reports/repair-cost?by=order",
        ),
        (
            "report-serial-history",
            "/console/reports/serial-history?item=MTR-5&serial=M-002",
        ),
        ("period-close", "/console/period-close"),
        ("audit-trail", "/console/audit?verify=1"),
        ("people", "/console/users"),
        ("master-data", "/console/master"),
        ("master-items", "/console/master/items"),
        ("master-item", "/console/master/items/edit?id=BRG-6205"),
        ("master-person", "/console/master/users/edit?id=tech-1"),
        ("master-policy", "/console/master/policy/edit"),
        ("devices", "/console/devices"),
        ("account", "/console/account"),
    ] {
        b.goto(&format!("{base}{page}")).await.expect("open");
        russian_page(b, name).await;
    }
    // A serial unit's places read in Russian too, and the repair cost is
    // totalled by a choice of words, not an English word typed.
    b.goto(&format!(
        "{base}/console/reports/serial-history?item=MTR-5&serial=M-002"
    ))
    .await
    .expect("open");
    let history = text_of(b, "main table tbody").await;
    assert!(history.contains("ячейка A-01, Новое"), "{history}");
    b.goto(&format!("{base}/console/reports/repair-cost"))
        .await
        .expect("open");
    assert_eq!(
        text_of(b, "#p-by option[selected]").await,
        "Наряд",
        "orders by default"
    );
    // A wrong quantity on the card is refused in Russian.
    b.goto(&format!("{base}/console/work-orders/WO-2"))
        .await
        .expect("open");
    fill(b, "#rq-1", "abc").await;
    click(b, "form[action$='/reserve'] button").await;
    assert_eq!(
        text_of(b, ".flash.error").await,
        "Не сделано: «abc» — не количество; введите число, например 2 или 1.5."
    );
    russian_page(b, "work-order-refused").await;
    // The scan box, and a page that is not there.
    fill(b, "#scan-code", "NO-SUCH-CODE").await;
    loads(b, async {
        find(b, "#scan-code")
            .await
            .expect("scan box")
            .send_keys(ENTER)
            .await
    })
    .await;
    assert!(
        text_of(b, ".flash.error")
            .await
            .starts_with("На площадке нет ничего с кодом NO-SUCH-CODE"),
    );
    russian_page(b, "scan-unknown").await;
    // The choice is the person's: signed out and in again, still Russian;
    // on their account page they switch to English and back.
    b.goto(&format!("{base}/console/work-orders"))
        .await
        .expect("open");
    click(b, ".who form button").await;
    assert_eq!(text_of(b, ".flash.ok").await, "Вы вышли.");
    // A page asked for while signed out is where sign-in leads, also after
    // the language is switched on the sign-in page.
    b.goto(&format!("{base}/console/stock"))
        .await
        .expect("open");
    assert!(path(b).await.starts_with("/console/sign-in"));
    click(b, "nav.languages a[lang='ru']").await;
    assert_eq!(text_of(b, "h1").await, "Вход");
    fill(b, "#login", "all-1").await;
    fill(b, "#password", "olga's own password").await;
    click(b, "form.form button[type=submit]").await;
    assert_eq!(path(b).await, "/console/stock");
    assert_eq!(text_of(b, "h1").await, "Остатки");
    b.goto(&format!("{base}/console/account"))
        .await
        .expect("open");
    find(b, "#lang-en")
        .await
        .expect("English")
        .click()
        .await
        .expect("choose");
    click(b, "form[action='/console/account/language'] button").await;
    assert_eq!(text_of(b, "h1").await, "Your account");
    assert_eq!(
        text_of(b, ".flash.ok").await,
        "The console speaks your language now."
    );
    find(b, "#lang-ru")
        .await
        .expect("Russian")
        .click()
        .await
        .expect("choose");
    click(b, "form[action='/console/account/language'] button").await;
    assert_eq!(text_of(b, "h1").await, "Ваша учётная запись");
    // No text the pages asked for lacked its Russian.
    assert_eq!(
        sparescan_server::console::i18n::untranslated(),
        Vec::<String>::new()
    );
}
