//! Appending to the chain inside the caller's transaction.
//!
//! # Why a chain-head row (and not `pg_advisory_xact_lock`)
//! Appends must be serialized or two workers would both chain to the same previous row.
//! Both options hold a lock until the caller's transaction ends; the head row
//! (`audit_head`, one row: last seq and hash) was chosen because
//! - the same SQL serializes on both backends: `UPDATE audit_head … RETURNING` takes the
//!   row lock on PostgreSQL and the database write lock on SQLite (where, as the first
//!   statement of a write, it also avoids a stale read snapshot), so no per-backend code;
//! - it hands us the previous hash and the next seq in that same statement, instead of a
//!   lock call plus `SELECT … ORDER BY seq DESC LIMIT 1`;
//! - it is a witness: `audit verify` compares the last row with the head, so rows deleted
//!   from the end, or appended behind the API's back, are caught — a walk of the chain
//!   alone cannot see a truncated tail.
//!
//! The lock is held until the caller commits, so appenders queue behind each other for
//! the rest of that transaction: append as late as possible, just before commit. A
//! rolled-back transaction rolls back the head too, so seqs stay gapless.
//!
//! Cost per batch: two small UPDATEs on one row plus one multi-row INSERT, whatever the
//! batch size; hashing happens in memory.

use super::entry::{AuditEntry, AuditRow};
use crate::store::{DbTx, Exec, Statement, execute, fetch_optional};
use std::ops::Range;

/// Rows per INSERT statement (9 binds each, far below both backends' limits).
const ROWS_PER_INSERT: usize = 100;

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
}

/// Append one entry; returns its seq. Call inside the transaction that records the
/// write itself, so both commit or neither.
pub async fn append(tx: &mut DbTx, entry: &AuditEntry) -> Result<i64, sqlx::Error> {
    let seqs = append_many(tx, std::slice::from_ref(entry)).await?;
    Ok(seqs.start)
}

/// Append a batch in order; returns the seqs given (`first..last+1`, empty for an empty
/// batch). The chain for the whole batch is computed in memory under one lock.
pub async fn append_many(tx: &mut DbTx, entries: &[AuditEntry]) -> Result<Range<i64>, sqlx::Error> {
    if entries.is_empty() {
        return Ok(0..0);
    }
    let n = entries.len() as i64;
    // Lock the head and reserve n seqs in one statement; `hash` is still the old head.
    let head = fetch_optional!(
        tx.exec(),
        Head,
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
        n
    )?
    .ok_or_else(|| sqlx::Error::Protocol("audit_head row is missing".into()))?;
    let first = head.seq - n + 1;
    let at = crate::time::now_ms();
    let mut prev = head.hash;
    let mut rows = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let row = AuditRow::chained(first + i as i64, at, e, &prev);
        prev.clone_from(&row.hash);
        rows.push(row);
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        insert_rows(tx.exec(), chunk).await?;
    }
    execute!(
        tx.exec(),
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        &prev
    )?;
    Ok(first..head.seq + 1)
}

/// `INSERT … VALUES (…), (…)` for `rows`.
async fn insert_rows(exec: Exec<'_>, rows: &[AuditRow]) -> Result<(), sqlx::Error> {
    let mut s = Statement::new(
        "INSERT INTO audit_log (seq, at, connection, action, source_key, target_id, \
         payload_digest, prev_hash, hash) ",
    );
    s.values(rows, |row, r| {
        row.bind(r.seq)
            .bind(r.at)
            .bind(&r.connection)
            .bind(&r.action)
            .bind(&r.source_key)
            .bind(&r.target_id)
            .bind(&r.payload_digest)
            .bind(&r.prev_hash)
            .bind(&r.hash);
    });
    s.execute(exec).await?;
    Ok(())
}
