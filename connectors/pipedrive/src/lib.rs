//! Pipedrive connector for ledgerbridge. Today it holds Pipedrive's wire types
//! (`wire`: v2 deals, persons, organizations, activities, products, deal
//! products, pipelines, stages, field listings; v1 notes and webhooks), the
//! validator for Pipedrive's own OpenAPI files (`spec`) and, behind the `sim`
//! feature, a faithful simulator of Pipedrive's API (`sim`). The source
//! connector builds on the same wire types.

pub mod money;
pub mod time;
pub mod wire;

#[cfg(feature = "spec-validate")]
pub mod spec;

#[cfg(feature = "sim")]
pub mod sim;
