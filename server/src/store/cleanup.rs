//! Deleting what can no longer be used: sign-in transactions past their lifetime and sessions
//! past their idle or absolute limit. The server runs this on its own, every so often.

use std::time::Duration;

use super::{Database, sessions, transactions};
use crate::domain::now;

/// Rows deleted per statement, so the one writer is never held for long.
const BATCH: i64 = 500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    pub transactions: u64,
    pub sessions: u64,
}

/// Deletes every expired transaction and session as of `at` (Unix seconds).
pub async fn delete_expired(db: &Database, at: i64) -> Result<Deleted, sqlx::Error> {
    let transactions_before = at - transactions::LIFETIME_SECS;
    let transactions = delete_in_batches(db, || {
        sqlx::query(
            "DELETE FROM sign_in_transactions WHERE id_digest IN
               (SELECT id_digest FROM sign_in_transactions WHERE created_at < $1 LIMIT $2)",
        )
        .bind(transactions_before)
        .bind(BATCH)
    })
    .await?;
    let (created_before, seen_before) = (at - sessions::ABSOLUTE_SECS, at - sessions::IDLE_SECS);
    let sessions = delete_in_batches(db, || {
        sqlx::query(
            "DELETE FROM sessions WHERE id_digest IN
               (SELECT id_digest FROM sessions WHERE created_at < $1 OR last_seen_at < $2 LIMIT $3)",
        )
        .bind(created_before)
        .bind(seen_before)
        .bind(BATCH)
    })
    .await?;
    Ok(Deleted {
        transactions,
        sessions,
    })
}

async fn delete_in_batches<'q>(
    db: &Database,
    statement: impl Fn() -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    loop {
        let deleted = statement().execute(db.writer()).await?.rows_affected();
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// Runs [`delete_expired`] every `interval` for as long as the server runs.
pub fn spawn(db: Database, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match delete_expired(&db, now()).await {
                Ok(deleted) if deleted != Deleted::default() => {
                    tracing::info!(
                        transactions = deleted.transactions,
                        sessions = deleted.sessions,
                        "deleted expired sign-in transactions and sessions"
                    )
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not delete expired rows; trying again later"),
            }
        }
    })
}
