//! `ledgerbridge serve`: vendor webhooks in, health and metrics out.
//!
//! A webhook is verified (the connector's [`WebhookVerifier`]), its events are written to
//! `webhook_inbox` — de-duplicated by the vendor's event id, or a sha256 of the event
//! where the vendor has none — and one `Job::Webhook` per object is enqueued **in the
//! same transaction**, all before the 200. A replayed delivery finds its events already
//! stored and makes no job. The job is a targeted pull of exactly the record ids named;
//! the pipeline's handler fetches their latest state, so event order does not matter.
//!
//! Routes (see [`Server::router`]):
//! - `POST /webhooks/{name}`: `name` is a connection name (that connection only) or a
//!   connector kind (see `ledgerbridge connectors`: the connection of that kind whose secret verifies
//!   the delivery). Bodies over 1 MiB → 413.
//! - `GET /healthz` (the process answers), `GET /readyz` (database reachable, migrations
//!   applied, inbox writer running).
//! - `GET /metrics` (Prometheus text): behind `[server] admin_token` when it is set, like
//!   every admin route.
//!
//! Files, one idea each: `receivers` (which connection verifies a delivery), `uri` (the
//! URI a vendor signed), `webhook` (the HTTP handler), `inbox` (events → rows and jobs),
//! `ingest` (group commit: one writer batching concurrent deliveries into one
//! transaction), `health`, `metrics`, `counters`, `admin_auth`, [`api_stats`] (API calls
//! recorded by workers for this process to report).
//!
//! [`WebhookVerifier`]: ledgerbridge_sdk::WebhookVerifier

mod admin_auth;
pub mod api_stats;
mod counters;
mod health;
pub mod inbox;
pub mod ingest;
mod metrics;
mod receivers;
mod uri;
mod webhook;

pub use inbox::{Delivery, InboxEvent, Stored};
pub use ingest::{Ingest, IngestError, IngestOptions};
pub use receivers::Receivers;

use crate::config::Config;
use crate::store::{Backend, Db};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest webhook body accepted; larger → 413. CRMs send at most about 100 small events
/// per POST and accounting systems a handful, so 1 MiB is far above any real delivery.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Tuning that is not in the config file (benchmarks and tests set it).
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub ingest: IngestOptions,
}

impl ServerOptions {
    /// SQLite has one writer at a time anyway, so one writer task batches everything;
    /// PostgreSQL takes a few transactions in parallel.
    pub fn for_backend(backend: Backend) -> Self {
        ServerOptions {
            ingest: IngestOptions::for_backend(backend),
        }
    }
}

/// What every handler shares.
pub(crate) struct AppState {
    pub db: Db,
    pub receivers: Receivers,
    pub public_url: Option<String>,
    pub admin: admin_auth::AdminGate,
    pub ingest: Ingest,
    pub counters: counters::Counters,
}

/// A configured server: verifiers per connection and a running inbox writer.
#[derive(Clone)]
pub struct Server {
    state: Arc<AppState>,
}

impl Server {
    /// Build from the config; starts the inbox writer task(s), so call it inside a tokio
    /// runtime. Connections whose webhook secret is missing are logged (by variable
    /// name, never value) and refuse deliveries.
    pub fn new(config: &Config, db: Db, opts: ServerOptions) -> Server {
        let receivers = Receivers::from_config(config);
        let admin = admin_auth::AdminGate::from_config(config);
        let ingest = Ingest::start(db.clone(), opts.ingest);
        let state = AppState {
            db,
            receivers,
            public_url: config
                .server
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string()),
            admin,
            ingest,
            counters: counters::Counters::default(),
        };
        Server {
            state: Arc::new(state),
        }
    }

    /// The axum app: webhooks, health, and the admin routes behind the token.
    pub fn router(&self) -> Router {
        let admin = Router::new()
            .route("/metrics", get(metrics::handler))
            .route_layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                admin_auth::require_admin,
            ));
        Router::new()
            .route("/webhooks/{name}", post(webhook::receive))
            .route("/healthz", get(health::healthz))
            .route("/readyz", get(health::readyz))
            .merge(admin)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(self.state.clone())
    }

    /// Connection names that can receive webhooks (for the startup log).
    pub fn receiver_names(&self) -> Vec<String> {
        self.state.receivers.names()
    }
}

/// Serve `server` on `listener` until `shutdown` resolves; in-flight requests finish
/// (their events are committed) before this returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // webhooks are small request/response pairs: do not let Nagle delay the answer
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, server.router())
        .with_graceful_shutdown(shutdown)
        .await
}

/// A server running in the background (tests, benchmarks, the demo).
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// `http://addr`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Graceful stop: waits for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = (&mut self.handle).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.stop.is_some() {
            self.handle.abort();
        }
    }
}

/// Bind `listen` (`127.0.0.1:0` for a free port) and serve in the background.
pub async fn spawn(
    config: &Config,
    db: Db,
    listen: &str,
    opts: ServerOptions,
) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let server = Server::new(config, db, opts);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(serve(listener, server, async move {
        let _ = rx.await;
    }));
    Ok(Running {
        addr,
        stop: Some(tx),
        handle,
    })
}
