//! sparescan handheld: the app's library (the binary in `main.rs` is a thin
//! command line over it; the tests drive it too). The Slint UI and its
//! controller live here; everything without a window is in
//! `sparescan-handheld` (`handheld/`), re-exported under the same names.

/// The Slint UI compiled from `ui/` by `build.rs`.
pub mod ui {
    slint::include_modules!();
}

pub use sparescan_handheld::{cache, config, engine, scanner, worker};

pub mod app;
#[cfg(feature = "demo")]
pub mod demo;
pub mod key_clock;
pub mod run;
pub mod service;
pub mod startup_figures;
