//! Records, describe, replication windows and sObject Collections.
#![cfg(feature = "sim")]

mod common;

use common::*;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn decimal(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

#[tokio::test]
async fn describe_every_object_with_custom_fields() {
    let api = start(opts(0)).await;
    let global = api.get(&format!("{V}/sobjects/")).await;
    assert_eq!(global.status, 200);
    assert_eq!(global.body["maxBatchSize"], 200);
    let names: Vec<&str> = global.body["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for o in [
        "Account",
        "Contact",
        "Opportunity",
        "OpportunityLineItem",
        "Product2",
        "Pricebook2",
        "PricebookEntry",
        "OpportunityContactRole",
        "OpportunityStage",
        "Task",
        "Event",
        "User",
    ] {
        assert!(names.contains(&o), "{o}");
        let d = api.get(&format!("{V}/sobjects/{o}/describe")).await;
        assert_eq!(d.status, 200, "{o}");
        assert_eq!(d.body["name"], o);
        assert!(
            d.body["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["name"] == "Id")
        );
        let basic = api.get(&format!("{V}/sobjects/{o}")).await;
        assert_eq!(basic.body["objectDescribe"]["name"], o);
    }
    for (o, custom) in [
        ("Opportunity", "Payment_Status__c"),
        ("Account", "Customer_Number__c"),
    ] {
        let d = api.get(&format!("{V}/sobjects/{o}/describe/")).await;
        let f = d.body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == custom)
            .unwrap_or_else(|| panic!("{o}.{custom}"))
            .clone();
        assert_eq!(f["custom"], true);
    }
    let opp = api.get(&format!("{V}/sobjects/Opportunity/describe")).await;
    let field = |n: &str| {
        opp.body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(field("Amount")["type"], "currency");
    assert_eq!(field("CloseDate")["type"], "date");
    assert_eq!(field("IsWon")["updateable"], false);
    assert_eq!(field("AccountId")["referenceTo"], json!(["Account"]));
    assert_eq!(field("AccountId")["relationshipName"], "Account");
    let stage_field = field("StageName");
    let stages: Vec<&str> = stage_field["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_str().unwrap())
        .collect();
    assert!(stages.contains(&"Closed Won"));
    let a = api.get(&format!("{V}/sobjects/Invoice__c/describe")).await;
    error_code(&a, 404, "NOT_FOUND");
}

#[tokio::test]
async fn record_crud_with_salesforce_checks() {
    let api = start(opts(8)).await;
    let account = api.handle.ids("Account")[0].clone();
    let created = api
        .call(
            Method::POST,
            &format!("{V}/sobjects/Opportunity"),
            Some(
                json!({"Name": "New deal", "StageName": "Prospecting", "CloseDate": "2027-03-31",
                        "AccountId": account, "Amount": 1234.56, "CurrencyIsoCode": "EUR"}),
            ),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["success"], true);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("006") && id.len() == 18);
    let got = api.get(&format!("{V}/sobjects/Opportunity/{id}")).await;
    assert_eq!(got.body["Amount"].to_string(), "1234.56");
    assert_eq!(got.body["IsClosed"], false);
    assert_eq!(got.body["Probability"].to_string(), "10.0");
    // a 15-character id reads the same record
    let short = api
        .get(&format!("{V}/sobjects/Opportunity/{}", &id[..15]))
        .await;
    assert_eq!(short.body["Id"], id.as_str());
    let some = api
        .get(&format!("{V}/sobjects/Opportunity/{id}?fields=Name,Amount"))
        .await;
    assert_eq!(some.body.as_object().unwrap().len(), 3);

    let patch = api
        .call(
            Method::PATCH,
            &format!("{V}/sobjects/Opportunity/{id}"),
            Some(json!({"StageName": "Closed Won"})),
        )
        .await;
    assert_eq!(patch.status, 204);
    let got = api.get(&format!("{V}/sobjects/Opportunity/{id}")).await;
    assert_eq!(
        (got.body["IsWon"].clone(), got.body["IsClosed"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(got.body["Probability"].to_string(), "100.0");

    for (body, code) in [
        (json!({"IsWon": true}), "INVALID_FIELD_FOR_INSERT_UPDATE"),
        (json!({"NoSuchField": 1}), "INVALID_FIELD"),
        (
            json!({"StageName": "Won-ish"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        (json!({"CloseDate": "next week"}), "JSON_PARSER_ERROR"),
        (
            json!({"AccountId": &missing("001")}),
            "INVALID_CROSS_REFERENCE_KEY",
        ),
        (json!({"Name": null}), "REQUIRED_FIELD_MISSING"),
    ] {
        let a = api
            .call(
                Method::PATCH,
                &format!("{V}/sobjects/Opportunity/{id}"),
                Some(body.clone()),
            )
            .await;
        error_code(&a, 400, code);
    }
    let a = api
        .call(
            Method::POST,
            &format!("{V}/sobjects/Opportunity"),
            Some(json!({"Name": "x"})),
        )
        .await;
    let msg = error_code(&a, 400, "REQUIRED_FIELD_MISSING");
    assert!(
        msg.contains("StageName") && msg.contains("CloseDate"),
        "{msg}"
    );
    let a = api
        .get(&format!("{V}/sobjects/Opportunity/{}", missing("006")))
        .await;
    error_code(&a, 404, "NOT_FOUND");
    let a = api.get(&format!("{V}/sobjects/Opportunity/garbage")).await;
    error_code(&a, 400, "MALFORMED_ID");
    let a = api
        .call(
            Method::DELETE,
            &format!("{V}/sobjects/Opportunity/{id}"),
            None,
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api.get(&format!("{V}/sobjects/Opportunity/{id}")).await;
    error_code(&a, 404, "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn line_item_changes_roll_up_into_the_amount_exactly() {
    let api = start(opts(30)).await;
    let rows = api
        .query("SELECT Id, Amount, (SELECT Id, Quantity, UnitPrice FROM OpportunityLineItems) FROM Opportunity")
        .await;
    let opp = rows.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| !r["OpportunityLineItems"].is_null())
        .unwrap()
        .clone();
    let lines = opp["OpportunityLineItems"]["records"].as_array().unwrap();
    let line = lines[0]["Id"].as_str().unwrap();
    let a = api
        .call(
            Method::PATCH,
            &format!("{V}/sobjects/OpportunityLineItem/{line}"),
            Some(json!({"Quantity": 3, "UnitPrice": "0.10", "Discount": 0})),
        )
        .await;
    assert_eq!(a.status, 204, "{:?}", a.body);
    let got = api
        .get(&format!("{V}/sobjects/OpportunityLineItem/{line}"))
        .await;
    assert_eq!(got.body["TotalPrice"].to_string(), "0.3");
    let after = api
        .get(&format!(
            "{V}/sobjects/Opportunity/{}",
            opp["Id"].as_str().unwrap()
        ))
        .await;
    let sum: Decimal = api
        .query(&format!(
            "SELECT TotalPrice FROM OpportunityLineItem WHERE OpportunityId = '{}'",
            opp["Id"].as_str().unwrap()
        ))
        .await
        .body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| decimal(&r["TotalPrice"]))
        .sum();
    assert_eq!(decimal(&after.body["Amount"]), sum);
    assert!(sum.scale() <= 2);
}

#[tokio::test]
async fn updated_and_deleted_windows() {
    let api = start(opts(10)).await;
    let ids = api.handle.ids("Account");
    let start = chrono::Utc::now() - chrono::Duration::minutes(2);
    let a = api
        .call(
            Method::PATCH,
            &format!("{V}/sobjects/Account/{}", ids[0]),
            Some(json!({"Phone": "+44 20 0000"})),
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            Method::DELETE,
            &format!("{V}/sobjects/Account/{}", ids[1]),
            None,
        )
        .await;
    assert_eq!(a.status, 204);
    let end = chrono::Utc::now() + chrono::Duration::minutes(2);
    let enc = |t: chrono::DateTime<chrono::Utc>| -> String {
        url::form_urlencoded::byte_serialize(
            t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string().as_bytes(),
        )
        .collect()
    };
    let window = format!("start={}&end={}", enc(start), enc(end));
    let up = api
        .get(&format!("{V}/sobjects/Account/updated/?{window}"))
        .await;
    assert_eq!(up.status, 200, "{:?}", up.body);
    assert_eq!(up.body["ids"], json!([ids[0]]), "{window} {:?}", up.body);
    assert!(up.body["latestDateCovered"].is_string());
    let del = api
        .get(&format!("{V}/sobjects/Account/deleted/?{window}"))
        .await;
    assert_eq!(del.status, 200, "{:?}", del.body);
    assert_eq!(del.body["deletedRecords"][0]["id"], ids[1].as_str());
    assert!(del.body["deletedRecords"][0]["deletedDate"].is_string());
    assert!(del.body["earliestDateAvailable"].is_string());
    // windows that reach too far back, run backwards or lack a bound
    let old = chrono::Utc::now() - chrono::Duration::days(31);
    let a = api
        .get(&format!(
            "{V}/sobjects/Account/updated/?start={}&end={}",
            enc(old),
            enc(end)
        ))
        .await;
    error_code(&a, 400, "INVALID_REPLICATION_DATE");
    let a = api
        .get(&format!(
            "{V}/sobjects/Account/updated/?start={}&end={}",
            enc(end),
            enc(start)
        ))
        .await;
    error_code(&a, 400, "INVALID_REPLICATION_DATE");
    let a = api
        .get(&format!(
            "{V}/sobjects/Account/deleted/?start={}",
            enc(start)
        ))
        .await;
    error_code(&a, 400, "MISSING_ARGUMENT");
}

#[tokio::test]
async fn collections_update_with_per_record_errors() {
    let api = start(opts(10)).await;
    let ids = api.handle.ids("Opportunity");
    let body = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Opportunity"}, "id": ids[0], "Description": "first"},
        {"attributes": {"type": "Opportunity"}, "id": ids[1], "StageName": "Nope"},
        {"attributes": {"type": "Opportunity"}, "Description": "no id"},
        {"attributes": {"type": "Account"}, "id": api.handle.ids("Account")[0], "Name": "Renamed"},
    ]});
    let a = api
        .call(
            Method::PATCH,
            &format!("{V}/composite/sobjects"),
            Some(body),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let r = a.body.as_array().unwrap();
    assert_eq!(r[0], json!({"id": ids[0], "success": true, "errors": []}));
    assert_eq!(r[1]["success"], false);
    assert_eq!(r[1]["id"], ids[1].as_str());
    assert_eq!(
        r[1]["errors"][0]["statusCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert_eq!(r[1]["errors"][0]["fields"], json!(["StageName"]));
    assert_eq!(r[2]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    assert_eq!(r[3]["success"], true);
    let got = api
        .get(&format!("{V}/sobjects/Opportunity/{}", ids[0]))
        .await;
    assert_eq!(got.body["Description"], "first");
}

#[tokio::test]
async fn collections_all_or_none_rolls_everything_back() {
    let api = start(opts(10)).await;
    let ids = api.handle.ids("Opportunity");
    let before = api.handle.export();
    let body = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Opportunity"}, "id": ids[0], "Description": "kept?"},
        {"attributes": {"type": "Opportunity"}, "id": ids[1], "Amount": "not money"},
    ]});
    let a = api
        .call(
            Method::PATCH,
            &format!("{V}/composite/sobjects"),
            Some(body),
        )
        .await;
    assert_eq!(a.status, 200);
    let r = a.body.as_array().unwrap();
    assert_eq!(r[0]["success"], false);
    assert_eq!(
        r[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(r[1]["errors"][0]["statusCode"], "JSON_PARSER_ERROR");
    assert_eq!(api.handle.export(), before, "nothing changed");

    // creates roll back too, and their ids are not reported
    let body = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Account"}, "Name": "A"},
        {"attributes": {"type": "Account"}},
    ]});
    let a = api
        .call(Method::POST, &format!("{V}/composite/sobjects"), Some(body))
        .await;
    let r = a.body.as_array().unwrap();
    assert!(r[0].get("id").is_none());
    assert_eq!(r[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(api.handle.export(), before, "nothing created");

    let body = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Account"}, "Name": "A"},
    ]});
    let a = api
        .call(Method::POST, &format!("{V}/composite/sobjects"), Some(body))
        .await;
    assert!(a.body[0]["id"].as_str().unwrap().starts_with("001"));
}

#[tokio::test]
async fn collections_take_at_most_200_records() {
    let api = start(opts(4)).await;
    let id = api.handle.ids("Account")[0].clone();
    let rec = json!({"attributes": {"type": "Account"}, "id": id, "Description": "x"});
    let ok = json!({"records": vec![rec.clone(); 200]});
    let a = api
        .call(Method::PATCH, &format!("{V}/composite/sobjects"), Some(ok))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body.as_array().unwrap().len(), 200);
    let too_many = json!({"records": vec![rec; 201]});
    let a = api
        .call(
            Method::PATCH,
            &format!("{V}/composite/sobjects"),
            Some(too_many),
        )
        .await;
    error_code(&a, 400, "EXCEEDED_ID_LIMIT");
    let a = api
        .call(
            Method::DELETE,
            &format!(
                "{V}/composite/sobjects?ids={id},{}&allOrNone=false",
                missing("001")
            ),
            None,
        )
        .await;
    assert_eq!(a.body[0]["success"], true);
    assert_eq!(a.body[1]["errors"][0]["statusCode"], "NOT_FOUND");
}

#[tokio::test]
async fn upsert_by_external_id() {
    let api = start(opts(8)).await;
    let path = format!("{V}/sobjects/Account/Customer_Number__c/EXT-1");
    let a = api
        .call(Method::PATCH, &path, Some(json!({"Name": "Upserted"})))
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(a.body["created"], true);
    let id = a.body["id"].as_str().unwrap().to_string();
    let a = api
        .call(
            Method::PATCH,
            &path,
            Some(json!({"Name": "Upserted again"})),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        (a.body["created"].clone(), a.body["id"].clone()),
        (json!(false), json!(id))
    );
    let got = api.get(&path).await;
    assert_eq!(got.body["Name"], "Upserted again");
    // a second record with the same value makes the id ambiguous: 300
    let other = api.handle.ids("Account")[0].clone();
    api.call(
        Method::PATCH,
        &format!("{V}/sobjects/Account/{other}"),
        Some(json!({"Customer_Number__c": "EXT-1"})),
    )
    .await;
    let a = api
        .call(Method::PATCH, &path, Some(json!({"Name": "Which one?"})))
        .await;
    assert_eq!(a.status, 300);
    assert_eq!(a.body.as_array().unwrap().len(), 2);
    assert_eq!(api.get(&path).await.status, 300);
    let a = api
        .get(&format!("{V}/sobjects/Account/Name/Upserted"))
        .await;
    error_code(&a, 404, "NOT_FOUND");
}
