//! A configured provider as the protocols see it: its configuration and our redirect URI there.

use openidconnect::RedirectUrl;

use super::ProviderConfig;

pub struct Provider {
    pub config: ProviderConfig,
    /// Always `{APP_URL}/auth/callback/{id}`; never taken from a request.
    pub redirect_uri: RedirectUrl,
}
