//! Create, read, update with SyncToken, names and currencies.

mod common;

use common::{Schema, customer, fault_code, start};
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_seeded_company_validates_against_intuits_schema() {
    let env = start(SimOptions::default()).await;
    let export = env.handle.export();
    for key in [
        "Account",
        "Item",
        "TaxCode",
        "TaxRate",
        "Class",
        "Department",
        "Budget",
        "CompanyInfo",
        "Preferences",
        "CompanyCurrency",
        "ExchangeRate",
        "Customer",
        "Vendor",
        "Employee",
    ] {
        assert!(
            !export[key].as_array().unwrap().is_empty(),
            "{key} is seeded"
        );
    }
    assert_eq!(export["CompanyInfo"][0]["NameValue"][0]["Value"], env.realm);
    assert_eq!(
        export["Preferences"][0]["SalesFormsPrefs"]["CustomTxnNumbers"],
        true
    );
    assert_eq!(
        export["Preferences"][0]["CurrencyPrefs"]["MultiCurrencyEnabled"],
        true
    );
    env.assert_export_valid();
    let global = start(SimOptions {
        region: Some("global".into()),
        ..SimOptions::default()
    })
    .await;
    global.assert_export_valid();
    assert!(global.handle.export()["TaxCode"].as_array().unwrap().len() >= 4);
}

#[tokio::test]
async fn sync_token_increments_and_a_stale_one_is_refused() {
    let env = start(SimOptions::default()).await;
    let c = env.create("Customer", customer("Stale Ltd")).await;
    assert_eq!(c["SyncToken"], "0");
    let id = c["Id"].as_str().unwrap().to_string();
    let (s, v) = env.get(&format!("customer/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["Customer"]["DisplayName"], "Stale Ltd");

    let update =
        json!({"Id": id, "SyncToken": "0", "sparse": true, "CompanyName": "Stale Limited"});
    let (s, v) = env.post("Customer", "", &update).await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    assert_eq!(v["Customer"]["SyncToken"], "1");
    assert_eq!(v["Customer"]["CompanyName"], "Stale Limited");
    assert_eq!(
        v["Customer"]["DisplayName"], "Stale Ltd",
        "a sparse update keeps what it does not send"
    );

    let (s, v) = env.post("Customer", "", &update).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(fault_code(&v), "5010");
    assert_eq!(v["Fault"]["type"], "ValidationFault");
    assert_eq!(v["Fault"]["Error"][0]["Message"], "Stale Object Error");
    env.assert_export_valid();
}

#[tokio::test]
async fn display_names_are_unique_across_customers_vendors_and_employees() {
    let env = start(SimOptions::default()).await;
    for taken in ["Books by Bessie", "emily platt", "Amy's Bird Sanctuary"] {
        let (s, v) = env.post("Customer", "", &customer(taken)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{taken}");
        assert_eq!(fault_code(&v), "6240");
        assert_eq!(v["Fault"]["Error"][0]["element"], "DisplayName");
    }
    let (s, v) = env
        .post("Vendor", "", &json!({"DisplayName": "Cool Cars"}))
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6240"));
    // a name the company does not use yet is fine, and derived from the person's name
    let c = env
        .create(
            "Customer",
            json!({"GivenName": "Ada", "FamilyName": "Lovelace"}),
        )
        .await;
    assert_eq!(c["DisplayName"], "Ada Lovelace");
    let (s, _) = env
        .post(
            "Employee",
            "",
            &json!({"GivenName": "Ada", "FamilyName": "Lovelace"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_customer_keeps_the_one_currency_it_was_created_with() {
    let env = start(SimOptions::default()).await;
    let c = env
        .create(
            "Customer",
            json!({"DisplayName": "Berlin GmbH", "CurrencyRef": {"value": "EUR"}}),
        )
        .await;
    assert_eq!(c["CurrencyRef"], json!({"value": "EUR", "name": "Euro"}));
    let change = json!({"Id": c["Id"], "SyncToken": c["SyncToken"], "sparse": true, "CurrencyRef": {"value": "USD"}});
    let (s, v) = env.post("Customer", "", &change).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6000"));

    let mut inv = common::invoice(c["Id"].as_str().unwrap(), "EUR-1");
    inv["CurrencyRef"] = json!({"value": "USD"});
    let (s, v) = env.post("Invoice", "", &inv).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6000"));
    assert_eq!(v["Fault"]["Error"][0]["element"], "CurrencyRef");

    inv["CurrencyRef"] = json!({"value": "EUR"});
    let (s, v) = env.post("Invoice", "", &inv).await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    assert_eq!(v["Invoice"]["ExchangeRate"], json!(1.08));
    assert_eq!(
        v["Invoice"]["HomeTotalAmt"],
        json!(280.77),
        "259.97 EUR at 1.08"
    );
    // without a currency the invoice takes the customer's
    inv["DocNumber"] = json!("EUR-2");
    inv.as_object_mut().unwrap().remove("CurrencyRef");
    let i = env.create("Invoice", inv).await;
    assert_eq!(i["CurrencyRef"]["value"], "EUR");
    env.assert_export_valid();
}

#[tokio::test]
async fn items_need_an_income_account_and_a_unique_name() {
    let env = start(SimOptions::default()).await;
    let (s, v) = env
        .post(
            "Item",
            "",
            &json!({"Name": "Widget", "Type": "NonInventory"}),
        )
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2020"));
    let (s, v) = env
        .post("Item", "", &json!({"Name": "Widget", "Type": "NonInventory", "IncomeAccountRef": {"value": "999"}}))
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2500"));
    let item = env
        .create("Item", json!({"Name": "Widget", "Type": "NonInventory", "UnitPrice": 12.5, "IncomeAccountRef": {"value": "2"}}))
        .await;
    assert_eq!(item["IncomeAccountRef"]["name"], "Sales of Product Income");
    let (s, v) = env
        .post(
            "Item",
            "",
            &json!({"Name": "widget", "Type": "Service", "IncomeAccountRef": {"value": "1"}}),
        )
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6240"));
    env.assert_export_valid();
}

#[tokio::test]
async fn reading_what_is_not_there_is_object_not_found() {
    let env = start(SimOptions::default()).await;
    let (s, v) = env.get("invoice/999").await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "610"));
    let (s, v) = env.get("companyinfo/1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["CompanyInfo"]["CompanyName"],
        "Ledgerbridge Sample Company"
    );
    let (s, v) = env.get("preferences").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["Preferences"]["CurrencyPrefs"]["HomeCurrency"]["value"],
        "USD"
    );
    let (s, v) = env.get("exchangerate?sourcecurrencycode=EUR").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["ExchangeRate"]["Rate"], json!(1.08));
    let _ = Schema::get();
}

#[tokio::test]
async fn notes_attach_to_objects_that_exist_and_read_only_lists_refuse_writes() {
    let env = start(SimOptions::default()).await;
    let note = json!({"Note": "Called about the invoice", "AttachableRef": [{"EntityRef": {"type": "Customer", "value": "1"}}]});
    let a = env.create("Attachable", note).await;
    assert_eq!(a["AttachableRef"][0]["EntityRef"]["value"], "1");
    let dangling =
        json!({"Note": "x", "AttachableRef": [{"EntityRef": {"type": "Invoice", "value": "404"}}]});
    let (s, v) = env.post("Attachable", "", &dangling).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2500"));
    let (s, v) = env
        .post("Attachable", "", &json!({"AttachableRef": []}))
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2020"));
    for (entity, body) in [
        (
            "Budget",
            json!({"Name": "Mine", "BudgetType": "ProfitAndLoss"}),
        ),
        ("TaxCode", json!({"Name": "Mine"})),
        ("TaxRate", json!({"Name": "Mine", "RateValue": 5})),
    ] {
        let (s, v) = env.post(entity, "", &body).await;
        assert_eq!(
            (s, fault_code(&v)),
            (StatusCode::BAD_REQUEST, "500"),
            "{entity} is read only"
        );
    }
    let class = env.create("Class", json!({"Name": "Wholesale"})).await;
    assert_eq!(class["FullyQualifiedName"], "Wholesale");
    let (s, v) = env.post("Class", "", &json!({"Name": "wholesale"})).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6240"));
    env.assert_export_valid();
}
