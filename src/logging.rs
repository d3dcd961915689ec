//! Logging: tracing to stderr, filtered by `RUST_LOG` (default `info`), as text or JSON
//! (`--log-format json` or `[log] format = "json"`). Jobs run inside a `job` span carrying
//! job id, kind, attempt, connection and record key, so every line of a job is findable.
//! Secrets never reach a log: config secrets are `secrecy` values whose Debug is redacted.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Install the global subscriber (once; later calls are ignored, as in tests).
pub fn init(format: LogFormat) {
    init_with_default(format, "info")
}

/// Like [`init`] with another default level when `RUST_LOG` is unset (the demo keeps
/// its terminal for the summary: warnings only).
pub fn init_with_default(format: LogFormat, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
