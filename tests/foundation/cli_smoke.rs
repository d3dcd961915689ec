//! CLI smoke: every subcommand's --help; `jobs list --json` on a fresh database; `check`
//! on the shipped example and on a misspelled key; capabilities still to come say so.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const SUBCOMMANDS: [&str; 11] = [
    "check",
    "sync",
    "worker",
    "serve",
    "demo",
    "sim",
    "reconcile",
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
    }
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
