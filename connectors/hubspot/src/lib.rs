//! The HubSpot connector for ledgerbridge, and (behind the `sim` feature) a
//! simulator of HubSpot's CRM API for tests and the demo.
//!
//! - `config.rs`: connection settings; `client.rs`: HTTP, pacing, retries;
//!   `error.rs`: error bodies → typed errors; `source.rs`: `CrmSource`;
//!   `webhook.rs`: `WebhookVerifier` (signature v3).

pub mod client;
pub mod config;
pub mod error;
#[cfg(feature = "sim")]
pub mod sim;
pub mod source;
pub mod webhook;

pub use client::{Bearer, HubSpotClient, StaticBearer};
pub use config::HubSpotConfig;
pub use source::HubSpotSource;
pub use webhook::HubSpotWebhookVerifier;
