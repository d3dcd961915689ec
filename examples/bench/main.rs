//! The benchmark suite: extraction, end-to-end sync, API calls per record, rate-budget
//! use, mapping and webhook ingestion, in one command.
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

mod binaries;
mod budget;
mod calls;
mod db;
mod e2e;
mod limits;
mod machine;
mod process;
mod report;
mod sim;
mod standalone;
mod sync_run;

use binaries::build;
use budget::budget;
use clap::Parser;
use db::{Backend, postgres_answers};
use e2e::e2e;
use machine::{loadavg, machine};
use report::{Row, print_table, save, show};
use serde_json::{Value, json};
use standalone::{extraction, mapping, webhook};
use std::path::PathBuf;
use std::time::Instant;

/// The parts of the suite, in the order they run.
const PARTS: [&str; 5] = ["extraction", "e2e", "budget", "mapping", "webhook"];

#[derive(Parser)]
#[command(
    name = "bench",
    about = "The ledgerbridge benchmark suite: prints numbers and writes them as JSON."
)]
struct Args {
    /// Tiny sizes (for CI): checks that every part runs, measures little.
    #[arg(long)]
    quick: bool,
    /// Where the JSON results go (rewritten after every part).
    #[arg(
        long,
        value_name = "FILE",
        default_value = "bench-results/results.json"
    )]
    out: PathBuf,
    /// Only these parts, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = PARTS)]
    only: Option<Vec<String>>,
    /// Deal counts of the end-to-end runs, comma-separated (default 10000,100000; 500 with --quick).
    #[arg(long, value_name = "N,N", value_delimiter = ',')]
    deals: Option<Vec<usize>>,
    /// Deals of the rate-budget run (default 2000; 200 with --quick).
    #[arg(long, value_name = "N")]
    budget_deals: Option<usize>,
    /// PostgreSQL server for the PostgreSQL runs (a fresh database is made there).
    #[arg(
        long,
        env = "LEDGERBRIDGE_BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// Skip the PostgreSQL runs.
    #[arg(long)]
    no_postgres: bool,
}

impl Args {
    fn runs(&self, part: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|p| p == part))
    }

    fn postgres(&self) -> Option<&str> {
        (!self.no_postgres).then_some(self.database_url.as_str())
    }
}

fn main() {
    let args = Args::parse();
    let started = Instant::now();
    build();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let pg = match args.postgres() {
        Some(u) if postgres_answers(&rt, u) => Some(u.to_string()),
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
        let sizes = args
            .deals
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| {
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
