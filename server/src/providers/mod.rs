//! Sign-in providers: how they are configured, and the live registry with discovery results.

pub mod config;
pub mod registry;

pub use config::{ConfigError, ProviderConfig};
pub use registry::{DiscoveredProvider, Provider, ProviderRegistry};
