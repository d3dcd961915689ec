//! QuickBooks Online connector for ledgerbridge: a client for the Accounting API
//! v3 (`client`), the SDK's finance-target contract on top of it (`target`),
//! webhook verification (`webhook`), the company kept after `connect`
//! (`connect`), the descriptor the engine's registry lists (`descriptor`), the
//! wire shapes the connector and the simulator share (`wire`) and, behind the
//! `sim` feature, a faithful simulator of the API (`sim`, served by
//! `ledgerbridge sim quickbooks`).

pub mod client;
pub mod config;
pub mod connect;
mod convert;
pub mod descriptor;
pub mod money;
pub mod reference;
pub mod target;
pub mod webhook;
pub mod wire;

#[cfg(feature = "sim")]
pub mod sim;

mod capabilities;

pub use capabilities::capabilities;
pub use config::QuickBooksConfig;
pub use descriptor::CONNECTOR;
pub use target::QuickBooksTarget;
pub use webhook::QuickBooksWebhookVerifier;
