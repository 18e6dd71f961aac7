//! The audit trail of sign-in attempts.

use crate::domain::now;

/// Records an attempt. Failing to record must not fail the sign-in, so errors are only logged.
pub async fn record(db: &super::Database, provider_id: &str, user_id: Option<i64>, outcome: &str) {
    let result =
        sqlx::query("INSERT INTO sign_in_events (at, provider_id, user_id, outcome) VALUES ($1, $2, $3, $4)")
            .bind(now())
            .bind(provider_id)
            .bind(user_id)
            .bind(outcome)
            .execute(db.pool())
            .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not record a sign-in event");
    }
}
