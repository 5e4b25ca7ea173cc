//! Waiting for a file descriptor with a timeout: `poll(2)`, which std does
//! not offer. The evdev reader needs it to notice a finished burst and a
//! stop request while no key comes, and it must not sleep between reads,
//! or the kernel's small event buffer overflows during a long scan.

use std::ffi::{c_int, c_short, c_ulong};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: c_short,
    revents: c_short,
}

const POLLIN: c_short = 0x001;

unsafe extern "C" {
    // nfds_t is unsigned long in glibc and musl.
    fn poll(fds: *mut PollFd, nfds: c_ulong, timeout: c_int) -> c_int;
}

/// Waits until `fd` is readable (or hung up) or `timeout` passes; true if
/// it is.
pub(crate) fn wait_readable(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<bool> {
    let mut entry = PollFd {
        fd: fd.as_raw_fd(),
        events: POLLIN,
        revents: 0,
    };
    let ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
    // SAFETY: one valid `pollfd` that outlives the call; the descriptor is
    // borrowed, so it stays open during it.
    let n = unsafe { poll(&mut entry, 1, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(false)
        } else {
            Err(e)
        };
    }
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;
    use std::time::Instant;

    #[test]
    fn times_out_then_sees_data() -> io::Result<()> {
        let (mut a, b) = UnixStream::pair()?;
        let start = Instant::now();
        assert!(!wait_readable(b.as_fd(), Duration::from_millis(30))?);
        assert!(start.elapsed() >= Duration::from_millis(25));
        a.write_all(b"x")?;
        assert!(wait_readable(b.as_fd(), Duration::from_secs(5))?);
        Ok(())
    }
}
