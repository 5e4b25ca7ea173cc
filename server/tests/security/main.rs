//! Who is acting and what a probe broke (issue 14, docs/security.md), each
//! attack over real HTTPS against the real server — in one test binary,
//! since each binary links the whole server.

#[path = "../common/mod.rs"]
mod common;

mod bounds;
mod csv;
mod lockout;
mod passwords;
mod presence;
mod sessions;
mod sites;
mod tamper;
mod time;
