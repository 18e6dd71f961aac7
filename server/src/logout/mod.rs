//! Signing out beyond this app's own session: at the provider too (RP-Initiated Logout).

pub mod at_provider;
