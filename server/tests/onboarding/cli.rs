//! The command line as an admin meets it (issue 16, item 10): the data
//! directory named or found, nothing made by a command that only reads,
//! ports named when taken, quiet success, help on every argument.

use crate::common::{cli, start_demo_binary};
use crate::text;
use std::path::Path;
use std::process::{Command, Output};

/// The binary run in `cwd` with no data directory in its environment.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sparescan-server"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SPARESCAN_DATA_DIR")
        .env_remove("SPARESCAN_CONFIG")
        .env_remove("SPARESCAN_LISTEN")
        .env("RUST_LOG", "info")
        .output()
        .expect("run the CLI")
}

#[test]
fn a_command_that_reads_makes_no_database_and_says_where_to_look() {
    let cwd = tempfile::tempdir().expect("temp dir");
    let empty = cwd.path().join("nothing-here");
    let dir = empty.to_str().expect("utf-8 path");
    let out = run_in(
        cwd.path(),
        &["--data-dir", dir, "report", "--site", "PLANT-1", "kpis"],
    );
    assert!(!out.status.success());
    let why = text(&out.stderr);
    assert!(
        why.contains("no sparescan database in")
            && why.contains("--data-dir")
            && why.contains("init"),
        "{why}"
    );
    assert!(!empty.exists(), "a report made {dir}");

    // Beside a demo's folder, the message says where the demo's data is.
    std::fs::create_dir(cwd.path().join("sparescan-demo")).expect("mkdir");
    std::fs::write(cwd.path().join("sparescan-demo/sparescan.db"), b"").expect("db");
    let out = run_in(
        cwd.path(),
        &["--data-dir", dir, "export", "--site", "PLANT-1", "items"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--data-dir sparescan-demo"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_taken_port_is_named_and_the_demo_leaves_nothing_behind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let cwd = tempfile::tempdir().expect("temp dir");
    let out = run_in(cwd.path(), &["demo", "--port", &port]);
    assert!(!out.status.success());
    let why = text(&out.stderr);
    assert!(why.contains(&format!("127.0.0.1:{port}")), "{why}");
    assert!(why.contains("--port"), "{why}");
    assert!(
        !cwd.path().join("sparescan-demo").exists(),
        "a half-made demo folder was left"
    );
}

#[test]
fn success_is_quiet_and_every_argument_has_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The demo's data, made by the real binary.
    drop(start_demo_binary(dir.path()));
    let out = cli(dir.path(), &["export", "--site", "PLANT-1", "items"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("id,"),
        "{}",
        text(&out.stdout)
    );
    let noise = Command::new(env!("CARGO_BIN_EXE_sparescan-server"))
        .args(["export", "--site", "PLANT-1", "bins"])
        .env("SPARESCAN_DATA_DIR", dir.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("run");
    assert!(noise.status.success());
    assert_eq!(
        text(&noise.stderr),
        "",
        "an export that worked printed to stderr"
    );

    let help = text(&cli(dir.path(), &["export", "--help"]).stdout);
    assert!(
        help.contains("items") && help.contains("warehouses") && help.contains("policy"),
        "export --help does not list its entities:\n{help}"
    );
    for command in [
        "init",
        "enroll-device",
        "one-time-password",
        "revoke-device",
        "compact",
        "import",
        "export",
        "report",
        "close-period",
        "backup",
    ] {
        let help = text(&cli(dir.path(), &[command, "--help"]).stdout);
        // clap prints an argument without a doc comment as its bare name.
        for line in help
            .lines()
            .filter(|l| l.trim_start().starts_with('-') || l.starts_with("  <"))
        {
            let l = line.trim();
            let described = l.split("  ").filter(|p| !p.trim().is_empty()).count() > 1;
            assert!(
                described || l.starts_with("-h") || l.starts_with("-V"),
                "`{command} --help`: `{l}` has no help text\n{help}"
            );
        }
    }
}
