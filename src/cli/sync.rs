//! `ledgerbridge sync [--pair P] [--full] [--dry-run] [--enqueue-only] [--json]`

use super::Ctx;
use crate::config::Config;
use crate::store::Db;
use crate::sync::plan::{self, Action, PlanItem, Scope};
use crate::sync::run;
use crate::sync::runs::Counters;
use clap::Args;
use serde_json::json;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(
    long_about = "Sync a pair now: pull changed CRM records into the local mirror, \
plan the changes through the pair's mappings and push them to the finance system, all \
through the job queue. Without --enqueue-only the command runs the jobs itself and returns \
when the run is complete (exit 0; 1 when records failed or jobs died). Only real changes are \
written: a second sync with nothing changed writes nothing.\n\n--dry-run pulls into the \
local mirror and prints the plan per record (create, update, unchanged, skip, fail) without \
writing to the CRM or the finance system."
)]
pub struct SyncArgs {
    /// Only this pair [default: every pair]
    #[arg(long, value_name = "PAIR")]
    pub pair: Option<String>,
    /// Ignore cursors and pull everything
    #[arg(long)]
    pub full: bool,
    /// Pull and plan, but write nothing to the CRM or the finance system; print the plan
    #[arg(long)]
    pub dry_run: bool,
    /// Enqueue and return at once; running `ledgerbridge worker` processes do the work
    #[arg(long, conflicts_with = "dry_run")]
    pub enqueue_only: bool,
    /// Print JSON (the summary, or the plan with --dry-run)
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Ctx, args: SyncArgs) -> ExitCode {
    let config = match ctx.load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // names are checked before the database is opened: a wrong name is the input's fault
    let pairs: Vec<String> = match &args.pair {
        Some(p) if config.pair(p).is_none() => {
            eprintln!(
                "error: no pair named {p:?} in the config (pairs: {})",
                pair_names(&config)
            );
            return super::invalid();
        }
        Some(p) => vec![p.clone()],
        None if config.pairs.is_empty() => {
            eprintln!("error: the config defines no [[pairs]] to sync");
            return super::invalid();
        }
        None => config.pairs.iter().map(|p| p.name.clone()).collect(),
    };
    let db = match super::open_db(&config).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    let code = if args.dry_run {
        dry_run(&config, &db, &pairs, &args).await
    } else {
        sync(config, &db, &pairs, &args).await
    };
    db.close().await;
    code
}

fn pair_names(c: &Config) -> String {
    c.pairs
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Enqueues a run per pair and (unless --enqueue-only) works it off in-process.
pub(super) async fn sync(config: Config, db: &Db, pairs: &[String], args: &SyncArgs) -> ExitCode {
    let runs_ = match run::enqueue_runs(&config, db, pairs, args.full, "cli").await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.enqueue_only {
        for (pair, run) in &runs_ {
            if args.json {
                println!("{}", json!({"pair": pair, "run_id": run, "enqueued": true}));
            } else {
                println!(
                    "pair {pair}: run {run} enqueued; `ledgerbridge worker` processes do the work"
                );
            }
        }
        return ExitCode::SUCCESS;
    }
    let progress = !args.json && std::io::stderr().is_terminal();
    let config = Arc::new(config);
    let summaries = match run::run_to_completion(config.clone(), db, &runs_, progress).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for s in &summaries {
        print_summary(
            &s.pair,
            &s.run_id,
            &s.counters,
            s.dead_jobs,
            s.elapsed,
            args.json,
        );
    }
    crate::alerts::inline::after_command(config, db).await;
    if summaries.iter().all(|s| s.clean()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub fn summary_json(
    pair: &str,
    run: &str,
    c: &Counters,
    dead_jobs: i64,
    elapsed: Duration,
) -> serde_json::Value {
    json!({
        "pair": pair,
        "run_id": run,
        "pulled": c.pulled,
        "planned": c.planned,
        "created": c.created,
        "updated": c.updated,
        "unchanged": c.unchanged,
        "skipped": c.skipped,
        "failed": c.failed,
        "dead_lettered": c.dead_lettered,
        "adopted": c.adopted,
        "voided": c.voided,
        "flagged": c.flagged,
        "api_calls": c.api_calls,
        "dead_jobs": dead_jobs,
        "seconds": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
    })
}

fn print_summary(
    pair: &str,
    run: &str,
    c: &Counters,
    dead_jobs: i64,
    elapsed: Duration,
    as_json: bool,
) {
    if as_json {
        println!("{}", summary_json(pair, run, c, dead_jobs, elapsed));
        return;
    }
    println!("{}", summary_text(pair, c, elapsed));
    if c.failed > 0 || dead_jobs > 0 {
        println!(
            "  see `ledgerbridge jobs dead` for what failed and why; `ledgerbridge jobs retry ID` replays it"
        );
    }
}

/// The one-line text summary: every counter the JSON summary has, in words.
pub fn summary_text(pair: &str, c: &Counters, elapsed: Duration) -> String {
    format!(
        "pair {pair}: pulled {}, planned {}, created {}, updated {}, unchanged {}, skipped {}, \
         failed {}, dead-lettered {}, adopted {}, voided {}, flagged {}, API calls {} in {:.1}s",
        c.pulled,
        c.planned,
        c.created,
        c.updated,
        c.unchanged,
        c.skipped,
        c.failed,
        c.dead_lettered,
        c.adopted,
        c.voided,
        c.flagged,
        c.api_calls,
        elapsed.as_secs_f64()
    )
}

/// Pulls into the mirror and prints the plan; writes nothing to either system.
async fn dry_run(config: &Config, db: &Db, pairs: &[String], args: &SyncArgs) -> ExitCode {
    let mut all: Vec<serde_json::Value> = Vec::new();
    let mut code = ExitCode::SUCCESS;
    for pair in pairs {
        let rt = match crate::sync::runtime::build(config, db, pair).await {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("error: pair {pair}: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = crate::sync::pull::pull_all(&rt, db, args.full).await {
            eprintln!("error: pair {pair}: {e}");
            return ExitCode::FAILURE;
        }
        let mut items: Vec<PlanItem> = Vec::new();
        if let Err(e) = plan::plan(&rt, db, Scope::All, true, &mut |i| items.push(i)).await {
            eprintln!("error: pair {pair}: {e}");
            return ExitCode::FAILURE;
        }
        // Cut-over: a create whose invoice already exists in the target is an adoption.
        let refs: Vec<String> = items
            .iter()
            .filter(|i| {
                i.action == Action::Create
                    && i.target_object == ledgerbridge_sdk::model::FinanceObject::Invoice
            })
            .filter_map(|i| i.reference.clone())
            .collect();
        match rt.resolver.invoices(rt.target.as_ref(), None, &refs).await {
            Ok(found) => {
                for i in items.iter_mut() {
                    if i.action == Action::Create
                        && i.reference.as_ref().is_some_and(|r| found.contains_key(r))
                    {
                        i.action = Action::Adopt;
                        i.changes = None;
                        i.reason = Some(
                            "an invoice with this reference already exists: it will be linked"
                                .into(),
                        );
                    }
                }
            }
            Err(e) => {
                eprintln!("error: pair {pair}: looking up existing invoices: {e}");
                return ExitCode::FAILURE;
            }
        }
        if items.iter().any(|i| i.action == Action::Fail) {
            code = ExitCode::FAILURE;
        }
        if args.json {
            for i in &items {
                let mut v = serde_json::to_value(i).unwrap_or_default();
                v["pair"] = json!(pair);
                all.push(v);
            }
        } else {
            let mut count = std::collections::BTreeMap::new();
            for i in &items {
                *count
                    .entry(format!("{:?}", i.action).to_lowercase())
                    .or_insert(0) += 1;
                if i.action != Action::Unchanged {
                    let detail = i
                        .reason
                        .clone()
                        .or_else(|| {
                            i.changes.as_ref().map(|c| {
                                format!("{} field(s)", c.as_object().map_or(0, |o| o.len()))
                            })
                        })
                        .unwrap_or_default();
                    println!(
                        "{pair}\t{:<9}\t{}\t{}\t{detail}",
                        format!("{:?}", i.action).to_lowercase(),
                        i.mapping,
                        i.key
                    );
                }
            }
            println!("pair {pair} (dry run, nothing written): {count:?}");
        }
    }
    if args.json {
        println!("{}", serde_json::Value::Array(all));
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_summary_names_every_counter_of_the_json_one() {
        let c = Counters {
            pulled: 1,
            planned: 2,
            created: 3,
            updated: 4,
            unchanged: 5,
            skipped: 6,
            failed: 7,
            dead_lettered: 8,
            adopted: 9,
            voided: 10,
            flagged: 11,
            api_calls: 12,
        };
        let text = summary_text("p", &c, Duration::from_millis(1500));
        let json = summary_json("p", "r", &c, 0, Duration::ZERO);
        for (key, v) in json.as_object().unwrap() {
            if matches!(key.as_str(), "pair" | "run_id" | "dead_jobs" | "seconds") {
                continue;
            }
            let word = match key.as_str() {
                "dead_lettered" => "dead-lettered".to_string(),
                "api_calls" => "API calls".to_string(),
                k => k.to_string(),
            };
            assert!(text.contains(&format!("{word} {v}")), "{key}: {text}");
        }
        assert!(text.contains("voided 10, flagged 11"), "{text}");
        assert!(text.ends_with("in 1.5s"), "{text}");
    }
}
