//! init → check → sync → reconcile, from a folder holding only the binary.

use super::common::{Installed, start_sim, text};

#[test]
fn from_init_to_a_clean_reconcile() {
    let installed = Installed::new();
    let out = installed.run(&["init", "--mappings", "hubspot-xero"]);
    assert!(out.status.success(), "init: {}", text(&out));

    let out = installed.run(&["check"]);
    assert!(out.status.success(), "check as written: {}", text(&out));

    // The simulators with their rate limits on, time scaled as in the demo; the config
    // is pointed at them through environment overrides, as an admin would in a unit file.
    let scaled = ["--token", "sim-token", "--rate-scale", "60"];
    let crm = start_sim(
        &installed,
        "hubspot",
        &[&scaled[..], &["--deals", "12"]].concat(),
    );
    let books = start_sim(&installed, "xero", &scaled);
    let with_sims = |args: &[&str]| {
        installed
            .cmd()
            .args(args)
            .env("LEDGERBRIDGE__CONNECTIONS__CRM__BASE_URL", &crm.base_url)
            .env("LEDGERBRIDGE__CONNECTIONS__CRM__RATE_SCALE", "60")
            .env(
                "LEDGERBRIDGE__CONNECTIONS__BOOKS__BASE_URL",
                &books.base_url,
            )
            .env("LEDGERBRIDGE__CONNECTIONS__BOOKS__RATE_SCALE", "60")
            .output()
            .expect("run the binary")
    };

    let out = with_sims(&["sync", "--json"]);
    assert!(out.status.success(), "sync: {}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: serde_json::Value = stdout
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON summary: {}", text(&out)));
    assert_eq!(summary["pair"], "main", "{summary}");
    assert!(summary["pulled"].as_u64() > Some(0), "{summary}");
    assert!(summary["created"].as_u64() > Some(0), "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["dead_lettered"], 0, "{summary}");

    let out = with_sims(&["reconcile"]);
    assert_eq!(out.status.code(), Some(0), "reconcile: {}", text(&out));

    // The database sits next to the config, as the written config says.
    assert!(installed.path().join("ledgerbridge.db").exists());
}
