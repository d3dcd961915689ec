//! Run one SQL text on either backend.
//!
//! Each macro expands the statement once per backend arm, so binds and row decoding are
//! checked for both at compile time while the SQL text is written once. Row structs
//! derive `sqlx::FromRow`, which is generic over the database.

/// `execute!(exec, "UPDATE … $1 …", a, b)` → `Result<u64 /* rows affected */, sqlx::Error>`
macro_rules! execute {
    ($exec:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $exec {
            $crate::store::Exec::Sqlite(c) => sqlx::query($sql)$(.bind($arg))*
                .execute(&mut *c).await.map(|r| r.rows_affected()),
            $crate::store::Exec::Postgres(c) => sqlx::query($sql)$(.bind($arg))*
                .execute(&mut *c).await.map(|r| r.rows_affected()),
        }
    };
}

/// `fetch_all!(exec, Row, "SELECT …", args…)` → `Result<Vec<Row>, sqlx::Error>`
macro_rules! fetch_all {
    ($exec:expr, $row:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $exec {
            $crate::store::Exec::Sqlite(c) => sqlx::query_as::<_, $row>($sql)$(.bind($arg))*
                .fetch_all(&mut *c).await,
            $crate::store::Exec::Postgres(c) => sqlx::query_as::<_, $row>($sql)$(.bind($arg))*
                .fetch_all(&mut *c).await,
        }
    };
}

/// `fetch_optional!(exec, Row, "SELECT …", args…)` → `Result<Option<Row>, sqlx::Error>`
macro_rules! fetch_optional {
    ($exec:expr, $row:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $exec {
            $crate::store::Exec::Sqlite(c) => sqlx::query_as::<_, $row>($sql)$(.bind($arg))*
                .fetch_optional(&mut *c).await,
            $crate::store::Exec::Postgres(c) => sqlx::query_as::<_, $row>($sql)$(.bind($arg))*
                .fetch_optional(&mut *c).await,
        }
    };
}

pub(crate) use {execute, fetch_all, fetch_optional};
