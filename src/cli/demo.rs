//! `ledgerbridge demo [--mappings NAME] [--deals N] [--json]`: the whole product on one
//! machine.
//!
//! Starts the simulators of the shipped mapping folder's two connectors on loopback (rate
//! limits on, time scaled) — or, for a connector whose descriptor names a real server
//! instead, uses the server its environment variable points at — writes a config and the
//! folder's mappings (built into the binary) into a temporary folder, and runs a full
//! sync through the real queue on a SQLite file there.

use super::Ctx;
use super::sync::SyncArgs;
use clap::Args;
use ledgerbridge_sdk::Connector;
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use std::process::ExitCode;

/// Simulated time runs this many times faster than real time: a limit of 60 calls a
/// minute becomes 60 a second, so the demo is quick and still rate-limited.
const RATE_SCALE: f64 = 60.0;
const TOKEN: &str = "demo-token";

#[derive(Debug, Args)]
#[command(
    long_about = "Start the CRM and accounting simulators of a shipped mapping folder's pair on \
loopback with their rate limits on and time scaled 60 times, seed them, and run a full sync \
through the real job queue on a SQLite file in a temporary folder; print the sync summary. A \
connector without a simulator whose descriptor names a real server is run against the server \
its environment variable points at (its other keys from LEDGERBRIDGE__CONNECTIONS__CRM__* or \
LEDGERBRIDGE__CONNECTIONS__BOOKS__*). Exit 0 when every record synced."
)]
pub struct DemoArgs {
    /// The shipped mapping folder whose pair runs (`ledgerbridge init --list` shows them)
    #[arg(long, value_name = "NAME", default_value = crate::connectors::DEMO_MAPPINGS)]
    pub mappings: String,
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
    let sides = match resolve(&args.mappings) {
        Ok(sides) => sides,
        Err(e) => {
            eprintln!("error: demo --mappings {}: {e}", args.mappings);
            eprintln!("{}", available());
            return super::invalid();
        }
    };
    match demo(ctx, &args, sides).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: demo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Where one side of the demo pair runs.
#[derive(Clone, Copy)]
enum Backend {
    Simulator(ledgerbridge_sdk::connector::Simulator),
    /// A real server, at the URL the descriptor's environment variable holds.
    Server,
}

type Side = (&'static dyn Connector, Backend);

/// The source and target of a shipped folder, each with where it runs.
fn resolve(name: &str) -> Result<(Side, Side), String> {
    let folder = crate::connectors::shipped(name).ok_or("no such shipped mapping folder")?;
    let (source, target) = folder.kinds();
    Ok((side(source)?, side(target)?))
}

fn side(kind: &str) -> Result<Side, String> {
    let c = crate::connectors::find(kind)
        .ok_or_else(|| format!("the `{kind}` connector is not compiled into this build"))?;
    if let Some(sim) = c.simulator() {
        return Ok((c, Backend::Simulator(sim)));
    }
    match c.demo_server() {
        Some(server) if std::env::var_os(server.url_env).is_some() => Ok((c, Backend::Server)),
        Some(server) => Err(format!(
            "the {} connector has no simulator; it needs {}: set {} to its URL",
            c.label(),
            server.needs,
            server.url_env
        )),
        None => Err(format!(
            "the {} connector has neither a simulator nor a demo server",
            c.label()
        )),
    }
}

/// The shipped folders a demo can run, for the error message.
fn available() -> String {
    let runnable = |kind: &str| {
        crate::connectors::find(kind)
            .is_some_and(|c| c.simulator().is_some() || c.demo_server().is_some())
    };
    let names: Vec<&str> = crate::connectors::SHIPPED_MAPPINGS
        .iter()
        .filter(|m| {
            let (s, t) = m.kinds();
            runnable(s) && runnable(t)
        })
        .map(|m| m.name)
        .collect();
    format!(
        "available: {} (shipped: {}; compiled-in connectors: {})",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        },
        crate::connectors::shipped_names(),
        crate::connectors::kinds()
    )
}

/// A started side: its base URL, the simulator that serves it (kept alive), its time scale.
struct Started {
    base_url: String,
    _sim: Option<RunningSim>,
    rate_scale: f64,
}

async fn start(side: Side, opts: &SimOptions) -> Result<Started, crate::Error> {
    let (connector, backend) = side;
    Ok(match backend {
        Backend::Simulator(sim) => {
            let running = (sim.spawn)("127.0.0.1:0".into(), opts.clone()).await?;
            Started {
                base_url: running.base_url.clone(),
                _sim: Some(running),
                rate_scale: RATE_SCALE,
            }
        }
        Backend::Server => {
            let env = connector
                .demo_server()
                .map(|s| s.url_env)
                .unwrap_or_default();
            Started {
                base_url: std::env::var(env).map_err(|_| format!("{env} is not set"))?,
                _sim: None,
                rate_scale: 1.0,
            }
        }
    })
}

/// One `[connections.NAME]` table of the demo config.
fn connection(name: &str, connector: &dyn Connector, started: &Started) -> String {
    let token = if started._sim.is_some() {
        format!("access_token = \"{TOKEN}\"\n")
    } else {
        String::new()
    };
    format!(
        "[connections.{name}]\nkind = \"{}\"\nbase_url = \"{}\"\n{token}rate_scale = {:.1}\n",
        connector.kind(),
        started.base_url,
        started.rate_scale
    )
}

async fn demo(ctx: &Ctx, args: &DemoArgs, sides: (Side, Side)) -> Result<ExitCode, crate::Error> {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        rate_limits: true,
        rate_scale: RATE_SCALE,
        deals: args.deals as usize,
        ..Default::default()
    };
    let folder = crate::connectors::shipped(&args.mappings).ok_or("no such mapping folder")?;
    let ((source_connector, _), (target_connector, _)) = sides;
    let source = start(sides.0, &opts).await?;
    let target = start(sides.1, &opts).await?;
    let dir = tempfile_dir()?;
    let maps = dir.join("mappings").join(folder.name);
    std::fs::create_dir_all(&maps)?;
    for (name, text) in folder.files {
        std::fs::write(maps.join(name), text)?;
    }
    let config_path = dir.join("ledgerbridge.toml");
    std::fs::write(
        &config_path,
        format!(
            r#"# written by `ledgerbridge demo`
[database]
url = "sqlite://demo.db"

{source_connection}
{target_connection}
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
            source_connection = connection("crm", source_connector, &source),
            target_connection = connection("books", target_connector, &target),
            mappings = folder.name,
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
