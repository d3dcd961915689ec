//! The OAuth token source and the connect flow against a local token server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use ledgerbridge_sdk::auth::{
    ConnectContext, OAuthConfig, OAuthFlow, OAuthTokenSource, PostConnect, RedirectListener,
    TokenSource, finish_connect,
};
use ledgerbridge_sdk::http::{Call, HttpClient};
use ledgerbridge_sdk::vault::{MemoryVault, Sealer, TokenSet, TokenVault, VaultError};
use ledgerbridge_sdk::{ConnectorResult, ErrorKind};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::Digest;

use crate::common::{caps, serve};

/// A token server: issues codes' and refresh tokens' grants, rotates refresh
/// tokens (the old one dies), checks PKCE and client credentials, and guards
/// `GET /api/ping` with the access tokens it issued.
#[derive(Default)]
struct Server {
    /// code → PKCE challenge, as if the user approved in a browser.
    codes: HashMap<String, String>,
    refresh_tokens: HashSet<String>,
    access_tokens: HashSet<String>,
    refresh_calls: u32,
    issued: u32,
    pkce_verified: u32,
    expires_in: u64,
}

type Shared = Arc<Mutex<Server>>;

fn issue(s: &mut Server) -> Value {
    s.issued += 1;
    let access = format!("access-{}", s.issued);
    let refresh = format!("refresh-{}", s.issued);
    s.access_tokens.insert(access.clone());
    s.refresh_tokens.insert(refresh.clone());
    json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": s.expires_in,
        "scope": "accounting.transactions offline_access",
        "hub_id": 62515,
    })
}

fn oauth_error(code: &str) -> Response {
    (
        axum::http::StatusCode::BAD_REQUEST,
        Json(json!({"error": code, "error_description": format!("{code} from the test server")})),
    )
        .into_response()
}

async fn token(
    State(s): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let basic = base64::engine::general_purpose::STANDARD.encode("client-1:secret-1");
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Basic {basic}"))
    {
        return oauth_error("invalid_client");
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let mut st = s.lock().unwrap();
            let Some(challenge) = form.get("code").and_then(|c| st.codes.remove(c)) else {
                return oauth_error("invalid_grant");
            };
            let Some(verifier) = form.get("code_verifier") else {
                return oauth_error("invalid_request");
            };
            let digest = sha2::Sha256::digest(verifier.as_bytes());
            if base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) != challenge {
                return oauth_error("invalid_grant");
            }
            st.pkce_verified += 1;
            Json(issue(&mut st)).into_response()
        }
        Some("refresh_token") => {
            {
                s.lock().unwrap().refresh_calls += 1;
            }
            // slow enough that concurrent callers pile up behind the refresh
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut st = s.lock().unwrap();
            let Some(rt) = form.get("refresh_token") else {
                return oauth_error("invalid_request");
            };
            if !st.refresh_tokens.remove(rt) {
                return oauth_error("invalid_grant");
            }
            Json(issue(&mut st)).into_response()
        }
        _ => oauth_error("unsupported_grant_type"),
    }
}

async fn ping(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let tok = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if s.lock().unwrap().access_tokens.contains(tok) {
        Json(json!({"ok": true})).into_response()
    } else {
        (
            axum::http::StatusCode::UNAUTHORIZED,
            Json(json!({"message": "bad token"})),
        )
            .into_response()
    }
}

async fn start(expires_in: u64) -> (String, Shared) {
    let s: Shared = Arc::new(Mutex::new(Server {
        expires_in,
        ..Server::default()
    }));
    let base = serve(
        Router::new()
            .route("/token", post(token))
            .route("/api/ping", get(ping))
            .with_state(s.clone()),
    )
    .await;
    (base, s)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn flow(base: &str, redirect_port: u16) -> Arc<OAuthFlow> {
    let mut cfg = OAuthConfig::new(
        "client-1",
        Some(SecretString::from("secret-1")),
        &format!("{base}/authorize"),
        &format!("{base}/token"),
        redirect_port,
    )
    .unwrap();
    cfg.scopes = vec!["accounting.transactions".into(), "offline_access".into()];
    Arc::new(OAuthFlow::new(cfg).unwrap())
}

fn vault() -> Arc<MemoryVault> {
    Arc::new(MemoryVault::new(Sealer::from_key(&[42u8; 32])))
}

/// Gives the server a refresh token and the vault an expired grant using it.
async fn seed_expired(server: &Shared, vault: &dyn TokenVault, connection: &str) {
    server
        .lock()
        .unwrap()
        .refresh_tokens
        .insert("refresh-0".into());
    let mut t = TokenSet::new("access-0-expired");
    t.refresh_token = Some(SecretString::from("refresh-0"));
    t.expires_at = Some(chrono::Utc::now() - chrono::Duration::minutes(1));
    t.extra.insert("tenant_id".into(), "tenant-1".into());
    vault.store(connection, &t).await.unwrap();
}

/// The user's approval, as the vendor would record it: the code is bound to
/// the PKCE challenge of the authorization URL.
fn approve(server: &Shared, auth_url: &url::Url, code: &str) -> (String, String) {
    let q: HashMap<String, String> = auth_url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "client-1");
    assert!(q["scope"].contains("offline_access"));
    server
        .lock()
        .unwrap()
        .codes
        .insert(code.to_string(), q["code_challenge"].clone());
    (q["state"].clone(), q["redirect_uri"].clone())
}

struct TenantHook;

#[async_trait]
impl PostConnect for TenantHook {
    async fn after_connect(
        &self,
        ctx: &ConnectContext<'_>,
    ) -> ConnectorResult<BTreeMap<String, String>> {
        assert!(ctx.access_token.expose_secret().starts_with("access-"));
        let mut extra = BTreeMap::new();
        extra.insert("hub_id".into(), ctx.token_fields["hub_id"].to_string());
        extra.insert("realm_id".into(), ctx.callback_params["realmId"].clone());
        Ok(extra)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_over_the_loopback_listener_with_pkce() {
    let (base, server) = start(1800).await;
    let port = free_port();
    let flow = flow(&base, port);
    let vault = vault();
    let pending = flow.authorize();
    let (state, redirect_uri) = approve(&server, pending.url(), "code-1");
    assert_eq!(redirect_uri, format!("http://127.0.0.1:{port}/callback"));

    let listener = RedirectListener::bind(pending.redirect_url())
        .await
        .unwrap();
    let browser = async {
        // the browser also asks for a favicon first: ignored with a 404
        let http = reqwest::Client::new();
        let fav = http
            .get(format!("http://127.0.0.1:{port}/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(fav.status(), 404);
        let r = http
            .get(format!(
                "{redirect_uri}?code=code-1&state={state}&realmId=9130"
            ))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    let (callback, (status, page)) =
        tokio::join!(listener.wait(&pending, Duration::from_secs(10)), browser);
    let callback = callback.unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("connected"));

    let stored = finish_connect(
        &flow,
        pending,
        &callback,
        &TenantHook,
        vault.as_ref(),
        "hubspot-main",
    )
    .await
    .unwrap();
    assert_eq!(
        server.lock().unwrap().pkce_verified,
        1,
        "the verifier was sent and matched"
    );
    assert_eq!(stored.extra["realm_id"], "9130");
    assert_eq!(stored.extra["hub_id"], "62515");
    let back = vault.load("hubspot-main").await.unwrap().unwrap();
    assert_eq!(back.access_token.expose_secret(), "access-1");
    assert_eq!(back.refresh_token.unwrap().expose_secret(), "refresh-1");
    assert!(back.scopes.contains(&"offline_access".to_string()));
    let sealed = vault.sealed_bytes("hubspot-main").unwrap();
    assert!(
        !sealed
            .windows(8)
            .any(|w| w == b"access-1" || w == b"refresh-")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_state_is_refused_in_both_modes() {
    let (base, server) = start(1800).await;
    let port = free_port();
    let flow = flow(&base, port);
    let pending = flow.authorize();
    let (state, redirect_uri) = approve(&server, pending.url(), "code-2");

    let listener = RedirectListener::bind(pending.redirect_url())
        .await
        .unwrap();
    let browser = async {
        let r = reqwest::get(format!("{redirect_uri}?code=code-2&state=forged"))
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    let (outcome, (status, page)) =
        tokio::join!(listener.wait(&pending, Duration::from_secs(10)), browser);
    let e = outcome.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("`state` does not match"), "{e}");
    assert_eq!(status, 400);
    assert!(page.contains("refused"));

    // paste mode: same check
    let e = pending
        .parse_redirect(&format!("{redirect_uri}?code=code-2&state=forged"))
        .unwrap_err();
    assert!(e.message.contains("`state` does not match"), "{e}");
    let e = pending
        .parse_redirect(&format!("{redirect_uri}?code=code-2"))
        .unwrap_err();
    assert!(e.message.contains("no `state`"), "{e}");
    let e = pending
        .parse_redirect(&format!(
            "{redirect_uri}?error=access_denied&error_description=User+said+no&state={state}"
        ))
        .unwrap_err();
    assert_eq!(e.vendor_message.as_deref(), Some("User said no"));
    let ok = pending
        .parse_redirect(&format!("  {redirect_uri}?code=code-2&state={state}\n"))
        .unwrap();
    assert_eq!(ok.code.expose_secret(), "code-2");
    let ok = pending
        .parse_redirect(&format!("code=code-2&state={state}"))
        .unwrap();
    assert_eq!(ok.code.expose_secret(), "code-2");

    // the code with another attempt's verifier: the server refuses (PKCE)
    let other = flow.authorize();
    let e = flow.exchange_code(other, &ok).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("invalid_grant"), "{e}");
    assert_eq!(server.lock().unwrap().pkce_verified, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_requests_on_an_expired_token_make_one_refresh() {
    let (base, server) = start(3600).await;
    let vault = vault();
    seed_expired(&server, vault.as_ref(), "xero-main").await;
    let source = Arc::new(OAuthTokenSource::new(
        flow(&base, 1),
        "xero-main",
        vault.clone(),
    ));
    let client = HttpClient::builder("xero-main", &base, &caps(vec![], None))
        .token_source(source.clone())
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.send_json::<Value>(Call::get("/api/ping")).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap()["ok"], true);
    }
    assert_eq!(server.lock().unwrap().refresh_calls, 1);
    assert_eq!(source.refresh_count(), 1);
    assert_eq!(client.stats().api_calls, 8, "no request hit a 401");
    let stored = vault.load("xero-main").await.unwrap().unwrap();
    assert_eq!(
        stored.refresh_token.unwrap().expose_secret(),
        "refresh-1",
        "rotated token stored"
    );
    assert_eq!(
        stored.extra["tenant_id"], "tenant-1",
        "connect-time values survive a refresh"
    );
    assert_eq!(source.extra().await.unwrap()["tenant_id"], "tenant-1");
}

/// A vault that "dies" right after a store: the store completes, then the
/// caller never gets control back (the test aborts it).
struct DyingVault {
    inner: Arc<MemoryVault>,
    stored: tokio::sync::Notify,
}

#[async_trait]
impl TokenVault for DyingVault {
    async fn load(&self, c: &str) -> Result<Option<TokenSet>, VaultError> {
        self.inner.load(c).await
    }
    async fn store(&self, c: &str, t: &TokenSet) -> Result<(), VaultError> {
        self.inner.store(c, t).await?;
        self.stored.notify_one();
        std::future::pending::<()>().await;
        unreachable!()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_right_after_a_refresh_does_not_lose_the_connection() {
    let (base, server) = start(3600).await;
    let flow = flow(&base, 1);
    let durable = vault();
    seed_expired(&server, durable.as_ref(), "xero-main").await;
    let dying = Arc::new(DyingVault {
        inner: durable.clone(),
        stored: tokio::sync::Notify::new(),
    });
    let doomed = OAuthTokenSource::new(flow.clone(), "xero-main", dying.clone());
    let task = tokio::spawn(async move { doomed.access_token().await });
    dying.stored.notified().await;
    task.abort(); // the process dies before the new access token is used
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(server.lock().unwrap().refresh_calls, 1);

    // the old refresh token is dead at the vendor
    let e = flow
        .refresh(&SecretString::from("refresh-0"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("invalid_grant"), "{e}");

    // a new process, same vault: the rotated refresh token is there and works
    let stored = durable.load("xero-main").await.unwrap().unwrap();
    assert_eq!(
        stored.refresh_token.as_ref().unwrap().expose_secret(),
        "refresh-1"
    );
    let revived = Arc::new(OAuthTokenSource::new(
        flow.clone(),
        "xero-main",
        durable.clone(),
    ));
    let client = HttpClient::builder("xero-main", &base, &caps(vec![], None))
        .token_source(revived.clone())
        .build()
        .unwrap();
    client.send(Call::get("/api/ping")).await.unwrap();
    let current = revived.access_token().await.unwrap();
    assert!(revived.refresh_after_unauthorized(&current).await.unwrap());
    assert_eq!(
        server.lock().unwrap().refresh_calls,
        3,
        "one refresh was with the rotated token"
    );
    let after = durable.load("xero-main").await.unwrap().unwrap();
    assert_eq!(after.refresh_token.unwrap().expose_secret(), "refresh-2");
    client.send(Call::get("/api/ping")).await.unwrap();
}

/// A vault whose first store fails (database briefly down).
struct FlakyVault {
    inner: Arc<MemoryVault>,
    fail_next: AtomicBool,
    stores: AtomicU32,
}

#[async_trait]
impl TokenVault for FlakyVault {
    async fn load(&self, c: &str) -> Result<Option<TokenSet>, VaultError> {
        self.inner.load(c).await
    }
    async fn store(&self, c: &str, t: &TokenSet) -> Result<(), VaultError> {
        self.stores.fetch_add(1, Ordering::SeqCst);
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(VaultError::Storage("database is locked".into()));
        }
        self.inner.store(c, t).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refreshed_token_is_not_used_until_it_is_stored() {
    let (base, server) = start(3600).await;
    let inner = vault();
    seed_expired(&server, inner.as_ref(), "c").await;
    let flaky = Arc::new(FlakyVault {
        inner: inner.clone(),
        fail_next: AtomicBool::new(true),
        stores: AtomicU32::new(0),
    });
    let source = OAuthTokenSource::new(flow(&base, 1), "c", flaky.clone());
    let e = source.access_token().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Retryable, "{e}");
    assert_eq!(
        inner
            .load("c")
            .await
            .unwrap()
            .unwrap()
            .access_token
            .expose_secret(),
        "access-0-expired"
    );
    // next call: stores the kept set first, then hands it out — no second refresh
    let t = source.access_token().await.unwrap();
    assert_eq!(t.expose_secret(), "access-1");
    assert_eq!(server.lock().unwrap().refresh_calls, 1);
    assert_eq!(flaky.stores.load(Ordering::SeqCst), 2);
    assert_eq!(
        inner
            .load("c")
            .await
            .unwrap()
            .unwrap()
            .refresh_token
            .unwrap()
            .expose_secret(),
        "refresh-1"
    );
}

#[tokio::test]
async fn tokens_are_refreshed_ahead_of_expiry_not_before() {
    let (base, server) = start(3600).await;
    let vault = vault();
    server
        .lock()
        .unwrap()
        .refresh_tokens
        .insert("refresh-0".into());
    let mut t = TokenSet::new("access-0");
    t.refresh_token = Some(SecretString::from("refresh-0"));
    t.expires_at = Some(chrono::Utc::now() + chrono::Duration::minutes(10));
    vault.store("c", &t).await.unwrap();
    let source = OAuthTokenSource::new(flow(&base, 1), "c", vault.clone());
    assert_eq!(
        source.access_token().await.unwrap().expose_secret(),
        "access-0"
    );
    assert_eq!(source.refresh_count(), 0);

    // 30 s left, skew 60 s: refreshed before the vendor would refuse it
    t.expires_at = Some(chrono::Utc::now() + chrono::Duration::seconds(30));
    vault.store("c", &t).await.unwrap();
    let source = OAuthTokenSource::new(flow(&base, 1), "c", vault.clone());
    assert_eq!(
        source.access_token().await.unwrap().expose_secret(),
        "access-1"
    );
    assert_eq!(source.refresh_count(), 1);

    // never connected: a clear Auth error naming the command
    let none = OAuthTokenSource::new(flow(&base, 1), "never", vault.clone());
    let e = none.access_token().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert!(e.message.contains("ledgerbridge connect never"), "{e}");
}
