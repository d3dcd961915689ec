//! The master key and the errors of `vault::token_source`, in-process with seeded tokens.

use ledgerbridge::vault;
use ledgerbridge_sdk::vault::TokenSet;
use secrecy::{ExposeSecret, SecretString};

use crate::common::{Setup, contains, database_bytes};

const ACCESS: &str = "at-SEEDED-PLAINTEXT-0123456789";
const REFRESH: &str = "rt-SEEDED-PLAINTEXT-9876543210";

fn seeded() -> TokenSet {
    let mut t = TokenSet::new(ACCESS);
    t.refresh_token = Some(SecretString::from(REFRESH));
    t
}

fn err_of(
    r: Result<std::sync::Arc<dyn ledgerbridge_sdk::auth::TokenSource>, ledgerbridge::Error>,
) -> String {
    r.err().expect("an error").to_string()
}

#[tokio::test]
async fn seeded_tokens_are_sealed_and_a_wrong_or_missing_key_is_explained() {
    // no simulator needed: the token has no expiry, so nothing is refreshed
    let setup = Setup::new(Some("http://127.0.0.1:9"), None, "");
    let config = setup.config();
    let db = setup.db().await;
    vault::seed_tokens(&db, &config, "crm", seeded())
        .await
        .unwrap();
    let source = vault::token_source(&config, "crm", &db).await.unwrap();
    assert_eq!(source.access_token().await.unwrap().expose_secret(), ACCESS);

    let bytes = database_bytes(&setup);
    assert!(!contains(&bytes, ACCESS) && !contains(&bytes, REFRESH));
    assert!(!contains(&bytes, "PLAINTEXT"));

    // another key in the key file
    let key_file = setup.path("lb.vault.key");
    std::fs::write(&key_file, format!("{}\n", "07".repeat(32))).unwrap();
    let e = err_of(vault::token_source(&config, "crm", &db).await);
    assert!(
        e.contains("different master key") && e.contains("ledgerbridge connect crm"),
        "{e}"
    );

    // the key file is gone
    std::fs::remove_file(&key_file).unwrap();
    let e = err_of(vault::token_source(&config, "crm", &db).await);
    assert!(
        e.contains("does not exist") && e.contains("lb.vault.key"),
        "{e}"
    );
    assert!(!key_file.exists(), "a failed read does not mint a new key");
}

#[cfg(unix)]
#[tokio::test]
async fn a_configured_key_file_is_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let setup = Setup::new(
        Some("http://127.0.0.1:9"),
        None,
        "[vault]\nkey_file = \"keys/vault.key\"\n",
    );
    let config = setup.config();
    let db = setup.db().await;
    vault::seed_tokens(&db, &config, "crm", seeded())
        .await
        .unwrap();
    let key_file = setup.path("keys/vault.key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!setup.path("lb.vault.key").exists());

    // readable by others: refused, as ssh refuses such a private key
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = err_of(vault::token_source(&config, "crm", &db).await);
    assert!(e.contains("chmod 600"), "{e}");
}

#[tokio::test]
async fn errors_name_the_connection_and_the_fix() {
    let extra = "[connections.plain]\nkind = \"hubspot\"\nauth = \"static\"\n\
                 access_token = \"env:LB_VAULT_TEST_SURELY_UNSET\"\n\
                 [connections.literal]\nkind = \"hubspot\"\naccess_token = \"lit-token\"\n";
    let setup = Setup::new(Some("http://127.0.0.1:9"), None, extra);
    let config = setup.config();
    let db = setup.db().await;

    let e = err_of(vault::token_source(&config, "crm", &db).await);
    assert_eq!(
        e,
        "connection crm has no tokens yet: run `ledgerbridge connect crm`"
    );
    let e = err_of(vault::token_source(&config, "plain", &db).await);
    assert!(
        e.contains("plain")
            && e.contains("access_token")
            && e.contains("LB_VAULT_TEST_SURELY_UNSET"),
        "{e}"
    );
    let e = err_of(vault::token_source(&config, "nope", &db).await);
    assert!(e.contains("no connection named `nope`"), "{e}");

    let lit = vault::token_source(&config, "literal", &db).await.unwrap();
    assert_eq!(
        lit.access_token().await.unwrap().expose_secret(),
        "lit-token"
    );
    assert!(
        !lit.refresh_after_unauthorized(&SecretString::from("lit-token"))
            .await
            .unwrap()
    );

    let e = vault::oauth_flow(&config, "literal")
        .unwrap_err()
        .to_string();
    assert!(e.contains("auth = \"static\""), "{e}");
}
