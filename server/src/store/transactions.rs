//! Sign-in transactions: written when a sign-in begins, taken (and so deleted) exactly once.

use secrecy::{ExposeSecret, SecretString};
use sqlx::Row;

use crate::{
    domain::{CodeChallenge, CodeVerifier, Nonce, State, TransactionId, now},
    oauth::oauth1::RequestToken,
};

/// How long a person has to finish signing in at the provider.
pub const LIFETIME_SECS: i64 = 600;

#[derive(Debug)]
pub struct SignInTransaction {
    pub provider_id: String,
    pub issuer: String,
    pub binding: Binding,
    /// OpenID Connect only: the ID token must carry it back.
    pub nonce: Option<Nonce>,
    pub code_challenge: CodeChallenge,
    pub return_to: String,
    /// For connecting another provider to an account: the digest of the session that asked.
    pub link_session: Option<String>,
    /// The verifier, when the server keeps it (a sign-in begun by a plain form).
    pub held_verifier: Option<CodeVerifier>,
    /// The name a provider POSTed with its callback (Apple, at a first authorization).
    pub posted_name: Option<String>,
    pub created_at: i64,
}

/// The value the callback must bring back to prove it answers this sign-in.
#[derive(Debug)]
pub enum Binding {
    /// OAuth 2.0 and OIDC: our `state`.
    State(State),
    /// OAuth 1.0a: the request token, which comes back as `oauth_token`.
    RequestToken(RequestToken),
}

impl Binding {
    /// What the browser files its PKCE verifier under, and finds again on the callback.
    pub fn public_value(&self) -> &str {
        match self {
            Binding::State(state) => state.expose(),
            Binding::RequestToken(token) => &token.token,
        }
    }

    /// Compares in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        match self {
            Binding::State(state) => state.matches(presented),
            Binding::RequestToken(token) => crate::domain::equal_in_constant_time(&token.token, presented),
        }
    }
}

impl SignInTransaction {
    pub fn is_expired(&self, at: i64) -> bool {
        at - self.created_at > LIFETIME_SECS
    }
}

pub async fn insert(
    db: &super::Database,
    id: &TransactionId,
    tx: &SignInTransaction,
) -> Result<(), sqlx::Error> {
    let (state, request_token, request_token_secret) = match &tx.binding {
        Binding::State(state) => (Some(state.expose()), None, None),
        Binding::RequestToken(token) => (
            None,
            Some(token.token.as_str()),
            Some(token.secret.expose_secret()),
        ),
    };
    sqlx::query(
        "INSERT INTO sign_in_transactions
           (id_digest, provider_id, issuer, state, request_token, request_token_secret, nonce,
            code_challenge, return_to, created_at, link_session, code_verifier)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.digest())
    .bind(&tx.provider_id)
    .bind(&tx.issuer)
    .bind(state)
    .bind(request_token)
    .bind(request_token_secret)
    .bind(tx.nonce.as_ref().map(Nonce::expose))
    .bind(tx.code_challenge.as_str())
    .bind(&tx.return_to)
    .bind(tx.created_at)
    .bind(&tx.link_session)
    .bind(tx.held_verifier.as_ref().map(CodeVerifier::expose))
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(())
}

/// Whether the server keeps the verifier of this transaction (it was begun by a plain form),
/// so that the callback page completes it on the server rather than leave it to the browser.
pub async fn is_held_by_server(db: &super::Database, id: &TransactionId) -> Result<bool, sqlx::Error> {
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sign_in_transactions WHERE id_digest = $1 AND code_verifier IS NOT NULL",
    )
    .bind(id.digest())
    .fetch_one(&mut *db.reader().await?)
    .await?;
    Ok(held > 0)
}

/// Removes the transaction and returns it: a second call for the same id finds nothing.
pub async fn take(
    db: &super::Database,
    id: &TransactionId,
) -> Result<Option<SignInTransaction>, sqlx::Error> {
    let row = sqlx::query(
        "DELETE FROM sign_in_transactions WHERE id_digest = $1
         RETURNING provider_id, issuer, state, request_token, request_token_secret, nonce,
                   code_challenge, return_to, created_at, link_session, code_verifier, posted_name",
    )
    .bind(id.digest())
    .fetch_optional(&mut *db.writer().await?)
    .await?;
    let Some(row) = row else { return Ok(None) };
    // Values were validated when written; a row that no longer parses is treated as absent.
    let state: Option<String> = row.get("state");
    let request_token: Option<String> = row.get("request_token");
    let request_token_secret: Option<String> = row.get("request_token_secret");
    let binding = match (state, request_token, request_token_secret) {
        (Some(state), None, None) => State::from_untrusted(&state).map(Binding::State),
        (None, Some(token), Some(secret)) => Some(Binding::RequestToken(RequestToken {
            token,
            secret: SecretString::from(secret),
        })),
        _ => None,
    };
    let nonce = match row.get::<Option<String>, _>("nonce") {
        Some(nonce) => match Nonce::from_untrusted(&nonce) {
            Some(nonce) => Some(nonce),
            None => return Ok(None),
        },
        None => None,
    };
    let (Some(binding), Some(code_challenge)) = (binding, CodeChallenge::parse(row.get("code_challenge")))
    else {
        return Ok(None);
    };
    let held_verifier = match row.get::<Option<String>, _>("code_verifier") {
        Some(verifier) => match CodeVerifier::parse(&verifier) {
            Some(verifier) => Some(verifier),
            None => return Ok(None),
        },
        None => None,
    };
    Ok(Some(SignInTransaction {
        provider_id: row.get("provider_id"),
        issuer: row.get("issuer"),
        binding,
        nonce,
        code_challenge,
        return_to: row.get("return_to"),
        link_session: row.get("link_session"),
        held_verifier,
        posted_name: row.get("posted_name"),
        created_at: row.get("created_at"),
    }))
}

/// Marks the sign-in of `provider_id` under way with `state` as answered by a POSTed callback,
/// keeping the name posted with it, if any. `false` when there is no such sign-in (unknown,
/// finished or expired), which the POST is then refused for.
pub async fn accept_posted_callback(
    db: &super::Database,
    provider_id: &str,
    state: &str,
    name: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE sign_in_transactions SET posted_name = COALESCE($1, posted_name)
         WHERE state = $2 AND provider_id = $3 AND created_at > $4",
    )
    .bind(name)
    .bind(state)
    .bind(provider_id)
    .bind(now() - LIFETIME_SECS)
    .execute(&mut *db.writer().await?)
    .await?;
    Ok(updated.rows_affected() > 0)
}
