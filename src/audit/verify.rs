//! Walking the chain: the first row edited, deleted or inserted out of order.
//!
//! The walk runs in one read snapshot (PostgreSQL REPEATABLE READ; a SQLite read
//! transaction), so appends committing meanwhile never look like tampering: the head
//! and the rows are read as of one moment. Rows are read in pages, so a log of any
//! length verifies in constant memory. A row whose columns cannot be read as the
//! chain wrote them (a value of another type written into a column) is a break at that
//! row like any other edit, never an error of the verifier.

use super::entry::{AuditRow, GENESIS};
use super::read::{ReadHead, ReadRow, Unreadable};
use crate::store::{Db, DbTx, Exec, StoreError};
use serde::Serialize;
use std::fmt;

const PAGE: i64 = 1000;

/// What kind of tampering a break looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The row's content no longer matches its hash (or the head's record of it).
    Edited,
    /// The row is missing.
    Deleted,
    /// The row does not belong where it is: it does not chain to the row before, sits
    /// at a seq the chain never gave out, or was added behind the head's back.
    OutOfOrder,
}

/// The first place the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The row named: the edited one, the first missing one, the misplaced one.
    pub seq: i64,
    pub kind: BreakKind,
    pub detail: String,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            BreakKind::Edited => "edited",
            BreakKind::Deleted => "deleted",
            BreakKind::OutOfOrder => "inserted out of order",
        };
        write!(f, "row {} {what}: {}", self.seq, self.detail)
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verdict {
    /// Every row chains to the one before and the last one is the head.
    /// `head` is `SEQ:HASH` of the last row: record it elsewhere and pass it back as
    /// an [`Anchor`] later.
    Intact {
        entries: u64,
        head: String,
    },
    Broken(Break),
}

/// A `(seq, hash)` recorded outside the database earlier (from a previous `verify`):
/// row `seq` must still carry `hash`, which catches a chain forged from scratch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl std::str::FromStr for Anchor {
    type Err = String;
    /// `SEQ:HASH`, as `audit verify` prints the head.
    fn from_str(s: &str) -> Result<Self, String> {
        let (seq, hash) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: expected SEQ:HASH"))?;
        let seq = seq
            .trim()
            .parse()
            .map_err(|_| format!("{seq:?} is not a sequence number"))?;
        Ok(Anchor {
            seq,
            hash: hash.trim().to_ascii_lowercase(),
        })
    }
}

/// Walk the whole chain.
pub async fn verify(db: &Db) -> Result<Verdict, StoreError> {
    verify_anchored(db, None).await
}

/// Walk the whole chain, also checking that it still passes through `anchor`.
pub async fn verify_anchored(db: &Db, anchor: Option<&Anchor>) -> Result<Verdict, StoreError> {
    let mut tx = db.begin().await?;
    snapshot(tx.exec()).await?;
    let verdict = walk(&mut tx, anchor).await;
    // read-only: nothing to keep
    tx.rollback().await?;
    verdict
}

/// One consistent view for the whole walk.
async fn snapshot(exec: Exec<'_>) -> Result<(), sqlx::Error> {
    match exec {
        Exec::Postgres(c) => {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *c)
                .await?;
        }
        // a deferred SQLite transaction takes its WAL snapshot at the first read
        Exec::Sqlite(_) => {}
    }
    Ok(())
}

async fn walk(tx: &mut DbTx, anchor: Option<&Anchor>) -> Result<Verdict, StoreError> {
    let head = read_head(tx.exec())
        .await?
        .ok_or_else(|| StoreError::Other("audit_head row is missing".into()))?;
    let mut chain = Chain {
        anchor: anchor.cloned(),
        ..Chain::default()
    };
    loop {
        let rows = read_rows(tx.exec(), chain.last_seq.unwrap_or(i64::MIN)).await?;
        let done = (rows.len() as i64) < PAGE;
        for ReadRow(r) in &rows {
            let b = match r {
                Ok(r) => chain.check(r),
                Err(u) => Some(chain.unreadable(u)),
            };
            if let Some(b) = b {
                return Ok(Verdict::Broken(b));
            }
        }
        if done {
            break;
        }
    }
    Ok(match head.0 {
        Ok((seq, hash)) => chain.finish(seq, &hash),
        Err(u) => Verdict::Broken(Break {
            seq: chain.last_seq.unwrap_or(0),
            kind: BreakKind::Edited,
            detail: u.detail("the chain head's"),
        }),
    })
}

// The verifier's reads are never prepared statements kept on the connection: the
// tampering it must name includes a column retyped after the pool prepared its SELECT,
// and PostgreSQL refuses to run such a cached plan ("cached plan must not change result
// type") instead of handing back the rows.
const HEAD_SQL: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";
const ROWS_SQL: &str = "SELECT seq, at, connection, action, source_key, target_id, \
     payload_digest, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2";

async fn read_head(exec: Exec<'_>) -> Result<Option<ReadHead>, sqlx::Error> {
    match exec {
        Exec::Sqlite(c) => {
            sqlx::query_as(HEAD_SQL)
                .persistent(false)
                .fetch_optional(&mut *c)
                .await
        }
        Exec::Postgres(c) => {
            sqlx::query_as(HEAD_SQL)
                .persistent(false)
                .fetch_optional(&mut *c)
                .await
        }
    }
}

async fn read_rows(exec: Exec<'_>, after: i64) -> Result<Vec<ReadRow>, sqlx::Error> {
    match exec {
        Exec::Sqlite(c) => {
            sqlx::query_as(ROWS_SQL)
                .bind(after)
                .bind(PAGE)
                .persistent(false)
                .fetch_all(&mut *c)
                .await
        }
        Exec::Postgres(c) => {
            sqlx::query_as(ROWS_SQL)
                .bind(after)
                .bind(PAGE)
                .persistent(false)
                .fetch_all(&mut *c)
                .await
        }
    }
}

/// The walk's state: the last row accepted.
#[derive(Default)]
struct Chain {
    last_seq: Option<i64>,
    last_hash: Option<String>,
    count: u64,
    anchor: Option<Anchor>,
}

impl Chain {
    fn expected_seq(&self) -> i64 {
        self.last_seq.map_or(1, |s| s + 1)
    }

    fn prev_hash(&self) -> &str {
        self.last_hash.as_deref().unwrap_or(GENESIS)
    }

    /// Checks `r` against the row before; the break it shows, if any.
    fn check(&mut self, r: &AuditRow) -> Option<Break> {
        let expected = self.expected_seq();
        let links = r.prev_hash == self.prev_hash();
        if r.seq != expected {
            return Some(if r.seq < expected || links {
                // links to the previous row yet has the wrong seq: renumbered or
                // placed by hand; below 1: placed before the start of the chain
                Break {
                    seq: r.seq,
                    kind: BreakKind::OutOfOrder,
                    detail: format!("the chain gives out seq {expected} next, not {}", r.seq),
                }
            } else {
                Break {
                    seq: expected,
                    kind: BreakKind::Deleted,
                    detail: missing(expected, r.seq - 1),
                }
            });
        }
        if !links {
            return Some(Break {
                seq: r.seq,
                kind: BreakKind::OutOfOrder,
                detail: match self.last_seq {
                    Some(p) => format!(
                        "its prev_hash is not the hash of row {p} (it was inserted here, or row \
                         {p} was rewritten with a fresh hash)"
                    ),
                    None => "the first row must chain to the genesis hash".to_string(),
                },
            });
        }
        if r.compute_hash() != r.hash {
            return Some(Break {
                seq: r.seq,
                kind: BreakKind::Edited,
                detail: "its fields no longer match its hash".into(),
            });
        }
        if let Some(a) = &self.anchor
            && a.seq == r.seq
            && a.hash != r.hash
        {
            return Some(Break {
                seq: r.seq,
                kind: BreakKind::Edited,
                detail: format!(
                    "its hash is not the anchor {}:{} recorded earlier (the chain was rewritten)",
                    a.seq, a.hash
                ),
            });
        }
        self.last_seq = Some(r.seq);
        self.last_hash = Some(r.hash.clone());
        self.count += 1;
        None
    }

    /// A row that cannot be read: edited, unless rows before it are missing (then
    /// those come first, as [`Chain::check`] names them).
    fn unreadable(&self, u: &Unreadable) -> Break {
        let expected = self.expected_seq();
        match u.seq {
            Some(seq) if seq > expected => Break {
                seq: expected,
                kind: BreakKind::Deleted,
                detail: missing(expected, seq - 1),
            },
            seq => Break {
                seq: seq.unwrap_or(expected),
                kind: BreakKind::Edited,
                detail: u.detail("its"),
            },
        }
    }

    /// The last row must be the head: same seq, same hash.
    fn finish(self, head_seq: i64, head_hash: &str) -> Verdict {
        let last = self.last_seq.unwrap_or(0);
        if last < head_seq {
            return Verdict::Broken(Break {
                seq: last + 1,
                kind: BreakKind::Deleted,
                detail: format!(
                    "{} (the chain head records {head_seq} entries)",
                    missing(last + 1, head_seq)
                ),
            });
        }
        if last > head_seq {
            return Verdict::Broken(Break {
                seq: head_seq + 1,
                kind: BreakKind::OutOfOrder,
                detail: format!(
                    "the chain head ends at row {head_seq}: row {} was added without it",
                    head_seq + 1
                ),
            });
        }
        if self.prev_hash() != head_hash {
            return Verdict::Broken(Break {
                seq: last,
                kind: BreakKind::Edited,
                detail: "its hash is not the one the chain head recorded (rewritten with a \
                         fresh hash)"
                    .into(),
            });
        }
        if let Some(a) = &self.anchor
            && a.seq > last
        {
            return Verdict::Broken(Break {
                seq: a.seq,
                kind: BreakKind::Deleted,
                detail: format!("the anchor names row {} but the log ends at {last}", a.seq),
            });
        }
        Verdict::Intact {
            entries: self.count,
            head: format!("{last}:{head_hash}"),
        }
    }
}

fn missing(from: i64, to: i64) -> String {
    if from == to {
        format!("row {from} is missing")
    } else {
        format!("rows {from} to {to} are missing")
    }
}
