//! What a connector says about itself, once, so the engine never names a vendor.
//!
//! A vendor crate implements [`Connector`] on one unit struct and exports it as a
//! `static`; the engine's registry lists those statics, and every vendor-specific
//! decision (its config keys, its OAuth endpoints, how to build its source or target,
//! how to verify its webhooks, how to try its credentials, what its pair defaults are)
//! is a method call on it.

mod descriptor;
mod example;
mod keys;
mod secret;
#[cfg(feature = "sim")]
mod simulator;

pub use descriptor::{
    AuthKind, Built, ConnectionSpec, Connector, DemoServer, OAuthEndpoints, PairDefaults, Roles,
    SourceNeeds, VendorKeyDoc, is_loopback,
};
pub use example::{SIM_TOKEN, generic_config_block};
pub use keys::{KeyProblem, VendorKeys, check_url, read_keys};
pub use secret::Secret;
#[cfg(feature = "sim")]
pub use simulator::Simulator;
