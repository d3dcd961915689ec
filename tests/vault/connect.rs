//! `ledgerbridge connect` end to end: the binary, a simulator's OAuth endpoints, the vault.

use ledgerbridge::vault::{self, DbVault, KeyMode};
use ledgerbridge_sdk::vault::{Sealer, TokenVault};
use secrecy::ExposeSecret;

use crate::common::{self, Mode, Setup, contains, database_bytes};

/// The redirect with its `state` replaced, as a forged or stale redirect would carry.
pub fn forge_state(location: String) -> String {
    let mut u = url::Url::parse(&location).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

#[cfg(unix)]
fn mode_of(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubspot_paste_connect_stores_only_sealed_tokens_that_work() {
    let sim = common::hubspot().await;
    let setup = Setup::new(Some(&sim.base), None, "");
    let run = common::connect(&setup.config_path, "crm", Mode::Paste, &[], |l| l).await;
    assert_eq!(
        run.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("connected crm"), "{}", run.stdout);
    assert_eq!(sim.token_calls(), 1, "one code exchange");

    // the key was created next to the database, private
    let key_file = setup.path("lb.vault.key");
    assert!(key_file.exists());
    #[cfg(unix)]
    assert_eq!(mode_of(&key_file), 0o600);

    let config = setup.config();
    let db = setup.db().await;
    let source = vault::token_source(&config, "crm", &db).await.unwrap();
    let token = source.access_token().await.unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{}/crm/v3/objects/companies?limit=1", sim.base))
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "the stored token works");

    let (sealer, _) = vault::key::sealer(&config, KeyMode::MustExist).unwrap();
    let stored = DbVault::new(db.clone(), sealer)
        .load("crm")
        .await
        .unwrap()
        .unwrap();
    let access = stored.access_token.expose_secret().to_string();
    let refresh = stored.refresh_token.unwrap().expose_secret().to_string();
    assert_eq!(access, token.expose_secret());
    assert!(!stored.scopes.is_empty());

    let entry = vault::entry(&db, "crm").await.unwrap().unwrap();
    assert!(entry.access_expires_at.is_some());
    assert_eq!(
        entry.refresh_expires_at, None,
        "HubSpot refresh tokens do not expire"
    );
    db.close().await;

    // grep of the database files: no token in plain text; none printed either
    let bytes = database_bytes(&setup);
    for secret in [&access, &refresh] {
        assert!(
            !contains(&bytes, secret),
            "a token is readable in the database"
        );
        assert!(!run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xero_loopback_connect_keeps_the_tenant() {
    let (sim, handle) = common::xero().await;
    let setup = Setup::new(None, Some(&sim.base), "");
    let run = common::connect(&setup.config_path, "books", Mode::Loopback, &[], |l| l).await;
    assert_eq!(
        run.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert_eq!(
        run.redirect_status,
        Some(200),
        "the browser is told it worked"
    );
    let tenant = handle.tenant_id().to_string();
    assert!(run.stdout.contains(&tenant), "{}", run.stdout);

    let config = setup.config();
    let db = setup.db().await;
    assert_eq!(
        vault::stored_extra(&config, "books", &db)
            .await
            .unwrap()
            .get("tenant_id")
            .cloned(),
        Some(tenant.clone())
    );
    let token = vault::token_source(&config, "books", &db)
        .await
        .unwrap()
        .access_token()
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{}/api.xro/2.0/Organisation", sim.base))
        .bearer_auth(token.expose_secret())
        .header("xero-tenant-id", &tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    // Xero refresh tokens lapse after 60 days: recorded for metrics
    let entry = vault::entry(&db, "books").await.unwrap().unwrap();
    let days = (entry.refresh_expires_at.unwrap() - entry.updated_at) / 86_400_000;
    assert_eq!(days, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_tenant_that_was_not_granted_stores_nothing() {
    let (sim, _handle) = common::xero().await;
    let other = "00000000-0000-0000-0000-000000000001";
    let setup = Setup::new(None, Some(&sim.base), &format!("tenant_id = \"{other}\"\n"));
    let run = common::connect(&setup.config_path, "books", Mode::Paste, &[], |l| l).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(other) && run.stderr.contains("not among the organisations"),
        "{}",
        run.stderr
    );
    let db = setup.db().await;
    assert!(vault::entry(&db, "books").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_with_the_wrong_state_is_refused() {
    let sim = common::hubspot().await;
    let setup = Setup::new(Some(&sim.base), None, "");

    let pasted = common::connect(&setup.config_path, "crm", Mode::Paste, &[], forge_state).await;
    assert_eq!(pasted.code, Some(1), "{}", pasted.stderr);
    assert!(
        pasted.stderr.contains("does not match"),
        "{}",
        pasted.stderr
    );

    let redirected =
        common::connect(&setup.config_path, "crm", Mode::Loopback, &[], forge_state).await;
    assert_eq!(redirected.redirect_status, Some(400), "the browser is told");
    assert_eq!(redirected.code, Some(1), "{}", redirected.stderr);
    assert!(
        redirected.stderr.contains("does not match"),
        "{}",
        redirected.stderr
    );

    assert_eq!(sim.token_calls(), 0, "no code was exchanged");
    let db = setup.db().await;
    assert!(vault::entry(&db, "crm").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_master_key_variable_is_used_instead_of_a_key_file() {
    let sim = common::hubspot().await;
    let setup = Setup::new(Some(&sim.base), None, "");
    let key = "42".repeat(32);
    let run = common::connect(
        &setup.config_path,
        "crm",
        Mode::Paste,
        &[("LEDGERBRIDGE_MASTER_KEY", key.as_str())],
        |l| l,
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("LEDGERBRIDGE_MASTER_KEY"),
        "{}",
        run.stdout
    );
    assert!(
        !setup.path("lb.vault.key").exists(),
        "no key file with the variable set"
    );

    let config = setup.config();
    let db = setup.db().await;
    let (sealer, source) =
        vault::key::sealer_with_env(&config, Some(&key), KeyMode::MustExist).unwrap();
    assert_eq!(source, vault::KeySource::Env);
    assert!(
        DbVault::new(db.clone(), sealer)
            .load("crm")
            .await
            .unwrap()
            .is_some()
    );
    let other = Sealer::from_key(&[1u8; 32]);
    let err = DbVault::new(db.clone(), other)
        .load("crm")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("different master key"), "{err}");

    // this process has no variable and there is no key file: said so, with the fix
    let err = vault::token_source(&config, "crm", &db)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("LEDGERBRIDGE_MASTER_KEY") && err.contains("lb.vault.key"),
        "{err}"
    );
    assert!(
        !setup.path("lb.vault.key").exists(),
        "reading never creates a key"
    );
}
