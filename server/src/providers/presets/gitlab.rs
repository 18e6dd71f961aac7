//! GitLab: OpenID Connect at gitlab.com, or at a self-managed instance named by `issuer`
//! (its base URL, where discovery lives too); discovery finds the rest, refresh and
//! revocation included.

use openidconnect::IssuerUrl;

use super::Overrides;
use crate::providers::protocol::{OidcSettings, Protocol};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, String> {
    let issuer = overrides.issuer_or("https://gitlab.com");
    Ok(Protocol::Oidc(OidcSettings {
        issuer: IssuerUrl::new(issuer).map_err(|e| e.to_string())?,
        sends_pkce: true,
        claims_request: None,
    }))
}
