//! The dashboard's server function: what each connected provider says right now, asked with
//! the kept grant.

use app::{
    api::HttpExchange,
    error::AuthError,
    model::{LiveFromProvider, ProviderLive},
};

use super::{Backend, internal};
use crate::{provider_api, store::accounts};

impl Backend {
    pub(super) async fn live_from_providers(
        &self,
        http: &HttpExchange,
    ) -> Result<Vec<ProviderLive>, AuthError> {
        let (_, session) = self.signed_in(http).await?;
        let identities = accounts::identities_of(&self.flow.db, session.user_id)
            .await
            .map_err(internal)?;
        // All providers are asked at once: a slow one delays the page by its own time only.
        let asks = identities.into_iter().map(|identity| async move {
            let live = match self.flow.registry.get(&identity.provider_id) {
                Some(provider) => {
                    provider_api::live(&self.tokens, &self.flow.http, provider, identity.id).await
                }
                None => LiveFromProvider::NotOffered,
            };
            ProviderLive {
                identity: identity.id,
                live,
            }
        });
        let views = futures::future::join_all(asks).await;
        Ok(views)
    }
}
