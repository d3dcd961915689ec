//! One fuzz case for a webhook verifier, shared by the libFuzzer targets
//! (`fuzz/fuzz_targets/*.rs`) and the bounded stable-Rust run in `tests/server/fuzz.rs`.
//!
//! Input: byte 0 chooses how the headers are built, the rest is the body. Bodies are
//! signed with the right secret unless byte 0 says otherwise, because random bytes never
//! pass an HMAC and the parsers behind the check would go untested.
//!
//! Checks, besides "no panic": a delivery whose signature was mangled never verifies.

use chrono::{TimeZone, Utc};
use ledgerbridge_sdk::{WebhookBatch, WebhookRequest, WebhookVerifier};
use secrecy::SecretString;

#[derive(Debug, Clone, Copy)]
pub enum Vendor {
    Hubspot,
    Xero,
}

const SECRET: &str = "fuzz-secret";
const URI: &str = "https://lb.example.com/webhooks/hubspot";

pub fn run_case(vendor: Vendor, input: &[u8]) -> Option<WebhookBatch> {
    let (mode, body) = match input.split_first() {
        Some((m, b)) => (*m, b),
        None => (0, input),
    };
    let bad_signature = mode & 0b0000_0011 == 0b11;
    let drop_headers = mode & 0b0000_0100 != 0 && mode & 0b1000_0000 != 0;
    let weird_timestamp = mode & 0b0001_1000;
    let now = Utc.timestamp_millis_opt(1_764_300_000_000).unwrap();
    let ts = match weird_timestamp {
        0b0_1000 => "not-a-number".to_string(),
        0b1_0000 => "-99999999999999999999".to_string(),
        0b1_1000 => (now.timestamp_millis() - 10 * 60 * 1000).to_string(),
        _ => now.timestamp_millis().to_string(),
    };
    let mut headers = http::HeaderMap::new();
    let sig = match vendor {
        Vendor::Hubspot => ledgerbridge_hubspot::sim::sign_v3(SECRET, "POST", URI, body, &ts),
        Vendor::Xero => ledgerbridge_xero::sim::sign_webhook(body, SECRET),
    };
    let sig = if bad_signature {
        // same length, one character changed; or plain garbage
        let mut s = sig.into_bytes();
        let i = (mode as usize) % s.len();
        s[i] ^= 0x01;
        String::from_utf8_lossy(&s).into_owned()
    } else {
        sig
    };
    if !drop_headers {
        let sig = http::HeaderValue::from_str(&sig).unwrap_or(http::HeaderValue::from_static("x"));
        match vendor {
            Vendor::Hubspot => {
                headers.insert("x-hubspot-signature-v3", sig);
                headers.insert(
                    "x-hubspot-request-timestamp",
                    http::HeaderValue::from_str(&ts).unwrap(),
                );
            }
            Vendor::Xero => {
                headers.insert("x-xero-signature", sig);
            }
        }
    }
    let req = WebhookRequest {
        method: "POST",
        uri: URI,
        headers: &headers,
        body,
        now,
    };
    let secret = SecretString::from(SECRET.to_string());
    let result = match vendor {
        Vendor::Hubspot => ledgerbridge_hubspot::HubSpotWebhookVerifier::new(secret).verify(&req),
        Vendor::Xero => ledgerbridge_xero::XeroWebhookVerifier::new(secret).verify(&req),
    };
    if bad_signature || drop_headers {
        assert!(result.is_err(), "a mangled or missing signature verified");
    }
    result.ok()
}
