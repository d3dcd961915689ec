//! Budget vs actuals: the finance system's budgets, the actuals of its
//! posted invoices and the CRM's closed-won and weighted open pipeline, per account,
//! tracking option and month, all in the finance organisation's base currency.
//!
//! - [`period`]: the months a report covers.
//! - [`model`]: the plain inputs and the report (its JSON is the documented output).
//! - [`compute`]: the pure computation — [`budgets`], [`actuals`], [`crm`] fill a
//!   [`grid`], which rounds once at the end; [`tracking`] picks the category that
//!   splits the lines; [`convert`] holds the rate direction (`base = amount / rate`).
//! - [`gather`]: reads the inputs of one pair (finance system afresh, CRM via mirror).
//! - [`render`]: table, CSV and self-contained HTML.
//! - [`status`]: the optional budget status written back to the CRM.

pub mod actuals;
pub mod budgets;
pub mod compute;
pub mod convert;
pub mod crm;
pub mod gather;
pub mod grid;
pub mod model;
pub mod period;
pub mod render;
pub mod status;
pub mod tracking;

pub use compute::compute;
pub use gather::GatherOptions;
pub use model::{DealInput, Figures, Inputs, Line, Report};
pub use period::{Month, Period};

use crate::store::Db;
use crate::sync::runtime::PairRuntime;

/// Reads one pair's inputs and computes its report (warnings from reading included).
pub async fn report(
    rt: &PairRuntime,
    db: &Db,
    opts: &GatherOptions,
) -> Result<(Report, Inputs), crate::Error> {
    let (inputs, mut warnings) = gather::gather(rt, db, opts).await?;
    let mut report = compute(&inputs);
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok((report, inputs))
}
