//! A provider's checked discovery document, with what checking its sign-ins needs built once
//! from it, and the one thing the protocol asks of whoever caches it: fresh keys when an ID
//! token names a key we do not have.

use std::{future::Future, ops::Deref, sync::Arc};

use super::{IdTokenVerifier, Metadata, UserInfoClient, id_token_verifier, userinfo_client};
use crate::{
    provider_http::ProviderHttp,
    providers::{Provider, ProviderConfig},
};

/// A provider whose discovery document was fetched and checked, with what checking its sign-ins
/// needs built once from it.
pub struct DiscoveredProvider {
    pub metadata: Metadata,
    pub id_token_verifier: IdTokenVerifier,
    pub userinfo_client: UserInfoClient,
}

impl DiscoveredProvider {
    pub fn new(config: &ProviderConfig, metadata: Metadata) -> Self {
        Self {
            id_token_verifier: id_token_verifier(config, &metadata),
            userinfo_client: userinfo_client(config, &metadata),
            metadata,
        }
    }

    /// RFC 9207: when advertised, the callback must carry `iss`.
    pub fn requires_iss_parameter(&self) -> bool {
        self.metadata
            .additional_metadata()
            .authorization_response_iss_parameter_supported
    }
}

/// A provider whose keys can be fetched again: it may have rotated them since we looked.
pub trait RotatingKeys: Deref<Target = Provider> + Sync {
    /// The document refetched with its keys; `None` when that was done too recently.
    fn refresh_keys(
        &self,
        http: &ProviderHttp,
    ) -> impl Future<Output = Option<Arc<DiscoveredProvider>>> + Send;
}
