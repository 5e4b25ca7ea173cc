//! When a key was really pressed. Slint hands the app key texts with no
//! time, so the wedge decoder would have to time keys by when the UI thread
//! handles them, which a busy thread bunches up or spreads apart. On the
//! device Slint's linuxkms backend shows the app every libinput event just
//! before dispatching it, and libinput stamps each key with the kernel's
//! time of the press (CLOCK_MONOTONIC, microseconds): [`observe`] keeps that
//! stamp for the key Slint is about to deliver, and [`key_time`] puts it on
//! the decoder's timeline. Elsewhere (the desktop window, tests) there is
//! no stamp and the UI thread's time is used.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// A stamp older than this is not the key being delivered (a clock that is
/// not the monotonic one, or a stamp left by a key Slint did not deliver):
/// the UI thread's time is used instead.
const MAX_AGE: Duration = Duration::from_secs(5);

thread_local! {
    /// The press time (µs, CLOCK_MONOTONIC) of the key being dispatched.
    static PENDING: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Keeps the press time of the key Slint is about to deliver. Called on the
/// UI thread, just before the key's dispatch.
pub fn note_press(usec: u64) {
    PENDING.with(|p| p.set(Some(usec)));
}

/// The time of the key being delivered, as a time since `start`: its press
/// time where the backend stamped it, else now.
pub fn key_time(start: Instant) -> Duration {
    let ui_now = start.elapsed();
    let stamp = PENDING.with(Cell::take);
    match (stamp, monotonic_now_usec()) {
        (Some(pressed), Some(now)) => on_timeline(pressed, now, ui_now),
        _ => ui_now,
    }
}

/// Maps a press stamp onto the timeline whose "now" is `ui_now`, given the
/// monotonic clock's now: earlier by the stamp's age.
pub fn on_timeline(pressed_usec: u64, now_usec: u64, ui_now: Duration) -> Duration {
    let age = Duration::from_micros(now_usec.saturating_sub(pressed_usec));
    if age > MAX_AGE {
        return ui_now;
    }
    ui_now.saturating_sub(age)
}

#[cfg(all(feature = "embedded", target_os = "linux"))]
fn monotonic_now_usec() -> Option<u64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    u64::try_from(t.tv_sec)
        .ok()?
        .checked_mul(1_000_000)?
        .checked_add(u64::try_from(t.tv_nsec).ok()? / 1_000)
}

#[cfg(not(all(feature = "embedded", target_os = "linux")))]
fn monotonic_now_usec() -> Option<u64> {
    None
}

/// The libinput hook: notes the press time of every key press and lets
/// Slint handle the event as usual.
#[cfg(all(feature = "embedded", target_os = "linux"))]
pub fn observe(event: &input::Event) -> bool {
    use input::event::keyboard::{KeyState, KeyboardEventTrait};
    if let input::Event::Keyboard(input::event::KeyboardEvent::Key(key)) = event
        && key.key_state() == KeyState::Pressed
    {
        note_press(key.time_usec());
    }
    false
}

/// Selects Slint's linuxkms backend with [`observe`] on its input events;
/// call before the first window is created.
#[cfg(all(feature = "embedded", target_os = "linux"))]
pub fn install() -> anyhow::Result<()> {
    use anyhow::Context;
    slint::BackendSelector::new()
        .backend_name("linuxkms".into())
        .with_libinput_event_hook(observe)
        .select()
        .context("opening the display (Slint's linuxkms backend, libinput for input)")
}

#[cfg(not(all(feature = "embedded", target_os = "linux")))]
pub fn install() -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_stamp_moves_the_key_back_by_its_age() {
        // Pressed 300 ms before it is delivered (a stalled UI thread).
        assert_eq!(on_timeline(1_000_000, 1_300_000, ms(5_000)), ms(4_700));
        // Delivered at once.
        assert_eq!(on_timeline(1_000_000, 1_000_000, ms(5_000)), ms(5_000));
        // A stamp from the future (clocks read a microsecond apart) is now.
        assert_eq!(on_timeline(1_000_001, 1_000_000, ms(5_000)), ms(5_000));
    }

    #[test]
    fn a_stamp_that_cannot_be_this_key_is_ignored() {
        assert_eq!(on_timeline(0, 60_000_000, ms(5_000)), ms(5_000));
        // Never before the timeline's start.
        assert_eq!(on_timeline(1_000_000, 3_000_000, ms(1_000)), ms(0));
    }

    #[test]
    fn a_stamp_serves_one_key() {
        let start = Instant::now();
        note_press(1);
        let first = key_time(start);
        let second = key_time(start);
        // Off the device there is no monotonic reading: both are now.
        assert!(second >= first);
        assert!(PENDING.with(Cell::get).is_none(), "the stamp was used up");
    }
}
