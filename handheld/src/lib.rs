//! sparescan handheld without its window: inputs (a scan, a tap, a PIN) go
//! into the engine, a model of every screen comes out; the cache keeps the
//! server's rows and the outbox; the worker judges scans and never waits
//! for the network, the sync thread talks to the server; the scanner readers turn a barcode engine's input into scans. The app
//! package (`sparescan`) draws the model with Slint and re-exports these
//! modules.

pub mod cache;
pub mod config;
pub mod engine;
pub mod online;
pub mod presence;
pub mod scanner;
pub mod sync;
pub mod worker;
