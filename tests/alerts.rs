//! Alerts: delivery to a local webhook receiver and a local SMTP server started by the
//! tests, and each alert kind raised by its real cause, once, then rate-limited.

#[path = "foundation/common.rs"]
mod common;
#[path = "pipeline/harness.rs"]
mod harness;

#[path = "alerts/receivers.rs"]
mod receivers;

#[path = "alerts/config.rs"]
mod config;
#[path = "alerts/delivery.rs"]
mod delivery;
#[path = "alerts/kinds.rs"]
mod kinds;
