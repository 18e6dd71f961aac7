//! The audit trail: sign-in attempts for the operator, and each account's own history
//! (signed in, connected, disconnected, reconnect needed, signed out elsewhere), with the
//! browser family and a coarse network address where a browser was there.

use sqlx::Row;

use super::Database;
use crate::domain::now;

/// The events an account's history shows, as recorded.
pub const DISCONNECTED: &str = "disconnected";
pub const RECONNECT_NEEDED: &str = "reconnect-needed";
pub const SIGNED_OUT_ELSEWHERE: &str = "signed-out-elsewhere";
/// The provider said the account there was deleted; this account kept its other identities.
pub const REMOVED_BY_PROVIDER: &str = "removed-by-provider";

/// Where an event came from: the browser family ("Firefox on Linux") and the client's network
/// (IPv4 /24, IPv6 /48), never its full address.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub browser: String,
    pub network: Option<String>,
}

/// One line of an account's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: i64,
    pub provider_id: String,
    pub outcome: String,
    pub browser: Option<String>,
    pub network: Option<String>,
}

/// Records an event, in the transaction of what it records when there is one.
pub async fn record<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    provider_id: &str,
    user_id: Option<i64>,
    outcome: &str,
    seen: Option<&Seen>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_events (at, provider_id, user_id, outcome, browser, network)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now())
    .bind(provider_id)
    .bind(user_id)
    .bind(outcome)
    .bind(seen.map(|s| s.browser.as_str()))
    .bind(seen.and_then(|s| s.network.as_deref()))
    .execute(executor)
    .await?;
    Ok(())
}

/// The account's latest `limit` events, newest first.
pub async fn history(db: &Database, user_id: i64, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, provider_id, outcome, browser, network FROM sign_in_events
         WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&mut *db.reader().await?)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Event {
                at: row.try_get("at")?,
                provider_id: row.try_get("provider_id")?,
                outcome: row.try_get("outcome")?,
                browser: row.try_get("browser")?,
                network: row.try_get("network")?,
            })
        })
        .collect()
}

/// Removes the events recorded before `cutoff` (Unix seconds), a few hundred per statement so
/// the one writer is never held for long.
pub async fn forget_before(db: &Database, cutoff: i64) -> Result<u64, sqlx::Error> {
    let mut forgotten = 0;
    loop {
        let done = sqlx::query(
            "DELETE FROM sign_in_events WHERE id IN
               (SELECT id FROM sign_in_events WHERE at < $1 LIMIT 500)",
        )
        .bind(cutoff)
        .execute(&mut *db.writer().await?)
        .await?
        .rows_affected();
        forgotten += done;
        if done == 0 {
            return Ok(forgotten);
        }
    }
}
