//! Twitch: OpenID Connect at `https://id.twitch.tv/oauth2`, whose ID token and userinfo carry
//! the address, its verification and the picture only when the authorization asks for them by
//! name in a `claims` request (and the `user:read:email` scope is granted). The secret goes in
//! the form (`client_secret_post`, from discovery). Twitch documents no PKCE for this flow, so
//! none is sent; the browser's verifier is still checked against its challenge here.

use super::{Overrides, PresetError, openid};
use crate::providers::protocol::{OidcSettings, Protocol};

/// The claims asked for, in the ID token and at userinfo alike.
const CLAIMS: &str = concat!(
    r#"{"id_token":{"email":null,"email_verified":null,"picture":null,"preferred_username":null},"#,
    r#""userinfo":{"email":null,"email_verified":null,"picture":null,"preferred_username":null}}"#
);

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, PresetError> {
    Ok(Protocol::Oidc(OidcSettings {
        sends_pkce: false,
        claims_request: Some(CLAIMS),
        ..openid::settings(overrides, "https://id.twitch.tv/oauth2")?
    }))
}
