//! sparescan-core: the spare-parts ledger's types, documents and rules.
//!
//! Every rule of the domain lives here once, as a pure function over a
//! read-only view of the state, so the server and the handheld give the same
//! verdict for the same movement. Nothing in this crate does I/O.

pub mod scan;
