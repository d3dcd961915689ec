//! Which OAuth endpoints a connection uses: vendor defaults, a simulator's base URL,
//! explicit overrides (Xero's written as a host or as the full endpoint).

use ledgerbridge::config::load_from_str;
use ledgerbridge::vault::{VendorOAuth, vendor_oauth};
use ledgerbridge_sdk::auth::ClientAuth;

fn oauth(table: &str) -> VendorOAuth {
    let text = format!("[connections.c]\n{table}");
    let config = load_from_str(Some(&text), None).unwrap();
    vendor_oauth("c", &config.connections["c"]).unwrap()
}

#[test]
fn hubspot_endpoints() {
    let prod = oauth("kind = \"hubspot\"\n");
    assert_eq!(prod.auth_url, "https://app.hubspot.com/oauth/authorize");
    assert_eq!(prod.token_url, "https://api.hubapi.com/oauth/v1/token");
    assert_eq!(prod.client_auth, ClientAuth::RequestBody);
    assert!(prod.scopes.iter().any(|s| s == "crm.objects.deals.read"));

    let sim = oauth("kind = \"hubspot\"\nbase_url = \"http://127.0.0.1:9101/\"\n");
    assert_eq!(sim.auth_url, "http://127.0.0.1:9101/oauth/authorize");
    assert_eq!(sim.token_url, "http://127.0.0.1:9101/oauth/v1/token");

    let over = oauth(
        "kind = \"hubspot\"\nbase_url = \"http://127.0.0.1:9101\"\n\
         auth_url = \"https://a.example/auth\"\ntoken_url = \"https://t.example/tok\"\n\
         scopes = [\"oauth\"]\n",
    );
    assert_eq!(over.auth_url, "https://a.example/auth");
    assert_eq!(over.token_url, "https://t.example/tok");
    assert_eq!(over.scopes, vec!["oauth".to_string()]);
}

#[test]
fn xero_endpoints() {
    let prod = oauth("kind = \"xero\"\n");
    assert_eq!(
        prod.auth_url,
        "https://login.xero.com/identity/connect/authorize"
    );
    assert_eq!(prod.token_url, "https://identity.xero.com/connect/token");
    assert_eq!(prod.client_auth, ClientAuth::BasicAuth);
    assert!(prod.scopes.iter().any(|s| s == "offline_access"));
    assert!(prod.refresh_lifetime.is_some());

    let sim = oauth("kind = \"xero\"\nbase_url = \"http://127.0.0.1:9102\"\n");
    assert_eq!(
        sim.auth_url,
        "http://127.0.0.1:9102/identity/connect/authorize"
    );
    assert_eq!(sim.token_url, "http://127.0.0.1:9102/connect/token");

    // config.example.toml writes login_url as the endpoint and identity_url as a host
    let over = oauth(
        "kind = \"xero\"\nlogin_url = \"https://login.example/identity/connect/authorize\"\n\
         identity_url = \"https://identity.example/\"\n",
    );
    assert_eq!(
        over.auth_url,
        "https://login.example/identity/connect/authorize"
    );
    assert_eq!(over.token_url, "https://identity.example/connect/token");
}
