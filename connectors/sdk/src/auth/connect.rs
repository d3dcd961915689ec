//! Building blocks of `ledgerbridge connect <connection>`.
//!
//! The engine's CLI strings them together:
//!
//! ```text
//! let pending = flow.authorize();                       // URL + state + PKCE
//! let listener = RedirectListener::bind(pending.redirect_url()).await?;   // loopback mode
//! println!("open {}", pending.url());
//! let callback = listener.wait(&pending, timeout).await?;                 // or:
//! let callback = pending.parse_redirect(&pasted_line)?;                   // paste mode
//! let tokens = finish_connect(&flow, pending, &callback, &hook, &*vault, name).await?;
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use async_trait::async_trait;
use oauth2::PkceCodeVerifier;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::OAuthFlow;
use crate::vault::{TokenSet, TokenVault};
use crate::{ConnectorError, ConnectorResult, ErrorKind};

/// A started authorization: the URL for the user, and the `state` and PKCE
/// verifier the redirect and the code exchange are checked against. Lives
/// only in memory, for the minutes a connect takes.
pub struct PendingAuthorization {
    url: Url,
    state: SecretString,
    verifier: PkceCodeVerifier,
    redirect_url: Url,
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("redirect_url", &self.redirect_url.as_str())
            .finish_non_exhaustive()
    }
}

/// What the vendor's redirect brought back, after the `state` check.
#[derive(Debug, Clone)]
pub struct Callback {
    /// The authorization code (single use, short-lived, still a secret).
    pub code: SecretString,
    /// Every other query parameter (QuickBooks sends `realmId` here).
    pub params: BTreeMap<String, String>,
}

impl PendingAuthorization {
    pub(super) fn new(
        url: Url,
        state: String,
        verifier: PkceCodeVerifier,
        redirect_url: Url,
    ) -> Self {
        PendingAuthorization {
            url,
            state: SecretString::from(state),
            verifier,
            redirect_url,
        }
    }

    /// The URL to open in a browser.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Where the vendor will redirect (the loopback listener's address).
    pub fn redirect_url(&self) -> &Url {
        &self.redirect_url
    }

    pub(super) fn into_verifier(self) -> PkceCodeVerifier {
        self.verifier
    }

    /// Paste mode, for servers without a browser: the user approves on
    /// another machine, the browser fails to reach the loopback address, and
    /// the user pastes the URL from the address bar. Accepts the full URL or
    /// just its query (`code=…&state=…`). The `state` must match.
    pub fn parse_redirect(&self, pasted: &str) -> ConnectorResult<Callback> {
        let p = pasted.trim();
        let query = if p.starts_with("http://") || p.starts_with("https://") {
            let u = Url::parse(p).map_err(|e| {
                ConnectorError::config(format!("the pasted text is not a valid URL: {e}"))
            })?;
            u.query().unwrap_or_default().to_string()
        } else {
            p.trim_start_matches('?').to_string()
        };
        self.check_query(&query)
    }

    /// Checks a redirect's query: an `error` from the vendor, the `state`
    /// (constant-time), the presence of a `code`.
    fn check_query(&self, query: &str) -> ConnectorResult<Callback> {
        let mut params: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if let Some(err) = params.get("error") {
            let mut e = ConnectorError::new(
                ErrorKind::Auth,
                format!("authorization was not granted: {err}"),
            );
            if let Some(d) = params.get("error_description") {
                e = e.with_vendor_message(d.clone());
            }
            return Err(e);
        }
        let state = params.remove("state").ok_or_else(|| {
            ConnectorError::new(
                ErrorKind::Auth,
                "the redirect carries no `state`; refusing it (start `ledgerbridge connect` again)",
            )
        })?;
        if !super::ct_eq(state.as_bytes(), self.state.expose_secret().as_bytes()) {
            return Err(ConnectorError::new(
                ErrorKind::Auth,
                "the redirect's `state` does not match this connect attempt; refusing it \
                 (a stale browser tab, or a forged redirect). Start `ledgerbridge connect` again",
            ));
        }
        let code = params
            .remove("code")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                ConnectorError::new(
                    ErrorKind::Auth,
                    "the redirect carries no authorization `code`",
                )
            })?;
        Ok(Callback {
            code: SecretString::from(code),
            params,
        })
    }
}

/// The loopback redirect listener (`127.0.0.1:<redirect_port>`).
///
/// Bind it before showing the URL, so a port already in use is reported
/// before the user approves anything. It answers the browser with a short
/// page and serves exactly one authorization; requests for other paths
/// (`/favicon.ico`) get a 404 and are otherwise ignored.
#[derive(Debug)]
pub struct RedirectListener {
    listener: TcpListener,
    path: String,
}

impl RedirectListener {
    /// Binds the host and port of `redirect_url` (loopback only: listening on
    /// a public interface would let anyone on the network deliver a code).
    pub async fn bind(redirect_url: &Url) -> ConnectorResult<Self> {
        let host = redirect_url.host_str().unwrap_or_default();
        let ip = match host {
            "127.0.0.1" | "localhost" => "127.0.0.1",
            "[::1]" | "::1" => "::1",
            _ => {
                return Err(ConnectorError::config(format!(
                    "the redirect URL {redirect_url} is not a loopback address; use paste mode"
                )));
            }
        };
        let port = redirect_url.port_or_known_default().unwrap_or(80);
        let listener = TcpListener::bind((ip, port)).await.map_err(|e| {
            ConnectorError::config(format!(
                "cannot listen on {ip}:{port} for the OAuth redirect ({e}); \
                 free the port, change `redirect_port`, or use paste mode"
            ))
        })?;
        Ok(RedirectListener {
            listener,
            path: redirect_url.path().to_string(),
        })
    }

    /// The bound address (useful with port 0 in tests).
    pub fn local_addr(&self) -> ConnectorResult<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| ConnectorError::config(format!("listener address: {e}")))
    }

    /// Waits for the redirect of `pending` and checks it. A wrong `state` or
    /// a vendor `error` ends the wait with an `Auth` error (and the browser
    /// is told so); no answer within `timeout` is a `Config` error.
    pub async fn wait(
        self,
        pending: &PendingAuthorization,
        timeout: Duration,
    ) -> ConnectorResult<Callback> {
        let run = async {
            loop {
                let (mut stream, _) = self.listener.accept().await.map_err(|e| {
                    ConnectorError::config(format!("OAuth redirect listener failed: {e}"))
                })?;
                let Some(target) = read_request_target(&mut stream).await else {
                    continue;
                };
                let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
                if path != self.path {
                    respond(&mut stream, "404 Not Found", "Not found.").await;
                    continue;
                }
                let outcome = pending.check_query(query);
                match &outcome {
                    Ok(_) => {
                        respond(
                            &mut stream,
                            "200 OK",
                            "ledgerbridge is connected. You can close this tab.",
                        )
                        .await
                    }
                    Err(e) => {
                        respond(
                            &mut stream,
                            "400 Bad Request",
                            &format!(
                                "ledgerbridge refused this redirect: {}",
                                html_escape(&e.to_string())
                            ),
                        )
                        .await
                    }
                }
                return outcome;
            }
        };
        tokio::time::timeout(timeout, run)
            .await
            .unwrap_or_else(|_| {
                Err(ConnectorError::config(format!(
                    "no OAuth redirect arrived within {}s; try again or use paste mode",
                    timeout.as_secs()
                )))
            })
    }
}

/// Reads an HTTP/1 request head (≤ 16 KiB) and returns its target.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() > 16 * 1024 {
            return None;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    (method == "GET").then(|| target.to_string())
}

async fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ledgerbridge</title></head>\
         <body><p>{text}</p></body></html>"
    );
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What a post-connect hook gets to look at.
#[derive(Debug)]
pub struct ConnectContext<'a> {
    /// The connection being connected.
    pub connection: &'a str,
    /// The new access token, for calls like Xero's `GET /connections`.
    pub access_token: &'a SecretString,
    /// Non-standard fields of the token response (`instance_url`, `hub_id`).
    pub token_fields: &'a BTreeMap<String, serde_json::Value>,
    /// Extra redirect parameters (`realmId`).
    pub callback_params: &'a BTreeMap<String, String>,
}

/// A connector's vendor-specific step after the code exchange, e.g. Xero's
/// tenant selection (`GET /connections`, pick one), QuickBooks' `realmId`
/// from the redirect, Salesforce's `instance_url` from the token response.
/// The returned values are stored with the tokens ([`TokenSet::extra`]).
#[async_trait]
pub trait PostConnect: Send + Sync {
    /// Runs once per connect, before the tokens are stored; an error aborts
    /// the connect and nothing is stored.
    async fn after_connect(
        &self,
        ctx: &ConnectContext<'_>,
    ) -> ConnectorResult<BTreeMap<String, String>>;
}

/// For vendors with nothing to add.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPostConnect;

#[async_trait]
impl PostConnect for NoPostConnect {
    async fn after_connect(
        &self,
        _ctx: &ConnectContext<'_>,
    ) -> ConnectorResult<BTreeMap<String, String>> {
        Ok(BTreeMap::new())
    }
}

/// Exchanges the code (with the PKCE verifier), runs the connector's hook,
/// and stores the tokens with the hook's values in the vault. Returns what
/// was stored.
pub async fn finish_connect(
    flow: &OAuthFlow,
    pending: PendingAuthorization,
    callback: &Callback,
    hook: &dyn PostConnect,
    vault: &dyn TokenVault,
    connection: &str,
) -> ConnectorResult<TokenSet> {
    let issued = flow.exchange_code(pending, callback).await?;
    let mut tokens = issued.tokens;
    if tokens.scopes.is_empty() {
        tokens.scopes = flow.config().scopes.clone();
    }
    let extra = hook
        .after_connect(&ConnectContext {
            connection,
            access_token: &tokens.access_token,
            token_fields: &issued.fields,
            callback_params: &callback.params,
        })
        .await?;
    tokens.extra.extend(extra);
    vault.store(connection, &tokens).await?;
    tracing::info!(connection, scopes = ?tokens.scopes, "connection authorized and tokens stored");
    Ok(tokens)
}
