//! Refresh through `vault::token_source`: single-flight, and rotated refresh tokens
//! stored in the vault before use.

use std::time::Duration;

use chrono::Utc;
use ledgerbridge::config::Config;
use ledgerbridge::store::Db;
use ledgerbridge::vault::{self, DbVault, KeyMode};
use ledgerbridge_sdk::vault::{TokenSet, TokenVault};
use secrecy::ExposeSecret;

use crate::common::{self, Mode, Setup};

async fn stored(config: &Config, db: &Db, connection: &str) -> TokenSet {
    let (sealer, _) = vault::key::sealer(config, KeyMode::MustExist).unwrap();
    DbVault::new(db.clone(), sealer)
        .load(connection)
        .await
        .unwrap()
        .unwrap()
}

/// Marks the stored access token expired (the simulator still accepts it: only our side
/// believes it lapsed, so no sleeping is needed).
async fn expire(config: &Config, db: &Db, connection: &str) -> TokenSet {
    let mut t = stored(config, db, connection).await;
    t.expires_at = Some(Utc::now() - chrono::Duration::minutes(5));
    vault::seed_tokens(db, config, connection, t.clone())
        .await
        .unwrap();
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_callers_on_an_expired_token_cause_one_refresh() {
    let sim = common::hubspot().await;
    let setup = Setup::new(Some(&sim.base), None, "");
    let run = common::connect(&setup.config_path, "crm", Mode::Paste, &[], |l| l).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let config = setup.config();
    let db = setup.db().await;
    let old = expire(&config, &db, "crm").await;
    let before = sim.token_calls();

    let source = vault::token_source(&config, "crm", &db).await.unwrap();
    let tokens = futures::future::join_all((0..8).map(|_| source.access_token())).await;
    assert_eq!(sim.token_calls() - before, 1, "exactly one refresh call");
    let first = tokens[0].as_ref().unwrap().expose_secret().to_string();
    for t in &tokens {
        assert_eq!(
            t.as_ref().unwrap().expose_secret(),
            first,
            "all callers share it"
        );
    }
    assert_ne!(first, old.access_token.expose_secret());

    // the rotated set is what the vault holds
    let now = stored(&config, &db, "crm").await;
    assert_eq!(now.access_token.expose_secret(), first);
    assert_ne!(
        now.refresh_token.as_ref().unwrap().expose_secret(),
        old.refresh_token.as_ref().unwrap().expose_secret(),
        "HubSpot's simulator rotates refresh tokens"
    );
    assert!(now.expires_at.unwrap() > Utc::now() + Duration::from_secs(60));

    let resp = reqwest::Client::new()
        .get(format!("{}/crm/v3/objects/deals?limit=1", sim.base))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

/// Xero's simulator spends a refresh token on use, so a second refresh by a new process
/// (after a crash, with only the vault left) works only if the rotated token was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_refresh_the_rotated_token_is_in_the_vault() {
    let (sim, handle) = common::xero().await;
    let setup = Setup::new(None, Some(&sim.base), "");
    let run = common::connect(&setup.config_path, "books", Mode::Paste, &[], |l| l).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let config = setup.config();
    let db = setup.db().await;

    expire(&config, &db, "books").await;
    let first = vault::token_source(&config, "books", &db).await.unwrap();
    first.access_token().await.unwrap();
    drop(first); // the process "crashes": nothing survives but the vault

    expire(&config, &db, "books").await;
    let before = sim.token_calls();
    let second = vault::token_source(&config, "books", &db).await.unwrap();
    let token = second.access_token().await.unwrap();
    assert_eq!(sim.token_calls() - before, 1);

    let tenant = vault::stored_extra(&config, "books", &db)
        .await
        .unwrap()
        .remove("tenant_id")
        .unwrap();
    assert_eq!(
        tenant,
        handle.tenant_id().to_string(),
        "the tenant survives refreshes"
    );
    let resp = reqwest::Client::new()
        .get(format!("{}/api.xro/2.0/Organisation", sim.base))
        .bearer_auth(token.expose_secret())
        .header("xero-tenant-id", &tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

/// Several sources of one connection (a client per job) still refresh once: with Xero's
/// spent-on-use refresh tokens a second refresh would fail and look like a revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_sources_of_one_connection_share_the_refresh() {
    let (sim, _handle) = common::xero().await;
    let setup = Setup::new(None, Some(&sim.base), "");
    let run = common::connect(&setup.config_path, "books", Mode::Paste, &[], |l| l).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let config = setup.config();
    let db = setup.db().await;
    expire(&config, &db, "books").await;
    let before = sim.token_calls();

    let a = vault::token_source(&config, "books", &db).await.unwrap();
    let b = vault::token_source(&config, "books", &db).await.unwrap();
    let calls = (0..4).flat_map(|_| [a.access_token(), b.access_token()]);
    let tokens = futures::future::join_all(calls).await;
    assert_eq!(
        sim.token_calls() - before,
        1,
        "one refresh for both sources"
    );
    let first = tokens[0].as_ref().unwrap().expose_secret().to_string();
    for t in &tokens {
        assert_eq!(t.as_ref().unwrap().expose_secret(), first);
    }
}
