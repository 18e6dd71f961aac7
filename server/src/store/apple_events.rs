//! What Apple's server-to-server notifications change, each in one transaction that first
//! remembers the notification's `jti` (beside logout tokens'), so a replay changes nothing.

use super::{Database, back_channel::first_delivery, erasure};
use crate::oidc::apple_events::{AppleEvent, AppleEventKind};

/// Acts on `event` for identities of `issuer`: `None` when its `jti` was seen before, else
/// whether an identity of that subject was found (an unknown one is nothing to change).
pub async fn act(db: &Database, issuer: &str, event: &AppleEvent) -> Result<Option<bool>, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    if !first_delivery(&mut tx, issuer, &event.jti, event.remember_until).await? {
        return Ok(None);
    }
    let identity: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, user_id FROM identities WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(&event.subject)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((identity_id, user_id)) = identity else {
        tx.commit().await?;
        return Ok(Some(false));
    };
    match event.kind {
        AppleEventKind::ConsentRevoked => {
            sqlx::query(
                "UPDATE identities SET tokens = NULL, tokens_expire_at = NULL, reconnect_needed_at = NULL
                 WHERE id = $1",
            )
            .bind(identity_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE identity_id = $1")
                .bind(identity_id)
                .execute(&mut *tx)
                .await?;
        }
        AppleEventKind::AccountDeleted => {
            erasure::remove_identity(&mut tx, issuer, &event.subject).await?;
        }
        AppleEventKind::EmailDisabled | AppleEventKind::EmailEnabled => {
            // Mail to a relay address that Apple no longer forwards reaches no one: until it
            // does again, the address is not one to rely on.
            let forwarded = event.kind == AppleEventKind::EmailEnabled;
            sqlx::query("UPDATE identities SET email_verified = $1 WHERE id = $2")
                .bind(forwarded)
                .bind(identity_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE users SET email_verified = $1
                 WHERE id = $2 AND email = (SELECT email FROM identities WHERE id = $3)",
            )
            .bind(forwarded)
            .bind(user_id)
            .bind(identity_id)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    drop(writer);
    if event.kind == AppleEventKind::AccountDeleted {
        db.empty_write_ahead_log().await?;
    }
    Ok(Some(true))
}
