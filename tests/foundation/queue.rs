//! Queue round trips on both backends, in-process: success; fail twice then succeed;
//! dead letter then `jobs retry` (through the binary); kinds without a handler.

use crate::common::*;
use ledgerbridge::queue::job::{PullJob, TestJob};
use ledgerbridge::queue::{self, Job, admin};
use ledgerbridge::store::Db;
use std::process::Command;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);

fn test_job(t: TestJob) -> Job {
    Job::Test(t)
}

async fn round_trip(db: Db, dir: &std::path::Path, db_url: &str) {
    let c = test_config(db_url, dir);
    let worker = BgWorker::start(&db, &c);

    // 1. succeeds at once
    let ok = queue::enqueue(&db, &test_job(TestJob::default()))
        .await
        .unwrap();
    let d = wait_state(&db, &ok, "done", T).await;
    assert_eq!(d.summary.kind, "test");
    assert_eq!(d.summary.attempts, 1);
    assert_eq!(d.history.len(), 1);
    assert_eq!(d.history[0].outcome, "ok");

    // 2. fails twice, then succeeds — one logical id throughout
    let flaky = queue::enqueue(
        &db,
        &test_job(TestJob {
            fail_times: 2,
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    let d = wait_state(&db, &flaky, "done", T).await;
    assert_eq!(d.summary.id, flaky);
    assert_eq!(d.summary.attempts, 3);
    let outcomes: Vec<&str> = d.history.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, vec!["error", "error", "ok"]);
    assert_eq!(d.history[0].error.as_deref(), Some("test failure 1 of 2"));
    assert_eq!(d.history[1].error.as_deref(), Some("test failure 2 of 2"));
    assert_eq!(d.summary.last_error.as_deref(), Some("test failure 2 of 2"));

    // 3. exhausts its 3 attempts → dead letter with a readable reason …
    let doomed = queue::enqueue(
        &db,
        &test_job(TestJob {
            fail_times: 4,
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    let d = wait_state(&db, &doomed, "dead", T).await;
    assert_eq!(d.summary.attempts, 3);
    let dl = d.dead_letter.expect("dead letter");
    assert_eq!(dl.reason, "gave up after 3 attempts: test failure 3 of 4");
    assert_eq!(dl.job_id.as_deref(), Some(doomed.as_str()));

    // … listed by `jobs dead --json` and `jobs list --state dead --json` (the binary) …
    let cfg = write_config(dir, db_url, 1);
    let out = Command::new(bin())
        .args(["jobs", "dead", "--json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dead: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = dead
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["job_id"] == doomed.as_str())
        .expect("dead letter listed");
    assert_eq!(
        entry["reason"],
        "gave up after 3 attempts: test failure 3 of 4"
    );
    let out = Command::new(bin())
        .args(["jobs", "list", "--json", "--state", "dead", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let j = list
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == doomed.as_str())
        .expect("dead job listed");
    assert_eq!(j["kind"], "test");
    assert_eq!(j["state"], "dead");
    assert_eq!(j["attempts"], 3);
    assert_eq!(
        j["last_error"],
        "gave up after 3 attempts: test failure 3 of 4"
    );

    // … and `jobs retry <dead-letter id>` runs it again with fresh attempts: 4 fails, 5 succeeds.
    let out = Command::new(bin())
        .args(["jobs", "retry", &dl.id, "--json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["job_id"], doomed.as_str());
    let d = wait_state(&db, &doomed, "done", T).await;
    assert_eq!(d.summary.attempts, 5);
    assert!(d.dead_letter.is_none(), "dead letter closed by the retry");
    assert!(
        admin::dead(&db, false)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != dl.id)
    );

    // 4. a permanent failure is dead at once; retry by job id works too.
    let perm = queue::enqueue(
        &db,
        &test_job(TestJob {
            permanent: true,
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    let d = wait_state(&db, &perm, "dead", T).await;
    assert_eq!(d.summary.attempts, 1);
    assert_eq!(
        d.dead_letter.unwrap().reason,
        "test job failed permanently (as asked)"
    );
    let policy = queue::RetryPolicy::from_config(&c.worker);
    let retried = admin::retry(&db, &perm, &policy).await.unwrap();
    assert_eq!(retried.job_id, perm);
    wait_state(&db, &perm, "dead", T).await; // still permanent: dead again, not lost
    // retrying a done job is refused
    assert!(admin::retry(&db, &ok, &policy).await.is_err());

    // 5. a job that cannot succeed (a pull for a connection no pair uses) becomes a
    //    dead letter at once, with a reason an admin can act on.
    let pull = queue::enqueue(
        &db,
        &Job::Pull(PullJob {
            connection: "crm".into(),
            object: "deals".into(),
            pair: None,
            full: false,
            run_id: None,
        }),
    )
    .await
    .unwrap();
    let d = wait_state(&db, &pull, "dead", T).await;
    assert_eq!(d.summary.kind, "pull");
    assert_eq!(
        d.dead_letter.unwrap().reason,
        "no pair has crm as its source"
    );

    // 6. a delayed retry honours Retry-After; the job shows `failed` (another attempt
    //    will run) while it waits.
    let slow = queue::enqueue(
        &db,
        &test_job(TestJob {
            fail_times: 1,
            retry_after_ms: Some(1500),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let d = wait_state(&db, &slow, "failed", T).await;
    assert!(d.summary.run_after.is_some());
    wait_state(&db, &slow, "done", T).await;
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "Retry-After not honoured"
    );

    worker.stop().await;

    // A graceful stop leaves nothing running.
    let running = admin::list(&db, Some(admin::JobState::Running), 100)
        .await
        .unwrap();
    assert!(running.is_empty(), "{running:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_round_trip_sqlite() {
    let (dir, url) = fresh_sqlite();
    let db = Db::open(&url, dir.path()).await.unwrap();
    round_trip(db.clone(), dir.path(), &url).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_round_trip_postgres() {
    let Some(server) = pg_server("queue_round_trip_postgres") else {
        return;
    };
    let url = fresh_pg(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&url, dir.path()).await.unwrap();
    round_trip(db.clone(), dir.path(), &url).await;
    db.close().await;
    drop_pg(&server, &url).await;
}

/// enqueue_in_tx: a rolled-back transaction leaves no job; a committed one runs.
async fn enqueue_is_transactional(db: Db, dir: &std::path::Path, url: &str) {
    let mut tx = db.begin().await.unwrap();
    let gone = queue::enqueue_in_tx(&mut tx, &test_job(TestJob::default()))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let kept = queue::enqueue_in_tx(&mut tx, &test_job(TestJob::default()))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let c = test_config(url, dir);
    let worker = BgWorker::start(&db, &c);
    wait_state(&db, &kept, "done", T).await;
    assert!(admin::show(&db, &gone).await.unwrap().is_none());
    worker.stop().await;
    let all = admin::list(&db, None, 100).await.unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_in_tx_sqlite() {
    let (dir, url) = fresh_sqlite();
    let db = Db::open(&url, dir.path()).await.unwrap();
    enqueue_is_transactional(db.clone(), dir.path(), &url).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_in_tx_postgres() {
    let Some(server) = pg_server("enqueue_in_tx_postgres") else {
        return;
    };
    let url = fresh_pg(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&url, dir.path()).await.unwrap();
    enqueue_is_transactional(db.clone(), dir.path(), &url).await;
    db.close().await;
    drop_pg(&server, &url).await;
}

/// An idle worker picks up a new job promptly — with the heartbeat at apalis's 30 s, so
/// only the poll interval (SQLite) or NOTIFY (PostgreSQL) can explain a fast pickup.
async fn idle_pickup(db: Db, dir: &std::path::Path, url: &str, poll_ms: u64) {
    let mut c = test_config(url, dir);
    c.worker.heartbeat_secs = 30;
    c.worker.poll_interval_ms = poll_ms;
    let worker = BgWorker::start(&db, &c);
    // Let it start and go idle.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for _ in 0..3 {
        let started = Instant::now();
        let id = queue::enqueue(&db, &test_job(TestJob::default()))
            .await
            .unwrap();
        wait_state(&db, &id, "done", Duration::from_secs(10)).await;
        let took = started.elapsed();
        println!("idle pickup took {took:?}");
        assert!(took < Duration::from_secs(5), "idle pickup took {took:?}");
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_worker_picks_up_promptly_sqlite() {
    let (dir, url) = fresh_sqlite();
    let db = Db::open(&url, dir.path()).await.unwrap();
    idle_pickup(db.clone(), dir.path(), &url, 200).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_worker_picks_up_promptly_postgres() {
    let Some(server) = pg_server("idle_worker_picks_up_promptly_postgres") else {
        return;
    };
    let url = fresh_pg(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&url, dir.path()).await.unwrap();
    // A long poll interval: pickup must come from NOTIFY.
    idle_pickup(db.clone(), dir.path(), &url, 20_000).await;
    db.close().await;
    drop_pg(&server, &url).await;
}
