//! The dashboard's server functions: who is signed in with which providers, and what each
//! connected provider says, asked with the kept grant at most once a minute per identity.

use app::{
    api::HttpExchange,
    error::AuthError,
    model::{Dashboard, LiveFromProvider, ProviderLive},
};

use super::{Backend, internal};
use crate::{
    provider_api::LiveKey,
    store::{accounts, accounts::ConnectedIdentity, sessions::SessionProfile},
};

impl Backend {
    pub(super) async fn dashboard_page(&self, http: &HttpExchange) -> Result<Dashboard, AuthError> {
        let (_, session) = self.signed_in(http).await?;
        let identities = self.identities(&session).await?;
        Ok(self.dashboard_of(session, identities))
    }

    pub(super) async fn live_from_providers(
        &self,
        http: &HttpExchange,
    ) -> Result<Vec<ProviderLive>, AuthError> {
        let (_, session) = self.signed_in(http).await?;
        let identities = self.identities(&session).await?;
        Ok(self.live(&session, &identities).await)
    }

    /// The whole dashboard, its identities read once.
    pub async fn dashboard_and_live(
        &self,
        http: &HttpExchange,
    ) -> Result<(Dashboard, Vec<ProviderLive>), AuthError> {
        let (_, session) = self.signed_in(http).await?;
        let identities = self.identities(&session).await?;
        let live = self.live(&session, &identities).await;
        Ok((self.dashboard_of(session, identities), live))
    }

    async fn identities(&self, session: &SessionProfile) -> Result<Vec<ConnectedIdentity>, AuthError> {
        accounts::identities_of(&self.flow.db, session.user_id)
            .await
            .map_err(internal)
    }

    fn dashboard_of(&self, session: SessionProfile, identities: Vec<ConnectedIdentity>) -> Dashboard {
        Dashboard {
            connected: self.connected(identities),
            profile: self.profile(session),
        }
    }

    async fn live(&self, session: &SessionProfile, identities: &[ConnectedIdentity]) -> Vec<ProviderLive> {
        // All providers are asked at once: a slow one delays the page by its own time only.
        let asks = identities.iter().map(|identity| async move {
            let key = LiveKey {
                user_id: session.user_id,
                identity_id: identity.id,
                connected_at: identity.created_at,
            };
            let (live, said_at) = match self.flow.registry.get(&identity.provider_id) {
                Some(provider) => {
                    self.live_memory
                        .live(key, &self.tokens, &self.flow.http, provider)
                        .await
                }
                None => (LiveFromProvider::NotOffered, None),
            };
            ProviderLive {
                identity: identity.id,
                live,
                as_of: said_at.and_then(clock_time),
            }
        });
        futures::future::join_all(asks).await
    }
}

/// Unix seconds as the time of day the dashboard says the facts are from.
fn clock_time(at: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(at, 0).map(|time| time.format("%H:%M:%S UTC").to_string())
}
