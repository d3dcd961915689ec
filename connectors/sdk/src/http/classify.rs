//! Turning vendor responses into [`ConnectorError`]s and typed bodies.

use std::sync::Arc;
use std::time::Duration;

use ::http::{HeaderMap, HeaderName, StatusCode};
use serde::de::DeserializeOwned;

use crate::{ConnectorError, ErrorKind};

/// A connector's own reading of a response, tried before the default
/// status mapping, on every response including 2xx: `Some(error)` makes the
/// call fail with that error, `None` leaves the response to the defaults.
///
/// For shapes the status alone gets wrong: QuickBooks' 200 with a `Fault`,
/// Salesforce's 403 `REQUEST_LIMIT_EXCEEDED` (a rate limit, not an auth
/// failure), QuickBooks 5010 "Stale Object Error" (a conflict behind a 400),
/// a Xero 200 whose elements carry `ValidationErrors` when the whole call
/// should fail. Errors it returns get the status and correlation id filled
/// in when they lack them.
pub type Classifier =
    Arc<dyn Fn(StatusCode, &HeaderMap, &[u8]) -> Option<ConnectorError> + Send + Sync>;

/// Where a vendor puts its error message and correlation id.
///
/// The defaults cover the five vendors' documented shapes, so a connector
/// only overrides when it knows better.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorFields {
    /// JSON pointers tried in order for the message. A pointer to an array
    /// or object is skipped; only strings count.
    pub message_pointers: Vec<String>,
    /// Headers carrying the vendor's request / correlation id.
    pub correlation_headers: Vec<HeaderName>,
    /// JSON pointers to a correlation id in the body.
    pub correlation_pointers: Vec<String>,
}

impl Default for ErrorFields {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        ErrorFields {
            message_pointers: s(&[
                "/message",               // HubSpot
                "/Message",               // Xero
                "/0/message",             // Salesforce: an array of errors
                "/Fault/Error/0/Message", // QuickBooks
                "/Fault/Error/0/Detail",  // QuickBooks
                "/error_description",     // OAuth
                "/error",                 // Pipedrive, OAuth
                "/error/message",
                "/Detail",
                "/detail",
                "/title",
            ]),
            correlation_headers: [
                "x-hubspot-correlation-id",
                "xero-correlation-id",
                "intuit_tid",
                "sforce-call-id",
                "x-correlation-id",
                "x-request-id",
            ]
            .iter()
            .map(|h| HeaderName::from_static(h))
            .collect(),
            correlation_pointers: s(&["/correlationId", "/requestId", "/Id"]),
        }
    }
}

/// The kind a bare status maps to when the connector has nothing to add.
///
/// 401/403 → Auth; 404/410 → NotFound; 409/412 → Conflict; 429 →
/// RateLimited; 408, 425 and every 5xx → Retryable; 3xx (we never follow
/// redirects) → Malformed; other 4xx → Validation (the vendor refused the
/// content; repeating it cannot help).
pub fn kind_for_status(status: StatusCode, retry_after: Option<Duration>) -> ErrorKind {
    match status.as_u16() {
        401 | 403 => ErrorKind::Auth,
        404 | 410 => ErrorKind::NotFound,
        409 | 412 => ErrorKind::Conflict,
        429 => ErrorKind::RateLimited { retry_after },
        408 | 425 | 500..=599 => ErrorKind::Retryable,
        300..=399 => ErrorKind::Malformed,
        _ => ErrorKind::Validation,
    }
}

/// The vendor's message from an error body: a JSON field (see
/// [`ErrorFields`]), an HTML page's `<title>`, or the start of a short text
/// body. Capped at 500 characters, on one line.
pub fn vendor_message(headers: &HeaderMap, body: &[u8], fields: &ErrorFields) -> Option<String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    if looks_like_html(headers, body) {
        return html_title(body).map(|t| format!("HTML page: {t}"));
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        return fields
            .message_pointers
            .iter()
            .find_map(|p| v.pointer(p).and_then(|m| m.as_str()))
            .filter(|m| !m.trim().is_empty())
            .map(one_line);
    }
    std::str::from_utf8(body).ok().map(one_line)
}

/// The vendor's correlation id: the first configured header present, else
/// the first configured JSON field.
pub fn correlation_id(headers: &HeaderMap, body: &[u8], fields: &ErrorFields) -> Option<String> {
    fields
        .correlation_headers
        .iter()
        .find_map(|h| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .or_else(|| {
            let v: serde_json::Value = serde_json::from_slice(body).ok()?;
            fields.correlation_pointers.iter().find_map(|p| {
                v.pointer(p).and_then(|c| match c {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            })
        })
}

fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(500) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// An HTML page where JSON was expected: a proxy's 502 page, a login page,
/// a maintenance page.
pub fn looks_like_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let ct_html = headers
        .get(::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("html"));
    let start: Vec<u8> = body
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    ct_html || start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// The `<title>` of an HTML page, if it has one.
pub fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let t = one_line(&text[open_end..close]);
    (!t.is_empty()).then_some(t)
}

/// The default error for a response that is not a success: status kind,
/// vendor message, correlation id.
pub(crate) fn default_error(
    summary: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    fields: &ErrorFields,
    retry_after: Option<Duration>,
) -> ConnectorError {
    let mut e = ConnectorError::new(
        kind_for_status(status, retry_after),
        format!("{summary}: {status}"),
    )
    .with_status(status.as_u16());
    if let Some(m) = vendor_message(headers, body, fields) {
        e = e.with_vendor_message(m);
    }
    if let Some(c) = correlation_id(headers, body, fields) {
        e = e.with_correlation_id(c);
    }
    e
}

/// Parses a success body as JSON, turning every way it can be wrong into a
/// `Malformed` error that says which way: empty, an HTML page, truncated,
/// not JSON, or JSON of an unexpected shape.
pub fn parse_json<T: DeserializeOwned>(
    summary: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ConnectorError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ConnectorError::malformed(format!(
            "{summary}: empty body where JSON was expected"
        )));
    }
    if looks_like_html(headers, body) {
        let mut e =
            ConnectorError::malformed(format!("{summary}: got an HTML page instead of JSON"));
        if let Some(t) = html_title(body) {
            e = e.with_vendor_message(t);
        }
        return Err(e);
    }
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Eof => "truncated JSON (the body ends mid-document)",
            Category::Syntax => "the body is not valid JSON",
            Category::Data => "JSON of an unexpected shape",
            Category::Io => "unreadable body",
        };
        ConnectorError::malformed(format!("{summary}: {what}: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(::http::header::CONTENT_TYPE, v.parse().unwrap());
        h
    }

    #[test]
    fn statuses_map_to_kinds() {
        let k = |s: u16| kind_for_status(StatusCode::from_u16(s).unwrap(), None);
        assert_eq!(k(401), ErrorKind::Auth);
        assert_eq!(k(403), ErrorKind::Auth);
        assert_eq!(k(404), ErrorKind::NotFound);
        assert_eq!(k(409), ErrorKind::Conflict);
        assert_eq!(k(412), ErrorKind::Conflict);
        assert_eq!(k(400), ErrorKind::Validation);
        assert_eq!(k(422), ErrorKind::Validation);
        assert_eq!(k(429), ErrorKind::RateLimited { retry_after: None });
        assert_eq!(k(500), ErrorKind::Retryable);
        assert_eq!(k(503), ErrorKind::Retryable);
        assert_eq!(k(302), ErrorKind::Malformed);
    }

    #[test]
    fn vendor_messages_of_all_five_vendors() {
        let f = ErrorFields::default();
        let j = ct("application/json");
        let m = |b: &str| vendor_message(&j, b.as_bytes(), &f);
        assert_eq!(
            m(r#"{"status":"error","message":"Contact already exists","correlationId":"c-1","category":"CONFLICT"}"#).as_deref(),
            Some("Contact already exists")
        );
        assert_eq!(
            m(r#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred"}"#).as_deref(),
            Some("A validation exception occurred")
        );
        assert_eq!(
            m(r#"[{"message":"Session expired","errorCode":"INVALID_SESSION_ID"}]"#).as_deref(),
            Some("Session expired")
        );
        assert_eq!(
            m(r#"{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","code":"6240"}],"type":"ValidationFault"}}"#).as_deref(),
            Some("Duplicate Name Exists Error")
        );
        assert_eq!(
            m(r#"{"success":false,"error":"\"outcome\" is required.","data":null}"#).as_deref(),
            Some("\"outcome\" is required.")
        );
        let html = ct("text/html");
        assert_eq!(
            vendor_message(
                &html,
                b"<html><head><title>502 Bad Gateway</title></head></html>",
                &f
            )
            .as_deref(),
            Some("HTML page: 502 Bad Gateway")
        );
        let mut h = HeaderMap::new();
        h.insert("Xero-Correlation-Id", "x-9".parse().unwrap());
        assert_eq!(correlation_id(&h, b"{}", &f).as_deref(), Some("x-9"));
        assert_eq!(
            correlation_id(&HeaderMap::new(), br#"{"correlationId":"c-1"}"#, &f).as_deref(),
            Some("c-1")
        );
    }

    #[test]
    fn json_parse_failures_say_what_was_wrong() {
        let j = ct("application/json");
        let e = parse_json::<serde_json::Value>("GET /x", &j, b"").unwrap_err();
        assert!(e.message.contains("empty body"), "{e}");
        let e =
            parse_json::<serde_json::Value>("GET /x", &j, br#"{"results":[{"id":"1"#).unwrap_err();
        assert!(e.message.contains("truncated JSON"), "{e}");
        let e = parse_json::<serde_json::Value>(
            "GET /x",
            &ct("text/html"),
            b"<html><title>Oops</title></html>",
        )
        .unwrap_err();
        assert!(
            e.message.contains("HTML page") && e.vendor_message.as_deref() == Some("Oops"),
            "{e}"
        );
        let e = parse_json::<Vec<u32>>("GET /x", &j, br#"{"a":1}"#).unwrap_err();
        assert!(e.message.contains("unexpected shape"), "{e}");
        assert!(parse_json::<Vec<u32>>("GET /x", &j, b"[1,2]").is_ok());
        assert!(e.kind == ErrorKind::Malformed);
    }
}
