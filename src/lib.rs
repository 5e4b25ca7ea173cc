//! sparescan handheld: the app's library (the binary in `main.rs` is a thin
//! command line over it; the tests drive it too).

/// The Slint UI compiled from `ui/` by `build.rs`.
pub mod ui {
    slint::include_modules!();
}

pub mod app;
pub mod cache;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod engine;
pub mod run;
pub mod scanner;
pub mod service;
pub mod worker;
