//! The release binaries the suite drives, built once, and where they are.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// target/release (this example lives in target/release/examples).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// Builds every binary the suite drives, once, with this binary's profile. One cargo
/// call per package, each with that package's own features, so the artifacts are the
/// ones `cargo run --release --example …` of each benchmark builds (no second build).
pub fn build() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let builds: [&[&str]; 3] = [
        &[
            "-p",
            "ledgerbridge",
            "--bin",
            "ledgerbridge",
            "--example",
            "webhook_bench",
        ],
        &[
            "-p",
            "ledgerbridge-hubspot",
            "--features",
            "sim",
            "--example",
            "pull_bench",
            "--example",
            "sim_server",
        ],
        &["-p", "ledgerbridge-mapping", "--example", "map_bench"],
    ];
    eprintln!("bench: building the binaries (once)…");
    let t = Instant::now();
    for args in builds {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("build")
            .args(args);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        if !cmd.status().map(|s| s.success()).unwrap_or(false) {
            eprintln!("bench: the build failed: cargo build {}", args.join(" "));
            std::process::exit(1);
        }
    }
    eprintln!("bench: built in {:.0} s", t.elapsed().as_secs_f64());
}

pub fn ledgerbridge() -> PathBuf {
    bin_dir().join("ledgerbridge")
}

pub fn example(name: &str) -> PathBuf {
    bin_dir().join("examples").join(name)
}
