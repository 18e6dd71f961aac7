//! Sign-in providers: how they are configured (by hand or from a preset), and the live
//! registry with discovery results.

pub mod config;
pub mod presets;
pub mod protocol;
pub mod registry;

#[cfg(test)]
mod profile_mapping_tests;

pub use config::{ConfigError, ProviderConfig, is_safe_endpoint};
pub use protocol::Protocol;
pub use registry::{DiscoveredProvider, Provider, ProviderRegistry};
