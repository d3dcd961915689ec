//! Budget vs actuals, in one binary: the hand-computed fixture, the
//! renderings, the budget status and one end-to-end run on the in-process simulators.

#[path = "budget/fixture.rs"]
mod fixture;

#[path = "budget/cli.rs"]
mod cli;
#[path = "budget/e2e.rs"]
mod e2e;
#[path = "budget/figures.rs"]
mod figures;
#[path = "budget/render.rs"]
mod render;
#[path = "budget/status.rs"]
mod status;
