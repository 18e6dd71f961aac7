//! GitLab: OpenID Connect at gitlab.com, or at a self-managed instance named by `issuer`
//! (its base URL, where discovery lives too); discovery finds the rest, refresh and
//! revocation included.

use super::{Overrides, PresetError, openid};
use crate::providers::protocol::Protocol;

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, PresetError> {
    Ok(Protocol::Oidc(openid::settings(overrides, "https://gitlab.com")?))
}
