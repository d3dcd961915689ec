//! The HubSpot connector for ledgerbridge, and (behind the `sim` feature) a
//! simulator of HubSpot's CRM API for tests and the demo.
//!
//! - `config.rs`: connection settings; `client.rs`: the endpoints and their
//!   typed wire shapes over the SDK's `HttpClient` (pacing, retries, token
//!   refresh, fleet `Pacer`); `error.rs`: error bodies → typed errors;
//!   `source/`: `CrmSource` (property catalogue and capabilities, pipelined full
//!   pulls, search-based incremental pulls, conversion, write-back, one file
//!   each); `webhook.rs`: `WebhookVerifier` (signature v3); `descriptor.rs`: the
//!   `Connector` the engine's registry lists.

pub mod client;
pub mod config;
pub mod descriptor;
pub mod error;
#[cfg(feature = "sim")]
pub mod sim;
pub mod source;
pub mod webhook;

pub use client::{Bearer, HubSpotClient, StaticBearer};
pub use config::HubSpotConfig;
pub use descriptor::CONNECTOR;
pub use ledgerbridge_sdk::auth::TokenSource;
pub use source::HubSpotSource;
pub use webhook::HubSpotWebhookVerifier;
