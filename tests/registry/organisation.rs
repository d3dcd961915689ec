//! A Xero login that granted two organisations: the one chosen at `connect` (kept with
//! the tokens) is the one every sync writes to, and `tenant_id` in the config still
//! overrides it. Through a real sync against a simulator granting both.

use std::sync::Arc;

use crate::common::{TOKEN, folder, sim_options};
use ledgerbridge::sync::run;
use ledgerbridge::vault;
use ledgerbridge_sdk::vault::TokenSet;
use serde_json::Value;

fn invoices(handle: &ledgerbridge_xero::sim::SimHandle) -> usize {
    let export: Value = serde_json::from_slice(&handle.export_json()).unwrap();
    export["Invoices"].as_array().map_or(0, Vec::len)
}

/// Both organisations' simulators, a HubSpot simulator with deals, and a config whose
/// Xero connection is `auth = "oauth"` with `books_extra` appended to its table.
async fn setup(
    books_extra: &str,
) -> (
    tempfile::TempDir,
    ledgerbridge::config::Config,
    Vec<ledgerbridge_xero::sim::SimHandle>,
    [ledgerbridge_sdk::sim::RunningSim; 2],
) {
    let (hs, _hs_h) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", sim_options())
        .await
        .unwrap();
    let (x, orgs) = ledgerbridge_xero::sim::spawn_organisations("127.0.0.1:0", sim_options(), 2)
        .await
        .unwrap();
    let (dir, path) = folder(&format!(
        "[connections.crm]\nkind = \"hubspot\"\nbase_url = \"{hs}\"\naccess_token = \"{TOKEN}\"\n\
         rate_scale = 1000.0\n\
         [connections.books]\nkind = \"xero\"\nbase_url = \"{x}\"\nauth = \"oauth\"\n\
         client_id = \"id\"\nclient_secret = \"secret\"\n{books_extra}\n\
         [[pairs]]\nname = \"main\"\nsource = \"crm\"\ntarget = \"books\"\n\
         mappings = \"mappings\"\nstart_date = \"2025-01-01\"\n",
        hs = hs.base_url,
        x = x.base_url,
    ));
    let config = ledgerbridge::config::load(Some(&path)).unwrap();
    (dir, config, orgs, [hs, x])
}

/// Stores tokens as `connect` does after the admin picked `chosen` (its post-connect
/// step keeps the organisation's id and name with them).
async fn connected_to(
    config: &ledgerbridge::config::Config,
    db: &ledgerbridge::store::Db,
    chosen: &ledgerbridge_xero::sim::SimHandle,
) {
    let mut tokens = TokenSet::new(TOKEN);
    tokens
        .extra
        .insert("tenant_id".into(), chosen.tenant_id().to_string());
    tokens
        .extra
        .insert("tenant_name".into(), "Demo Company (US) (2)".into());
    vault::seed_tokens(db, config, "books", tokens)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_writes_to_the_organisation_chosen_at_connect() {
    let (_dir, config, orgs, _sims) = setup("").await;
    let db = ledgerbridge::store::open(&config).await.unwrap();
    // the second organisation, not the first one `/connections` lists
    connected_to(&config, &db, &orgs[1]).await;
    let summary = run::sync(Arc::new(config), &db, &["main".to_string()], true)
        .await
        .unwrap();
    db.close().await;
    assert!(!summary.is_empty());
    let (first, second) = (invoices(&orgs[0]), invoices(&orgs[1]));
    assert!(second > 0, "the chosen organisation got the invoices");
    assert_eq!(first, 0, "nothing landed in the first organisation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_id_in_the_config_overrides_the_choice() {
    let (_d, probe_config, orgs, _sims) = setup("").await;
    drop(probe_config);
    let first = orgs[0].tenant_id().to_string();
    drop(_sims);
    let (_dir, config, orgs, _sims) = setup(&format!("tenant_id = \"{first}\"")).await;
    assert_eq!(
        orgs[0].tenant_id().to_string(),
        first,
        "same seed, same ids"
    );
    let db = ledgerbridge::store::open(&config).await.unwrap();
    connected_to(&config, &db, &orgs[1]).await;
    run::sync(Arc::new(config), &db, &["main".to_string()], true)
        .await
        .unwrap();
    db.close().await;
    assert!(
        invoices(&orgs[0]) > 0,
        "the configured organisation got the invoices"
    );
    assert_eq!(invoices(&orgs[1]), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_grants_both_organisations() {
    let (_dir, _config, orgs, sims) = setup("").await;
    let list: Value = reqwest::Client::new()
        .get(format!("{}/connections", sims[1].base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["tenantId"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            orgs[0].tenant_id().to_string(),
            orgs[1].tenant_id().to_string()
        ]
    );
    assert_ne!(ids[0], ids[1]);
    let refused = reqwest::Client::new()
        .get(format!("{}/connections", sims[1].base_url))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
}
