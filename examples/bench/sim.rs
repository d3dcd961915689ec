//! A vendor simulator (`ledgerbridge sim …`) in its own process, and its statistics
//! read over HTTP.

use crate::binaries::ledgerbridge;
use crate::process::{free_port, proc_cpu};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::runtime::{Handle, Runtime};

pub const TOKEN: &str = "bench";

/// A simulator (`ledgerbridge sim …`) in its own process, killed on drop.
pub struct Sim {
    child: std::process::Child,
    addr: String,
    http: reqwest::Client,
    rt: Handle,
}

impl Sim {
    /// Starts the simulator of `vendor` and waits until it answers.
    pub fn start(rt: &Runtime, vendor: &str, deals: usize, rate_limits: bool, scale: f64) -> Sim {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut cmd = Command::new(ledgerbridge());
        cmd.args(["sim", vendor, "--listen", &addr, "--token", TOKEN])
            .args(["--rate-limits", if rate_limits { "on" } else { "off" }])
            .args(["--rate-scale", &scale.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if vendor == "hubspot" {
            cmd.args(["--deals", &deals.to_string()]);
        }
        let child = cmd.spawn().expect("simulator starts");
        let sim = Sim {
            child,
            addr,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            rt: rt.handle().clone(),
        };
        let t = Instant::now();
        while sim.try_stats().is_none() {
            assert!(
                t.elapsed() < Duration::from_secs(600),
                "{vendor} simulator did not answer"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sim
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The simulator's call statistics, `None` while it does not answer.
    pub fn try_stats(&self) -> Option<Value> {
        let url = format!("{}/_sim/stats", self.url());
        self.rt.block_on(async {
            let r = self.http.get(url).send().await.ok()?;
            r.error_for_status().ok()?.json().await.ok()
        })
    }

    pub fn stats(&self) -> Value {
        self.try_stats().expect("simulator stats")
    }

    pub fn cpu_secs(&self) -> f64 {
        proc_cpu(self.child.id())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
