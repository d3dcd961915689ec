//! `ledgerbridge jobs list|show|retry|dead`

use super::Ctx;
use crate::queue::RetryPolicy;
use crate::queue::admin::{self, JobState};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Inspect and replay jobs. A job keeps one id across its retries. States: \
pending (queued or waiting for a delayed retry), running, done, failed (the last attempt failed \
and another will run), dead (no more attempts; see `jobs dead`)."
)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub cmd: JobsCmd,
}

#[derive(Debug, Subcommand)]
pub enum JobsCmd {
    /// List jobs, newest first
    List {
        /// Print a JSON array (fields: id, kind, state, attempts, last_error, …)
        #[arg(long)]
        json: bool,
        /// Only jobs in this state
        #[arg(long, value_enum, value_name = "S")]
        state: Option<JobState>,
        /// At most this many jobs
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Show one job with every attempt and its error
    Show {
        /// Job id
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Run a dead job again (job id or dead-letter id), with a fresh set of attempts
    Retry {
        /// Job id or dead-letter id
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List dead letters: jobs and records that will not succeed by themselves
    Dead {
        #[arg(long)]
        json: bool,
        /// Include dead letters already retried
        #[arg(long)]
        all: bool,
    },
}

fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: {e}"),
    }
}

fn short(s: Option<&str>, n: usize) -> String {
    let s = s.unwrap_or("").replace('\n', " ");
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s
    }
}

pub async fn run(ctx: &Ctx, args: JobsArgs) -> ExitCode {
    let (config, db) = match ctx.open().await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let code = match args.cmd {
        JobsCmd::List { json, state, limit } => match admin::list(&db, state, limit).await {
            Ok(list) if json => {
                print_json(&list);
                ExitCode::SUCCESS
            }
            Ok(list) => {
                if list.is_empty() {
                    println!("no jobs");
                }
                for j in list {
                    println!(
                        "{}  {:<9} {:<8} attempts={} {}",
                        j.id,
                        j.kind,
                        j.state,
                        j.attempts,
                        short(j.last_error.as_deref(), 80)
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        JobsCmd::Show { id, json } => match admin::show(&db, &id).await {
            Ok(Some(d)) if json => {
                print_json(&d);
                ExitCode::SUCCESS
            }
            Ok(Some(d)) => {
                let s = &d.summary;
                println!(
                    "job {}  kind={} state={} attempts={}",
                    s.id, s.kind, s.state, s.attempts
                );
                println!("created {}  updated {}", s.created_at, s.updated_at);
                if let Some(r) = &s.run_after {
                    println!("next attempt not before {r}");
                }
                println!("payload {}", d.payload);
                for a in &d.history {
                    println!(
                        "  attempt {} {:<11} {} {}",
                        a.attempt,
                        a.outcome,
                        a.started_at,
                        a.error.as_deref().unwrap_or("")
                    );
                }
                if let Some(dl) = &d.dead_letter {
                    println!("dead letter {}: {}", dl.id, dl.reason);
                }
                ExitCode::SUCCESS
            }
            Ok(None) => {
                eprintln!("error: no job with id {id}");
                super::invalid()
            }
            Err(e) => fail(e),
        },
        JobsCmd::Retry { id, json } => {
            let policy = RetryPolicy::from_config(&config.worker);
            match admin::retry(&db, &id, &policy).await {
                Ok(r) if json => {
                    print_json(&r);
                    ExitCode::SUCCESS
                }
                Ok(r) => {
                    match &r.dead_letter {
                        Some(dl) => println!("retrying job {} (dead letter {dl} closed)", r.job_id),
                        None => println!("retrying job {}", r.job_id),
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        JobsCmd::Dead { json, all } => match admin::dead(&db, all).await {
            Ok(list) if json => {
                print_json(&list);
                ExitCode::SUCCESS
            }
            Ok(list) => {
                if list.is_empty() {
                    println!("no dead letters");
                }
                for d in list {
                    println!(
                        "{}  {:<9} job={} record={} {}",
                        d.id,
                        d.kind,
                        d.job_id.as_deref().unwrap_or("-"),
                        d.record_key.as_deref().unwrap_or("-"),
                        d.reason
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
    };
    db.close().await;
    code
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}
