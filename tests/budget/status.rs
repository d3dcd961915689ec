//! The budget status: its rule, and which deals get it.

use super::fixture::inputs;
use ledgerbridge::budget::compute;
use ledgerbridge::budget::model::Figures;
use ledgerbridge::budget::status::{self, BudgetStatus};
use rust_decimal_macros::dec;

fn fig(
    budget: rust_decimal::Decimal,
    actual: rust_decimal::Decimal,
    forecast: rust_decimal::Decimal,
) -> Figures {
    ledgerbridge::budget::grid::figures(budget, actual, dec!(0), forecast)
}

#[test]
fn over_on_track_at_risk() {
    assert_eq!(
        BudgetStatus::of(&fig(dec!(100), dec!(101), dec!(0))),
        BudgetStatus::Over
    );
    assert_eq!(
        BudgetStatus::of(&fig(dec!(100), dec!(100), dec!(0))),
        BudgetStatus::OnTrack
    );
    assert_eq!(
        BudgetStatus::of(&fig(dec!(100), dec!(60), dec!(40))),
        BudgetStatus::OnTrack
    );
    assert_eq!(
        BudgetStatus::of(&fig(dec!(100), dec!(60), dec!(39.99))),
        BudgetStatus::AtRisk
    );
    assert_eq!(
        BudgetStatus::of(&fig(dec!(0), dec!(0), dec!(0))),
        BudgetStatus::OnTrack
    );
    assert_eq!(BudgetStatus::OnTrack.as_str(), "on track");
    assert_eq!(BudgetStatus::AtRisk.as_str(), "at risk");
    assert_eq!(BudgetStatus::Over.as_str(), "over");
}

#[test]
fn open_deals_get_their_options_status_once() {
    let mut i = inputs();
    let r = compute(&i);
    // North: budget 1800, projected 825.03; South: 1250 vs 850; untracked: 2100 vs 282.50
    let by = status::by_option(&r);
    assert_eq!(by["North"], BudgetStatus::AtRisk);
    assert_eq!(by["South"], BudgetStatus::AtRisk);
    assert_eq!(by[""], BudgetStatus::AtRisk);
    let u = status::updates(&r, &i.deals, "ledgerbridge_budget_status");
    // open deals only (d2, d4); won and lost deals are not written
    let ids: Vec<&str> = u.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["d2", "d4"]);
    assert_eq!(u[0].properties["ledgerbridge_budget_status"], "at risk");
    // a deal already showing its status is not written again
    i.deals[1].budget_status = Some("at risk".into());
    let u = status::updates(&r, &i.deals, "ledgerbridge_budget_status");
    assert_eq!(u.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["d4"]);
}

#[test]
fn a_slice_beyond_its_budget_is_over() {
    let mut i = inputs();
    // a big won-and-invoiced month for North
    i.invoices[0].lines[0].line_amount = dec!(5000);
    let r = compute(&i);
    assert_eq!(status::by_option(&r)["North"], BudgetStatus::Over);
    let u = status::updates(&r, &i.deals, "p");
    // d4's largest entry is North
    assert_eq!(u[1].id, "d4");
    assert_eq!(u[1].properties["p"], "over");
}
