//! QuickBooks Online's JSON wire format: entity names, `Fault` bodies, the
//! timestamp format, reference objects and the entities the connector reads and
//! writes. QuickBooks renders its XML schema as JSON with the same element names;
//! a reference is `{"value": id, "name": ..}`.

pub mod entity;
pub mod fault;
pub mod objects;
pub mod time;

pub use entity::{ENTITIES, canonical_entity};
pub use fault::{ErrorItem, Fault, FaultType};
