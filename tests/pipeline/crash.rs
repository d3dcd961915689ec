//! The crash test: a sync of 2,000 deals worked off by `ledgerbridge worker`
//! processes that are killed with SIGKILL at random moments and restarted; afterwards
//! the simulators hold exactly one correct invoice per qualifying deal, every invoice is
//! linked, and no customer, item or history note was written twice. It runs against
//! each target: Xero, and QuickBooks Online (whose `requestid` replay and `DocNumber`
//! lookups carry the same promise).

use super::harness::{self, Options, Setup, SimProc, scalar};
use super::verify;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const DEALS: &str = "2000";
/// SIGKILLs before the workers are left to finish.
const KILLS: usize = 10;

async fn crash(db_url: Option<String>, workers: usize, label: &str, target: &'static str) {
    let started = Instant::now();
    let logs = tempfile::tempdir().unwrap();
    let hubspot = SimProc::start(
        "hubspot",
        &["--deals", DEALS],
        &logs.path().join("hubspot.log"),
    )
    .await;
    let xero = SimProc::start(target, &[], &logs.path().join(format!("{target}.log"))).await;
    let setup = Setup::new(
        &hubspot,
        &xero,
        &Options {
            db_url,
            // a job killed mid-attempt uses up an attempt; never let kills exhaust them
            max_attempts: 100,
            target,
            ..Options::default()
        },
    );
    if target == "quickbooks" {
        super::quickbooks::open_books(&xero).await;
    }
    let enq = setup.json(&["sync", "--enqueue-only", "--json"]).await;
    assert_eq!(enq["enqueued"], true, "{enq}");
    let db = setup.db().await;

    let mut slots: Vec<_> = (0..workers).map(|n| setup.spawn_worker(n)).collect();
    let mut kills = 0;
    let mut finished_early = false;
    while kills < KILLS {
        // Kill while work is going on: wait for a new job attempt to start, then a
        // random 50–800 ms more.
        let before = scalar(&db, "SELECT COUNT(*) FROM job_attempts").await;
        let wait = Instant::now();
        loop {
            if scalar(&db, "SELECT COUNT(*) FROM job_attempts").await > before {
                break;
            }
            if setup.open_jobs().await.is_empty() {
                finished_early = true;
                break;
            }
            assert!(
                wait.elapsed() < Duration::from_secs(60),
                "{label}: no job attempt started for 60 s; worker log:\n{}",
                harness::tail(&setup.path("worker-0.log"), 3000)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if finished_early {
            break;
        }
        tokio::time::sleep(Duration::from_millis(rand::random_range(50..=800))).await;
        let victim = rand::random_range(0..workers);
        slots[victim].start_kill().expect("SIGKILL a worker");
        let status = slots[victim].wait().await.unwrap();
        assert!(
            status.code().is_none(),
            "{label}: worker {victim} had already exited ({status}); log:\n{}",
            harness::tail(&setup.path(&format!("worker-{victim}.log")), 3000)
        );
        kills += 1;
        slots[victim] = setup.spawn_worker(victim);
    }
    let killed_at = started.elapsed();
    assert!(
        kills >= KILLS,
        "{label}: the sync finished after only {kills} kills; it must survive {KILLS}"
    );

    // Let the workers finish: orphaned jobs come back after three missed heartbeats.
    let drain = Instant::now();
    loop {
        let open = setup.open_jobs().await;
        if open.is_empty() {
            break;
        }
        assert!(
            drain.elapsed() < Duration::from_secs(240),
            "{label}: {} jobs still open 240 s after the last kill, e.g. {}",
            open.len(),
            open[0]
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for w in &mut slots {
        harness::terminate(w).await;
    }
    let dead = setup.dead_jobs().await;
    assert!(dead.is_empty(), "{label}: dead jobs: {dead:?}");
    let letters = setup.dead_letters().await;
    assert!(
        letters.is_empty(),
        "{label}: open dead letters: {letters:#?}"
    );

    let found = match target {
        "quickbooks" => super::quickbooks::check(&hubspot, &xero, &db, &HashSet::new()).await,
        _ => verify::check(&hubspot, &xero, &db, &HashSet::new()).await,
    };
    let attempts = scalar(&db, "SELECT COUNT(*) FROM job_attempts").await;
    let jobs = scalar(&db, "SELECT COUNT(*) FROM job_log").await;
    eprintln!(
        "{label}: {kills} SIGKILLs in {:.1}s, drained {:.1}s later; {jobs} jobs, {attempts} attempts; \
         {} invoices for {} qualifying deals, {} contacts, {} notes; total {:.1}s",
        killed_at.as_secs_f64(),
        drain.elapsed().as_secs_f64(),
        found.invoices,
        found.qualifying,
        found.contacts,
        found.notes,
        started.elapsed().as_secs_f64()
    );
    found.assert_clean(label);
    assert!(
        found.qualifying > 500,
        "{label}: only {} qualifying deals",
        found.qualifying
    );
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_worker_killed_at_random_leaves_exactly_one_invoice_per_deal() {
    crash(None, 1, "crash test (SQLite, 1 worker)", "xero").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_workers_killed_at_random_leave_exactly_one_invoice_per_deal() {
    let Some(server) = crate::common::pg_server(
        "postgres_two_workers_killed_at_random_leave_exactly_one_invoice_per_deal",
    ) else {
        return;
    };
    let url = crate::common::fresh_pg(&server).await;
    eprintln!("crash test database: {url}");
    crash(
        Some(url.clone()),
        2,
        "crash test (PostgreSQL, 2 workers)",
        "xero",
    )
    .await;
    crate::common::drop_pg(&server, &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickbooks_sqlite_one_worker_killed_at_random_leaves_exactly_one_invoice_per_deal() {
    crash(
        None,
        1,
        "QuickBooks crash test (SQLite, 1 worker)",
        "quickbooks",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickbooks_postgres_two_workers_killed_at_random_leave_exactly_one_invoice_per_deal() {
    let Some(server) = crate::common::pg_server(
        "quickbooks_postgres_two_workers_killed_at_random_leave_exactly_one_invoice_per_deal",
    ) else {
        return;
    };
    let url = crate::common::fresh_pg(&server).await;
    eprintln!("crash test database: {url}");
    crash(
        Some(url.clone()),
        2,
        "QuickBooks crash test (PostgreSQL, 2 workers)",
        "quickbooks",
    )
    .await;
    crate::common::drop_pg(&server, &url).await;
}
