//! `ledgerbridge serve [--listen ADDR]`

use super::Ctx;
use crate::server::{self, Server, ServerOptions};
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Serve vendor webhooks on [server] listen: POST /webhooks/KIND (the \
connection of that kind whose secret verifies; kinds: `ledgerbridge connectors`) or /webhooks/CONNECTION. \
Each delivery is signature-checked, stored durably in the webhook inbox (de-duplicated by \
event id) with its targeted-pull job enqueued in the same transaction, and only then \
answered 200. Also GET /healthz, GET /readyz and GET /metrics (Prometheus; needs \
`Authorization: Bearer` [server] admin_token when one is set). Behind a reverse proxy set \
[server] public_url to the URL the vendor posts to. Stops on SIGTERM/SIGINT after \
in-flight deliveries are stored."
)]
pub struct ServeArgs {
    /// Listen address [default: [server] listen]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

pub async fn run(ctx: &Ctx, args: ServeArgs) -> ExitCode {
    let (config, db) = match ctx.open().await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let listen = args.listen.unwrap_or_else(|| config.server.listen.clone());
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = Server::new(
        &config,
        db.clone(),
        ServerOptions::for_backend(db.backend()),
    );
    let receivers = server.receiver_names();
    if receivers.is_empty() {
        tracing::warn!(
            "no connection has a webhook secret (its connector's webhook key: `ledgerbridge connectors`): \
             every webhook will be refused"
        );
    }
    let loopback = listener
        .local_addr()
        .map(|a| a.ip().is_loopback())
        .unwrap_or(false);
    if config.server.admin_token.is_none() && !loopback {
        tracing::warn!(
            "/metrics is open to anyone who can reach {listen}: set [server] admin_token"
        );
    }
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or(listen);
    tracing::info!(%addr, receivers = ?receivers, "serving webhooks, /healthz, /readyz and /metrics");
    let result = server::serve(listener, server, super::shutdown_signal()).await;
    db.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
