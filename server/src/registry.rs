//! The configured providers, live: in configuration order, each with its discovery document
//! cached. The layers above take providers from here; the protocol layers below see only the
//! configured `providers::Provider` each one derefs to.
//!
//! A provider whose discovery fails is shown as unavailable and tried again on the next
//! sign-in (no more often than every few seconds); it never takes the server down.

use std::{
    ops::Deref,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use app::model::Brand;
use openidconnect::RedirectUrl;

use crate::{
    oidc::{
        DiscoveredProvider, OidcError, RotatingKeys, discover,
        security_events::{self, RiscTrust},
    },
    provider_http::ProviderHttp,
    providers::{Protocol, Provider, ProviderConfig, protocol::IdTokenDialect},
};

/// Discovery documents (and the keys they point to) are refreshed this often.
const REFRESH_AFTER: Duration = Duration::from_secs(3600);
/// After a failed discovery, the next attempt waits at least this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);
/// An ID token signed with a key we do not know makes us refetch the keys, at most this often,
/// so forged tokens cannot make us hammer the provider.
const KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

pub struct ProviderRegistry {
    providers: Vec<Arc<LiveProvider>>,
}

/// A configured provider with what was discovered of it.
pub struct LiveProvider {
    provider: Provider,
    discovery: RwLock<DiscoveryState>,
    /// Held while fetching, so concurrent sign-ins share one fetch.
    fetch_lock: tokio::sync::Mutex<()>,
    /// Google's RISC configuration and keys; rarely needed, so a lock is enough.
    security_events: tokio::sync::Mutex<SecurityEventsState>,
}

#[derive(Default)]
struct SecurityEventsState {
    current: Option<(Arc<RiscTrust>, Instant)>,
    last_fetch: Option<Instant>,
}

/// Whether a provider can take sign-ins now, as `/readyz` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Its discovery document has not been fetched yet.
    Pending,
    /// The last discovery failed, with this error.
    Failing(String),
}

#[derive(Default)]
struct DiscoveryState {
    current: Option<(Arc<DiscoveredProvider>, Instant)>,
    last_failure: Option<(Instant, String)>,
    last_key_refresh: Option<Instant>,
}

impl ProviderRegistry {
    pub fn new(configs: Vec<ProviderConfig>, app_url: &url::Url) -> Result<Self, String> {
        let providers = configs
            .into_iter()
            .map(|config| {
                let redirect = app_url
                    .join(&format!("auth/callback/{}", config.id))
                    .map_err(|e| format!("cannot build the redirect URI of {}: {e}", config.id))?;
                Ok(Arc::new(LiveProvider {
                    provider: Provider {
                        redirect_uri: RedirectUrl::from_url(redirect),
                        config,
                    },
                    discovery: RwLock::default(),
                    fetch_lock: tokio::sync::Mutex::new(()),
                    security_events: tokio::sync::Mutex::default(),
                }))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { providers })
    }

    pub fn all(&self) -> &[Arc<LiveProvider>] {
        &self.providers
    }

    pub fn get(&self, id: &str) -> Option<&Arc<LiveProvider>> {
        self.providers.iter().find(|p| p.config.id.as_str() == id)
    }
}

impl Deref for LiveProvider {
    type Target = Provider;

    fn deref(&self) -> &Provider {
        &self.provider
    }
}

impl LiveProvider {
    /// OAuth 2.0 and 1.0a providers need no discovery and are always ready.
    pub fn readiness(&self) -> Readiness {
        if !matches!(self.config.protocol, Protocol::Oidc(_)) {
            return Readiness::Ready;
        }
        let state = self.discovery.read().unwrap_or_else(|e| e.into_inner());
        match (&state.last_failure, &state.current) {
            (Some((_, error)), _) => Readiness::Failing(error.clone()),
            (None, Some(_)) => Readiness::Ready,
            (None, None) => Readiness::Pending,
        }
    }

    /// The checked discovery document, fetching it when there is none or it is old.
    pub async fn discovered(&self, http: &ProviderHttp) -> Result<Arc<DiscoveredProvider>, OidcError> {
        if let Some(fresh) = self.fresh_document() {
            return Ok(fresh);
        }
        let _one_fetch_at_a_time = self.fetch_lock.lock().await;
        // Whoever held the lock before us may have just fetched it.
        if let Some(fresh) = self.fresh_document() {
            return Ok(fresh);
        }
        let (stale, backing_off) = {
            let state = self.discovery.read().unwrap_or_else(|e| e.into_inner());
            let backing_off = state
                .last_failure
                .as_ref()
                .is_some_and(|(at, _)| at.elapsed() < RETRY_AFTER_FAILURE);
            (
                state.current.as_ref().map(|(current, _)| current.clone()),
                backing_off,
            )
        };
        // A stale document serves better than none while the provider recovers.
        if backing_off {
            return stale.ok_or(OidcError::DiscoveryBackoff);
        }
        self.fetch(http).await.or_else(|error| stale.ok_or(error))
    }

    fn fresh_document(&self) -> Option<Arc<DiscoveredProvider>> {
        let state = self.discovery.read().unwrap_or_else(|e| e.into_inner());
        state
            .current
            .as_ref()
            .filter(|(_, fetched)| fetched.elapsed() < REFRESH_AFTER)
            .map(|(current, _)| current.clone())
    }

    async fn fetch(&self, http: &ProviderHttp) -> Result<Arc<DiscoveredProvider>, OidcError> {
        let Protocol::Oidc(settings) = &self.config.protocol else {
            return Err(OidcError::Discovery("not an OpenID Connect provider".into()));
        };
        let announced = match &settings.dialect {
            IdTokenDialect::Microsoft(tenancy) if tenancy.issuer_is_template() => {
                Some(tenancy.announced_issuer(settings.issuer.as_str()))
            }
            _ => None,
        };
        match discover(&settings.issuer, announced.as_deref(), http).await {
            Ok(metadata) => {
                let fresh = Arc::new(DiscoveredProvider::new(&self.config, metadata));
                let mut state = self.discovery.write().unwrap_or_else(|e| e.into_inner());
                state.current = Some((fresh.clone(), Instant::now()));
                state.last_failure = None;
                Ok(fresh)
            }
            Err(error) => {
                tracing::warn!(provider = %self.config.id, %error, "OpenID discovery failed; provider unavailable");
                self.discovery
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .last_failure = Some((Instant::now(), error.to_string()));
                Err(error)
            }
        }
    }
}

impl LiveProvider {
    /// Where the provider publishes the configuration of the security events it sends: Google's
    /// Cross-Account Protection, under its issuer. `None` for every other provider.
    pub fn security_events_configuration(&self) -> Option<String> {
        match (&self.config.brand, &self.config.protocol) {
            (Some(Brand::Google), Protocol::Oidc(settings)) => Some(format!(
                "{}{}",
                settings.issuer.as_str().trim_end_matches('/'),
                security_events::CONFIGURATION_PATH
            )),
            _ => None,
        }
    }

    /// The issuer and keys security event tokens are checked against, fetched when none are
    /// held or they are old, or when a token named a key we do not hold (`keys_unknown`); a
    /// fetch is tried at most once a minute, so forged tokens cannot make us hammer the provider.
    pub async fn security_event_trust(
        &self,
        http: &ProviderHttp,
        keys_unknown: bool,
    ) -> Result<Arc<RiscTrust>, String> {
        let url = self
            .security_events_configuration()
            .ok_or("this provider sends no security events")?;
        let mut state = self.security_events.lock().await;
        let held = state
            .current
            .as_ref()
            .map(|(trust, at)| (trust.clone(), at.elapsed() < REFRESH_AFTER));
        if let Some((trust, true)) = &held
            && !keys_unknown
        {
            return Ok(trust.clone());
        }
        let may_fetch = state
            .last_fetch
            .is_none_or(|at| at.elapsed() >= KEY_REFRESH_INTERVAL);
        let stale = held.map(|(trust, _)| trust);
        if !may_fetch {
            return stale.ok_or_else(|| "the configuration could not be fetched a moment ago".into());
        }
        state.last_fetch = Some(Instant::now());
        match security_events::fetch_trust(&url, http).await {
            Ok(trust) => {
                let trust = Arc::new(trust);
                state.current = Some((trust.clone(), Instant::now()));
                Ok(trust)
            }
            Err(error) => {
                tracing::warn!(provider = %self.config.id, %error, "cannot fetch the security events configuration");
                stale.ok_or(error)
            }
        }
    }
}

impl RotatingKeys for LiveProvider {
    async fn refresh_keys(&self, http: &ProviderHttp) -> Option<Arc<DiscoveredProvider>> {
        {
            let mut state = self.discovery.write().unwrap_or_else(|e| e.into_inner());
            if state
                .last_key_refresh
                .is_some_and(|at| at.elapsed() < KEY_REFRESH_INTERVAL)
            {
                return None;
            }
            state.last_key_refresh = Some(Instant::now());
        }
        tracing::info!(provider = %self.config.id, "unknown signing key; refetching the provider's keys");
        let _one_fetch_at_a_time = self.fetch_lock.lock().await;
        self.fetch(http).await.ok()
    }
}
