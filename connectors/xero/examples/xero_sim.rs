//! The Xero simulator alone, for the compat check and manual poking:
//! `cargo run -p ledgerbridge-xero --example xero_sim --features sim -- 127.0.0.1:9102 TOKEN`
//! (`ledgerbridge sim xero` is the full CLI with every flag).

use ledgerbridge_sdk::sim::SimOptions;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:9102".into());
    let token = args.next().unwrap_or_else(|| "t".into());
    let opts = SimOptions {
        token: Some(token),
        rate_limits: false,
        ..Default::default()
    };
    eprintln!("Xero simulator on http://{listen}");
    ledgerbridge_xero::sim::run(&listen, opts).await
}
