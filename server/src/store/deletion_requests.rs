//! A provider's request to delete what we keep of one of its users (Facebook's data-deletion
//! callback): the identity goes, and the account with it when it was the account's only way in,
//! and the request is remembered by a confirmation code that a public status page looks up.

use super::{
    Database,
    erasure::{self, Removed},
};
use crate::domain::now;

/// Deletes the identity (issuer, subject) as its provider asks, and the account with it when it
/// was the only way in, and remembers the request under `code`, all in one transaction.
pub async fn delete_identity(
    db: &Database,
    provider_id: &str,
    issuer: &str,
    subject: &str,
    code: &str,
) -> Result<Removed, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    let removed = erasure::remove_identity(&mut tx, issuer, subject).await?;
    sqlx::query(
        "INSERT INTO deletion_requests (code, provider_id, requested_at) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(code)
    .bind(provider_id)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    drop(writer);
    if removed != Removed::Nothing {
        db.empty_write_ahead_log().await?;
    }
    Ok(removed)
}

/// When the request with confirmation `code` was received and done; `None` for an unknown code.
pub async fn done_at(db: &Database, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT requested_at FROM deletion_requests WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *db.reader().await?)
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
