//! The kiosk service's side of systemd (`Type=notify`, `WatchdogSec=`):
//! READY=1 once the event loop runs with the window shown, and WATCHDOG=1
//! from a timer on the UI thread, so a frozen UI (not only a crashed
//! process) gets the app restarted. Outside systemd both are no-ops.

use std::time::Duration;

use sd_notify::NotifyState;
use slint::{Timer, TimerMode};

/// How often to ping a watchdog of `usec` microseconds: twice per period,
/// as sd_watchdog_enabled(3) advises. `None`: no watchdog.
pub fn ping_period(usec: Option<u64>) -> Option<Duration> {
    usec.filter(|u| *u > 0)
        .map(|u| Duration::from_micros(u / 2))
}

/// Starts notifying; keep the returned timer alive while the UI runs.
pub fn notify_systemd() -> Timer {
    Timer::single_shot(Duration::ZERO, || {
        if let Err(e) = sd_notify::notify(false, &[NotifyState::Ready]) {
            log::warn!("telling systemd the app is ready: {e}");
        }
    });
    let mut usec = 0;
    let enabled = sd_notify::watchdog_enabled(false, &mut usec);
    let pinger = Timer::default();
    if let Some(period) = ping_period(enabled.then_some(usec)) {
        log::info!("systemd watchdog: a ping every {period:?}");
        pinger.start(TimerMode::Repeated, period, || {
            let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
        });
    }
    pinger
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ping_comes_twice_per_watchdog_period_and_never_without_one() {
        assert_eq!(ping_period(Some(30_000_000)), Some(Duration::from_secs(15)));
        assert_eq!(ping_period(Some(0)), None);
        assert_eq!(ping_period(None), None);
    }
}
