//! The pieces every pipeline test uses: simulators in their own processes, a config
//! pointing at them (with a copy of the shipped mappings), the CLI, and the store.

#![allow(dead_code)]

use ledgerbridge::store::Db;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// The static bearer token both simulators accept.
pub const TOKEN: &str = "pipeline-token";
/// OAuth client of the fault test's Xero connection.
pub const CLIENT_ID: &str = "pipeline-client";
pub const CLIENT_SECRET: &str = "pipeline-client-secret";
/// The pair's cut-over date: deals closed before it get no invoice.
pub const START_DATE: &str = "2025-01-01";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ledgerbridge")
}

/// A free loopback port (bound and released; the simulator binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// `ledgerbridge sim <vendor>` in its own process, killed on drop.
pub struct SimProc {
    pub base: String,
    child: Child,
}

impl SimProc {
    /// Starts the simulator with rate limits off (unless `extra` sets `--rate-limits`) and
    /// the static [`TOKEN`], plus `extra` flags, on a free port; returns once
    /// `/_sim/stats` answers.
    pub async fn start(vendor: &str, extra: &[&str], log: &Path) -> SimProc {
        let rate_limits_off: &[&str] = if extra.contains(&"--rate-limits") {
            &[]
        } else {
            &["--rate-limits", "off"]
        };
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let log_file = std::fs::File::create(log).unwrap();
            let mut child = Command::new(bin())
                .args(["sim", vendor, "--listen"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["--token", TOKEN])
                .args(rate_limits_off)
                .args(extra)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log_file))
                .kill_on_drop(true)
                .spawn()
                .expect("spawn simulator");
            let base = format!("http://127.0.0.1:{port}");
            let client = http();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("{vendor} simulator exited with {status}");
                    break;
                }
                if let Ok(r) = client.get(format!("{base}/_sim/stats")).send().await
                    && r.status().is_success()
                {
                    return SimProc { base, child };
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = child.start_kill();
            last = format!(
                "{last}; log: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        panic!("the {vendor} simulator did not start: {last}");
    }

    pub async fn get(&self, path: &str) -> Value {
        let r = http()
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn stats(&self) -> Value {
        self.get("/_sim/stats").await
    }

    /// `writes` of `/_sim/stats`.
    pub async fn writes(&self) -> u64 {
        self.stats().await["writes"].as_u64().expect("stats.writes")
    }

    pub async fn export(&self) -> Value {
        self.get("/_sim/export").await
    }

    /// An authenticated vendor API call with the static token.
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = http()
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// How a test's config looks.
pub struct Options {
    /// Database URL; `None`: a SQLite file in the temp folder.
    pub db_url: Option<String>,
    /// The Xero connection uses OAuth (tokens in the vault) instead of the static token.
    pub xero_oauth: bool,
    pub concurrency: u32,
    pub max_attempts: u32,
    /// `rate_scale` of the Xero connection (default: [`CLIENT_RATE_SCALE`]); the fleet
    /// test sets the simulator's own scale so the client paces to the real, scaled limits.
    pub xero_rate_scale: Option<f64>,
    /// More lines for the `[worker]` table (e.g. `lease_ttl_secs = 5`).
    pub worker_extra: String,
    /// The target's kind (`xero`, `quickbooks`): the `books` connection's kind and the
    /// shipped mapping folder `hubspot-<kind>` the test copies.
    pub target: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            db_url: None,
            xero_oauth: false,
            concurrency: 4,
            max_attempts: 10,
            xero_rate_scale: None,
            worker_extra: String::new(),
            target: "xero",
        }
    }
}

/// A temp folder with `ledgerbridge.toml` (pair `main`: HubSpot `crm` → the target
/// `books`, Xero unless the options say otherwise) and a copy of the shipped mappings
/// of the pair the test may edit.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
    pub db_url: String,
}

/// Client pacing: the simulators run with limits off, and the clients' own limiters
/// (Xero: 60 calls a minute) would otherwise pace the test at the vendor's real speed.
/// A connection has no "limits off" switch, so its `rate_scale` makes them 1000 times
/// faster; HubSpot's search settle time shrinks with it.
const CLIENT_RATE_SCALE: f64 = 1000.0;

impl Setup {
    pub fn new(hubspot: &SimProc, xero: &SimProc, o: &Options) -> Setup {
        let mut dir = tempfile::Builder::new()
            .prefix("lb-pipeline-")
            .tempdir()
            .unwrap();
        // LB_TEST_KEEP=1 keeps the folder (config, logs, SQLite file) for a post-mortem
        if std::env::var_os("LB_TEST_KEEP").is_some() {
            dir.disable_cleanup(true);
            eprintln!("keeping {}", dir.path().display());
        }
        let maps = dir.path().join("mappings");
        std::fs::create_dir_all(&maps).unwrap();
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("mappings")
            .join(format!("hubspot-{}", o.target));
        for e in std::fs::read_dir(&shipped).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, maps.join(p.file_name().unwrap())).unwrap();
        }
        let db_url = o
            .db_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("lb.db").display()));
        let books_auth = if o.xero_oauth {
            format!(
                "auth = \"oauth\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n"
            )
        } else {
            format!("access_token = \"{TOKEN}\"\n")
        };
        let text = format!(
            r#"[database]
url = "{db_url}"

[connections.crm]
kind = "hubspot"
base_url = "{hubspot}"
access_token = "{TOKEN}"
rate_scale = {CLIENT_RATE_SCALE:.1}

[connections.books]
kind = "{target}"
base_url = "{xero}"
rate_scale = {xero_scale:.1}
{books_auth}
[[pairs]]
name = "main"
source = "crm"
target = "books"
mappings = "mappings"
start_date = "{START_DATE}"

[worker]
concurrency = {concurrency}
heartbeat_secs = 1
poll_interval_ms = 50
max_attempts = {max_attempts}
backoff_base_ms = 100
backoff_max_secs = 2
shutdown_timeout_secs = 5
{worker_extra}
"#,
            hubspot = hubspot.base,
            xero = xero.base,
            concurrency = o.concurrency,
            max_attempts = o.max_attempts,
            xero_scale = o.xero_rate_scale.unwrap_or(CLIENT_RATE_SCALE),
            worker_extra = o.worker_extra,
            target = o.target,
        );
        let config_path = dir.path().join("ledgerbridge.toml");
        std::fs::write(&config_path, text).unwrap();
        Setup {
            dir,
            config_path,
            db_url,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config(&self) -> ledgerbridge::config::Config {
        ledgerbridge::config::load(Some(&self.config_path)).unwrap()
    }

    pub async fn db(&self) -> Db {
        ledgerbridge::store::open(&self.config()).await.unwrap()
    }

    /// A mapping file of the pair (a copy of the shipped one).
    pub fn mapping(&self, file: &str) -> PathBuf {
        self.dir.path().join("mappings").join(file)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.arg("--config")
            .arg(&self.config_path)
            .args(args)
            .env(
                "RUST_LOG",
                std::env::var("LB_TEST_LOG_LEVEL").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Runs the CLI to its end.
    pub async fn run(&self, args: &[&str]) -> Out {
        let out = tokio::time::timeout(
            Duration::from_secs(300),
            self.command(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output(),
        )
        .await
        .unwrap_or_else(|_| panic!("`ledgerbridge {}` ran over 5 minutes", args.join(" ")))
        .unwrap();
        Out {
            args: args.join(" "),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the CLI and parses its stdout as one JSON document; exit 0 required.
    pub async fn json(&self, args: &[&str]) -> Value {
        self.run(args).await.ok().json()
    }

    /// `ledgerbridge worker` in the background, logging to `worker-N.log`.
    pub fn spawn_worker(&self, n: usize) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(&format!("worker-{n}.log")))
            .unwrap();
        self.command(&["worker"])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn worker")
    }

    /// Jobs not finished yet (pending, running or failed-with-a-retry-to-come).
    pub async fn open_jobs(&self) -> Vec<Value> {
        let all = self
            .json(&["jobs", "list", "--json", "--limit", "1000000"])
            .await;
        all.as_array()
            .expect("jobs list --json is an array")
            .iter()
            .filter(|j| matches!(j["state"].as_str(), Some("pending" | "running" | "failed")))
            .cloned()
            .collect()
    }

    /// Jobs in state `dead`.
    pub async fn dead_jobs(&self) -> Vec<Value> {
        self.json(&[
            "jobs", "list", "--json", "--state", "dead", "--limit", "1000000",
        ])
        .await
        .as_array()
        .unwrap()
        .clone()
    }

    /// Open dead letters (`jobs dead --json`).
    pub async fn dead_letters(&self) -> Vec<Value> {
        self.json(&["jobs", "dead", "--json"])
            .await
            .as_array()
            .expect("jobs dead --json is an array")
            .clone()
    }

    /// Runs one `ledgerbridge worker` until no job is open (at most `timeout`), then
    /// stops it with SIGTERM.
    pub async fn drain(&self, timeout: Duration) {
        let mut w = self.spawn_worker(0);
        let start = Instant::now();
        loop {
            if self.open_jobs().await.is_empty() {
                break;
            }
            assert!(
                start.elapsed() < timeout,
                "jobs still open after {timeout:?}: {:?}; worker log:\n{}",
                self.open_jobs().await,
                tail(&self.path("worker-0.log"), 3000)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        terminate(&mut w).await;
    }
}

/// SIGTERM, then wait (SIGKILL after 20 s).
pub async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    if tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .is_err()
    {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
}

/// The last `n` bytes of a log file.
pub fn tail(path: &Path, n: usize) -> String {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let cut = s.len().saturating_sub(n);
    let cut = (cut..s.len()).find(|i| s.is_char_boundary(*i)).unwrap_or(0);
    s[cut..].to_string()
}

/// A finished CLI run.
#[derive(Debug)]
pub struct Out {
    pub args: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Panics (with the output) unless the exit code was 0.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "`ledgerbridge {}` failed\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            tail_str(&self.stderr, 4000)
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "`ledgerbridge {}` printed no JSON ({e}):\n{}\nstderr:\n{}",
                self.args,
                self.stdout,
                tail_str(&self.stderr, 4000)
            )
        })
    }

    /// The `sync --json` summary of pair `main` (one JSON object per line per pair).
    pub fn summary(&self) -> Value {
        let v = self
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
            .find(|v| v["pair"] == "main")
            .unwrap_or_else(|| {
                panic!(
                    "`ledgerbridge {}` printed no summary for pair main:\n{}\nstderr:\n{}",
                    self.args,
                    self.stdout,
                    tail_str(&self.stderr, 4000)
                )
            });
        for key in SUMMARY_KEYS {
            assert!(
                v[key].is_i64() || v[key].is_u64(),
                "the sync summary has no integer `{key}`: {v}"
            );
        }
        v
    }
}

/// The keys `sync --json` promises.
pub const SUMMARY_KEYS: [&str; 9] = [
    "pulled",
    "planned",
    "created",
    "updated",
    "unchanged",
    "skipped",
    "failed",
    "dead_lettered",
    "api_calls",
];

fn tail_str(s: &str, n: usize) -> &str {
    let cut = s.len().saturating_sub(n);
    let cut = (cut..s.len()).find(|i| s.is_char_boundary(*i)).unwrap_or(0);
    &s[cut..]
}

/// One integer from the store (`SELECT COUNT(*) …`).
pub async fn scalar(db: &Db, sql: &'static str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// `(mapping, source_key, target_id)` of every link of pair `main`.
pub async fn links(db: &Db) -> Vec<(String, String, Option<String>)> {
    const SQL: &str = "SELECT mapping, source_key, target_id FROM links WHERE pair = 'main'";
    match db {
        Db::Sqlite(p) => sqlx::query_as(SQL).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_as(SQL).fetch_all(p).await,
    }
    .expect("read links")
}
