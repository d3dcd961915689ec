//! `ledgerbridge audit verify|list`

use super::Ctx;
use crate::audit::{self, ListFilter, Verdict};
use crate::time::{parse_instant, rfc3339};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "The hash-chained audit log of every write to a finance system and every \
write-back to a CRM. Each entry holds the hash of the one before, so `verify` finds the first \
entry edited, deleted or inserted out of order (exit 1), or prints how many entries it checked \
and the head as SEQ:HASH (exit 0): keep that somewhere else and pass it back with `--anchor` \
later to make a rewrite of the whole log detectable too."
)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub cmd: AuditCmd,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Walk the chain; name the first row edited, deleted or out of order (exit 1)
    Verify {
        /// Print the verdict as JSON
        #[arg(long)]
        json: bool,
        /// A head printed by an earlier verify (SEQ:HASH): the chain must still pass
        /// through it, which catches a log rewritten from scratch
        #[arg(long, value_name = "SEQ:HASH")]
        anchor: Option<audit::Anchor>,
    },
    /// List entries, oldest first
    List {
        /// One JSON array (fields: seq, at, connection, action, source_key, target_id,
        /// payload_digest, prev_hash, hash)
        #[arg(long)]
        json: bool,
        /// Only entries for this source key
        #[arg(long, value_name = "K")]
        key: Option<String>,
        /// Only entries since this time (RFC 3339 or YYYY-MM-DD, UTC)
        #[arg(long, value_name = "T", value_parser = parse_instant)]
        since: Option<DateTime<Utc>>,
    },
}

pub async fn run(ctx: &Ctx, args: AuditArgs) -> ExitCode {
    let (config, db) = match ctx.open().await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let code = match args.cmd {
        AuditCmd::Verify { json, anchor } => {
            let (code, broken) = verify(&db, json, anchor.as_ref()).await;
            if let Some(why) = broken {
                crate::alerts::inline::audit_broken(std::sync::Arc::new(config), &db, &why).await;
            }
            code
        }
        AuditCmd::List { json, key, since } => {
            let f = ListFilter {
                source_key: key,
                since_ms: since.map(|t| t.timestamp_millis()),
            };
            list(&db, &f, json).await
        }
    };
    db.close().await;
    code
}

/// The exit code, and why the chain is broken when it is (for the alert).
async fn verify(
    db: &crate::store::Db,
    json: bool,
    anchor: Option<&audit::Anchor>,
) -> (ExitCode, Option<String>) {
    let verdict = match audit::verify_anchored(db, anchor).await {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return (ExitCode::FAILURE, None);
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verdict).unwrap_or_default()
        );
    }
    match verdict {
        Verdict::Intact { entries, head } => {
            if !json {
                println!("audit log intact: {entries} entries verified, head {head}");
            }
            (ExitCode::SUCCESS, None)
        }
        Verdict::Broken(b) => {
            if !json {
                println!("audit log broken at seq {}: {b}", b.seq);
            }
            (ExitCode::FAILURE, Some(b.to_string()))
        }
    }
}

/// An entry as printed: the time as RFC 3339.
#[derive(Serialize)]
struct Shown<'a> {
    seq: i64,
    at: String,
    connection: &'a str,
    action: &'a str,
    source_key: Option<&'a str>,
    target_id: Option<&'a str>,
    payload_digest: Option<&'a str>,
    prev_hash: &'a str,
    hash: &'a str,
}

async fn list(db: &crate::store::Db, f: &ListFilter, json: bool) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut after = 0i64;
    let mut first = true;
    if json {
        let _ = write!(out, "[");
    }
    loop {
        let rows = match db.conn().await {
            Ok(mut c) => audit::page(c.exec(), f, after, 1000).await,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let rows = match rows {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: database: {e}");
                return ExitCode::FAILURE;
            }
        };
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in &rows {
            let s = Shown {
                seq: r.seq,
                at: rfc3339(r.at),
                connection: &r.connection,
                action: &r.action,
                source_key: r.source_key.as_deref(),
                target_id: r.target_id.as_deref(),
                payload_digest: r.payload_digest.as_deref(),
                prev_hash: &r.prev_hash,
                hash: &r.hash,
            };
            let _ = if json {
                let sep = if first { "\n  " } else { ",\n  " };
                write!(
                    out,
                    "{sep}{}",
                    serde_json::to_string(&s).unwrap_or_default()
                )
            } else {
                writeln!(
                    out,
                    "{:>8}  {}  {:<14} {:<18} {:<24} {:<24} {}",
                    s.seq,
                    s.at,
                    s.connection,
                    s.action,
                    s.source_key.unwrap_or("-"),
                    s.target_id.unwrap_or("-"),
                    &s.hash[..s.hash.len().min(16)]
                )
            };
            first = false;
        }
    }
    if json {
        let _ = writeln!(out, "{}]", if first { "" } else { "\n" });
    } else if first {
        let _ = writeln!(out, "no audit entries");
    }
    ExitCode::SUCCESS
}
