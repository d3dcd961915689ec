//! OAuth2 (authorization code + refresh) on the `oauth2` crate, driven by
//! reqwest 0.13 through oauth2's closure-based `AsyncHttpClient`.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use super::TokenSource;
use super::connect::{Callback, PendingAuthorization};
use crate::vault::{TokenSet, TokenVault};
use crate::{ConnectorError, ConnectorResult, ErrorKind};

/// How the client authenticates itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (Xero,
    /// Pipedrive, QuickBooks; the OAuth2 spec's preferred way).
    #[default]
    BasicAuth,
    /// `client_id` and `client_secret` in the form body (HubSpot, Salesforce).
    RequestBody,
}

/// One vendor app's OAuth2 settings, plus the connection's `redirect_port`
/// and `rate_scale`.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret (`None` for public clients using PKCE alone).
    pub client_secret: Option<SecretString>,
    /// Where the user approves access (`https://login.xero.com/identity/connect/authorize`).
    pub auth_url: Url,
    /// Where codes and refresh tokens are exchanged.
    pub token_url: Url,
    /// The loopback URL registered with the vendor,
    /// `http://127.0.0.1:<redirect_port>/callback` by default.
    pub redirect_url: Url,
    /// Scopes to ask for (include the vendor's offline scope, e.g. Xero
    /// `offline_access`, or there will be no refresh token).
    pub scopes: Vec<String>,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// Vendor-specific parameters of the authorization URL
    /// (Salesforce `prompt=consent`, HubSpot `optional_scope`).
    pub extra_authorize_params: Vec<(String, String)>,
    /// Refresh this long before the vendor's expiry (default 60 s, divided by
    /// `rate_scale`): a token that expires between our check and the vendor's
    /// would cost a 401 and a retry.
    pub refresh_skew: Duration,
    /// The connection's time scale (simulators shorten token lifetimes F times).
    pub rate_scale: f64,
    /// Timeout of one token-endpoint call.
    pub timeout: Duration,
}

impl OAuthConfig {
    /// Settings with the defaults: Basic client auth, a 60 s skew, no scale,
    /// redirect to `http://127.0.0.1:<redirect_port>/callback`.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: Option<SecretString>,
        auth_url: &str,
        token_url: &str,
        redirect_port: u16,
    ) -> ConnectorResult<Self> {
        let parse = |what: &str, u: &str| {
            Url::parse(u).map_err(|e| ConnectorError::config(format!("OAuth {what} {u:?}: {e}")))
        };
        Ok(OAuthConfig {
            client_id: client_id.into(),
            client_secret,
            auth_url: parse("authorization URL", auth_url)?,
            token_url: parse("token URL", token_url)?,
            redirect_url: parse(
                "redirect URL",
                &format!("http://127.0.0.1:{redirect_port}/callback"),
            )?,
            scopes: Vec::new(),
            client_auth: ClientAuth::default(),
            extra_authorize_params: Vec::new(),
            refresh_skew: Duration::from_secs(60),
            rate_scale: 1.0,
            timeout: Duration::from_secs(30),
        })
    }

    /// The skew actually applied: `refresh_skew / rate_scale`.
    pub fn effective_skew(&self) -> Duration {
        let scale = if self.rate_scale.is_finite() && self.rate_scale > 0.0 {
            self.rate_scale
        } else {
            1.0
        };
        self.refresh_skew.div_f64(scale)
    }
}

/// Whatever the token endpoint returned beyond the standard fields
/// (`hub_id`, `instance_url`, `x_refresh_token_expires_in`, `id_token`, …).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct VendorFields {
    #[serde(flatten)]
    fields: BTreeMap<String, serde_json::Value>,
}

impl ExtraTokenFields for VendorFields {}

type VendorTokenResponse = StandardTokenResponse<VendorFields, BasicTokenType>;

type VendorClient = Client<
    BasicErrorResponse,
    VendorTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Tokens fresh from the token endpoint.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// The grant, ready for the vault (`extra` empty: the connect hook or
    /// the previous set fills it).
    pub tokens: TokenSet,
    /// Non-standard fields of the response, for the post-connect hook
    /// (Salesforce `instance_url`, HubSpot `hub_id`). May hold an
    /// `id_token`: do not log.
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Whether the response carried a refresh token (a rotation, on refresh).
    pub rotated: bool,
}

/// The OAuth2 client of one vendor app: authorization URLs, code exchange,
/// refresh. Shared (in an `Arc`) by `connect` and by every
/// [`OAuthTokenSource`] of that vendor.
pub struct OAuthFlow {
    config: OAuthConfig,
    client: VendorClient,
    http: reqwest::Client,
}

impl fmt::Debug for OAuthFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthFlow")
            .field("client_id", &self.config.client_id)
            .field("token_url", &self.config.token_url.as_str())
            .finish_non_exhaustive()
    }
}

impl OAuthFlow {
    /// Builds the client. Its HTTP client never follows redirects: a token
    /// endpoint that redirects could otherwise forward the code, the
    /// verifier and the client secret to another host (oauth2's security note).
    pub fn new(config: OAuthConfig) -> ConnectorResult<Self> {
        let mut client = Client::new(ClientId::new(config.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(config.auth_url.clone()))
            .set_token_uri(TokenUrl::from_url(config.token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(config.redirect_url.clone()))
            .set_auth_type(match config.client_auth {
                ClientAuth::BasicAuth => AuthType::BasicAuth,
                ClientAuth::RequestBody => AuthType::RequestBody,
            });
        if let Some(secret) = &config.client_secret {
            client =
                client.set_client_secret(ClientSecret::new(secret.expose_secret().to_string()));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("ledgerbridge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::config(format!("OAuth HTTP client: {e}")))?;
        Ok(OAuthFlow {
            config,
            client,
            http,
        })
    }

    /// The settings this flow was built from.
    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    /// Starts a connect: the URL to open in a browser, with a random `state`
    /// (CSRF protection: the redirect must bring it back unchanged) and a
    /// PKCE S256 challenge (a stolen code is useless without the verifier,
    /// which never leaves this process).
    pub fn authorize(&self) -> PendingAuthorization {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.config.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge);
        for (k, v) in &self.config.extra_authorize_params {
            req = req.add_extra_param(k.clone(), v.clone());
        }
        let (url, state) = req.url();
        PendingAuthorization::new(
            url,
            state.into_secret(),
            verifier,
            self.config.redirect_url.clone(),
        )
    }

    /// Exchanges the code of a checked redirect for tokens, sending the PKCE
    /// verifier of the same pending authorization.
    pub async fn exchange_code(
        &self,
        pending: PendingAuthorization,
        callback: &Callback,
    ) -> ConnectorResult<IssuedTokens> {
        let verifier = pending.into_verifier();
        let resp = self
            .client
            .exchange_code(AuthorizationCode::new(
                callback.code.expose_secret().to_string(),
            ))
            .set_pkce_verifier(verifier)
            .request_async(&adapter(self.http.clone()))
            .await
            .map_err(|e| token_error(e, "code exchange"))?;
        Ok(issued(resp))
    }

    /// Trades a refresh token for a new access token (and, with rotating
    /// vendors, a new refresh token). Not retried here: with rotation, a
    /// request that reached the server may already have retired the old
    /// refresh token, so blind retries are the caller's decision.
    pub async fn refresh(&self, refresh_token: &SecretString) -> ConnectorResult<IssuedTokens> {
        let rt = RefreshToken::new(refresh_token.expose_secret().to_string());
        let resp = self
            .client
            .exchange_refresh_token(&rt)
            .request_async(&adapter(self.http.clone()))
            .await
            .map_err(|e| token_error(e, "token refresh"))?;
        Ok(issued(resp))
    }
}

fn issued(resp: VendorTokenResponse) -> IssuedTokens {
    let now = Utc::now();
    let expires_at = resp
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .and_then(|d| now.checked_add_signed(d));
    let rotated = resp.refresh_token().is_some();
    IssuedTokens {
        tokens: TokenSet {
            access_token: SecretString::from(resp.access_token().secret().clone()),
            refresh_token: resp
                .refresh_token()
                .map(|r| SecretString::from(r.secret().clone())),
            expires_at,
            scopes: resp
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
            extra: BTreeMap::new(),
        },
        fields: resp.extra_fields().fields.clone(),
        rotated,
    }
}

/// A failure of the token endpoint's transport, already classified.
#[derive(Debug)]
struct TokenHttpError {
    kind: ErrorKind,
    message: String,
}

impl fmt::Display for TokenHttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TokenHttpError {}

type AdapterFuture =
    Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, TokenHttpError>> + Send>>;

/// oauth2 5 ↔ reqwest 0.13 (oauth2 has no client for reqwest 0.13). 5xx and 429 are turned into
/// transport errors here so they come out `Retryable` / `RateLimited`
/// instead of "cannot parse the error body".
fn adapter(client: reqwest::Client) -> impl Fn(oauth2::HttpRequest) -> AdapterFuture {
    move |req| {
        let client = client.clone();
        Box::pin(async move {
            let err = |kind: ErrorKind, message: String| TokenHttpError { kind, message };
            let req = reqwest::Request::try_from(req).map_err(|e| {
                err(
                    ErrorKind::Config,
                    format!("cannot build the token request: {}", e.without_url()),
                )
            })?;
            let resp = client.execute(req).await.map_err(|e| {
                err(
                    ErrorKind::Retryable,
                    format!(
                        "token endpoint unreachable: {}",
                        crate::http::describe_reqwest(&e)
                    ),
                )
            })?;
            let status = resp.status();
            if status.as_u16() == 429 {
                let retry_after =
                    crate::http::retry_after(resp.headers(), std::time::SystemTime::now());
                return Err(err(
                    ErrorKind::RateLimited { retry_after },
                    "token endpoint answered 429".into(),
                ));
            }
            if status.is_server_error() {
                return Err(err(
                    ErrorKind::Retryable,
                    format!("token endpoint answered {status}"),
                ));
            }
            let mut out = ::http::Response::builder().status(status);
            for (k, v) in resp.headers() {
                out = out.header(k, v);
            }
            let body = resp.bytes().await.map_err(|e| {
                err(
                    ErrorKind::Retryable,
                    format!(
                        "token response cut off: {}",
                        crate::http::describe_reqwest(&e)
                    ),
                )
            })?;
            out.body(body.to_vec())
                .map_err(|e| err(ErrorKind::Malformed, format!("token response: {e}")))
        })
    }
}

/// Maps oauth2's error to ours. Never includes a response body: a token
/// response is full of secrets.
fn token_error(
    e: RequestTokenError<TokenHttpError, BasicErrorResponse>,
    what: &str,
) -> ConnectorError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let kind = match r.error() {
                BasicErrorResponseType::Extension(x)
                    if x == "temporarily_unavailable" || x == "server_error" =>
                {
                    ErrorKind::Retryable
                }
                _ => ErrorKind::Auth,
            };
            let mut ce = ConnectorError::new(
                kind,
                format!("{what}: the token endpoint refused: {}", r.error().as_ref()),
            );
            if let Some(d) = r.error_description() {
                ce = ce.with_vendor_message(d.clone());
            }
            ce
        }
        RequestTokenError::Request(h) => {
            ConnectorError::new(h.kind, format!("{what}: {}", h.message))
        }
        RequestTokenError::Parse(e, _body) => ConnectorError::malformed(format!(
            "{what}: unreadable token response (at `{}`)",
            e.path()
        )),
        RequestTokenError::Other(m) => ConnectorError::malformed(format!("{what}: {m}")),
    }
}

/// The token source of an OAuth connection.
///
/// - **Single-flight**: all callers go through one async mutex; the first
///   caller that finds the token (nearly) expired refreshes while the others
///   wait, then they all get the new token. Eight concurrent requests on an
///   expired token cost one refresh call, not eight (with rotating refresh
///   tokens, eight would even invalidate each other).
/// - **Refresh ahead**: a token within [`OAuthConfig::effective_skew`] of its
///   expiry is refreshed before use.
/// - **Store before use**: a refreshed set is written to the vault before
///   its access token is handed out. If the store fails, the set is kept in
///   memory and stored again before any use; the error goes to the caller.
///   A crash after the refresh but before the store would lose the rotated
///   refresh token, so nothing uses the new token until it is durable.
/// - **Vault is the truth**: before refreshing, the vault is re-read; if
///   another process already refreshed, its tokens are adopted.
pub struct OAuthTokenSource {
    flow: Arc<OAuthFlow>,
    connection: String,
    vault: Arc<dyn TokenVault>,
    state: tokio::sync::Mutex<State>,
    refreshes: AtomicU64,
}

#[derive(Default)]
struct State {
    tokens: Option<TokenSet>,
    /// `tokens` came from a refresh whose vault store failed.
    unsaved: bool,
}

impl fmt::Debug for OAuthTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthTokenSource")
            .field("connection", &self.connection)
            .field("refreshes", &self.refresh_count())
            .finish_non_exhaustive()
    }
}

impl OAuthTokenSource {
    /// A source for `connection`, whose tokens are in `vault` (put there by
    /// [`finish_connect`](super::finish_connect)). Nothing is loaded until
    /// the first call.
    pub fn new(
        flow: Arc<OAuthFlow>,
        connection: impl Into<String>,
        vault: Arc<dyn TokenVault>,
    ) -> Self {
        OAuthTokenSource {
            flow,
            connection: connection.into(),
            vault,
            state: tokio::sync::Mutex::new(State::default()),
            refreshes: AtomicU64::new(0),
        }
    }

    /// The connection name.
    pub fn connection(&self) -> &str {
        &self.connection
    }

    /// Refresh calls made by this source (for metrics and tests).
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// The values stored with the grant (`tenant_id`, `realm_id`, …) —
    /// connectors read their tenant header from here.
    pub async fn extra(&self) -> ConnectorResult<BTreeMap<String, String>> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        Ok(st
            .tokens
            .as_ref()
            .map(|t| t.extra.clone())
            .unwrap_or_default())
    }

    async fn ensure_loaded(&self, st: &mut State) -> ConnectorResult<()> {
        if st.tokens.is_none() {
            st.tokens = self.vault.load(&self.connection).await?;
            if st.tokens.is_none() {
                return Err(ConnectorError::new(
                    ErrorKind::Auth,
                    format!(
                        "connection {:?} has no OAuth tokens; run `ledgerbridge connect {}`",
                        self.connection, self.connection
                    ),
                ));
            }
        }
        Ok(())
    }

    async fn ensure_saved(&self, st: &mut State) -> ConnectorResult<()> {
        if st.unsaved
            && let Some(t) = &st.tokens
        {
            self.vault.store(&self.connection, t).await?;
            st.unsaved = false;
        }
        Ok(())
    }

    /// Adopts the vault's tokens when they differ from ours (another process
    /// refreshed). Returns whether it did.
    async fn adopt_vault(&self, st: &mut State) -> ConnectorResult<bool> {
        let Some(stored) = self.vault.load(&self.connection).await? else {
            return Ok(false);
        };
        let differs = st.tokens.as_ref().is_none_or(|t| {
            !super::ct_eq(
                t.access_token.expose_secret().as_bytes(),
                stored.access_token.expose_secret().as_bytes(),
            )
        });
        if differs {
            st.tokens = Some(stored);
        }
        Ok(differs)
    }

    async fn refresh_locked(&self, st: &mut State) -> ConnectorResult<SecretString> {
        let current = st
            .tokens
            .clone()
            .ok_or_else(|| ConnectorError::new(ErrorKind::Auth, "no tokens loaded"))?;
        let Some(rt) = current.refresh_token.clone() else {
            return Err(ConnectorError::new(
                ErrorKind::Auth,
                format!(
                    "the access token of connection {:?} expired and there is no refresh token \
                     (was the offline scope granted?); run `ledgerbridge connect {}`",
                    self.connection, self.connection
                ),
            ));
        };
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        tracing::info!(connection = %self.connection, "refreshing OAuth access token");
        let issued = self.flow.refresh(&rt).await.map_err(|mut e| {
            if e.kind == ErrorKind::Auth {
                e.message = format!(
                    "{} (connection {:?}: run `ledgerbridge connect {}`)",
                    e.message, self.connection, self.connection
                );
            }
            e
        })?;
        let mut next = issued.tokens;
        if next.refresh_token.is_none() {
            next.refresh_token = current.refresh_token.clone();
        }
        if next.scopes.is_empty() {
            next.scopes = current.scopes.clone();
        }
        next.extra = current.extra.clone();
        let access = next.access_token.clone();
        // keep the new set even if the store fails: the old refresh token may
        // already be dead at the vendor, so dropping it would lose the connection
        st.tokens = Some(next);
        st.unsaved = true;
        self.ensure_saved(st).await.map_err(|e| {
            tracing::warn!(connection = %self.connection, error = %e, "refreshed tokens not stored yet; not using them");
            e
        })?;
        Ok(access)
    }
}

#[async_trait]
impl TokenSource for OAuthTokenSource {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        self.ensure_saved(&mut st).await?;
        let skew = self.flow.config.effective_skew();
        let fresh = |st: &State| {
            st.tokens
                .as_ref()
                .filter(|t| !t.expires_within(Utc::now(), skew))
                .map(|t| t.access_token.clone())
        };
        if let Some(t) = fresh(&st) {
            return Ok(t);
        }
        if self.adopt_vault(&mut st).await?
            && let Some(t) = fresh(&st)
        {
            return Ok(t);
        }
        let no_refresh = st
            .tokens
            .as_ref()
            .is_some_and(|t| t.refresh_token.is_none());
        if no_refresh
            && let Some(t) = st
                .tokens
                .as_ref()
                .filter(|t| !t.expires_within(Utc::now(), Duration::ZERO))
        {
            // nothing to refresh with, but it still works for a moment
            return Ok(t.access_token.clone());
        }
        self.refresh_locked(&mut st).await
    }

    async fn refresh_after_unauthorized(&self, stale: &SecretString) -> ConnectorResult<bool> {
        let mut st = self.state.lock().await;
        self.ensure_loaded(&mut st).await?;
        self.ensure_saved(&mut st).await?;
        let is_stale = |st: &State| {
            st.tokens.as_ref().is_some_and(|t| {
                super::ct_eq(
                    t.access_token.expose_secret().as_bytes(),
                    stale.expose_secret().as_bytes(),
                )
            })
        };
        if !is_stale(&st) {
            return Ok(true); // a concurrent caller already refreshed
        }
        self.adopt_vault(&mut st).await?;
        if !is_stale(&st) {
            return Ok(true);
        }
        if st
            .tokens
            .as_ref()
            .is_some_and(|t| t.refresh_token.is_none())
        {
            return Ok(false);
        }
        self.refresh_locked(&mut st).await?;
        Ok(true)
    }
}
