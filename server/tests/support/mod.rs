//! Black-box test harness: the real application on a random loopback port with a fresh
//! database (SQLite, or PostgreSQL when the suite is run against it), a stand-in OpenID
//! provider (wiremock) that signs real ID tokens, and a client that calls the server
//! functions the way the browser does.
// Each test binary uses a different part of this harness.
#![allow(dead_code)]

pub mod app;
pub mod database;
pub mod provider;

pub use app::TestApp;
pub use provider::StandInProvider;

/// A fresh app whose one provider, "acme", is a fresh stand-in.
pub async fn app_and_provider() -> (TestApp, StandInProvider) {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    (app, provider)
}
