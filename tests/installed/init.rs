//! `init` writes, lists and refuses; the example config is what it writes; `demo` says
//! what it can run.

use super::common::{Installed, text};

#[test]
fn example_config_is_what_init_writes() {
    let installed = Installed::new();
    let out = installed.run(&["init", "--mappings", "hubspot-xero"]);
    assert!(out.status.success(), "{}", text(&out));
    let written = std::fs::read_to_string(installed.path().join("ledgerbridge.toml")).unwrap();
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"),
    )
    .unwrap();
    assert!(
        written == example,
        "config.example.toml differs from `ledgerbridge init --mappings hubspot-xero`'s \
         ledgerbridge.toml: regenerate it with that command"
    );
    for (file, shipped) in [
        "company-customer.toml",
        "contact-customer.toml",
        "deal-invoice.toml",
        "interaction-note.toml",
        "payment.toml",
    ]
    .map(|f| {
        (
            f,
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("mappings/hubspot-xero")
                .join(f),
        )
    }) {
        let copied = installed.path().join("mappings/hubspot-xero").join(file);
        assert_eq!(
            std::fs::read_to_string(&copied).unwrap(),
            std::fs::read_to_string(&shipped).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let installed = Installed::new();
    let mapping = installed
        .path()
        .join("target-dir/mappings/hubspot-xero/payment.toml");
    std::fs::create_dir_all(mapping.parent().unwrap()).unwrap();
    std::fs::write(&mapping, "# mine\n").unwrap();
    let out = installed.run(&["init", "--mappings", "hubspot-xero", "target-dir"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mappings/hubspot-xero/payment.toml") && stderr.contains("already exists"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&mapping).unwrap(), "# mine\n");
    let dir = installed.path().join("target-dir");
    assert!(
        !dir.join("ledgerbridge.toml").exists(),
        "config half-written"
    );
    assert!(!dir.join("mappings/hubspot-xero/deal-invoice.toml").exists());

    // An existing config is refused the same way, and stays as it was.
    let other = installed.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("ledgerbridge.toml"), "# mine\n").unwrap();
    let out = installed.run(&["init", "--mappings", "hubspot-xero", "other"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ledgerbridge.toml already exists"));
    assert_eq!(
        std::fs::read_to_string(other.join("ledgerbridge.toml")).unwrap(),
        "# mine\n"
    );
    assert!(!other.join("mappings").exists());
}

#[test]
fn init_rejects_an_unknown_folder_and_lists_the_shipped_ones() {
    let installed = Installed::new();
    let out = installed.run(&["init", "--mappings", "nosuch-pair"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shipped: hubspot-quickbooks, hubspot-xero"),
        "{}",
        text(&out)
    );
    assert!(!installed.path().join("ledgerbridge.toml").exists());

    let out = installed.run(&["init", "--list"]);
    assert!(out.status.success(), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout);
    let row = listing
        .lines()
        .find(|l| l.starts_with("hubspot-xero"))
        .unwrap_or_else(|| panic!("no hubspot-xero row: {listing}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["hubspot-xero", "hubspot", "xero"]
    );
}

#[test]
fn demo_names_what_it_can_run() {
    let installed = Installed::new();
    let out = installed.run(&["demo", "--mappings", "nosuch-pair"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nosuch-pair")
            && stderr.contains("available: hubspot-quickbooks, hubspot-xero"),
        "{}",
        text(&out)
    );
}

#[test]
fn demo_runs_a_named_folder_from_an_empty_folder() {
    let installed = Installed::new();
    let out = installed.run(&[
        "demo",
        "--mappings",
        "hubspot-xero",
        "--deals",
        "8",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    // Nothing was written next to the binary.
    let entries: Vec<_> = std::fs::read_dir(installed.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["ledgerbridge"]);
}
