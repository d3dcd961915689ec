//! SOQL over HTTP: both spellings of `/query`, `+` and `%20`, pages of
//! 2,000 behind expiring locators, `batchSize`, `queryAll`, subqueries,
//! relationship fields and Salesforce's refusals.
#![cfg(feature = "sim")]

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn pages_of_2000_behind_query_locators() {
    let api = start(opts(4500)).await;
    let first = api.query("SELECT Id, Name FROM Opportunity").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["totalSize"], 4500);
    assert_eq!(first.body["done"], false);
    assert_eq!(first.body["records"].as_array().unwrap().len(), 2000);
    let next = first.body["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("{V}/query/01g")) && next.ends_with("-2000"),
        "{next}"
    );
    let rec = &first.body["records"][0];
    assert_eq!(rec["attributes"]["type"], "Opportunity");
    assert_eq!(
        rec["attributes"]["url"],
        format!("{V}/sobjects/Opportunity/{}", rec["Id"].as_str().unwrap())
    );

    let mut seen: std::collections::HashSet<String> = first.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect();
    let mut url = Some(next);
    let mut pages = 1;
    while let Some(u) = url {
        let page = api.get(&u).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        pages += 1;
        for r in page.body["records"].as_array().unwrap() {
            assert!(seen.insert(r["Id"].as_str().unwrap().to_string()));
        }
        url = page.body["nextRecordsUrl"].as_str().map(str::to_string);
        assert_eq!(page.body["done"], url.is_none());
    }
    assert_eq!((seen.len(), pages), (4500, 3));
}

#[tokio::test]
async fn both_spellings_and_both_space_encodings() {
    let api = start(opts(10)).await;
    for path in [
        format!("{V}/query?q=SELECT+Id+FROM+Account"),
        format!("{V}/query/?q=SELECT+Id+FROM+Account"),
        format!("{V}/query?q=SELECT%20Id%20FROM%20Account"),
        format!("{V}/query/?q=SELECT%20Id%20FROM%20Account"),
        "/services/data/v50.0/query/?q=SELECT%20Id%20FROM%20Account".to_string(),
    ] {
        let a = api.get(&path).await;
        assert_eq!(a.status, 200, "{path}: {:?}", a.body);
        assert_eq!(a.body["totalSize"], 2, "{path}");
        assert!(a.body.get("nextRecordsUrl").is_none());
    }
    let a = api
        .get("/services/data/v99.0/query?q=SELECT+Id+FROM+Account")
        .await;
    error_code(&a, 404, "NOT_FOUND");
}

#[tokio::test]
async fn batch_size_header_and_its_bounds() {
    let api = start(opts(1200)).await;
    let q = format!("{V}/query?q=SELECT+Id+FROM+Opportunity");
    let ask = |n: &'static str| {
        let api = &api;
        let q = q.clone();
        async move {
            api.call_as(
                Method::GET,
                &q,
                None,
                Some(TOKEN),
                &[("Sforce-Query-Options", n)],
            )
            .await
        }
    };
    let a = ask("batchSize=500").await;
    assert_eq!(a.body["records"].as_array().unwrap().len(), 500);
    // the locator keeps the size the query was opened with
    let next = api.get(a.body["nextRecordsUrl"].as_str().unwrap()).await;
    assert_eq!(next.body["records"].as_array().unwrap().len(), 500);
    assert!(
        next.body["nextRecordsUrl"]
            .as_str()
            .unwrap()
            .ends_with("-1000")
    );
    // below 200 and above 2,000 are taken as the bounds
    assert_eq!(
        ask("batchSize=10").await.body["records"]
            .as_array()
            .unwrap()
            .len(),
        200
    );
    assert_eq!(
        ask("batchSize=5000").await.body["records"]
            .as_array()
            .unwrap()
            .len(),
        1200
    );
}

#[tokio::test]
async fn locators_expire_and_unknown_ones_are_refused() {
    // 15 minutes of inactivity scaled down to a few milliseconds
    let api = start(ledgerbridge_sdk::sim::SimOptions {
        rate_scale: 100_000.0,
        ..opts(2100)
    })
    .await;
    let first = api.query("SELECT Id FROM Opportunity").await;
    let next = first.body["nextRecordsUrl"].as_str().unwrap().to_string();
    let mut expired = None;
    for _ in 0..10_000 {
        let a = api.get(&next).await;
        if a.status == 400 {
            expired = Some(a);
            break;
        }
        tokio::task::yield_now().await;
    }
    let a = expired.expect("the locator expires");
    error_code(&a, 400, "INVALID_QUERY_LOCATOR");
    let a = api.get(&format!("{V}/query/{}-2000", missing("01g"))).await;
    error_code(&a, 400, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn query_all_includes_the_recycle_bin() {
    let api = start(opts(8)).await;
    let id = api.handle.ids("Opportunity")[0].clone();
    let del = api
        .call(
            Method::DELETE,
            &format!("{V}/sobjects/Opportunity/{id}"),
            None,
        )
        .await;
    assert_eq!(del.status, 204);
    let q = format!("SELECT Id, IsDeleted FROM Opportunity WHERE Id = '{id}'");
    assert_eq!(api.query(&q).await.body["totalSize"], 0);
    let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let all = api.get(&format!("{V}/queryAll?q={enc}")).await;
    assert_eq!(all.body["totalSize"], 1);
    assert_eq!(all.body["records"][0]["IsDeleted"], true);
    let all = api.get(&format!("{V}/queryAll/?q={enc}")).await;
    assert_eq!(all.body["totalSize"], 1);
    // its line items went to the recycle bin with it
    let q = format!("SELECT Id FROM OpportunityLineItem WHERE OpportunityId = '{id}'");
    assert_eq!(api.query(&q).await.body["totalSize"], 0);
}

#[tokio::test]
async fn subquery_relationships_and_money() {
    let api = start(opts(40)).await;
    let a = api
        .query(
            "SELECT Id, Name, Amount, CurrencyIsoCode, Account.Name, Owner.Name, \
             (SELECT Id, Quantity, UnitPrice, TotalPrice, Discount, ProductCode, PricebookEntry.Product2.Name \
              FROM OpportunityLineItems ORDER BY SortOrder) \
             FROM Opportunity ORDER BY Name",
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let rows = a.body["records"].as_array().unwrap();
    let with = rows
        .iter()
        .filter(|r| !r["OpportunityLineItems"].is_null())
        .count();
    let without = rows
        .iter()
        .filter(|r| r["OpportunityLineItems"].is_null())
        .count();
    assert!(
        with > 0 && without > 0,
        "{with} with line items, {without} without"
    );
    for r in rows {
        assert_eq!(r["Account"]["attributes"]["type"], "Account");
        assert!(r["Account"]["Name"].is_string());
        assert!(r["Owner"]["Name"].is_string());
        let Some(lines) = r["OpportunityLineItems"]["records"].as_array() else {
            continue;
        };
        assert_eq!(r["OpportunityLineItems"]["done"], true);
        assert_eq!(r["OpportunityLineItems"]["totalSize"], lines.len());
        // exact decimal sum of the line items' totals is the Amount
        let sum: rust_decimal::Decimal = lines
            .iter()
            .map(|l| {
                l["TotalPrice"]
                    .to_string()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        let amount: rust_decimal::Decimal = r["Amount"].to_string().parse().unwrap();
        assert_eq!(sum, amount, "{}", r["Name"]);
        for l in lines {
            assert!(l["PricebookEntry"]["Product2"]["Name"].is_string());
            assert_eq!(l["attributes"]["type"], "OpportunityLineItem");
        }
    }
    // names sorted case-insensitively
    let names: Vec<String> = rows
        .iter()
        .map(|r| r["Name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn where_clauses_filter_like_salesforce() {
    let api = start(opts(200)).await;
    let count = |soql: String| {
        let api = &api;
        async move {
            let a = api.query(&soql).await;
            assert_eq!(a.status, 200, "{soql}: {:?}", a.body);
            a.body["totalSize"].as_u64().unwrap()
        }
    };
    let all = count("SELECT Id FROM Opportunity".into()).await;
    let won = count("SELECT Id FROM Opportunity WHERE IsWon = true".into()).await;
    let not_won = count("SELECT Id FROM Opportunity WHERE NOT IsWon = true".into()).await;
    assert_eq!(won + not_won, all);
    assert!(
        won > all / 3 && won < all * 2 / 3,
        "about half closed won: {won}/{all}"
    );
    let stage = count("SELECT Id FROM Opportunity WHERE StageName = 'closed won'".into()).await;
    assert_eq!(stage, won, "text equality ignores case");
    let eur_usd =
        count("SELECT Id FROM Opportunity WHERE CurrencyIsoCode IN ('EUR', 'USD')".into()).await;
    let eur = count("SELECT Id FROM Opportunity WHERE CurrencyIsoCode = 'EUR'".into()).await;
    let usd = count("SELECT Id FROM Opportunity WHERE CurrencyIsoCode = 'USD'".into()).await;
    assert_eq!(eur_usd, eur + usd);
    assert!(eur > 0 && usd > 0);
    let others =
        count("SELECT Id FROM Opportunity WHERE CurrencyIsoCode NOT IN ('EUR', 'USD')".into())
            .await;
    assert_eq!(others + eur_usd, all);
    let mixed = count(
        "SELECT Id FROM Opportunity WHERE (IsWon = true OR StageName = 'Closed Lost') AND Amount > 0".into(),
    )
    .await;
    let closed =
        count("SELECT Id FROM Opportunity WHERE IsClosed = true AND Amount > 0".into()).await;
    assert_eq!(mixed, closed);
    let like = count("SELECT Id FROM Opportunity WHERE Name LIKE '%deal 1%'".into()).await;
    assert!(like > 0 && like < all);
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE Paid_Date__c != null AND IsWon = false".into())
            .await,
        0
    );
    // closed deals closed within the seeded history, before today
    let future = count("SELECT Id FROM Opportunity WHERE CloseDate > TODAY".into()).await;
    assert!(future > 0);
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE CloseDate > TODAY AND IsClosed = true".into())
            .await,
        0
    );
    let past = count("SELECT Id FROM Opportunity WHERE CloseDate <= TODAY".into()).await;
    assert_eq!(future + past, all);
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE CreatedDate = LAST_N_DAYS:3".into()).await,
        0
    );
    let old =
        count("SELECT Id FROM Opportunity WHERE CreatedDate < 2026-11-01T00:00:00Z".into()).await;
    assert_eq!(old, all);
    let page = api
        .query("SELECT Id FROM Opportunity ORDER BY Id LIMIT 5 OFFSET 10")
        .await;
    let ids: Vec<&str> = page.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = api.handle.ids("Opportunity")[10..15].to_vec();
    assert_eq!(ids, expected);
    // a new record is visible to LAST_N_DAYS and TODAY
    let created = api
        .call(
            Method::POST,
            &format!("{V}/sobjects/Opportunity/"),
            Some(json!({"Name": "Fresh", "StageName": "Prospecting", "CloseDate": "2027-01-31"})),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE CreatedDate = LAST_N_DAYS:3".into()).await,
        1
    );
    assert_eq!(
        count("SELECT Id FROM Opportunity WHERE CreatedDate = TODAY".into()).await,
        1
    );
}

#[tokio::test]
async fn malformed_and_invalid_queries_are_refused() {
    let api = start(opts(4)).await;
    for (soql, code) in [
        ("SELECT Id FRM Account", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'",
            "MALFORMED_QUERY",
        ),
        ("SELECT COUNT() FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account GROUP BY Name", "MALFORMED_QUERY"),
        ("SELECT Id FROM Acount", "INVALID_TYPE"),
        ("SELECT Idd FROM Account", "INVALID_FIELD"),
        (
            "SELECT Id FROM Opportunity WHERE Amount > '5'",
            "INVALID_FIELD",
        ),
        (
            "SELECT Id, (SELECT Id FROM Lines) FROM Opportunity",
            "INVALID_TYPE",
        ),
    ] {
        let a = api.query(soql).await;
        let msg = error_code(&a, 400, code);
        assert!(
            msg.starts_with('\n') && msg.contains("ERROR at Row:1:Column:"),
            "{soql}: {msg}"
        );
    }
    let a = api.get(&format!("{V}/query")).await;
    error_code(&a, 400, "MALFORMED_QUERY");
}

#[tokio::test]
async fn versions_and_resources() {
    let api = start(opts(0)).await;
    let a = api
        .call_as(Method::GET, "/services/data/", None, None, &[])
        .await;
    assert_eq!(a.status, 200);
    let versions: Vec<&str> = a
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    for v in ["50.0", "59.0", "66.0"] {
        assert!(versions.contains(&v), "{v}");
    }
    let last = a.body.as_array().unwrap().last().unwrap();
    assert_eq!(
        last,
        &json!({"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"})
    );
    let r = api.get(&format!("{V}/")).await;
    assert_eq!(r.body["query"], format!("{V}/query"));
    assert_eq!(r.body["sobjects"], format!("{V}/sobjects"));
    let _: Value = r.body;
}
