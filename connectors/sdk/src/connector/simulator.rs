//! How `ledgerbridge sim <kind>` and the demo start a connector's simulator.

use std::io;

use futures::future::BoxFuture;

use crate::sim::{RunningSim, SimOptions};

/// A connector's simulator: where it listens by default and how to start it.
#[derive(Clone, Copy)]
pub struct Simulator {
    /// `ledgerbridge sim <kind>` listens here when `--listen` is not given.
    pub default_listen: &'static str,
    /// The simulator seeds `--deals` (CRMs); others start with their demo company.
    pub seeds_deals: bool,
    /// Serves on the address until the process ends.
    pub run: fn(String, SimOptions) -> BoxFuture<'static, io::Result<()>>,
    /// Starts in the background (`127.0.0.1:0` picks a port): the demo and tests.
    pub spawn: fn(String, SimOptions) -> BoxFuture<'static, io::Result<RunningSim>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("default_listen", &self.default_listen)
            .field("seeds_deals", &self.seeds_deals)
            .finish_non_exhaustive()
    }
}
