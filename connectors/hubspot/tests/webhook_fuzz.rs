//! Fuzz-style robustness of `HubSpotWebhookVerifier`: arbitrary bytes and
//! mutations of a valid delivery (body, signature, timestamp) never panic,
//! and a correctly signed, fresh body is never refused as a bad signature.
//! Bounded and seeded, so it runs as an ordinary test.

use std::panic::{AssertUnwindSafe, catch_unwind};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use ledgerbridge_hubspot::HubSpotWebhookVerifier;
use ledgerbridge_sdk::{WebhookError, WebhookRequest, WebhookVerifier};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;
use sha2::Sha256;

const SECRET: &str = "fuzz-secret";
const URI: &str = "https://lb.example.com/webhooks/hubspot";

const VALID: &str = r#"[{"eventId":7,"subscriptionId":1,"portalId":2,"occurredAt":1764300000000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":123,"changeSource":"INTEGRATION","sourceId":"3141592","propertyName":"dealstage","propertyValue":"closedwon"},{"eventId":"8","subscriptionType":"contact.creation","objectId":"456","occurredAt":-1,"changeSource":"CRM_UI"},{"eventId":9,"subscriptionType":"company.deletion","objectId":789,"sourceId":12}]"#;

/// Fragments spliced into bodies: JSON edge cases and hostile values.
const FRAGMENTS: &[&str] = &[
    "null",
    "true",
    "[]",
    "{}",
    "\"",
    "\\u0000",
    "\\ud800",
    "1e999",
    "-0",
    "18446744073709551616",
    "-9223372036854775808",
    "9223372036854775807",
    "\"objectId\":null",
    "\"subscriptionType\":\".\"",
    "\"subscriptionType\":\"\"",
    "\"occurredAt\":9223372036854775807",
    "\"occurredAt\":-9223372036854775808",
    "\"eventId\":-1",
    "\"sourceId\":{}",
    "[[[[[[[[[[[[[[[[",
    "]]]]]]]]",
    "é",
    "\u{feff}",
];

/// Timestamps that are not "now".
const TIMESTAMPS: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "-9223372036854775808",
    "9223372036854775807",
    "9223372036854775808",
    "1e3",
    "0x10",
    "+5",
    "１２３",
];

fn sign(method: &str, uri: &str, body: &[u8], ts: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(ts.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn headers(sig: Option<&[u8]>, ts: Option<&[u8]>) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    // bytes that are not a valid header value are left out, as a server would never see them
    if let Some(v) = sig.and_then(|s| http::HeaderValue::from_bytes(s).ok()) {
        h.insert("x-hubspot-signature-v3", v);
    }
    if let Some(v) = ts.and_then(|s| http::HeaderValue::from_bytes(s).ok()) {
        h.insert("x-hubspot-request-timestamp", v);
    }
    h
}

/// Runs the verifier, turning a panic into a test failure that shows the input.
fn verify(
    v: &HubSpotWebhookVerifier,
    method: &str,
    h: &http::HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<usize, WebhookError> {
    let req = WebhookRequest {
        method,
        uri: URI,
        headers: h,
        body,
        now,
    };
    match catch_unwind(AssertUnwindSafe(|| v.verify(&req))) {
        Ok(r) => r.map(|b| b.events.len()),
        Err(_) => panic!(
            "verifier panicked on method {method:?}, headers {h:?}, body {:?}",
            String::from_utf8_lossy(body)
        ),
    }
}

fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let n = rng.random_range(0..=max);
    (0..n).map(|_| rng.random()).collect()
}

fn mutate(rng: &mut StdRng, body: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..=4) {
        let len = body.len();
        match rng.random_range(0..6) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                body[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                body[i] = rng.random();
            }
            2 if len > 0 => {
                let i = rng.random_range(0..len);
                let j = rng.random_range(i..=len.min(i + 16));
                body.drain(i..j);
            }
            3 => {
                let i = rng.random_range(0..=len);
                body.truncate(i);
            }
            _ => {
                let i = rng.random_range(0..=len);
                let f = FRAGMENTS[rng.random_range(0..FRAGMENTS.len())];
                body.splice(i..i, f.bytes());
            }
        }
    }
}

#[test]
fn the_verifier_never_panics_on_arbitrary_or_mutated_deliveries() {
    let v = HubSpotWebhookVerifier::new(SecretString::from(SECRET.to_string()));
    let mut rng = StdRng::seed_from_u64(0x4b5b_0711);
    let now = Utc::now();
    let fresh = now.timestamp_millis().to_string();

    // the unmutated delivery is accepted: the harness signs like HubSpot
    let h = headers(
        Some(sign("POST", URI, VALID.as_bytes(), &fresh).as_bytes()),
        Some(fresh.as_bytes()),
    );
    assert_eq!(verify(&v, "POST", &h, VALID.as_bytes(), now), Ok(3));

    let (mut accepted, mut malformed) = (0, 0);
    for round in 0..20_000 {
        match round % 4 {
            // 1. arbitrary bytes everywhere: refused, never a panic
            0 => {
                let body = random_bytes(&mut rng, 256);
                let sig = random_bytes(&mut rng, 64);
                let ts = random_bytes(&mut rng, 24);
                let h = headers(
                    rng.random_bool(0.9).then_some(&sig[..]),
                    rng.random_bool(0.9).then_some(&ts[..]),
                );
                let r = verify(&v, "POST", &h, &body, now);
                assert!(r.is_err(), "unsigned garbage accepted: {body:?}");
            }
            // 2. a mutated body, correctly signed and fresh: it reaches the
            //    parser, which accepts it or calls it malformed
            1 | 2 => {
                let mut body = VALID.as_bytes().to_vec();
                mutate(&mut rng, &mut body);
                let h = headers(
                    Some(sign("POST", URI, &body, &fresh).as_bytes()),
                    Some(fresh.as_bytes()),
                );
                match verify(&v, "POST", &h, &body, now) {
                    Ok(_) => accepted += 1,
                    Err(WebhookError::Malformed(_)) => malformed += 1,
                    Err(e) => panic!(
                        "a signed fresh body refused as {e:?}: {:?}",
                        String::from_utf8_lossy(&body)
                    ),
                }
            }
            // 3. hostile timestamps (signed) and mutated signatures
            _ => {
                let ts = if rng.random_bool(0.5) {
                    TIMESTAMPS[rng.random_range(0..TIMESTAMPS.len())].to_string()
                } else {
                    rng.random::<i64>().to_string()
                };
                let mut sig = sign("POST", URI, VALID.as_bytes(), &ts).into_bytes();
                let tampered = rng.random_bool(0.5);
                if tampered {
                    mutate(&mut rng, &mut sig);
                }
                let method = if rng.random_bool(0.1) { "GET" } else { "POST" };
                let h = headers(Some(&sig), Some(ts.as_bytes()));
                let r = verify(&v, method, &h, VALID.as_bytes(), now);
                if ts != fresh {
                    assert!(r.is_err(), "timestamp {ts:?} accepted");
                }
            }
        }
    }
    // the mutations exercised both outcomes of the parser
    assert!(
        accepted > 200 && malformed > 2_000,
        "{accepted} accepted, {malformed} malformed"
    );
}
