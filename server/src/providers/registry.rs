//! The configured providers, in configuration order, with their discovery documents cached.
//!
//! A provider whose discovery fails is shown as unavailable and tried again on the next
//! sign-in (no more often than every few seconds); it never takes the server down.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use openidconnect::RedirectUrl;

use super::config::ProviderConfig;
use crate::oidc::{Metadata, discover};

/// Discovery documents (and the keys they point to) are refreshed this often.
const REFRESH_AFTER: Duration = Duration::from_secs(3600);
/// After a failed discovery, the next attempt waits at least this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

pub struct ProviderRegistry {
    providers: Vec<Arc<Provider>>,
}

pub struct Provider {
    pub config: ProviderConfig,
    /// Always `{APP_URL}/auth/callback/{id}`; never taken from a request.
    pub redirect_uri: RedirectUrl,
    discovery: RwLock<DiscoveryState>,
}

/// A provider whose discovery document was fetched and checked.
pub struct DiscoveredProvider {
    pub metadata: Metadata,
}

impl DiscoveredProvider {
    /// RFC 9207: when advertised, the callback must carry `iss`.
    pub fn requires_iss_parameter(&self) -> bool {
        self.metadata
            .additional_metadata()
            .authorization_response_iss_parameter_supported
    }
}

#[derive(Default)]
struct DiscoveryState {
    current: Option<(Arc<DiscoveredProvider>, Instant)>,
    last_failure: Option<Instant>,
}

impl ProviderRegistry {
    pub fn new(configs: Vec<ProviderConfig>, app_url: &url::Url) -> Result<Self, String> {
        let providers = configs
            .into_iter()
            .map(|config| {
                let redirect = app_url
                    .join(&format!("auth/callback/{}", config.id))
                    .map_err(|e| format!("cannot build the redirect URI of {}: {e}", config.id))?;
                Ok(Arc::new(Provider {
                    redirect_uri: RedirectUrl::from_url(redirect),
                    config,
                    discovery: RwLock::default(),
                }))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { providers })
    }

    pub fn all(&self) -> &[Arc<Provider>] {
        &self.providers
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Provider>> {
        self.providers.iter().find(|p| p.config.id.as_str() == id)
    }
}

impl Provider {
    /// The checked discovery document, fetching it when there is none or it is old.
    pub async fn discovered(
        &self,
        http: &reqwest::Client,
    ) -> Result<Arc<DiscoveredProvider>, crate::oidc::OidcError> {
        let stale = {
            let state = self.discovery.read().unwrap_or_else(|e| e.into_inner());
            if let Some((current, fetched)) = &state.current
                && fetched.elapsed() < REFRESH_AFTER
            {
                return Ok(current.clone());
            }
            if state
                .last_failure
                .is_some_and(|at| at.elapsed() < RETRY_AFTER_FAILURE)
            {
                // Serve a stale document rather than nothing while the provider recovers.
                return state
                    .current
                    .as_ref()
                    .map(|(current, _)| current.clone())
                    .ok_or(crate::oidc::OidcError::DiscoveryBackoff);
            }
            state.current.as_ref().map(|(current, _)| current.clone())
        };
        match discover(&self.config.issuer, http).await {
            Ok(metadata) => {
                let fresh = Arc::new(DiscoveredProvider { metadata });
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
                    .last_failure = Some(Instant::now());
                stale.ok_or(error)
            }
        }
    }
}
