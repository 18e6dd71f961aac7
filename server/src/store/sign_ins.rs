//! What a successful sign-in writes, in one transaction: the user and identity (with the
//! provider's tokens, sealed), the new
//! session (its id is returned), the end of the session the browser had before, and the audit record. Either all
//! of it is stored or none of it.

use super::{
    Database,
    audit::{self, Seen},
    identity_tokens::SealedTokens,
    sessions, users,
};
use crate::{
    domain::{ProviderId, SessionId},
    profile::VerifiedIdentity,
};

/// The audit outcome of a sign-in that made a session.
pub const SIGNED_IN: &str = "signed-in";

pub async fn record(
    db: &Database,
    provider_id: &ProviderId,
    identity: &VerifiedIdentity,
    tokens: Option<&SealedTokens>,
    previous_session: Option<&SessionId>,
    seen: &Seen,
    provider_sid: Option<&str>,
) -> Result<SessionId, sqlx::Error> {
    let mut writer = db.writer().await?;
    let mut tx = writer.begin().await?;
    let ids = users::upsert_identity(&mut tx, provider_id, identity, tokens).await?;
    if let Some(previous) = previous_session {
        sessions::delete(&mut *tx, previous).await?;
    }
    let session = sessions::create(&mut *tx, ids, &seen.browser, provider_sid).await?;
    audit::record(
        &mut *tx,
        provider_id.as_str(),
        Some(ids.user_id),
        SIGNED_IN,
        Some(seen),
    )
    .await?;
    tx.commit().await?;
    Ok(session)
}
