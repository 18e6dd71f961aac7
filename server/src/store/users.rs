//! Users and their identities at providers.

use sqlx::Row;

use crate::domain::{ProviderId, now};
use crate::profile::VerifiedIdentity;

/// The user and identity a sign-in resolved to.
#[derive(Debug, Clone, Copy)]
pub struct SignedInIds {
    pub user_id: i64,
    pub identity_id: i64,
}

/// Finds the identity by (issuer, subject) or creates it with a new user, and refreshes the
/// profile from what the provider just said. Email never links identities.
pub async fn upsert_identity(
    db: &super::Database,
    provider_id: &ProviderId,
    identity: &VerifiedIdentity,
) -> Result<SignedInIds, sqlx::Error> {
    let at = now();
    let mut tx = db.pool().begin().await?;
    let existing = sqlx::query("SELECT id, user_id FROM identities WHERE issuer = $1 AND subject = $2")
        .bind(&identity.issuer)
        .bind(identity.subject.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let ids = match existing {
        Some(row) => {
            let ids = SignedInIds {
                identity_id: row.get("id"),
                user_id: row.get("user_id"),
            };
            sqlx::query(
                "UPDATE identities SET username = $1, email = $2, email_verified = $3, raw_claims = $4,
                 last_sign_in_at = $5 WHERE id = $6",
            )
            .bind(&identity.username)
            .bind(&identity.email)
            .bind(identity.email_verified)
            .bind(&identity.raw_claims)
            .bind(at)
            .bind(ids.identity_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE users SET display_name = $1, email = $2, email_verified = $3, avatar_url = $4,
                 updated_at = $5 WHERE id = $6",
            )
            .bind(&identity.display_name)
            .bind(&identity.email)
            .bind(identity.email_verified)
            .bind(&identity.avatar_url)
            .bind(at)
            .bind(ids.user_id)
            .execute(&mut *tx)
            .await?;
            ids
        }
        None => {
            let user_id: i64 = sqlx::query_scalar(
                "INSERT INTO users (display_name, email, email_verified, avatar_url, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&identity.display_name)
            .bind(&identity.email)
            .bind(identity.email_verified)
            .bind(&identity.avatar_url)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            let identity_id: i64 = sqlx::query_scalar(
                "INSERT INTO identities
                   (user_id, provider_id, issuer, subject, username, email, email_verified, raw_claims,
                    created_at, last_sign_in_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(user_id)
            .bind(provider_id.as_str())
            .bind(&identity.issuer)
            .bind(identity.subject.as_str())
            .bind(&identity.username)
            .bind(&identity.email)
            .bind(identity.email_verified)
            .bind(&identity.raw_claims)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            SignedInIds { user_id, identity_id }
        }
    };
    tx.commit().await?;
    Ok(ids)
}
