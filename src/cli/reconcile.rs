//! `ledgerbridge reconcile [--pair P] [--since DATE] [--format table|json|csv|html]
//! [--out FILE] [--fix [--dry-run]] [--history]` (issue 9).

use super::Ctx;
use crate::config::Config;
use crate::reconcile::render;
use crate::reconcile::{ReconcileOptions, Report, run_reconcile, runs, summary_line};
use crate::store::Db;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Refresh the CRM mirror, read the finance system afresh and put every \
record in exactly one class (dead_letter, duplicate, orphan, conflict, missing_in_finance, \
currency_mismatch, amount_mismatch, status_mismatch, matched), with totals and ageing per \
currency. Every run is stored (--history lists them).\n\nExit 0 when everything matches, 1 \
when any discrepancy is found (with --fix: the report before fixing), 2 on errors.\n\n--fix \
enqueues the pushes that close missing_in_finance, currency_mismatch and amount_mismatch \
(running `ledgerbridge worker` processes carry them out); it never deletes and never touches \
conflicts. --fix --dry-run lists those pushes without enqueuing them."
)]
pub struct ReconcileArgs {
    /// Only this pair [default: every pair]
    #[arg(long, value_name = "PAIR")]
    pub pair: Option<String>,
    /// Only records changed (in the CRM or the finance system) since this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Output format
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "html"])]
    pub format: String,
    /// Write the report here instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Enqueue the pushes that close fixable discrepancies
    #[arg(long)]
    pub fix: bool,
    /// With --fix: list the fixes without enqueuing them
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// List past runs with their counts (table or json)
    #[arg(long, conflicts_with_all = ["fix", "since"])]
    pub history: bool,
}

pub async fn run(ctx: &Ctx, args: ReconcileArgs) -> ExitCode {
    let config = match ctx.load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let db = match crate::store::open(&config).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match pairs(&config, args.pair.as_deref()) {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Ok(_) if args.history => history(&db, &args).await,
        Ok(pairs) => reconcile(&config, &db, &pairs, &args).await,
    };
    db.close().await;
    code
}

fn pairs(config: &Config, only: Option<&str>) -> Result<Vec<String>, String> {
    let names = || {
        config
            .pairs
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match only {
        Some(p) if config.pair(p).is_none() => Err(format!(
            "no pair named {p:?} in the config (pairs: {})",
            names()
        )),
        Some(p) => Ok(vec![p.to_string()]),
        None if config.pairs.is_empty() => {
            Err("the config defines no [[pairs]] to reconcile".into())
        }
        None => Ok(config.pairs.iter().map(|p| p.name.clone()).collect()),
    }
}

async fn reconcile(config: &Config, db: &Db, pairs: &[String], args: &ReconcileArgs) -> ExitCode {
    let since = match args.since.as_deref().map(|s| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|e| format!("--since {s:?}: {e} (expected YYYY-MM-DD)"))
    }) {
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let opts = ReconcileOptions {
        since,
        fix: args.fix,
        dry_run: args.dry_run,
        ..Default::default()
    };
    let mut reports = Vec::new();
    let mut failed = false;
    for pair in pairs {
        match run_reconcile(config, db, pair, &opts).await {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: reconcile {pair}: {e}");
                failed = true;
            }
        }
    }
    if let Err(e) = emit(&reports, args) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if args.out.is_some() || args.format != "table" {
        for r in &reports {
            eprintln!("{}", summary_line(r));
        }
    }
    if failed {
        ExitCode::from(2)
    } else if reports.iter().any(|r| !r.is_clean()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Renders the reports in the chosen format to `--out` or stdout.
fn emit(reports: &[Report], args: &ReconcileArgs) -> std::io::Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let text = match args.format.as_str() {
        "json" => {
            let v = match reports {
                [one] => serde_json::to_string_pretty(one),
                many => serde_json::to_string_pretty(many),
            };
            v.expect("reports serialize") + "\n"
        }
        "csv" => render::csv::render(reports),
        "html" => render::html::render(reports),
        _ => reports
            .iter()
            .map(render::table::render)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    write_out(&text, args)
}

fn write_out(text: &str, args: &ReconcileArgs) -> std::io::Result<()> {
    match &args.out {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        }),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()
        }
    }
}

/// `--history`: the newest runs first.
async fn history(db: &Db, args: &ReconcileArgs) -> ExitCode {
    let list = match runs::list(db, args.pair.as_deref(), 50).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let text = if args.format == "json" {
        serde_json::to_string_pretty(&list).expect("runs serialize") + "\n"
    } else {
        let mut o = format!(
            "{:<38} {:<12} {:<25} {:<14} {:>8} {:>13}  counts\n",
            "run", "pair", "started", "status", "matched", "discrepancies"
        );
        for r in &list {
            let matched = r.summary.get("matched").copied().unwrap_or(0);
            let disc: usize = r
                .summary
                .iter()
                .filter(|(k, _)| k.as_str() != "matched")
                .map(|(_, v)| v)
                .sum();
            let counts: Vec<String> = r
                .summary
                .iter()
                .filter(|(k, v)| k.as_str() != "matched" && **v > 0)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            o.push_str(&format!(
                "{:<38} {:<12} {:<25} {:<14} {:>8} {:>13}  {}\n",
                r.id,
                r.pair,
                r.started_at,
                r.status,
                matched,
                disc,
                r.error.clone().unwrap_or_else(|| counts.join(" "))
            ));
        }
        if list.is_empty() {
            o.push_str("(no reconciliation runs yet)\n");
        }
        o
    };
    match write_out(&text, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
