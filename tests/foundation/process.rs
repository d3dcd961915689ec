//! Worker processes: SIGKILL mid-job → the next worker runs the job again; SIGTERM →
//! graceful stop with nothing left running.

use crate::common::*;
use ledgerbridge::queue::job::TestJob;
use ledgerbridge::queue::{self, Job, admin};
use ledgerbridge::store::Db;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn spawn_worker(cfg: &Path, log: &Path) -> Child {
    Command::new(bin())
        .args(["worker", "--config"])
        .arg(cfg)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("spawn worker")
}

fn marks(file: &Path) -> Vec<(String, u32)> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let what = it.next()?.to_string();
            let _job = it.next()?;
            let _attempt = it.next()?;
            let pid = it.next()?.parse().ok()?;
            Some((what, pid))
        })
        .collect()
}

async fn killed_worker_job_runs_again(db: Db, dir: &Path, url: &str) {
    let cfg = write_config(dir, url, 1);
    let mark = dir.join("marks.txt");
    let id = queue::enqueue(
        &db,
        &Job::Test(TestJob {
            sleep_ms: 2500,
            mark_file: Some(mark.display().to_string()),
            ..Default::default()
        }),
    )
    .await
    .unwrap();

    let mut first = spawn_worker(&cfg, &dir.join("worker1.log"));
    let first_pid = first.id();
    wait_for(
        Duration::from_secs(20),
        "the first worker to start the job",
        || async {
            marks(&mark)
                .iter()
                .any(|(w, p)| w == "start" && *p == first_pid)
                .then_some(())
        },
    )
    .await;
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    assert!(
        !marks(&mark).iter().any(|(w, _)| w == "done"),
        "the job finished before the kill"
    );
    let d = admin::show(&db, &id).await.unwrap().unwrap();
    assert_eq!(d.summary.state, "running", "killed mid-job");

    let mut second = spawn_worker(&cfg, &dir.join("worker2.log"));
    let second_pid = second.id();
    let d = wait_state(&db, &id, "done", Duration::from_secs(40)).await;
    assert!(
        marks(&mark)
            .iter()
            .any(|(w, p)| w == "done" && *p == second_pid),
        "the job did not run again on the second worker: {:?}",
        marks(&mark)
    );
    // The cut-off run is visible as interrupted; the same attempt ran again.
    let outcomes: Vec<&str> = d.history.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, vec!["interrupted", "ok"]);

    // SIGTERM: a graceful stop, exit 0, nothing left running.
    let slow = queue::enqueue(
        &db,
        &Job::Test(TestJob {
            sleep_ms: 500,
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    wait_state(&db, &slow, "done", Duration::from_secs(20)).await;
    let status = Command::new("kill")
        .args(["-TERM", &second_pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(code) = second.try_wait().unwrap() {
            break code;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "worker did not exit on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(code.success(), "worker exit status {code:?}");
    assert!(
        admin::list(&db, Some(admin::JobState::Running), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_job_sqlite() {
    let (dir, url) = fresh_sqlite();
    let db = Db::open(&url, dir.path()).await.unwrap();
    killed_worker_job_runs_again(db.clone(), dir.path(), &url).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_job_postgres() {
    let Some(server) = pg_server("sigkill_mid_job_postgres") else {
        return;
    };
    let url = fresh_pg(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&url, dir.path()).await.unwrap();
    killed_worker_job_runs_again(db.clone(), dir.path(), &url).await;
    db.close().await;
    drop_pg(&server, &url).await;
}
