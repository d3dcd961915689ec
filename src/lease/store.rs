//! The `leases` table: take, renew and release a named lease with one statement each.
//!
//! Expiry is judged by the **database's** clock, never a worker's: workers on several
//! machines compare against one clock, so a skewed machine cannot take a lease early.
//! (The holder itself trusts its lease only for TTL measured on its own monotonic
//! clock from *before* it sent the statement, which is never longer than the row says.)
//! The only per-backend text is "now in epoch milliseconds".

use crate::store::{Db, Exec, StoreError};
use std::time::Duration;

/// What a take/renew attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    /// We hold it now, for the TTL asked.
    Held,
    /// Someone else holds it for `left` more (by the database's clock).
    Busy { holder: String, left: Duration },
}

macro_rules! take_sql {
    ($now:literal) => {
        concat!(
            // Take a free or expired lease, or renew our own, atomically: the
            // conditional DO UPDATE runs under the row lock (PostgreSQL) or the write
            // lock (SQLite), so two contenders can never both see "expired" and win.
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, ",
            $now,
            " + $3) ON CONFLICT (name) DO UPDATE \
             SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= ",
            $now,
            " RETURNING holder"
        )
    };
}

macro_rules! who_sql {
    ($now:literal) => {
        concat!(
            "SELECT holder, expires_at - ",
            $now,
            " AS left_ms FROM leases WHERE name = $1"
        )
    };
}

// PostgreSQL: clock_timestamp(), not now() (the start of the transaction).
const TAKE_PG: &str = take_sql!("(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT");
const TAKE_SQLITE: &str = take_sql!("CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");
const WHO_PG: &str = who_sql!("(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT");
const WHO_SQLITE: &str = who_sql!("CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");

#[derive(sqlx::FromRow)]
struct Who {
    holder: String,
    left_ms: i64,
}

/// Take (or renew) lease `name` for `holder` for `ttl`.
pub async fn take(db: &Db, name: &str, holder: &str, ttl: Duration) -> Result<Take, StoreError> {
    let ttl_ms = ttl.as_millis().min(i64::MAX as u128) as i64;
    let mut conn = db.conn().await?;
    let (won, who) = match conn.exec() {
        Exec::Postgres(c) => {
            let won: Option<String> = sqlx::query_scalar(TAKE_PG)
                .bind(name)
                .bind(holder)
                .bind(ttl_ms)
                .fetch_optional(&mut *c)
                .await?;
            let who = match won {
                Some(_) => None,
                None => {
                    sqlx::query_as::<_, Who>(WHO_PG)
                        .bind(name)
                        .fetch_optional(&mut *c)
                        .await?
                }
            };
            (won.is_some(), who)
        }
        Exec::Sqlite(c) => {
            let won: Option<String> = sqlx::query_scalar(TAKE_SQLITE)
                .bind(name)
                .bind(holder)
                .bind(ttl_ms)
                .fetch_optional(&mut *c)
                .await?;
            let who = match won {
                Some(_) => None,
                None => {
                    sqlx::query_as::<_, Who>(WHO_SQLITE)
                        .bind(name)
                        .fetch_optional(&mut *c)
                        .await?
                }
            };
            (won.is_some(), who)
        }
    };
    if won {
        return Ok(Take::Held);
    }
    Ok(match who {
        Some(w) => Take::Busy {
            holder: w.holder,
            left: Duration::from_millis(w.left_ms.max(0) as u64),
        },
        // released between the two statements: free now, the next try takes it
        None => Take::Busy {
            holder: "(nobody: just released)".into(),
            left: Duration::ZERO,
        },
    })
}

/// Give lease `name` up, if `holder` still holds it.
pub async fn release(db: &Db, name: &str, holder: &str) -> Result<bool, StoreError> {
    let mut conn = db.conn().await?;
    let n = crate::store::execute!(
        conn.exec(),
        "DELETE FROM leases WHERE name = $1 AND holder = $2",
        name,
        holder
    )?;
    Ok(n == 1)
}
