//! The connectors compiled into this build: the one place the engine names a vendor.
//!
//! Everything vendor-specific is a method of the SDK's `Connector` descriptor, which each
//! vendor crate implements once; the rest of the engine looks connectors up here by the
//! config's `kind`. A new connector adds its crate to the workspace, one line to
//! [`CONNECTORS`], and its mapping folders under `mappings/`.

use ledgerbridge_sdk::Connector;

/// Every compiled-in connector, in listing order.
pub static CONNECTORS: &[&dyn Connector] = &[
    &ledgerbridge_hubspot::CONNECTOR,
    &ledgerbridge_xero::CONNECTOR,
];

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

/// The pair `ledgerbridge demo` runs, with its shipped mapping files built into the binary
/// so the demo works from any folder: (source kind, target kind, mapping folder, files).
pub struct DemoPair {
    pub source: &'static str,
    pub target: &'static str,
    /// The folder under `mappings/` the files come from.
    pub mappings: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

pub static DEMO: DemoPair = DemoPair {
    source: "hubspot",
    target: "xero",
    mappings: "hubspot-xero",
    files: &[
        (
            "company-customer.toml",
            include_str!("../mappings/hubspot-xero/company-customer.toml"),
        ),
        (
            "contact-customer.toml",
            include_str!("../mappings/hubspot-xero/contact-customer.toml"),
        ),
        (
            "deal-invoice.toml",
            include_str!("../mappings/hubspot-xero/deal-invoice.toml"),
        ),
        (
            "interaction-note.toml",
            include_str!("../mappings/hubspot-xero/interaction-note.toml"),
        ),
        (
            "payment.toml",
            include_str!("../mappings/hubspot-xero/payment.toml"),
        ),
    ],
};

/// The mapping folders shipped under `mappings/` (`<source kind>-<target kind>`), listed
/// at build time.
pub static MAPPING_FOLDERS: &[&str] = include!(concat!(env!("OUT_DIR"), "/mapping_folders.rs"));

/// The shipped mapping folders a kind takes part in, as source or as target.
pub fn mapping_folders(kind: &str) -> Vec<&'static str> {
    MAPPING_FOLDERS
        .iter()
        .copied()
        .filter(|f| {
            f.split_once('-')
                .is_some_and(|(s, t)| s == kind || t == kind)
        })
        .collect()
}
