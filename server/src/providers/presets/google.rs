//! Google: OpenID Connect, so the issuer is all we need; discovery finds the rest.

use super::{Overrides, openid};
use crate::providers::protocol::Protocol;

pub(super) fn protocol(overrides: &Overrides) -> Result<Protocol, String> {
    openid::protocol(overrides, "https://accounts.google.com", true, None)
}
