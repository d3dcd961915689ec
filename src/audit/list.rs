//! Reading entries back, oldest first, in pages (the log grows without bound).

use super::entry::AuditRow;
use crate::store::{Exec, fetch_all};

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this source key.
    pub source_key: Option<String>,
    /// Only entries at or after this time (epoch ms).
    pub since_ms: Option<i64>,
}

/// Up to `limit` entries after seq `after` (0 for the start) that match `f`.
pub async fn page(
    exec: Exec<'_>,
    f: &ListFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    fetch_all!(
        exec,
        AuditRow,
        "SELECT seq, at, connection, action, source_key, target_id, payload_digest, \
         prev_hash, hash FROM audit_log \
         WHERE seq > $1 AND ($2 IS NULL OR source_key = $2) AND ($3 IS NULL OR at >= $3) \
         ORDER BY seq LIMIT $4",
        after,
        f.source_key.as_deref(),
        f.since_ms,
        limit
    )
}
