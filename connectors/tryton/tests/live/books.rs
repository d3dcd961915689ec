use rust_decimal_macros::dec;

use crate::server;

#[tokio::test]
async fn accounts_taxes_currencies_rates_and_the_company_read_back() {
    let Some(c) = server::client().await else {
        return;
    };
    let company = c.company().clone();
    assert!(company.id > 0 && !company.name.is_empty());
    assert_eq!(
        company.currency_code, "USD",
        "scripts/tryton.sh books in USD by default"
    );

    let accounts = c.accounts().await.unwrap();
    let by_code = |code: &str| {
        accounts
            .iter()
            .find(|a| a.code.as_deref() == Some(code))
            .unwrap()
    };
    assert_eq!(by_code("1.2.1").kind(), "receivable");
    assert_eq!(by_code("4.1.2").kind(), "revenue");
    assert_eq!(by_code("2.1.1").kind(), "payable");

    let taxes = c.taxes().await.unwrap();
    let vat = taxes.iter().find(|t| t.name == "VAT 20%").unwrap();
    assert_eq!(
        (vat.kind.as_str(), vat.rate.map(|r| r.0)),
        ("percentage", Some(dec!(0.2)))
    );

    let currencies = c.currencies().await.unwrap();
    let digits = |code: &str| {
        currencies
            .iter()
            .find(|x| x.code == code)
            .map(|x| (x.digits, x.rounding.0))
    };
    assert_eq!(digits("JPY"), Some((0, dec!(1))));
    assert_eq!(digits("BHD"), Some((3, dec!(0.001))));
    assert_eq!(digits("USD"), Some((2, dec!(0.01))));

    let rates = c.rates_against_company_currency().await.unwrap();
    assert_eq!(rates["USD"], dec!(1));
    assert_eq!(rates["JPY"], dec!(150));
    assert_eq!(rates["EUR"], dec!(0.92));
    assert!(!c.currency_rate_history().await.unwrap().is_empty());

    let methods = c.payment_methods().await.unwrap();
    assert_eq!(methods[0].account_code(), Some("1.1.1"));

    // budgets: account_budget installs with 8.0 and is activated on request
    let budget = c.module_activated("account_budget").await.unwrap();
    println!("account_budget activated: {budget}");
}

#[tokio::test]
async fn budgets_are_read_per_account_and_month() {
    use chrono::Datelike;
    use ledgerbridge_sdk::FinanceTarget;
    use serde_json::json;
    let Some(cfg) = server::config() else { return };
    let t = ledgerbridge_tryton::TrytonTarget::connect("tryton-test", cfg)
        .await
        .unwrap();
    let c = t.client();
    if !c.module_activated("account_budget").await.unwrap() {
        eprintln!("NOTICE: account_budget is not activated (TRYTON_BUDGET=0); budget test skipped");
        assert!(
            t.budgets(server::today(), server::today()).await.is_err(),
            "not supported, and said so"
        );
        return;
    }
    let year = server::today().year();
    let fy: Vec<u64> = c
        .model_as(
            "account.fiscalyear",
            "search",
            vec![
                json!([["name", "=", year.to_string()]]),
                json!(0),
                json!(null),
                json!(null),
            ],
        )
        .await
        .unwrap();
    #[derive(serde::Deserialize)]
    struct P {
        id: u64,
    }
    let periods: Vec<P> = c
        .search_read(
            "account.period",
            json!([["fiscalyear", "=", fy[0]], ["type", "=", "standard"]]),
            0,
            Some(2),
            json!([["start_date", "ASC"]]),
            &["id"],
        )
        .await
        .unwrap();
    let revenue = c
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.code.as_deref() == Some("4.1.2"))
        .unwrap()
        .id;
    let name = format!("Plan {}", server::run_tag());
    let budget = c
        .create("account.budget", vec![json!({"name": name, "company": c.company().id, "fiscalyear": fy[0],
            "lines": [["create", [{"account": revenue, "amount": {"__class__": "Decimal", "decimal": "12000.00"}}]]]})])
        .await
        .unwrap()[0];
    #[derive(serde::Deserialize)]
    struct B {
        lines: Vec<u64>,
    }
    let lines: Vec<B> = c
        .model_as(
            "account.budget",
            "read",
            vec![json!([budget]), json!(["lines"])],
        )
        .await
        .unwrap();
    c.create(
        "account.budget.line.period",
        periods
            .iter()
            .map(|p| json!({"budget_line": lines[0].lines[0], "period": p.id, "ratio": {"__class__": "Decimal", "decimal": "0.5"}}))
            .collect(),
    )
    .await
    .unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    let budgets = t.budgets(from, to).await.unwrap();
    let ours = budgets.iter().find(|b| b.name == name).expect("our budget");
    assert_eq!(ours.lines.len(), 2);
    assert!(
        ours.lines
            .iter()
            .all(|l| l.account_code == "4.1.2" && l.amount == dec!(6000.00))
    );
    assert_eq!(
        ours.lines
            .iter()
            .map(|l| l.period.as_str())
            .collect::<Vec<_>>(),
        [format!("{year}-01"), format!("{year}-02")]
    );
}
