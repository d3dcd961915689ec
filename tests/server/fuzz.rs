//! Bounded fuzzing of the webhook verifiers and the inbox planner on stable Rust.
//!
//! Random bytes almost never pass an HMAC, so a fuzzer feeding raw bodies only exercises
//! the signature check. This one mutates valid deliveries (byte flips, splices, JSON
//! tokens that break parsers: huge numbers, deep nesting, NULs, wrong types) and **signs
//! each mutant correctly**, so the parsers behind the check get the garbage; a share of
//! cases also mangles the signature and timestamp headers. Every case must return
//! without panicking; a wrongly signed case must never verify.
//!
//! Budget: `LEDGERBRIDGE_FUZZ_SECS` (default 2 s per verifier in the normal test run;
//! `.ci/fuzz` gives it a minute). `LEDGERBRIDGE_FUZZ_SEED` replays a run. The libFuzzer
//! targets in `fuzz/` drive the same harness (`fuzz/harness.rs`).

use crate::fuzz_harness::{Vendor, run_case};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

fn budget() -> Duration {
    let secs = std::env::var("LEDGERBRIDGE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

fn seed() -> u64 {
    std::env::var("LEDGERBRIDGE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random)
}

const HUBSPOT_SEEDS: &[&str] = &[
    r#"[{"eventId":1,"subscriptionId":2,"portalId":3,"appId":4,"occurredAt":1764300000000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":123,"changeSource":"INTEGRATION","sourceId":"3141592","propertyName":"dealstage","propertyValue":"closedwon"}]"#,
    r#"[{"eventId":"9","subscriptionType":"contact.creation","objectId":"77","occurredAt":-1},{"eventId":10,"subscriptionType":"ticket.deletion","objectId":5}]"#,
    r#"[]"#,
];

const XERO_SEEDS: &[&str] = &[
    r#"{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Invoices/0f3e","resourceId":"0f3e","eventDateUtc":"2025-12-02T00:44:09.923","eventType":"UPDATE","eventCategory":"INVOICE","tenantId":"t","tenantType":"ORGANISATION"}],"firstEventSequence":5,"lastEventSequence":5,"entropy":"X"}"#,
    r#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABC"}"#,
    r#"{"events":[{"resourceId":"c1","eventType":"CREATE","eventCategory":"CONTACT","eventDateUtc":"/Date(1539993600000+0000)/"}]}"#,
];

const TOKENS: &[&str] = &[
    "null",
    "true",
    "-0",
    "1e999",
    "18446744073709551616",
    "-9223372036854775809",
    "\"\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "[]",
    "{}",
    "[[[[[[[[[[[[[[[[",
    "\"é\"",
    "0.1",
    ",",
    ":",
    "\"",
];

fn mutate(rng: &mut StdRng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let len = b.len();
        match rng.random_range(0..7) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                b[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                let j = rng.random_range(i..=len.min(i + 16));
                b.drain(i..j);
            }
            2 => {
                let i = rng.random_range(0..=len);
                let t = TOKENS[rng.random_range(0..TOKENS.len())];
                b.splice(i..i, t.bytes());
            }
            3 if len > 1 => {
                // copy a chunk elsewhere (repeats keys, objects, brackets)
                let i = rng.random_range(0..len);
                let j = rng.random_range(i..=len.min(i + 64));
                let chunk = b[i..j].to_vec();
                let k = rng.random_range(0..=len);
                b.splice(k..k, chunk);
            }
            4 => {
                // replace a JSON value after a colon with a token
                if let Some(pos) = (0..len)
                    .filter(|&i| b[i] == b':')
                    .nth(rng.random_range(0..8))
                {
                    let end = (pos + 1..len)
                        .find(|&i| b[i] == b',' || b[i] == b'}')
                        .unwrap_or(len);
                    let t = TOKENS[rng.random_range(0..TOKENS.len())];
                    b.splice(pos + 1..end, t.bytes());
                }
            }
            5 => {
                let i = rng.random_range(0..=len);
                let n = rng.random_range(1..32);
                let junk: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                b.splice(i..i, junk);
            }
            _ => {
                let cut = rng.random_range(0..=len);
                b.truncate(cut);
            }
        }
    }
    b
}

fn fuzz(vendor: Vendor, seeds: &[&str]) {
    let seed = seed();
    let budget = budget();
    println!("fuzzing {vendor:?} for {budget:?} with LEDGERBRIDGE_FUZZ_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut cases = 0u64;
    while started.elapsed() < budget {
        let base = seeds[rng.random_range(0..seeds.len())].as_bytes();
        let body = mutate(&mut rng, base);
        // byte 0 of the harness input picks how headers are mangled (see run_case)
        let mut input = vec![rng.random::<u8>()];
        input.extend_from_slice(&body);
        let result = std::panic::catch_unwind(|| {
            if let Some(batch) = run_case(vendor, &input) {
                // what a verified batch becomes: inbox rows and jobs
                let events = ledgerbridge::server::inbox::plan(&batch);
                let refs: Vec<_> = events.iter().collect();
                ledgerbridge::server::inbox::jobs_for("fuzz", &refs);
            }
        });
        if result.is_err() {
            panic!(
                "{vendor:?} verifier panicked (seed {seed}) on input {:?}",
                String::from_utf8_lossy(&input)
            );
        }
        cases += 1;
    }
    println!("{vendor:?}: {cases} cases, no panic");
    assert!(cases > 0);
}

#[test]
fn hubspot_verifier_survives_mutated_signed_deliveries() {
    fuzz(Vendor::Hubspot, HUBSPOT_SEEDS);
}

#[test]
fn xero_verifier_survives_mutated_signed_deliveries() {
    fuzz(Vendor::Xero, XERO_SEEDS);
}
