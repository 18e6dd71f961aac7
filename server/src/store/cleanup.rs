//! Deleting what can no longer be used: sign-in transactions past their lifetime, sessions
//! past their idle or absolute limit, and audit events older than `AUDIT_RETENTION_DAYS`. The
//! server runs this on its own, every so often.

use std::time::Duration;

use super::{Database, audit, sessions, transactions};
use crate::domain::now;

/// Rows deleted per statement, so the one writer is never held for long.
const BATCH: usize = 500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    pub transactions: u64,
    pub sessions: u64,
    /// Ids of back-channel logout tokens past their expiry, no longer needed against replays.
    pub logout_tokens: u64,
    /// Audit events past their retention.
    pub audit_events: u64,
}

/// Deletes every expired transaction and session as of `at` (Unix seconds), and the ids of
/// expired logout tokens. The expired rows
/// are found by a scan on a read connection (no time index: every sign-in would pay to keep
/// it), then deleted by key in small batches; an expired row cannot come back to life between
/// the two, since every use checks expiry itself.
pub async fn delete_expired(
    db: &Database,
    at: i64,
    audit_retention: Duration,
) -> Result<Deleted, sqlx::Error> {
    let expired_transactions: Vec<String> =
        sqlx::query_scalar("SELECT id_digest FROM sign_in_transactions WHERE created_at < $1")
            .bind(at - transactions::LIFETIME_SECS)
            .fetch_all(&mut *db.reader().await?)
            .await?;
    let expired_sessions: Vec<String> =
        sqlx::query_scalar("SELECT id_digest FROM sessions WHERE created_at < $1 OR last_seen_at < $2")
            .bind(at - sessions::ABSOLUTE_SECS)
            .bind(at - sessions::IDLE_SECS)
            .fetch_all(&mut *db.reader().await?)
            .await?;
    let logout_tokens = sqlx::query("DELETE FROM logout_tokens_seen WHERE expires_at < $1")
        .bind(at)
        .execute(&mut *db.writer().await?)
        .await?
        .rows_affected();
    let audit_events = audit::forget_before(db, at - audit_retention.as_secs() as i64).await?;
    Ok(Deleted {
        audit_events,
        transactions: delete_by_digest(db, Table::SignInTransactions, &expired_transactions).await?,
        sessions: delete_by_digest(db, Table::Sessions, &expired_sessions).await?,
        logout_tokens,
    })
}

#[derive(Clone, Copy)]
enum Table {
    SignInTransactions,
    Sessions,
}

async fn delete_by_digest(db: &Database, table: Table, digests: &[String]) -> Result<u64, sqlx::Error> {
    let table = match table {
        Table::SignInTransactions => "sign_in_transactions",
        Table::Sessions => "sessions",
    };
    let mut deleted = 0;
    for batch in digests.chunks(BATCH) {
        let placeholders: Vec<String> = (1..=batch.len()).map(|n| format!("${n}")).collect();
        let statement = format!(
            "DELETE FROM {table} WHERE id_digest IN ({})",
            placeholders.join(", ")
        );
        let query = batch
            .iter()
            .fold(sqlx::query(&statement), |query, digest| query.bind(digest));
        deleted += query.execute(&mut *db.writer().await?).await?.rows_affected();
    }
    Ok(deleted)
}

/// Runs [`delete_expired`] every `interval` for as long as the server runs.
pub fn spawn(db: Database, interval: Duration, audit_retention: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match delete_expired(&db, now(), audit_retention).await {
                Ok(deleted) if deleted != Deleted::default() => {
                    tracing::info!(
                        transactions = deleted.transactions,
                        sessions = deleted.sessions,
                        audit_events = deleted.audit_events,
                        "deleted expired sign-in transactions, sessions and audit events"
                    )
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not delete expired rows; trying again later"),
            }
        }
    })
}
