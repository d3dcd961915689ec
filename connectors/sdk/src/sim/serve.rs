use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Binds a listener for a simulator (`127.0.0.1:0` picks a free port).
pub async fn bind(addr: &str) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves a simulator's router until the process ends.
///
/// TCP_NODELAY is on: simulators answer many small requests and Nagle's
/// algorithm would add ~40 ms to each of them.
pub async fn serve(listener: TcpListener, router: axum::Router) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router.into_make_service()).await
}

/// A simulator running in-process (tests, `ledgerbridge demo`).
pub struct RunningSim {
    pub addr: SocketAddr,
    pub base_url: String,
    handle: JoinHandle<()>,
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Starts a router on a listener in the background.
pub fn spawn(listener: TcpListener, router: axum::Router) -> RunningSim {
    let addr = listener
        .local_addr()
        .expect("bound listener has an address");
    let handle = tokio::spawn(async move {
        if let Err(e) = serve(listener, router).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    RunningSim {
        addr,
        base_url: format!("http://{addr}"),
        handle,
    }
}
