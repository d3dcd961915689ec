//! Invoices, credit memos and payments: totals in decimals, tax, document
//! numbers, the closing date, lines and items, delete and void, and what
//! QuickBooks tolerates from clients.

mod common;

use common::{Env, customer, fault_code, invoice, start};
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use std::str::FromStr;

fn money(v: &Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap()
}

async fn a_customer(env: &Env, name: &str) -> String {
    env.create("Customer", customer(name)).await["Id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_two_line_invoice_totals_in_decimals_with_us_sales_tax() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Totals Inc").await;
    let inv = env.create("Invoice", invoice(&c, "T-1")).await;
    assert_eq!(money(&inv["TotalAmt"]), dec!(259.97));
    assert_eq!(money(&inv["Balance"]), dec!(259.97));
    let lines = inv["Line"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        3,
        "two sales lines and QuickBooks' subtotal line"
    );
    assert_eq!(lines[0]["LineNum"], 1);
    assert_eq!(lines[1]["SalesItemLineDetail"]["ItemRef"]["name"], "Rocks");
    assert_eq!(lines[2]["DetailType"], "SubTotalLineDetail");
    assert_eq!(money(&lines[2]["Amount"]), dec!(259.97));
    assert_eq!(inv["CustomerRef"]["name"], "Totals Inc");

    // taxable lines at the California rate (8 % + 1.5 %)
    let mut taxed = invoice(&c, "T-2");
    taxed["Line"][1]["SalesItemLineDetail"]["TaxCodeRef"] = json!({"value": "TAX"});
    let inv = env.create("Invoice", taxed).await;
    assert_eq!(
        money(&inv["TxnTaxDetail"]["TotalTax"]),
        dec!(4.80) + dec!(0.90)
    );
    assert_eq!(money(&inv["TotalAmt"]), dec!(259.97) + dec!(5.70));
    env.assert_export_valid();
}

#[tokio::test]
async fn global_tax_codes_are_named_by_id_on_every_line() {
    let env = start(SimOptions {
        region: Some("global".into()),
        ..SimOptions::default()
    })
    .await;
    let c = a_customer(&env, "Global Ltd").await;
    let (s, v) = env.post("Invoice", "", &invoice(&c, "G-1")).await;
    assert_eq!(
        (s, fault_code(&v)),
        (StatusCode::BAD_REQUEST, "2020"),
        "no TaxCodeRef"
    );
    let mut inv = invoice(&c, "G-1");
    inv["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] = json!({"value": "2"});
    inv["Line"][1]["SalesItemLineDetail"]["TaxCodeRef"] = json!({"value": "3"});
    let inv = env.create("Invoice", inv).await;
    // 200.00 at 20 % and 59.97 at 5 % (2.9985 rounds to 3.00)
    assert_eq!(money(&inv["TxnTaxDetail"]["TotalTax"]), dec!(43.00));
    assert_eq!(inv["CurrencyRef"]["value"], "GBP");
    env.assert_export_valid();
}

#[tokio::test]
async fn document_numbers_are_unique_and_at_most_21_characters() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Docs Inc").await;
    let first = env.create("Invoice", invoice(&c, "DOC-1")).await;
    let (s, v) = env.post("Invoice", "", &invoice(&c, "DOC-1")).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6140"));
    let detail = v["Fault"]["Error"][0]["Detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("TxnId={}", first["Id"].as_str().unwrap())),
        "{detail}"
    );
    let memo = json!({"CustomerRef": {"value": c}, "DocNumber": "DOC-1",
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10,
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]});
    let (s, v) = env.post("CreditMemo", "", &memo).await;
    assert_eq!(
        (s, fault_code(&v)),
        (StatusCode::BAD_REQUEST, "6140"),
        "sales forms share numbers"
    );
    let (s, _) = env
        .post(
            "Invoice",
            "include=allowduplicatedocnum",
            &invoice(&c, "DOC-1"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "allowduplicatedocnum lets it through");

    let (s, v) = env
        .post("Invoice", "", &invoice(&c, "1234567890ABCDEFGHIJK"))
        .await;
    assert_eq!(s, StatusCode::OK, "21 characters: {v:#}");
    let (s, v) = env
        .post("Invoice", "", &invoice(&c, "1234567890ABCDEFGHIJKL"))
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2050"));
    assert_eq!(v["Fault"]["Error"][0]["element"], "DocNumber");

    // without a number QuickBooks assigns the next one
    let mut unnumbered = invoice(&c, "x");
    unnumbered.as_object_mut().unwrap().remove("DocNumber");
    assert_eq!(env.create("Invoice", unnumbered).await["DocNumber"], "1001");

    // with custom numbers off, duplicates are not checked
    let prefs = env.get("preferences").await.1["Preferences"].clone();
    let off = json!({"Id": "1", "SyncToken": prefs["SyncToken"], "sparse": true,
        "SalesFormsPrefs": {"CustomTxnNumbers": false}});
    let (s, v) = env.post("Preferences", "", &off).await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    assert_eq!(
        v["Preferences"]["SalesFormsPrefs"]["AllowDeposit"], true,
        "a sparse preferences update merges groups"
    );
    let (s, _) = env.post("Invoice", "", &invoice(&c, "DOC-1")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn nothing_is_written_on_or_before_the_closing_date() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Closed Books Inc").await;
    let today = chrono::Utc::now().date_naive();
    let close = today - chrono::Days::new(30);
    let dated = |doc: &str, date: chrono::NaiveDate| {
        let mut i = invoice(&c, doc);
        i["TxnDate"] = json!(date.to_string());
        i
    };
    let before_close = dated("C-0", close);
    let open_one = dated("C-1", close + chrono::Days::new(1));
    let inv = env.create("Invoice", open_one).await;

    let prefs = env.get("preferences").await.1["Preferences"].clone();
    let closing = json!({"Id": "1", "SyncToken": prefs["SyncToken"], "sparse": true,
        "AccountingInfoPrefs": {"BookCloseDate": close.to_string()}});
    let (s, v) = env.post("Preferences", "", &closing).await;
    assert_eq!(s, StatusCode::OK, "{v:#}");

    let (s, v) = env.post("Invoice", "", &before_close).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6200"));
    assert_eq!(
        v["Fault"]["Error"][0]["Message"],
        "Account Period Closed, Cannot Update Through Services API"
    );
    // moving an open invoice into the closed period is refused too
    let back = json!({"Id": inv["Id"], "SyncToken": inv["SyncToken"], "sparse": true, "TxnDate": close.to_string()});
    let (s, v) = env.post("Invoice", "", &back).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6200"));
    // the seeded closing date (the end of the year before last) already refuses it
    let env2 = start(SimOptions::default()).await;
    let c2 = a_customer(&env2, "Old Year Inc").await;
    let mut old = invoice(&c2, "OLD-1");
    old["TxnDate"] = json!(format!("{}-12-31", chrono::Datelike::year(&today) - 2));
    let (s, v) = env2.post("Invoice", "", &old).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6200"));
}

#[tokio::test]
async fn every_sales_line_needs_an_item() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Lines Inc").await;
    let mut inv = invoice(&c, "L-1");
    inv["Line"][1]["SalesItemLineDetail"]
        .as_object_mut()
        .unwrap()
        .remove("ItemRef");
    let (s, v) = env.post("Invoice", "", &inv).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2020"));
    assert_eq!(
        v["Fault"]["Error"][0]["element"],
        "Line.SalesItemLineDetail.ItemRef"
    );
    let mut inv = invoice(&c, "L-2");
    inv["Line"][0]["SalesItemLineDetail"]["ItemRef"] = json!({"value": "404"});
    let (s, v) = env.post("Invoice", "", &inv).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2500"));
    let mut inv = invoice(&c, "L-3");
    inv["Line"][0]["Amount"] = json!(199.99);
    let (s, v) = env.post("Invoice", "", &inv).await;
    assert_eq!(
        (s, fault_code(&v)),
        (StatusCode::BAD_REQUEST, "6070"),
        "Amount must be Qty x UnitPrice"
    );
    let no_customer = json!({"Line": invoice(&c, "x")["Line"]});
    let (s, v) = env.post("Invoice", "", &no_customer).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2020"));
    assert_eq!(v["Fault"]["Error"][0]["element"], "CustomerRef");
}

#[tokio::test]
async fn payments_lower_balances_and_refuse_more_than_is_open() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Payer Inc").await;
    let inv = env.create("Invoice", invoice(&c, "P-1")).await;
    let pay = |amount: Decimal| {
        json!({"CustomerRef": {"value": c}, "TotalAmt": amount.to_string().parse::<f64>().unwrap(),
            "Line": [{"Amount": amount.to_string().parse::<f64>().unwrap(),
                "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    };
    let p = env.create("Payment", pay(dec!(100.00))).await;
    assert_eq!(money(&p["UnappliedAmt"]), dec!(0));
    let (_, v) = env
        .get(&format!("invoice/{}", inv["Id"].as_str().unwrap()))
        .await;
    assert_eq!(money(&v["Invoice"]["Balance"]), dec!(159.97));
    let (_, v) = env.get(&format!("customer/{c}")).await;
    assert_eq!(money(&v["Customer"]["Balance"]), dec!(159.97));
    let (s, v) = env.post("Payment", "", &pay(dec!(160.00))).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6000"));
    env.create("Payment", pay(dec!(159.97))).await;
    let (_, v) = env
        .get(&format!("invoice/{}", inv["Id"].as_str().unwrap()))
        .await;
    assert_eq!(money(&v["Invoice"]["Balance"]), dec!(0));
    // a paid invoice cannot be deleted until its payments go
    let del = json!({"Id": inv["Id"], "SyncToken": v["Invoice"]["SyncToken"]});
    let (s, v) = env.post("Invoice", "operation=delete", &del).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "6000"));
    // deleting the first payment reopens its part
    let (s, v) = env
        .post(
            "Payment",
            "operation=delete",
            &json!({"Id": p["Id"], "SyncToken": p["SyncToken"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    assert_eq!(v["Payment"]["status"], "Deleted");
    let (_, v) = env
        .get(&format!("invoice/{}", inv["Id"].as_str().unwrap()))
        .await;
    assert_eq!(money(&v["Invoice"]["Balance"]), dec!(100.00));
    env.assert_export_valid();
}

#[tokio::test]
async fn delete_and_void_keep_what_quickbooks_keeps() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Void Inc").await;
    let a = env.create("Invoice", invoice(&c, "V-1")).await;
    let b = env.create("Invoice", invoice(&c, "V-2")).await;
    let (s, v) = env
        .post(
            "Invoice",
            "operation=void",
            &json!({"Id": a["Id"], "SyncToken": a["SyncToken"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    assert_eq!(v["Invoice"]["TotalAmt"], json!(0));
    assert_eq!(v["Invoice"]["PrivateNote"], "Voided");
    assert_eq!(v["Invoice"]["SyncToken"], "1");
    let (s, _) = env
        .post(
            "Invoice",
            "operation=delete",
            &json!({"Id": b["Id"], "SyncToken": b["SyncToken"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = env
        .get(&format!("invoice/{}", b["Id"].as_str().unwrap()))
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "610"));
    let export = env.handle.export();
    let invoices = export["Invoice"].as_array().unwrap();
    assert!(
        invoices
            .iter()
            .any(|i| i["Id"] == a["Id"] && i["PrivateNote"] == "Voided")
    );
    assert!(
        invoices
            .iter()
            .any(|i| i["Id"] == b["Id"] && i["status"] == "Deleted")
    );
    let (s, v) = env
        .post(
            "Customer",
            "operation=delete",
            &json!({"Id": c, "SyncToken": "0"}),
        )
        .await;
    assert_eq!(
        (s, fault_code(&v)),
        (StatusCode::BAD_REQUEST, "500"),
        "name lists are made inactive, not deleted"
    );
    env.assert_export_valid();
}

#[tokio::test]
async fn what_real_clients_send_is_tolerated() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Tolerant Inc").await;
    // empty strings for unset fields, LineNum 0, read-only totals sent back
    let body = json!({"CustomerRef": {"value": c}, "DocNumber": "TOL-1", "TxnDate": "", "DueDate": "",
        "PrivateNote": "", "TotalAmt": "", "Balance": 0, "sparse": false,
        "Line": [{"LineNum": 0, "Description": "", "DetailType": "SalesItemLineDetail", "Amount": 75,
            "SalesItemLineDetail": {"ItemRef": {"value": "3", "name": ""}, "Qty": 1}}]});
    let (s, v) = env.post_unchecked("invoice", "", &body).await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    let mut whole = v["Invoice"].clone();
    assert_eq!(whole["Line"][0]["LineNum"], 1);
    assert_eq!(money(&whole["TotalAmt"]), dec!(75));
    // the whole object back, with an integer SyncToken, is a full update
    whole["SyncToken"] = json!(0);
    whole["PrivateNote"] = json!("sent back whole");
    let (s, v) = env.post_unchecked("invoice", "", &whole).await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    assert_eq!(v["Invoice"]["SyncToken"], "1");
    assert_eq!(v["Invoice"]["PrivateNote"], "sent back whole");
    assert_eq!(
        v["Invoice"]["Line"].as_array().unwrap().len(),
        2,
        "the subtotal line is not doubled"
    );
    env.assert_export_valid();
}

#[tokio::test]
async fn a_property_intuits_schema_does_not_have_is_refused() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Strict Inc").await;
    let mut inv = invoice(&c, "S-1");
    inv["Line"][0]["SalesItemLineDetail"]["ItemReference"] = json!({"value": "1"});
    let (s, v) = env.post_unchecked("invoice", "", &inv).await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2010"));
    let detail = v["Fault"]["Error"][0]["Detail"].as_str().unwrap();
    assert!(
        detail.contains("Unrecognized field \"ItemReference\""),
        "{detail}"
    );
    let (s, v) = env
        .post_unchecked(
            "customer",
            "",
            &json!({"DisplayName": "X", "Nickname": "x"}),
        )
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2010"));
}
