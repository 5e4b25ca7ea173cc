//! The kiosk unit is `Type=notify` with `WatchdogSec=`: the app must tell
//! systemd it is ready once its event loop runs, then keep pinging the
//! watchdog from the UI thread. Checked against a notify socket of our own,
//! as systemd would hand it over (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID).

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

#[test]
fn ready_once_the_event_loop_runs_then_watchdog_pings_from_the_ui_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&path).expect("notify socket");
    // SAFETY: the only test of this binary, before any thread is started.
    unsafe {
        std::env::set_var("NOTIFY_SOCKET", &path);
        std::env::set_var("WATCHDOG_USEC", "100000");
        std::env::set_var("WATCHDOG_PID", std::process::id().to_string());
    }
    i_slint_backend_testing::init_integration_test_with_system_time();
    let _pinger = sparescan::service::notify_systemd();
    slint::Timer::single_shot(Duration::from_millis(420), || {
        let _ = slint::quit_event_loop();
    });
    slint::run_event_loop_until_quit().expect("event loop");

    socket.set_nonblocking(true).expect("nonblocking");
    let mut messages = Vec::new();
    let mut buf = [0u8; 256];
    while let Ok(n) = socket.recv(&mut buf) {
        messages.push(String::from_utf8_lossy(&buf[..n]).trim().to_string());
    }
    assert_eq!(
        messages.first().map(String::as_str),
        Some("READY=1"),
        "{messages:?}"
    );
    let pings = messages.iter().filter(|m| *m == "WATCHDOG=1").count();
    // A ping every 50 ms (half of WATCHDOG_USEC) for about 420 ms.
    assert!((5..=9).contains(&pings), "{pings} pings: {messages:?}");
}
