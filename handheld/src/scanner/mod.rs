//! Scanner input: delimits scans and delivers their raw bytes, in order, to
//! one [`ScanQueue`]. Decoding (AIM identifiers, GS1, supplier labels) is
//! `sparescan_core::scan::classify`'s job, not this module's.
//!
//! Three ways a scanner reaches the app ([`ScannerConfig::mode`]):
//! - wedge: the scanner types into the UI; the UI feeds a [`WedgeDecoder`]
//!   and sends its scans to the queue itself;
//! - evdev (Linux): a reader thread takes the scanner's input device,
//!   decodes its keys ([`keymap`]) and timestamps;
//! - serial: a reader thread cuts the port's bytes with a [`SerialSplitter`].
//!
//! [`spawn_reader`] starts the thread the mode needs.

mod config;
#[cfg(target_os = "linux")]
mod evdev_reader;
mod frame;
pub mod keymap;
#[cfg(target_os = "linux")]
mod poll;
mod queue;
pub mod serial;
pub mod wedge;
mod worker;

pub use config::{ScannerConfig, ScannerMode, Suffix};
pub use queue::{QueueClosed, ScanInput, ScanQueue, ScanSender, ScanSource};
pub use serial::SerialSplitter;
pub use wedge::{KeyOutcome, SlintKey, WedgeDecoder, WedgeEvent, ctrl_text, slint_key};
pub use worker::ReaderHandle;

/// Why scanner input could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error("scanner configuration: {0}")]
    Config(String),
    #[error("scanner mode \"{0}\" is not available on this platform")]
    Unsupported(ScannerMode),
    #[error("could not start the scanner reader thread: {0}")]
    Spawn(#[source] std::io::Error),
}

/// Starts the reader thread for evdev and serial modes, sending to `sender`;
/// wedge mode returns `None` (the UI feeds a [`WedgeDecoder`]). A device
/// that is missing or fails is not an error here: the thread logs it and
/// keeps retrying, so a scanner may be plugged in later. The thread stops
/// when the handle is dropped.
pub fn spawn_reader(
    config: &ScannerConfig,
    sender: ScanSender,
) -> Result<Option<ReaderHandle>, ScannerError> {
    config.validate()?;
    match config.mode {
        ScannerMode::Wedge => Ok(None),
        ScannerMode::Serial => serial::spawn(config, sender).map(Some),
        #[cfg(target_os = "linux")]
        ScannerMode::Evdev => evdev_reader::spawn(config, sender).map(Some),
        #[cfg(not(target_os = "linux"))]
        ScannerMode::Evdev => Err(ScannerError::Unsupported(ScannerMode::Evdev)),
    }
}
