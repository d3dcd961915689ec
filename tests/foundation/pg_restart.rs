//! A PostgreSQL restart under a running worker is survived. Uses a *private* cluster on
//! its own port (never the shared server): initdb + pg_ctl from /usr/lib/postgresql/*/bin,
//! run as the `postgres` user when we are root (initdb refuses root).

use crate::common::*;
use ledgerbridge::queue::job::TestJob;
use ledgerbridge::queue::{self, Job};
use ledgerbridge::store::Db;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Run a PostgreSQL tool, as `postgres` when root.
fn pg_cmd(bin: &Path, tool: &str, args: &[&str]) -> std::process::Output {
    let exe = bin.join(tool);
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    cmd.args(args).output().expect("run a PostgreSQL tool")
}

struct Cluster {
    bin: PathBuf,
    data: String,
    _dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn start_cmd(&self) -> std::process::Output {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            Path::new(&self.data).parent().unwrap().display()
        );
        pg_cmd(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                &self.data,
                "-o",
                &opts,
                "-l",
                &format!("{}/../pg.log", self.data),
                "-w",
                "start",
            ],
        )
    }
    fn stop_cmd(&self, mode: &str) -> std::process::Output {
        pg_cmd(
            &self.bin,
            "pg_ctl",
            &["-D", &self.data, "-m", mode, "-w", "stop"],
        )
    }
    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop_cmd("immediate");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn private_cluster() -> Option<Cluster> {
    let bin = pg_bin()?;
    let dir = tempfile::Builder::new().prefix("lb-pg-").tempdir().ok()?;
    let data = dir.path().join("data");
    if is_root() {
        // The postgres user must own the folder.
        let st = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .ok()?;
        if !st.success() {
            return None;
        }
    }
    let data_s = data.display().to_string();
    let out = pg_cmd(
        &bin,
        "initdb",
        &["-D", &data_s, "-A", "trust", "-U", "postgres", "--no-sync"],
    );
    if !out.status.success() {
        println!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let c = Cluster {
        bin,
        data: data_s,
        _dir: dir,
        port: free_port(),
    };
    let out = c.start_cmd();
    if !out.status.success() {
        println!(
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_under_running_worker() {
    // Same gate as every PostgreSQL test: CI sets the variable (and has the binaries).
    if pg_server("postgres_restart_under_running_worker").is_none() {
        return;
    }
    let Some(cluster) = private_cluster() else {
        panic!(
            "could not start a private PostgreSQL cluster (initdb/pg_ctl under /usr/lib/postgresql/*/bin)"
        );
    };
    let url = fresh_pg(&cluster.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let c = test_config(&url, dir.path());
    let db = Db::open(&url, dir.path()).await.unwrap();
    let worker = BgWorker::start(&db, &c);

    let before = queue::enqueue(&db, &Job::Test(TestJob::default()))
        .await
        .unwrap();
    wait_state(&db, &before, "done", Duration::from_secs(20)).await;

    // Restart PostgreSQL under the worker: connections drop, heartbeats fail.
    let out = cluster.stop_cmd("fast");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let out = cluster.start_cmd();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A job pushed after the restart is run by the (restarted) worker.
    let after = wait_for(Duration::from_secs(30), "enqueue after restart", || async {
        queue::enqueue(&db, &Job::Test(TestJob::default()))
            .await
            .ok()
    })
    .await;
    wait_state(&db, &after, "done", Duration::from_secs(60)).await;

    worker.stop().await;
    db.close().await;
}
