//! Xero connector for ledgerbridge: a client for the Xero Accounting API 2.0
//! (`client`), the SDK's finance-target contract on top of it (`target`),
//! webhook verification (`webhook`), the organisation choice after `connect`
//! (`connect`), the descriptor the engine's registry lists (`descriptor`), and — behind the `sim` feature — a
//! faithful simulator of Xero's wire format (`sim`).

pub mod money;
pub mod msdate;
pub mod wire;

#[cfg(feature = "spec-validate")]
pub mod spec;

#[cfg(feature = "sim")]
pub mod sim;

pub mod client;
pub mod config;
pub mod connect;
mod convert;
pub mod descriptor;
pub mod target;
pub mod webhook;

pub use client::{XeroClient, capabilities};
pub use config::XeroConfig;
pub use descriptor::CONNECTOR;
pub use target::XeroTarget;
pub use webhook::XeroWebhookVerifier;
