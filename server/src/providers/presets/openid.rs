//! What an OpenID Connect preset starts from: its issuer (unless the configuration names
//! another, as for a self-managed GitLab), with PKCE and the query response mode. Each preset
//! changes what its provider does differently; discovery finds everything else.

use openidconnect::IssuerUrl;

use super::{Overrides, PresetError};
use crate::providers::protocol::OidcSettings;

pub(super) fn settings(overrides: &Overrides, issuer: &str) -> Result<OidcSettings, PresetError> {
    let issuer =
        IssuerUrl::new(overrides.issuer_or(issuer)).map_err(|e| PresetError::issuer(e.to_string()))?;
    Ok(OidcSettings::standard(issuer))
}
