//! The connectors compiled into this build: the one place the engine names a vendor.
//!
//! Everything vendor-specific is a method of the SDK's `Connector` descriptor, which each
//! vendor crate implements once; the rest of the engine looks connectors up here by the
//! config's `kind`. A new connector adds its crate to the workspace, one line to
//! [`CONNECTORS`], and its mapping folders under `mappings/`.

use ledgerbridge_sdk::Connector;
use ledgerbridge_sdk::connector::Simulator;

/// Every compiled-in connector, in listing order.
pub static CONNECTORS: &[&dyn Connector] = &[
    &ledgerbridge_hubspot::CONNECTOR,
    &ledgerbridge_xero::CONNECTOR,
    &ledgerbridge_quickbooks::CONNECTOR,
];

/// Simulators whose vendor's connector is still being built:
/// `ledgerbridge sim <kind>` serves them so the connector can be developed and tested
/// against them. When the connector lands, its line moves to [`CONNECTORS`] and its
/// descriptor brings the simulator.
pub static SIMULATORS_AHEAD: &[SimulatorAhead] = &[
    SimulatorAhead {
        kind: "salesforce",
        label: "Salesforce",
        entry: ledgerbridge_salesforce::sim::simulator,
    },
    SimulatorAhead {
        kind: "pipedrive",
        label: "Pipedrive",
        entry: ledgerbridge_pipedrive::sim::simulator,
    },
];

/// A simulator served ahead of its vendor's connector.
pub struct SimulatorAhead {
    /// The kind `ledgerbridge sim` takes, as the connector will have it.
    pub kind: &'static str,
    /// The vendor's name, for messages.
    pub label: &'static str,
    pub entry: fn() -> Simulator,
}

/// The simulator of a kind, with the vendor's name for messages: a connector's own, or
/// one whose connector is still to come.
pub fn simulator(kind: &str) -> Option<(&'static str, Simulator)> {
    if let Some(c) = find(kind) {
        return c.simulator().map(|s| (c.label(), s));
    }
    SIMULATORS_AHEAD
        .iter()
        .find(|s| s.kind == kind)
        .map(|s| (s.label, (s.entry)()))
}

/// Every kind `ledgerbridge sim` can serve, in listing order.
pub fn simulated_kinds() -> Vec<&'static str> {
    CONNECTORS
        .iter()
        .filter(|c| c.simulator().is_some())
        .map(|c| c.kind())
        .chain(SIMULATORS_AHEAD.iter().map(|s| s.kind))
        .collect()
}

/// The connector of a config `kind`.
pub fn find(kind: &str) -> Option<&'static dyn Connector> {
    CONNECTORS.iter().copied().find(|c| c.kind() == kind)
}

/// The compiled-in kinds, comma-separated, for messages.
pub fn kinds() -> String {
    CONNECTORS
        .iter()
        .map(|c| c.kind())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A mapping folder shipped under `mappings/` (`<source kind>-<target kind>`), built
/// into the binary so `init` and `demo` work wherever it runs. A configured pair always
/// reads the folder its config names; these copies are only ever written out.
#[derive(Debug)]
pub struct ShippedMappings {
    /// The folder's name under `mappings/`.
    pub name: &'static str,
    /// Every file of the folder: (file name, contents).
    pub files: &'static [(&'static str, &'static str)],
}

impl ShippedMappings {
    /// The source and target kinds the folder's name says.
    pub fn kinds(&self) -> (&'static str, &'static str) {
        self.name.split_once('-').unwrap_or((self.name, ""))
    }
}

/// Every shipped mapping folder, by name (listed at build time).
pub static SHIPPED_MAPPINGS: &[ShippedMappings] =
    include!(concat!(env!("OUT_DIR"), "/shipped_mappings.rs"));

/// The folder `ledgerbridge demo` runs when none is named.
pub const DEMO_MAPPINGS: &str = "hubspot-xero";

/// The shipped mapping folder of that name.
pub fn shipped(name: &str) -> Option<&'static ShippedMappings> {
    SHIPPED_MAPPINGS.iter().find(|m| m.name == name)
}

/// The shipped folders' names, comma-separated, for messages.
pub fn shipped_names() -> String {
    SHIPPED_MAPPINGS
        .iter()
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shipped mapping folders a kind takes part in, as source or as target.
pub fn mapping_folders(kind: &str) -> Vec<&'static str> {
    SHIPPED_MAPPINGS
        .iter()
        .filter(|m| {
            let (s, t) = m.kinds();
            s == kind || t == kind
        })
        .map(|m| m.name)
        .collect()
}
