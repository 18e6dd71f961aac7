//! What Google's security events change, all of one token in one transaction that first
//! remembers its `jti` (beside logout tokens'), so a redelivery changes nothing. Each change is
//! written into the account's history; suspended identities are refused at sign-in.

use super::{
    Database, Transaction, audit,
    back_channel::first_delivery,
    erasure::{self, Removed},
};
use crate::{
    domain::now,
    oidc::security_events::{DisabledBecause, Notice, RiscEvent, SecurityEvent},
};

/// History lines, as recorded.
pub const PROVIDER_ENDED_SESSIONS: &str = "provider-ended-sessions";
pub const PROVIDER_REVOKED_ACCESS: &str = "provider-revoked-access";
pub const PROVIDER_SUSPENDED: &str = "provider-suspended";
pub const PROVIDER_RESTORED: &str = "provider-restored";
pub const PROVIDER_FLAGGED: &str = "provider-flagged";

/// What acting on a token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acted {
    /// Its `jti` was seen before: nothing changed.
    Redelivered,
    /// Acted on; how many of its notices named an identity we keep.
    Done { known: usize },
}

/// Acts on `event` for the identities of `issuer` that `provider_id` signs in; `transmitter`
/// (the token's issuer) scopes its `jti`.
pub async fn act(
    db: &Database,
    provider_id: &str,
    issuer: &str,
    transmitter: &str,
    event: &SecurityEvent,
) -> Result<Acted, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    if !first_delivery(&mut tx, transmitter, &event.jti, event.remember_until).await? {
        return Ok(Acted::Redelivered);
    }
    let mut known = 0;
    let mut erased = false;
    for notice in &event.notices {
        let Some(subject) = &notice.subject else { continue };
        let identity: Option<(i64, i64)> =
            sqlx::query_as("SELECT id, user_id FROM identities WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(subject)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((identity_id, user_id)) = identity else {
            continue;
        };
        known += 1;
        let line = match apply(&mut tx, notice, issuer, identity_id, user_id).await? {
            Applied::Line(line) => line,
            Applied::Erased(removed) => {
                erased = true;
                // An account that is gone keeps no history; one that stays says what went.
                if removed == Removed::Account {
                    continue;
                }
                audit::REMOVED_BY_PROVIDER
            }
            Applied::Nothing => continue,
        };
        audit::record(&mut *tx, provider_id, Some(user_id), line, None).await?;
    }
    tx.commit().await?;
    drop(writer);
    if erased {
        db.empty_write_ahead_log().await?;
    }
    Ok(Acted::Done { known })
}

enum Applied {
    Line(&'static str),
    Erased(Removed),
    /// Events that name no identity (a verification, a single token's revocation).
    Nothing,
}

async fn apply(
    tx: &mut Transaction<'_>,
    notice: &Notice,
    issuer: &str,
    identity_id: i64,
    user_id: i64,
) -> Result<Applied, sqlx::Error> {
    let line = match &notice.event {
        RiscEvent::SessionsRevoked => {
            end_sessions(tx, "identity_id", identity_id).await?;
            PROVIDER_ENDED_SESSIONS
        }
        RiscEvent::TokensRevoked => {
            sqlx::query(
                "UPDATE identities SET tokens = NULL, tokens_expire_at = NULL, reconnect_needed_at = NULL
                 WHERE id = $1",
            )
            .bind(identity_id)
            .execute(&mut **tx)
            .await?;
            end_sessions(tx, "identity_id", identity_id).await?;
            PROVIDER_REVOKED_ACCESS
        }
        RiscEvent::AccountDisabled(because) => {
            match because {
                // Whoever took the Google Account may have signed in here, through it or
                // through an identity they connected since: every session of the account ends.
                DisabledBecause::Hijacking => end_sessions(tx, "user_id", user_id).await?,
                DisabledBecause::Unstated => end_sessions(tx, "identity_id", identity_id).await?,
                DisabledBecause::BulkAccount => return Ok(Applied::Line(PROVIDER_FLAGGED)),
            }
            sqlx::query("UPDATE identities SET suspended_at = $1 WHERE id = $2")
                .bind(now())
                .bind(identity_id)
                .execute(&mut **tx)
                .await?;
            PROVIDER_SUSPENDED
        }
        RiscEvent::AccountEnabled => {
            sqlx::query("UPDATE identities SET suspended_at = NULL WHERE id = $1")
                .bind(identity_id)
                .execute(&mut **tx)
                .await?;
            PROVIDER_RESTORED
        }
        RiscEvent::AccountPurged => {
            let subject = notice.subject.as_deref().unwrap_or_default();
            return Ok(Applied::Erased(
                erasure::remove_identity(tx, issuer, subject).await?,
            ));
        }
        RiscEvent::CredentialChangeRequired => PROVIDER_FLAGGED,
        RiscEvent::TokenRevoked | RiscEvent::Verification(_) => return Ok(Applied::Nothing),
    };
    Ok(Applied::Line(line))
}

/// Ends the sessions whose `column` (`identity_id` or `user_id`) is `id`.
async fn end_sessions(tx: &mut Transaction<'_>, column: &'static str, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("DELETE FROM sessions WHERE {column} = $1"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The account an identity (issuer, subject) belongs to, and whether its provider has
/// suspended it; `None` when no such identity is kept.
pub async fn standing(
    db: &Database,
    issuer: &str,
    subject: &str,
) -> Result<Option<(i64, bool)>, sqlx::Error> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT user_id, suspended_at FROM identities WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut *db.reader().await?)
            .await?;
    Ok(row.map(|(user_id, suspended_at)| (user_id, suspended_at.is_some())))
}
