//! HubSpot error bodies → the SDK's typed errors.
//!
//! HubSpot answers `{status, message, correlationId, category, subCategory?,
//! errors?, context?}`, rate limits add `policyName`/`errorType`, OAuth errors
//! use `{status: "BAD_REFRESH_TOKEN", message}`; every field may be missing
//! and a proxy may answer HTML, so nothing here assumes a shape.

use std::time::Duration;

use ledgerbridge_sdk::{ConnectorError, ErrorKind};
use serde_json::Value;

/// Classifies an error response.
pub fn classify(
    summary: &str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> ConnectorError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let field = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let category = field("category").unwrap_or_default();
    let kind = match status {
        429 => ErrorKind::RateLimited { retry_after },
        401 | 403 => ErrorKind::Auth,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        s if s >= 500 => ErrorKind::Retryable,
        _ if category == "OBJECT_NOT_FOUND" => ErrorKind::NotFound,
        _ if category == "CONFLICT" || category == "OBJECT_ALREADY_EXISTS" => ErrorKind::Conflict,
        _ => ErrorKind::Validation,
    };
    let mut e = ConnectorError::new(kind, format!("{summary}: {status}")).with_status(status);
    let message = field("message").or_else(|| {
        // not JSON: keep a short, printable excerpt (an HTML error page's text)
        let text = String::from_utf8_lossy(body);
        let t = text.trim();
        (!t.is_empty()).then(|| t.chars().take(200).collect())
    });
    if let Some(m) = message {
        let m = match field("policyName") {
            Some(p) => format!("{m} (policy {p})"),
            None => m,
        };
        e = e.with_vendor_message(m);
    }
    if let Some(c) = field("correlationId") {
        e = e.with_correlation_id(c);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(status: u16, body: &str) -> ErrorKind {
        classify(
            "GET x",
            status,
            Some(Duration::from_secs(1)),
            body.as_bytes(),
        )
        .kind
    }

    #[test]
    fn every_hubspot_error_body_lands_in_a_kind() {
        let validation = r#"{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"XYZ was not one of the allowed options\",\"error\":\"INVALID_OPTION\",\"name\":\"deal_currency_code\"}]","correlationId":"3f1b6b1e-7c53-4e3e-9c41-8b0a3c0b9d11","category":"VALIDATION_ERROR"}"#;
        let e = classify(
            "PATCH /crm/v3/objects/deals/1",
            400,
            None,
            validation.as_bytes(),
        );
        assert_eq!(e.kind, ErrorKind::Validation);
        assert!(
            e.vendor_message
                .as_deref()
                .unwrap()
                .contains("INVALID_OPTION")
        );
        assert_eq!(
            e.correlation_id.as_deref(),
            Some("3f1b6b1e-7c53-4e3e-9c41-8b0a3c0b9d11")
        );
        assert_eq!(e.status, Some(400));
        let rl = r#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"DAILY","requestId":"r"}"#;
        let e = classify("GET x", 429, Some(Duration::from_secs(7)), rl.as_bytes());
        assert_eq!(
            e.kind,
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert!(e.vendor_message.unwrap().contains("policy DAILY"));
        assert_eq!(
            kind(
                401,
                r#"{"status":"error","message":"The OAuth token used to make this call expired 2 minute(s) ago.","correlationId":"c","category":"EXPIRED_AUTHENTICATION"}"#
            ),
            ErrorKind::Auth
        );
        assert_eq!(
            kind(
                404,
                r#"{"status":"error","message":"resource not found","correlationId":"c","category":"OBJECT_NOT_FOUND"}"#
            ),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(
                409,
                r#"{"status":"error","message":"Contact already exists. Existing ID: 123","correlationId":"c","category":"CONFLICT"}"#
            ),
            ErrorKind::Conflict
        );
        assert_eq!(
            kind(
                400,
                r#"{"status":"BAD_REFRESH_TOKEN","message":"missing or unknown refresh token"}"#
            ),
            ErrorKind::Validation
        );
        assert_eq!(
            kind(
                500,
                r#"{"status":"error","message":"internal error","correlationId":"c","category":"INTERNAL_ERROR"}"#
            ),
            ErrorKind::Retryable
        );
        let html = classify(
            "GET x",
            502,
            None,
            b"<html><title>502 Bad Gateway</title></html>",
        );
        assert_eq!(html.kind, ErrorKind::Retryable);
        assert!(html.vendor_message.unwrap().contains("502"));
        assert_eq!(kind(400, ""), ErrorKind::Validation);
    }
}
