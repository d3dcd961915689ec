//! The benchmark suite: extraction, end-to-end sync, API calls per record,
//! rate-budget use, mapping and webhook ingestion, in one command.
//!
//! ```sh
//! cargo run --release --example bench -- [--quick] [--out bench-results/results.json]
//!     [--only extraction,e2e,budget,mapping,webhook] [--deals 10000,100000]
//!     [--database-url postgres://postgres@127.0.0.1:5432/postgres | --no-postgres]
//! ```
//!
//! It builds the release binaries it drives once (`ledgerbridge`, and the examples
//! `pull_bench`, `sim_server`, `map_bench`, `webhook_bench`), then runs every part with
//! the simulators in their own processes (`ledgerbridge sim …`): throughput runs with
//! `--rate-limits off`, the rate-budget run with Xero's real limits and time scaled.
//! `ledgerbridge sync` runs as a child process; its wall time and peak RSS
//! (`wait4` → `ru_maxrss`) are measured from here. PostgreSQL runs use a fresh database
//! on `--database-url` (or `LEDGERBRIDGE_BENCH_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped afterwards; they are skipped
//! with a notice when nothing answers there.
//!
//! Prints a table (metric, value, goal, met?) and writes every measurement as JSON.
//! It prints numbers; it is not a timed test (`--quick` runs tiny sizes for CI).

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench";
/// Client-side time scale of the throughput runs: large enough that the connectors'
/// own pacing never binds (the simulators run with `--rate-limits off`).
const UNPACED_SCALE: f64 = 1_000_000.0;
/// Time scale of the rate-budget run: Xero's 60 calls a minute become 60 a second.
const BUDGET_SCALE: f64 = 60.0;
const XERO_PER_MINUTE: f64 = 60.0;
const HUBSPOT_PAGE: i64 = 100;
const HUBSPOT_BATCH_READ: i64 = 100;
const HUBSPOT_BATCH_WRITE: i64 = 100;
const XERO_BATCH: i64 = 50;

struct Args {
    quick: bool,
    out: PathBuf,
    only: Option<Vec<String>>,
    deals: Option<Vec<usize>>,
    database_url: Option<String>,
    budget_deals: Option<usize>,
}

fn parse_args() -> Args {
    let mut a = Args {
        quick: false,
        out: PathBuf::from("bench-results/results.json"),
        only: None,
        deals: None,
        database_url: Some(
            std::env::var("LEDGERBRIDGE_BENCH_DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string()),
        ),
        budget_deals: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--quick" => a.quick = true,
            "--out" => a.out = PathBuf::from(value()),
            "--only" => a.only = Some(value().split(',').map(str::to_string).collect()),
            "--deals" => {
                a.deals = Some(
                    value()
                        .split(',')
                        .map(|n| n.parse().unwrap_or_else(|_| usage("--deals: numbers")))
                        .collect(),
                )
            }
            "--budget-deals" => {
                a.budget_deals = Some(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("--budget-deals: a number")),
                )
            }
            "--database-url" => a.database_url = Some(value()),
            "--no-postgres" => a.database_url = None,
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    a
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("bench: {msg}");
    }
    eprintln!(
        "usage: bench [--quick] [--out FILE] [--only extraction,e2e,budget,mapping,webhook] \
         [--deals N,N] [--budget-deals N] [--database-url postgres://… | --no-postgres]"
    );
    std::process::exit(if msg.is_empty() { 0 } else { 2 })
}

impl Args {
    fn runs(&self, part: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|p| p == part))
    }
}

/// One row of the printed table.
struct Row {
    metric: String,
    value: String,
    goal: String,
    met: Option<bool>,
}

fn row(metric: impl Into<String>, value: impl Into<String>, goal: &str, met: Option<bool>) -> Row {
    Row {
        metric: metric.into(),
        value: value.into(),
        goal: goal.into(),
        met,
    }
}

// ---------------------------------------------------------------------------------------
// Machine, build, processes
// ---------------------------------------------------------------------------------------

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    let mem_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0);
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu": cpu,
        "memory_gib": (mem_kb as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        "kernel": sh("uname", &["-r"]),
        "rustc": sh("rustc", &["--version"]),
        "git": sh("git", &["rev-parse", "--short", "HEAD"]),
    })
}

/// target/release (this example lives in target/release/examples).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// Builds every binary the suite drives, once, with this binary's profile. One cargo
/// call per package, each with that package's own features, so the artifacts are the
/// ones `cargo run --release --example …` of each benchmark builds (no second build).
fn build() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let builds: [&[&str]; 3] = [
        &[
            "-p",
            "ledgerbridge",
            "--bin",
            "ledgerbridge",
            "--example",
            "webhook_bench",
        ],
        &[
            "-p",
            "ledgerbridge-hubspot",
            "--features",
            "sim",
            "--example",
            "pull_bench",
            "--example",
            "sim_server",
        ],
        &["-p", "ledgerbridge-mapping", "--example", "map_bench"],
    ];
    eprintln!("bench: building the binaries (once)…");
    let t = Instant::now();
    for args in builds {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("build")
            .args(args);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        if !cmd.status().map(|s| s.success()).unwrap_or(false) {
            eprintln!("bench: the build failed: cargo build {}", args.join(" "));
            std::process::exit(1);
        }
    }
    eprintln!("bench: built in {:.0} s", t.elapsed().as_secs_f64());
}

fn ledgerbridge() -> PathBuf {
    bin_dir().join("ledgerbridge")
}

fn example(name: &str) -> PathBuf {
    bin_dir().join("examples").join(name)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A simulator (`ledgerbridge sim …`) in its own process, killed on drop.
struct Sim {
    child: std::process::Child,
    addr: String,
}

impl Sim {
    fn start(vendor: &str, deals: usize, rate_limits: bool, scale: f64) -> Sim {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut cmd = Command::new(ledgerbridge());
        cmd.args(["sim", vendor, "--listen", &addr, "--token", TOKEN])
            .args(["--rate-limits", if rate_limits { "on" } else { "off" }])
            .args(["--rate-scale", &scale.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if vendor == "hubspot" {
            cmd.args(["--deals", &deals.to_string()]);
        }
        let child = cmd.spawn().expect("simulator starts");
        let sim = Sim { child, addr };
        let t = Instant::now();
        while sim.try_stats().is_none() {
            assert!(
                t.elapsed() < Duration::from_secs(600),
                "{vendor} simulator did not answer"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sim
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn try_stats(&self) -> Option<Value> {
        http_get_json(&self.addr, "/_sim/stats")
    }

    fn stats(&self) -> Value {
        self.try_stats().expect("simulator stats")
    }

    fn cpu_secs(&self) -> f64 {
        proc_cpu(self.child.id())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET over HTTP/1.0 (no chunking), body parsed as JSON.
fn http_get_json(addr: &str, path: &str) -> Option<Value> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        return None;
    }
    serde_json::from_str(body).ok()
}

/// User + system CPU seconds of a running process (`/proc/PID/stat`).
fn proc_cpu(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    ticks as f64 / hz
}

/// What a finished child process used.
struct Usage {
    ok: bool,
    wall: f64,
    cpu: f64,
    max_rss_mb: f64,
    stdout: String,
    stderr: String,
}

/// Runs a command to completion; `wait4` gives its own peak RSS and CPU time.
/// `during` is called every 50 ms while it runs.
// The child is reaped by `wait4` below (which also gives its rusage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_measured(mut cmd: Command, dir: &Path, mut during: impl FnMut()) -> Usage {
    let out_path = dir.join(format!("child-{}.out", free_port()));
    let err_path = out_path.with_extension("err");
    cmd.stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    let t = Instant::now();
    let child = cmd.spawn().expect("child process starts");
    let pid = child.id() as libc::pid_t;
    let (status, ru) = loop {
        let mut status = 0;
        // SAFETY: plain libc call on our own child; both out-pointers are valid.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break (status, ru);
        }
        assert!(r == 0, "wait4 failed");
        during();
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall = t.elapsed().as_secs_f64();
    if let Some(keep) = std::env::var_os("LEDGERBRIDGE_BENCH_KEEP") {
        let to = Path::new(&keep).join(err_path.file_name().expect("a file name"));
        let _ = std::fs::copy(&err_path, to);
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        ok: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        wall,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        // Linux: kilobytes
        max_rss_mb: ru.ru_maxrss as f64 / 1024.0,
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

fn last_json_line(s: &str) -> Option<Value> {
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .and_then(|l| serde_json::from_str(l).ok())
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

// ---------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------

enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// A fresh database for one run; dropped (PostgreSQL) when this is dropped.
struct FreshDb {
    url: String,
    pg_admin: Option<(String, String)>,
    rt: tokio::runtime::Handle,
}

impl FreshDb {
    fn new(rt: &tokio::runtime::Runtime, backend: &Backend, dir: &Path) -> FreshDb {
        match backend {
            Backend::Sqlite => FreshDb {
                url: format!("sqlite://{}", dir.join("bench.db").display()),
                pg_admin: None,
                rt: rt.handle().clone(),
            },
            Backend::Postgres(server) => {
                let name = format!("lb_bench_{:012x}", rand::random::<u64>() >> 16);
                rt.block_on(async {
                    let admin = sqlx::PgPool::connect(server).await.expect("PostgreSQL");
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&admin)
                        .await
                        .expect("create bench database");
                    admin.close().await;
                });
                let mut u = url::Url::parse(server).expect("postgres URL");
                u.set_path(&format!("/{name}"));
                FreshDb {
                    url: u.to_string(),
                    pg_admin: Some((server.clone(), name)),
                    rt: rt.handle().clone(),
                }
            }
        }
    }

    /// `(object, count)` rows of a counting query (SQLite and PostgreSQL spelling).
    fn counts(&self, sqlite: &'static str, pg: &'static str) -> BTreeMap<String, i64> {
        self.rt.block_on(async {
            let rows: Vec<(String, Option<i64>)> = if self.pg_admin.is_some() {
                let p = sqlx::PgPool::connect(&self.url).await.expect("database");
                let r = sqlx::query_as(pg).fetch_all(&p).await.expect("query");
                p.close().await;
                r
            } else {
                let opts: sqlx::sqlite::SqliteConnectOptions =
                    self.url.parse().expect("sqlite url");
                let p = sqlx::SqlitePool::connect_with(opts.read_only(true))
                    .await
                    .expect("database");
                let r = sqlx::query_as(sqlite).fetch_all(&p).await.expect("query");
                p.close().await;
                r
            };
            rows.into_iter().map(|(k, v)| (k, v.unwrap_or(0))).collect()
        })
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_admin.take() {
            self.rt.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&server).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
            });
        }
    }
}

fn postgres_answers(rt: &tokio::runtime::Runtime, url: &str) -> bool {
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), sqlx::PgPool::connect(url))
            .await
            .is_ok_and(|r| r.is_ok())
    })
}

// ---------------------------------------------------------------------------------------
// A sync run against the two simulators
// ---------------------------------------------------------------------------------------

const MAPPINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/hubspot-xero");

fn write_config(dir: &Path, db_url: &str, hubspot: &Sim, xero: &Sim, xero_scale: f64) -> PathBuf {
    let maps = dir.join("mappings").join("hubspot-xero");
    std::fs::create_dir_all(&maps).expect("mappings dir");
    for e in std::fs::read_dir(MAPPINGS).expect("shipped mappings") {
        let e = e.expect("mapping file");
        std::fs::copy(e.path(), maps.join(e.file_name())).expect("copy mapping");
    }
    let path = dir.join("ledgerbridge.toml");
    std::fs::write(
        &path,
        format!(
            r#"# written by the benchmark suite (examples/bench.rs)
[database]
url = "{db_url}"

[connections.crm]
kind = "hubspot"
base_url = "{hubspot}"
access_token = "{TOKEN}"
rate_scale = {UNPACED_SCALE:.1}

[connections.books]
kind = "xero"
base_url = "{xero}"
access_token = "{TOKEN}"
rate_scale = {xero_scale:.1}

[[pairs]]
name = "main"
source = "crm"
target = "books"
mappings = "mappings/hubspot-xero"
start_date = "2025-01-01"

[worker]
concurrency = 4
heartbeat_secs = 1
poll_interval_ms = 50
"#,
            hubspot = hubspot.url(),
            xero = xero.url(),
        ),
    )
    .expect("config");
    path
}

/// `LEDGERBRIDGE_BENCH_PERF=DIR` runs every sync under `perf record -e cpu-clock -g`,
/// one `DIR/sync-N.perf.data` each, for the profiles BENCHMARKS.md quotes (the peak
/// RSS printed is then perf's, not the sync's).
fn sync_cmd(config: &Path, full: bool) -> Command {
    let mut c = match std::env::var_os("LEDGERBRIDGE_BENCH_PERF") {
        Some(dir) => {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let out = Path::new(&dir).join(format!("sync-{n}.perf.data"));
            let mut c = Command::new("perf");
            c.args(["record", "-q", "-e", "cpu-clock", "-g", "-o"])
                .arg(out)
                .arg("--")
                .arg(ledgerbridge());
            c
        }
        None => Command::new(ledgerbridge()),
    };
    c.args(["sync", "--json", "--config"]).arg(config);
    if full {
        c.arg("--full");
    }
    // `LEDGERBRIDGE_BENCH_RUST_LOG=sqlx::query=debug` with `LEDGERBRIDGE_BENCH_KEEP=DIR`
    // keeps a statement log of each sync (DIR/child-*.err) to count what it runs.
    let log = std::env::var("LEDGERBRIDGE_BENCH_RUST_LOG").unwrap_or_else(|_| "warn".into());
    c.env("RUST_LOG", log)
        .env_remove("LEDGERBRIDGE__DATABASE__URL");
    c
}

fn calls_of(stats: &Value) -> BTreeMap<String, i64> {
    stats["calls"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

fn diff_calls(after: &Value, before: &Value) -> BTreeMap<String, i64> {
    let b = calls_of(before);
    calls_of(after)
        .into_iter()
        .map(|(k, v)| {
            let d = v - b.get(&k).copied().unwrap_or(0);
            (k, d)
        })
        .filter(|(_, d)| *d != 0)
        .collect()
}

fn num(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or(0)
}

fn ceil_div(n: i64, d: i64) -> i64 {
    if n <= 0 { 0 } else { (n + d - 1) / d }
}

/// The object kind a simulator path belongs to.
fn kind_of(vendor: &str, path: &str) -> String {
    let p = path.split_once(' ').map_or(path, |(_, p)| p);
    if vendor == "hubspot" {
        if let Some(rest) = p.strip_prefix("/crm/v3/objects/") {
            let t = rest.split('/').next().unwrap_or(rest);
            if is_write(path) {
                return match t {
                    "deals" => "deal write-back".into(),
                    "companies" => "company write-back".into(),
                    other => format!("{other} write"),
                };
            }
            return match t {
                "calls" | "emails" | "meetings" | "notes" => "interaction".into(),
                "deals" => "deal".into(),
                "companies" => "company".into(),
                "contacts" => "contact".into(),
                "line_items" => "line_item".into(),
                other => other.into(),
            };
        }
        if p.contains("associations") {
            return "association".into();
        }
        "other".into()
    } else {
        if p.ends_with("/History") {
            return "note".into();
        }
        if let Some(rest) = p.strip_prefix("/api.xro/2.0/") {
            return match rest.split('/').next().unwrap_or(rest) {
                "Contacts" => "customer".into(),
                "Invoices" => "invoice".into(),
                "Payments" => "payment".into(),
                other => other.to_string(),
            };
        }
        "other".into()
    }
}

fn is_write(path: &str) -> bool {
    let (method, p) = path.split_once(' ').unwrap_or(("GET", path));
    match method {
        "GET" => false,
        // searches and batch reads are reads
        "POST" => !(p.ends_with("/search") || p.ends_with("/batch/read")),
        _ => true,
    }
}

/// Calls per object kind ÷ the least calls that kind could take.
fn calls_per_record(
    db: &FreshDb,
    hubspot_calls: &BTreeMap<String, i64>,
    xero_calls: &BTreeMap<String, i64>,
) -> Value {
    // what was pulled, per HubSpot list (interactions: one list per kind)
    let mut minimum: BTreeMap<(String, String), (i64, String)> = BTreeMap::new();
    let mirror = db.counts(
        "SELECT CASE WHEN object = 'interaction' THEN 'interaction:' || json_extract(payload, '$.kind') ELSE object END, COUNT(*) FROM records GROUP BY 1",
        "SELECT CASE WHEN object = 'interaction' THEN 'interaction:' || ((payload::jsonb)->>'kind') ELSE object END, COUNT(*) FROM records GROUP BY 1",
    );
    let line_items = db.counts(
        "SELECT 'line_item', SUM(json_array_length(payload, '$.line_items')) FROM records WHERE object = 'deal'",
        "SELECT 'line_item', SUM(jsonb_array_length((payload::jsonb)->'line_items'))::BIGINT FROM records WHERE object = 'deal'",
    );
    let mut interaction = (0, 0);
    for (obj, n) in &mirror {
        if obj.starts_with("interaction:") {
            interaction.0 += n;
            interaction.1 += ceil_div(*n, HUBSPOT_PAGE);
        } else {
            minimum.insert(
                ("hubspot".into(), obj.clone()),
                (
                    ceil_div(*n, HUBSPOT_PAGE),
                    format!("{n} records / pages of {HUBSPOT_PAGE}"),
                ),
            );
        }
    }
    if interaction.0 > 0 {
        minimum.insert(
            ("hubspot".into(), "interaction".into()),
            (
                interaction.1,
                format!(
                    "{} records / pages of {HUBSPOT_PAGE} per kind",
                    interaction.0
                ),
            ),
        );
    }
    // what was written back to the CRM (deal status, company totals): batches of 100
    let written_back = db.counts(
        "SELECT substr(record_key, 1, instr(record_key, ':') - 1), COUNT(*) FROM writebacks GROUP BY 1",
        "SELECT split_part(record_key, ':', 1), COUNT(*) FROM writebacks GROUP BY 1",
    );
    for (obj, n) in &written_back {
        minimum.insert(
            ("hubspot".into(), format!("{obj} write-back")),
            (
                ceil_div(*n, HUBSPOT_BATCH_WRITE),
                format!("{n} records / batch updates of {HUBSPOT_BATCH_WRITE}"),
            ),
        );
    }
    let li = line_items.get("line_item").copied().unwrap_or(0);
    minimum.insert(
        ("hubspot".into(), "line_item".into()),
        (
            ceil_div(li, HUBSPOT_BATCH_READ),
            format!("{li} line items / batch reads of {HUBSPOT_BATCH_READ}"),
        ),
    );
    // what was written, per Xero object
    let links = db.counts(
        "SELECT target_object, COUNT(*) FROM links WHERE target_id IS NOT NULL GROUP BY 1",
        "SELECT target_object, COUNT(*) FROM links WHERE target_id IS NOT NULL GROUP BY 1",
    );
    // History notes go one call per subject (the company's Xero contact), up to
    // XERO_BATCH per call: the minimum is the sum over subjects.
    let notes_by_subject = db.counts(
        "SELECT COALESCE(CAST(json_extract(r.payload, '$.company_ids[0]') AS TEXT), ''), COUNT(*) FROM links l \
         JOIN records r ON r.record_key = l.source_key \
         WHERE l.target_object = 'note' AND l.target_id IS NOT NULL GROUP BY 1",
        "SELECT COALESCE(r.payload::jsonb->'company_ids'->>0, ''), COUNT(*) FROM links l \
         JOIN records r ON r.record_key = l.source_key \
         WHERE l.target_object = 'note' AND l.target_id IS NOT NULL GROUP BY 1",
    );
    let note_calls: i64 = notes_by_subject
        .values()
        .map(|n| ceil_div(*n, XERO_BATCH))
        .sum();
    for (obj, n) in &links {
        let (min, why) = if obj == "note" {
            (
                note_calls,
                format!(
                    "{n} notes on {} subjects / History PUTs of up to {XERO_BATCH} per subject",
                    notes_by_subject.len()
                ),
            )
        } else {
            (
                ceil_div(*n, XERO_BATCH),
                format!("{n} records / batches of {XERO_BATCH}"),
            )
        };
        minimum.insert(("xero".into(), obj.clone()), (min, why));
    }
    let mut made: BTreeMap<(String, String), (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for (vendor, calls) in [("hubspot", hubspot_calls), ("xero", xero_calls)] {
        for (path, n) in calls {
            let e = made
                .entry((vendor.to_string(), kind_of(vendor, path)))
                .or_default();
            e.0 += n;
            e.1.insert(path.clone(), *n);
        }
    }
    let mut kinds = Vec::new();
    let (mut total_made, mut total_min) = (0, 0);
    let mut worst: Option<(f64, String)> = None;
    let keys: std::collections::BTreeSet<_> = minimum.keys().chain(made.keys()).cloned().collect();
    for k in keys {
        let (m, why) = minimum.get(&k).cloned().unwrap_or((0, "no records".into()));
        let (c, paths) = made.get(&k).cloned().unwrap_or_default();
        total_made += c;
        total_min += m;
        let ratio = (m > 0).then(|| c as f64 / m as f64);
        let label = format!("{} {}", k.0, k.1);
        if let Some(r) = ratio
            && worst.as_ref().is_none_or(|(w, _)| r > *w)
        {
            worst = Some((r, label.clone()));
        }
        kinds.push(json!({
            "vendor": k.0, "kind": k.1, "calls": c, "minimum": m, "basis": why,
            "ratio": ratio.map(|r| (r * 1000.0).round() / 1000.0), "paths": paths,
        }));
    }
    json!({
        "kinds": kinds,
        "total_calls": total_made,
        "total_minimum": total_min,
        "overall_ratio": (total_min > 0).then(|| ((total_made as f64 / total_min as f64) * 1000.0).round() / 1000.0),
        "worst": worst.map(|(r, k)| json!({"kind": k, "ratio": (r * 1000.0).round() / 1000.0})),
    })
}

struct E2e {
    json: Value,
    rows: Vec<Row>,
}

fn e2e(
    rt: &tokio::runtime::Runtime,
    backend: &Backend,
    deals: usize,
    goal_rate: bool,
    with_noop: bool,
) -> E2e {
    let dir = tempfile::tempdir().expect("tempdir");
    let label = format!("e2e {} {deals}", backend.name());
    eprintln!("bench: {label}: seeding the simulators…");
    let hubspot = Sim::start("hubspot", deals, false, 1.0);
    let xero = Sim::start("xero", 0, false, 1.0);
    let db = FreshDb::new(rt, backend, dir.path());
    let config = write_config(dir.path(), &db.url, &hubspot, &xero, UNPACED_SCALE);
    let (h0, x0) = (hubspot.stats(), xero.stats());
    let (hc0, xc0) = (hubspot.cpu_secs(), xero.cpu_secs());
    let load0 = loadavg();
    eprintln!("bench: {label}: full sync…");
    let full = run_measured(sync_cmd(&config, true), dir.path(), || {});
    let (h1, x1) = (hubspot.stats(), xero.stats());
    let (hc1, xc1) = (hubspot.cpu_secs(), xero.cpu_secs());
    let summary = last_json_line(&full.stdout).unwrap_or(Value::Null);
    if !full.ok {
        eprintln!(
            "bench: {label}: sync exited with failure (records that failed are listed as dead letters); stderr tail:\n{}",
            tail(&full.stderr, 5)
        );
    }
    let hub_calls = diff_calls(&h1, &h0);
    let xero_calls = diff_calls(&x1, &x0);
    let per_record = calls_per_record(&db, &hub_calls, &xero_calls);
    let rate = deals as f64 / full.wall;
    let mut rows = vec![
        row(
            format!("{label}: deals/s"),
            format!("{rate:.0}"),
            if goal_rate { "≥ 5000" } else { "—" },
            goal_rate.then_some(rate >= 5000.0),
        ),
        row(
            format!("{label}: wall time"),
            format!("{:.1} s", full.wall),
            "—",
            None,
        ),
        row(
            format!("{label}: peak RSS of the sync process"),
            format!("{:.0} MB", full.max_rss_mb),
            if deals >= 100_000 {
                "≤ 200 MB"
            } else {
                "—"
            },
            (deals >= 100_000).then_some(full.max_rss_mb <= 200.0),
        ),
    ];
    if let Some(w) = per_record.get("worst").filter(|w| !w.is_null()) {
        let r = w["ratio"].as_f64().unwrap_or(0.0);
        rows.push(row(
            format!("{label}: API calls ÷ minimum, worst kind"),
            format!("{r:.2} ({})", w["kind"].as_str().unwrap_or("")),
            "≤ 1.05",
            Some(r <= 1.05),
        ));
    }
    if let Some(r) = per_record["overall_ratio"].as_f64() {
        rows.push(row(
            format!("{label}: API calls ÷ minimum, all kinds"),
            format!("{r:.3}"),
            "≤ 1.05",
            Some(r <= 1.05),
        ));
    }
    let noop = if with_noop {
        let (j, r) = noop_sync(&label, &config, dir.path(), &hubspot, &xero, (&h1, &x1));
        rows.extend(r);
        j
    } else {
        Value::Null
    };
    let json = json!({
        "backend": backend.name(),
        "deals": deals,
        "ok": full.ok,
        "wall_s": round3(full.wall),
        "deals_per_s": rate.round(),
        "sync_cpu_s": round3(full.cpu),
        "peak_rss_mb": round3(full.max_rss_mb),
        "hubspot_sim_cpu_s": round3(hc1 - hc0),
        "xero_sim_cpu_s": round3(xc1 - xc0),
        "load_before": load0,
        "load_after": loadavg(),
        "summary": summary,
        "hubspot_stats": h1,
        "xero_stats": x1,
        "calls_per_record": per_record,
        "noop": noop,
    });
    E2e { json, rows }
}

/// A no-op incremental sync after the full one: only list/search calls, nothing written.
fn noop_sync(
    label: &str,
    config: &Path,
    dir: &Path,
    hubspot: &Sim,
    xero: &Sim,
    (h1, x1): (&Value, &Value),
) -> (Value, Vec<Row>) {
    // a no-op incremental sync: only list/search calls, nothing written
    eprintln!("bench: {label}: no-op incremental sync…");
    let noop = run_measured(sync_cmd(config, false), dir, || {});
    let (h2, x2) = (hubspot.stats(), xero.stats());
    let noop_h = diff_calls(&h2, h1);
    let noop_x = diff_calls(&x2, x1);
    let noop_writes =
        num(&h2, "writes") - num(h1, "writes") + num(&x2, "writes") - num(x1, "writes");
    let noop_other: Vec<String> = noop_h
        .keys()
        .chain(noop_x.keys())
        .filter(|p| {
            let list_or_search = p.starts_with("GET ") || p.ends_with("/search");
            is_write(p) || !list_or_search || p.contains('{')
        })
        .cloned()
        .collect();
    let noop_summary = last_json_line(&noop.stdout).unwrap_or(Value::Null);
    let mut rows = Vec::new();
    rows.push(row(
        format!("{label}: no-op incremental sync: writes"),
        format!("{noop_writes}"),
        "0",
        Some(noop_writes == 0),
    ));
    let other_calls: i64 = noop_h
        .iter()
        .chain(noop_x.iter())
        .filter(|(p, _)| noop_other.contains(p))
        .map(|(_, n)| n)
        .sum();
    rows.push(row(
        format!("{label}: no-op incremental sync: calls other than list/search"),
        format!(
            "{other_calls} ({} records re-listed)",
            num(&noop_summary, "pulled")
        ),
        "0",
        Some(other_calls == 0),
    ));
    let json = json!({
        "ok": noop.ok,
        "wall_s": round3(noop.wall),
        "summary": noop_summary,
        "writes": noop_writes,
        "hubspot_calls": noop_h,
        "xero_calls": noop_x,
        "not_list_or_search": noop_other,
    });
    (json, rows)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

// ---------------------------------------------------------------------------------------
// Rate-budget use: Xero at its real limits, time scaled
// ---------------------------------------------------------------------------------------

fn tenant_calls(stats: &Value) -> i64 {
    calls_of(stats)
        .iter()
        .filter(|(p, _)| !p.ends_with("/connections"))
        .map(|(_, n)| n)
        .sum()
}

fn budget(rt: &tokio::runtime::Runtime, deals: usize) -> (Value, Vec<Row>) {
    let dir = tempfile::tempdir().expect("tempdir");
    eprintln!("bench: rate budget: {deals} deals, Xero at its real limits scaled {BUDGET_SCALE}x…");
    let hubspot = Sim::start("hubspot", deals, false, 1.0);
    let xero = Sim::start("xero", 0, true, BUDGET_SCALE);
    let db = FreshDb::new(rt, &Backend::Sqlite, dir.path());
    let config = write_config(dir.path(), &db.url, &hubspot, &xero, BUDGET_SCALE);
    let x0 = xero.stats();
    let base = tenant_calls(&x0);
    // (seconds since start, tenant calls so far) every time the count moved
    let t0 = Instant::now();
    let mut first: Option<f64> = None;
    let mut last = (0.0f64, base);
    let mut timeline: Vec<(f64, i64)> = Vec::new();
    let mut sample = || {
        if let Some(s) = xero.try_stats() {
            let n = tenant_calls(&s);
            let t = t0.elapsed().as_secs_f64();
            if n > last.1 {
                if first.is_none() {
                    first = Some(t);
                }
                last = (t, n);
                timeline.push((round3(t), n - base));
            }
        }
    };
    let run = run_measured(sync_cmd(&config, true), dir.path(), &mut sample);
    sample();
    let x1 = xero.stats();
    let calls = tenant_calls(&x1) - base;
    let limited = num(&x1, "rate_limited") - num(&x0, "rate_limited");
    let minute = 60.0 / BUDGET_SCALE;
    // the window in which Xero was being called: first to last call seen (50 ms polls)
    let active = first.map_or(0.0, |f| (last.0 - f).max(minute / XERO_PER_MINUTE));
    let allowed_active = XERO_PER_MINUTE * active / minute;
    let allowed_run = XERO_PER_MINUTE * run.wall / minute;
    // the first call is at the start of the window: calls after it over the allowance
    let used = if allowed_active > 0.0 {
        (calls - 1).max(0) as f64 / allowed_active
    } else {
        0.0
    };
    let used_run = if allowed_run > 0.0 {
        calls as f64 / allowed_run
    } else {
        0.0
    };
    let summary = last_json_line(&run.stdout).unwrap_or(Value::Null);
    if !run.ok {
        eprintln!(
            "bench: rate budget: sync exited with failure; stderr tail:\n{}",
            tail(&run.stderr, 5)
        );
    }
    let rows = vec![
        row(
            format!(
                "rate budget ({deals} deals, Xero {XERO_PER_MINUTE}/min scaled {BUDGET_SCALE}x): calls used ÷ allowed while calling Xero"
            ),
            format!(
                "{:.1} % ({calls} calls in {:.1} scaled min)",
                used * 100.0,
                active / minute
            ),
            "≥ 95 %",
            Some(used >= 0.95),
        ),
        row(
            "rate budget: … over the whole sync (incl. HubSpot pull and planning)",
            format!("{:.1} %", used_run * 100.0),
            "—",
            None,
        ),
        row(
            "rate budget: unplanned 429s",
            limited.to_string(),
            "0",
            Some(limited == 0),
        ),
    ];
    let json = json!({
        "deals": deals,
        "rate_scale": BUDGET_SCALE,
        "ok": run.ok,
        "xero_tenant_calls": calls,
        "rate_limited": limited,
        "active_s": round3(active),
        "active_scaled_minutes": round3(active / minute),
        "allowed_in_active_window": round3(allowed_active),
        "fraction_used_active": round3(used),
        "wall_s": round3(run.wall),
        "fraction_used_whole_run": round3(used_run),
        "summary": summary,
        "xero_stats": x1,
        "timeline": timeline,
    });
    (json, rows)
}

// ---------------------------------------------------------------------------------------
// Extraction, mapping, webhooks: the existing benchmarks
// ---------------------------------------------------------------------------------------

fn extraction(deals: usize, runs: usize) -> (Value, Vec<Row>) {
    eprintln!("bench: extraction: {deals} deals, {runs} runs…");
    let out = Command::new(example("pull_bench"))
        .args([&deals.to_string(), "--runs", &runs.to_string(), "--json"])
        .env_remove("CARGO")
        .stderr(Stdio::inherit())
        .output()
        .expect("pull_bench runs");
    let runs_: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut rates: Vec<f64> = runs_
        .iter()
        .filter_map(|r| r["records_per_s"].as_f64())
        .collect();
    rates.sort_by(f64::total_cmp);
    let median = rates.get(rates.len() / 2).copied().unwrap_or(0.0);
    let best = runs_
        .iter()
        .max_by(|a, b| {
            a["records_per_s"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&b["records_per_s"].as_f64().unwrap_or(0.0))
        })
        .cloned()
        .unwrap_or(Value::Null);
    let rows = vec![
        row(
            format!("extraction: {deals} deals with associations, records/s (median of {runs})"),
            format!("{median:.0}"),
            "≥ 50000",
            Some(median >= 50_000.0),
        ),
        row(
            "extraction: CPU seconds, client / simulator (best run)",
            format!(
                "{:.2} / {:.2} s in {:.2} s wall",
                best["client_cpu_s"].as_f64().unwrap_or(0.0),
                best["sim_cpu_s"].as_f64().unwrap_or(0.0),
                best["wall_s"].as_f64().unwrap_or(0.0)
            ),
            "—",
            None,
        ),
    ];
    (
        json!({"deals": deals, "median_records_per_s": median, "runs": runs_, "ok": out.status.success()}),
        rows,
    )
}

fn mapping(quick: bool) -> (Value, Vec<Row>) {
    eprintln!("bench: mapping…");
    let rounds = if quick { "20" } else { "500" };
    let out = Command::new(example("map_bench"))
        .args(["200", rounds])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/mapping"))
        .output()
        .expect("map_bench runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let best: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("best: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    (
        json!({"best_evaluations_per_s": best, "output": text, "ok": out.status.success()}),
        vec![row(
            "mapping: deal → invoice evaluations/s, one core",
            format!("{best:.0}"),
            "≥ 20000",
            Some(best >= 20_000.0),
        )],
    )
}

fn webhook(backend: &Backend, events: usize) -> (Value, Vec<Row>) {
    eprintln!("bench: webhook ingestion on {}…", backend.name());
    let mut cmd = Command::new(example("webhook_bench"));
    cmd.args(["--events", &events.to_string()]);
    if let Backend::Postgres(url) = backend {
        cmd.args(["--database-url", url]);
    }
    let out = cmd
        .env("RUST_LOG", "warn")
        .output()
        .expect("webhook_bench runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let after = |key: &str| -> Option<f64> {
        text.split_whitespace()
            .skip_while(|w| *w != key)
            .nth(1)
            .and_then(|n| n.parse().ok())
    };
    let rate = after("events/s").unwrap_or(0.0);
    let p50 = after("p50").unwrap_or(f64::NAN);
    let p99 = after("p99").unwrap_or(f64::NAN);
    let ok = out.status.success();
    let b = backend.name();
    (
        json!({"backend": b, "events": events, "events_per_s": rate, "p50_ms": p50, "p99_ms": p99, "ok": ok, "output": text}),
        vec![
            row(
                format!("webhook ingestion {b}: events/s"),
                format!("{rate:.0}"),
                "≥ 2000",
                Some(ok && rate >= 2000.0),
            ),
            row(
                format!("webhook ingestion {b}: p50 / p99 per delivery"),
                format!("{p50:.1} / {p99:.1} ms"),
                "p99 < 50 ms",
                Some(ok && p99 < 50.0),
            ),
        ],
    )
}

// ---------------------------------------------------------------------------------------

fn main() {
    let args = parse_args();
    let started = Instant::now();
    build();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let pg = match &args.database_url {
        Some(u) if postgres_answers(&rt, u) => Some(u.clone()),
        Some(u) => {
            eprintln!("bench: note: no PostgreSQL answers at {u}; its runs are skipped");
            None
        }
        None => None,
    };
    let mut backends = vec![Backend::Sqlite];
    if let Some(u) = &pg {
        backends.push(Backend::Postgres(u.clone()));
    }
    let load_start = loadavg();
    let mut rows: Vec<Row> = Vec::new();
    let mut results = serde_json::Map::new();
    results.insert("machine".into(), machine());
    results.insert("quick".into(), json!(args.quick));
    results.insert("load_average_start".into(), json!(load_start));

    if args.runs("extraction") {
        let (deals, runs) = if args.quick { (500, 1) } else { (20_000, 3) };
        let (j, r) = extraction(deals, runs);
        results.insert("extraction".into(), j);
        save(&args.out, &results);
        show(&r);
        rows.extend(r);
    }
    if args.runs("e2e") {
        let sizes = args.deals.clone().unwrap_or_else(|| {
            if args.quick {
                vec![500]
            } else {
                vec![10_000, 100_000]
            }
        });
        let mut all = Vec::new();
        for b in &backends {
            for (i, &n) in sizes.iter().enumerate() {
                // the no-op check is about which calls are made, not scale: at the smallest size
                // (the Xero simulator pages its invoice list in O(N) per page, so a
                // 100,000-deal no-op spends minutes inside the simulator)
                let r = e2e(&rt, b, n, matches!(b, Backend::Sqlite), i == 0);
                show(&r.rows);
                rows.extend(r.rows);
                all.push(r.json);
                results.insert("end_to_end".into(), Value::Array(all.clone()));
                save(&args.out, &results);
            }
        }
        results.insert("end_to_end".into(), Value::Array(all));
    }
    if args.runs("budget") {
        let deals = args
            .budget_deals
            .unwrap_or(if args.quick { 200 } else { 2_000 });
        let (j, r) = budget(&rt, deals);
        results.insert("rate_budget".into(), j);
        save(&args.out, &results);
        show(&r);
        rows.extend(r);
    }
    if args.runs("mapping") {
        let (j, r) = mapping(args.quick);
        results.insert("mapping".into(), j);
        save(&args.out, &results);
        show(&r);
        rows.extend(r);
    }
    if args.runs("webhook") {
        let events = if args.quick { 1_000 } else { 20_000 };
        let mut all = Vec::new();
        for b in &backends {
            let (j, r) = webhook(b, events);
            all.push(j);
            results.insert("webhook".into(), Value::Array(all.clone()));
            save(&args.out, &results);
            show(&r);
            rows.extend(r);
        }
        results.insert("webhook".into(), Value::Array(all));
    }
    let load_end = loadavg();
    results.insert("load_average_end".into(), json!(load_end));
    results.insert("seconds".into(), json!(started.elapsed().as_secs().max(1)));
    results.insert(
        "table".into(),
        Value::Array(
            rows.iter()
                .map(
                    |r| json!({"metric": r.metric, "value": r.value, "goal": r.goal, "met": r.met}),
                )
                .collect(),
        ),
    );

    print_table(&rows);
    let m = &results["machine"];
    println!(
        "\n{} cores ({}), {} GiB; load average {load_start} at the start, {load_end} at the end; {:.0} s",
        m["cores"],
        m["cpu"].as_str().unwrap_or(""),
        m["memory_gib"],
        started.elapsed().as_secs_f64()
    );
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).expect("results folder");
    }
    std::fs::write(
        &args.out,
        serde_json::to_string_pretty(&Value::Object(results)).expect("json"),
    )
    .expect("write results");
    println!("results: {}", args.out.display());
}

/// Each measurement as soon as it is taken (stderr), so a long run shows progress.
fn show(rows: &[Row]) {
    for r in rows {
        let met = match r.met {
            Some(true) => " — met",
            Some(false) => " — MISSED",
            None => "",
        };
        eprintln!("bench:   {}: {} (goal {}){met}", r.metric, r.value, r.goal);
    }
}

/// Writes what has been measured so far (after every part, so a long run that is
/// stopped keeps its numbers).
fn save(out: &Path, results: &serde_json::Map<String, Value>) {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).expect("results folder");
    }
    std::fs::write(
        out,
        serde_json::to_string_pretty(&Value::Object(results.clone())).expect("json"),
    )
    .expect("write results");
}

fn print_table(rows: &[Row]) {
    let w0 = rows
        .iter()
        .map(|r| r.metric.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let w1 = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let w2 = rows
        .iter()
        .map(|r| r.goal.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
    println!(
        "\n| {} | {} | {} | met? |",
        pad("metric", w0),
        pad("value", w1),
        pad("goal", w2)
    );
    println!(
        "|{}|{}|{}|------|",
        "-".repeat(w0 + 2),
        "-".repeat(w1 + 2),
        "-".repeat(w2 + 2)
    );
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!(
            "| {} | {} | {} | {} |",
            pad(&r.metric, w0),
            pad(&r.value, w1),
            pad(&r.goal, w2),
            pad(met, 4)
        );
    }
}
