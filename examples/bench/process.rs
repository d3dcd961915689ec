//! Child processes: a free port for them, their CPU time, and a run measured with
//! `wait4` (wall time, CPU, peak RSS, output).

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// User + system CPU seconds of a running process (`/proc/PID/stat`).
pub fn proc_cpu(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    ticks as f64 / hz
}

/// What a finished child process used.
pub struct Usage {
    pub ok: bool,
    pub wall: f64,
    pub cpu: f64,
    pub max_rss_mb: f64,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command to completion; `wait4` gives its own peak RSS and CPU time.
/// `during` is called every 50 ms while it runs.
// The child is reaped by `wait4` below (which also gives its rusage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn run_measured(mut cmd: Command, dir: &Path, mut during: impl FnMut()) -> Usage {
    let out_path = dir.join(format!("child-{}.out", free_port()));
    let err_path = out_path.with_extension("err");
    cmd.stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    let t = Instant::now();
    let child = cmd.spawn().expect("child process starts");
    let pid = child.id() as libc::pid_t;
    let (status, ru) = loop {
        let mut status = 0;
        // SAFETY: plain libc call on our own child; both out-pointers are valid.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break (status, ru);
        }
        assert!(r == 0, "wait4 failed");
        during();
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall = t.elapsed().as_secs_f64();
    if let Some(keep) = std::env::var_os("LEDGERBRIDGE_BENCH_KEEP") {
        let to = Path::new(&keep).join(err_path.file_name().expect("a file name"));
        let _ = std::fs::copy(&err_path, to);
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        ok: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        wall,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        // Linux: kilobytes
        max_rss_mb: ru.ru_maxrss as f64 / 1024.0,
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

pub fn last_json_line(s: &str) -> Option<Value> {
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .and_then(|l| serde_json::from_str(l).ok())
}

pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
