//! Sign-in providers: how they are configured (by hand or from a preset).

pub mod config;
pub mod presets;
pub mod protocol;
mod provider;

#[cfg(test)]
mod profile_mapping_tests;

pub use config::{ConfigError, ProviderConfig, is_safe_endpoint};
pub use protocol::Protocol;
pub use provider::Provider;
