//! The QuickBooks Online simulator alone, in its own process: for the client
//! compat check (`compat/run.sh`) and manual poking.
//!
//! `cargo run -p ledgerbridge-quickbooks --example quickbooks_sim --features sim -- \
//!     [--listen 127.0.0.1:9103] [--token t] [--rate-limits on|off] [--rate-scale F] \
//!     [--seed 42] [--faults SPEC] [--webhook-url URL --webhook-secret S] \
//!     [--webhook-format legacy|cloudevents] [--region us|global]`
//!
//! Prints `listening http://ADDR` and then `realm REALM` on stdout once it
//! accepts connections (`--listen 127.0.0.1:0` picks a free port).
//! `ledgerbridge sim quickbooks` is the same server behind the engine's CLI.

use ledgerbridge_sdk::sim::SimOptions;

fn usage(msg: &str) -> ! {
    eprintln!(
        "quickbooks_sim: {msg}\nusage: quickbooks_sim [--listen ADDR] [--token T] [--rate-limits on|off] \
         [--rate-scale F] [--seed S] [--faults SPEC] [--webhook-url URL] [--webhook-secret S] \
         [--webhook-format legacy|cloudevents] [--region us|global]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut listen = "127.0.0.1:9103".to_string();
    let mut opts = SimOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--listen" => listen = value(),
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
            "--webhook-format" => opts.webhook_format = Some(value()),
            "--region" => opts.region = Some(value()),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    if let Err(e) = ledgerbridge_quickbooks::sim::check_options(&opts) {
        usage(&e);
    }
    let listener = ledgerbridge_sdk::sim::bind(&listen).await?;
    let addr = listener.local_addr()?;
    let (router, handle) = ledgerbridge_quickbooks::sim::router(opts);
    handle.set_base_url(&format!("http://{addr}"));
    println!("listening http://{addr}");
    println!("realm {}", handle.realm_id());
    eprintln!(
        "QuickBooks Online simulator on http://{addr}, realm {}",
        handle.realm_id()
    );
    ledgerbridge_sdk::sim::serve(listener, router).await
}
