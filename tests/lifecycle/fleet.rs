//! Three OS processes share one vendor tenant through the lease: a local server counting
//! "60 per minute" in fixed windows, time scaled, with Xero's remaining-calls header,
//! sees the fleet-wide rate within the limit and no 429;
//! the lease holder is killed with SIGKILL and another process carries on within the TTL.
//!
//! The processes are this test binary run again with `fleet_child_process` selected
//! (an ignored test: it is a fleet member, not a test of its own, and runs only when
//! spawned with `--ignored`):
//! each builds an SDK `HttpClient` paced by its own `TenantLeases` and calls the server
//! as fast as its client allows, until a stop file appears (then releases gracefully).
//! The full fleet test with the sync pipeline and the Xero simulator comes with the
//! pipeline; this one needs neither.

use super::backends::TestDb;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ledgerbridge::lease::{LeaseOptions, TenantLeases};
use ledgerbridge::store::Db;
use ledgerbridge_sdk::http::{Call, HttpClient, remaining_headers};
use ledgerbridge_sdk::sim::{RateDecision, RateWindow};
use ledgerbridge_sdk::{Capabilities, RateLimit, RateScope, VendorIdempotency};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "LB_FLEET_CHILD";
/// Xero's 60 calls per minute, 20× faster: 60 per 3 s.
const SCALE: f64 = 20.0;
const LIMIT: usize = 60;
const TTL: Duration = Duration::from_secs(1);

fn window() -> Duration {
    Duration::from_secs(60).div_f64(SCALE)
}

fn caps() -> Capabilities {
    Capabilities {
        vendor: "fleetsim",
        write_batch: BTreeMap::new(),
        read_batch: 1,
        page_size: 1,
        rate_limits: vec![RateLimit {
            name: "minute",
            calls: LIMIT as u32,
            per: Duration::from_secs(60),
            scope: RateScope::Tenant,
        }],
        max_concurrency: Some(5),
        idempotency: VendorIdempotency::None,
        webhooks: false,
        fields: BTreeMap::new(),
        abilities: ledgerbridge_sdk::ability::Abilities::none(),
    }
}

/// What the vendor saw.
#[derive(Default)]
struct Seen {
    calls: Mutex<Vec<(Instant, String)>>,
    limited: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
}

struct Vendor {
    seen: Seen,
    window: RateWindow,
}

async fn call(State(v): State<Arc<Vendor>>, headers: HeaderMap) -> Response {
    let now = v.seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    v.seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let holder = headers
        .get("x-holder")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("?")
        .to_string();
    let resp = match v.window.acquire() {
        RateDecision::Allowed { remaining } => {
            v.seen.calls.lock().unwrap().push((Instant::now(), holder));
            // a little work, so concurrency is visible
            tokio::time::sleep(Duration::from_millis(5)).await;
            let rem = remaining.to_string();
            (StatusCode::OK, [("x-minlimit-remaining", rem)], "{}").into_response()
        }
        RateDecision::Limited { retry_after } => {
            v.seen.limited.fetch_add(1, Ordering::SeqCst);
            let secs = retry_after.as_secs().max(1).to_string();
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", secs)], "{}").into_response()
        }
    };
    v.seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    resp
}

/// The largest number of calls within any half-open window of length `w`.
fn max_in_window(times: &[Instant], w: Duration) -> usize {
    (0..times.len())
        .map(|i| times[i..].iter().take_while(|x| **x - times[i] < w).count())
        .max()
        .unwrap_or(0)
}

fn spawn_child(db_url: &str, base: &str, holder: &str, stop: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fleet::fleet_child_process",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .env("LB_FLEET_DB", db_url)
        .env("LB_FLEET_BASE", base)
        .env("LB_FLEET_HOLDER", holder)
        .env("LB_FLEET_STOP", stop)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child")
}

/// One fleet member, spawned by [`fleet_keeps_the_limit_across_processes`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a fleet member: the fleet test runs it in a child process"]
async fn fleet_child_process() {
    assert!(
        std::env::var_os(CHILD_ENV).is_some(),
        "fleet_child_process is one member of the fleet test, spawned by it with its settings"
    );
    let env = |k: &str| std::env::var(k).unwrap();
    let holder = env("LB_FLEET_HOLDER");
    let stop = PathBuf::from(env("LB_FLEET_STOP"));
    let db = Db::open(&env("LB_FLEET_DB"), Path::new("/"))
        .await
        .expect("child opens db");
    let opts = LeaseOptions {
        ttl: TTL,
        max_wait: Duration::from_secs(2),
        idle_after: TTL,
    };
    let leases = TenantLeases::with_options(db.clone(), holder.clone(), opts);
    let client = HttpClient::builder("books", env("LB_FLEET_BASE"), &caps())
        .rate_scale(SCALE)
        .tenant("tenant-1")
        // as the Xero connector does: a window reported spent pauses the tenant
        .quota_reader(remaining_headers(&[("minute", "x-minlimit-remaining")]))
        .pacer(leases.clone())
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, holder, stop) = (client.clone(), holder.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.exists() {
                let c = Call::get("/call").header("x-holder", &holder);
                if client.send(c).await.is_err() {
                    // lease held elsewhere (retryable): try again, as a job retry would
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    leases.release_all().await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_keeps_the_limit_across_processes() {
    for t in TestDb::all("fleet_keeps_the_limit_across_processes").await {
        run_fleet(&t).await;
        t.close().await;
    }
}

async fn run_fleet(t: &TestDb) {
    let l = t.label;
    let vendor = Arc::new(Vendor {
        seen: Seen::default(),
        window: RateWindow::new(LIMIT as u64, window()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/call", get(call))
        .with_state(vendor.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let stop = t.dir.path().join("stop");
    let names = ["fleet-1", "fleet-2", "fleet-3"];
    let mut children: Vec<(&str, Child)> = names
        .iter()
        .map(|n| (*n, spawn_child(&t.url, &base, n, &stop)))
        .collect();

    // run, then SIGKILL whoever is calling
    tokio::time::sleep(Duration::from_secs(5)).await;
    let victim = {
        let calls = vendor.seen.calls.lock().unwrap();
        calls
            .last()
            .map(|(_, h)| h.clone())
            .expect("calls were made")
    };
    let idx = children.iter().position(|(n, _)| *n == victim).unwrap();
    let (_, mut child) = children.remove(idx);
    child.kill().unwrap();
    let killed = Instant::now();
    child.wait().unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;

    std::fs::write(&stop, b"stop").unwrap();
    for (n, mut c) in children {
        let t0 = Instant::now();
        loop {
            if c.try_wait().unwrap().is_some() {
                break;
            }
            if t0.elapsed() > Duration::from_secs(15) {
                let _ = c.kill();
                panic!("{l}: {n} did not stop");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    server.abort();

    let calls = vendor.seen.calls.lock().unwrap().clone();
    let times: Vec<Instant> = calls.iter().map(|c| c.0).collect();
    let limited = vendor.seen.limited.load(Ordering::SeqCst);
    let max_w = max_in_window(&times, window());
    let max_conc = vendor.seen.max_in_flight.load(Ordering::SeqCst);
    // hand-overs: how often the caller changed, in arrival order
    let switches = calls.windows(2).filter(|w| w[0].1 != w[1].1).count();
    let mut runs: Vec<(String, usize, Duration)> = Vec::new();
    for (at, h) in &calls {
        match runs.last_mut() {
            Some((last, n, _)) if last == h => *n += 1,
            _ => runs.push((h.clone(), 1, at.duration_since(calls[0].0))),
        }
    }
    println!("{l}: callers in turn (holder, calls, from): {runs:?}");
    let after_kill = calls
        .iter()
        .find(|(at, h)| *at > killed && *h != victim)
        .map(|(at, h)| (at.duration_since(killed), h.clone()));
    let span = times.last().unwrap().duration_since(times[0]);
    let allowed = span.as_secs_f64() / window().as_secs_f64() * LIMIT as f64;
    println!(
        "{l}: {} calls in {span:?} ({:.0}% of the allowed {allowed:.0}), {limited} × 429, \
         max {max_w} per window, max {max_conc} in flight, {switches} hand-overs, \
         after the kill of {victim}: {after_kill:?}",
        calls.len(),
        100.0 * calls.len() as f64 / allowed
    );
    assert_eq!(limited, 0, "{l}: the vendor answered 429");
    // +1: a late wake-up on a loaded machine (as in the SDK's own pacing test)
    assert!(max_w <= LIMIT + 1, "{l}: {max_w} calls within one window");
    assert!(max_conc <= 5, "{l}: {max_conc} calls in flight at once");
    assert!(
        switches <= 3,
        "{l}: callers interleaved ({switches} switches)"
    );
    let (gap, heir) = after_kill.expect("another worker took over after the kill");
    assert_ne!(heir, victim);
    assert!(
        gap <= TTL + Duration::from_millis(1500),
        "{l}: took over {gap:?} after the kill (TTL {TTL:?})"
    );
    // work went on: the SDK pauses a full window whenever the header reports it spent
    // (so about half the budget is used), less start-up and one TTL at the kill
    assert!(
        calls.len() as f64 >= 0.3 * allowed,
        "{l}: only {} of {allowed:.0} allowed calls",
        calls.len()
    );
}
