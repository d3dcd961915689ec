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
