//! Recording what operators count: sign-ins and provider calls. A leaf that any layer may call;
//! without a metrics address (see `startup::metrics_listener`) recording costs next to nothing and keeps
//! nothing.

use std::time::Duration;

const SIGN_INS: &str = "sign_ins_total";
const PROVIDER_CALL_SECONDS: &str = "provider_request_duration_seconds";
const ACTIVE_SESSIONS: &str = "active_sessions";

/// Names and explains each metric for the exporter; called once it is installed.
pub fn describe() {
    metrics::describe_counter!(SIGN_INS, "Completed sign-in attempts, by provider and outcome");
    metrics::describe_histogram!(
        PROVIDER_CALL_SECONDS,
        metrics::Unit::Seconds,
        "Time for each request to a provider, by provider host"
    );
    metrics::describe_gauge!(ACTIVE_SESSIONS, "Sessions neither expired nor idle too long");
}

/// A sign-in finished with `outcome` (as in the audit trail).
pub fn sign_in_finished(provider: &str, outcome: &'static str) {
    metrics::counter!(SIGN_INS, "provider" => provider.to_owned(), "outcome" => outcome).increment(1);
}

/// A request to a provider's `host` took `elapsed`, answered or not.
pub fn provider_call(host: &str, elapsed: Duration) {
    metrics::histogram!(PROVIDER_CALL_SECONDS, "host" => host.to_owned()).record(elapsed.as_secs_f64());
}

/// This many sessions are active now.
pub fn active_sessions(count: i64) {
    metrics::gauge!(ACTIVE_SESSIONS).set(count as f64);
}
