//! Bad-config cases: each asserts the message and the file:line `check` reports.

use ledgerbridge::check::{self, Location};
use std::path::Path;

/// A valid config; cases below edit one thing. Line numbers are 1-based.
const GOOD: &str = r#"[database]
url = "sqlite://lb.db"

[connections.crm]
kind = "hubspot"
base_url = "http://127.0.0.1:9101"
access_token = "sim-token"

[connections.books]
kind = "xero"
base_url = "http://127.0.0.1:9102"
access_token = "sim-token"

[[pairs]]
name = "main"
source = "crm"
target = "books"
mappings = "maps"
schedule = "0 */15 * * * *"

[worker]
concurrency = 4
"#;

/// The shipped mappings copied into `dir`, so a config's pair has valid mappings.
fn shipped_mappings(dir: &Path) {
    std::fs::create_dir(dir).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/hubspot-xero");
    for e in std::fs::read_dir(&shipped).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn run(text: &str) -> (tempfile::TempDir, Vec<(usize, String)>) {
    let dir = tempfile::tempdir().unwrap();
    shipped_mappings(&dir.path().join("maps"));
    let file = dir.path().join("ledgerbridge.toml");
    std::fs::write(&file, text).unwrap();
    let report = check::check(Some(&file));
    let problems = report
        .problems
        .iter()
        .map(|p| {
            // Every line is `file:line: message` for this file.
            let shown = p.to_string();
            assert!(
                shown.starts_with(&format!("{}:", file.display())),
                "not file:line: {shown}"
            );
            match &p.location {
                Location::Line { file: f, line } => {
                    assert_eq!(f, &file);
                    (*line, p.message.clone())
                }
                other => panic!("expected a line location, got {other:?} for {}", p.message),
            }
        })
        .collect();
    (dir, problems)
}

/// Exactly one problem, at `line`, whose message contains `needle`.
fn one(text: &str, line: usize, needle: &str) {
    let (_dir, problems) = run(text);
    assert_eq!(problems.len(), 1, "expected one problem, got {problems:#?}");
    assert_eq!(problems[0].0, line, "wrong line for {:?}", problems[0].1);
    assert!(
        problems[0].1.contains(needle),
        "message {:?} lacks {needle:?}",
        problems[0].1
    );
}

fn edit(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from} not in GOOD");
    GOOD.replacen(from, to, 1)
}

#[test]
fn good_config_passes() {
    let (_d, problems) = run(GOOD);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn shipped_example_passes() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let report = check::check(Some(&example));
    assert!(report.ok(), "config.example.toml: {:#?}", report.problems);
    let c = report.config.unwrap();
    assert_eq!(c.connections.len(), 2);
    assert_eq!(c.pairs[0].bank_account, "090");
    assert_eq!(
        c.pairs[0].writeback.deal_invoice_number,
        "ledgerbridge_invoice_number"
    );
}

#[test]
fn unknown_key_misspelled() {
    let (_d, problems) = run(&edit(
        "access_token = \"sim-token\"\n\n[connections.books]",
        "acess_token = \"sim-token\"\n\n[connections.books]",
    ));
    // The typo is named at its line, and the key it was meant to be is missing.
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0].0, 4);
    assert!(
        problems[0]
            .1
            .contains("connection `crm` needs `access_token`")
    );
    assert_eq!(problems[1].0, 7);
    assert!(
        problems[1]
            .1
            .starts_with("unknown key `acess_token`, expected one of `kind`")
    );
}

#[test]
fn unknown_section() {
    one(
        &edit("[worker]\nconcurrency = 4", "[workers]\nconcurrency = 4"),
        21,
        "unknown key `workers`",
    );
}

#[test]
fn wrong_type() {
    one(
        &edit("concurrency = 4", "concurrency = \"four\""),
        22,
        "invalid type: string \"four\"",
    );
}

#[test]
fn bad_cron() {
    one(
        &edit("0 */15 * * * *", "every 15 minutes"),
        19,
        "invalid cron expression `every 15 minutes`",
    );
}

#[test]
fn unknown_connection_kind() {
    one(
        &edit("kind = \"xero\"", "kind = \"salesforce\""),
        10,
        "unknown variant `salesforce`",
    );
}

#[test]
fn pair_names_missing_connection() {
    one(
        &edit("target = \"books\"", "target = \"ledger\""),
        17,
        "names target connection `ledger`, which is not defined",
    );
}

#[test]
fn pair_source_must_be_a_crm() {
    one(
        &edit("source = \"crm\"", "source = \"books\""),
        16,
        "a pair's source must be a CRM",
    );
}

#[test]
fn bad_database_url() {
    one(
        &edit("sqlite://lb.db", "mysql://db/lb"),
        2,
        "unsupported database URL `mysql://db/lb`",
    );
}

#[test]
fn missing_secret_env_var() {
    one(
        &edit(
            "access_token = \"sim-token\"\n\n[connections.books]",
            "access_token = \"env:LB_TEST_SURELY_UNSET_TOKEN\"\n\n[connections.books]",
        ),
        7,
        "environment variable LB_TEST_SURELY_UNSET_TOKEN is not set",
    );
}

#[test]
fn missing_webhook_secret_env_is_not_needed_by_check() {
    // Only `serve` needs webhook secrets: an unset one is not a config error.
    let (_d, problems) = run(&edit(
        "kind = \"hubspot\"",
        "kind = \"hubspot\"\nwebhook_secret = \"env:LB_TEST_SURELY_UNSET_SECRET\"",
    ));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn static_auth_without_token() {
    one(
        &edit(
            "access_token = \"sim-token\"\n\n[connections.books]",
            "\n\n[connections.books]",
        ),
        4,
        "connection `crm` needs `access_token`",
    );
}

#[test]
fn oauth_without_client_credentials() {
    let (_d, problems) = run(&edit(
        "kind = \"xero\"",
        "kind = \"xero\"\nauth = \"oauth\"",
    ));
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0].0, 9);
    assert!(problems[0].1.contains("needs `client_id`"));
    assert!(problems[1].1.contains("needs `client_secret`"));
}

#[test]
fn bad_enum_value() {
    one(
        &edit(
            "schedule = \"0 */15 * * * *\"",
            "schedule = \"0 */15 * * * *\"\non_delete = \"delete\"",
        ),
        20,
        "unknown variant `delete`, expected `flag` or `void`",
    );
}

#[test]
fn bad_start_date() {
    one(
        &edit(
            "schedule = \"0 */15 * * * *\"",
            "schedule = \"0 */15 * * * *\"\nstart_date = \"01/02/2026\"",
        ),
        20,
        "invalid start_date `01/02/2026`",
    );
}

#[test]
fn rate_scale_below_one() {
    one(
        &edit("kind = \"xero\"", "kind = \"xero\"\nrate_scale = 0.5"),
        11,
        "rate_scale must be a number ≥ 1",
    );
}

#[test]
fn bad_currency_code() {
    one(
        &edit(
            "kind = \"hubspot\"",
            "kind = \"hubspot\"\ndefault_currency = \"usd\"",
        ),
        6,
        "not an ISO 4217 code",
    );
}

#[test]
fn missing_mappings_folder() {
    one(
        &edit("mappings = \"maps\"", "mappings = \"nowhere\""),
        18,
        "mappings folder `nowhere` does not exist",
    );
}

#[test]
fn bad_listen_address() {
    one(
        &format!("{GOOD}\n[server]\nlisten = \"localhost\"\n"),
        25,
        "invalid listen address `localhost`",
    );
}

#[test]
fn toml_syntax_error() {
    one(
        &edit("concurrency = 4", "concurrency = = 4"),
        22,
        "TOML syntax error",
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let text = edit("concurrency = 4", "concurrency = \"four\"")
        .replacen("kind = \"xero\"", "kind = \"salesforce\"", 1)
        .replacen("0 */15 * * * *", "nope", 1)
        .replacen("sqlite://lb.db", "mysql://x", 1)
        .replacen("name = \"main\"", "name = \"main\"\nbogus = 1", 1);
    let (_d, problems) = run(&text);
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    // database url (2), connection kind (10), unknown key (16), cron (20), type (23)
    assert_eq!(lines, vec![2, 10, 16, 20, 23], "{problems:#?}");
    // A value reported once is not reported again as "missing".
    assert!(
        !problems.iter().any(|p| p.1.contains("missing key")),
        "{problems:#?}"
    );
}

#[test]
fn missing_explicit_file_is_an_error() {
    let report = check::check(Some(Path::new("/nonexistent/ledgerbridge.toml")));
    assert!(!report.ok());
    assert_eq!(
        report.problems[0].to_string(),
        "/nonexistent/ledgerbridge.toml:1: config file not found"
    );
}

#[test]
fn secrets_are_redacted_in_debug() {
    let (_d, _p) = run(GOOD);
    let c = ledgerbridge::config::load_from_str(Some(GOOD), None).unwrap();
    let dbg = format!("{c:?}");
    assert!(
        !dbg.contains("sim-token"),
        "secret leaked into Debug: {dbg}"
    );
    assert_eq!(
        c.connections["crm"].access_token.as_ref().unwrap().expose(),
        Some("sim-token")
    );
}

/// `check` runs the mapping engine over the pair's folder: every problem in the
/// mapping files comes back as that file's `file:line: message`.
#[test]
fn mapping_problems_are_reported_with_their_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let maps = dir.path().join("maps");
    shipped_mappings(&maps);
    let file = dir.path().join("ledgerbridge.toml");
    std::fs::write(&file, GOOD).unwrap();
    // the shipped mappings pass as they are
    assert!(check::check(Some(&file)).problems.is_empty());
    // a typo in a field and a float literal in one line of deal-invoice.toml
    let deal = maps.join("deal-invoice.toml");
    let text = std::fs::read_to_string(&deal).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("description = 'deal.name'"))
        .expect("the shipped file has the no-lines description")
        + 1;
    std::fs::write(
        &deal,
        text.replace("description = 'deal.name'", "description = 'deal.nme'"),
    )
    .unwrap();
    let report = check::check(Some(&file));
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let p = &report.problems[0];
    match &p.location {
        Location::Line { file, line: l } => {
            assert!(file.ends_with("deal-invoice.toml"), "{file:?}");
            assert_eq!(*l, line);
        }
        other => panic!("expected a file:line, got {other:?}"),
    }
    assert!(
        p.message.contains("deal has no field `nme`"),
        "{}",
        p.message
    );
}

#[test]
fn a_key_the_connections_kind_does_not_know() {
    // another vendor's key is not silently ignored
    one(
        &edit(
            "access_token = \"sim-token\"\n\n[connections.books]",
            "access_token = \"sim-token\"\nwebhook_key = \"k\"\n\n[connections.books]",
        ),
        8,
        "unknown key `webhook_key`, expected one of `kind`",
    );
}

#[test]
fn every_unknown_vendor_key_is_reported_at_its_line() {
    let text = edit(
        "kind = \"xero\"",
        "kind = \"xero\"\nwebhook_secret = \"s\"\ntenant_id = 7\nauth_url = \"x\"",
    );
    let (_d, problems) = run(&text);
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, vec![11, 12, 13], "{problems:#?}");
    assert!(problems[0].1.starts_with("unknown key `webhook_secret`"));
    assert!(
        problems[0]
            .1
            .contains("`tenant_id`, `webhook_key` (a xero connection does not know it)")
    );
    assert!(problems[1].1.contains("`tenant_id`: invalid type"));
    assert!(problems[2].1.starts_with("unknown key `auth_url`"));
}

#[test]
fn reserve_is_a_fraction() {
    one(
        &edit("kind = \"xero\"", "kind = \"xero\"\nreserve = 1.5"),
        11,
        "reserve is the fraction of the vendor's daily budget",
    );
    let (_d, problems) = run(&edit("kind = \"xero\"", "kind = \"xero\"\nreserve = 0.5"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn defaults_in_vendor_words_come_from_the_connectors() {
    let (_d, problems) = run(GOOD);
    assert!(problems.is_empty());
    let c = ledgerbridge::config::load_from_str(Some(GOOD), None).unwrap();
    // the target's deposit account and the source's write-back naming rule
    assert_eq!(c.pairs[0].bank_account, "090");
    assert_eq!(c.pairs[0].writeback.company_overdue, "ledgerbridge_overdue");
}
