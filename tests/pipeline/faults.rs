//! The fault test: the Xero simulator answers with 5xx, connection resets,
//! bursts of 429 and expiring OAuth tokens; the Xero connection is on OAuth with tokens
//! from the simulator's own token endpoint, sealed in the vault. The sync converges
//! with zero duplicates.

use super::harness::{self, CLIENT_ID, CLIENT_SECRET, Options, Setup, SimProc};
use super::verify;
use ledgerbridge_sdk::vault::TokenSet;
use secrecy::SecretString;
use std::collections::HashSet;
use std::time::Instant;

const FAULTS: &str = "5xx=0.05,reset=0.02,burst429=200,expire=100";

/// A real token pair from the Xero simulator: authorize (it consents at once and
/// redirects with a code), then exchange the code at its token endpoint.
async fn xero_tokens(xero: &SimProc) -> TokenSet {
    let redirect = "http://127.0.0.1:9/callback";
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser
        .get(format!("{}/identity/connect/authorize", xero.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", redirect),
            (
                "scope",
                "offline_access accounting.transactions accounting.contacts",
            ),
            ("state", "pipeline"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_redirection(),
        "authorize: {}",
        resp.status()
    );
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("authorize redirect carries a code");
    let tok: serde_json::Value = harness::http()
        .post(format!("{}/connect/token", xero.base))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = |k: &str| SecretString::from(tok[k].as_str().expect(k).to_string());
    TokenSet {
        access_token: secret("access_token"),
        refresh_token: Some(secret("refresh_token")),
        expires_at: Some(
            chrono::Utc::now() + chrono::Duration::seconds(tok["expires_in"].as_i64().unwrap()),
        ),
        scopes: tok["scope"]
            .as_str()
            .unwrap_or("")
            .split(' ')
            .map(str::to_string)
            .collect(),
        extra: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_converges_through_faults_and_expiring_tokens_without_duplicates() {
    let started = Instant::now();
    let logs = tempfile::tempdir().unwrap();
    let hubspot = SimProc::start("hubspot", &["--deals", "300"], &logs.path().join("h.log")).await;
    let xero = SimProc::start("xero", &["--faults", FAULTS], &logs.path().join("x.log")).await;
    let setup = Setup::new(
        &hubspot,
        &xero,
        &Options {
            xero_oauth: true,
            max_attempts: 20,
            ..Options::default()
        },
    );
    let db = setup.db().await;
    ledgerbridge::vault::seed_tokens(&db, &setup.config(), "books", xero_tokens(&xero).await)
        .await
        .expect("seed the Xero tokens");

    // Jobs retry by themselves; a run that still ends with retryable failures is
    // re-run, as an admin would (a few times at most).
    let mut runs = Vec::new();
    for _ in 0..4 {
        let out = setup.run(&["sync", "--json"]).await;
        let s = out.summary();
        runs.push(s.clone());
        if out.code == Some(0) && s["failed"] == 0 && s["dead_jobs"] == 0 {
            break;
        }
    }
    let last = runs.last().unwrap();
    assert!(
        last["failed"] == 0 && last["dead_jobs"] == 0,
        "the sync did not converge in {} runs: {runs:#?}\nopen dead letters: {:#?}",
        runs.len(),
        setup.dead_letters().await
    );
    let stats = xero.stats().await;
    assert!(
        stats["faults"].as_u64().unwrap() > 0,
        "no fault was injected: {stats}"
    );
    let found = verify::check(&hubspot, &xero, &db, &HashSet::new()).await;
    found.assert_clean("fault test");
    eprintln!(
        "fault test: converged in {} run(s), {:.1}s; Xero stats {stats}; {} invoices",
        runs.len(),
        started.elapsed().as_secs_f64(),
        found.invoices
    );
    db.close().await;
}
