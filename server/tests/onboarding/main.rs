//! From an empty server to a site at work (issue 16), through the real
//! binary's command line and its HTTPS API, as a new admin would — in one
//! test binary, since each links the whole server.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod init;
