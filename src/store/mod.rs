//! The store: one database (SQLite file or PostgreSQL) holding our tables *and* the apalis
//! queue, so a table write and an enqueue can share a transaction.
//!
//! The same code paths serve both backends: SQL is written once with `$1` placeholders
//! (sqlx's SQLite binds `$N` to argument N) and portable types (BIGINT epoch-ms times,
//! TEXT ids and JSON, BOOLEAN), and executed through the small [`Exec`] enum. The only
//! per-backend parts are connecting, the migration folders and apalis's own setup.

pub mod dead_letters;
pub mod jobs;
#[cfg(test)]
mod migration_twins;
mod nodelay;
mod sql;
mod statement;

use crate::config::validate::{check_database_url, redact_url};
use sqlx::postgres::{PgConnection, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{PgPool, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub(crate) use sql::{execute, fetch_all, fetch_optional};
pub use statement::{Arg, IN_LIST_CHUNK, Statement, ValuesRow};

/// Our migrations' bookkeeping table. apalis-sqlite keeps its history in sqlx's default
/// `_sqlx_migrations` in the same file; sharing it would make each migrator see the
/// other's versions as unknown.
pub const MIGRATIONS_TABLE: &str = "lb_migrations";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    BadUrl(String),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("queue setup (apalis): {0}")]
    Queue(String),
    #[error("{0}")]
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to either backend. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A borrowed connection (pooled or inside a transaction) to run one statement on.
pub enum Exec<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// A pooled connection.
pub enum DbConn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// An open transaction on a pooled connection of its own ([`Db::begin`]).
pub type DbTx = DbTxOn<'static>;

/// An open transaction: [`DbTx`], or one on a connection the caller holds
/// ([`DbConn::begin`]).
pub enum DbTxOn<'c> {
    Sqlite(sqlx::Transaction<'c, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'c, sqlx::Postgres>),
}

/// IMMEDIATE: take SQLite's write lock at BEGIN. Our transactions write; one that read
/// first and then tried to write after another connection committed would fail at once
/// with SQLITE_BUSY (a stale snapshot cannot be upgraded, and busy_timeout does not
/// apply), where IMMEDIATE simply waits its turn.
const SQLITE_BEGIN: &str = "BEGIN IMMEDIATE";

impl Exec<'_> {
    /// A shorter borrow of the same connection, to run several statements in turn.
    pub fn reborrow(&mut self) -> Exec<'_> {
        match self {
            Exec::Sqlite(c) => Exec::Sqlite(c),
            Exec::Postgres(c) => Exec::Postgres(c),
        }
    }
}

impl DbConn {
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            DbConn::Sqlite(c) => Exec::Sqlite(&mut *c),
            DbConn::Postgres(c) => Exec::Postgres(&mut *c),
        }
    }

    /// Begin a transaction on this connection (as [`Db::begin`] does on a pooled one).
    pub async fn begin(&mut self) -> Result<DbTxOn<'_>, StoreError> {
        use sqlx::Connection;
        Ok(match self {
            DbConn::Sqlite(c) => DbTxOn::Sqlite(c.begin_with(SQLITE_BEGIN).await?),
            DbConn::Postgres(c) => DbTxOn::Postgres(c.begin().await?),
        })
    }
}

impl DbTxOn<'_> {
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            DbTxOn::Sqlite(t) => Exec::Sqlite(&mut *t),
            DbTxOn::Postgres(t) => Exec::Postgres(&mut *t),
        }
    }
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            DbTxOn::Sqlite(t) => t.commit().await?,
            DbTxOn::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            DbTxOn::Sqlite(t) => t.rollback().await?,
            DbTxOn::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// How to reach the database, resolved from `[database] url`.
#[derive(Debug, Clone)]
pub enum DbTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbTarget {
    /// Parse `url`; a relative SQLite path is resolved against `base_dir` (the config
    /// file's folder), so the database does not move with the working directory.
    pub fn parse(url: &str, base_dir: &Path) -> Result<Self, StoreError> {
        check_database_url(url).map_err(StoreError::BadUrl)?;
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let file = rest.trim_start_matches("//");
            let file = file.split('?').next().unwrap_or(file);
            let p = Path::new(file);
            let p = if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            };
            Ok(DbTarget::Sqlite(p))
        } else {
            Ok(DbTarget::Postgres(url.to_string()))
        }
    }
}

impl Db {
    /// Open the database named by `url`, creating the SQLite file if needed, and run
    /// apalis's and our migrations.
    pub async fn open(url: &str, base_dir: &Path) -> Result<Db, StoreError> {
        let db = match DbTarget::parse(url, base_dir)? {
            DbTarget::Sqlite(path) => Db::open_sqlite(&path).await?,
            DbTarget::Postgres(url) => Db::open_postgres(&url).await?,
        };
        db.migrate().await?;
        Ok(db)
    }

    fn sqlite_options(path: &Path) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // apalis's fetch and heartbeat kill the worker on SQLITE_BUSY: wait instead.
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
    }

    async fn open_sqlite(path: &Path) -> Result<Db, StoreError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", dir.display())))?;
        }
        let opts = Self::sqlite_options(path);
        // apalis's setup() sets `synchronous = OFF` on whichever connection runs it, so it
        // gets a throwaway one-connection pool.
        let setup_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        apalis_sqlite::SqliteStorage::setup(&setup_pool)
            .await
            .map_err(|e| StoreError::Queue(e.to_string()))?;
        setup_pool.close().await;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    async fn open_postgres(url: &str) -> Result<Db, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            // without it, statements over 16 KiB wait 40 ms on TLS (see `nodelay`)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    if !nodelay::set(conn).await {
                        tracing::debug!("TCP_NODELAY not set on a PostgreSQL connection");
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(|e| {
                StoreError::Other(format!("cannot connect to {}: {e}", redact_url(url)))
            })?;
        apalis_postgres::PostgresStorage::setup(&pool)
            .await
            .map_err(|e| StoreError::Queue(e.to_string()))?;
        Ok(Db::Postgres(pool))
    }

    /// Run our migrations (idempotent). apalis's ran when the pool was opened.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(p) => {
                let mut m = sqlx::migrate!("./migrations/sqlite");
                m.dangerous_set_table_name(MIGRATIONS_TABLE);
                m.run(p).await?;
            }
            Db::Postgres(p) => {
                let mut m = sqlx::migrate!("./migrations/postgres");
                m.dangerous_set_table_name(MIGRATIONS_TABLE);
                m.run(p).await?;
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Refreshes PostgreSQL's planner statistics of `tables` after a bulk change (no-op on
    /// SQLite, whose plans here do not depend on them). A table filled in one go has no
    /// statistics until autovacuum gets to it (never, where it is off), and PostgreSQL's
    /// generic plan for the mirror's `record_key IN (…)` lookups then walks every record
    /// of the object through `records_mirrored` (measured: 0.6 s per 50-key load at
    /// 100,000 deals, against 0.1 ms by primary key once analysed).
    pub async fn analyze(&self, tables: &[&'static str]) -> Result<(), StoreError> {
        if let Db::Postgres(p) = self
            && !tables.is_empty()
        {
            // our own table names, never input
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "ANALYZE {}",
                tables.join(", ")
            )))
            .execute(p)
            .await?;
        }
        Ok(())
    }

    pub async fn conn(&self) -> Result<DbConn, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => DbConn::Sqlite(p.acquire().await?),
            Db::Postgres(p) => DbConn::Postgres(p.acquire().await?),
        })
    }

    pub async fn begin(&self) -> Result<DbTx, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => DbTx::Sqlite(p.begin_with(SQLITE_BEGIN).await?),
            Db::Postgres(p) => DbTx::Postgres(p.begin().await?),
        })
    }

    /// Is the database reachable? (readiness, restart waits)
    pub async fn ping(&self) -> bool {
        match self {
            Db::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
            Db::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }

    /// Names of our tables that exist (tests and `readyz`).
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                )
                .fetch_all(p)
                .await?
            }
            Db::Postgres(p) => {
                sqlx::query_scalar(
                    "SELECT table_schema || '.' || table_name FROM information_schema.tables \
                     WHERE table_schema IN ('public', 'apalis') ORDER BY 1",
                )
                .fetch_all(p)
                .await?
            }
        })
    }
}

/// Open the database configured in `config`.
pub async fn open(config: &crate::config::Config) -> Result<Db, StoreError> {
    Db::open(&config.database.url, &config.base_dir).await
}

/// `sqlite://…` for a file path (tests, demo).
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            other => Err(format!("unknown backend {other}")),
        }
    }
}
