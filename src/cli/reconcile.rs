//! `ledgerbridge reconcile [--pair P] [--since DATE] [--format table|json|csv|html]
//! [--out FILE] [--fix [--dry-run]] [--history]`

use super::Ctx;
use crate::config::Config;
use crate::reconcile::render;
use crate::reconcile::{ReconcileOptions, Report, run_reconcile, runs, summary_line};
use crate::store::Db;
use clap::{Args, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Refresh the CRM mirror, read the finance system afresh and put every \
record in exactly one class (dead_letter, duplicate, orphan, conflict, missing_in_finance, \
currency_mismatch, amount_mismatch, status_mismatch, matched), with totals and ageing per \
currency. Every run is stored (--history lists them).\n\nExit 0 when everything matches, 1 \
when any discrepancy is found (with --fix: the report before fixing) or a pair could not be \
reconciled, 2 on a bad config or argument.\n\n--fix \
enqueues the pushes that close missing_in_finance, currency_mismatch and amount_mismatch \
(running `ledgerbridge worker` processes carry them out); it never deletes and never touches \
conflicts. --fix --dry-run lists those pushes without enqueuing them."
)]
pub struct ReconcileArgs {
    /// Only this pair [default: every pair]
    #[arg(long, value_name = "PAIR")]
    pub pair: Option<String>,
    /// Only records changed (in the CRM or the finance system) since this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = crate::time::parse_date)]
    pub since: Option<chrono::NaiveDate>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
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

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Html,
}

pub async fn run(ctx: &Ctx, args: ReconcileArgs) -> ExitCode {
    let config = match ctx.load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let pairs = match pairs(&config, args.pair.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return super::invalid();
        }
    };
    let db = match super::open_db(&config).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    let code = match pairs {
        _ if args.history => history(&db, &args).await,
        pairs => {
            let code = reconcile(&config, &db, &pairs, &args).await;
            crate::alerts::inline::after_command(std::sync::Arc::new(config), &db).await;
            code
        }
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
    let opts = ReconcileOptions {
        since: args.since,
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
        return ExitCode::FAILURE;
    }
    if args.out.is_some() || args.format != ReportFormat::Table {
        for r in &reports {
            eprintln!("{}", summary_line(r));
        }
    }
    if failed || reports.iter().any(|r| !r.is_clean()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Renders the reports in the chosen format to `--out` or stdout.
fn emit(reports: &[Report], args: &ReconcileArgs) -> std::io::Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let text = match args.format {
        ReportFormat::Json => {
            let v = match reports {
                [one] => serde_json::to_string_pretty(one),
                many => serde_json::to_string_pretty(many),
            };
            v.expect("reports serialize") + "\n"
        }
        ReportFormat::Csv => render::csv::render(reports),
        ReportFormat::Html => render::html::render(reports),
        ReportFormat::Table => reports
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
            return ExitCode::FAILURE;
        }
    };
    let text = if args.format == ReportFormat::Json {
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
            ExitCode::FAILURE
        }
    }
}
