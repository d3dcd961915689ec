//! QuickBooks Online's JSON wire format: entity names, `Fault` bodies, the
//! timestamp format and reference objects. QuickBooks renders its XML schema as
//! JSON with the same element names; a reference is `{"value": id, "name": ..}`.

pub mod entity;
pub mod fault;
pub mod time;

pub use entity::{ENTITIES, canonical_entity};
pub use fault::{ErrorItem, Fault, FaultType};
