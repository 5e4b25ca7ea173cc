//! A new site's stock, from nothing (issue 16, item 2): master data and
//! opening stock from CSV through the real binary's command line, all or
//! nothing, then a delivery over the API — every unit explained by a
//! document.

use crate::common::{call_api, cli, http_for, start_binary};
use crate::first_admin_session;
use crate::text;
use sparescan_core::model::{Condition, SerialKey, SerialState, StockKey};
use sparescan_core::qty::Qty;

fn key(item: &str, bin: &str) -> StockKey {
    StockKey {
        item: item.into(),
        bin: bin.into(),
        batch: None,
        condition: Condition::New,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_site_gets_its_master_data_and_opening_stock_from_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let init = cli(
        d,
        &[
            "init",
            "--site",
            "NORTH",
            "--name",
            "North plant",
            "--admin",
            "B-9001",
        ],
    );
    assert!(init.status.success(), "{}", text(&init.stderr));
    let otp = text(&init.stdout).trim().to_owned();
    let file = |name: &str, body: &str| {
        let path = d.join(name);
        std::fs::write(&path, body).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    for (entity, body) in [
        ("warehouses", "id,name\nWH-N,North store\n"),
        (
            "bins",
            "id,warehouse,zone\nN-01,WH-N,storage\nN-Q,WH-N,quarantine\n",
        ),
        (
            "items",
            "id;name;unit;tracking;serial_format\n\
             TERM-6MM;Terminal 6 mm;pcs;none;\n\
             UPS-BATT-MOD;UPS battery module;pcs;serial;BM-####\n\
             CBL-1;Power cable;m;none;\n",
        ),
    ] {
        let path = file(&format!("{entity}.csv"), body);
        let out = cli(d, &["import", "--site", "NORTH", entity, &path]);
        assert!(out.status.success(), "{entity}: {}", text(&out.stderr));
    }

    // A line the rules refuse: nothing of the file is recorded, and the
    // error names the line and why.
    let stock = "item,bin,qty,serials,warranty_until\n\
                 TERM-6MM,N-01,50,,\n\
                 UPS-BATT-MOD,N-01,,BM-0201|BM-0202,2028-06-30\n\
                 CBL-1,N-99,12.5,,\n";
    // A warranty date written the local way is refused with the way to
    // write it.
    let dotted = file(
        "stock-dotted.csv",
        &stock.replace("2028-06-30", "30.06.2028"),
    );
    let out = cli(
        d,
        &[
            "stock-in", "--site", "NORTH", "--by", "B-9001", "opening", &dotted,
        ],
    );
    assert!(!out.status.success());
    let why = text(&out.stderr);
    assert!(
        why.contains("line 3") && why.contains("warranty_until") && why.contains("2027-06-30"),
        "{why}"
    );
    let bad = file("stock-bad.csv", stock);
    let out = cli(
        d,
        &[
            "stock-in", "--site", "NORTH", "--by", "B-9001", "opening", &bad,
        ],
    );
    assert!(
        !out.status.success(),
        "a file with an unknown bin was recorded"
    );
    let why = text(&out.stderr);
    assert!(
        why.contains("line 4")
            && why.contains("unknown_bin")
            && why.contains("nothing of the file"),
        "{why}"
    );
    let good = file("stock.csv", &stock.replace("N-99", "N-01"));
    let out = cli(
        d,
        &[
            "stock-in", "--site", "NORTH", "--by", "B-9001", "opening", &good,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("recorded 3"),
        "{}",
        text(&out.stderr)
    );
    // The same units again are refused: a serial is received once.
    let again = cli(
        d,
        &[
            "stock-in", "--site", "NORTH", "--by", "B-9001", "opening", &good,
        ],
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("serial_known"),
        "{}",
        text(&again.stderr)
    );
    let verify = cli(d, &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));

    // Over the API: the admin may record opening stock, not deliveries
    // (a clerk's).
    let server = start_binary(d, "serve");
    let http = http_for(d);
    let token = first_admin_session(&http, &server.base, "NORTH", "B-9001", &otp).await;
    let post_csv = |path: &'static str, body: &'static str| {
        crate::post_csv(&http, &server.base, path, &token, body)
    };
    let (status, body) =
        post_csv("/api/v1/stock/receipts", "item,bin,qty\nTERM-6MM,N-01,5\n").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = post_csv(
        "/api/v1/stock/opening",
        "item;bin;qty\nCBL-1;N-01;2,5\nTERM-6MM;N-01;0,5\n",
    )
    .await;
    assert_eq!(status, 400, "half a piece was recorded: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("quantity_not_whole"),
        "{body}"
    );
    let (status, body) = post_csv("/api/v1/stock/opening", "item;bin;qty\nCBL-1;N-01;2,5\n").await;
    assert_eq!(
        (status, body["recorded"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    let (status, _) = call_api(
        &http,
        &server.base,
        reqwest::Method::GET,
        "/api/v1/master/items",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    drop(server);

    // What the ledger holds: every unit, and where.
    let config = sparescan_server::config::Config::new("127.0.0.1:0".parse().expect("addr"), d);
    let opened = sparescan_server::Server::open(config).expect("open");
    let site = sparescan_core::ids::SiteId::new("NORTH");
    let module = SerialKey {
        item: "UPS-BATT-MOD".into(),
        serial: "BM-0202".into(),
    };
    let (terminals, cable, battery, warranty) = opened
        .ledger()
        .read(&site, |s| {
            (
                s.ledger.stock(&key("TERM-6MM", "N-01")),
                s.ledger.stock(&key("CBL-1", "N-01")),
                s.ledger.serial(&module),
                s.ledger.warranty(&module),
            )
        })
        .expect("site");
    assert_eq!(
        warranty.map(|d| d.to_string()).as_deref(),
        Some("2028-06-30"),
        "kept per unit from the opening balance"
    );
    assert_eq!(terminals, Qty::units(50));
    assert_eq!(cable, Qty::from_milli(15_000), "12.5 m and 2.5 m");
    assert!(
        matches!(battery, Some(SerialState::InStock { ref bin, .. }) if bin.as_str() == "N-01"),
        "{battery:?}"
    );
}
