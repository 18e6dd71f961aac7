//! LinkedIn: "Sign In with LinkedIn using OpenID Connect". Discovery gives the endpoints and
//! `client_secret_post`; LinkedIn takes PKCE from native apps only, so a web app sends none and
//! relies on its secret (the browser's verifier is still checked against its challenge here).
//! Its ID token writes `email_verified` as a string, which the reader accepts. There is no
//! username.

use super::{Overrides, PresetError, openid};
use crate::providers::protocol::{OidcSettings, Protocol};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, PresetError> {
    Ok(Protocol::Oidc(OidcSettings {
        sends_pkce: false,
        ..openid::settings(overrides, "https://www.linkedin.com/oauth")?
    }))
}
