//! The Axum server: server-side rendering, the sign-in flow behind the server functions,
//! provider configuration, the session store, and what operators see (telemetry).

pub mod access;
pub mod domain;
pub mod flow;
pub mod logout;
pub mod oauth;
pub mod oidc;
pub mod profile;
pub mod provider_api;
pub mod provider_http;
pub mod providers;
pub mod registry;
pub mod settings;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tokens;
pub mod web;
