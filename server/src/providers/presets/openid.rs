//! What an OpenID Connect preset is made of: its issuer (unless the configuration names
//! another, as for a self-managed GitLab), whether PKCE goes with the authorization, and any
//! `claims` request the provider needs. Discovery finds everything else.

use openidconnect::IssuerUrl;

use super::Overrides;
use crate::providers::protocol::{OidcSettings, Protocol};

pub(super) fn protocol(
    overrides: &Overrides,
    issuer: &str,
    sends_pkce: bool,
    claims_request: Option<&'static str>,
) -> Result<Protocol, String> {
    Ok(Protocol::Oidc(OidcSettings {
        issuer: IssuerUrl::new(overrides.issuer_or(issuer)).map_err(|e| e.to_string())?,
        sends_pkce,
        claims_request,
    }))
}
