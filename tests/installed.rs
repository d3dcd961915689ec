//! The installed path: a folder holding only the `ledgerbridge` binary, no checkout next
//! to it. `init` writes a config and the shipped mappings, `check` accepts them as
//! written, `sync` runs against the simulators the binary itself starts, and `reconcile`
//! finds both sides agreeing. Also: `init` never overwrites, `init --list`, the example
//! config being what `init` writes, and `demo --mappings` naming what it can run.

#[path = "installed/common.rs"]
mod common;
#[path = "installed/init.rs"]
mod init;
#[path = "installed/path.rs"]
mod path;
