//! Revoking a grant when its identity is disconnected, where the provider offers it: OpenID
//! providers whose discovery names a `revocation_endpoint` (RFC 7009; Google's does). The
//! refresh token is revoked when there is one, which ends the grant and its access tokens at
//! providers that follow RFC 7009 section 2.1; else the access token.

use secrecy::ExposeSecret;

use super::ProviderTokens;
use crate::{
    oauth::token_request,
    oidc,
    provider_http::ProviderHttp,
    providers::{Protocol, Provider},
};

/// Whether the grant was revoked: `Ok(false)` when the provider offers no revocation.
pub async fn revoke(provider: &Provider, http: &ProviderHttp, tokens: &ProviderTokens) -> Result<bool, String> {
    if !matches!(provider.config.protocol, Protocol::Oidc(_)) {
        return Ok(false);
    }
    let discovered = provider.discovered(http).await.map_err(|e| e.to_string())?;
    let Some(url) = discovered.metadata.additional_metadata().revocation_endpoint.as_ref() else {
        return Ok(false);
    };
    // The revocation endpoint authenticates the client as the token endpoint does.
    let (_, client_auth) =
        oidc::token_endpoint(&discovered.metadata).ok_or("the provider has no token endpoint")?;
    let (token, hint) = match &tokens.refresh_token {
        Some(refresh) => (refresh.expose_secret(), "refresh_token"),
        None => (tokens.access_token.expose_secret(), "access_token"),
    };
    token_request::revoke(provider, http, url, client_auth, token, hint)
        .await
        .map(|()| true)
        .map_err(|e| e.to_string())
}
