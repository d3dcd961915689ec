//! `/healthz` (the process answers: restart it if not) and `/readyz` (it can do its job:
//! send it traffic). Ready means the database answers, every migration this build
//! carries is applied (another process may have opened an older schema), and the inbox
//! writer runs. Neither needs the admin token: load balancers call them.

use super::AppState;
use crate::store::{Db, MIGRATIONS_TABLE};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

pub(crate) async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let database = state.db.ping().await;
    let missing = if database {
        missing_migrations(&state.db).await
    } else {
        Err("database unreachable".to_string())
    };
    let writer = state.ingest.is_running();
    let migrations_ok = matches!(&missing, Ok(m) if m.is_empty());
    let ready = database && migrations_ok && writer;
    let migrations = match missing {
        Ok(m) if m.is_empty() => json!("applied"),
        Ok(m) => json!({ "missing": m }),
        Err(e) => json!({ "error": e }),
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "ready": ready,
            "database": if database { "reachable" } else { "unreachable" },
            "migrations": migrations,
            "inbox_writer": if writer { "running" } else { "stopped" },
        })),
    )
}

/// Versions this build migrates to that the database has not applied successfully.
async fn missing_migrations(db: &Db) -> Result<Vec<i64>, String> {
    let sql = format!("SELECT version FROM {MIGRATIONS_TABLE} WHERE success = TRUE");
    let (expected, applied): (Vec<i64>, Result<Vec<i64>, sqlx::Error>) = match db {
        Db::Sqlite(p) => (
            sqlx::migrate!("./migrations/sqlite")
                .iter()
                .map(|m| m.version)
                .collect(),
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(p)
                .await,
        ),
        Db::Postgres(p) => (
            sqlx::migrate!("./migrations/postgres")
                .iter()
                .map(|m| m.version)
                .collect(),
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(p)
                .await,
        ),
    };
    let applied = applied.map_err(|e| e.to_string())?;
    Ok(expected
        .into_iter()
        .filter(|v| !applied.contains(v))
        .collect())
}
