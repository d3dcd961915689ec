//! The HTTP side of the simulators' OAuth authorization server: an authorize
//! page that consents at once (so a connect flow can be tested headless), a
//! token endpoint for `authorization_code` and `refresh_token` grants with
//! the client's credentials in the form body or in HTTP Basic, and RFC 7009
//! revocation. The vendor mounts the handlers on its own paths and supplies
//! its wire details through [`OAuthWire`]: the token response's fields, the
//! error body, extra redirect parameters, the redirect status.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::tokens::{Challenge, Code, Grant, Issued, TokenStore};

/// How strict the token endpoint is about clients, per vendor.
#[derive(Debug, Clone)]
pub struct ClientRules {
    /// Credentials accepted as `Authorization: Basic`.
    pub basic: bool,
    /// Credentials accepted as `client_id`/`client_secret` form fields.
    pub body: bool,
    /// A code exchange must carry a client secret; when false a public
    /// client (PKCE) passes with its `client_id` alone.
    pub secret_for_code: bool,
    /// The client of a code or refresh token must be the one presenting it.
    pub client_must_match: bool,
    /// The code exchange must repeat the authorize request's `redirect_uri`
    /// (when given, it must match either way).
    pub redirect_uri_required: bool,
    /// The scope of an authorize request that names none.
    pub default_scope: &'static str,
}

impl Default for ClientRules {
    fn default() -> Self {
        ClientRules {
            basic: true,
            body: true,
            secret_for_code: true,
            client_must_match: true,
            redirect_uri_required: true,
            default_scope: "",
        }
    }
}

/// Why an authorize or token request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    /// A required parameter is missing or malformed (named).
    InvalidRequest(&'static str),
    /// No client credentials, or not those of the code's or token's client.
    InvalidClient,
    /// Unknown, used or expired authorization code.
    UnknownCode,
    /// `code_verifier` does not answer the `code_challenge`.
    PkceMismatch,
    /// `redirect_uri` differs from the authorize request's.
    RedirectMismatch,
    /// Unknown, spent, revoked or expired refresh token.
    UnknownRefreshToken,
    UnsupportedGrantType,
    UnsupportedResponseType,
}

impl OAuthError {
    /// The RFC 6749 `error` code.
    pub fn code(self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::UnknownCode
            | OAuthError::PkceMismatch
            | OAuthError::RedirectMismatch
            | OAuthError::UnknownRefreshToken => "invalid_grant",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::UnsupportedResponseType => "unsupported_response_type",
        }
    }

    pub fn description(self) -> String {
        match self {
            OAuthError::InvalidRequest(what) => format!("missing or invalid {what}"),
            OAuthError::InvalidClient => "missing or unknown client id or secret".into(),
            OAuthError::UnknownCode => "missing or unknown auth code".into(),
            OAuthError::PkceMismatch => "code_verifier does not match the code_challenge".into(),
            OAuthError::RedirectMismatch => {
                "redirect_uri does not match the authorize request".into()
            }
            OAuthError::UnknownRefreshToken => "missing or unknown refresh token".into(),
            OAuthError::UnsupportedGrantType => {
                "grant_type must be authorization_code or refresh_token".into()
            }
            OAuthError::UnsupportedResponseType => "response_type must be code".into(),
        }
    }
}

/// What a vendor's simulator supplies to the OAuth handlers.
pub trait OAuthWire: Send + Sync + 'static {
    fn tokens(&self) -> &TokenStore;

    fn client_rules(&self) -> ClientRules {
        ClientRules::default()
    }

    /// The status of the authorize redirect (302 Found unless the vendor
    /// answers 303 See Other).
    fn authorize_status(&self) -> StatusCode {
        StatusCode::FOUND
    }

    /// Parameters the vendor adds to the redirect besides `code` and `state`
    /// (QuickBooks' `realmId`).
    fn redirect_extras(&self, _code: &Code) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The token response body. The default is RFC 6749's fields.
    fn token_body(&self, issued: &Issued) -> Value {
        standard_token_body(issued)
    }

    /// The body of a refused token request. The default is RFC 6749's.
    fn token_error(&self, e: OAuthError) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.code(), "error_description": e.description()})),
        )
            .into_response()
    }

    /// A refused authorize request (a browser would show an error page).
    fn authorize_error(&self, e: OAuthError) -> Response {
        (
            StatusCode::BAD_REQUEST,
            format!("{}: {}", e.code(), e.description()),
        )
            .into_response()
    }
}

/// RFC 6749's token response: `access_token`, `token_type`, `expires_in`,
/// `refresh_token`, `scope`.
pub fn standard_token_body(issued: &Issued) -> Value {
    json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in.as_secs().max(1),
        "refresh_token": issued.refresh_token,
        "scope": issued.scope,
    })
}

/// The client credentials of a token request.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ClientCredentials {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl ClientCredentials {
    /// From `Authorization: Basic` and/or the form, as the rules allow.
    pub fn from_request(
        rules: &ClientRules,
        headers: &HeaderMap,
        form: &HashMap<String, String>,
    ) -> ClientCredentials {
        if rules.basic
            && let Some((id, secret)) = basic_credentials(headers)
        {
            return ClientCredentials {
                client_id: Some(id),
                client_secret: Some(secret),
            };
        }
        if rules.body {
            return ClientCredentials {
                client_id: form.get("client_id").cloned(),
                client_secret: form.get("client_secret").cloned(),
            };
        }
        ClientCredentials::default()
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map_or_else(|| s.to_string(), |(_, v)| v.into_owned())
    };
    Some((dec(id), dec(secret)))
}

/// A token request, decided: the grant checks in RFC 6749's order.
pub fn exchange(
    tokens: &TokenStore,
    rules: &ClientRules,
    client: &ClientCredentials,
    form: &HashMap<String, String>,
) -> Result<Issued, OAuthError> {
    let get = |k: &str| form.get(k).map(String::as_str);
    let grant_type = get("grant_type");
    if !matches!(grant_type, Some("authorization_code" | "refresh_token")) {
        return Err(OAuthError::UnsupportedGrantType);
    }
    let Some(client_id) = client.client_id.as_deref() else {
        return Err(OAuthError::InvalidClient);
    };
    let matches_client = |owner: &str| !rules.client_must_match || owner == client_id;
    if grant_type == Some("refresh_token") {
        let token = get("refresh_token").unwrap_or_default();
        let grant = tokens
            .refresh_grant(token)
            .ok_or(OAuthError::UnknownRefreshToken)?;
        if !matches_client(&grant.client_id) {
            return Err(OAuthError::InvalidClient);
        }
        return tokens.refresh(token).ok_or(OAuthError::UnknownRefreshToken);
    }
    // a code is single use: it is gone even if the exchange fails below
    let code = get("code")
        .and_then(|c| tokens.take_code(c))
        .ok_or(OAuthError::UnknownCode)?;
    if !matches_client(&code.client_id) {
        return Err(OAuthError::InvalidClient);
    }
    if rules.secret_for_code && client.client_secret.is_none() {
        return Err(OAuthError::InvalidClient);
    }
    match get("redirect_uri") {
        Some(r) if r != code.redirect_uri => return Err(OAuthError::RedirectMismatch),
        None if rules.redirect_uri_required => return Err(OAuthError::RedirectMismatch),
        _ => {}
    }
    if let Some(ch) = &code.challenge
        && !ch.verifies(get("code_verifier"))
    {
        return Err(OAuthError::PkceMismatch);
    }
    Ok(tokens.issue(Grant {
        client_id: code.client_id,
        scope: code.scope,
    }))
}

fn form_of(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// `GET <authorize>`: consents at once and redirects to `redirect_uri` with
/// `code`, `state` and the vendor's extras.
pub async fn authorize<V: OAuthWire>(
    State(v): State<Arc<V>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("response_type").is_some_and(|t| t != "code") {
        return v.authorize_error(OAuthError::UnsupportedResponseType);
    }
    let Some(client_id) = q.get("client_id") else {
        return v.authorize_error(OAuthError::InvalidRequest("client_id"));
    };
    let Some(Ok(mut target)) = q.get("redirect_uri").map(|r| url::Url::parse(r)) else {
        return v.authorize_error(OAuthError::InvalidRequest("redirect_uri"));
    };
    let rules = v.client_rules();
    let code = Code {
        client_id: client_id.clone(),
        redirect_uri: q["redirect_uri"].clone(),
        scope: q
            .get("scope")
            .cloned()
            .unwrap_or_else(|| rules.default_scope.to_string()),
        challenge: q.get("code_challenge").map(|c| Challenge {
            challenge: c.clone(),
            method: q
                .get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "plain".into()),
        }),
    };
    let extras = v.redirect_extras(&code);
    let value = v.tokens().new_code(code);
    {
        let mut qp = target.query_pairs_mut();
        qp.append_pair("code", &value);
        if let Some(s) = q.get("state") {
            qp.append_pair("state", s);
        }
        for (k, val) in &extras {
            qp.append_pair(k, val);
        }
    }
    let mut r = v.authorize_status().into_response();
    if let Ok(loc) = HeaderValue::from_str(target.as_str()) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    r
}

/// `POST <token>` (form-encoded): `authorization_code` and `refresh_token`.
pub async fn token<V: OAuthWire>(
    State(v): State<Arc<V>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let form = form_of(&body);
    let rules = v.client_rules();
    let client = ClientCredentials::from_request(&rules, &headers, &form);
    match exchange(v.tokens(), &rules, &client, &form) {
        Ok(issued) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(v.token_body(&issued)),
        )
            .into_response(),
        Err(e) => v.token_error(e),
    }
}

/// `POST <revoke>` (RFC 7009, form `token=`): 200 whether or not the token
/// was known, as the RFC asks; a request without client credentials is
/// refused.
pub async fn revoke<V: OAuthWire>(
    State(v): State<Arc<V>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let form = form_of(&body);
    let client = ClientCredentials::from_request(&v.client_rules(), &headers, &form);
    if client.client_id.is_none() {
        return v.token_error(OAuthError::InvalidClient);
    }
    let Some(token) = form.get("token") else {
        return v.token_error(OAuthError::InvalidRequest("token"));
    };
    v.tokens().revoke(token);
    StatusCode::OK.into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::SimOptions;
    use super::super::tokens::{Rotation, TokenRules};
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn creds(id: &str, secret: Option<&str>) -> ClientCredentials {
        ClientCredentials {
            client_id: Some(id.into()),
            client_secret: secret.map(Into::into),
        }
    }

    fn store() -> TokenStore {
        TokenStore::new(
            &SimOptions::default(),
            TokenRules {
                access_lifetime: Duration::from_secs(60),
                rotation: Rotation::EveryRefresh,
                ..TokenRules::default()
            },
        )
    }

    fn code(s: &TokenStore) -> String {
        s.new_code(Code {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            scope: "read".into(),
            challenge: None,
        })
    }

    #[test]
    fn a_code_is_single_use_and_checks_client_and_redirect() {
        let s = store();
        let rules = ClientRules::default();
        let c = code(&s);
        let f = form(&[("grant_type", "authorization_code"), ("code", &c)]);
        assert_eq!(
            exchange(&s, &rules, &creds("app", Some("x")), &f).unwrap_err(),
            OAuthError::RedirectMismatch
        );
        let f = form(&[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", "http://127.0.0.1:1/cb"),
        ]);
        assert_eq!(
            exchange(&s, &rules, &creds("app", Some("x")), &f).unwrap_err(),
            OAuthError::UnknownCode,
            "the failed exchange used the code up"
        );
        let c = code(&s);
        let f = form(&[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", "http://127.0.0.1:1/cb"),
        ]);
        assert_eq!(
            exchange(&s, &rules, &creds("other", Some("x")), &f).unwrap_err(),
            OAuthError::InvalidClient
        );
        let c = code(&s);
        let f = form(&[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", "http://127.0.0.1:1/cb"),
        ]);
        let t = exchange(&s, &rules, &creds("app", Some("x")), &f).unwrap();
        assert_eq!(t.scope, "read");
        let f = form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t.refresh_token),
        ]);
        assert!(exchange(&s, &rules, &creds("app", None), &f).is_ok());
        assert_eq!(
            exchange(&s, &rules, &creds("app", None), &f).unwrap_err(),
            OAuthError::UnknownRefreshToken
        );
        let f = form(&[("grant_type", "password")]);
        assert_eq!(
            exchange(&s, &rules, &creds("app", None), &f).unwrap_err(),
            OAuthError::UnsupportedGrantType
        );
    }

    #[test]
    fn basic_credentials_are_read_when_allowed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic aWQ6c2VjcmV0"),
        );
        let rules = ClientRules::default();
        let c = ClientCredentials::from_request(&rules, &h, &HashMap::new());
        assert_eq!(c, creds("id", Some("secret")));
        let body_only = ClientRules {
            basic: false,
            ..ClientRules::default()
        };
        let c = ClientCredentials::from_request(&body_only, &h, &form(&[("client_id", "b")]));
        assert_eq!(c, creds("b", None));
    }
}
