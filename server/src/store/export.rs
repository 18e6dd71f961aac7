//! What is kept about a person, gathered for them to take away (GDPR article 20): their
//! account, each identity with what its provider shared, their sessions and their sign-in
//! history. Never a token, a secret or a session id.

use serde_json::{Value, json};
use sqlx::{Row, any::AnyRow};

use super::{Database, flag};

/// Everything kept about the account `user_id`; `None` when there is no such account.
pub async fn of_user(db: &Database, user_id: i64) -> Result<Option<Value>, sqlx::Error> {
    let mut reader = db.reader().await?;
    let Some(user) = sqlx::query(
        "SELECT display_name, email, email_verified, avatar_url, created_at FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *reader)
    .await?
    else {
        return Ok(None);
    };
    let identities = sqlx::query(
        "SELECT provider_id, issuer, subject, username, email, email_verified, raw_claims, workspace,
                hosted_domain, created_at, last_sign_in_at
         FROM identities WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *reader)
    .await?;
    let sessions = sqlx::query(
        "SELECT browser, created_at, last_seen_at FROM sessions WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user_id)
    .fetch_all(&mut *reader)
    .await?;
    let history = sqlx::query(
        "SELECT at, provider_id, outcome, browser, network FROM sign_in_events
         WHERE user_id = $1 ORDER BY at, id",
    )
    .bind(user_id)
    .fetch_all(&mut *reader)
    .await?;
    Ok(Some(json!({
        "account": {
            "display_name": user.try_get::<String, _>("display_name")?,
            "email": user.try_get::<Option<String>, _>("email")?,
            "email_verified": flag(&user, "email_verified")?,
            "avatar_url": user.try_get::<Option<String>, _>("avatar_url")?,
            "created_at": time(&user, "created_at")?,
        },
        "identities": identities.iter().map(identity).collect::<Result<Vec<_>, _>>()?,
        "sessions": sessions
            .iter()
            .map(|row| {
                Ok(json!({
                    "browser": row.try_get::<Option<String>, _>("browser")?,
                    "started_at": time(row, "created_at")?,
                    "last_seen_at": time(row, "last_seen_at")?,
                }))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?,
        "sign_in_history": history
            .iter()
            .map(|row| {
                Ok(json!({
                    "at": time(row, "at")?,
                    "provider_id": row.try_get::<String, _>("provider_id")?,
                    "outcome": row.try_get::<String, _>("outcome")?,
                    "browser": row.try_get::<Option<String>, _>("browser")?,
                    "network": row.try_get::<Option<String>, _>("network")?,
                }))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?,
    })))
}

fn identity(row: &AnyRow) -> Result<Value, sqlx::Error> {
    // Kept as the pretty-printed JSON the profile shows; given back as JSON.
    let shared = row
        .try_get::<Option<String>, _>("raw_claims")?
        .and_then(|text| serde_json::from_str::<Value>(&text).ok());
    Ok(json!({
        "provider_id": row.try_get::<String, _>("provider_id")?,
        "issuer": row.try_get::<String, _>("issuer")?,
        "subject": row.try_get::<String, _>("subject")?,
        "username": row.try_get::<Option<String>, _>("username")?,
        "email": row.try_get::<Option<String>, _>("email")?,
        "email_verified": flag(row, "email_verified")?,
        "workspace": row.try_get::<Option<String>, _>("workspace")?,
        "google_hosted_domain": row.try_get::<Option<String>, _>("hosted_domain")?,
        "shared_by_provider": shared,
        "connected_at": time(row, "created_at")?,
        "last_sign_in_at": time(row, "last_sign_in_at")?,
    }))
}

/// Unix seconds as an RFC 3339 time.
fn time(row: &AnyRow, column: &str) -> Result<Option<String>, sqlx::Error> {
    let seconds: Option<i64> = row.try_get(column)?;
    Ok(seconds
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.to_rfc3339()))
}
