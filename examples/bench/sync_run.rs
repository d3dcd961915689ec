//! One `ledgerbridge sync` against the two simulators: its config and its command.

use crate::binaries::ledgerbridge;
use crate::sim::{Sim, TOKEN};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Client-side time scale of the throughput runs: large enough that the connectors'
/// own pacing never binds (the simulators run with `--rate-limits off`).
pub const UNPACED_SCALE: f64 = 1_000_000.0;

pub const MAPPINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/hubspot-xero");

pub fn write_config(
    dir: &Path,
    db_url: &str,
    hubspot: &Sim,
    xero: &Sim,
    xero_scale: f64,
) -> PathBuf {
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
            r#"# written by the benchmark suite (examples/bench)
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
pub fn sync_cmd(config: &Path, full: bool) -> Command {
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
