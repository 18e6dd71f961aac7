//! Sign-in providers: how they are configured (by hand or from a preset).

mod client_secret;
pub mod config;
mod endpoint;
pub mod presets;
pub mod protocol;
mod provider;
pub mod tenancy;

#[cfg(test)]
mod profile_mapping_tests;

pub use client_secret::{ClientCredential, KeySignedSecret};
pub use config::ConfigError;
pub use endpoint::is_safe_endpoint;
pub use protocol::Protocol;
pub use provider::{Provider, ProviderConfig};
