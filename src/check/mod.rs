//! `ledgerbridge check`: validate the config (and mappings) without touching the network,
//! reporting *every* problem as `file:line: message`.
//!
//! The `config` crate drops TOML spans, so the check runs in passes over the file text:
//! 1. syntax (toml_edit);
//! 2. structure — serde over the text with spans (toml_edit's deserializer): the first
//!    error is recorded with its line, that key is blanked out (spaces, so every later
//!    line keeps its number) and the pass repeats, until the text deserializes;
//! 3. semantics — the real loader (file + environment) and [`crate::config::validate`],
//!    each problem located by its key path;
//! 4. mappings — the folder must exist, and the mapping engine checks every file in it
//!    ([`mappings`]).
//!
//! A connection's vendor keys are read by its connector in pass 3 (they pass serde's
//! structure check as a free-form table), so a key its kind does not know, one it
//! requires and one with a bad value are each reported at their line too.
//! [`online`] is `check --online`: the connectors' probes.

mod locate;
mod mappings;
pub mod online;

pub use mappings::check_pair;

use crate::config::{self, Config, validate::display_path};
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A line in a file (1-based).
    Line { file: PathBuf, line: usize },
    /// A value that came from an environment variable override.
    Env(String),
    /// No file to point into (defaults and environment only).
    Config,
}

#[derive(Debug, Clone)]
pub struct CheckProblem {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Line { file, line } => {
                write!(f, "{}:{}: {}", file.display(), line, self.message)
            }
            Location::Env(var) => write!(f, "{var} (environment): {}", self.message),
            Location::Config => write!(f, "config: {}", self.message),
        }
    }
}

/// What `check` found.
#[derive(Debug)]
pub struct CheckReport {
    pub problems: Vec<CheckProblem>,
    /// The config as loaded, when it loaded.
    pub config: Option<Config>,
    /// The file checked (`None`: defaults and environment only).
    pub file: Option<PathBuf>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// One line for the success case.
    pub fn summary(&self) -> String {
        let Some(c) = &self.config else {
            return "not loaded".into();
        };
        let what = match &self.file {
            Some(f) => f.display().to_string(),
            None => format!(
                "no {} (defaults and environment)",
                config::default_path().display()
            ),
        };
        format!(
            "ok: {what}: {} connection(s), {} pair(s), database {}",
            c.connections.len(),
            c.pairs.len(),
            config::validate::redact_url(&c.database.url),
        )
    }
}

/// Run every check on `path` (or the default file).
pub fn check(path: Option<&Path>) -> CheckReport {
    let (file, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (config::default_path(), false),
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => None,
        Err(e) => {
            let message = if e.kind() == std::io::ErrorKind::NotFound {
                "config file not found".to_string()
            } else {
                format!("cannot read: {e}")
            };
            return CheckReport {
                problems: vec![CheckProblem {
                    location: Location::Line {
                        file: file.clone(),
                        line: 1,
                    },
                    message,
                }],
                config: None,
                file: Some(file),
            };
        }
    };
    match text {
        Some(text) => check_text(&text, &file),
        None => {
            let mut report = CheckReport {
                problems: Vec::new(),
                config: None,
                file: None,
            };
            semantic(None, None, &mut report);
            report
        }
    }
}

/// Check config text as if read from `file` (paths resolve against its folder).
pub fn check_text(text: &str, file: &Path) -> CheckReport {
    let mut report = CheckReport {
        problems: Vec::new(),
        config: None,
        file: Some(file.to_path_buf()),
    };
    let at = |offset: usize| Location::Line {
        file: file.to_path_buf(),
        line: locate::line_of(text, offset),
    };

    // 1. syntax
    if let Err(e) = toml_edit::Document::parse(text.to_string()) {
        report.problems.push(CheckProblem {
            location: at(e.span().map(|s| s.start).unwrap_or(0)),
            message: format!("TOML syntax error: {}", e.message().trim()),
        });
        return report;
    }

    // 2. structure: one serde error at a time, blanking each reported key.
    let mut masked = text.to_string();
    let mut blanked_keys: Vec<String> = Vec::new();
    let mut removed_tables: Vec<String> = Vec::new();
    for _ in 0..500 {
        let err = match toml_edit::de::from_str::<Config>(&masked) {
            Ok(_) => break,
            Err(e) => e,
        };
        let span = err.span();
        let message = locate::tidy_serde_message(err.message());
        // A key blanked for a bad value is then "missing": already reported, not again.
        let echo = blanked_keys
            .iter()
            .any(|k| message == format!("missing key `{k}`"));
        if !echo {
            report.problems.push(CheckProblem {
                location: at(span.as_ref().map(|s| s.start).unwrap_or(0)),
                message,
            });
        }
        let Some(span) = span else { break };
        match locate::enclosing_item(&masked, &span) {
            Some(ranges) if !ranges.is_empty() => {
                if let Some(first) = ranges.first() {
                    blanked_keys.push(locate::key_at(&masked, first.start));
                }
                if echo {
                    // The table lost a key we already reported, so it goes as a whole;
                    // do not report it again as undefined where it is referenced.
                    removed_tables.extend(locate::table_name(&masked, &ranges));
                }
                locate::blank(&mut masked, &ranges)
            }
            _ => break,
        }
    }
    // Structure still broken (e.g. a required key missing at the top): stop here.
    if toml_edit::de::from_str::<Config>(&masked).is_err() {
        return report;
    }

    // 3. + 4. semantics, on the text with the structural errors blanked out.
    let before = report.problems.len();
    semantic(Some(&masked), Some(file), &mut report);
    let mut i = 0;
    report.problems.retain(|p| {
        i += 1;
        i <= before
            || !removed_tables.iter().any(|t| {
                p.message
                    .contains(&format!("connection `{t}`, which is not defined"))
            })
    });
    // Read top to bottom, like the file.
    report.problems.sort_by_key(|p| match &p.location {
        Location::Line { line, .. } => *line,
        _ => usize::MAX,
    });
    report
}

fn semantic(text: Option<&str>, file: Option<&Path>, report: &mut CheckReport) {
    let config = match config::load_from_str(text, file) {
        Ok(c) => c,
        Err(e) => {
            // The file alone deserialized, so an environment override broke it.
            report.problems.push(CheckProblem {
                location: Location::Env("LEDGERBRIDGE__*".into()),
                message: match e {
                    config::LoadError::Invalid { message, .. } => message,
                    other => other.to_string(),
                },
            });
            return;
        }
    };
    let doc = text.and_then(|t| toml_edit::Document::parse(t.to_string()).ok());
    let place = |path: &[config::validate::Seg]| -> Location {
        if let Some(var) = locate::env_override(path) {
            return Location::Env(var);
        }
        match (&doc, file, text) {
            (Some(doc), Some(file), Some(text)) => Location::Line {
                file: file.to_path_buf(),
                line: locate::line_of(text, locate::offset_of(doc, path)),
            },
            _ => Location::Config,
        }
    };
    for p in config::validate::validate(&config) {
        let location = place(&p.path);
        let message = if matches!(location, Location::Config) {
            format!("{}: {}", display_path(&p.path), p.message)
        } else {
            p.message
        };
        report.problems.push(CheckProblem { location, message });
    }

    // Mappings: the folder must exist; the mapping engine checks the files.
    for (i, pair) in config.pairs.iter().enumerate() {
        let dir = config.resolve_path(&pair.mappings);
        if !dir.is_dir() {
            let path = vec![
                config::validate::Seg::Key("pairs".into()),
                config::validate::Seg::Index(i),
                config::validate::Seg::Key("mappings".into()),
            ];
            report.problems.push(CheckProblem {
                location: place(&path),
                message: format!(
                    "mappings folder `{}` does not exist (resolved to {})",
                    pair.mappings,
                    dir.display()
                ),
            });
        } else {
            report.problems.extend(check_pair(&config, pair, &dir));
        }
    }
    report.config = Some(config);
}
