//! Per-channel delivery state (`alert_channels`): when each channel last delivered,
//! since when it fails and why — what the dashboard overview shows.
//!
//! A channel that keeps failing must not flood the log (every alert retried is a failed
//! attempt, and the queue retries many): the first failure of an interval is logged as
//! a warning, the rest at debug. The interval is `min_interval`, and it is judged in the
//! database, so a fleet of workers logs one line per interval between them.

use super::Channel;
use crate::store::{Db, StoreError, execute, fetch_all, fetch_optional};
use crate::time::now_ms;
use serde::Serialize;

/// One channel's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChannelHealth {
    pub channel: String,
    /// Last successful delivery (epoch ms).
    pub ok_at: Option<i64>,
    /// First failure since the last success (epoch ms); `None` = healthy.
    pub failing_since: Option<i64>,
    pub last_error: Option<String>,
}

/// A delivery went through.
pub async fn delivered(db: &Db, channel: Channel) -> Result<(), StoreError> {
    let now = now_ms();
    let mut c = db.conn().await?;
    let was_failing = fetch_optional!(
        c.exec(),
        ChannelHealth,
        "SELECT channel, ok_at, failing_since, last_error FROM alert_channels WHERE channel = $1",
        channel.as_str()
    )?
    .and_then(|h| h.failing_since);
    execute!(
        c.exec(),
        "INSERT INTO alert_channels (channel, ok_at, failing_since, last_error, logged_at) \
         VALUES ($1, $2, NULL, NULL, NULL) ON CONFLICT (channel) DO UPDATE \
         SET ok_at = excluded.ok_at, failing_since = NULL, last_error = NULL, logged_at = NULL",
        channel.as_str(),
        now
    )?;
    if let Some(since) = was_failing {
        tracing::info!(
            channel = channel.as_str(),
            failing_for_ms = now - since,
            "alert channel delivers again"
        );
    }
    Ok(())
}

/// A delivery failed with `error` (already free of secrets). Logs a warning when none
/// was logged for this channel within `interval_ms`.
pub async fn failed(
    db: &Db,
    channel: Channel,
    error: &str,
    interval_ms: i64,
) -> Result<(), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        failing_since: i64,
    }
    let now = now_ms();
    let mut c = db.conn().await?;
    execute!(
        c.exec(),
        "INSERT INTO alert_channels (channel, ok_at, failing_since, last_error, logged_at) \
         VALUES ($1, NULL, $2, $3, NULL) ON CONFLICT (channel) DO UPDATE \
         SET failing_since = COALESCE(alert_channels.failing_since, excluded.failing_since), \
         last_error = excluded.last_error",
        channel.as_str(),
        now,
        error
    )?;
    // claim this interval's log line
    let log = fetch_optional!(
        c.exec(),
        Row,
        "UPDATE alert_channels SET logged_at = $2 \
         WHERE channel = $1 AND (logged_at IS NULL OR logged_at <= $3) RETURNING failing_since",
        channel.as_str(),
        now,
        now - interval_ms
    )?;
    match log {
        Some(r) => tracing::warn!(
            channel = channel.as_str(),
            failing_for_ms = now - r.failing_since,
            error,
            "alert channel failing; retried with backoff (further failures within the \
             interval are logged at debug)"
        ),
        None => tracing::debug!(channel = channel.as_str(), error, "alert channel failing"),
    }
    Ok(())
}

/// Every channel's state, for the dashboard and `alerts test`.
pub async fn all(db: &Db) -> Result<Vec<ChannelHealth>, StoreError> {
    let mut c = db.conn().await?;
    Ok(fetch_all!(
        c.exec(),
        ChannelHealth,
        "SELECT channel, ok_at, failing_since, last_error FROM alert_channels ORDER BY channel"
    )?)
}
