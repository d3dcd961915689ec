//! What each channel carries for an [`Alert`], and the webhook signature.
//!
//! JSON (the documented contract): `{"kind", "pair", "connection", "summary",
//! "details", "at", "dashboard_url"}` — `pair`, `connection` and `dashboard_url` are
//! `null` when they do not apply. The receiver checks
//! `X-Ledgerbridge-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the
//! shared `webhook_secret`, and may refuse a `X-Ledgerbridge-Timestamp` (Unix seconds,
//! the same instant as `at`) too far from its own clock.

use super::Alert;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-ledgerbridge-signature";
pub const TIMESTAMP_HEADER: &str = "x-ledgerbridge-timestamp";

/// The generic JSON body.
pub fn json_body(a: &Alert) -> Value {
    json!({
        "kind": a.kind.as_str(),
        "pair": a.pair,
        "connection": a.connection,
        "summary": a.summary,
        "details": a.details,
        "at": a.at,
        "dashboard_url": a.dashboard_url,
    })
}

/// A Slack-compatible message: `text` for notifications, `blocks` for the message.
pub fn slack_body(a: &Alert) -> Value {
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": format!("*{}*", slack_escape(&a.summary))},
    })];
    if !a.details.is_empty() {
        let lines: Vec<String> = a
            .details
            .iter()
            .map(|d| format!("• {}", slack_escape(d)))
            .collect();
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": lines.join("\n")},
        }));
    }
    let mut context = vec![format!("`{}`", a.kind.as_str())];
    if let Some(p) = &a.pair {
        context.push(format!("pair *{}*", slack_escape(p)));
    }
    if let Some(c) = &a.connection {
        context.push(format!("connection *{}*", slack_escape(c)));
    }
    context.push(a.at.clone());
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": context.join(" · ")}],
    }));
    if let Some(u) = &a.dashboard_url {
        blocks.push(json!({
            "type": "actions",
            "elements": [{
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in ledgerbridge"},
                "url": u,
            }],
        }));
    }
    json!({ "text": format!("ledgerbridge: {}", a.summary), "blocks": blocks })
}

/// Slack's three control characters in mrkdwn.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is the signature of `body` under `secret`, compared in constant
/// time (what a receiver does; the tests check deliveries with it).
pub fn verify_signature(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// The email subject.
pub fn email_subject(a: &Alert) -> String {
    format!("[ledgerbridge] {}", a.summary)
}

/// The plain-text email body.
pub fn email_text(a: &Alert) -> String {
    let mut s = format!("{}\n\n", a.summary);
    for d in &a.details {
        s.push_str(&format!("- {d}\n"));
    }
    if !a.details.is_empty() {
        s.push('\n');
    }
    s.push_str(&format!("kind:       {}\n", a.kind.as_str()));
    if let Some(p) = &a.pair {
        s.push_str(&format!("pair:       {p}\n"));
    }
    if let Some(c) = &a.connection {
        s.push_str(&format!("connection: {c}\n"));
    }
    s.push_str(&format!("at:         {}\n", a.at));
    if let Some(u) = &a.dashboard_url {
        s.push_str(&format!("\nOpen: {u}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::AlertKind;
    use super::*;

    fn sample() -> Alert {
        let mut a = Alert::new(AlertKind::DeadLetters, "pair main: 3 new dead letters")
            .pair("main")
            .connection("books")
            .detail("deal:1 <account 999> & more");
        a.dashboard_url = Some("https://lb.example.com/dead-letters".into());
        a
    }

    #[test]
    fn json_body_has_exactly_the_documented_keys() {
        let v = json_body(&sample());
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "kind",
            "pair",
            "connection",
            "summary",
            "details",
            "at",
            "dashboard_url",
        ];
        want.sort();
        let mut got = keys.clone();
        got.sort();
        assert_eq!(got, want);
        assert_eq!(v["kind"], "dead_letters");
        assert_eq!(v["details"][0], "deal:1 <account 999> & more");
    }

    #[test]
    fn slack_body_escapes_and_links() {
        let v = slack_body(&sample());
        let text = v.to_string();
        assert!(text.contains("&lt;account 999&gt; &amp; more"), "{text}");
        assert!(text.contains("https://lb.example.com/dead-letters"));
        assert!(v["text"].as_str().unwrap().starts_with("ledgerbridge: "));
    }

    #[test]
    fn signature_verifies_and_a_changed_body_does_not() {
        let body = br#"{"kind":"test"}"#;
        let sig = signature(b"s3cret", body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify_signature(b"s3cret", body, &sig));
        assert!(!verify_signature(b"other", body, &sig));
        assert!(!verify_signature(b"s3cret", br#"{"kind":"tesT"}"#, &sig));
        assert!(!verify_signature(b"s3cret", body, "md5=00"));
    }
}
