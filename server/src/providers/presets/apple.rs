//! Apple: Sign in with Apple for the web, OpenID Connect at `https://appleid.apple.com` with no
//! userinfo endpoint, everything coming in the ID token. Asking for a name or email makes Apple
//! POST the callback (`response_mode=form_post`); the name arrives then, and only at the
//! person's first authorization. The client secret is an ES256 JWT signed with the
//! developer's key (`providers::client_secret`), sent in the form. Apple documents no PKCE
//! for the web; the browser's verifier is still checked here. Revocation is found by discovery.

use super::{Overrides, PresetError, openid};
use crate::providers::protocol::{IdTokenDialect, OidcSettings, Protocol, ResponseMode};

pub const ISSUER: &str = "https://appleid.apple.com";

pub(super) fn protocol(scopes: &[String], overrides: &Overrides) -> Result<Protocol, PresetError> {
    let asks_name_or_email = scopes.iter().any(|s| s == "name" || s == "email");
    Ok(Protocol::Oidc(OidcSettings {
        sends_pkce: false,
        response_mode: if asks_name_or_email {
            ResponseMode::FormPost
        } else {
            ResponseMode::Query
        },
        dialect: IdTokenDialect::Apple,
        ..openid::settings(overrides, ISSUER)?
    }))
}
