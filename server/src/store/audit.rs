//! The audit trail of sign-in attempts.

use crate::domain::now;

/// Records an attempt, in the sign-in's own transaction when it succeeded.
pub async fn record<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    provider_id: &str,
    user_id: Option<i64>,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sign_in_events (at, provider_id, user_id, outcome) VALUES ($1, $2, $3, $4)")
        .bind(now())
        .bind(provider_id)
        .bind(user_id)
        .bind(outcome)
        .execute(executor)
        .await?;
    Ok(())
}
