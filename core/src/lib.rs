//! sparescan-core: the spare-parts ledger's types, documents and rules.
//!
//! Every rule of the domain lives here once, as a pure function over a
//! read-only view of the state ([`view::LedgerView`]), so the server and the
//! handheld give the same verdict for the same movement. Nothing in this
//! crate does I/O.
//!
//! - [`ids`], [`qty`], [`money`]: newtype identifiers, exact quantities and
//!   amounts;
//!   [`limits`]: the bounds on what a document carries.
//! - [`model`]: master data and projected state.
//! - [`document`]: the movement documents (the sync payload).
//! - [`rules::evaluate`]: the verdict on a document — effects or a
//!   [`reason::Refusal`]; [`rules::closure_blockers`] for the closure check.
//! - [`memory::MemoryLedger`]: the in-memory view and projections.
//! - [`presence`]: the proof that a document's author (and approver) was
//!   there: MACs with per-person, per-device keys.
//! - [`sync`]: the device ↔ server protocol and the row model of state;
//!   [`enrollment`]: the link a handheld scans to enroll.
//! - [`scan`]: scan decoding; [`resolve`]: what a decoded scan names.

pub mod document;
pub mod effect;
pub mod enrollment;
pub mod ids;
pub mod lang;
pub mod limits;
pub mod memory;
pub mod model;
pub mod money;
pub mod presence;
pub mod qty;
pub mod reason;
pub mod resolve;
pub mod rules;
pub mod sync;
pub mod url;
pub mod view;

pub mod scan;
