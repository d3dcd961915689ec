//! CLI smoke: every subcommand's --help; `jobs list --json` on a fresh database; `check`
//! on the shipped example and on a misspelled key; one exit-code rule everywhere.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const SUBCOMMANDS: [&str; 12] = [
    "check",
    "sync",
    "worker",
    "serve",
    "demo",
    "sim",
    "reconcile",
    "init",
    "budget",
    "jobs",
    "connect",
    "audit",
];

#[test]
fn every_subcommand_has_help() {
    let out = Command::new(bin()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let top = String::from_utf8_lossy(&out.stdout);
    for sub in SUBCOMMANDS {
        assert!(top.contains(sub), "top-level help lacks {sub}");
        let out = Command::new(bin()).args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub} --help failed");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Usage:"), "{sub} --help: {help}");
        assert!(
            help.contains(EXIT_RULE),
            "{sub} --help states no exit codes: {help}"
        );
    }
    assert!(top.contains(EXIT_RULE), "top-level help: {top}");
    for sub in [
        ["jobs", "list"],
        ["jobs", "show"],
        ["jobs", "retry"],
        ["jobs", "dead"],
        ["audit", "verify"],
        ["audit", "list"],
    ] {
        let out = Command::new(bin())
            .args(sub)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{sub:?} --help failed");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains(EXIT_RULE), "{sub:?} --help: {help}");
    }
}

const EXIT_RULE: &str = "Exit codes: 0 success; 1 a failure";

/// A config whose SQLite database cannot be created (its folder would sit under a
/// plain file), with a pair and an OAuth connection so every subcommand gets as far
/// as opening it.
fn unopenable_database(dir: &Path) -> std::path::PathBuf {
    std::fs::write(dir.join("plain-file"), "").unwrap();
    std::fs::create_dir(dir.join("maps")).unwrap();
    let cfg = dir.join("ledgerbridge.toml");
    std::fs::write(
        &cfg,
        "[database]\nurl = \"sqlite://plain-file/sub/lb.db\"\n\
         [connections.crm]\nkind = \"hubspot\"\nbase_url = \"http://127.0.0.1:9\"\n\
         auth = \"static\"\naccess_token = \"t\"\n\
         [connections.books]\nkind = \"xero\"\nbase_url = \"http://127.0.0.1:9\"\n\
         auth = \"oauth\"\nclient_id = \"id\"\nclient_secret = \"s\"\n\
         [[pairs]]\nname = \"main\"\nsource = \"crm\"\ntarget = \"books\"\n\
         mappings = \"maps\"\n",
    )
    .unwrap();
    cfg
}

/// 1 when the environment fails (a database that cannot be opened), 2 when the input
/// is wrong (an unknown pair, connection or flag value), the same in every subcommand.
#[test]
fn exit_codes_follow_one_rule_in_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = unopenable_database(dir.path());
    let code = |args: &[&str]| {
        let out = Command::new(bin())
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for args in [
        &["reconcile"][..],
        &["budget", "--no-refresh"],
        &["connect", "books", "--paste"],
        &["sync"],
        &["jobs", "list"],
        &["audit", "verify"],
        &["worker"],
    ] {
        let (c, err) = code(args);
        assert_eq!(
            c,
            Some(1),
            "{args:?}: a database that cannot be opened: {err}"
        );
    }
    for args in [
        &["reconcile", "--pair", "nope"][..],
        &["budget", "--pair", "nope"],
        &["sync", "--pair", "nope"],
        &["connect", "nope"],
        &["connect", "crm"],
        &["reconcile", "--format", "pdf"],
        &["budget", "--format", "pdf"],
        &["jobs", "list", "--state", "sleeping"],
        &["reconcile", "--since", "last week"],
        &["audit", "list", "--since", "last week"],
        &["sim", "hubspot", "--rate-limits", "maybe"],
    ] {
        let (c, err) = code(args);
        assert_eq!(c, Some(2), "{args:?}: invalid input: {err}");
    }
}

#[test]
fn jobs_list_json_on_fresh_database_is_empty_array() {
    let (dir, url) = fresh_sqlite();
    let cfg = write_config(dir.path(), &url, 5);
    let out = Command::new(bin())
        .args(["jobs", "list", "--json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn check_example_and_misspelled_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(bin())
        .args(["check", "--config"])
        .arg(root.join("config.example.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: "));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[database]\nurl = \"sqlite://x.db\"\n\n[worker]\nconcurency = 2\n",
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{}:5: unknown key `concurency`", file.display())),
        "{stdout}"
    );
}

#[test]
fn environment_overrides_are_checked_and_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(bin())
        .args(["check", "--config"])
        .arg(root.join("config.example.toml"))
        .env("LEDGERBRIDGE__DATABASE__URL", "mysql://nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "LEDGERBRIDGE__DATABASE__URL (environment): unsupported database URL `mysql://nope`"
        ),
        "{stdout}"
    );
    // and a good override is used
    let out = Command::new(bin())
        .args(["check", "--config"])
        .arg(root.join("config.example.toml"))
        .env("LEDGERBRIDGE__DATABASE__URL", "postgres://u@db.example/lb")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("postgres://u@db.example/lb"));
}
