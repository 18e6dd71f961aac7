//! Slack: "Sign in with Slack", OpenID Connect at `https://slack.com`. Its ID token holds the
//! profile and the workspace, under claims named by URL (`https://slack.com/team_name`); the
//! secret goes in the form (`client_secret_post`, from discovery). Slack documents no PKCE for
//! this flow, so none is sent; the browser's verifier is still checked here. Its token
//! endpoint answers errors with HTTP 200 and `{"ok": false, "error": …}`, which the token
//! exchange refuses like any error body.

use super::{Overrides, PresetError, openid};
use crate::providers::protocol::{IdTokenDialect, OidcSettings, Protocol};

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, PresetError> {
    Ok(Protocol::Oidc(OidcSettings {
        sends_pkce: false,
        dialect: IdTokenDialect::Slack,
        ..openid::settings(overrides, "https://slack.com")?
    }))
}
