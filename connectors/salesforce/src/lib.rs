//! Salesforce for ledgerbridge: the REST API's wire types (shared by the
//! connector and the simulator) and, behind the `sim` feature, a simulator
//! of the REST API that Salesforce's own clients accept.

#[cfg(feature = "sim")]
pub mod sim;
pub mod wire;
