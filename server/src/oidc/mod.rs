//! OpenID Connect: discovery, and the confidential code exchange with ID-token verification.

pub mod apple_events;
mod dialect;
mod discovered;
mod discovery;
mod exchange;
pub mod jwt_part;
pub mod logout_token;
pub mod provider_jwt;
pub mod security_events;
mod signing_key;

pub use discovered::{DiscoveredProvider, RotatingKeys};
pub use discovery::{Metadata, discover};
pub use exchange::{
    IdTokenVerifier, UserInfoClient, exchange_code, id_token_verifier, token_endpoint, userinfo_client,
};

/// What went wrong talking to a provider. Details are for the log; the browser gets a
/// general message (see `flow::FlowError`).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("discovery failed recently; waiting before trying again")]
    DiscoveryBackoff,
    #[error("token request failed: {0}")]
    TokenRequest(String),
    #[error("the token response has no ID token")]
    MissingIdToken,
    #[error("ID token rejected: {0}")]
    IdToken(String),
    #[error("the ID token's subject is missing or too long")]
    BadSubject,
    #[error("userinfo request failed: {0}")]
    UserInfo(String),
    #[error("userinfo subject differs from the ID token's")]
    UserInfoSubjectMismatch,
}
