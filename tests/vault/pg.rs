//! `DbVault` on PostgreSQL (skipped with a notice when LEDGERBRIDGE_TEST_DATABASE_URL is unset).

use ledgerbridge::store::Db;
use ledgerbridge::vault::{self, DbVault};
use ledgerbridge_sdk::vault::{Sealer, TokenSet, TokenVault};
use secrecy::{ExposeSecret, SecretString};

const PG_ENV: &str = "LEDGERBRIDGE_TEST_DATABASE_URL";

#[tokio::test]
async fn the_vault_round_trips_on_postgres() {
    let Some(server) = std::env::var(PG_ENV).ok().filter(|u| !u.is_empty()) else {
        println!("skipping the_vault_round_trips_on_postgres: {PG_ENV} is not set");
        return;
    };
    let name = format!("lb_test_{:016x}", rand::random::<u64>());
    let admin = sqlx::PgPool::connect(&server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    let db = Db::open(url.as_str(), std::path::Path::new("."))
        .await
        .unwrap();

    let v = DbVault::new(db.clone(), Sealer::from_key(&[9u8; 32]));
    let mut t = TokenSet::new("at-PG-PLAINTEXT");
    t.refresh_token = Some(SecretString::from("rt-PG-PLAINTEXT"));
    t.expires_at = Some(chrono::Utc::now());
    v.store("c", &t).await.unwrap();
    v.store("c", &t).await.unwrap(); // the upsert replaces
    let back = v.load("c").await.unwrap().unwrap();
    assert_eq!(back.access_token.expose_secret(), "at-PG-PLAINTEXT");
    let raw = v.sealed_bytes("c").await.unwrap().unwrap();
    assert!(!raw.windows(9).any(|w| w == b"PLAINTEXT"));
    let e = vault::entry(&db, "c").await.unwrap().unwrap();
    assert_eq!(e.key_id, v.key_id());
    assert!(e.access_expires_at.is_some());

    db.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await;
}
