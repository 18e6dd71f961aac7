//! Erasing what we keep of a person: the whole account when they ask, or one identity when its
//! provider says the account there is gone (and the account with it when that was its only way
//! in). The user, its identities (with what providers shared and the sealed grants), its
//! sessions, the connects it has under way and its lines of the audit trail go in one
//! transaction, which leaves only an anonymous line saying that an account was deleted, and
//! when. On SQLite the freed pages are zeroed (`secure_delete`, set when the database is
//! opened) and the write-ahead log is emptied, so no copy stays in the files.

use super::{Database, Transaction, identity_tokens::KeptGrant};
use crate::domain::now;

/// The audit outcome left behind: no user, no provider, only the time.
pub const ACCOUNT_DELETED: &str = "account-deleted";

/// What removing an identity removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// No identity of that subject was kept (already deleted, or never signed in).
    Nothing,
    /// The identity, with its sessions and grant; the account keeps its other identities.
    Identity,
    /// The identity and the account it was the only way into.
    Account,
}

/// Deletes the account `user_id`; `None` when there was none (deleted already), else the
/// grants its identities held as they were deleted (a refresh stored a moment before is among
/// them), to be given back to their providers.
pub async fn delete_account(db: &Database, user_id: i64) -> Result<Option<Vec<KeptGrant>>, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    if !lock_account(&mut tx, user_id).await? {
        return Ok(None);
    }
    let grants = erase_account(&mut tx, user_id).await?;
    tx.commit().await?;
    drop(writer);
    db.empty_write_ahead_log().await?;
    Ok(Some(grants))
}

/// Deletes the identity (issuer, subject) within `tx`, and its account when it had no other.
/// The caller commits, then empties the write-ahead log.
pub async fn remove_identity(
    tx: &mut Transaction<'_>,
    issuer: &str,
    subject: &str,
) -> Result<Removed, sqlx::Error> {
    let owner: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(user_id) = owner else {
        return Ok(Removed::Nothing);
    };
    if !lock_account(tx, user_id).await? {
        return Ok(Removed::Nothing);
    }
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM identities WHERE user_id = $1 AND NOT (issuer = $2 AND subject = $3)",
    )
    .bind(user_id)
    .bind(issuer)
    .bind(subject)
    .fetch_one(&mut **tx)
    .await?;
    if others == 0 {
        erase_account(tx, user_id).await?;
        return Ok(Removed::Account);
    }
    // Its sessions go with it (the foreign key cascades).
    sqlx::query("DELETE FROM identities WHERE issuer = $1 AND subject = $2")
        .bind(issuer)
        .bind(subject)
        .execute(&mut **tx)
        .await?;
    // The account's address is always one a connected provider gave.
    sqlx::query(
        "UPDATE users SET
           email = (SELECT email FROM identities WHERE user_id = $1 ORDER BY last_sign_in_at DESC, id DESC LIMIT 1),
           email_verified = (SELECT email_verified FROM identities WHERE user_id = $1 ORDER BY last_sign_in_at DESC, id DESC LIMIT 1)
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(Removed::Identity)
}

/// Locks the account first: a sign-in or connect of the same person waits for the end, and
/// then finds no identity (a sign-in makes a new account, a connect finds its session gone).
/// `false` when there is no such account.
async fn lock_account(tx: &mut Transaction<'_>, user_id: i64) -> Result<bool, sqlx::Error> {
    let locked = sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(locked.rows_affected() > 0)
}

async fn erase_account(tx: &mut Transaction<'_>, user_id: i64) -> Result<Vec<KeptGrant>, sqlx::Error> {
    for statement in [
        "DELETE FROM sign_in_transactions WHERE link_session IN
           (SELECT id_digest FROM sessions WHERE user_id = $1)",
        "DELETE FROM sessions WHERE user_id = $1",
    ] {
        sqlx::query(statement).bind(user_id).execute(&mut **tx).await?;
    }
    // The grants as deleted, not as read before: a refresh may have stored a new one since.
    let identities = sqlx::query(
        "DELETE FROM identities WHERE user_id = $1
         RETURNING issuer, subject, provider_id, tokens, tokens_expire_at, reconnect_needed_at",
    )
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut grants = identities
        .iter()
        .map(KeptGrant::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    grants.retain(|grant| grant.sealed.is_some());
    for statement in [
        "DELETE FROM sign_in_events WHERE user_id = $1",
        "DELETE FROM users WHERE id = $1",
    ] {
        sqlx::query(statement).bind(user_id).execute(&mut **tx).await?;
    }
    sqlx::query("INSERT INTO sign_in_events (at, provider_id, user_id, outcome) VALUES ($1, '', NULL, $2)")
        .bind(now())
        .bind(ACCOUNT_DELETED)
        .execute(&mut **tx)
        .await?;
    Ok(grants)
}
