use std::collections::BTreeMap;
use std::time::Duration;

use ledgerbridge_sdk::{Capabilities, RateLimit, VendorIdempotency};

/// Serves `router` on a free loopback port; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}

/// Capabilities of a test vendor with these limits.
pub fn caps(rate_limits: Vec<RateLimit>, max_concurrency: Option<usize>) -> Capabilities {
    Capabilities {
        vendor: "testvendor",
        write_batch: BTreeMap::new(),
        read_batch: 100,
        page_size: 100,
        rate_limits,
        max_concurrency,
        idempotency: VendorIdempotency::None,
        webhooks: false,
        fields: BTreeMap::new(),
        abilities: ledgerbridge_sdk::ability::Abilities::none(),
    }
}

/// A retry policy with short waits, for tests.
pub fn quick_retry(max_attempts: u32) -> ledgerbridge_sdk::http::RetryPolicy {
    ledgerbridge_sdk::http::RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_elapsed: Duration::from_secs(10),
    }
}
