//! `ledgerbridge budget` on the command line: argument and config errors exit 2.

use std::process::Command;

fn budget(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ledgerbridge"))
        .arg("budget")
        .args(args)
        .current_dir(dir)
        .env_remove("LEDGERBRIDGE_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_period_or_a_config_without_pairs_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = budget(dir.path(), &["--period", "2026-13..2026-12"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--period"), "{err}");
    let (code, err) = budget(dir.path(), &["--period", "2026-03..2026-01"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("ends before it starts"), "{err}");
    let (code, err) = budget(dir.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no [[pairs]]"), "{err}");
    let (code, err) = budget(dir.path(), &["--pair", "nope"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no pair named \"nope\""), "{err}");
}
