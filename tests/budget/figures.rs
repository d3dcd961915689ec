//! Every number of the fixture's report, computed by hand.
//!
//! Rules applied (see src/budget): account 200 takes the Region budgets (it has
//! some), 260 and 400 the overall budget under tracking ""; actuals are net of tax,
//! converted base = amount / rate; forecast = open amount × stage probability (0.25);
//! each cell is summed at full precision and rounded once (INV-2's two North lines:
//! 100.01 / 0.8 + 0.01 / 0.8 = 125.0125 + 0.0125 = 125.025 → 125.03, where rounding
//! each line first would give 125.02).

use super::fixture::inputs;
use ledgerbridge::budget::{Figures, compute};

type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const EXPECTED: [Row; 15] = [
    // account, tracking, month, budget, actual, variance, variance_pct, crm_won, forecast, projected
    // INV-1 line 700 (tax 70 excluded); d1 won 800
    ("200", "North", "2026-01", "600.00", "700.00", "100.00", Some("16.67"), "800.00", "0.00", "700.00"),
    // INV-2 125.025 → 125.03; -474.97 / 600 = -79.1616… %
    ("200", "North", "2026-02", "600.00", "125.03", "-474.97", Some("-79.16"), "0.00", "0.00", "125.03"),
    ("200", "North", "2026-03", "600.00", "0.00", "-600.00", Some("-100.00"), "0.00", "0.00", "0.00"),
    ("200", "South", "2026-01", "400.00", "0.00", "-400.00", Some("-100.00"), "0.00", "0.00", "0.00"),
    // INV-2 400 EUR / 0.8 = 500 USD
    ("200", "South", "2026-02", "400.00", "500.00", "100.00", Some("25.00"), "0.00", "0.00", "500.00"),
    // d2 open 1000 × 0.25
    ("200", "South", "2026-03", "450.00", "0.00", "-450.00", Some("-100.00"), "0.00", "250.00", "250.00"),
    ("260", "", "2026-01", "500.00", "120.00", "-380.00", Some("-76.00"), "0.00", "0.00", "120.00"),
    ("260", "", "2026-02", "500.00", "0.00", "-500.00", Some("-100.00"), "0.00", "0.00", "0.00"),
    // d2 open 200 EUR / 0.8 × 0.25 = 62.5
    ("260", "", "2026-03", "500.00", "0.00", "-500.00", Some("-100.00"), "0.00", "62.50", "62.50"),
    // account 270 only in the CRM: zeros around its one figure, no % without budget
    ("270", "South", "2026-01", "0.00", "0.00", "0.00", None, "0.00", "0.00", "0.00"),
    ("270", "South", "2026-02", "0.00", "0.00", "0.00", None, "0.00", "100.00", "100.00"),
    ("270", "South", "2026-03", "0.00", "0.00", "0.00", None, "0.00", "0.00", "0.00"),
    ("400", "", "2026-01", "300.00", "0.00", "-300.00", Some("-100.00"), "0.00", "0.00", "0.00"),
    // no budget line and no actual in February: still there, zeros
    ("400", "", "2026-02", "0.00", "0.00", "0.00", None, "0.00", "0.00", "0.00"),
    // INV-6 tax-inclusive 110 less 10 tax = 100; -200 / 300 = -66.666… %
    ("400", "", "2026-03", "300.00", "100.00", "-200.00", Some("-66.67"), "0.00", "0.00", "100.00"),
];

fn row_of(f: &Figures) -> [String; 7] {
    [
        f.budget.to_string(),
        f.actual.to_string(),
        f.variance.to_string(),
        f.variance_pct
            .map(|p| p.to_string())
            .unwrap_or("null".into()),
        f.crm_won.to_string(),
        f.forecast.to_string(),
        f.projected.to_string(),
    ]
}

#[test]
fn every_line_matches_the_hand_computed_figures() {
    let r = compute(&inputs());
    assert_eq!(r.currency, "USD");
    assert_eq!(r.period, "2026-01..2026-03");
    assert_eq!(r.tracking_category.as_deref(), Some("Region"));
    assert_eq!(r.lines.len(), EXPECTED.len(), "lines: {:#?}", r.lines);
    for (l, e) in r.lines.iter().zip(EXPECTED) {
        let at = format!("{} {:?} {}", e.0, e.1, e.2);
        assert_eq!(
            (l.account.as_str(), l.tracking.as_str(), l.month.as_str()),
            (e.0, e.1, e.2)
        );
        let want = [e.3, e.4, e.5, e.6.unwrap_or("null"), e.7, e.8, e.9].map(String::from);
        assert_eq!(row_of(&l.figures), want, "line {at}");
    }
}

#[test]
fn totals_match_the_hand_computed_figures_and_the_sum_of_lines() {
    let r = compute(&inputs());
    // budget 1800 + 1250 + 1500 + 0 + 600; actual 700 + 125.03 + 500 + 120 + 100;
    // -3604.97 / 5150 = -69.9994… %; forecast 250 + 62.50 + 100
    let want = [
        "5150.00", "1545.03", "-3604.97", "-70.00", "800.00", "412.50", "1957.53",
    ];
    assert_eq!(row_of(&r.totals), want.map(String::from));
    let sum = |f: fn(&Figures) -> rust_decimal::Decimal| {
        r.lines
            .iter()
            .map(|l| f(&l.figures))
            .sum::<rust_decimal::Decimal>()
    };
    assert_eq!(sum(|f| f.budget), r.totals.budget);
    assert_eq!(sum(|f| f.actual), r.totals.actual);
    assert_eq!(sum(|f| f.variance), r.totals.variance);
    assert_eq!(sum(|f| f.forecast), r.totals.forecast);
    assert_eq!(sum(|f| f.projected), r.totals.projected);
}

#[test]
fn what_was_left_out_is_said() {
    let r = compute(&inputs());
    assert_eq!(r.warnings.len(), 2, "{:#?}", r.warnings);
    assert!(r.warnings[0].contains("deal d4"), "{}", r.warnings[0]);
    assert!(r.warnings[1].contains("JPY"), "{}", r.warnings[1]);
}

#[test]
fn without_tracking_budgets_the_overall_budget_applies() {
    let mut i = inputs();
    i.tracking_category = Some("Department".into());
    let r = compute(&i);
    assert!(r.lines.iter().all(|l| l.tracking.is_empty()));
    // every account × 3 months: 200, 260, 270, 400
    assert_eq!(r.lines.len(), 12);
    // overall budget: 200 3000 + 260 1500 + 400 600; the actuals do not change
    assert_eq!(r.totals.budget.to_string(), "5100.00");
    assert_eq!(r.totals.actual.to_string(), "1545.03");
    let feb_200 = r
        .lines
        .iter()
        .find(|l| l.account == "200" && l.month == "2026-02")
        .unwrap();
    // 500 + 125.025 in one cell
    assert_eq!(feb_200.figures.actual.to_string(), "625.03");
}
