//! The server's log: text for a terminal, or JSON lines for a collector.

use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

/// `RUST_LOG` chooses what is logged (default: info, with sqlx's statements left out).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => logs.init(),
        // The request span (id, method, path, client) goes into every line written within it.
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
}
