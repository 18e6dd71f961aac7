//! Google: OpenID Connect, so the issuer is all we need; discovery finds the rest.

use super::{Overrides, PresetError, openid};
use crate::providers::protocol::Protocol;

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, PresetError> {
    Ok(Protocol::Oidc(openid::settings(
        overrides,
        "https://accounts.google.com",
    )?))
}
