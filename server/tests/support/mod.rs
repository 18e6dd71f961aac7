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

/// The nonce a page's Content-Security-Policy names.
pub fn policy_nonce(page: &reqwest::Response) -> String {
    let policy = page.headers()[reqwest::header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("a policy of visible characters");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next());
    nonce.unwrap_or_else(|| panic!("no nonce in {policy}")).to_owned()
}

/// What `check` finds, waiting at most ten seconds for it: for effects the app has in the
/// background.
pub async fn eventually<T, Fut>(what: &str, check: impl Fn() -> Fut) -> T
where
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not happen within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
