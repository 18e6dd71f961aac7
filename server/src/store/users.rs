//! Users and their identities at providers.

use sqlx::Row;

use super::Transaction;
use super::identity_tokens::SealedTokens;
use crate::domain::{ProviderId, now};
use crate::profile::VerifiedIdentity;

/// The user and identity a sign-in resolved to.
#[derive(Debug, Clone, Copy)]
pub struct SignedInIds {
    pub user_id: i64,
    pub identity_id: i64,
}

/// Refreshes the identity (issuer, subject) and its user from what the provider just said and
/// granted (`tokens`, sealed; `None` when none are kept), or creates both. Email never links identities. The first statement writes, so on SQLite the
/// transaction holds the write lock from its start and no concurrent sign-in can slip in between.
pub async fn upsert_identity(
    tx: &mut Transaction<'_>,
    provider_id: &ProviderId,
    identity: &VerifiedIdentity,
    tokens: Option<&SealedTokens>,
) -> Result<SignedInIds, sqlx::Error> {
    let at = now();
    if let Some(ids) = refresh(tx, identity, tokens, at).await? {
        return Ok(ids);
    }
    let user_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (display_name, email, email_verified, avatar_url, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&identity.person.display_name)
    .bind(&identity.person.email)
    .bind(identity.person.email_verified)
    .bind(&identity.person.avatar_url)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(identity_id) = insert_identity(tx, user_id, provider_id, identity, tokens, at).await? {
        return Ok(SignedInIds { user_id, identity_id });
    }
    // A concurrent first sign-in of the same person committed the identity after our UPDATE
    // found nothing. That happens on PostgreSQL, where sign-ins write side by side (SQLite's
    // one writer never gets here). The user made here is not needed; the identity that won is
    // refreshed instead, and its statement sees the other commit.
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    refresh(tx, identity, tokens, at)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// The name kept for the account of identity (issuer, subject), if it exists.
pub async fn kept_name(
    db: &super::Database,
    issuer: &str,
    subject: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT u.display_name FROM users u JOIN identities i ON i.user_id = u.id
         WHERE i.issuer = $1 AND i.subject = $2",
    )
    .bind(issuer)
    .bind(subject)
    .fetch_optional(&mut *db.reader().await?)
    .await
}

/// Updates an existing identity and its user; `None` when the identity is new.
async fn refresh(
    tx: &mut Transaction<'_>,
    identity: &VerifiedIdentity,
    tokens: Option<&SealedTokens>,
    at: i64,
) -> Result<Option<SignedInIds>, sqlx::Error> {
    let Some(ids) = update_identity(tx, identity, tokens, at).await? else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE users SET display_name = CASE WHEN $7 THEN $1 ELSE display_name END, email = $2,
         email_verified = $3, avatar_url = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&identity.person.display_name)
    .bind(&identity.person.email)
    .bind(identity.person.email_verified)
    .bind(&identity.person.avatar_url)
    .bind(at)
    .bind(ids.user_id)
    .bind(identity.name_given)
    .execute(&mut **tx)
    .await?;
    Ok(Some(ids))
}

/// Attaches a new identity to `user_id`; `None` when (issuer, subject) already exists, for
/// instance because a concurrent transaction committed it first.
pub(super) async fn insert_identity(
    tx: &mut Transaction<'_>,
    user_id: i64,
    provider_id: &ProviderId,
    identity: &VerifiedIdentity,
    tokens: Option<&SealedTokens>,
    at: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO identities
           (user_id, provider_id, issuer, subject, username, email, email_verified, raw_claims,
            tokens, tokens_expire_at, created_at, last_sign_in_at, hosted_domain, workspace)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13)
         ON CONFLICT (issuer, subject) DO NOTHING RETURNING id",
    )
    .bind(user_id)
    .bind(provider_id.as_str())
    .bind(&identity.issuer)
    .bind(identity.subject.as_str())
    .bind(&identity.person.username)
    .bind(&identity.person.email)
    .bind(identity.person.email_verified)
    .bind(&identity.person.raw_claims)
    .bind(tokens.map(|t| t.text.as_str()))
    .bind(tokens.and_then(|t| t.expires_at))
    .bind(at)
    .bind(&identity.hosted_domain)
    .bind(&identity.person.workspace)
    .fetch_optional(&mut **tx)
    .await
}

/// Writes what the provider just said and granted into an existing identity; `None` when it
/// is new. The tokens of the latest grant replace any earlier ones.
pub(super) async fn update_identity(
    tx: &mut Transaction<'_>,
    identity: &VerifiedIdentity,
    tokens: Option<&SealedTokens>,
    at: i64,
) -> Result<Option<SignedInIds>, sqlx::Error> {
    let existing = sqlx::query(
        "UPDATE identities SET username = $1, email = $2, email_verified = $3, raw_claims = $4,
         tokens = $5, tokens_expire_at = $6, reconnect_needed_at = NULL, last_sign_in_at = $7,
         hosted_domain = $10, workspace = $11
         WHERE issuer = $8 AND subject = $9 RETURNING id, user_id",
    )
    .bind(&identity.person.username)
    .bind(&identity.person.email)
    .bind(identity.person.email_verified)
    .bind(&identity.person.raw_claims)
    .bind(tokens.map(|t| t.text.as_str()))
    .bind(tokens.and_then(|t| t.expires_at))
    .bind(at)
    .bind(&identity.issuer)
    .bind(identity.subject.as_str())
    .bind(&identity.hosted_domain)
    .bind(&identity.person.workspace)
    .fetch_optional(&mut **tx)
    .await?;
    existing
        .map(|row| {
            Ok(SignedInIds {
                identity_id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
            })
        })
        .transpose()
}
