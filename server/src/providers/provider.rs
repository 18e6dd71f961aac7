//! A configured provider: what its configuration says, and how the protocols see it (that
//! configuration with our redirect URI there).

use app::model::Brand;
use openidconnect::{ClientId, RedirectUrl};

use super::{ClientCredential, Protocol};
use crate::domain::ProviderId;

/// A sign-in provider as configured, whatever its protocol.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub id: ProviderId,
    pub name: String,
    /// Set for presets, whose buttons wear the provider's mark.
    pub brand: Option<Brand>,
    pub client_id: ClientId,
    /// Redacted in `Debug`.
    pub client_secret: ClientCredential,
    pub scopes: Vec<String>,
    pub protocol: Protocol,
}

pub struct Provider {
    pub config: ProviderConfig,
    /// Always `{APP_URL}/auth/callback/{id}`; never taken from a request.
    pub redirect_uri: RedirectUrl,
}
