//! Prometheus metrics on a listener of their own (never on the public one), when an address is
//! set for them, with the active-session gauge recounted in the background.

use std::{net::SocketAddr, time::Duration};

use metrics_exporter_prometheus::PrometheusBuilder;

use crate::{
    domain::now,
    store::{Database, sessions},
    telemetry,
};

/// Serves `/metrics` on `address` from now on, and counts active sessions every `refresh`.
pub fn serve(address: SocketAddr, db: Database, refresh: Duration) -> Result<(), String> {
    PrometheusBuilder::new()
        .with_http_listener(address)
        .install()
        .map_err(|e| format!("cannot serve metrics on {address}: {e}"))?;
    telemetry::describe();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(refresh);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sessions::count_active(&db, now()).await {
                Ok(count) => telemetry::active_sessions(count),
                Err(error) => tracing::warn!(%error, "could not count active sessions"),
            }
        }
    });
    Ok(())
}
