//! `ledgerbridge init --mappings NAME [DIR]` and `ledgerbridge init --list`: start a new
//! installation from the mapping folders built into the binary.
//!
//! Writes a commented `ledgerbridge.toml` for the pair the folder names and copies the
//! folder to `DIR/mappings/NAME`. It never overwrites: every file it would write is looked
//! at first, and an existing one stops it before anything is written.

use super::Ctx;
use crate::connectors::{self, ShippedMappings};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The config file `init` writes, the one every other subcommand reads by default.
const CONFIG_FILE: &str = "ledgerbridge.toml";

#[derive(Debug, Args)]
#[command(
    long_about = "Start an installation from the mapping folders built into this binary: write a \
commented ledgerbridge.toml for the pair the folder names (its connections pointing at the \
bundled simulators' default addresses with static simulator tokens, production settings \
commented, so `ledgerbridge check` passes as written) and copy the folder to \
DIR/mappings/NAME. Refuses to overwrite any existing file and then writes nothing. \
`--list` prints the shipped folders with their source and target."
)]
pub struct InitArgs {
    /// The shipped mapping folder to start from (`--list` shows them)
    #[arg(long, value_name = "NAME", required_unless_present = "list")]
    pub mappings: Option<String>,
    /// Print the shipped mapping folders with their source and target kinds
    #[arg(long, conflicts_with = "mappings")]
    pub list: bool,
    /// Folder to write into (created if missing)
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

pub async fn run(_ctx: &Ctx, args: InitArgs) -> ExitCode {
    if args.list {
        list();
        return ExitCode::SUCCESS;
    }
    let name = args.mappings.as_deref().unwrap_or_default();
    let Some(folder) = connectors::shipped(name) else {
        eprintln!(
            "error: --mappings {name}: no such shipped mapping folder (shipped: {})",
            connectors::shipped_names()
        );
        return super::invalid();
    };
    let (source, target) = folder.kinds();
    let (Some(source), Some(target)) = (connectors::find(source), connectors::find(target)) else {
        eprintln!(
            "error: --mappings {name}: its connectors ({source}, {target}) are not all compiled \
             into this build (compiled in: {})",
            connectors::kinds()
        );
        return super::invalid();
    };
    let files = planned_files(folder, &crate::config::example_config(source, target, name));
    match write_all(&args.dir, &files) {
        Ok(()) => {
            println!(
                "wrote {} and {} ({} mapping files); next: `ledgerbridge check`",
                args.dir.join(CONFIG_FILE).display(),
                args.dir.join("mappings").join(name).display(),
                folder.files.len()
            );
            ExitCode::SUCCESS
        }
        Err(WriteError::Exists(path)) => {
            eprintln!(
                "error: {} already exists; init never overwrites (nothing was written)",
                path.display()
            );
            super::invalid()
        }
        Err(WriteError::Io(path, e)) => {
            eprintln!(
                "error: cannot write {}: {e} (nothing was left written)",
                path.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn list() {
    println!("{:<24} {:<12} TARGET", "MAPPINGS", "SOURCE");
    for m in connectors::SHIPPED_MAPPINGS {
        let (source, target) = m.kinds();
        let state = |kind: &str| {
            if connectors::find(kind).is_some() {
                kind.to_string()
            } else {
                format!("{kind} (not in this build)")
            }
        };
        println!("{:<24} {:<12} {}", m.name, state(source), state(target));
    }
}

/// Every file `init` writes, relative to DIR, with its contents.
fn planned_files(folder: &ShippedMappings, config: &str) -> Vec<(PathBuf, String)> {
    let mut files = vec![(PathBuf::from(CONFIG_FILE), config.to_string())];
    for (file, text) in folder.files {
        files.push((
            Path::new("mappings").join(folder.name).join(file),
            text.to_string(),
        ));
    }
    files
}

enum WriteError {
    Exists(PathBuf),
    Io(PathBuf, std::io::Error),
}

/// Writes every file or none: stops at the first that exists before writing, and removes
/// what it wrote when a later write fails.
fn write_all(dir: &Path, files: &[(PathBuf, String)]) -> Result<(), WriteError> {
    if let Some((path, _)) = files.iter().find(|(p, _)| dir.join(p).exists()) {
        return Err(WriteError::Exists(dir.join(path)));
    }
    let mut written = Vec::new();
    for (path, text) in files {
        let path = dir.join(path);
        if let Err(e) = create_new(&path, text) {
            for w in written.iter().rev() {
                let _ = std::fs::remove_file(w);
            }
            return Err(match e.kind() {
                std::io::ErrorKind::AlreadyExists => WriteError::Exists(path),
                _ => WriteError::Io(path, e),
            });
        }
        written.push(path);
    }
    Ok(())
}

/// Creates the file (and its folders) and fails if it appeared meanwhile.
fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes()).inspect_err(|_| {
        let _ = std::fs::remove_file(path);
    })
}
