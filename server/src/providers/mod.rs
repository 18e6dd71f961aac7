//! Sign-in providers: how they are configured (by hand or from a preset).

pub mod config;
mod endpoint;
pub mod presets;
pub mod protocol;
mod provider;

#[cfg(test)]
mod profile_mapping_tests;

pub use config::ConfigError;
pub use endpoint::is_safe_endpoint;
pub use protocol::Protocol;
pub use provider::{Provider, ProviderConfig};
