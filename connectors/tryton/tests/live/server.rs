//! Finds the Tryton server `scripts/tryton.sh` started, through the settings
//! it prints: the `LEDGERBRIDGE_TRYTON_*` variables, or the env file named by
//! `LEDGERBRIDGE_TRYTON_ENV_FILE`. Without either, each test prints a notice
//! and passes without running, unless `LEDGERBRIDGE_TRYTON_REQUIRED=1` (CI),
//! where a missing server fails.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use ledgerbridge_tryton::{CompanyRef, TrytonClient, TrytonConfig};

fn settings() -> Option<HashMap<String, String>> {
    let mut s: HashMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("LEDGERBRIDGE_TRYTON_"))
        .collect();
    if let Some(path) = s.get("LEDGERBRIDGE_TRYTON_ENV_FILE").cloned() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| eprintln!("cannot read {path}: {e}"))
            .ok()?;
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                s.entry(k.trim().to_string())
                    .or_insert_with(|| v.trim().to_string());
            }
        }
    }
    let keys = ["BASE_URL", "DATABASE", "LOGIN", "PASSWORD", "COMPANY"];
    keys.iter()
        .all(|k| s.contains_key(&format!("LEDGERBRIDGE_TRYTON_{k}")))
        .then_some(s)
}

/// The configuration of the running server, or `None` (after a notice).
pub fn config() -> Option<TrytonConfig> {
    let Some(s) = settings() else {
        let required = std::env::var("LEDGERBRIDGE_TRYTON_REQUIRED").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "LEDGERBRIDGE_TRYTON_REQUIRED=1 but no Tryton settings: run scripts/tryton.sh up"
        );
        eprintln!(
            "NOTICE: Tryton is not configured, test skipped. Start it with `scripts/tryton.sh up` \
             and set LEDGERBRIDGE_TRYTON_ENV_FILE to the file it names."
        );
        return None;
    };
    let get = |k: &str| s[&format!("LEDGERBRIDGE_TRYTON_{k}")].clone();
    let company = get("COMPANY");
    let company = match company.parse() {
        Ok(id) => CompanyRef::Id(id),
        Err(_) => CompanyRef::Name(company),
    };
    Some(TrytonConfig::new(
        get("BASE_URL"),
        get("DATABASE"),
        get("LOGIN"),
        get("PASSWORD"),
        company,
    ))
}

/// A connected client, or `None` when Tryton is not configured.
pub async fn client() -> Option<TrytonClient> {
    let cfg = config()?;
    Some(
        TrytonClient::connect("tryton-test", cfg)
            .await
            .expect("the Tryton server in the settings answers"),
    )
}

/// A prefix unique to this test process, so reruns on the same database
/// never find an earlier run's records.
pub fn run_tag() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "T{:x}-{}",
        nanos % 0xffff_ffff_ffff,
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// Today in UTC, which is the server's time zone and the company's.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
