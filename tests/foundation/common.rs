//! Shared helpers: fresh databases, test configs, workers in the background, waiting.

#![allow(dead_code)]

use ledgerbridge::config::{self, Config};
use ledgerbridge::queue::{self, Handlers, WorkerOptions};
use ledgerbridge::store::Db;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const PG_ENV: &str = "LEDGERBRIDGE_TEST_DATABASE_URL";

/// The PostgreSQL server URL for tests, or `None` (with a printed notice) to skip.
pub fn pg_server(test: &str) -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            println!("skipping {test}: {PG_ENV} is not set (PostgreSQL tests need it)");
            None
        }
    }
}

/// Replace the database name in a postgres URL.
pub fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("postgres URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// CREATE DATABASE lb_test_<random> on the server; returns its URL.
pub async fn fresh_pg(server: &str) -> String {
    let name = format!("lb_test_{:016x}", rand::random::<u64>());
    let admin = sqlx::PgPool::connect(server)
        .await
        .expect("connect to test PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    with_db(server, &name)
}

/// Best-effort DROP DATABASE of a database made by [`fresh_pg`].
pub async fn drop_pg(server: &str, url: &str) {
    let Some(name) = url::Url::parse(url)
        .ok()
        .map(|u| u.path().trim_start_matches('/').to_string())
    else {
        return;
    };
    if let Ok(admin) = sqlx::PgPool::connect(server).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await;
        admin.close().await;
    }
}

/// A temp folder with a fresh SQLite URL in it.
pub fn fresh_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("lb.db").display());
    (dir, url)
}

/// Config with short test timings (heartbeat 1 s, fast polls and backoff, 3 attempts).
pub fn test_config(db_url: &str, dir: &Path) -> Config {
    let mut c = Config::default();
    c.database.url = db_url.to_string();
    c.base_dir = dir.to_path_buf();
    c.worker.heartbeat_secs = 1;
    c.worker.poll_interval_ms = 100;
    c.worker.backoff_base_ms = 100;
    c.worker.backoff_max_secs = 1;
    c.worker.max_attempts = 3;
    c.worker.concurrency = 4;
    c.worker.shutdown_timeout_secs = 5;
    c
}

/// The same settings as a file, for the binary.
pub fn write_config(dir: &Path, db_url: &str, heartbeat_secs: u64) -> PathBuf {
    let path = dir.join("ledgerbridge.toml");
    std::fs::write(
        &path,
        format!(
            "[database]\nurl = \"{db_url}\"\n\n[worker]\nconcurrency = 2\nheartbeat_secs = {heartbeat_secs}\n\
             poll_interval_ms = 100\nmax_attempts = 3\nbackoff_base_ms = 100\nbackoff_max_secs = 1\n\
             shutdown_timeout_secs = 5\n"
        ),
    )
    .unwrap();
    path
}

pub async fn open(c: &Config) -> Db {
    Db::open(&c.database.url, &c.base_dir)
        .await
        .expect("open store")
}

/// A worker running in this process until the returned guard is stopped or dropped.
pub struct BgWorker {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<Result<(), ledgerbridge::Error>>>,
}

impl BgWorker {
    pub fn start(db: &Db, c: &Config) -> Self {
        if std::env::var_os("LB_TEST_LOG").is_some() {
            ledgerbridge::logging::init(config::LogFormat::Text);
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(queue::run_worker(
            db.clone(),
            Arc::new(c.clone()),
            Handlers::builtin(),
            WorkerOptions::from_config(&c.worker),
            async move {
                let _ = rx.await;
            },
        ));
        BgWorker {
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.handle.take() {
            let r = tokio::time::timeout(Duration::from_secs(20), h).await;
            assert!(r.is_ok(), "worker did not stop within 20 s");
        }
    }
}

impl Drop for BgWorker {
    fn drop(&mut self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
    }
}

/// Poll `f` until it returns `Some`, or panic after `timeout` with `what`.
pub async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until job `id` is in `state`; returns its detail.
pub async fn wait_state(
    db: &Db,
    id: &str,
    state: &str,
    timeout: Duration,
) -> queue::admin::JobDetail {
    wait_for(timeout, &format!("job {id} to be {state}"), || async {
        let d = queue::admin::show(db, id).await.expect("show job")?;
        (d.summary.state == state).then_some(d)
    })
    .await
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ledgerbridge")
}

/// Keep `config` referenced so helpers compile when a module uses only some of them.
pub fn _unused(_: &config::Config) {}
