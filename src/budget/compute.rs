//! The whole computation, a pure function of plain inputs: no connector, no
//! database, so a hand-computed fixture can check every number.

use super::grid::Grid;
use super::model::{Inputs, Report};
use super::{actuals, budgets, crm, tracking};

/// Budget vs actuals over `inputs` (see the module documentation of each step).
pub fn compute(inputs: &Inputs) -> Report {
    let category = tracking::choose(inputs);
    let cat = category.as_deref();
    let base = &inputs.base_currency;
    let mut warnings = Vec::new();
    let mut grid = Grid::new(inputs.period);
    budgets::place(&inputs.budgets, cat, &mut grid, &mut warnings);
    actuals::place(
        &inputs.invoices,
        base,
        &inputs.rates,
        cat,
        &mut grid,
        &mut warnings,
    );
    crm::place(
        &inputs.deals,
        &inputs.pipelines,
        base,
        &inputs.rates,
        cat,
        &mut grid,
        &mut warnings,
    );
    let (lines, totals) = grid.finish(base);
    Report {
        currency: base.to_string(),
        period: inputs.period.to_string(),
        tracking_category: category,
        lines,
        totals,
        warnings,
        not_supported: inputs.not_supported.clone(),
    }
}
