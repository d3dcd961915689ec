//! Migrations on a fresh SQLite file and a fresh PostgreSQL database, next to apalis's.

use crate::common::*;
use ledgerbridge::store::{Db, MIGRATIONS_TABLE};

const OURS: [&str; 14] = [
    "connections",
    "token_vault",
    "cursors",
    "records",
    "links",
    "idempotency_keys",
    "webhook_inbox",
    "job_log",
    "job_attempts",
    "dead_letters",
    "audit_log",
    "reconcile_runs",
    "leases",
    MIGRATIONS_TABLE,
];

async fn check_tables(db: &Db, prefix: &str, apalis: &[&str]) {
    let tables = db.table_names().await.unwrap();
    for t in OURS {
        let name = format!("{prefix}{t}");
        assert!(tables.contains(&name), "missing table {name} in {tables:?}");
    }
    for t in apalis {
        assert!(
            tables.contains(&t.to_string()),
            "missing apalis table {t} in {tables:?}"
        );
    }
    // apalis owns `Jobs`/`Workers` (SQLite names are case-insensitive): the only table
    // called jobs or workers, in any case, is apalis's.
    for name in ["jobs", "workers"] {
        let same: Vec<&String> = tables
            .iter()
            .filter(|t| t.to_lowercase().rsplit('.').next() == Some(name))
            .collect();
        assert_eq!(same.len(), 1, "{name}: {same:?}");
        assert!(
            apalis.iter().any(|a| a == same[0]),
            "{name} is not apalis's: {same:?}"
        );
    }
    // Running the migrations again is a no-op.
    db.migrate().await.unwrap();
}

#[tokio::test]
async fn migrations_on_fresh_sqlite() {
    let (dir, url) = fresh_sqlite();
    let db = Db::open(&url, dir.path()).await.unwrap();
    check_tables(&db, "", &["Jobs", "Workers", "_sqlx_migrations"]).await;
    // WAL and synchronous=NORMAL on the pool's connections (not apalis's OFF).
    if let Db::Sqlite(p) = &db {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        for _ in 0..4 {
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(p)
                .await
                .unwrap();
            assert_eq!(sync, 1, "synchronous must be NORMAL (1)");
        }
    }
    db.close().await;
    // Reopening an existing file works (migrations already applied).
    let db = Db::open(&url, dir.path()).await.unwrap();
    check_tables(&db, "", &["Jobs", "Workers"]).await;
    db.close().await;
}

#[tokio::test]
async fn migrations_on_fresh_postgres() {
    let Some(server) = pg_server("migrations_on_fresh_postgres") else {
        return;
    };
    let url = fresh_pg(&server).await;
    let db = Db::open(&url, std::path::Path::new(".")).await.unwrap();
    check_tables(
        &db,
        "public.",
        &["apalis.jobs", "apalis.workers", "apalis._sqlx_migrations"],
    )
    .await;
    db.close().await;
    let db = Db::open(&url, std::path::Path::new(".")).await.unwrap();
    db.close().await;
    drop_pg(&server, &url).await;
}
