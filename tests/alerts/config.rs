//! `[alerts]` through `check`: every problem at its file:line, and no secret echoed.

use ledgerbridge::check::{self, Location};

const BASE: &str = "[database]\nurl = \"sqlite://lb.db\"\n\n";

/// `check` on BASE + `alerts`; (line, message) of each problem.
fn problems(alerts: &str) -> Vec<(usize, String)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ledgerbridge.toml");
    std::fs::write(&file, format!("{BASE}{alerts}")).unwrap();
    check::check(Some(&file))
        .problems
        .iter()
        .map(|p| match &p.location {
            Location::Line { line, .. } => (*line, p.message.clone()),
            other => panic!("not at a line: {other:?}: {}", p.message),
        })
        .collect()
}

#[test]
fn a_complete_alerts_table_passes() {
    let p = problems(
        "[alerts]\nwebhook_url = \"https://hooks.example.com/x\"\nwebhook_format = \"slack\"\n\
         smtp_url = \"smtps://u:p@mail.example.com:465\"\nemail_from = \"lb@example.com\"\n\
         email_to = [\"a@example.com\"]\nkinds = [\"run_failed\", \"queue_not_draining\"]\n\
         min_interval = \"30m\"\nqueue_max_age = 600\n",
    );
    assert!(p.is_empty(), "{p:#?}");
}

#[test]
fn unknown_keys_kinds_and_durations_are_reported_at_their_line() {
    let p = problems("[alerts]\nwebhook_url = \"https://h.example.com\"\nwebhok_secret = \"x\"\n");
    let typo = p
        .iter()
        .find(|(_, m)| m.starts_with("unknown key `webhok_secret`"))
        .unwrap_or_else(|| panic!("{p:#?}"));
    assert_eq!(typo.0, 6, "{p:#?}");

    let p = problems("[alerts]\nkinds = [\"run_failed\", \"run_faild\"]\n");
    assert_eq!(p[0].0, 5, "{p:#?}");
    assert!(p[0].1.contains("run_faild"), "{p:#?}");

    let p = problems("[alerts]\nmin_interval = \"soon\"\n");
    assert_eq!(p[0].0, 5, "{p:#?}");
    assert!(p[0].1.contains("invalid duration `soon`"), "{p:#?}");
}

#[test]
fn what_serde_cannot_see_is_reported_too_without_echoing_secrets() {
    // a JSON webhook needs its signing secret
    let p = problems("[alerts]\nwebhook_url = \"https://h.example.com\"\n");
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].0, 4);
    assert!(p[0].1.contains("needs `webhook_secret`"), "{p:#?}");

    // an SMTP URL of the wrong scheme, whose password must not be repeated
    let p = problems(
        "[alerts]\nsmtp_url = \"http://user:hunter2@mail.example.com\"\nemail_from = \"lb@example.com\"\n\
         email_to = [\"not an address\"]\n",
    );
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(p[0].0, 5);
    assert!(p[0].1.contains("smtp_url must start smtp://"), "{p:#?}");
    assert!(!p[0].1.contains("hunter2"));
    assert_eq!(p[1].0, 7);
    assert!(p[1].1.contains("email_to `not an address`"), "{p:#?}");

    // email settings without a server send nothing
    let p = problems("[alerts]\nemail_to = [\"a@example.com\"]\n");
    assert!(p[0].1.contains("`smtp_url` is not"), "{p:#?}");
}
