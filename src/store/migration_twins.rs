//! The SQLite and PostgreSQL migrations are twins: the same files, the same schema.
//! Applied migrations are never rewritten (each database keeps their checksums), so
//! the copies cannot be merged into one folder; this test keeps them from drifting.

use std::collections::BTreeSet;
use std::path::Path;

/// Twins that differ, and why. Everything else must be byte-identical.
const DIFFERING: &[(&str, &str)] = &[(
    "20261128000001_foundation.sql",
    "column types: SQLite's INTEGER and BLOB are PostgreSQL's BIGINT and BYTEA \
     (epoch milliseconds need 64 bits there), and the header names its backend",
)];

fn folder(backend: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

fn names(backend: &str) -> BTreeSet<String> {
    std::fs::read_dir(folder(backend))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect()
}

/// The SQLite text in PostgreSQL's spelling, comments left out: what must be equal
/// in a twin that differs for the listed reason only.
fn as_postgres(sql: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in without_comments(sql).chars().map(Some).chain([None]) {
        match c {
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => word.push(c),
            _ => {
                out.push_str(match word.as_str() {
                    "INTEGER" => "BIGINT",
                    "BLOB" => "BYTEA",
                    w => w,
                });
                word.clear();
                out.extend(c);
            }
        }
    }
    out
}

fn without_comments(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_migration_has_its_twin_and_the_twins_agree() {
    let sqlite = names("sqlite");
    let postgres = names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "a migration exists for one backend only: add its twin"
    );
    for name in &sqlite {
        let a = std::fs::read(folder("sqlite").join(name)).unwrap();
        let b = std::fs::read(folder("postgres").join(name)).unwrap();
        let listed = DIFFERING.iter().find(|(n, _)| n == name);
        match listed {
            None => assert!(
                a == b,
                "migrations/sqlite/{name} and migrations/postgres/{name} differ: make them \
                 byte-identical, or list the file in DIFFERING with the reason"
            ),
            Some((_, why)) => {
                assert!(a != b, "{name} is listed as differing but is identical");
                let (a, b) = (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
                assert_eq!(
                    as_postgres(&a),
                    without_comments(&b),
                    "{name} differs beyond what is listed ({why})"
                );
            }
        }
    }
    for (name, _) in DIFFERING {
        assert!(
            sqlite.contains(*name),
            "DIFFERING lists {name}, no such file"
        );
    }
}

#[test]
fn the_spelling_check_sees_a_real_drift() {
    let sqlite = "-- header\nCREATE TABLE t (\n    at INTEGER NOT NULL,\n    b BLOB\n);";
    let same = "-- other header\nCREATE TABLE t (\n    at BIGINT NOT NULL,\n    b BYTEA\n);";
    let drifted = "CREATE TABLE t (\n    at BIGINT NOT NULL,\n    b BYTEA,\n    c TEXT\n);";
    assert_eq!(as_postgres(sqlite), without_comments(same));
    assert_ne!(as_postgres(sqlite), without_comments(drifted));
}
