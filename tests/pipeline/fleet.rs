//! The fleet test (scale-out on PostgreSQL): three `ledgerbridge worker`
//! processes on one PostgreSQL database sync against the Xero simulator at its real
//! limits (60 calls a minute, 5 at once per tenant), with time scaled [`SCALE`] times on
//! both sides: the simulator's windows and the Xero connection's `rate_scale`.
//!
//! Midway the holder of the tenant's lease (`leases.holder` names its pid) is killed with
//! SIGKILL. Asserted: another worker holds the lease within seconds, the killed worker's
//! jobs run again within seconds, the sync completes (the harness's export checks, no
//! dead job or letter), the simulator answered no 429 (a 6th concurrent call would be
//! one too), and the fleet's call count fits the scaled per-minute limit over the time
//! it spent calling.

use super::harness::{self, Options, Setup, SimProc, scalar};
use super::verify;
use ledgerbridge::store::Db;
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio::process::Child;

/// Xero's windows run this many times faster, in the simulator and in the client.
const SCALE: f64 = 30.0;
/// Xero's per-tenant limit: calls per (scaled) minute.
const PER_MINUTE: u64 = 60;
/// Deals seeded in HubSpot (222 qualify; ~450–500 tenant calls): ~30 s in all.
const DEALS: &str = "450";
const WORKERS: usize = 3;
/// `[worker] lease_ttl_secs`: above the scaled minute (2 s), so a new holder's calls never
/// share a simulator window with the dead holder's last ones.
const LEASE_TTL_SECS: u64 = 3;

fn scaled_minute() -> Duration {
    Duration::from_secs(60).div_f64(SCALE)
}

/// Calls the simulator counted against the tenant (`/api.xro/...`; `/connections` is
/// app-level and not in the tenant's limit).
fn tenant_calls(stats: &Value) -> u64 {
    stats["calls"]
        .as_object()
        .expect("stats.calls")
        .iter()
        .filter(|(k, _)| {
            k.split_once(' ')
                .is_some_and(|(_, p)| p.starts_with("/api.xro/"))
        })
        .map(|(_, v)| v.as_u64().unwrap_or(0))
        .sum()
}

/// The tenant's lease name: `rate:xero:<tenant id>`, the id from the simulator's
/// `/connections`. (A worker settling its tenant calls `/connections` under a lease named
/// after the connection, `rate:xero:books`; that one guards no tenant limit.)
async fn tenant_lease(xero: &SimProc) -> String {
    let conns = xero.api(reqwest::Method::GET, "/connections", None).await;
    let id = conns[0]["tenantId"]
        .as_str()
        .unwrap_or_else(|| panic!("no tenantId in /connections: {conns}"));
    format!("rate:xero:{id}")
}

async fn lease_holder(db: &Db, lease: &str) -> Option<String> {
    const SQL: &str = "SELECT holder FROM leases WHERE name = $1";
    match db {
        Db::Postgres(p) => {
            sqlx::query_scalar::<_, String>(SQL)
                .bind(lease)
                .fetch_optional(p)
                .await
        }
        Db::Sqlite(p) => {
            sqlx::query_scalar::<_, String>(SQL)
                .bind(lease)
                .fetch_optional(p)
                .await
        }
    }
    .expect("read leases")
}

/// The pid in a holder name `host-pid-nonce` ([`ledgerbridge::lease::holder_name`]).
fn holder_pid(holder: &str) -> Option<u32> {
    let mut parts = holder.rsplit('-');
    let _nonce = parts.next()?;
    parts.next()?.parse().ok()
}

/// `(job_id, started_at ms)` of job attempts by the worker process `pid` still marked
/// running (`worker` is `host-pid-nonce-rN`).
async fn running_attempts_of(db: &Db, pid: u32) -> Vec<(String, i64)> {
    let pattern = format!("%-{pid}-%");
    const SQL: &str =
        "SELECT job_id, started_at FROM job_attempts WHERE outcome = 'running' AND worker LIKE $1";
    match db {
        Db::Postgres(p) => sqlx::query_as(SQL).bind(&pattern).fetch_all(p).await,
        Db::Sqlite(p) => sqlx::query_as(SQL).bind(&pattern).fetch_all(p).await,
    }
    .expect("read job_attempts")
}

/// The first attempt of `job` started at or after `since_ms`.
async fn next_start(db: &Db, job: &str, since_ms: i64) -> Option<i64> {
    const SQL: &str =
        "SELECT MIN(started_at) FROM job_attempts WHERE job_id = $1 AND started_at >= $2";
    match db {
        Db::Postgres(p) => {
            sqlx::query_scalar::<_, Option<i64>>(SQL)
                .bind(job)
                .bind(since_ms)
                .fetch_one(p)
                .await
        }
        Db::Sqlite(p) => {
            sqlx::query_scalar::<_, Option<i64>>(SQL)
                .bind(job)
                .bind(since_ms)
                .fetch_one(p)
                .await
        }
    }
    .expect("read job_attempts")
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The simulator's tenant call counter over time.
#[derive(Default)]
struct Samples(Vec<(Instant, u64)>);

impl Samples {
    /// Reads the counter now, keeps the sample, returns it.
    async fn take(&mut self, xero: &SimProc) -> u64 {
        let calls = tenant_calls(&xero.stats().await);
        self.0.push((Instant::now(), calls));
        calls
    }

    /// From the first sample with a call to the last one that saw the counter move.
    fn calling_span(&self) -> Duration {
        let first = self.0.iter().find(|s| s.1 > 0).map(|s| s.0);
        let last = self
            .0
            .windows(2)
            .filter(|w| w[1].1 != w[0].1)
            .map(|w| w[1].0)
            .next_back();
        match (first, last) {
            (Some(a), Some(b)) => b.duration_since(a),
            _ => Duration::ZERO,
        }
    }
}

/// Panics with `what` once `t0` is `limit` ago; otherwise pauses before the next look.
async fn pace(t0: Instant, limit: Duration, what: &str) {
    assert!(
        t0.elapsed() < limit,
        "fleet test: no {what} within {limit:?}"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_fleet_of_three_keeps_xero_limits_and_survives_killing_the_lease_holder() {
    let Some(server) = crate::common::pg_server(
        "postgres_fleet_of_three_keeps_xero_limits_and_survives_killing_the_lease_holder",
    ) else {
        return;
    };
    let url = crate::common::fresh_pg(&server).await;
    eprintln!("fleet test database: {url}");
    fleet(url.clone()).await;
    crate::common::drop_pg(&server, &url).await;
}

async fn fleet(db_url: String) {
    let started = Instant::now();
    let logs = tempfile::tempdir().unwrap();
    let scale = format!("{SCALE}");
    let hubspot = SimProc::start(
        "hubspot",
        &["--deals", DEALS],
        &logs.path().join("hubspot.log"),
    )
    .await;
    let xero = SimProc::start(
        "xero",
        &["--rate-limits", "on", "--rate-scale", &scale],
        &logs.path().join("xero.log"),
    )
    .await;
    let setup = Setup::new(
        &hubspot,
        &xero,
        &Options {
            db_url: Some(db_url),
            xero_rate_scale: Some(SCALE),
            // lease waits and key hand-offs end in retries; never let them exhaust a job
            max_attempts: 100,
            worker_extra: format!("lease_ttl_secs = {LEASE_TTL_SECS}"),
            ..Options::default()
        },
    );
    let enq = setup.json(&["sync", "--enqueue-only", "--json"]).await;
    assert_eq!(enq["enqueued"], true, "{enq}");
    let db = setup.db().await;
    let lease = tenant_lease(&xero).await;

    let mut workers: Vec<Option<Child>> =
        (0..WORKERS).map(|n| Some(setup.spawn_worker(n))).collect();
    let spawned = Instant::now();
    let log_tails = |setup: &Setup| -> String {
        (0..WORKERS)
            .map(|n| {
                format!(
                    "worker-{n}:\n{}",
                    harness::tail(&setup.path(&format!("worker-{n}.log")), 1500)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut samples = Samples::default();

    // Midway: a third of the pushes done, a holder calling Xero.
    let t0 = Instant::now();
    let holder = loop {
        samples.take(&xero).await;
        let pull_done = scalar(
            &db,
            "SELECT COUNT(*) FROM job_log WHERE kind = 'pull' AND state = 'done'",
        )
        .await;
        let pushes = scalar(&db, "SELECT COUNT(*) FROM job_log WHERE kind = 'push'").await;
        let done = scalar(
            &db,
            "SELECT COUNT(*) FROM job_log WHERE kind = 'push' AND state = 'done'",
        )
        .await;
        if pull_done > 0
            && pushes > 0
            && done * 3 >= pushes
            && let Some(h) = lease_holder(&db, &lease).await
        {
            assert!(done < pushes, "the sync finished before the kill");
            break h;
        }
        pace(
            t0,
            Duration::from_secs(120),
            "lease holder with a third of the pushes done",
        )
        .await;
    };
    let pid = holder_pid(&holder).unwrap_or_else(|| panic!("no pid in holder {holder:?}"));
    let victim = workers
        .iter()
        .position(|w| w.as_ref().and_then(|c| c.id()) == Some(pid))
        .unwrap_or_else(|| panic!("lease holder {holder} is none of the workers"));
    let mut child = workers[victim].take().unwrap();
    child.start_kill().expect("SIGKILL the lease holder");
    let kill_ms = now_ms();
    let killed = Instant::now();
    let status = child.wait().await.unwrap();
    assert!(
        status.code().is_none(),
        "worker {victim} had exited: {status}"
    );
    let calls_at_kill = tenant_calls(&xero.stats().await);
    let orphans = running_attempts_of(&db, pid).await;

    // Another worker takes the lease over: the dead holder's row expires after the TTL.
    let heir = loop {
        samples.take(&xero).await;
        if let Some(h) = lease_holder(&db, &lease).await.filter(|h| *h != holder) {
            break h;
        }
        pace(killed, Duration::from_secs(30), "lease take-over").await;
    };
    let takeover = killed.elapsed();
    assert!(
        workers
            .iter()
            .flatten()
            .any(|c| c.id().is_some_and(|p| Some(p) == holder_pid(&heir))),
        "the lease went to {heir}, no live worker"
    );

    // Work goes on to the end.
    loop {
        samples.take(&xero).await;
        if setup.open_jobs().await.is_empty() {
            break;
        }
        pace(killed, Duration::from_secs(240), "end of the sync").await;
    }
    let drained = killed.elapsed();
    let elapsed = started.elapsed();
    let worked_minutes = spawned.elapsed().as_secs_f64() / scaled_minute().as_secs_f64();
    for w in workers.iter_mut().flatten() {
        harness::terminate(w).await;
    }

    // The killed worker's jobs ran again (each at its next attempt start).
    let mut rerun_delays = Vec::new();
    for (job, _) in &orphans {
        let at = next_start(&db, job, kill_ms)
            .await
            .unwrap_or_else(|| panic!("job {job} of the killed worker never ran again"));
        rerun_delays.push(Duration::from_millis((at - kill_ms).max(0) as u64));
    }
    let max_rerun = rerun_delays.iter().max().copied();

    let stats = xero.stats().await;
    let calls = tenant_calls(&stats);
    let limited = stats["rate_limited"].as_u64().unwrap_or(u64::MAX);
    let span = samples.calling_span();
    let span_minutes = span.as_secs_f64() / scaled_minute().as_secs_f64();
    let rate = calls as f64 / span_minutes.max(f64::EPSILON);
    let dead = setup.dead_jobs().await;
    let letters = setup.dead_letters().await;
    let found = verify::check(&hubspot, &xero, &db, &HashSet::new()).await;
    let attempts = scalar(&db, "SELECT COUNT(*) FROM job_attempts").await;
    let jobs = scalar(&db, "SELECT COUNT(*) FROM job_log").await;
    eprintln!(
        "fleet test: {WORKERS} workers, Xero at 60/min scaled {SCALE}x; {calls} tenant calls \
         ({calls_at_kill} before the kill) over {:.1}s = {span_minutes:.1} scaled minutes \
         → {rate:.1} per scaled minute, {limited} x 429; killed holder {holder} (worker \
         {victim}), lease taken by {heir} {:.1}s later; {} of its jobs re-run after {:?} \
         (max {:?}); drained {:.1}s after the kill; {jobs} jobs, {attempts} attempts; \
         {} invoices for {} qualifying deals; total {:.1}s",
        span.as_secs_f64(),
        takeover.as_secs_f64(),
        orphans.len(),
        rerun_delays,
        max_rerun,
        drained.as_secs_f64(),
        found.invoices,
        found.qualifying,
        elapsed.as_secs_f64(),
    );
    assert_eq!(
        limited,
        0,
        "unplanned 429s from the Xero simulator: {stats}\n{}",
        log_tails(&setup)
    );
    // Over the fleet's working time (workers started → sync done)…
    assert!(
        calls as f64 / worked_minutes <= PER_MINUTE as f64,
        "{calls} calls in {worked_minutes:.1} scaled minutes: over {PER_MINUTE} a minute"
    );
    // …and over the time it was calling: a fixed window lets at most 60 calls into each
    // scaled minute the span touches.
    let bound = PER_MINUTE as f64 * (span_minutes.ceil() + 1.0);
    assert!(
        (calls as f64) <= bound,
        "{calls} calls in {span_minutes:.1} scaled minutes (at most {bound})"
    );
    assert!(
        takeover <= Duration::from_secs(LEASE_TTL_SECS + 10),
        "the lease was taken over only {takeover:?} after the kill"
    );
    if let Some(m) = max_rerun {
        assert!(
            m <= Duration::from_secs(20),
            "the killed worker's jobs ran again only after {m:?}: {rerun_delays:?}"
        );
    }
    assert!(dead.is_empty(), "dead jobs: {dead:?}");
    assert!(letters.is_empty(), "open dead letters: {letters:#?}");
    found.assert_clean("fleet test");
    assert!(
        found.qualifying >= 50,
        "only {} qualifying deals",
        found.qualifying
    );
    db.close().await;
}
