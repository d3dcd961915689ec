//! The Pipedrive simulator alone, in its own process: for the official-SDK
//! compat check (`compat/run.sh`) and manual poking.
//!
//! `cargo run -p ledgerbridge-pipedrive --example pipedrive_sim --features sim -- \
//!     [--listen 127.0.0.1:9105] [--deals 300] [--token t] [--rate-limits on|off] \
//!     [--rate-scale F] [--seed 42] [--faults SPEC] \
//!     [--webhook-url URL --webhook-secret user:password]`
//!
//! Prints `listening http://ADDR` on stdout once it accepts connections
//! (`--listen 127.0.0.1:0` picks a free port). `ledgerbridge sim pipedrive`
//! is the full CLI with every flag of the simulator contract.

use ledgerbridge_sdk::sim::SimOptions;

fn usage(msg: &str) -> ! {
    eprintln!(
        "pipedrive_sim: {msg}\nusage: pipedrive_sim [--listen ADDR] [--deals N] [--token T] \
         [--rate-limits on|off] [--rate-scale F] [--seed S] [--faults SPEC] \
         [--webhook-url URL] [--webhook-secret user:password]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut listen = ledgerbridge_pipedrive::sim::DEFAULT_LISTEN.to_string();
    let mut opts = SimOptions {
        token: Some("t".into()),
        ..SimOptions::default()
    };
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
                    .ok()
                    .filter(|f: &f64| *f > 0.0)
                    .unwrap_or_else(|| usage("--rate-scale: a positive number"))
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
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    if opts
        .webhook_secret
        .as_deref()
        .is_some_and(|s| !s.contains(':'))
    {
        usage("--webhook-secret: user:password (Pipedrive sends them as Basic credentials)");
    }
    let listener = ledgerbridge_sdk::sim::bind(&listen).await?;
    let addr = listener.local_addr()?;
    let deals = opts.deals;
    let (router, handle) = ledgerbridge_pipedrive::sim::router(opts);
    handle.set_base_url(&format!("http://{addr}"));
    println!("listening http://{addr}");
    eprintln!("Pipedrive simulator with {deals} deals on http://{addr}");
    ledgerbridge_sdk::sim::serve(listener, router).await
}
