//! A provider's request to delete what we keep of one of its users (Facebook's data-deletion
//! callback): the identity goes, and the account with it when it was the account's only way in,
//! and the request is remembered by a confirmation code that a public status page looks up.

use super::{Database, erasure};
use crate::domain::now;

/// What a deletion request removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// No identity of that subject was kept (already deleted, or never signed in).
    Nothing,
    /// The identity, with its sessions and grant; the account keeps its other identities.
    Identity,
    /// The identity and the account it was the only way into.
    Account,
}

/// Deletes the identity (issuer, subject) as its provider asks, and remembers the request
/// under `code`.
pub async fn delete_identity(
    db: &Database,
    provider_id: &str,
    issuer: &str,
    subject: &str,
    code: &str,
) -> Result<Deleted, sqlx::Error> {
    let owner: Option<(i64, i64)> = sqlx::query_as(
        "SELECT user_id, (SELECT COUNT(*) FROM identities o WHERE o.user_id = i.user_id)
                        FROM identities i WHERE issuer = $1 AND subject = $2",
    )
    .bind(issuer)
    .bind(subject)
    .fetch_optional(db.reader())
    .await?;
    let deleted = match owner {
        None => Deleted::Nothing,
        Some((user_id, 1)) => {
            erasure::delete_account(db, user_id).await?;
            Deleted::Account
        }
        Some((user_id, _)) => {
            let mut writer = db.writer().await?;
            let mut tx = writer.begin().await?;
            // Its sessions go with it (the foreign key cascades).
            sqlx::query("DELETE FROM identities WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(subject)
                .execute(&mut *tx)
                .await?;
            // The account's address is always one a connected provider gave.
            sqlx::query(
                "UPDATE users SET
                   email = (SELECT email FROM identities WHERE user_id = $1 ORDER BY last_sign_in_at DESC, id DESC LIMIT 1),
                   email_verified = (SELECT email_verified FROM identities WHERE user_id = $1 ORDER BY last_sign_in_at DESC, id DESC LIMIT 1)
                 WHERE id = $1",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            db.empty_write_ahead_log().await?;
            Deleted::Identity
        }
    };
    sqlx::query(
        "INSERT INTO deletion_requests (code, provider_id, requested_at) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(code)
    .bind(provider_id)
    .bind(now())
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(deleted)
}

/// When the request with confirmation `code` was received and done; `None` for an unknown code.
pub async fn done_at(db: &Database, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT requested_at FROM deletion_requests WHERE code = $1")
        .bind(code)
        .fetch_optional(db.reader())
        .await
}

/// Drops the kept grant of the identity (issuer, subject): Facebook's deauthorize callback, sent
/// when the person removes the app. `false` when no such identity is kept.
pub async fn drop_grant(db: &Database, issuer: &str, subject: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE identities SET tokens = NULL, tokens_expire_at = NULL, reconnect_needed_at = NULL
         WHERE issuer = $1 AND subject = $2",
    )
    .bind(issuer)
    .bind(subject)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(done.rows_affected() > 0)
}
