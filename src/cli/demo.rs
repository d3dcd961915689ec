//! `ledgerbridge demo [--deals N] [--json]`: the whole product on one machine.
//!
//! Starts the demo pair's two simulators on loopback (rate limits on, time scaled),
//! writes a config and the shipped mappings into a temporary folder, and runs a full
//! sync through the real queue on a SQLite file there.

use super::Ctx;
use super::sync::SyncArgs;
use clap::Args;
use ledgerbridge_sdk::sim::SimOptions;
use std::process::ExitCode;

/// Simulated time runs this many times faster than real time: a limit of 60 calls a
/// minute becomes 60 a second, so the demo is quick and still rate-limited.
const RATE_SCALE: f64 = 60.0;
const TOKEN: &str = "demo-token";

#[derive(Debug, Args)]
#[command(
    long_about = "Start the demo pair's CRM and accounting simulators on loopback with their rate limits \
on and time scaled 60 times, seed them, and run a full sync through the real job queue on a \
SQLite file in a temporary folder; print the sync summary. Exit 0 when every record synced."
)]
pub struct DemoArgs {
    /// Deals to seed
    #[arg(long, default_value_t = 500)]
    pub deals: u32,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
    /// Keep the temporary folder (config, mappings, database) and print its path
    #[arg(long)]
    pub keep: bool,
}

pub async fn run(ctx: &Ctx, args: DemoArgs) -> ExitCode {
    match demo(ctx, &args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: demo: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn demo(ctx: &Ctx, args: &DemoArgs) -> Result<ExitCode, crate::Error> {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        rate_limits: true,
        rate_scale: RATE_SCALE,
        deals: args.deals as usize,
        ..Default::default()
    };
    let demo = &crate::connectors::DEMO;
    let start = |kind: &str| -> Result<_, crate::Error> {
        let c =
            crate::connectors::find(kind).ok_or(format!("no connector `{kind}` in this build"))?;
        let sim = c
            .simulator()
            .ok_or(format!("the {} connector has no simulator", c.label()))?;
        Ok((c, sim))
    };
    let (source_connector, source_sim) = start(demo.source)?;
    let (target_connector, target_sim) = start(demo.target)?;
    let source = (source_sim.spawn)("127.0.0.1:0".into(), opts.clone()).await?;
    let target = (target_sim.spawn)("127.0.0.1:0".into(), opts).await?;
    let dir = tempfile_dir()?;
    let maps = dir.join("mappings").join(demo.mappings);
    std::fs::create_dir_all(&maps)?;
    for (name, text) in demo.files {
        std::fs::write(maps.join(name), text)?;
    }
    let config_path = dir.join("ledgerbridge.toml");
    std::fs::write(
        &config_path,
        format!(
            r#"# written by `ledgerbridge demo`
[database]
url = "sqlite://demo.db"

[connections.crm]
kind = "{source_kind}"
base_url = "{source_url}"
access_token = "{TOKEN}"
rate_scale = {RATE_SCALE:.1}

[connections.books]
kind = "{target_kind}"
base_url = "{target_url}"
access_token = "{TOKEN}"
rate_scale = {RATE_SCALE:.1}

[[pairs]]
name = "main"
source = "crm"
target = "books"
mappings = "mappings/{mappings}"
start_date = "2025-01-01"

[worker]
concurrency = 4
heartbeat_secs = 1
poll_interval_ms = 50
"#,
            source_kind = demo.source,
            source_url = source.base_url,
            target_kind = demo.target,
            target_url = target.base_url,
            mappings = demo.mappings,
        ),
    )?;
    let config = crate::config::load(Some(&config_path))?;
    let _ = ctx;
    crate::logging::init_with_default(config.log.format, "warn");
    if !args.json {
        println!(
            "ledgerbridge demo: {} simulator {} ({} deals), {} simulator {}",
            source_connector.label(),
            source.base_url,
            args.deals,
            target_connector.label(),
            target.base_url
        );
        println!(
            "rate limits on, time scaled {RATE_SCALE}x (60 calls/min run as 60/s); \
             SQLite queue in {}",
            dir.display()
        );
    }
    let db = crate::store::open(&config).await?;
    let sync_args = SyncArgs {
        pair: None,
        full: true,
        dry_run: false,
        enqueue_only: false,
        json: args.json,
    };
    let code = super::sync::sync(config.clone(), &db, &["main".to_string()], &sync_args).await;
    // Then prove both sides agree.
    let code = match crate::reconcile::run_reconcile(&config, &db, "main", &Default::default())
        .await
    {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"reconcile": serde_json::to_value(&report.summary).unwrap_or_default()})
                );
            } else {
                println!("{}", crate::reconcile::summary_line(&report));
            }
            if report.discrepancies() == 0 {
                code
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: reconcile: {e}");
            ExitCode::FAILURE
        }
    };
    db.close().await;
    if args.keep {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(code)
}

/// A fresh folder under the system temp dir.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "ledgerbridge-demo-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
