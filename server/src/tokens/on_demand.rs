//! The one place that hands out a provider's tokens for an identity: the kept grant while it
//! is good for at least another minute, else a refreshed one. One refresh at a time per
//! identity: within a process, requests for the same identity wait in line behind one lock;
//! across instances, the database lease (`store::identity_tokens`) decides which one asks the
//! provider while the others wait for what it stores.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use secrecy::ExposeSecret;

use super::{OpenError, TokenKeys, revoke};
use crate::{
    domain::now,
    oauth::{
        OAuthError,
        grant::{self, ProviderTokens},
        instagram, token_endpoint,
    },
    oidc,
    provider_http::ProviderHttp,
    providers::{Protocol, protocol::LongLivedTokens},
    registry::{LiveProvider, ProviderRegistry},
    store::{Database, identity_tokens},
};

/// A grant this close to its expiry (seconds) is refreshed before it is handed out.
const REFRESH_AHEAD: i64 = 60;
/// Instagram's 60-day tokens renew only themselves, and only before they expire, so they are
/// renewed on any use in their last week rather than their last minute.
const LONG_LIVED_REFRESH_AHEAD: i64 = 7 * 24 * 3600;
/// How long a refresh may hold its lease before another instance may try in its place.
const LEASE: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no grant is kept for this identity")]
    NothingKept,
    #[error("the provider no longer accepts the kept grant")]
    ReconnectNeeded,
    #[error("the provider could not refresh the grant: {0}")]
    Unavailable(String),
    #[error("the kept grant does not open: {0}")]
    Sealed(#[from] OpenError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

pub struct TokenSource {
    db: Database,
    http: ProviderHttp,
    registry: Arc<ProviderRegistry>,
    keys: Option<Arc<TokenKeys>>,
    /// One line per identity whose grant is being asked for in this process.
    lines: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl TokenSource {
    pub fn new(
        db: Database,
        http: ProviderHttp,
        registry: Arc<ProviderRegistry>,
        keys: Option<Arc<TokenKeys>>,
    ) -> Self {
        Self {
            db,
            http,
            registry,
            keys,
            lines: Mutex::new(HashMap::new()),
        }
    }

    /// The identity's tokens, good for at least another minute.
    pub async fn tokens(&self, identity_id: i64) -> Result<ProviderTokens, TokenError> {
        let line = self.line(identity_id);
        let result = {
            let _turn = line.lock().await;
            self.good_or_refreshed(identity_id).await
        };
        drop(line);
        self.forget_idle_lines();
        result
    }

    /// The identity's provider and kept tokens as they are, expired or not (for a logout hint,
    /// or to revoke them).
    pub async fn kept(&self, identity_id: i64) -> Result<(String, ProviderTokens), TokenError> {
        let keys = self.keys.as_ref().ok_or(TokenError::NothingKept)?;
        let kept = self.load(identity_id).await?;
        let tokens = open(keys, &kept)?;
        Ok((kept.provider_id, tokens))
    }

    /// A grant taken out of the store as its identity went (an erased account's), opened so
    /// it can be given back; `None` when it does not open.
    pub fn open_removed(
        &self,
        removed: &identity_tokens::KeptGrant,
    ) -> Option<(Arc<LiveProvider>, ProviderTokens)> {
        let tokens = open(self.keys.as_ref()?, removed).ok()?;
        let provider = self.registry.get(&removed.provider_id)?.clone();
        Some((provider, tokens))
    }

    async fn load(&self, identity_id: i64) -> Result<identity_tokens::KeptGrant, TokenError> {
        identity_tokens::load(&self.db, identity_id)
            .await?
            .ok_or(TokenError::NothingKept)
    }

    async fn good_or_refreshed(&self, identity_id: i64) -> Result<ProviderTokens, TokenError> {
        let keys = self.keys.as_ref().ok_or(TokenError::NothingKept)?;
        let mut pause = Duration::from_millis(20);
        let waiting_since = now();
        loop {
            let kept = self.load(identity_id).await?;
            if kept.reconnect_needed {
                return Err(TokenError::ReconnectNeeded);
            }
            let tokens = open(keys, &kept)?;
            let at = now();
            let ahead = match self.registry.get(&kept.provider_id).and_then(|p| long_lived(p)) {
                Some(_) => LONG_LIVED_REFRESH_AHEAD,
                None => REFRESH_AHEAD,
            };
            if tokens.expires_at.is_none_or(|expiry| expiry - at > ahead) {
                return Ok(tokens);
            }
            let lease_until = at + LEASE;
            if identity_tokens::take_refresh_lease(&self.db, identity_id, at, lease_until).await? {
                return self.refresh(identity_id, lease_until, &kept, tokens, keys).await;
            }
            // Another instance is refreshing: wait for what it stores, or for its lease to run out.
            if at - waiting_since > LEASE {
                return Err(TokenError::Unavailable(
                    "another refresh of this grant did not finish".into(),
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// Asks the provider for a new grant under the lease just taken, and stores it (or marks the
    /// identity for reconnecting when the provider refuses the old one).
    async fn refresh(
        &self,
        identity_id: i64,
        lease_until: i64,
        kept: &identity_tokens::KeptGrant,
        old: ProviderTokens,
        keys: &TokenKeys,
    ) -> Result<ProviderTokens, TokenError> {
        let asked = match (self.registry.get(&kept.provider_id), &old.refresh_token) {
            (None, _) => Err(RefreshFailure::Unavailable(
                "the provider is no longer configured".into(),
            )),
            (Some(provider), _) if let Some(long_lived) = long_lived(provider) => {
                let token = old.access_token.expose_secret();
                instagram::refresh(&self.http, &long_lived.refresh_url, token)
                    .await
                    .map_err(refusal)
            }
            (Some(provider), Some(refresh_token)) => self.ask(provider, refresh_token.expose_secret()).await,
            (Some(_), None) => {
                identity_tokens::mark_reconnect_needed(&self.db, identity_id, now()).await?;
                return Err(TokenError::ReconnectNeeded);
            }
        };
        match asked {
            Ok(grant) => {
                let mut fresh = ProviderTokens::granted(&grant);
                // A provider that does not rotate refresh tokens, or sends no new ID token or
                // scope list, leaves the earlier ones in force.
                fresh.refresh_token = fresh.refresh_token.or(old.refresh_token);
                fresh.id_token = fresh.id_token.or(old.id_token);
                fresh.scope = fresh.scope.or(old.scope);
                let Some(sealed) = keys.seal(&kept.issuer, &kept.subject, &fresh) else {
                    identity_tokens::release_lease(&self.db, identity_id).await?;
                    return Err(TokenError::Unavailable(
                        "the new grant could not be sealed".into(),
                    ));
                };
                if !identity_tokens::store_refreshed(&self.db, identity_id, lease_until, &sealed).await? {
                    // Nobody keeps the new grant, so nobody may hold it: it is given back.
                    if let Some(provider) = self.registry.get(&kept.provider_id) {
                        revoke::in_background(
                            provider.clone(),
                            self.http.clone(),
                            fresh,
                            "a grant refreshed after its identity was removed",
                        );
                    }
                    return Err(TokenError::NothingKept);
                }
                Ok(fresh)
            }
            Err(RefreshFailure::Refused) => {
                tracing::warn!(provider = %kept.provider_id, "the provider refused to refresh a grant; reconnect needed");
                identity_tokens::mark_reconnect_needed(&self.db, identity_id, now()).await?;
                Err(TokenError::ReconnectNeeded)
            }
            Err(RefreshFailure::Unavailable(reason)) => {
                identity_tokens::release_lease(&self.db, identity_id).await?;
                // Renewed early (a long-lived token in its last week): the old one still serves.
                if old
                    .expires_at
                    .is_some_and(|expiry| expiry - now() > REFRESH_AHEAD)
                {
                    tracing::warn!(provider = %kept.provider_id, %reason, "an early renewal failed; the kept token still serves");
                    return Ok(old);
                }
                Err(TokenError::Unavailable(reason))
            }
        }
    }

    async fn ask(
        &self,
        provider: &LiveProvider,
        refresh_token: &str,
    ) -> Result<grant::AccessGrant, RefreshFailure> {
        let (token_url, client_auth) = match &provider.config.protocol {
            Protocol::Oidc(_) => {
                let discovered = provider
                    .discovered(&self.http)
                    .await
                    .map_err(|e| RefreshFailure::Unavailable(e.to_string()))?;
                let (url, auth) = oidc::token_endpoint(&discovered.metadata).ok_or_else(|| {
                    RefreshFailure::Unavailable("the provider has no token endpoint".into())
                })?;
                (url.clone(), auth)
            }
            Protocol::OAuth2(settings) => (settings.token_url.clone(), settings.client_auth),
            // OAuth 1.0a credentials do not expire, so they are never refreshed.
            Protocol::OAuth1(_) => return Err(RefreshFailure::Refused),
        };
        token_endpoint::refresh(provider, &self.http, &token_url, client_auth, refresh_token)
            .await
            .map_err(refusal)
    }

    fn line(&self, identity_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut lines = self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        lines.entry(identity_id).or_default().clone()
    }

    /// Lines nobody waits in any more are dropped, so the map stays as small as the traffic.
    fn forget_idle_lines(&self) {
        let mut lines = self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        lines.retain(|_, line| Arc::strong_count(line) > 1);
    }
}

/// Opens a kept grant; a grant that was never kept is `NothingKept`.
fn open(keys: &TokenKeys, kept: &identity_tokens::KeptGrant) -> Result<ProviderTokens, TokenError> {
    let sealed = kept.sealed.as_deref().ok_or(TokenError::NothingKept)?;
    Ok(keys.open(&kept.issuer, &kept.subject, sealed)?)
}

/// Where the provider renews its long-lived tokens, when it works that way (Instagram).
fn long_lived(provider: &LiveProvider) -> Option<&LongLivedTokens> {
    match &provider.config.protocol {
        Protocol::OAuth2(settings) => settings.quirks.long_lived_tokens.as_ref(),
        _ => None,
    }
}

/// Whether the provider refused the grant for good: `invalid_grant` (RFC 6749), or the Graph
/// API's code 190 for an expired or revoked token (Instagram).
fn refusal(error: OAuthError) -> RefreshFailure {
    match error {
        OAuthError::ProviderError { code, .. } if code == "invalid_grant" || code == "OAuthException:190" => {
            RefreshFailure::Refused
        }
        other => RefreshFailure::Unavailable(other.to_string()),
    }
}

enum RefreshFailure {
    /// `invalid_grant`, or the Graph API's 190: the grant was revoked or has expired for good.
    Refused,
    Unavailable(String),
}
