//! Declarative CRM → accounting mappings.
//!
//! IT admins describe how CRM records become accounting records in TOML
//! files (`mappings/<pair>/*.toml`) whose values are CEL expressions. This
//! crate loads and checks those files (every problem as `file:line:
//! message`) and evaluates them on canonical SDK records, producing
//! canonical SDK finance records or typed errors. Money never passes through
//! a float: CEL sees decimal strings, and only our `rust_decimal` functions
//! compute with them.
//!
//! Dependencies point one way: engine → this crate → `ledgerbridge-sdk`.
//! Evaluation is synchronous and pure; the pipeline does the lookups.

mod budget;
mod check;
mod compile;
mod convert;
mod dates;
mod error;
mod eval;
mod file;
mod functions;
mod lookup;
mod mapping;
mod money;
mod needs;
mod output;
mod problem;
mod schema;
mod set;
mod settings;
mod targets;
mod views;

pub use error::{MapError, MapErrorKind, redact};
pub use eval::{Related, SourceRecord};
pub use mapping::Mapping;
pub use needs::AbilityNeed;
pub use output::{
    BudgetEntry, CustomerPlan, InvoiceDraft, Mapped, MappingId, NoteDraft, Outcome, PaymentDraft,
    ResolveStep, line_amount,
};
pub use problem::MappingProblem;
pub use schema::SourceSchema;
pub use set::{MappingSet, content_hash};
pub use settings::{MappingSettings, PairSettings, PaymentsSource};
