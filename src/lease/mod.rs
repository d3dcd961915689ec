//! Fleet leases: one worker process at a time calls a given target tenant, so
//! the vendor's rate limit (say 60 a minute, 5 at once per tenant) holds across any
//! number of `ledgerbridge worker` processes on one PostgreSQL database — each process
//! paces its own calls with the SDK's limiters, and the lease makes sure only one process
//! is calling.
//!
//! - [`store`]: the `leases` row (name, holder, expires_at), taken or renewed with one
//!   conditional UPSERT judged by the database's clock; released with a DELETE.
//! - [`TenantLeases`]: the SDK [`Pacer`](ledgerbridge_sdk::http::Pacer) built on it, with
//!   background renewal every third of the TTL and release when idle.
//!
//! On SQLite the same code runs unchanged (several processes on one machine share the
//! file's write lock).
//!
//! For the pipeline, once per worker process:
//! ```ignore
//! let leases = lease::TenantLeases::for_worker(db.clone(), &config.worker);
//! let client = HttpClient::builder(..).pacer(leases.clone()).build()?;
//! // on shutdown:
//! leases.release_all().await;
//! ```

mod pacer;
pub mod store;

pub use pacer::{LeaseOptions, TenantLeases};

/// A holder name unique to this process: host, pid and a random nonce (a restarted
/// process on the same pid must not inherit the dead one's leases).
pub fn holder_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}
