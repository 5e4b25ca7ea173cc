//! CSV formula injection (issue 14, item 8): names a spreadsheet would run
//! as formulas come back neutralised from the API's and the CLI's exports
//! and from report CSVs; numbers stay numbers.

use crate::common::*;
use serde_json::Value;
use sparescan_client::Client;
use sparescan_server::demo::SITE;

const BIN: &str = env!("CARGO_BIN_EXE_sparescan-server");

async fn import_csv(c: &Client, entity: &str, csv: &str) -> (u16, Value) {
    let req = c
        .http()
        .post(format!("{}/api/v1/master/{entity}/import", c.base()))
        .header("content-type", "text/csv")
        .body(csv.to_owned());
    send(c, req).await
}

const FORMULA: &str = r#"=HYPERLINK("http://x","y")"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formulas_come_back_neutralised_from_every_csv() {
    let ts = TestServer::start().await;
    let admin = office(&ts, "admin").await;
    // FAN-120 is planned on WO-1004: its name shows in the deviations report.
    let csv = format!(
        "id,name\nFAN-120,\"{}\"\nBRG-6204,@SUM(1+1)\n",
        FORMULA.replace('"', "\"\"")
    );
    let (s, body) = import_csv(&admin, "items", &csv).await;
    assert_eq!(s, 200, "{body}");

    let cells = |text: &str| -> Vec<String> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        r.records()
            .flat_map(|r| {
                r.expect("row")
                    .iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let check = |what: &str, text: &str| {
        let cells = cells(text);
        for bad in ["=", "+", "@", "\t", "\r"] {
            assert!(
                !cells.iter().any(|c| c.starts_with(bad)),
                "{what}: a cell begins with {bad:?}:\n{text}"
            );
        }
        assert!(
            cells.iter().any(|c| c == &format!("'{FORMULA}")),
            "{what}: the name is not there, neutralised:\n{text}"
        );
    };

    // The API's export.
    let (s, body) = get(&admin, "/api/v1/master/items?format=csv").await;
    assert_eq!(s, 200);
    let api_export = body.as_str().expect("CSV").to_owned();
    check("API export", &api_export);
    assert!(api_export.contains("'@SUM(1+1)"), "{api_export}");

    // The CLI's export.
    let out = std::process::Command::new(BIN)
        .args(["export", "--site", SITE, "items"])
        .env("SPARESCAN_DATA_DIR", ts.dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check("CLI export", &String::from_utf8_lossy(&out.stdout));

    // A report: names neutralised, negative numbers kept as numbers.
    let sup = office(&ts, "sup-1").await;
    let (s, body) = get(&sup, "/api/v1/reports/deviations?format=csv").await;
    assert_eq!(s, 200, "{body}");
    let report = body.as_str().expect("CSV").to_owned();
    check("deviations report", &report);
    assert!(
        report.contains(",-1,-100.0") && !report.contains("'-"),
        "numbers stay numbers:\n{report}"
    );

    // An export imports unchanged: the name is the one imported.
    let (s, body) = import_csv(&admin, "items", &api_export).await;
    assert_eq!(s, 200, "{body}");
    let (_, items) = get(&admin, "/api/v1/master/items").await;
    let name = items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == "FAN-120"))
        .map(|i| i["name"].clone());
    assert_eq!(name, Some(Value::from(FORMULA)));
    ts.stop().await;
}
