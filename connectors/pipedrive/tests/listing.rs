//! v2 lists as Pipedrive pages and filters them, v1 notes paging and the
//! field listings; every body checked against the spec.

mod common;

use std::collections::BTreeSet;

use common::{Env, opts, start};
use serde_json::{Value, json};

fn ids(rows: &[Value]) -> Vec<i64> {
    rows.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

async fn env() -> Env {
    start(opts(1200)).await
}

#[tokio::test]
async fn deals_page_with_cursor_up_to_500_and_leave_archived_ones_out() {
    let env = env().await;
    let export = env.export();
    let expected: BTreeSet<i64> = export["deals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["is_archived"] == false && d["is_deleted"] == false)
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let archived: BTreeSet<i64> = export["deals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["is_archived"] == true)
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert!(!archived.is_empty() && expected.len() + archived.len() == 1200);

    let (rows, pages) = env.all_pages("/api/v2/deals", "limit=500").await;
    assert_eq!(pages, expected.len().div_ceil(500));
    assert_eq!(
        ids(&rows),
        expected.iter().copied().collect::<Vec<_>>(),
        "ascending by id, none twice"
    );

    // default limit is 100
    let (_, first) = env.get_json("/api/v2/deals").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 100);
    assert!(first["additional_data"]["next_cursor"].is_string());

    // limit over 500 is refused, naming the parameter
    let (status, body) = env.get_json("/api/v2/deals?limit=501").await;
    assert_eq!(status, 400);
    assert_eq!(body["success"], false);
    assert!(body["error"].as_str().unwrap().contains("limit"), "{body}");

    let (rows, _) = env.all_pages("/api/v2/deals/archived", "limit=50").await;
    assert_eq!(ids(&rows).into_iter().collect::<BTreeSet<_>>(), archived);
    assert!(rows.iter().all(|d| d["is_archived"] == true));
    env.assert_no_violations();
}

#[tokio::test]
async fn sort_by_update_time_and_the_update_window() {
    let env = env().await;
    let (rows, _) = env
        .all_pages(
            "/api/v2/deals",
            "limit=77&sort_by=update_time&sort_direction=desc",
        )
        .await;
    let keys: Vec<(String, i64)> = rows
        .iter()
        .map(|d| {
            (
                d["update_time"].as_str().unwrap().to_string(),
                d["id"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted, "newest first, ties by id");
    assert_eq!(
        keys.iter().map(|k| k.1).collect::<BTreeSet<_>>().len(),
        keys.len()
    );

    // updated_since is inclusive, updated_until exclusive
    let mid = keys[keys.len() / 2].0.clone();
    let (since, _) = env
        .all_pages("/api/v2/deals", &format!("limit=500&updated_since={mid}"))
        .await;
    let (until, _) = env
        .all_pages("/api/v2/deals", &format!("limit=500&updated_until={mid}"))
        .await;
    assert!(
        since
            .iter()
            .all(|d| d["update_time"].as_str().unwrap() >= mid.as_str())
    );
    assert!(
        until
            .iter()
            .all(|d| d["update_time"].as_str().unwrap() < mid.as_str())
    );
    assert_eq!(since.len() + until.len(), rows.len());

    // sort_by add_time ascending pages through all of them too
    let (by_add, _) = env
        .all_pages("/api/v2/deals", "limit=300&sort_by=add_time")
        .await;
    assert_eq!(by_add.len(), rows.len());
    let adds: Vec<&str> = by_add
        .iter()
        .map(|d| d["add_time"].as_str().unwrap())
        .collect();
    assert!(adds.windows(2).all(|w| w[0] <= w[1]));

    // a cursor made for one order is refused for another
    let (_, page) = env
        .get_json("/api/v2/deals?limit=5&sort_by=update_time")
        .await;
    let c = page["additional_data"]["next_cursor"].as_str().unwrap();
    let (status, _) = env
        .get_json(&format!("/api/v2/deals?limit=5&sort_by=id&cursor={c}"))
        .await;
    assert_eq!(status, 400);
    let (status, _) = env.get_json("/api/v2/deals?updated_since=yesterday").await;
    assert_eq!(status, 400);
    env.assert_no_violations();
}

#[tokio::test]
async fn status_ids_and_relation_filters() {
    let env = env().await;
    for status in ["open", "won", "lost"] {
        let (rows, _) = env
            .all_pages("/api/v2/deals", &format!("limit=500&status={status}"))
            .await;
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|d| d["status"] == status), "{status}");
    }
    let (won, _) = env.all_pages("/api/v2/deals", "limit=500&status=won").await;
    let (lost, _) = env
        .all_pages("/api/v2/deals", "limit=500&status=lost")
        .await;
    let (both, _) = env
        .all_pages("/api/v2/deals", "limit=500&status=won,lost")
        .await;
    assert_eq!(both.len(), won.len() + lost.len());
    let (status, _) = env.get_json("/api/v2/deals?status=pending").await;
    assert_eq!(status, 400);

    let (_, page) = env.get_json("/api/v2/deals?ids=3,1,2,999999").await;
    assert_eq!(
        ids(page["data"].as_array().unwrap()),
        vec![1, 2, 3],
        "unknown ids are left out"
    );
    let too_many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let (status, _) = env
        .get_json(&format!("/api/v2/deals?ids={}", too_many.join(",")))
        .await;
    assert_eq!(status, 400);

    let org = won[0]["org_id"].as_i64().unwrap();
    let (of_org, _) = env
        .all_pages("/api/v2/deals", &format!("limit=500&org_id={org}"))
        .await;
    assert!(!of_org.is_empty() && of_org.iter().all(|d| d["org_id"] == org));
    let (in_stage, _) = env
        .all_pages("/api/v2/deals", "limit=500&pipeline_id=2&stage_id=6")
        .await;
    assert!(
        in_stage
            .iter()
            .all(|d| d["stage_id"] == 6 && d["pipeline_id"] == 2)
    );
    env.assert_no_violations();
}

#[tokio::test]
async fn persons_organizations_activities_products_and_line_items() {
    let env = env().await;
    let (persons, _) = env.all_pages("/api/v2/persons", "limit=250").await;
    assert_eq!(persons.len(), 600);
    assert!(
        persons[0]["emails"][0]["value"]
            .as_str()
            .unwrap()
            .contains('@')
    );
    let (orgs, _) = env.all_pages("/api/v2/organizations", "limit=100").await;
    assert_eq!(orgs.len(), 300);
    let org = orgs[4]["id"].as_i64().unwrap();
    let (of_org, _) = env
        .all_pages("/api/v2/persons", &format!("org_id={org}"))
        .await;
    assert!(!of_org.is_empty() && of_org.iter().all(|p| p["org_id"] == org));
    let (acts, _) = env
        .all_pages("/api/v2/activities", "limit=500&done=true")
        .await;
    assert!(!acts.is_empty() && acts.iter().all(|a| a["done"] == true));
    let (products, _) = env.all_pages("/api/v2/products", "").await;
    assert_eq!(products.len(), 8);
    assert_eq!(products[0]["prices"].as_array().unwrap().len(), 4);

    // line items across deals and of one deal
    let (lines, _) = env
        .all_pages("/api/v2/deals/products", "deal_ids=1,2,3,4,5,6,7,8")
        .await;
    assert!(
        lines
            .iter()
            .all(|l| (1..=8).contains(&l["deal_id"].as_i64().unwrap()))
    );
    let deal = lines[0]["deal_id"].as_i64().unwrap();
    let (of_deal, _) = env
        .all_pages(&format!("/api/v2/deals/{deal}/products"), "")
        .await;
    assert_eq!(
        of_deal.len(),
        lines.iter().filter(|l| l["deal_id"] == deal).count()
    );
    let (status, _) = env.get_json("/api/v2/deals/products").await;
    assert_eq!(status, 400, "deal_ids is required");

    let (pipelines, _) = env.all_pages("/api/v2/pipelines", "").await;
    assert_eq!(pipelines.len(), 2);
    let (stages, _) = env.all_pages("/api/v2/stages", "pipeline_id=1").await;
    assert_eq!(stages.len(), 4);
    env.assert_no_violations();
}

#[tokio::test]
async fn field_listings_carry_custom_fields_with_40_character_keys() {
    let env = env().await;
    for (path, custom) in [
        ("/api/v2/dealFields", 4),
        ("/api/v2/personFields", 1),
        ("/api/v2/organizationFields", 2),
    ] {
        let (fields, _) = env.all_pages(path, "limit=3").await;
        let customs: Vec<&Value> = fields
            .iter()
            .filter(|f| f["is_custom_field"] == true)
            .collect();
        assert_eq!(customs.len(), custom, "{path}");
        for f in customs {
            let key = f["field_code"].as_str().unwrap();
            assert!(
                key.len() == 40 && key.chars().all(|c| c.is_ascii_hexdigit()),
                "{key}"
            );
        }
    }
    // deals carry values under those keys: the payment fields of won deals
    let (fields, _) = env.all_pages("/api/v2/dealFields", "").await;
    let paid = fields
        .iter()
        .find(|f| f["field_name"] == "Amount paid")
        .unwrap();
    let key = paid["field_code"].as_str().unwrap();
    let (won, _) = env.all_pages("/api/v2/deals", "limit=500&status=won").await;
    let with_paid: Vec<&Value> = won
        .iter()
        .filter(|d| d["custom_fields"][key].is_object())
        .collect();
    assert!(!with_paid.is_empty());
    assert!(
        with_paid
            .iter()
            .all(|d| d["custom_fields"][key]["currency"] == d["currency"])
    );
    env.assert_no_violations();
}

#[tokio::test]
async fn v1_notes_page_with_start_and_limit() {
    let env = env().await;
    let mut start = 0;
    let mut seen = vec![];
    loop {
        let (status, body) = env
            .get_json(&format!("/v1/notes?start={start}&limit=200"))
            .await;
        assert_eq!(status, 200);
        seen.extend(ids(body["data"].as_array().unwrap()));
        let p = &body["additional_data"]["pagination"];
        if p["more_items_in_collection"] == false {
            break;
        }
        start = p["next_start"].as_i64().unwrap();
    }
    assert_eq!(seen, (1..=600).collect::<Vec<_>>());
    let (_, body) = env.get_json("/v1/notes?deal_id=5&limit=500").await;
    assert!(
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["deal_id"] == 5)
    );
    let (status, body) = env
        .send_json(
            reqwest::Method::POST,
            "/v1/notes",
            &json!({"content": "<p>Invoice sent</p>", "deal_id": 5}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["deal"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Deal 5")
    );
    let (status, _) = env
        .send_json(
            reqwest::Method::POST,
            "/v1/notes",
            &json!({"content": "orphan"}),
        )
        .await;
    assert_eq!(status, 400);
    env.assert_no_violations();
}
