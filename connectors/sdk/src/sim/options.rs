use std::time::Duration;

use super::FaultSpec;

/// The options every simulator takes (`ledgerbridge sim <vendor> ...`).
///
/// The engine's CLI maps its flags onto this struct; tests build it directly.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// A static bearer token that is always valid (besides OAuth-issued tokens).
    pub token: Option<String>,
    /// Enforce the vendor's real rate limits (default on).
    pub rate_limits: bool,
    /// Time scale: > 1 shortens every window, Retry-After and token lifetime
    /// this many times; daily caps scale too.
    pub rate_scale: f64,
    /// Faults to inject.
    pub faults: FaultSpec,
    /// Where to send the vendor's signed webhooks on every change.
    pub webhook_url: Option<String>,
    /// The secret the webhooks are signed with.
    pub webhook_secret: Option<String>,
    /// Seed of the deterministic data generator.
    pub seed: u64,
    /// CRM simulators: how many deals to seed.
    pub deals: usize,
    /// Webhook body format where a vendor has several (`--webhook-format`, e.g.
    /// QuickBooks' `legacy` or `cloudevents`); `None` is the vendor's default.
    pub webhook_format: Option<String>,
    /// Regional variant of the seeded company (`--region`, e.g. QuickBooks' `us`
    /// tax codes or `global` ones); `None` is the vendor's default.
    pub region: Option<String>,
    /// Serve HTTPS (`--tls`): `CERT,KEY` PEM file paths, or `self-signed` for a
    /// generated pair, for clients that only speak HTTPS.
    pub tls: Option<String>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            token: None,
            rate_limits: true,
            rate_scale: 1.0,
            faults: FaultSpec::default(),
            webhook_url: None,
            webhook_secret: None,
            seed: 42,
            deals: 0,
            webhook_format: None,
            region: None,
            tls: None,
        }
    }
}

impl SimOptions {
    /// A real-world duration shortened by `rate_scale` (never below 1 ms).
    pub fn scaled(&self, real: Duration) -> Duration {
        let scale = if self.rate_scale > 0.0 {
            self.rate_scale
        } else {
            1.0
        };
        Duration::from_secs_f64((real.as_secs_f64() / scale).max(0.001))
    }

    /// A daily cap in scaled time. The day itself is `rate_scale` times shorter
    /// (see [`SimOptions::scaled`]) and keeps its real count, exactly like the
    /// minute window keeps its 60 calls: every limit keeps its ratio to every
    /// other, so a client paced for the real vendor is paced right for the
    /// simulator. Dividing the cap as well would make a 60x demo hit Xero's
    /// daily cap after 84 calls, a limit no real day has.
    pub fn scaled_cap(&self, real: u64) -> u64 {
        real
    }
}
