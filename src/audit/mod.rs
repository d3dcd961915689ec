//! The audit trail: a hash-chained log of every write to a finance system and every
//! write-back to a CRM.
//!
//! Each row carries seq, time, connection, action, source key, target id, payload digest,
//! the previous row's hash and its own hash over all of that ([`entry`] has the exact
//! encoding). Editing, deleting or inserting a row anywhere breaks the chain at that row,
//! and `ledgerbridge audit verify` names it.
//!
//! The pipeline appends inside its own transaction, next to the write's bookkeeping, so
//! the audit row commits atomically with it:
//!
//! ```ignore
//! let mut tx = db.begin().await?;
//! // … links, idempotency key …
//! audit::append_many(&mut tx, &entries).await?;   // last, just before commit
//! tx.commit().await?;
//! ```
//!
//! What the chain proves: that nobody changed the log through the database without
//! going through [`append`]. Someone able to rewrite every later row *and* the head could
//! forge a consistent chain; recording the head `SEQ:HASH` that `verify` prints somewhere
//! else (a ticket, a backup) and passing it back as an [`Anchor`] (`--anchor`) turns that
//! into a detectable change too.

mod append;
pub mod entry;
mod list;
mod read;
mod verify;

pub use append::{append, append_many};
pub use entry::{AuditEntry, AuditRow, GENESIS, digest};
pub use list::{ListFilter, page};
pub use verify::{Anchor, Break, BreakKind, Verdict, verify, verify_anchored};
