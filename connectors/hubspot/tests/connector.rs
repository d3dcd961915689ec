//! The connector against the simulator: full and incremental pulls, rate
//! limits at the real numbers with time scaled, every fault kind, write-back.
#![cfg(feature = "sim")]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::TryStreamExt;
use ledgerbridge_hubspot::sim::{self, ObjectType, SimHandle};
use ledgerbridge_hubspot::{Bearer, HubSpotClient, HubSpotConfig, HubSpotSource, StaticBearer};
use ledgerbridge_sdk::model::{CrmObject, CrmRecord, InteractionKind, PropertyUpdate};
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use ledgerbridge_sdk::{ConnectorResult, CrmSource, Cursor, ErrorKind};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const TOKEN: &str = "t";

async fn start(opts: SimOptions) -> (RunningSim, SimHandle) {
    sim::spawn(
        "127.0.0.1:0",
        SimOptions {
            token: Some(TOKEN.into()),
            ..opts
        },
    )
    .await
    .unwrap()
}

/// A source; pacing follows the simulator's `--rate-limits` (`rate_scale` 1 = off).
fn source(s: &RunningSim, rate_scale: f64, bearer: Arc<dyn Bearer>) -> HubSpotSource {
    let pace = rate_scale != 1.0;
    let cfg = HubSpotConfig {
        base_url: s.base_url.clone(),
        rate_scale,
        pace,
        search_settle: Duration::ZERO,
        ..HubSpotConfig::default()
    };
    HubSpotSource::new(Arc::new(HubSpotClient::new(cfg, bearer).unwrap()))
}

fn static_bearer() -> Arc<dyn Bearer> {
    Arc::new(StaticBearer(SecretString::from(TOKEN.to_string())))
}

async fn pull(
    src: &HubSpotSource,
    object: CrmObject,
    since: Option<&Cursor>,
) -> (Vec<CrmRecord>, Option<Cursor>) {
    let pages: Vec<_> = src.list_changed(object, since).try_collect().await.unwrap();
    let cursor = pages.last().map(|p| p.cursor.clone());
    (pages.into_iter().flat_map(|p| p.records).collect(), cursor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_20000_deals_with_associations_then_exactly_the_50_edited() {
    let (s, h) = start(SimOptions {
        deals: 20_000,
        rate_limits: false,
        ..SimOptions::default()
    })
    .await;
    let src = source(&s, 1.0, static_bearer());
    let t = Instant::now();
    let (deals, cursor) = pull(&src, CrmObject::Deal, None).await;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "full pull: {} deals in {secs:.2}s = {:.0} records/s (debug build)",
        deals.len(),
        deals.len() as f64 / secs
    );
    assert_eq!(deals.len(), 20_000);
    let ids: HashSet<&str> = deals.iter().map(|d| d.meta().id.as_str()).collect();
    assert_eq!(ids.len(), 20_000, "no repeats");
    let export = h.export();
    let lines_in_sim = export["line_items"].as_array().unwrap().len();
    let mut lines = 0;
    let mut with_company = 0;
    let mut won = 0;
    for d in &deals {
        let CrmRecord::Deal(d) = d else {
            panic!("not a deal")
        };
        lines += d.line_items.len();
        with_company += d.company_id.is_some() as usize;
        won += (d.status == ledgerbridge_sdk::model::DealStatus::Won) as usize;
        assert!(d.currency.is_some() && d.close_date.is_some());
    }
    assert_eq!(lines, lines_in_sim, "every line item arrives with its deal");
    assert!(with_company > 15_000 && with_company < 20_000);
    assert!((8_000..12_000).contains(&won));

    // 50 edits: 20 single PATCHes and two batch updates of 15, each batch
    // sharing one hs_lastmodifieddate
    let all = h.ids(ObjectType::Deals);
    let edited: Vec<u64> = all.iter().step_by(397).take(50).copied().collect();
    let http = reqwest::Client::new();
    for id in &edited[..20] {
        let r = http
            .patch(format!("{}/crm/v3/objects/deals/{id}", s.base_url))
            .bearer_auth(TOKEN)
            .json(&json!({"properties": {"description": "edited"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    for chunk in edited[20..].chunks(15) {
        let inputs: Vec<Value> = chunk
            .iter()
            .map(|id| json!({"id": id.to_string(), "properties": {"description": "batch edit"}}))
            .collect();
        let r: Value = http
            .post(format!("{}/crm/v3/objects/deals/batch/update", s.base_url))
            .bearer_auth(TOKEN)
            .json(&json!({"inputs": inputs}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let stamps: HashSet<&str> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["updatedAt"].as_str().unwrap())
            .collect();
        assert_eq!(stamps.len(), 1, "a batch shares one timestamp");
    }
    let (changed, cursor2) = pull(&src, CrmObject::Deal, cursor.as_ref()).await;
    let got: Vec<u64> = changed
        .iter()
        .map(|d| d.meta().id.parse().unwrap())
        .collect();
    let mut want = edited.clone();
    want.sort();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, want, "exactly the 50 edited deals, once each");
    let (again, _) = pull(&src, CrmObject::Deal, cursor2.as_ref()).await;
    assert!(again.is_empty(), "nothing new: nothing returned");
}

/// Line-item batch reads so far.
fn line_item_reads(h: &SimHandle) -> u64 {
    h.stats()["calls"]["POST /crm/v3/objects/line_items/batch/read"]
        .as_u64()
        .unwrap_or(0)
}

/// Each pulled deal's line-item ids must be exactly the ones the simulator
/// associates with it; returns how many there are in all.
fn assert_own_line_items(h: &SimHandle, deals: &[CrmRecord]) -> usize {
    let export = h.export();
    let mut want: HashMap<String, Vec<String>> = HashMap::new();
    for d in export["deals"].as_array().unwrap() {
        let mut ids: Vec<String> = d["associations"]["line items"]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        want.insert(d["id"].as_str().unwrap().to_string(), ids);
    }
    assert_eq!(deals.len(), want.len());
    for d in deals {
        let CrmRecord::Deal(d) = d else {
            panic!("not a deal")
        };
        let mut got: Vec<String> = d.line_items.iter().map(|l| l.id.clone()).collect();
        got.sort();
        assert_eq!(
            got, want[&d.meta.id],
            "deal {} gets its own line items",
            d.meta.id
        );
    }
    want.values().map(Vec::len).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_items_are_read_in_full_batches_carried_across_deal_pages() {
    let (s, h) = start(SimOptions {
        deals: 1_050,
        rate_limits: false,
        ..SimOptions::default()
    })
    .await;
    // pages of 100 deals, ~200 line items each: one read per 100 items, the
    // remainder of each page carried into the next page's first read
    let src = source(&s, 1.0, static_bearer());
    let (deals, _) = pull(&src, CrmObject::Deal, None).await;
    let items = assert_own_line_items(&h, &deals);
    assert!(items > 1_500, "{items} line items");
    assert_eq!(line_item_reads(&h), items.div_ceil(100) as u64);

    // pages of 10 deals (~20 items): at most two pages wait for ids, so a
    // partial read every third page or so — still far fewer than one a page
    let small = HubSpotSource::new(Arc::new(
        HubSpotClient::new(
            HubSpotConfig {
                base_url: s.base_url.clone(),
                page_size: 10,
                search_settle: Duration::ZERO,
                ..HubSpotConfig::default()
            },
            static_bearer(),
        )
        .unwrap(),
    ));
    let before = line_item_reads(&h);
    let (deals, _) = pull(&small, CrmObject::Deal, None).await;
    assert_eq!(assert_own_line_items(&h, &deals), items);
    let reads = line_item_reads(&h) - before;
    let pages = deals.len().div_ceil(10) as u64;
    assert!(
        reads >= items.div_ceil(100) as u64 && reads * 2 < pages,
        "{reads} reads for {pages} pages, {items} items"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_windows_split_under_the_search_cap_and_ties_survive_resume() {
    let (s, h) = start(SimOptions {
        deals: 12,
        rate_limits: false,
        ..SimOptions::default()
    })
    .await;
    let src = source(&s, 1.0, static_bearer());
    let (_, cursor) = pull(&src, CrmObject::Company, None).await;
    // 10,450 new companies created 100 per batch: 105 groups sharing a timestamp
    let http = reqwest::Client::new();
    for b in 0..105 {
        let n = if b == 104 { 50 } else { 100 };
        let inputs: Vec<Value> = (0..n)
            .map(|i| json!({"properties": {"name": format!("Co {b}-{i}")}}))
            .collect();
        let r = http
            .post(format!(
                "{}/crm/v3/objects/companies/batch/create",
                s.base_url
            ))
            .bearer_auth(TOKEN)
            .json(&json!({"inputs": inputs}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // resume from every page's cursor as a crashed worker would: still no repeats
    let mut since = cursor;
    let mut seen = HashSet::new();
    loop {
        let mut stream = src.list_changed(CrmObject::Company, since.as_ref());
        let Some(page) = stream.try_next().await.unwrap() else {
            break;
        };
        drop(stream);
        if page.records.is_empty() {
            break;
        }
        for r in &page.records {
            assert!(seen.insert(r.meta().id.clone()), "repeat {}", r.meta().id);
        }
        since = Some(page.cursor);
    }
    assert_eq!(seen.len(), 10_450);
    let stats = h.stats();
    assert!(
        stats["calls"]["POST /crm/v3/objects/companies/search"]
            .as_u64()
            .unwrap()
            > 52
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_rate_limits_with_time_scaled_cause_no_429() {
    // 190 per 10 s and 4 searches per second, 20 times faster
    let (s, h) = start(SimOptions {
        deals: 8_000,
        rate_limits: true,
        rate_scale: 20.0,
        ..SimOptions::default()
    })
    .await;
    let src = source(&s, 20.0, static_bearer());
    let (deals, cursor) = pull(&src, CrmObject::Deal, None).await;
    assert_eq!(deals.len(), 8_000);
    let ids: Vec<String> = h
        .ids(ObjectType::Deals)
        .iter()
        .take(300)
        .map(|i| i.to_string())
        .collect();
    let updates: Vec<PropertyUpdate> = ids
        .iter()
        .map(|id| PropertyUpdate {
            object: CrmObject::Deal,
            id: id.clone(),
            properties: [(
                "ledgerbridge_invoice_status".to_string(),
                "PAID".to_string(),
            )]
            .into(),
        })
        .collect();
    let out = src.write_back(&updates).await.unwrap();
    assert!(out.iter().all(|o| o.result.is_ok()));
    let (changed, _) = pull(&src, CrmObject::Deal, cursor.as_ref()).await;
    let stamps: std::collections::BTreeMap<String, usize> =
        changed.iter().fold(Default::default(), |mut m, d| {
            *m.entry(d.meta().version.clone()).or_default() += 1;
            m
        });
    assert_eq!(changed.len(), 300, "{stamps:?} cursor {cursor:?}");
    let stats = h.stats();
    assert_eq!(stats["rate_limited"], 0, "{stats}");
    assert_eq!(src.client().rate_limited(), 0);
    assert!(
        stats["reads"].as_u64().unwrap() > 190,
        "enough calls to have crossed windows"
    );
}

/// An OAuth bearer against the simulator's token endpoint (what the SDK's
/// `OAuthTokenSource` does, reduced to what this test needs).
struct SimOAuth {
    base: String,
    tokens: Mutex<(String, String)>,
}

#[async_trait]
impl Bearer for SimOAuth {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        Ok(SecretString::from(self.tokens.lock().await.0.clone()))
    }
    async fn refresh_after_unauthorized(&self, stale: &SecretString) -> ConnectorResult<bool> {
        let mut t = self.tokens.lock().await;
        if t.0 != stale.expose_secret() {
            return Ok(true);
        }
        let v: Value = reqwest::Client::new()
            .post(format!("{}/oauth/v1/token", self.base))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", "app"),
                ("client_secret", "x"),
                ("refresh_token", t.1.as_str()),
            ])
            .send()
            .await
            .map_err(|e| ledgerbridge_sdk::ConnectorError::retryable(e.to_string()))?
            .json()
            .await
            .map_err(|e| ledgerbridge_sdk::ConnectorError::retryable(e.to_string()))?;
        *t = (
            v["access_token"].as_str().unwrap().to_string(),
            v["refresh_token"].as_str().unwrap().to_string(),
        );
        Ok(true)
    }
}

async fn oauth(s: &RunningSim) -> Arc<dyn Bearer> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(format!(
            "{}/oauth/authorize?client_id=app&redirect_uri=http://127.0.0.1:9/cb&state=s",
            s.base_url
        ))
        .send()
        .await
        .unwrap();
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = loc
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let v: Value = http
        .post(format!("{}/oauth/v1/token", s.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "app"),
            ("client_secret", "x"),
            ("redirect_uri", "http://127.0.0.1:9/cb"),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Arc::new(SimOAuth {
        base: s.base_url.clone(),
        tokens: Mutex::new((
            v["access_token"].as_str().unwrap().into(),
            v["refresh_token"].as_str().unwrap().into(),
        )),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_kind_is_survived() {
    let faults = "5xx=0.05,reset=0.02,latency=2ms,latency_p=0.2,burst429=40,expire=30"
        .parse()
        .unwrap();
    let (s, h) = start(SimOptions {
        deals: 2_000,
        rate_limits: false,
        faults,
        rate_scale: 50.0,
        ..SimOptions::default()
    })
    .await;
    let src = source(&s, 50.0, oauth(&s).await);
    let (deals, cursor) = pull(&src, CrmObject::Deal, None).await;
    assert_eq!(deals.len(), 2_000);
    let (companies, _) = pull(&src, CrmObject::Company, None).await;
    assert_eq!(companies.len(), 500);
    let ids: Vec<String> = h
        .ids(ObjectType::Deals)
        .iter()
        .take(120)
        .map(|i| i.to_string())
        .collect();
    let updates: Vec<PropertyUpdate> = ids
        .iter()
        .map(|id| PropertyUpdate {
            object: CrmObject::Deal,
            id: id.clone(),
            properties: [("ledgerbridge_amount_paid".to_string(), "10.5".to_string())].into(),
        })
        .collect();
    let out = src.write_back(&updates).await.unwrap();
    assert!(out.iter().all(|o| o.result.is_ok()), "{out:?}");
    let (changed, _) = pull(&src, CrmObject::Deal, cursor.as_ref()).await;
    assert_eq!(changed.len(), 120);
    // ~90 calls (fewer since line items are read in full batches): the 429
    // bursts at calls 40-42 and 80-82, and 5xx/resets at random besides
    let stats = h.stats();
    let (faults, bursts) = (
        stats["faults"].as_u64().unwrap(),
        stats["rate_limited"].as_u64().unwrap(),
    );
    assert!(bursts >= 6 && faults > bursts, "{stats}");
}

#[tokio::test]
async fn write_back_pins_errors_on_the_right_records_and_reads_by_id() {
    let (s, h) = start(SimOptions {
        deals: 30,
        rate_limits: false,
        ..SimOptions::default()
    })
    .await;
    let src = source(&s, 1.0, static_bearer());
    let ids = h.ids(ObjectType::Deals);
    let up = |id: u64, k: &str, v: &str| PropertyUpdate {
        object: CrmObject::Deal,
        id: id.to_string(),
        properties: [(k.to_string(), v.to_string())].into(),
    };
    let updates = vec![
        up(ids[0], "ledgerbridge_invoice_number", "INV-1"),
        up(ids[1], "no_such_property", "x"),
        up(1, "ledgerbridge_invoice_number", "INV-3"),
        PropertyUpdate {
            object: CrmObject::Company,
            id: h.ids(ObjectType::Companies)[0].to_string(),
            properties: [("ledgerbridge_overdue".to_string(), "12.5".to_string())].into(),
        },
    ];
    let out = src.write_back(&updates).await.unwrap();
    assert_eq!(out[0].key, format!("deal:{}", ids[0]));
    assert!(out[0].result.is_ok());
    let e = out[1].result.as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    assert!(
        e.vendor_message
            .as_deref()
            .unwrap()
            .contains("PROPERTY_DOESNT_EXIST")
    );
    assert!(e.correlation_id.is_some());
    assert_eq!(
        out[2].result.as_ref().unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert!(out[3].result.is_ok());
    let got = src
        .read_by_ids(CrmObject::Deal, &[ids[0].to_string(), "1".to_string()])
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    let CrmRecord::Deal(d) = &got[0] else {
        panic!()
    };
    assert_eq!(d.properties["ledgerbridge_invoice_number"], "INV-1");
    let interactions = src
        .read_by_ids(
            CrmObject::Interaction,
            &h.ids(ObjectType::Meetings)
                .iter()
                .take(3)
                .map(|i| i.to_string())
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    assert_eq!(interactions.len(), 3);
    let pipelines = src.pipelines().await.unwrap();
    assert!(
        pipelines
            .iter()
            .flat_map(|p| &p.stages)
            .filter(|s| s.won)
            .count()
            == 2
    );
    // a refused token is an Auth error, not retried forever
    let bad = source(
        &s,
        1.0,
        Arc::new(StaticBearer(SecretString::from("wrong".to_string()))),
    );
    let err = bad
        .read_by_ids(CrmObject::Deal, &[ids[0].to_string()])
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
}

#[tokio::test]
async fn interactions_pull_across_five_types() {
    let (s, _h) = start(SimOptions {
        deals: 80,
        rate_limits: false,
        ..SimOptions::default()
    })
    .await;
    let src = source(&s, 1.0, static_bearer());
    let (all, cursor) = pull(&src, CrmObject::Interaction, None).await;
    // 20 each of calls, e-mails, meetings, notes and tasks
    assert_eq!(all.len(), 100);
    let tasks: Vec<_> = all
        .iter()
        .filter_map(|r| match r {
            CrmRecord::Interaction(i) if i.kind == InteractionKind::Task => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(tasks.len(), 20);
    for t in &tasks {
        let subject = t.subject.as_deref().unwrap_or_default();
        assert!(subject.starts_with("Send the signed order form"), "{t:?}");
        assert!(t.body.is_some(), "{t:?}");
        assert!(t.properties.contains_key("hs_task_status"), "{t:?}");
    }
    assert!(
        all.iter()
            .all(|r| matches!(r, CrmRecord::Interaction(i) if !i.deal_ids.is_empty()))
    );
    let (again, _) = pull(&src, CrmObject::Interaction, cursor.as_ref()).await;
    assert!(again.is_empty());
}
