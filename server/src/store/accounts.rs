//! One account, several providers: the identities of a user, connecting another one, and
//! disconnecting one. Identities are never merged by email, and an identity belongs to one
//! user only.

use sqlx::Row;

use super::{
    Database,
    identity_tokens::{KeptGrant, SealedTokens},
    users,
};
use crate::{
    domain::{ProviderId, now},
    profile::VerifiedIdentity,
};

/// A provider account connected to a user.
#[derive(Debug, Clone)]
pub struct ConnectedIdentity {
    pub id: i64,
    pub provider_id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub created_at: i64,
    pub last_sign_in_at: i64,
    /// The provider refused to refresh its grant.
    pub reconnect_needed: bool,
}

/// What connecting an identity to an account came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connected {
    /// Now connected (or it already was, and was refreshed).
    Yes { identity_id: i64 },
    /// The identity belongs to another account; nothing changed.
    OwnedByAnother,
    /// The session that asked has ended; nothing changed.
    SessionEnded,
}

/// What disconnecting an identity came to.
pub enum Disconnected {
    /// Gone, with the grant it held as it was deleted (to be given back), if one was kept.
    Yes(Option<KeptGrant>),
    /// It is the account's only way to sign in; nothing changed.
    LastIdentity,
    /// The account has no such identity; nothing changed.
    NotFound,
}

pub async fn identities_of(db: &Database, user_id: i64) -> Result<Vec<ConnectedIdentity>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, provider_id, username, email, created_at, last_sign_in_at, reconnect_needed_at
         FROM identities WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *db.reader().await?)
    .await?;
    Ok(rows
        .iter()
        .map(|row| ConnectedIdentity {
            id: row.get("id"),
            provider_id: row.get("provider_id"),
            username: row.get("username"),
            email: row.get("email"),
            created_at: row.get("created_at"),
            last_sign_in_at: row.get("last_sign_in_at"),
            reconnect_needed: row.get::<Option<i64>, _>("reconnect_needed_at").is_some(),
        })
        .collect())
}

/// Attaches `identity` to the user of the session whose digest is `session_digest`, in one
/// transaction that first locks that user's row, so that the session cannot end and another
/// connect or disconnect of the same account cannot interleave half-way.
pub async fn connect(
    db: &Database,
    session_digest: &str,
    provider_id: &ProviderId,
    identity: &VerifiedIdentity,
    tokens: Option<&SealedTokens>,
    seen: &super::audit::Seen,
) -> Result<Connected, sqlx::Error> {
    let at = now();
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET updated_at = $1
         WHERE id = (SELECT user_id FROM sessions WHERE id_digest = $2) RETURNING id",
    )
    .bind(at)
    .bind(session_digest)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else {
        return Ok(Connected::SessionEnded);
    };
    let owner: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2")
            .bind(&identity.issuer)
            .bind(identity.subject.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let identity_id = match owner {
        Some(owner) if owner != user_id => return Ok(Connected::OwnedByAnother),
        Some(_) => users::update_identity(&mut tx, identity, tokens, at)
            .await?
            .map(|ids| ids.identity_id),
        // A first sign-in with this identity may commit between the look-up and here
        // (PostgreSQL): then it belongs to that new account, and nothing is inserted.
        None => users::insert_identity(&mut tx, user_id, provider_id, identity, tokens, at).await?,
    };
    let Some(identity_id) = identity_id else {
        return Ok(Connected::OwnedByAnother);
    };
    super::audit::record(
        &mut *tx,
        provider_id.as_str(),
        Some(user_id),
        CONNECTED,
        Some(seen),
    )
    .await?;
    tx.commit().await?;
    Ok(Connected::Yes { identity_id })
}

/// The audit outcome of connecting a provider to an account.
pub const CONNECTED: &str = "connected";

/// Removes one of the user's identities unless it is the last. Sessions that were started
/// with it stay signed in, now shown under the account's most recently used other identity,
/// whose address becomes the account's.
pub async fn disconnect(
    db: &Database,
    user_id: i64,
    identity_id: i64,
    seen: &super::audit::Seen,
) -> Result<Disconnected, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    // Locks the account first, so two disconnects of its last two identities cannot both pass
    // the count below.
    let locked = sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if locked.rows_affected() == 0 {
        return Ok(Disconnected::NotFound);
    }
    let provider_id: Option<String> =
        sqlx::query_scalar("SELECT provider_id FROM identities WHERE id = $1 AND user_id = $2")
            .bind(identity_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(provider_id) = provider_id else {
        return Ok(Disconnected::NotFound);
    };
    let remaining: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM identities WHERE user_id = $1 AND id <> $2
         ORDER BY last_sign_in_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(identity_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(remaining) = remaining else {
        return Ok(Disconnected::LastIdentity);
    };
    sqlx::query("UPDATE sessions SET identity_id = $1 WHERE identity_id = $2")
        .bind(remaining)
        .bind(identity_id)
        .execute(&mut *tx)
        .await?;
    // The grant as deleted: a refresh may have stored a new one since the page was shown.
    let deleted = sqlx::query(
        "DELETE FROM identities WHERE id = $1
         RETURNING issuer, subject, provider_id, tokens, tokens_expire_at, reconnect_needed_at",
    )
    .bind(identity_id)
    .fetch_one(&mut *tx)
    .await?;
    let grant = Some(KeptGrant::from_row(&deleted)?).filter(|grant| grant.sealed.is_some());
    // The account's address is always one a connected provider gave, with its verification.
    sqlx::query(
        "UPDATE users SET email = (SELECT email FROM identities WHERE id = $1),
         email_verified = (SELECT email_verified FROM identities WHERE id = $1) WHERE id = $2",
    )
    .bind(remaining)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    super::audit::record(
        &mut *tx,
        &provider_id,
        Some(user_id),
        super::audit::DISCONNECTED,
        Some(seen),
    )
    .await?;
    tx.commit().await?;
    Ok(Disconnected::Yes(grant))
}
