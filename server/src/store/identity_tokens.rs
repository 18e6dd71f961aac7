//! The sealed grant kept with each identity, and the lease under which one refresh at a time
//! runs for it, across every instance sharing the database.

use sqlx::Row;

use super::Database;

/// A grant as stored: sealed text that only the token layer opens, and its expiry in clear so
/// that the store can find grants due for a refresh without opening them.
#[derive(Debug, Clone)]
pub struct SealedTokens {
    pub text: String,
    pub expires_at: Option<i64>,
}

/// An identity's kept grant, as stored.
pub struct KeptGrant {
    pub issuer: String,
    pub subject: String,
    pub provider_id: String,
    /// `None` when nothing is kept (no `TOKEN_KEYS` at the time, or signed in before).
    pub sealed: Option<String>,
    pub expires_at: Option<i64>,
    pub reconnect_needed: bool,
}

pub async fn load(db: &Database, identity_id: i64) -> Result<Option<KeptGrant>, sqlx::Error> {
    // From the writer: a refresh stored a moment ago must be seen at once.
    let row = sqlx::query(
        "SELECT issuer, subject, provider_id, tokens, tokens_expire_at, reconnect_needed_at
         FROM identities WHERE id = $1",
    )
    .bind(identity_id)
    .fetch_optional(&mut *db.writer().await?)
    .await?;
    row.as_ref().map(KeptGrant::from_row).transpose()
}

impl KeptGrant {
    /// From a row of `identities` with the columns `load` selects.
    pub(super) fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(KeptGrant {
            issuer: row.try_get("issuer")?,
            subject: row.try_get("subject")?,
            provider_id: row.try_get("provider_id")?,
            sealed: row.try_get("tokens")?,
            expires_at: row.try_get("tokens_expire_at")?,
            reconnect_needed: row.try_get::<Option<i64>, _>("reconnect_needed_at")?.is_some(),
        })
    }
}

/// Takes the refresh lease until `until`, unless another refresh holds a lease still running
/// at `now`; `true` when taken. One statement, so two instances cannot both take it.
pub async fn take_refresh_lease(
    db: &Database,
    identity_id: i64,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let taken: Option<i64> = sqlx::query_scalar(
        "UPDATE identities SET refresh_lease_until = $1
         WHERE id = $2 AND (refresh_lease_until IS NULL OR refresh_lease_until <= $3) RETURNING id",
    )
    .bind(until)
    .bind(identity_id)
    .bind(now)
    .fetch_optional(&mut *db.writer().await?)
    .await?;
    Ok(taken.is_some())
}

/// Stores a refreshed grant (with the rotated refresh token, if the provider rotated it) and
/// gives the lease back, in one statement: readers see the old grant or the new, never half.
/// Only under the lease that was taken (`lease_until`): `false` when the identity is gone
/// (disconnected, or its account deleted, while the provider answered), or its row is another
/// identity's now, which then keeps its own grant.
pub async fn store_refreshed(
    db: &Database,
    identity_id: i64,
    lease_until: i64,
    sealed: &SealedTokens,
) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query(
        "UPDATE identities SET tokens = $1, tokens_expire_at = $2, refresh_lease_until = NULL
         WHERE id = $3 AND refresh_lease_until = $4",
    )
    .bind(&sealed.text)
    .bind(sealed.expires_at)
    .bind(identity_id)
    .bind(lease_until)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(stored.rows_affected() > 0)
}

/// Gives the lease back without a new grant (the provider could not be reached).
pub async fn release_lease(db: &Database, identity_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE identities SET refresh_lease_until = NULL WHERE id = $1")
        .bind(identity_id)
        .execute(&mut *db.writer().await?)
        .await?;
    Ok(())
}

/// The provider refused the grant: the person must connect again.
pub async fn mark_reconnect_needed(db: &Database, identity_id: i64, at: i64) -> Result<(), sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    let marked = sqlx::query(
        "UPDATE identities SET reconnect_needed_at = $1, refresh_lease_until = NULL WHERE id = $2
         RETURNING user_id, provider_id",
    )
    .bind(at)
    .bind(identity_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = marked {
        let user_id: i64 = row.try_get("user_id")?;
        let provider_id: String = row.try_get("provider_id")?;
        super::audit::record(
            &mut *tx,
            &provider_id,
            Some(user_id),
            super::audit::RECONNECT_NEEDED,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
