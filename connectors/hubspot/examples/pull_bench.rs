//! Extraction benchmark: a full pull of N seeded deals
//! with their associations and line items, the simulator in its own process
//! with rate limits off.
//!
//! `cargo run --release -p ledgerbridge-hubspot --example pull_bench --features sim -- [DEALS] [--runs R] [--in-process] [--sim-url URL] [--json]`
//!
//! The simulator is the `sim_server` example binary (built next to this one
//! with the same profile when run through cargo). Prints records/s, wall
//! time, API calls and the CPU seconds (getrusage) of this client process
//! and of the simulator process; `--json` prints one JSON object per run
//! for the benchmark suite. `--sim-url` uses a simulator already running
//! (seeded with DEALS deals, token `bench`), e.g. to profile one side alone.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use ledgerbridge_hubspot::{HubSpotClient, HubSpotConfig, HubSpotSource};
use ledgerbridge_sdk::CrmSource;
use ledgerbridge_sdk::auth::StaticToken;
use ledgerbridge_sdk::model::CrmObject;
use ledgerbridge_sdk::sim::SimOptions;

const TOKEN: &str = "bench";

/// User + system CPU time of this process.
fn self_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    if rc != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// User + system CPU time of another process (Linux `/proc/PID/stat`).
fn proc_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // fields after the parenthesised command name; utime and stime are 14 and 15
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_micros(ticks * 1_000_000 / hz))
}

/// The `sim_server` example binary, built with this binary's profile.
fn sim_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().expect("exe dir").to_path_buf();
    let bin = dir.join(format!("sim_server{}", std::env::consts::EXE_SUFFIX));
    // under `cargo run` CARGO is set: make sure the simulator is up to date
    if let Ok(cargo) = std::env::var("CARGO").or_else(|_| {
        if bin.exists() {
            Err(())
        } else {
            Ok("cargo".into())
        }
    }) {
        let mut cmd = Command::new(cargo);
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "ledgerbridge-hubspot",
            "--features",
            "sim",
            "--example",
            "sim_server",
        ]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let ok = cmd.status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "building the sim_server example failed");
    }
    bin
}

struct SimProcess {
    child: Child,
    base_url: String,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(deals: usize) -> SimProcess {
    let mut child = Command::new(sim_binary())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--deals",
            &deals.to_string(),
            "--token",
            TOKEN,
            "--rate-limits",
            "off",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("simulator process starts");
    let out = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("simulator prints its address");
    let base_url = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected simulator output {line:?}"))
        .to_string();
    SimProcess { child, base_url }
}

#[tokio::main]
async fn main() {
    let mut deals = 20_000usize;
    let mut runs = 3usize;
    let mut in_process = false;
    let mut json = false;
    let mut sim_url = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--in-process" => in_process = true,
            "--json" => json = true,
            "--sim-url" => sim_url = Some(args.next().expect("--sim-url URL")),
            n => deals = n.parse().expect("DEALS is a number"),
        }
    }

    let t = Instant::now();
    let mut _in_proc = None;
    let mut sim_proc = None;
    let base_url = if let Some(url) = sim_url {
        url
    } else if in_process {
        let opts = SimOptions {
            deals,
            token: Some(TOKEN.into()),
            rate_limits: false,
            ..SimOptions::default()
        };
        let (sim, handle) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", opts)
            .await
            .expect("simulator starts");
        let url = sim.base_url.clone();
        _in_proc = Some((sim, handle));
        url
    } else {
        let p = start_sim(deals);
        let url = p.base_url.clone();
        sim_proc = Some(p);
        url
    };
    if !json {
        println!(
            "simulator ({}) seeded {deals} deals in {:.2}s at {base_url}",
            if in_process {
                "in-process"
            } else {
                "own process"
            },
            t.elapsed().as_secs_f64()
        );
    }

    for run in 1..=runs {
        let cfg = HubSpotConfig {
            base_url: base_url.clone(),
            search_settle: Duration::ZERO,
            pace: false,
            ..HubSpotConfig::default()
        };
        let client = HubSpotClient::new(cfg, Arc::new(StaticToken::new(TOKEN))).expect("client");
        let src = HubSpotSource::new(Arc::new(client));
        let sim_cpu0 = sim_proc.as_ref().and_then(|p| proc_cpu(p.child.id()));
        let cpu0 = self_cpu();
        let t = Instant::now();
        let n = src
            .list_changed(CrmObject::Deal, None)
            .try_fold(0usize, |n, page| async move { Ok(n + page.records.len()) })
            .await
            .expect("pull succeeds");
        let secs = t.elapsed().as_secs_f64();
        let cpu = (self_cpu() - cpu0).as_secs_f64();
        let sim_cpu = sim_proc
            .as_ref()
            .and_then(|p| proc_cpu(p.child.id()))
            .zip(sim_cpu0)
            .map(|(b, a)| (b - a).as_secs_f64());
        assert_eq!(n, deals, "every deal pulled");
        let rate = n as f64 / secs;
        let calls = src.client().calls();
        if json {
            println!(
                "{{\"bench\":\"hubspot_pull\",\"run\":{run},\"deals\":{n},\"wall_s\":{secs:.4},\"records_per_s\":{rate:.0},\"client_cpu_s\":{cpu:.4},\"sim_cpu_s\":{},\"api_calls\":{calls},\"sim_process\":{}}}",
                sim_cpu.map_or("null".into(), |s| format!("{s:.4}")),
                !in_process
            );
        } else {
            println!(
                "run {run}: pulled {n} deals (with associations and line items) in {secs:.3}s: \
                 {rate:.0} records/s, {calls} API calls, client CPU {cpu:.3}s{}",
                sim_cpu.map_or(String::new(), |s| format!(", simulator CPU {s:.3}s"))
            );
        }
    }
}
