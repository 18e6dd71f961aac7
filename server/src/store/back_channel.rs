//! What a provider's back-channel logout changes: the sessions it names end, and its token's
//! `jti` is remembered until the token expires, so that a replay is refused.

use super::{Database, Transaction};
use crate::oidc::logout_token::Ends;

/// Remembers `jti` of `issuer` until `remember_until` (logout tokens, security event tokens
/// and Apple's notifications alike), in `tx`; false when it was remembered already, which is
/// a replay or a redelivery.
pub async fn first_delivery(
    tx: &mut Transaction<'_>,
    issuer: &str,
    jti: &str,
    remember_until: i64,
) -> Result<bool, sqlx::Error> {
    let first_time: Option<String> = sqlx::query_scalar(
        "INSERT INTO logout_tokens_seen (issuer, jti, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (issuer, jti) DO NOTHING RETURNING jti",
    )
    .bind(issuer)
    .bind(jti)
    .bind(remember_until)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(first_time.is_some())
}

/// Acts on one logout token of `issuer`, in one transaction: refuses it when its `jti` was
/// seen before (`None`), else ends the sessions it names and returns how many ended.
pub async fn end_sessions(
    db: &Database,
    issuer: &str,
    jti: &str,
    remember_until: i64,
    ends: &Ends,
) -> Result<Option<u64>, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    if !first_delivery(&mut tx, issuer, jti, remember_until).await? {
        return Ok(None);
    }
    let ended = match ends {
        Ends::ProviderSession {
            sid,
            subject: Some(subject),
        } => {
            sqlx::query(
                "DELETE FROM sessions WHERE provider_sid = $1 AND identity_id IN
                   (SELECT id FROM identities WHERE issuer = $2 AND subject = $3)",
            )
            .bind(sid)
            .bind(issuer)
            .bind(subject)
            .execute(&mut *tx)
            .await?
        }
        Ends::ProviderSession { sid, subject: None } => {
            sqlx::query(
                "DELETE FROM sessions WHERE provider_sid = $1 AND identity_id IN
                   (SELECT id FROM identities WHERE issuer = $2)",
            )
            .bind(sid)
            .bind(issuer)
            .execute(&mut *tx)
            .await?
        }
        Ends::Subject(subject) => {
            sqlx::query(
                "DELETE FROM sessions WHERE identity_id IN
                   (SELECT id FROM identities WHERE issuer = $1 AND subject = $2)",
            )
            .bind(issuer)
            .bind(subject)
            .execute(&mut *tx)
            .await?
        }
    }
    .rows_affected();
    tx.commit().await?;
    Ok(Some(ended))
}
