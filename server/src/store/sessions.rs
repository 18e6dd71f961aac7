//! Server-side sessions. The cookie holds a random id; this table holds its digest.

use sqlx::Row;

use super::users::SignedInIds;
use crate::{
    domain::{SessionId, now},
    profile::Person,
};

/// A session ends after this long without use...
pub const IDLE_SECS: i64 = 3 * 24 * 3600;
/// ...and after this long in any case.
pub const ABSOLUTE_SECS: i64 = 14 * 24 * 3600;
/// Last use is written at most this often per session: the idle limit is days, so a page view
/// need not be a write.
const LAST_SEEN_EVERY_SECS: i64 = 60;

/// What the signed-in page shows, read from the user and the identity of the session.
#[derive(Debug, Clone)]
pub struct SessionProfile {
    pub user_id: i64,
    /// The identity the session was signed in with.
    pub identity_id: i64,
    pub provider_id: String,
    pub subject: String,
    pub person: Person,
    /// The identity's Google Workspace domain, when its ID token named one.
    pub hosted_domain: Option<String>,
    /// The address of the identity the session is signed in with, as its provider last said
    /// (the account's `person.email` may come from another of its identities).
    pub identity_email: Option<String>,
    pub identity_email_verified: Option<bool>,
    /// Unix seconds: when the session ends unless it is used again (idle), or at the latest.
    pub expires_at: i64,
}

/// A live session of an account, as its owner sees it in the sessions list.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    pub id_digest: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub browser: Option<String>,
}

/// `browser` is the family the session was started from (see `web::browser_family`).
pub async fn create<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    ids: SignedInIds,
    browser: &str,
    provider_sid: Option<&str>,
) -> Result<SessionId, sqlx::Error> {
    let id = SessionId::generate();
    let at = now();
    sqlx::query(
        "INSERT INTO sessions (id_digest, user_id, identity_id, created_at, last_seen_at, browser, provider_sid)
         VALUES ($1, $2, $3, $4, $4, $5, $6)",
    )
    .bind(id.digest())
    .bind(ids.user_id)
    .bind(ids.identity_id)
    .bind(at)
    .bind(browser)
    .bind(provider_sid)
    .execute(executor)
    .await?;
    Ok(id)
}

/// The profile behind a live session, refreshing its idle timer now and then; `None` when the
/// session is unknown, idle too long or too old (such a session is deleted).
pub async fn profile(db: &super::Database, id: &SessionId) -> Result<Option<SessionProfile>, sqlx::Error> {
    let at = now();
    let row = sqlx::query(
        "SELECT s.user_id, s.identity_id, s.created_at, s.last_seen_at, i.provider_id, i.subject, u.display_name, i.username,
                u.email, u.email_verified, u.avatar_url, i.workspace, i.raw_claims, i.hosted_domain,
                i.email AS identity_email, i.email_verified AS identity_email_verified
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN identities i ON i.id = s.identity_id
         WHERE s.id_digest = $1",
    )
    .bind(id.digest())
    .fetch_optional(&mut *db.reader().await?)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let created_at: i64 = row.get("created_at");
    let last_seen_at: i64 = row.get("last_seen_at");
    if at - created_at > ABSOLUTE_SECS || at - last_seen_at > IDLE_SECS {
        end(db, id).await?;
        return Ok(None);
    }
    let mut seen_at = last_seen_at;
    if at - last_seen_at >= LAST_SEEN_EVERY_SECS {
        seen_at = at;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_digest = $2")
            .bind(at)
            .bind(id.digest())
            .execute(&mut *db.writer().await?)
            .await?;
    }
    Ok(Some(SessionProfile {
        user_id: row.get("user_id"),
        identity_id: row.get("identity_id"),
        provider_id: row.get("provider_id"),
        subject: row.get("subject"),
        person: Person {
            display_name: row.get("display_name"),
            username: row.get("username"),
            email: row.get("email"),
            email_verified: super::flag(&row, "email_verified")?,
            avatar_url: row.get("avatar_url"),
            workspace: row.get("workspace"),
            raw_claims: row.get("raw_claims"),
        },
        hosted_domain: row.get("hosted_domain"),
        identity_email: row.get("identity_email"),
        identity_email_verified: super::flag(&row, "identity_email_verified")?,
        expires_at: (created_at + ABSOLUTE_SECS).min(seen_at + IDLE_SECS),
    }))
}

/// Sessions that are neither too old nor idle too long as of `at`.
pub async fn count_active(db: &super::Database, at: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE created_at >= $1 AND last_seen_at >= $2")
        .bind(at - ABSOLUTE_SECS)
        .bind(at - IDLE_SECS)
        .fetch_one(&mut *db.reader().await?)
        .await
}

/// The account's sessions that are neither too old nor idle too long, most recently used first.
pub async fn list_for_user(db: &super::Database, user_id: i64) -> Result<Vec<SessionSummary>, sqlx::Error> {
    let at = now();
    let rows = sqlx::query(
        "SELECT id_digest, created_at, last_seen_at, browser FROM sessions
         WHERE user_id = $1 AND created_at >= $2 AND last_seen_at >= $3
         ORDER BY last_seen_at DESC, created_at DESC",
    )
    .bind(user_id)
    .bind(at - ABSOLUTE_SECS)
    .bind(at - IDLE_SECS)
    .fetch_all(&mut *db.reader().await?)
    .await?;
    Ok(rows
        .iter()
        .map(|row| SessionSummary {
            id_digest: row.get("id_digest"),
            created_at: row.get("created_at"),
            last_seen_at: row.get("last_seen_at"),
            browser: row.get("browser"),
        })
        .collect())
}

/// Ends every session of the account except `keep`; returns how many ended.
/// Ends every session of `user_id` but `keep` (a session of `provider_id`), and records it in
/// the account's history.
pub async fn delete_others(
    db: &super::Database,
    user_id: i64,
    keep: &SessionId,
    provider_id: &str,
    seen: &super::audit::Seen,
) -> Result<u64, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_digest <> $2")
        .bind(user_id)
        .bind(keep.digest())
        .execute(&mut *tx)
        .await?;
    super::audit::record(
        &mut *tx,
        provider_id,
        Some(user_id),
        super::audit::SIGNED_OUT_ELSEWHERE,
        Some(seen),
    )
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Ends the session now.
pub async fn end(db: &super::Database, id: &SessionId) -> Result<(), sqlx::Error> {
    delete(&mut *db.writer().await?, id).await
}

/// Deletes the session, within a transaction of `executor`'s.
pub async fn delete<'e>(executor: impl sqlx::AnyExecutor<'e>, id: &SessionId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_digest = $1")
        .bind(id.digest())
        .execute(executor)
        .await?;
    Ok(())
}
