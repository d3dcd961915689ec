//! `GET /metrics`: Prometheus text exposition (version 0.0.4).
//!
//! Database-backed gauges are read at scrape time, so every `serve` process reports the
//! whole installation (all workers); the webhook counters are this process's own. If
//! the database does not answer, the scrape still succeeds with
//! `ledgerbridge_database_up 0` and the in-process counters, so an alert can fire on it.
//!
//! API calls are made by workers, not by `serve`: workers add their clients' counters to
//! `api_call_stats` (see [`super::api_stats`]) and they are reported from there.

use super::AppState;
use crate::store::{Db, fetch_all};
use crate::time::now_ms;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::Arc;

#[derive(sqlx::FromRow)]
struct Count {
    a: String,
    b: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct Expiry {
    connection: String,
    refresh_expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct ApiRow {
    connection: String,
    api_calls: i64,
    rate_limited: i64,
}

struct FromDb {
    jobs: Vec<Count>,
    pushes: Vec<Count>,
    dead_letters: Vec<Count>,
    expiries: Vec<Expiry>,
    api: Vec<ApiRow>,
}

async fn read(db: &Db) -> Result<FromDb, crate::store::StoreError> {
    let mut c = db.conn().await?;
    let jobs = fetch_all!(
        c.exec(),
        Count,
        "SELECT kind AS a, state AS b, COUNT(*) AS n FROM job_log GROUP BY kind, state ORDER BY 1, 2"
    )?;
    let pushes = fetch_all!(
        c.exec(),
        Count,
        "SELECT pair AS a, state AS b, COUNT(*) AS n FROM idempotency_keys GROUP BY pair, state ORDER BY 1, 2"
    )?;
    let dead_letters = fetch_all!(
        c.exec(),
        Count,
        "SELECT kind AS a, state AS b, COUNT(*) AS n FROM dead_letters GROUP BY kind, state ORDER BY 1, 2"
    )?;
    let expiries = fetch_all!(
        c.exec(),
        Expiry,
        "SELECT connection, refresh_expires_at FROM token_vault \
         WHERE refresh_expires_at IS NOT NULL ORDER BY connection"
    )?;
    let api = fetch_all!(
        c.exec(),
        ApiRow,
        "SELECT connection, api_calls, rate_limited FROM api_call_stats ORDER BY connection"
    )?;
    Ok(FromDb {
        jobs,
        pushes,
        dead_letters,
        expiries,
        api,
    })
}

/// Prometheus label value escaping: backslash, double quote and newline.
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{k}=\"{}\"", esc(v));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }
}

fn render(state: &AppState, db: Result<FromDb, String>) -> String {
    let mut o = Out(String::with_capacity(4096));
    o.family(
        "ledgerbridge_database_up",
        "gauge",
        "1 if the database answered this scrape.",
    );
    o.sample("ledgerbridge_database_up", &[], u8::from(db.is_ok()));

    let c = &state.counters;
    o.family(
        "ledgerbridge_webhook_deliveries_total",
        "counter",
        "Webhook POSTs received by this process, by vendor and outcome.",
    );
    for (vendor, outcome, n) in c.deliveries_snapshot() {
        o.sample(
            "ledgerbridge_webhook_deliveries_total",
            &[("vendor", vendor), ("outcome", outcome)],
            n,
        );
    }
    o.family(
        "ledgerbridge_webhook_events_total",
        "counter",
        "Events of verified deliveries, by vendor and outcome (queued, duplicate, ignored).",
    );
    for (vendor, outcome, n) in c.events_snapshot() {
        o.sample(
            "ledgerbridge_webhook_events_total",
            &[("vendor", vendor), ("outcome", outcome)],
            n,
        );
    }

    let Ok(db) = db else { return o.0 };
    o.family(
        "ledgerbridge_jobs",
        "gauge",
        "Logical jobs by kind and state (job_log).",
    );
    for r in &db.jobs {
        o.sample("ledgerbridge_jobs", &[("kind", &r.a), ("state", &r.b)], r.n);
    }
    o.family(
        "ledgerbridge_pushes",
        "gauge",
        "Target writes by pair and result (idempotency_keys: started, sent, done, failed).",
    );
    for r in &db.pushes {
        o.sample(
            "ledgerbridge_pushes",
            &[("pair", &r.a), ("result", &r.b)],
            r.n,
        );
    }
    o.family(
        "ledgerbridge_dead_letters",
        "gauge",
        "Dead letters by kind and state (open, retried).",
    );
    for r in &db.dead_letters {
        o.sample(
            "ledgerbridge_dead_letters",
            &[("kind", &r.a), ("state", &r.b)],
            r.n,
        );
    }
    o.family(
        "ledgerbridge_api_calls_total",
        "counter",
        "Vendor API requests sent by workers, by connection (api_call_stats).",
    );
    for r in &db.api {
        o.sample(
            "ledgerbridge_api_calls_total",
            &[("connection", &r.connection)],
            r.api_calls,
        );
    }
    o.family(
        "ledgerbridge_api_rate_limited_total",
        "counter",
        "Vendor responses that said rate limited (429), by connection (api_call_stats).",
    );
    for r in &db.api {
        o.sample(
            "ledgerbridge_api_rate_limited_total",
            &[("connection", &r.connection)],
            r.rate_limited,
        );
    }
    o.family(
        "ledgerbridge_oauth_refresh_token_expires_in_seconds",
        "gauge",
        "Seconds until a connection's OAuth refresh token expires (negative: expired; run `ledgerbridge connect`).",
    );
    let now = now_ms();
    for r in &db.expiries {
        let secs = (r.refresh_expires_at - now) as f64 / 1000.0;
        o.sample(
            "ledgerbridge_oauth_refresh_token_expires_in_seconds",
            &[("connection", &r.connection)],
            secs,
        );
    }
    o.0
}

pub(crate) async fn handler(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let db = read(&state.db).await.map_err(|e| {
        tracing::warn!(error = %e, "metrics: database read failed");
        e.to_string()
    });
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&state, db),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut o = Out(String::new());
        o.sample("m", &[("a", "x\"y\\z\nw")], 1);
        assert_eq!(o.0, "m{a=\"x\\\"y\\\\z\\nw\"} 1\n");
    }
}
