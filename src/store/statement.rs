//! One SQL statement built at run time (`IN (…)` lists, multi-row `VALUES`) for either
//! backend.
//!
//! The text is written once with `$N` placeholders (sqlx's SQLite binds `$N` to
//! argument N too) and the arguments are kept as [`Arg`]s until the statement runs, so
//! callers never write a per-backend branch. Long lists are cut by the caller into
//! chunks of [`IN_LIST_CHUNK`] (or fewer rows for wide inserts): SQLite allows 32,766
//! bound parameters and PostgreSQL 65,535 in one statement, and shorter statements keep
//! the plans cheap.

use super::Exec;
use sqlx::{FromRow, postgres::PgRow, sqlite::SqliteRow};
use std::borrow::Cow;
use std::fmt::Write;

/// Keys per `IN (…)` list.
pub const IN_LIST_CHUNK: usize = 500;

/// One bound argument.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    Text(Option<Cow<'a, str>>),
    Int(i64),
    Bool(bool),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(Cow::Borrowed(v)))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(Cow::Borrowed(v)))
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(Some(Cow::Owned(v)))
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v.map(Cow::Borrowed))
    }
}
impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref().map(Cow::Borrowed))
    }
}
impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v.map(Cow::Owned))
    }
}
impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// Binds every [`Arg`] of `args` onto the query `q`, in order.
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
            };
        }
        q
    }};
}

/// SQL text with its arguments, run on either backend.
#[derive(Debug, Clone)]
pub struct Statement<'a> {
    sql: String,
    args: Vec<Arg<'a>>,
}

/// The placeholders of one row of a multi-row `VALUES`.
pub struct ValuesRow<'s, 'a> {
    statement: &'s mut Statement<'a>,
    first: bool,
}

impl<'a> ValuesRow<'_, 'a> {
    /// The row's next value.
    pub fn bind(&mut self, v: impl Into<Arg<'a>>) -> &mut Self {
        if !self.first {
            self.statement.sql.push_str(", ");
        }
        self.first = false;
        self.statement.bind(v);
        self
    }

    /// The row's next value written into the SQL text (a constant such as `'sent'`).
    pub fn constant(&mut self, sql: &str) -> &mut Self {
        if !self.first {
            self.statement.sql.push_str(", ");
        }
        self.first = false;
        self.statement.sql.push_str(sql);
        self
    }
}

impl<'a> Statement<'a> {
    pub fn new(sql: &str) -> Self {
        Statement {
            sql: sql.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `v`.
    pub fn bind(&mut self, v: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(v.into());
        let _ = write!(self.sql, "${}", self.args.len());
        self
    }

    /// Appends `(…)`: one placeholder per item, comma-separated (an `IN` list).
    pub fn bind_list<T: Into<Arg<'a>>>(&mut self, items: impl IntoIterator<Item = T>) -> &mut Self {
        self.sql.push('(');
        for (i, v) in items.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(v);
        }
        self.sql.push(')');
        self
    }

    /// Appends `VALUES (…), (…)`: one row per item, its values bound by `row`.
    pub fn values<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut row: impl FnMut(&mut ValuesRow<'_, 'a>, T),
    ) -> &mut Self {
        self.sql.push_str("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.sql.push('(');
            row(
                &mut ValuesRow {
                    statement: self,
                    first: true,
                },
                item,
            );
            self.sql.push(')');
        }
        self
    }

    /// The SQL text (for tests and error messages).
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Runs the statement; returns the rows it affected.
    pub async fn execute(self, exec: Exec<'_>) -> Result<u64, sqlx::Error> {
        let Statement { sql, args } = self;
        match exec {
            Exec::Sqlite(c) => {
                let q = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), args);
                q.execute(&mut *c).await.map(|r| r.rows_affected())
            }
            Exec::Postgres(c) => {
                let q = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), args);
                q.execute(&mut *c).await.map(|r| r.rows_affected())
            }
        }
    }

    /// Runs the statement; returns its rows.
    pub async fn fetch_all<R>(self, exec: Exec<'_>) -> Result<Vec<R>, sqlx::Error>
    where
        R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let Statement { sql, args } = self;
        match exec {
            Exec::Sqlite(c) => {
                let q = bind_all!(sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(sql)), args);
                q.fetch_all(&mut *c).await
            }
            Exec::Postgres(c) => {
                let q = bind_all!(sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(sql)), args);
                q.fetch_all(&mut *c).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_across_lists_and_rows() {
        let mut s = Statement::new("SELECT a FROM t WHERE p = ");
        s.bind("x").push(" AND k IN ").bind_list(["a", "b"]);
        assert_eq!(s.sql(), "SELECT a FROM t WHERE p = $1 AND k IN ($2, $3)");

        let mut s = Statement::new("INSERT INTO t (a, b) ");
        s.values([(1, "one"), (2, "two")], |row, (n, name)| {
            row.bind(i64::from(n)).bind(name);
        })
        .push(" ON CONFLICT DO NOTHING");
        assert_eq!(
            s.sql(),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(s.args.len(), 4);
    }
}
