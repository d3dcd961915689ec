//! Webhook ingestion benchmark: verify + durable insert + enqueue.
//!
//! ```sh
//! cargo run --release --example webhook_bench -- --events 20000
//! cargo run --release --example webhook_bench -- --events 20000 --database-url postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! Starts `serve` in-process on a fresh database (a temp SQLite file, or a new database
//! `lb_bench_*` on the given PostgreSQL server, dropped afterwards), then fires signed
//! HubSpot deliveries (`--per-delivery` events each, distinct deals) from
//! `--concurrency` concurrent requests of one reqwest client, and prints events/s and the
//! p50/p99/max latency of a delivery (request sent → 200, i.e. after the commit). It then
//! checks every event is in the inbox with one job per delivery. It prints numbers; it
//! is not a timed test.

use ledgerbridge::config::{self, Config};
use ledgerbridge::server::{self, ServerOptions};
use ledgerbridge::store::Db;
use std::time::{Duration, Instant};

const SECRET: &str = "bench-secret";

struct Args {
    events: usize,
    per_delivery: usize,
    concurrency: usize,
    database_url: Option<String>,
    writers: Option<usize>,
    /// Open loop: send at this many events/s instead of as fast as `concurrency` allows.
    rate: Option<f64>,
}

fn parse_args() -> Args {
    let mut a = Args {
        events: 20_000,
        per_delivery: 10,
        concurrency: 64,
        database_url: None,
        writers: None,
        rate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--events" => a.events = value().parse().expect("--events N"),
            "--per-delivery" => a.per_delivery = value().parse().expect("--per-delivery N"),
            "--concurrency" => a.concurrency = value().parse().expect("--concurrency N"),
            "--database-url" => a.database_url = Some(value()),
            "--writers" => a.writers = Some(value().parse().expect("--writers N")),
            "--rate" => a.rate = Some(value().parse().expect("--rate EVENTS_PER_SEC")),
            "-h" | "--help" => {
                println!(
                    "webhook_bench [--events N] [--per-delivery N] [--concurrency N] \
                     [--database-url postgres://…] [--writers N] [--rate EVENTS_PER_SEC]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
    }
    a.per_delivery = a.per_delivery.clamp(1, 100);
    a
}

/// A fresh database: a temp SQLite file, or a new database on the PostgreSQL server.
async fn fresh_database(
    url: Option<&str>,
) -> (String, Option<(String, String)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    match url {
        None => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
            dir,
        ),
        Some(server) => {
            let name = format!("lb_bench_{:012x}", rand::random::<u64>() >> 16);
            let admin = sqlx::PgPool::connect(server)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .expect("create bench database");
            admin.close().await;
            let mut u = url::Url::parse(server).expect("postgres URL");
            u.set_path(&format!("/{name}"));
            (u.to_string(), Some((server.to_string(), name)), dir)
        }
    }
}

fn deliveries(events: usize, per: usize) -> Vec<Vec<u8>> {
    let now = chrono::Utc::now().timestamp_millis();
    (0..events.div_ceil(per))
        .map(|d| {
            let batch: Vec<serde_json::Value> = (0..per)
                .map(|i| d * per + i)
                .take_while(|&n| n < events)
                .map(|n| {
                    serde_json::json!({
                        "eventId": 1_000_000 + n, "subscriptionId": 4242, "portalId": 48123456,
                        "appId": 3141592, "occurredAt": now, "subscriptionType": "deal.propertyChange",
                        "attemptNumber": 0, "objectId": 5_000_000 + n, "changeSource": "CRM_UI",
                        "sourceId": "userId:9100001", "propertyName": "dealstage", "propertyValue": "closedwon"
                    })
                })
                .collect();
            serde_json::to_vec(&batch).expect("json")
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let (db_url, pg, dir) = fresh_database(args.database_url.as_deref()).await;
    let text = format!(
        "[connections.crm]\nkind = \"hubspot\"\naccess_token = \"t\"\nwebhook_secret = \"{SECRET}\"\n"
    );
    let mut c: Config = config::load_from_str(Some(&text), None).expect("config");
    c.database.url = db_url;
    c.base_dir = dir.path().to_path_buf();
    let db = Db::open(&c.database.url, &c.base_dir)
        .await
        .expect("open database");
    let mut opts = ServerOptions::for_backend(db.backend());
    if let Some(w) = args.writers {
        opts.ingest.writers = w;
    }
    let backend = format!("{:?}", db.backend());
    let writers = opts.ingest.writers;
    let running = server::spawn(&c, db.clone(), "127.0.0.1:0", opts)
        .await
        .expect("serve");
    let url = format!("{}/webhooks/hubspot", running.url());

    let bodies = deliveries(args.events, args.per_delivery);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .tcp_nodelay(true)
        .build()
        .expect("client");
    let load = match args.rate {
        Some(r) => format!("open loop at {r} events/s"),
        None => format!("concurrency {}", args.concurrency),
    };
    println!(
        "webhook_bench: {} events in {} deliveries of {}, {load}, {backend} ({writers} writer(s))",
        args.events,
        bodies.len(),
        args.per_delivery,
    );

    let started = Instant::now();
    // closed loop: at most `concurrency` in flight; open loop (--rate): one delivery per
    // tick whatever the answers, so latency is measured at that load, not at saturation
    let in_flight = match args.rate {
        Some(_) => tokio::sync::Semaphore::MAX_PERMITS,
        None => args.concurrency,
    };
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut ticks = args.rate.map(|r| {
        let every = Duration::from_secs_f64(args.per_delivery as f64 / r);
        let mut i = tokio::time::interval(every);
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        i
    });
    let mut tasks = Vec::with_capacity(bodies.len());
    for body in bodies {
        if let Some(t) = ticks.as_mut() {
            t.tick().await;
        }
        let permit = sem.clone().acquire_owned().await.expect("semaphore");
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let ts = chrono::Utc::now().timestamp_millis().to_string();
            let sig = ledgerbridge_hubspot::sim::sign_v3(SECRET, "POST", &url, &body, &ts);
            let t = Instant::now();
            let r = client
                .post(&url)
                .header("content-type", "application/json")
                .header("X-HubSpot-Signature-v3", sig)
                .header("X-HubSpot-Request-Timestamp", ts)
                .body(body)
                .send()
                .await
                .expect("request");
            assert_eq!(r.status(), reqwest::StatusCode::OK, "delivery refused");
            t.elapsed()
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    for t in tasks {
        latencies.push(t.await.expect("task"));
    }
    let wall = started.elapsed();
    latencies.sort();

    let stored = count(&db, "SELECT COUNT(*) FROM webhook_inbox").await;
    let jobs = count(&db, "SELECT COUNT(*) FROM job_log WHERE kind = 'webhook'").await;
    println!(
        "events/s {:.0}   deliveries/s {:.0}   wall {:.2} s",
        args.events as f64 / wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!(
        "latency per delivery: p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!("stored {stored} inbox rows, {jobs} webhook jobs");
    assert_eq!(stored as usize, args.events, "every event stored");
    assert_eq!(jobs as usize, latencies.len(), "one job per delivery");

    running.stop().await;
    db.close().await;
    if let Some((server, name)) = pg
        && let Ok(admin) = sqlx::PgPool::connect(&server).await
    {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await;
    }
}
