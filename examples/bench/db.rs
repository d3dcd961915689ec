//! The database of one run: a SQLite file, or a fresh PostgreSQL database dropped
//! afterwards.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// A fresh database for one run; dropped (PostgreSQL) when this is dropped.
pub struct FreshDb {
    pub url: String,
    pub pg_admin: Option<(String, String)>,
    pub rt: tokio::runtime::Handle,
}

impl FreshDb {
    pub fn new(rt: &tokio::runtime::Runtime, backend: &Backend, dir: &Path) -> FreshDb {
        match backend {
            Backend::Sqlite => FreshDb {
                url: format!("sqlite://{}", dir.join("bench.db").display()),
                pg_admin: None,
                rt: rt.handle().clone(),
            },
            Backend::Postgres(server) => {
                let name = format!("lb_bench_{:012x}", rand::random::<u64>() >> 16);
                rt.block_on(async {
                    let admin = sqlx::PgPool::connect(server).await.expect("PostgreSQL");
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&admin)
                        .await
                        .expect("create bench database");
                    admin.close().await;
                });
                let mut u = url::Url::parse(server).expect("postgres URL");
                u.set_path(&format!("/{name}"));
                FreshDb {
                    url: u.to_string(),
                    pg_admin: Some((server.clone(), name)),
                    rt: rt.handle().clone(),
                }
            }
        }
    }

    /// `(object, count)` rows of a counting query (SQLite and PostgreSQL spelling).
    pub fn counts(&self, sqlite: &'static str, pg: &'static str) -> BTreeMap<String, i64> {
        self.rt.block_on(async {
            let rows: Vec<(String, Option<i64>)> = if self.pg_admin.is_some() {
                let p = sqlx::PgPool::connect(&self.url).await.expect("database");
                let r = sqlx::query_as(pg).fetch_all(&p).await.expect("query");
                p.close().await;
                r
            } else {
                let opts: sqlx::sqlite::SqliteConnectOptions =
                    self.url.parse().expect("sqlite url");
                let p = sqlx::SqlitePool::connect_with(opts.read_only(true))
                    .await
                    .expect("database");
                let r = sqlx::query_as(sqlite).fetch_all(&p).await.expect("query");
                p.close().await;
                r
            };
            rows.into_iter().map(|(k, v)| (k, v.unwrap_or(0))).collect()
        })
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_admin.take() {
            self.rt.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&server).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
            });
        }
    }
}

pub fn postgres_answers(rt: &tokio::runtime::Runtime, url: &str) -> bool {
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), sqlx::PgPool::connect(url))
            .await
            .is_ok_and(|r| r.is_ok())
    })
}
