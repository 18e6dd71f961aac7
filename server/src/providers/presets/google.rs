//! Google: OpenID Connect, so the issuer is all we need; discovery finds the rest.

use openidconnect::IssuerUrl;

use super::Overrides;
use crate::providers::protocol::{OidcSettings, Protocol};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, String> {
    let issuer = overrides.issuer_or("https://accounts.google.com");
    Ok(Protocol::Oidc(OidcSettings {
        issuer: IssuerUrl::new(issuer).map_err(|e| e.to_string())?,
        sends_pkce: true,
        claims_request: None,
    }))
}
