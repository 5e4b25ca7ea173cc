//! Back-office sign-in takes a password, never a handheld PIN (issue 14,
//! item 3), over real HTTPS against the real server binary on 127.0.0.1.

use crate::common::{Proc, call_api, cli, http_for as http, start_demo_binary};
use serde_json::{Value, json};
use sparescan_server::demo::{PEOPLE, SITE};

async fn post(http: &reqwest::Client, proc: &Proc, path: &str, body: Value) -> (u16, Value) {
    let resp = http
        .post(format!("{}{path}", proc.base))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn person(id: &str) -> &'static sparescan_server::demo::Person {
    PEOPLE.iter().find(|p| p.id == id).expect("demo person")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_does_not_open_a_back_office_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let proc = start_demo_binary(dir.path());
    let http = http(dir.path());
    for id in ["admin", "sup-1", "clerk-1"] {
        let p = person(id);
        let (status, body) = post(
            &http,
            &proc,
            "/api/v1/sessions",
            json!({"badge": p.badge, "pin": p.pin, "site": SITE}),
        )
        .await;
        assert_eq!(
            status, 401,
            "{id}'s handheld PIN opened a back-office session: {body}"
        );
        assert!(message(&body).contains("password"), "{body}");
        // The password does; by user id too.
        for login in [p.badge, p.id] {
            let (status, body) = sign_in(&http, &proc, login, p.password).await;
            assert_eq!(status, 200, "{id} as {login}: {body}");
            assert_eq!(body["password_change_required"], false);
        }
    }
}

fn message(body: &Value) -> String {
    body["message"].as_str().unwrap_or_default().to_owned()
}

async fn sign_in(http: &reqwest::Client, proc: &Proc, login: &str, password: &str) -> (u16, Value) {
    post(
        http,
        proc,
        "/api/v1/sessions",
        json!({"badge": login, "password": password, "site": SITE}),
    )
    .await
}

/// A session token of `id`, signed in with its demo password.
async fn office(http: &reqwest::Client, proc: &Proc, id: &str) -> String {
    let p = person(id);
    let (status, body) = sign_in(http, proc, p.badge, p.password).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

async fn call(
    http: &reqwest::Client,
    proc: &Proc,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    call_api(http, &proc.base, method, path, Some(token), body).await
}

async fn change(
    http: &reqwest::Client,
    proc: &Proc,
    token: &str,
    current: &str,
    new: &str,
) -> (u16, Value) {
    call(
        http,
        proc,
        reqwest::Method::PUT,
        "/api/v1/me/password",
        token,
        Some(json!({"current": current, "new": new})),
    )
    .await
}

async fn items(http: &reqwest::Client, proc: &Proc, token: &str) -> u16 {
    call(
        http,
        proc,
        reqwest::Method::GET,
        "/api/v1/master/items",
        token,
        None,
    )
    .await
    .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_password_has_twelve_characters_and_ends_the_other_sessions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let proc = start_demo_binary(dir.path());
    let http = http(dir.path());
    let sup = person("sup-1");
    let a = office(&http, &proc, "sup-1").await;
    let b = office(&http, &proc, "sup-1").await;
    let admin = office(&http, &proc, "admin").await;

    let (status, body) = change(&http, &proc, &a, sup.password, "short-one").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "weak_password");
    assert!(message(&body).contains("12 characters"), "{body}");
    let (status, body) = change(&http, &proc, &a, sup.password, "B-3001").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = change(&http, &proc, &a, "not-my-password", "a long new phrase").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "wrong_password");

    let (status, body) = change(&http, &proc, &a, sup.password, "a long new phrase").await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        items(&http, &proc, &a).await,
        200,
        "the changing session goes on"
    );
    assert_eq!(
        items(&http, &proc, &b).await,
        401,
        "another session of the person still works after a password change"
    );
    assert_eq!(items(&http, &proc, &admin).await, 200, "others keep theirs");
    assert_eq!(sign_in(&http, &proc, sup.badge, sup.password).await.0, 401);
    assert_eq!(
        sign_in(&http, &proc, sup.badge, "a long new phrase")
            .await
            .0,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_password_may_only_be_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let proc = start_demo_binary(dir.path());
    let http = http(dir.path());
    let admin = office(&http, &proc, "admin").await;
    let clerk_before = office(&http, &proc, "clerk-1").await;

    // Only an admin gives one out.
    let (status, _) = call(
        &http,
        &proc,
        reqwest::Method::POST,
        "/api/v1/users/clerk-1/one-time-password",
        &clerk_before,
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, otp) = call(
        &http,
        &proc,
        reqwest::Method::POST,
        "/api/v1/users/clerk-1/one-time-password",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{otp}");
    let one_time = otp["password"].as_str().expect("password").to_owned();
    assert!(one_time.len() >= 16, "{one_time}");
    assert_eq!(
        items(&http, &proc, &clerk_before).await,
        401,
        "her sessions end"
    );
    let clerk = person("clerk-1");
    assert_eq!(
        sign_in(&http, &proc, clerk.badge, clerk.password).await.0,
        401
    );

    let (status, body) = sign_in(&http, &proc, "clerk-1", &one_time).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password_change_required"], true);
    let token = body["token"].as_str().expect("token").to_owned();
    let (status, body) = call(
        &http,
        &proc,
        reqwest::Method::GET,
        "/api/v1/master/items",
        &token,
        None,
    )
    .await;
    assert_eq!(
        status, 403,
        "a one-time password's session did more than change it: {body}"
    );
    assert_eq!(body["code"], "password_change_required");
    let (status, body) = change(&http, &proc, &token, &one_time, "olga's own phrase").await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(items(&http, &proc, &token).await, 200);
    assert_eq!(sign_in(&http, &proc, "clerk-1", &one_time).await.0, 401);

    // The CLI, for an admin who lost theirs (the server keeps running).
    let out = cli(
        dir.path(),
        &["one-time-password", "--site", SITE, "--user", "admin"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let (status, body) = sign_in(&http, &proc, "B-9001", &printed).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["password_change_required"], true);
    assert_eq!(
        items(&http, &proc, &admin).await,
        401,
        "the admin's sessions end"
    );
    let out = cli(
        dir.path(),
        &["one-time-password", "--site", SITE, "--user", "nobody"],
    );
    assert!(!out.status.success());
    // Every change is in the keyed audit chain, the passwords' MACs hold.
    let out = cli(dir.path(), &["verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvers_get_pins_of_six_digits_at_create_and_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let proc = start_demo_binary(dir.path());
    let http = http(dir.path());
    let admin = office(&http, &proc, "admin").await;
    let put = |body: Value| {
        call(
            &http,
            &proc,
            reqwest::Method::PUT,
            "/api/v1/master/users",
            &admin,
            Some(body),
        )
    };
    for role in ["supervisor", "engineer"] {
        let (status, body) = put(json!([{
            "id": "new-1", "name": "New Approver", "roles": [role],
            "badge": "B-8001", "pin": "1234"
        }]))
        .await;
        assert_eq!(status, 400, "a {role} got a 4-digit PIN: {body}");
        assert_eq!(body["code"], "pin_too_short");
        assert!(message(&body).contains("6 digits"), "{body}");
    }
    let (status, body) = put(json!([{
        "id": "new-1", "name": "New Approver", "roles": ["engineer"],
        "badge": "B-8001", "pin": "123456"
    }]))
    .await;
    assert_eq!(status, 200, "{body}");
    // A technician's 4-digit PIN does not come with a supervisor's role.
    let (status, body) = put(json!([{ "id": "tech-1", "roles": ["supervisor"] }])).await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("6 digits"), "{body}");
    let resp = http
        .post(format!("{}/api/v1/master/users/import", proc.base))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body("id,name,roles,active\ntech-2,Petr Technician,technician,true\ntech-1,Ivan Technician,technician|supervisor,true\n")
        .send()
        .await
        .expect("import");
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "invalid_csv");
    assert!(
        message(&body).contains("line 3") && message(&body).contains("6 digits"),
        "{body}"
    );
    // With a longer PIN first, the role follows.
    let (status, body) =
        put(json!([{ "id": "tech-1", "pin": "246810", "roles": ["supervisor"] }])).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_receive_no_password_material() {
    let dir = tempfile::tempdir().expect("temp dir");
    let proc = start_demo_binary(dir.path());
    let http = http(dir.path());
    let out = cli(dir.path(), &["enroll-device", "--site", SITE]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let (status, enrolled) = post(
        &http,
        &proc,
        "/api/v1/devices/enroll",
        json!({"code": code, "name": "hh-1"}),
    )
    .await;
    assert_eq!(status, 200, "{enrolled}");
    let token = enrolled["token"].as_str().expect("token");
    let (status, body) = call(
        &http,
        &proc,
        reqwest::Method::GET,
        "/api/v1/sync/credentials",
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let text = body.to_string();
    assert!(text.contains("B-1001"), "{text}");
    for p in PEOPLE {
        assert!(!text.contains(p.password), "{text}");
    }
    for secret in ["argon2", "password", "hash", "$"] {
        assert!(!text.contains(secret), "`{secret}` in {text}");
    }
}

/// Whoever can write the database but not read `chain.key` cannot give
/// themselves the back office: a password hash written there opens
/// nothing, and `verify` names it. The CLI's import holds approvers to
/// their PIN length as the API does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_written_into_the_database_opens_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let proc = start_demo_binary(dir.path());
    drop(proc);
    let forged = sparescan_server::api::auth::hash_pin("attacker's phrase").expect("hash");
    let db = rusqlite::Connection::open(dir.path().join("sparescan.db")).expect("db");
    let n = db
        .execute(
            "UPDATE passwords SET hash = ?1 WHERE user_id = 'admin'",
            [&forged],
        )
        .expect("write");
    assert_eq!(n, 1);
    drop(db);

    let csv = dir.path().join("users.csv");
    std::fs::write(
        &csv,
        "id,name,roles,active\ntech-2,Petr Technician,technician|engineer,true\n",
    )
    .expect("csv");
    let out = cli(
        dir.path(),
        &[
            "import",
            "--site",
            SITE,
            "users",
            csv.to_str().expect("path"),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the import gave a 4-digit PIN an engineer's role"
    );
    assert!(err.contains("line 2") && err.contains("6 digits"), "{err}");

    let out = cli(dir.path(), &["verify"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "verify passed a forged password: {report}"
    );
    assert!(report.contains("passwords"), "{report}");

    let proc = start_demo_binary(dir.path());
    let http = http(dir.path());
    let (status, body) = sign_in(&http, &proc, "admin", "attacker's phrase").await;
    assert_eq!(
        status, 401,
        "a forged password hash opened the back office: {body}"
    );
    let admin = person("admin");
    assert_eq!(sign_in(&http, &proc, "admin", admin.password).await.0, 401);
}

/// Argon2 checks the server has run (real and decoy), from `/metrics`.
async fn secret_checks(http: &reqwest::Client, proc: &Proc) -> u64 {
    let text = http
        .get(format!("{}/metrics", proc.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|l| l.strip_prefix("sparescan_secret_checks_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sparescan_secret_checks_total in /metrics:\n{text}"))
}

/// A wrong answer costs one Argon2 check whether or not the badge, user id
/// or password exists: how long the server takes to say no does not tell a
/// prober which badges and people are real (counted, not timed: a timed
/// test would be noise on shared CI cores).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_badge_costs_the_same_check_as_a_known_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let proc = start_demo_binary(dir.path());
    let http = http(dir.path());
    let code = String::from_utf8(cli(dir.path(), &["enroll-device", "--site", SITE]).stdout)
        .expect("code");
    let (status, enrolled) = post(
        &http,
        &proc,
        "/api/v1/devices/enroll",
        json!({"code": code.trim(), "name": "timing probe"}),
    )
    .await;
    assert_eq!(status, 200, "{enrolled}");
    let device = enrolled["token"].as_str().expect("device token").to_owned();
    let on_device = |badge: &str, pin: &str| {
        http.post(format!("{}/api/v1/sessions", proc.base))
            .bearer_auth(&device)
            .json(&json!({"badge": badge, "pin": pin}))
    };
    let tech = person("tech-1");
    // Each pair: a known subject with a wrong secret, then an unknown one.
    let attempts: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("a known badge, wrong PIN", on_device(tech.badge, "000001")),
        (
            "an unknown badge on a device",
            on_device("B-0000", "000001"),
        ),
        (
            "a known person, wrong password",
            http.post(format!("{}/api/v1/sessions", proc.base))
                .json(&json!({"badge": "clerk-1", "password": "not the password", "site": SITE})),
        ),
        (
            "an unknown user id",
            http.post(format!("{}/api/v1/sessions", proc.base)).json(
                &json!({"badge": "nobody-here", "password": "not the password", "site": SITE}),
            ),
        ),
    ];
    for (what, req) in attempts {
        let before = secret_checks(&http, &proc).await;
        let status = req.send().await.expect("send").status().as_u16();
        assert_eq!(status, 401, "{what}");
        let after = secret_checks(&http, &proc).await;
        assert_eq!(
            after - before,
            1,
            "{what}: {} Argon2 checks; a refusal without one answers faster and tells a prober the badge or person does not exist",
            after - before
        );
    }
}
