//! Building blocks shared by every vendor simulator (`sim` feature).
//!
//! A simulator is an axum server speaking one vendor's real wire format. What is
//! the same for every vendor lives here: the command-line options every
//! simulator takes, fault injection, call statistics for
//! `GET /_sim/stats`, fixed-window rate limits scaled in time, and a server
//! loop with TCP_NODELAY. What differs (paths, bodies, error shapes) stays in
//! the vendor crate's `sim/` folder.

mod faults;
mod options;
mod rate;
mod serve;
mod stats;

pub use faults::{Fault, FaultInjector, FaultSpec, FaultSpecError, reset_body};
pub use options::SimOptions;
pub use rate::{RateDecision, RateWindow};
pub use serve::{RunningSim, bind, serve, spawn};
pub use stats::SimStats;
