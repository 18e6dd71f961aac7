//! What a provider granted with a sign-in (`oauth::grant::ProviderTokens`), kept with the
//! identity so the server can act as the person later: sealed at rest with `TOKEN_KEYS`
//! ([`keys`]), opened and refreshed when due ([`on_demand`]), revoked on disconnect
//! ([`revoke`]).

pub mod keys;
pub mod on_demand;
pub mod revoke;

pub use keys::{OpenError, TokenKeys};
