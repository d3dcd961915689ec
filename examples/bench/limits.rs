//! The vendor limits the minimums and the rate budget are measured against, read from
//! what the connectors declare (their capabilities under the default configuration,
//! which is what the suite's syncs run with), never copied.

use ledgerbridge_hubspot::HubSpotConfig;
use ledgerbridge_xero::XeroConfig;

pub struct Limits {
    /// Records per HubSpot list page.
    pub hubspot_page: i64,
    /// Ids per HubSpot batch read.
    pub hubspot_batch_read: i64,
    /// Records per HubSpot batch update (write-back).
    pub hubspot_batch_write: i64,
    /// Records per Xero batch write.
    pub xero_batch: i64,
    /// Notes per Xero History PUT (one subject per call).
    pub xero_notes_per_call: i64,
    /// Xero's calls per minute per tenant.
    pub xero_per_minute: f64,
}

pub fn limits() -> Limits {
    let hubspot = ledgerbridge_hubspot::source::capabilities(&HubSpotConfig::default());
    let xero = ledgerbridge_xero::capabilities(&XeroConfig::default());
    let n = |v: usize| i64::try_from(v).expect("a batch size fits");
    Limits {
        hubspot_page: n(hubspot.page_size),
        hubspot_batch_read: n(hubspot.read_batch),
        hubspot_batch_write: n(hubspot.write_batch_for("deal")),
        xero_batch: n(xero.write_batch_for("invoice")),
        xero_notes_per_call: n(xero.write_batch_for("note")),
        xero_per_minute: xero
            .rate_limits
            .iter()
            .find(|l| l.name == "minute")
            .map(|l| f64::from(l.calls) * 60.0 / l.per.as_secs_f64())
            .expect("Xero declares its per-minute limit"),
    }
}
