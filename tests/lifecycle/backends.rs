//! A fresh database per test on each backend, and raw SQL for tampering.

#![allow(dead_code)]

use super::common;
use ledgerbridge::store::Db;

pub struct TestDb {
    pub label: &'static str,
    pub db: Db,
    pub url: String,
    pub dir: tempfile::TempDir,
    /// (server, database url) to drop afterwards
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let (dir, url) = common::fresh_sqlite();
        let db = Db::open(&url, dir.path()).await.expect("open sqlite");
        TestDb {
            label: "sqlite",
            db,
            url,
            dir,
            pg: None,
        }
    }

    /// None (with a notice) when LEDGERBRIDGE_TEST_DATABASE_URL is unset.
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let server = common::pg_server(test)?;
        let url = common::fresh_pg(&server).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&url, dir.path()).await.expect("open postgres");
        Some(TestDb {
            label: "postgres",
            db,
            url: url.clone(),
            dir,
            pg: Some((server, url)),
        })
    }

    /// SQLite always, PostgreSQL when configured.
    pub async fn all(test: &str) -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        v.extend(TestDb::postgres(test).await);
        v
    }

    pub async fn close(self) {
        self.db.close().await;
        if let Some((server, url)) = &self.pg {
            common::drop_pg(server, url).await;
        }
    }

    /// Run one statement without binds (tampering, inspection).
    pub async fn raw(&self, sql: &str) -> u64 {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        match &self.db {
            Db::Sqlite(p) => sqlx::query(q).execute(p).await.map(|r| r.rows_affected()),
            Db::Postgres(p) => sqlx::query(q).execute(p).await.map(|r| r.rows_affected()),
        }
        .unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.label))
    }

    /// One text column of the first row of `sql`.
    pub async fn text(&self, sql: &str) -> Option<String> {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(q).fetch_optional(p).await,
            Db::Postgres(p) => sqlx::query_scalar(q).fetch_optional(p).await,
        }
        .unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.label))
    }
}
