//! Reading audit rows without trusting their column types.
//!
//! SQLite keeps whatever value an UPDATE writes, so text can sit in an INTEGER column
//! (and PostgreSQL lets a column be retyped). Such a row is tampering like any other
//! edit: the verifier must name it, not fail to decode it. These readers never fail;
//! they hand back the first column that could not be read instead.

use super::entry::AuditRow;
use sqlx::{ColumnIndex, Decode, Row, Type};

/// A column that does not hold the type the chain wrote there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unreadable {
    /// The row's seq, when that column at least could be read.
    pub seq: Option<i64>,
    pub column: &'static str,
    /// The decoder's reason, e.g. "mismatched types; … not compatible with SQL type TEXT".
    pub reason: String,
}

impl Unreadable {
    /// The break's detail: which column, and why it cannot be read.
    pub fn detail(&self, whose: &str) -> String {
        format!(
            "{whose} `{}` column holds a value of another type than the chain wrote ({})",
            self.column, self.reason
        )
    }
}

fn get<'r, R, T>(row: &'r R, column: &'static str) -> Result<T, Unreadable>
where
    R: Row,
    &'r str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get::<T, &'r str>(column).map_err(|e| Unreadable {
        seq: None,
        column,
        reason: match e {
            sqlx::Error::ColumnDecode { source, .. } => source.to_string(),
            other => other.to_string(),
        },
    })
}

/// One `audit_log` row as read.
pub(super) struct ReadRow(pub Result<AuditRow, Unreadable>);

impl<'r, R> sqlx::FromRow<'r, R> for ReadRow
where
    R: Row,
    &'r str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let seq = get::<R, i64>(row, "seq");
        let fields = || -> Result<AuditRow, Unreadable> {
            Ok(AuditRow {
                seq: seq.clone()?,
                at: get(row, "at")?,
                connection: get(row, "connection")?,
                action: get(row, "action")?,
                source_key: get(row, "source_key")?,
                target_id: get(row, "target_id")?,
                payload_digest: get(row, "payload_digest")?,
                prev_hash: get(row, "prev_hash")?,
                hash: get(row, "hash")?,
            })
        };
        Ok(ReadRow(fields().map_err(|u| Unreadable {
            seq: seq.as_ref().ok().copied(),
            ..u
        })))
    }
}

/// The `audit_head` row as read: the last seq and hash the chain gave out.
pub(super) struct ReadHead(pub Result<(i64, String), Unreadable>);

impl<'r, R> sqlx::FromRow<'r, R> for ReadHead
where
    R: Row,
    &'r str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let head = get::<R, i64>(row, "seq").and_then(|s| get(row, "hash").map(|h| (s, h)));
        Ok(ReadHead(head))
    }
}
