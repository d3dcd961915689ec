//! A hand-computed fixture: base USD, 2026-01..2026-03, tracking category Region
//! (North, South), accounts 200 (tracking budgets), 260 and 400 (overall budget) and
//! 270 (CRM only), one EUR invoice at 0.8 EUR per USD. The expected figures are in
//! `figures.rs`, worked out by hand next to each number.

use chrono::NaiveDate;
use ledgerbridge::budget::{DealInput, Inputs, Period};
use ledgerbridge_mapping::BudgetEntry;
use ledgerbridge_sdk::model::{
    Budget, BudgetLine, Currency, CurrencyRates, DealStatus, InvoiceStatus, Pipeline,
    PipelineStage, TargetInvoice, TargetInvoiceLine, TaxMode, TrackingRef,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

pub fn cur(c: &str) -> Currency {
    Currency::new(c).unwrap()
}

fn t(category: &str, option: &str) -> TrackingRef {
    TrackingRef {
        category: category.into(),
        option: option.into(),
    }
}

fn budget(name: &str, tracking: Vec<TrackingRef>, lines: &[(&str, &str, Decimal)]) -> Budget {
    Budget {
        id: name.to_lowercase().replace(' ', "-"),
        name: name.into(),
        tracking,
        lines: lines
            .iter()
            .map(|(a, p, amount)| BudgetLine {
                account_code: a.to_string(),
                period: p.to_string(),
                amount: *amount,
            })
            .collect(),
    }
}

type LineSpec<'a> = (&'a str, Vec<TrackingRef>, Decimal, Decimal);

fn invoice(
    number: &str,
    status: InvoiceStatus,
    currency: &str,
    rate: Option<Decimal>,
    date: (i32, u32, u32),
    tax_mode: TaxMode,
    lines: Vec<LineSpec<'_>>,
) -> TargetInvoice {
    let lines: Vec<TargetInvoiceLine> = lines
        .into_iter()
        .map(|(account, tracking, amount, tax)| TargetInvoiceLine {
            description: None,
            quantity: Decimal::ONE,
            unit_amount: amount,
            discount_rate: None,
            account_code: Some(account.into()),
            tax_type: None,
            line_amount: amount,
            tax_amount: tax,
            tracking,
        })
        .collect();
    let total: Decimal = lines.iter().map(|l| l.line_amount).sum();
    TargetInvoice {
        id: format!("id-{number}"),
        number: Some(number.into()),
        reference: Some(format!("HS-{number}")),
        customer_id: None,
        status,
        currency: cur(currency),
        currency_rate: rate,
        date: NaiveDate::from_ymd_opt(date.0, date.1, date.2),
        due_date: None,
        tax_mode,
        sub_total: total,
        total_tax: Decimal::ZERO,
        total,
        amount_paid: Decimal::ZERO,
        amount_due: total,
        fully_paid_on: None,
        lines,
        updated_at: None,
    }
}

fn entry(account: &str, region: &str, month: &str, amount: Decimal, currency: &str) -> BudgetEntry {
    BudgetEntry {
        account_code: account.into(),
        tracking: if region.is_empty() {
            vec![]
        } else {
            vec![t("Region", region)]
        },
        month: month.into(),
        amount,
        currency: cur(currency),
    }
}

fn deal(id: &str, status: DealStatus, stage: &str, entries: Vec<BudgetEntry>) -> DealInput {
    DealInput {
        id: id.into(),
        status,
        pipeline: Some("p1".into()),
        stage: Some(stage.into()),
        entries,
        budget_status: None,
    }
}

pub fn pipelines() -> Vec<Pipeline> {
    let st = |id: &str, p: Decimal, closed: bool, won: bool| PipelineStage {
        id: id.into(),
        label: id.into(),
        display_order: 0,
        probability: p,
        closed,
        won,
    };
    vec![Pipeline {
        id: "p1".into(),
        label: "Sales".into(),
        stages: vec![
            st("s1", dec!(0.25), false, false),
            st("won", dec!(1), true, true),
            st("lost", dec!(0), true, false),
        ],
    }]
}

pub fn inputs() -> Inputs {
    use InvoiceStatus::*;
    let north = || vec![t("Region", "North")];
    let south = || vec![t("Region", "South")];
    Inputs {
        not_supported: vec![],
        base_currency: cur("USD"),
        period: Period::parse("2026-01..2026-03").unwrap(),
        tracking_category: None, // chosen from the data: Region
        budgets: vec![
            budget(
                "Overall Budget",
                vec![],
                &[
                    ("200", "2025-12", dec!(999)),  // outside the period
                    ("200", "2026-01", dec!(1000)), // 200 has Region budgets: not used
                    ("200", "2026-02", dec!(1000)),
                    ("200", "2026-03", dec!(1000)),
                    ("260", "2026-01", dec!(500)),
                    ("260", "2026-02", dec!(500)),
                    ("260", "2026-03", dec!(500)),
                    ("400", "2026-01", dec!(300)), // no February line
                    ("400", "2026-03", dec!(300)),
                ],
            ),
            budget(
                "Region North",
                vec![t("Region", "North")],
                &[
                    ("200", "2026-01", dec!(600)),
                    ("200", "2026-02", dec!(600)),
                    ("200", "2026-03", dec!(600)),
                ],
            ),
            budget(
                "Region South",
                vec![t("Region", "South")],
                &[
                    ("200", "2026-01", dec!(400)),
                    ("200", "2026-02", dec!(400)),
                    ("200", "2026-03", dec!(450)),
                ],
            ),
            // another category's budget: not used by a Region report
            budget(
                "Pipeline Renewals",
                vec![t("Pipeline", "Renewals")],
                &[("200", "2026-01", dec!(777))],
            ),
        ],
        invoices: vec![
            invoice(
                "INV-1",
                Authorised,
                "USD",
                None,
                (2026, 1, 15),
                TaxMode::Exclusive,
                vec![
                    (
                        "200",
                        vec![t("Region", "North"), t("Pipeline", "Renewals")],
                        dec!(700),
                        dec!(70),
                    ),
                    ("260", vec![], dec!(120), dec!(12)),
                ],
            ),
            // the foreign-currency invoice: 0.8 EUR per USD
            invoice(
                "INV-2",
                Paid,
                "EUR",
                Some(dec!(0.8)),
                (2026, 2, 10),
                TaxMode::Exclusive,
                vec![
                    ("200", south(), dec!(400.00), dec!(0)),
                    ("200", north(), dec!(100.01), dec!(0)),
                    ("200", north(), dec!(0.01), dec!(0)),
                ],
            ),
            invoice(
                "INV-3",
                Draft,
                "USD",
                None,
                (2026, 1, 20),
                TaxMode::Exclusive,
                vec![("200", north(), dec!(5000), dec!(0))],
            ),
            invoice(
                "INV-4",
                Voided,
                "USD",
                None,
                (2026, 2, 20),
                TaxMode::Exclusive,
                vec![("200", north(), dec!(5000), dec!(0))],
            ),
            invoice(
                "INV-5",
                Authorised,
                "USD",
                None,
                (2026, 4, 1),
                TaxMode::Exclusive,
                vec![("200", north(), dec!(5000), dec!(0))],
            ),
            invoice(
                "INV-6",
                Authorised,
                "USD",
                None,
                (2026, 3, 5),
                TaxMode::Inclusive,
                vec![("400", vec![], dec!(110), dec!(10))],
            ),
        ],
        deals: vec![
            deal(
                "d1",
                DealStatus::Won,
                "won",
                vec![entry("200", "North", "2026-01", dec!(800), "USD")],
            ),
            deal(
                "d2",
                DealStatus::Open,
                "s1",
                vec![
                    entry("200", "South", "2026-03", dec!(1000), "USD"),
                    entry("260", "", "2026-03", dec!(200), "EUR"),
                    entry("270", "South", "2026-02", dec!(400), "USD"),
                ],
            ),
            deal(
                "d3",
                DealStatus::Lost,
                "lost",
                vec![entry("200", "North", "2026-02", dec!(999), "USD")],
            ),
            deal(
                "d4",
                DealStatus::Open,
                "no-such-stage",
                vec![entry("200", "North", "2026-02", dec!(999), "USD")],
            ),
            deal(
                "d5",
                DealStatus::Won,
                "won",
                vec![entry("200", "North", "2026-05", dec!(999), "USD")],
            ),
            deal(
                "d6",
                DealStatus::Won,
                "won",
                vec![entry("200", "North", "2026-01", dec!(999), "JPY")],
            ),
        ],
        pipelines: pipelines(),
        rates: CurrencyRates {
            rates: BTreeMap::from([(cur("USD"), dec!(1)), (cur("EUR"), dec!(0.8))]),
        },
    }
}
