//! `ledgerbridge sim <vendor>` — the simulators arrive with their connectors (issues 4, 5).

use super::Ctx;
use clap::{Args, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Vendor {
    Hubspot,
    Xero,
}

#[derive(Debug, Args)]
#[command(
    long_about = "Run a vendor simulator: the vendor's wire format, pagination, batch \
limits, error bodies, rate limits, OAuth, signed webhooks and fault injection, on loopback. \
GET /_sim/stats and /_sim/export need no auth."
)]
pub struct SimArgs {
    /// Which vendor
    #[arg(value_enum)]
    pub vendor: Vendor,
    /// Listen address [default: HubSpot 127.0.0.1:9101, Xero 127.0.0.1:9102]
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
    /// Enforce the vendor's rate limits (on|off)
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    pub rate_limits: String,
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
}

pub async fn run(_ctx: &Ctx, args: SimArgs) -> ExitCode {
    match args.vendor {
        Vendor::Hubspot => super::not_available("the HubSpot simulator arrives with", "issue 4"),
        Vendor::Xero => super::not_available("the Xero simulator arrives with", "issue 5"),
    }
}
