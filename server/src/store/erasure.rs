//! Erasing an account when its person asks: the user, its identities (with what providers
//! shared and the sealed grants), its sessions, the connects it has under way and its lines of
//! the audit trail go in one transaction, which leaves only an anonymous line saying that an
//! account was deleted, and when. On SQLite the freed pages are zeroed (`secure_delete`, set
//! when the database is opened) and the write-ahead log is emptied, so no copy stays in the
//! files.

use super::Database;
use crate::domain::now;

/// The audit outcome left behind: no user, no provider, only the time.
pub const ACCOUNT_DELETED: &str = "account-deleted";

/// Deletes the account `user_id`; `false` when there was none (deleted already).
pub async fn delete_account(db: &Database, user_id: i64) -> Result<bool, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    // Locks the account first: a sign-in or connect of the same person waits for the end, and
    // then finds no identity (a sign-in makes a new account, a connect finds its session gone).
    let locked = sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if locked.rows_affected() == 0 {
        return Ok(false);
    }
    for statement in [
        "DELETE FROM sign_in_transactions WHERE link_session IN
           (SELECT id_digest FROM sessions WHERE user_id = $1)",
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM identities WHERE user_id = $1",
        "DELETE FROM sign_in_events WHERE user_id = $1",
        "DELETE FROM users WHERE id = $1",
    ] {
        sqlx::query(statement).bind(user_id).execute(&mut *tx).await?;
    }
    sqlx::query("INSERT INTO sign_in_events (at, provider_id, user_id, outcome) VALUES ($1, '', NULL, $2)")
        .bind(now())
        .bind(ACCOUNT_DELETED)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    drop(writer);
    db.empty_write_ahead_log().await?;
    Ok(true)
}
