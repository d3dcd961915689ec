//! One vendor call, described before it is sent (so it can be re-sent).

use ::http::{HeaderMap, Method, StatusCode};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ConnectorError;

/// A request to a vendor, built by a connector and sent by
/// [`HttpClient`](super::HttpClient).
///
/// The body is serialized up front into bytes, so a retry re-sends exactly
/// the same request. The path template (`/crm/v3/objects/{type}/{id}`) is
/// what spans and metrics show: concrete ids are customer data and would
/// explode metric cardinality.
///
/// Retry safety is explicit: GET and HEAD are retried; a write only when
/// marked [`Call::idempotent`] or given a vendor idempotency key
/// ([`Call::idempotency_key`], [`Call::idempotency_query`]). Method names
/// lie too often (Xero's `PUT /Invoices` creates) to infer it from them.
#[derive(Debug, Clone)]
pub struct Call {
    pub(crate) method: Method,
    pub(crate) template: String,
    pub(crate) path: String,
    pub(crate) url: Option<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<(Bytes, &'static str)>,
    pub(crate) idempotent: bool,
    pub(crate) tenant: Option<String>,
    pub(crate) accept: Vec<StatusCode>,
    pub(crate) build_error: Option<String>,
}

impl Call {
    /// A call to `template`, a path relative to the client's base URL with
    /// `{name}` placeholders filled by [`Call::param`].
    pub fn new(method: Method, template: impl Into<String>) -> Self {
        let template = template.into();
        let idempotent = method == Method::GET || method == Method::HEAD;
        Call {
            method,
            path: template.clone(),
            template,
            url: None,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotent,
            tenant: None,
            accept: Vec::new(),
            build_error: None,
        }
    }

    /// `GET template` (retried on transient failures).
    pub fn get(template: impl Into<String>) -> Self {
        Call::new(Method::GET, template)
    }

    /// `POST template` (not retried once it may have reached the server,
    /// unless marked idempotent).
    pub fn post(template: impl Into<String>) -> Self {
        Call::new(Method::POST, template)
    }

    /// `PUT template` (not retried unless marked idempotent).
    pub fn put(template: impl Into<String>) -> Self {
        Call::new(Method::PUT, template)
    }

    /// `PATCH template` (not retried unless marked idempotent).
    pub fn patch(template: impl Into<String>) -> Self {
        Call::new(Method::PATCH, template)
    }

    /// `DELETE template` (not retried unless marked idempotent).
    pub fn delete(template: impl Into<String>) -> Self {
        Call::new(Method::DELETE, template)
    }

    /// Fills `{name}` in the path with `value`, percent-encoded as one path
    /// segment (an id containing `/` cannot change the endpoint).
    #[must_use]
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.path = self
            .path
            .replace(&format!("{{{name}}}"), &encode_segment(value));
        self
    }

    /// Sends to this URL instead of base URL + path, keeping the template
    /// for logs: for vendors' "next page" links (HubSpot `paging.next.link`,
    /// Salesforce `nextRecordsUrl`). A relative URL is joined to the base;
    /// an absolute one must have the base URL's origin, so a vendor link can
    /// never make us send our token to another host.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Adds a query parameter (encoded by the client).
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header (validated when sent: an invalid one is a `Config` error).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A JSON body. A value that cannot be serialized becomes a `Config`
    /// error when the call is sent, not a panic here.
    #[must_use]
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(b) => self.body = Some((Bytes::from(b), "application/json")),
            Err(e) => self.build_error = Some(format!("cannot encode the JSON body: {e}")),
        }
        self
    }

    /// A form-encoded body.
    #[must_use]
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = Some((Bytes::from(body), "application/x-www-form-urlencoded"));
        self
    }

    /// A raw body with its content type.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some((body.into(), content_type));
        self
    }

    /// Declares the call safe to repeat (an upsert by unique property, a
    /// PUT that replaces): it may then be retried even after it may have
    /// reached the vendor.
    #[must_use]
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Sends the vendor's idempotency header (Xero `Idempotency-Key`) and
    /// thereby makes the call safe to retry: the vendor de-duplicates it.
    #[must_use]
    pub fn idempotency_key(self, header: &str, key: &str) -> Self {
        self.header(header, key).idempotent()
    }

    /// The same with a query parameter (QuickBooks `requestid`).
    #[must_use]
    pub fn idempotency_query(self, name: &str, key: &str) -> Self {
        self.query(name, key).idempotent()
    }

    /// Counts the call against this tenant's limits (Xero tenant id,
    /// QuickBooks realm) instead of the client's default tenant.
    #[must_use]
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Treats this non-2xx status as success (Xero's 304 to
    /// `If-Modified-Since`, HubSpot's 207 is already 2xx): the response is
    /// returned as is, without consulting the connector's classifier, for the
    /// caller to read (Xero's 400 listing which History records it refused).
    #[must_use]
    pub fn accept_status(mut self, status: StatusCode) -> Self {
        self.accept.push(status);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template (as logged).
    pub fn template(&self) -> &str {
        &self.template
    }

    /// Whether the client may retry this call after it may have reached the vendor.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    pub(crate) fn summary(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A vendor's successful answer, fully read.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status (2xx, or one accepted with [`Call::accept_status`]).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    pub(crate) summary: String,
}

impl Response {
    /// The body as JSON of type `T`; every way it can fail is a `Malformed`
    /// error saying which (empty, HTML page, truncated, wrong shape).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        super::classify::parse_json(&self.summary, &self.headers, &self.body)
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_encoded_and_safety_is_explicit() {
        let c = Call::get("/crm/v3/objects/{type}/{id}")
            .param("type", "deals")
            .param("id", "a/b c");
        assert_eq!(c.path, "/crm/v3/objects/deals/a%2Fb%20c");
        assert_eq!(c.template(), "/crm/v3/objects/{type}/{id}");
        assert!(c.is_idempotent());
        assert!(!Call::put("/Invoices").is_idempotent());
        let c = Call::put("/Invoices").idempotency_key("Idempotency-Key", "k1");
        assert!(c.is_idempotent());
        assert_eq!(
            c.headers,
            vec![("Idempotency-Key".to_string(), "k1".to_string())]
        );
        assert!(
            Call::post("/x")
                .idempotency_query("requestid", "r")
                .is_idempotent()
        );
    }
}
