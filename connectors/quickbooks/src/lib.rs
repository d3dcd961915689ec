//! QuickBooks Online connector for ledgerbridge. Today it holds the wire shapes
//! the connector and the simulator share (`wire`) and, behind the `sim`
//! feature, a faithful simulator of the QuickBooks Online Accounting API v3
//! (`sim`, served by `ledgerbridge sim quickbooks`).

pub mod wire;

#[cfg(feature = "sim")]
pub mod sim;
