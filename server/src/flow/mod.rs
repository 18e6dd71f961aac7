//! The sign-in flow of DESIGN.md, free of HTTP details: `begin` records a transaction and
//! builds the provider URL; `complete` checks the callback and turns it into a session.

mod begin;
mod callback_query;
mod complete;
mod error;
pub mod return_path;

pub use begin::{ACCOUNT_PAGE, Pkce, Purpose};
pub use error::{FlowError, REFUSED_BY_POLICY, REFUSED_SUSPENDED};

use std::sync::Arc;

use return_path::AllowedRedirectHosts;

use crate::{
    access::AccessGate,
    oidc::DiscoveredProvider,
    registry::{LiveProvider, ProviderRegistry},
    store::Database,
    tokens::TokenKeys,
};

/// Everything the flow needs, shared by all requests.
#[derive(Clone)]
pub struct SignInFlow {
    pub registry: Arc<ProviderRegistry>,
    pub db: Database,
    pub http: crate::provider_http::ProviderHttp,
    /// Seal what providers grant, to be kept with the identity; without them nothing is kept.
    pub token_keys: Option<Arc<TokenKeys>>,
    /// The other apps' hosts a sign-in may return to (`ALLOWED_REDIRECT_HOSTS`).
    pub redirect_hosts: AllowedRedirectHosts,
    /// Who may sign in at all (`[access]`).
    pub access: Arc<AccessGate>,
}

impl SignInFlow {
    fn provider(&self, id: &str) -> Result<&Arc<LiveProvider>, FlowError> {
        self.registry
            .get(id)
            .ok_or_else(|| FlowError::UnknownProvider(id.chars().take(64).collect()))
    }

    /// `session` must still be signed in (neither signed out, idle too long, nor too old).
    async fn require_live(&self, session: &crate::domain::SessionId) -> Result<(), FlowError> {
        crate::store::sessions::profile(&self.db, session)
            .await?
            .map(|_| ())
            .ok_or(FlowError::SessionEnded)
    }

    async fn discovered(&self, provider: &LiveProvider) -> Result<Arc<DiscoveredProvider>, FlowError> {
        provider
            .discovered(&self.http)
            .await
            .map_err(|e| FlowError::ProviderUnavailable(provider.config.name.clone(), e.to_string()))
    }
}
