//! A config over running simulators, written to a temp folder with the shipped mappings.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub const TOKEN: &str = "registry-token";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ledgerbridge")
}

pub fn sim_options() -> ledgerbridge_sdk::sim::SimOptions {
    ledgerbridge_sdk::sim::SimOptions {
        token: Some(TOKEN.into()),
        rate_limits: false,
        deals: 12,
        ..Default::default()
    }
}

/// Writes `ledgerbridge.toml` (SQLite `lb.db`) with `body` into a fresh folder holding
/// the shipped mappings under `mappings/`.
pub fn folder(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let maps = dir.path().join("mappings");
    std::fs::create_dir_all(&maps).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/hubspot-xero");
    for e in std::fs::read_dir(&shipped).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, maps.join(p.file_name().unwrap())).unwrap();
        }
    }
    let path = dir.path().join("ledgerbridge.toml");
    std::fs::write(
        &path,
        format!("[database]\nurl = \"sqlite://lb.db\"\n{body}"),
    )
    .unwrap();
    (dir, path)
}

/// Runs the binary; (exit code, stdout, stderr).
pub fn run(args: &[&str], config: &Path) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(bin())
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
