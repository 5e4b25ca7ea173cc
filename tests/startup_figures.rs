//! `sparescan startup-figures`, as scripts/cross.sh runs it on the aarch64
//! build under qemu: the real binary, headless, on a new cache. It links no
//! Slint of its own: it only starts the binary.

use std::process::Command;

#[test]
fn startup_figures_draw_the_first_frame_and_print_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache.sqlite");
    let out = Command::new(env!("CARGO_BIN_EXE_sparescan"))
        .arg("startup-figures")
        .arg(&cache)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sparescan");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A new cache: the enrollment screen, drawn at the handheld's size.
    assert!(
        stdout.contains("first frame (Enroll screen, 480x800): "),
        "{stdout}"
    );
    let rss = stdout
        .lines()
        .find_map(|l| l.strip_prefix("resident memory: "))
        .and_then(|l| l.split(" kB").next())
        .and_then(|kb| kb.trim().parse::<u64>().ok());
    assert!(rss.is_some_and(|kb| kb > 1_000), "{stdout}");

    // An enrollment that cannot reach its server fails with what went wrong.
    let out = Command::new(env!("CARGO_BIN_EXE_sparescan"))
        .arg("startup-figures")
        .arg(dir.path().join("other.sqlite"))
        .args([
            "--enroll",
            "https://127.0.0.1:9",
            "/nonexistent/ca.pem",
            "code",
        ])
        .env("RUST_LOG", "off")
        .output()
        .expect("run sparescan");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
