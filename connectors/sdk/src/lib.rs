//! The ledgerbridge connector SDK: the contract every connector implements and
//! the toolkit every connector uses. It depends on nothing else of ours.
//!
//! Dependencies point one way: engine → `connectors/<vendor>` → this crate.
//!
//! - [`model`]: the canonical records (money is `rust_decimal`).
//! - [`CrmSource`], [`FinanceTarget`], [`WebhookVerifier`]: the traits.
//! - [`ability`]: a target's optional abilities (notes, tracking, budgets, credit notes,
//!   currency rates, status changes), each answering "not supported" by default.
//! - [`Capabilities`]: what a connector declares (batch sizes, limits, fields).
//! - [`connector`]: the [`Connector`] descriptor a vendor crate implements once, so the
//!   engine builds, checks and lists connectors without naming a vendor.
//! - [`ConnectorError`]: typed failures the engine reacts to.
//! - [`http`]: the HTTP client every connector uses (limits, retries, errors).
//! - [`auth`]: token sources (static, OAuth2 with single-flight refresh) and
//!   the building blocks of `ledgerbridge connect`.
//! - [`vault`]: sealed (AES-256-GCM) storage of OAuth tokens.

pub mod ability;
pub mod auth;
mod capabilities;
pub mod connector;
mod cursor;
mod digest;
mod error;
pub mod http;
pub mod model;
mod source;
mod target;
pub mod vault;
mod webhook;

#[cfg(feature = "sim")]
pub mod sim;

pub use capabilities::{
    Capabilities, FieldDecl, FieldKind, RateLimit, RateScope, VendorIdempotency,
};
pub use connector::Connector;
pub use cursor::{Cursor, Page, PageStream};
pub use digest::sha256_hex;
pub use error::{ConnectorError, ConnectorResult, ErrorKind};
pub use source::CrmSource;
pub use target::{CustomerMatch, FinanceTarget, ItemOutcome, StatusChange, WriteItem, Written};
pub use webhook::{
    ChangeEvent, ChangeKind, EventSubject, WebhookBatch, WebhookError, WebhookRequest,
    WebhookVerifier,
};
