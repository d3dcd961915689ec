//! One audit entry: what the pipeline says about a write, the stored row, and the hash
//! that chains it to the row before.
//!
//! The hash is SHA-256 over a canonical, unambiguous byte encoding of every other field
//! of the row, `prev_hash` included:
//!
//! ```text
//! "ledgerbridge.audit.v1\0"
//! seq, at                       8 bytes each, big-endian two's complement
//! connection, action            0x01, length (4 bytes BE), UTF-8 bytes
//! source_key, target_id,        0x00 when absent, else as a text field
//! payload_digest
//! prev_hash                     as a text field
//! ```
//!
//! Length prefixes (rather than separators) make it impossible to move bytes from one
//! field to the next without changing the hash; the version tag lets a future encoding
//! coexist with rows written under this one.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DOMAIN: &[u8] = b"ledgerbridge.audit.v1\0";

/// A write to record, as the pipeline describes it. Time and sequence are assigned by
/// [`append`](super::append) under the chain lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// The connection written to (the finance system, or the CRM for a write-back).
    pub connection: String,
    /// What was done, short and stable: `invoice.create`, `invoice.update`,
    /// `invoice.void`, `deal.writeback`, …
    pub action: String,
    /// The source record the write came from (`deal:123`).
    pub source_key: Option<String>,
    /// The id the target system gave the record.
    pub target_id: Option<String>,
    /// SHA-256 (hex) of the payload sent, as in `idempotency_keys.payload_digest`.
    pub payload_digest: Option<String>,
}

impl AuditEntry {
    pub fn new(connection: impl Into<String>, action: impl Into<String>) -> Self {
        AuditEntry {
            connection: connection.into(),
            action: action.into(),
            ..Default::default()
        }
    }

    #[must_use]
    pub fn source_key(mut self, key: impl Into<String>) -> Self {
        self.source_key = Some(key.into());
        self
    }

    #[must_use]
    pub fn target_id(mut self, id: impl Into<String>) -> Self {
        self.target_id = Some(id.into());
        self
    }

    /// The digest of a payload already computed elsewhere (hex).
    #[must_use]
    pub fn payload_digest(mut self, digest: impl Into<String>) -> Self {
        self.payload_digest = Some(digest.into());
        self
    }

    /// Digest of the payload bytes sent.
    #[must_use]
    pub fn payload(self, bytes: &[u8]) -> Self {
        self.payload_digest(digest(bytes))
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub use ledgerbridge_sdk::sha256_hex as digest;

/// A row of `audit_log`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    /// Epoch milliseconds (rendered as RFC 3339 by the CLI).
    pub at: i64,
    pub connection: String,
    pub action: String,
    pub source_key: Option<String>,
    pub target_id: Option<String>,
    pub payload_digest: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The row that follows `prev_hash` at position `seq`, with its hash computed.
    pub fn chained(seq: i64, at: i64, e: &AuditEntry, prev_hash: &str) -> Self {
        let mut row = AuditRow {
            seq,
            at,
            connection: e.connection.clone(),
            action: e.action.clone(),
            source_key: e.source_key.clone(),
            target_id: e.target_id.clone(),
            payload_digest: e.payload_digest.clone(),
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        row.hash = row.compute_hash();
        row
    }

    /// The hash this row's fields (all but `hash`) call for.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update(self.seq.to_be_bytes());
        h.update(self.at.to_be_bytes());
        text(&mut h, &self.connection);
        text(&mut h, &self.action);
        opt(&mut h, self.source_key.as_deref());
        opt(&mut h, self.target_id.as_deref());
        opt(&mut h, self.payload_digest.as_deref());
        text(&mut h, &self.prev_hash);
        hex::encode(h.finalize())
    }
}

fn text(h: &mut Sha256, s: &str) {
    h.update([1u8]);
    // u32 is plenty: every field is an id, a name or a hex digest
    h.update((s.len() as u32).to_be_bytes());
    h.update(s.as_bytes());
}

fn opt(h: &mut Sha256, s: Option<&str>) {
    match s {
        Some(s) => text(h, s),
        None => h.update([0u8]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_the_link_change_the_hash() {
        let e = AuditEntry::new("books", "invoice.create")
            .source_key("deal:1")
            .target_id("inv-1")
            .payload(b"{}");
        let base = AuditRow::chained(1, 1000, &e, GENESIS);
        assert_eq!(base.hash, base.compute_hash());
        assert_eq!(base.hash.len(), 64);
        let variants = [
            AuditRow {
                seq: 2,
                ..base.clone()
            },
            AuditRow {
                at: 1001,
                ..base.clone()
            },
            AuditRow {
                connection: "book".into(),
                ..base.clone()
            },
            AuditRow {
                action: "invoice.update".into(),
                ..base.clone()
            },
            AuditRow {
                source_key: None,
                ..base.clone()
            },
            AuditRow {
                target_id: Some(String::new()),
                ..base.clone()
            },
            AuditRow {
                payload_digest: None,
                ..base.clone()
            },
            AuditRow {
                prev_hash: "1".repeat(64),
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(v.compute_hash(), base.hash, "{v:?}");
        }
    }

    #[test]
    fn bytes_cannot_move_between_fields() {
        let a = AuditRow::chained(1, 0, &AuditEntry::new("ab", "c"), GENESIS);
        let b = AuditRow::chained(1, 0, &AuditEntry::new("a", "bc"), GENESIS);
        assert_ne!(a.hash, b.hash);
    }
}
