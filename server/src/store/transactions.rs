//! Sign-in transactions: written when a sign-in begins, taken (and so deleted) exactly once.

use sqlx::Row;

use crate::domain::{CodeChallenge, Nonce, ProviderId, State, TransactionId, now};

/// How long a person has to finish signing in at the provider.
pub const LIFETIME_SECS: i64 = 600;

#[derive(Debug)]
pub struct SignInTransaction {
    pub provider_id: String,
    pub issuer: String,
    pub state: State,
    pub nonce: Nonce,
    pub code_challenge: CodeChallenge,
    pub return_to: String,
    pub created_at: i64,
}

impl SignInTransaction {
    pub fn new(
        provider_id: &ProviderId,
        issuer: &str,
        code_challenge: CodeChallenge,
        return_to: String,
    ) -> Self {
        Self {
            provider_id: provider_id.to_string(),
            issuer: issuer.to_owned(),
            state: State::generate(),
            nonce: Nonce::generate(),
            code_challenge,
            return_to,
            created_at: now(),
        }
    }

    pub fn is_expired(&self, at: i64) -> bool {
        at - self.created_at > LIFETIME_SECS
    }
}

pub async fn insert(
    db: &super::Database,
    id: &TransactionId,
    tx: &SignInTransaction,
) -> Result<(), sqlx::Error> {
    // Abandoned sign-ins are swept here, so the table stays small without a background job.
    sqlx::query("DELETE FROM sign_in_transactions WHERE created_at < $1")
        .bind(now() - LIFETIME_SECS)
        .execute(db.pool())
        .await?;
    sqlx::query(
        "INSERT INTO sign_in_transactions
           (id_digest, provider_id, issuer, state, nonce, code_challenge, return_to, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.digest())
    .bind(&tx.provider_id)
    .bind(&tx.issuer)
    .bind(tx.state.expose())
    .bind(tx.nonce.expose())
    .bind(tx.code_challenge.as_str())
    .bind(&tx.return_to)
    .bind(tx.created_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Removes the transaction and returns it: a second call for the same id finds nothing.
pub async fn take(
    db: &super::Database,
    id: &TransactionId,
) -> Result<Option<SignInTransaction>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM sign_in_transactions WHERE id_digest = $1
         RETURNING provider_id, issuer, state, nonce, code_challenge, return_to, created_at",
    )
    .bind(id.digest())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    // Values were validated when written; a row that no longer parses is treated as absent.
    let (Some(state), Some(nonce), Some(code_challenge)) = (
        State::from_untrusted(row.get("state")),
        Nonce::from_untrusted(row.get("nonce")),
        CodeChallenge::parse(row.get("code_challenge")),
    ) else {
        return Ok(None);
    };
    Ok(Some(SignInTransaction {
        provider_id: row.get("provider_id"),
        issuer: row.get("issuer"),
        state,
        nonce,
        code_challenge,
        return_to: row.get("return_to"),
        created_at: row.get("created_at"),
    }))
}
