//! What the server tells its operators: logs, as text or as JSON lines, and, when an address
//! is set for them, Prometheus metrics on a listener of their own (never on the public one).

use std::{net::SocketAddr, time::Duration};

use metrics_exporter_prometheus::PrometheusBuilder;
use tracing_subscriber::EnvFilter;

use crate::{
    domain::now,
    settings::LogFormat,
    store::{Database, sessions},
};

const SIGN_INS: &str = "sign_ins_total";
const PROVIDER_CALL_SECONDS: &str = "provider_request_duration_seconds";
const ACTIVE_SESSIONS: &str = "active_sessions";

/// `RUST_LOG` chooses what is logged (default: info, with sqlx's statements left out).
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => logs.init(),
        // The request span (id, method, path, client) goes into every line written within it.
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
}

/// Serves `/metrics` on `address` from now on, and counts active sessions every `refresh`.
pub fn serve_metrics(address: SocketAddr, db: Database, refresh: Duration) -> Result<(), String> {
    PrometheusBuilder::new()
        .with_http_listener(address)
        .install()
        .map_err(|e| format!("cannot serve metrics on {address}: {e}"))?;
    metrics::describe_counter!(SIGN_INS, "Completed sign-in attempts, by provider and outcome");
    metrics::describe_histogram!(
        PROVIDER_CALL_SECONDS,
        metrics::Unit::Seconds,
        "Time for each request to a provider, by provider host"
    );
    metrics::describe_gauge!(ACTIVE_SESSIONS, "Sessions neither expired nor idle too long");
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(refresh);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sessions::count_active(&db, now()).await {
                Ok(count) => metrics::gauge!(ACTIVE_SESSIONS).set(count as f64),
                Err(error) => tracing::warn!(%error, "could not count active sessions"),
            }
        }
    });
    Ok(())
}

/// A sign-in finished with `outcome` (as in the audit trail). Without a metrics address this
/// records nothing.
pub fn sign_in_finished(provider: &str, outcome: &'static str) {
    metrics::counter!(SIGN_INS, "provider" => provider.to_owned(), "outcome" => outcome).increment(1);
}

/// A request to a provider's `host` took `elapsed`, answered or not.
pub fn provider_call(host: &str, elapsed: Duration) {
    metrics::histogram!(PROVIDER_CALL_SECONDS, "host" => host.to_owned()).record(elapsed.as_secs_f64());
}
