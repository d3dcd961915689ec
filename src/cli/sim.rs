//! `ledgerbridge sim <kind>`: a connector's simulator on loopback. Every simulator speaks
//! its vendor's wire format and takes the same options (token, rate limits and their time
//! scale, faults, signed webhooks), so tests and the demo can drive any of them alike.

use super::Ctx;
use clap::builder::PossibleValuesParser;
use clap::{Args, ValueEnum};
use ledgerbridge_sdk::sim::SimOptions;
use std::process::ExitCode;

/// The kinds whose connector brings a simulator.
fn simulated_kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(crate::connectors::simulated_kinds())
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Args)]
#[command(
    long_about = "Run a vendor simulator: the vendor's wire format, pagination, batch \
limits, error bodies, rate limits, OAuth, signed webhooks and fault injection, on loopback. \
GET /_sim/stats and /_sim/export need no auth."
)]
pub struct SimArgs {
    /// Which connector's simulator (`ledgerbridge connectors` lists them)
    #[arg(value_parser = simulated_kinds(), value_name = "KIND")]
    pub vendor: String,
    /// Listen address [default: the connector's own port, 127.0.0.1:9101 upwards; see
    /// `ledgerbridge connectors`]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// CRMs: seed this many deals (plus companies, contacts, line items…)
    #[arg(long, value_name = "N")]
    pub deals: Option<u32>,
    /// Seed of the generated data
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A static bearer token that is always valid
    #[arg(long, value_name = "T")]
    pub token: Option<String>,
    /// Enforce the vendor's rate limits
    #[arg(long, value_enum, default_value_t = Switch::On)]
    pub rate_limits: Switch,
    /// Shorten every rate window, Retry-After and token lifetime F times
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub rate_scale: f64,
    /// Fault injection, e.g. 5xx=0.05,reset=0.02,latency=20ms,burst429=200,expire=100
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Send signed webhooks on every change to this URL
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// Secret the webhooks are signed with
    #[arg(long, value_name = "S")]
    pub webhook_secret: Option<String>,
    /// Webhook body format, where the vendor has several (e.g. legacy|cloudevents)
    #[arg(long, value_name = "FORMAT")]
    pub webhook_format: Option<String>,
    /// Regional variant of the seeded company, where the vendor has several (e.g. us|global)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Serve HTTPS: CERT,KEY (PEM files) or `self-signed`
    #[arg(long, value_name = "CERT,KEY")]
    pub tls: Option<String>,
}

impl SimArgs {
    /// The simulator options these flags describe.
    pub fn options(&self) -> Result<SimOptions, String> {
        let faults = match &self.faults {
            Some(f) => f.parse().map_err(|e| format!("--faults: {e}"))?,
            None => Default::default(),
        };
        if !(self.rate_scale.is_finite() && self.rate_scale > 0.0) {
            return Err(format!(
                "--rate-scale must be a number above 0, not {}",
                self.rate_scale
            ));
        }
        if self.webhook_url.is_some() != self.webhook_secret.is_some() {
            return Err("--webhook-url and --webhook-secret go together".into());
        }
        Ok(SimOptions {
            token: self.token.clone(),
            rate_limits: self.rate_limits == Switch::On,
            rate_scale: self.rate_scale,
            faults,
            webhook_url: self.webhook_url.clone(),
            webhook_secret: self.webhook_secret.clone(),
            seed: self.seed,
            deals: self.deals.unwrap_or(0) as usize,
            webhook_format: self.webhook_format.clone(),
            region: self.region.clone(),
            tls: self.tls.clone(),
        })
    }
}

pub async fn run(ctx: &Ctx, args: SimArgs) -> ExitCode {
    ctx.init_logging(None);
    let opts = match args.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return super::invalid();
        }
    };
    let Some((label, sim)) = crate::connectors::simulator(&args.vendor) else {
        eprintln!("error: no simulator for `{}`", args.vendor);
        return ExitCode::from(2);
    };
    if args.deals.is_some() && !sim.seeds_deals {
        eprintln!(
            "note: --deals seeds CRM simulators; the {} simulator starts with its demo organisation",
            label
        );
    }
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| sim.default_listen.to_string());
    let seeded = if sim.seeds_deals {
        format!(" ({} deals, seed {})", opts.deals, opts.seed)
    } else {
        String::new()
    };
    if opts.tls.is_none() {
        // Bound first, announced after, with the real port: `--listen 127.0.0.1:0` picks a
        // free one and whoever started the simulator reads where it went.
        return match (sim.spawn)(listen.clone(), opts).await {
            Ok(running) => {
                eprintln!("{} simulator on {}{seeded}", label, running.base_url);
                super::shutdown_signal().await;
                ExitCode::SUCCESS
            }
            Err(e) => failed(&listen, e),
        };
    }
    eprintln!("{label} simulator on {listen} (TLS){seeded}");
    match (sim.run)(listen.clone(), opts).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&listen, e),
    }
}

/// A simulator that could not start: a variant it does not have (`--region`,
/// `--webhook-format`, `--tls`) is invalid input, anything else a failure.
fn failed(listen: &str, e: std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::InvalidInput {
        eprintln!("error: {e}");
        return super::invalid();
    }
    eprintln!("error: simulator on {listen}: {e}");
    ExitCode::FAILURE
}
