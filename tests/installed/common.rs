//! A temporary folder with a copy of the binary, and simulators run by that binary.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A fresh folder holding nothing but a copy of the built binary.
pub struct Installed {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
}

impl Installed {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("ledgerbridge");
        let built = env!("CARGO_BIN_EXE_ledgerbridge");
        // A hard link puts the binary there without ever opening it for writing; a copy
        // (another file system) leaves a moment in which a child that another test thread
        // forks holds the write descriptor, and exec then fails with "Text file busy".
        if std::fs::hard_link(built, &bin).is_err() {
            std::fs::copy(built, &bin).expect("copy the binary");
        }
        wait_until_executable(&bin);
        Self { dir, bin }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The binary with the folder as its working directory and no config or database
    /// settings inherited from the environment of the test run.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.current_dir(self.path())
            .env_remove("LEDGERBRIDGE_CONFIG")
            .env_remove("LEDGERBRIDGE__DATABASE__URL")
            .env_remove("LEDGERBRIDGE_MASTER_KEY");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run the binary")
    }
}

/// Runs `bin --version` until the kernel lets it execute: a copy's write descriptor lives on
/// only in children forked while it was open, and each of them soon execs or exits.
fn wait_until_executable(bin: &Path) {
    for attempt in 0.. {
        match Command::new(bin).arg("--version").output() {
            Ok(_) => return,
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempt < 200 => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("run {}: {e}", bin.display()),
        }
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A simulator process; killed when dropped.
pub struct Sim {
    child: Child,
    pub base_url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ledgerbridge sim <kind> --listen 127.0.0.1:0 <extra>` and waits for the line
/// announcing the address it bound.
pub fn start_sim(installed: &Installed, kind: &str, extra: &[&str]) -> Sim {
    let mut child = installed
        .cmd()
        .args(["sim", kind, "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the simulator");
    let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let base_url = loop {
        let line = match lines.next() {
            Some(Ok(line)) => line,
            _ => panic!("the {kind} simulator ended before saying where it listens"),
        };
        if let Some(rest) = line.split(" simulator on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .expect("an address")
                .to_string();
        }
    };
    // Keep reading so the simulator never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Sim { child, base_url }
}
