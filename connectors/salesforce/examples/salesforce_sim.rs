//! The Salesforce simulator alone, in its own process: for the client
//! compat check (`compat/run.sh`) and manual poking.
//!
//! `cargo run -p ledgerbridge-salesforce --example salesforce_sim --features sim -- \
//!     [--listen 127.0.0.1:9104] [--deals 300] [--token t] [--rate-limits on|off] \
//!     [--rate-scale F] [--seed 42] [--faults SPEC] [--webhook-url URL] \
//!     [--webhook-secret S] [--tls CERT,KEY|self-signed]`
//!
//! Prints `listening http://ADDR` (or `https://`) on stdout once it accepts
//! connections (`--listen 127.0.0.1:0` picks a free port), preceded by
//! `certificate PATH` with `--tls`: the PEM a client must trust.

use ledgerbridge_sdk::sim::SimOptions;

fn usage(msg: &str) -> ! {
    eprintln!(
        "salesforce_sim: {msg}\nusage: salesforce_sim [--listen ADDR] [--deals N] [--token T] \
         [--rate-limits on|off] [--rate-scale F] [--seed S] [--faults SPEC] \
         [--webhook-url URL] [--webhook-secret S] [--tls CERT,KEY|self-signed]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut listen = "127.0.0.1:9104".to_string();
    let mut opts = SimOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--listen" => listen = value(),
            "--deals" => {
                opts.deals = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--deals: a number"))
            }
            "--token" => opts.token = Some(value()),
            "--rate-limits" => {
                opts.rate_limits = match value().as_str() {
                    "on" => true,
                    "off" => false,
                    _ => usage("--rate-limits: on or off"),
                }
            }
            "--rate-scale" => {
                opts.rate_scale = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--rate-scale: a number"))
            }
            "--seed" => {
                opts.seed = value()
                    .parse()
                    .unwrap_or_else(|_| usage("--seed: a number"))
            }
            "--faults" => {
                opts.faults = value()
                    .parse()
                    .unwrap_or_else(|e| usage(&format!("--faults: {e}")))
            }
            "--webhook-url" => opts.webhook_url = Some(value()),
            "--webhook-secret" => opts.webhook_secret = Some(value()),
            "--tls" => opts.tls = Some(value()),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    ledgerbridge_salesforce::sim::run(&listen, opts).await
}
