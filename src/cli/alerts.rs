//! `ledgerbridge alerts test`

use super::Ctx;
use crate::alerts::{Alert, AlertKind, Alerter, Page, Raised, inline};
use crate::config::Config;
use clap::{Args, Subcommand};
use serde_json::json;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Args)]
#[command(
    long_about = "Alerts go to the channels of [alerts] (a webhook, email) through the job \
queue. `test` sends a test alert to every configured channel now and says, per channel, whether \
it was delivered (exit 0) or why not (exit 1); a channel still failing is retried by the next \
worker like any alert."
)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub cmd: AlertsCmd,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCmd {
    /// Send a test alert to every configured channel
    Test {
        /// Print one JSON array (fields: channel, job_id, state, error)
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(ctx: &Ctx, args: AlertsArgs) -> ExitCode {
    let (config, db) = match ctx.open().await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let code = match args.cmd {
        AlertsCmd::Test { json } => test(Arc::new(config), &db, json).await,
    };
    db.close().await;
    code
}

async fn test(config: Arc<Config>, db: &crate::store::Db, json: bool) -> ExitCode {
    let alerter = Alerter::new(&config, db);
    let channels = alerter.settings().channels();
    if channels.is_empty() {
        eprintln!("error: [alerts] configures no channel (set webhook_url and/or smtp_url)");
        return super::invalid();
    }
    let alert = Alert::new(AlertKind::Test, "test alert from ledgerbridge")
        .detail("sent by `ledgerbridge alerts test`: this channel receives alerts");
    let ids = match alerter.raise(alert, Page::Overview).await {
        Ok(Raised::Sent(ids)) => ids,
        Ok(other) => {
            eprintln!("error: the test alert was not sent ({other:?})");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rows = match inline::deliver(config, db, &ids, inline::WAIT).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut all_ok = true;
    let mut out = Vec::new();
    for (channel, id) in channels.iter().zip(&ids) {
        let row = rows.iter().find(|r| &r.id == id);
        let state = row.map_or("pending", |r| r.state.as_str());
        let error = row.and_then(|r| r.last_error.clone());
        all_ok &= state == "done";
        if json {
            out.push(
                json!({"channel": channel.as_str(), "job_id": id, "state": state, "error": error}),
            );
        } else if state == "done" {
            println!("{}: delivered (job {id})", channel.as_str());
        } else {
            println!(
                "{}: not delivered (job {id}, {state}): {}",
                channel.as_str(),
                error.as_deref().unwrap_or("no answer yet")
            );
        }
    }
    if json {
        println!("{}", serde_json::Value::Array(out));
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
