//! Who a call is from. Pipedrive takes an API token in the `x-api-token`
//! header (the spec's scheme) or, as older clients still send it, in the
//! `api_token` query parameter; OAuth apps send `Authorization: Bearer`.
//! The kind matters beyond the check: the burst limit differs, and the
//! POST/PUT fair-use counter applies to API-token calls only.

use axum::http::HeaderMap;

/// The credential a call presented.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    /// `x-api-token` header or `api_token` query parameter.
    ApiToken(String),
    /// `Authorization: Bearer <access token>`.
    Bearer(String),
}

impl Credential {
    /// The credential of a request, header before query parameter before bearer.
    pub fn of(headers: &HeaderMap, query: Option<&str>) -> Option<Credential> {
        if let Some(t) = headers.get("x-api-token").and_then(|v| v.to_str().ok()) {
            let t = t.trim();
            if !t.is_empty() {
                return Some(Credential::ApiToken(t.to_string()));
            }
        }
        if let Some(q) = query {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                if k == "api_token" && !v.is_empty() {
                    return Some(Credential::ApiToken(v.into_owned()));
                }
            }
        }
        let auth = headers.get("authorization")?.to_str().ok()?;
        let (scheme, token) = auth.split_once(' ')?;
        (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .then(|| Credential::Bearer(token.trim().to_string()))
    }

    pub fn token(&self) -> &str {
        match self {
            Credential::ApiToken(t) | Credential::Bearer(t) => t,
        }
    }

    pub fn is_api_token(&self) -> bool {
        matches!(self, Credential::ApiToken(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_header_query_and_bearer() {
        let mut h = HeaderMap::new();
        assert_eq!(
            Credential::of(&h, Some("limit=5&api_token=abc")),
            Some(Credential::ApiToken("abc".into()))
        );
        h.insert("authorization", "Bearer xyz".parse().unwrap());
        assert_eq!(
            Credential::of(&h, None),
            Some(Credential::Bearer("xyz".into()))
        );
        h.insert("x-api-token", "hdr".parse().unwrap());
        assert_eq!(
            Credential::of(&h, Some("api_token=abc")),
            Some(Credential::ApiToken("hdr".into()))
        );
        assert_eq!(Credential::of(&HeaderMap::new(), Some("limit=1")), None);
    }
}
