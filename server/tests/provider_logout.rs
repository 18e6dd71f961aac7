//! "Sign out of {provider} too" (RP-Initiated Logout 1.0): the session here ends, the browser is
//! sent to the provider's end-session endpoint with the sign-in's ID token as a hint, APP_URL
//! to come back to and a `state`, and the sign-in page confirms the return only with that state.

mod support;

use support::{
    StandInProvider, TestApp,
    provider::DiscoveryOptions,
};
use url::Url;

/// Submits the "Sign out of … too" form as a browser would.
async fn sign_out_at_provider(app: &TestApp, cookies: &[String]) -> support::app::Reply {
    app.call_with_headers(
        "sign_out_at_provider",
        &[],
        cookies,
        Some(&app.origin),
        &[("accept", "text/html")],
    )
    .await
}

/// Opens the sign-in page as the provider's redirect back would; returns the page and whether
/// it cleared the sign-out cookie.
async fn come_back(app: &TestApp, state: &str, kept: &str) -> (String, bool) {
    let response = app
        .http
        .get(format!("{}/?state={state}", app.origin))
        .header("cookie", format!("__Host-sign-out={kept}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cleared = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("__Host-sign-out=;"));
    (response.text().await.unwrap(), cleared)
}

#[tokio::test]
async fn signing_out_at_the_provider_too_ends_the_session_and_goes_there_with_hint_and_state() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let (session, id_token) = app.sign_in_with_id_token(&provider, "acme").await;
    let (_, account) = app.get("/account", std::slice::from_ref(&session)).await;
    assert!(account.contains("Sign out of Acme ID too"), "{account}");
    // The signed-in view keeps one button named "Sign out" (DESIGN.md).
    let (_, home) = app.get("/", std::slice::from_ref(&session)).await;
    assert_eq!(home.matches(">Sign out<").count(), 1, "{home}");
    assert!(!home.contains("Sign out of"), "{home}");

    let reply = sign_out_at_provider(&app, std::slice::from_ref(&session)).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = Url::parse(&reply.header("location").unwrap()).unwrap();
    assert_eq!(
        location.as_str().split('?').next(),
        Some(format!("{}/logout", provider.issuer()).as_str())
    );
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["id_token_hint"], id_token);
    assert_eq!(query["client_id"], support::provider::CLIENT_ID);
    assert_eq!(query["post_logout_redirect_uri"], format!("{}/", app.origin));
    let state = query["state"].clone();
    assert!(state.len() >= 32, "{state}");
    // The session here has ended.
    assert_eq!(reply.cookie("__Host-session").as_deref(), Some(""));
    let (_, after) = app.get("/", std::slice::from_ref(&session)).await;
    assert!(
        after.contains("Sign in with Acme ID") && !after.contains("Sign out"),
        "{after}"
    );

    // Back with the state it was sent with: confirmed, and the cookie is spent.
    let kept = reply.cookie("__Host-sign-out").unwrap();
    assert_eq!(kept, format!("acme.{state}"));
    let (page, cleared) = come_back(&app, &state, &kept).await;
    assert!(page.contains("You are signed out of Acme ID too."), "{page}");
    assert!(cleared);
    // With any other state, nothing is confirmed.
    let (page, _) = come_back(&app, "forged-state", &kept).await;
    assert!(!page.contains("signed out of Acme ID too"), "{page}");
}

#[tokio::test]
async fn a_provider_without_an_end_session_endpoint_offers_no_sign_out_there() {
    let provider = StandInProvider::start_with(DiscoveryOptions {
        no_end_session: true,
        ..Default::default()
    })
    .await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let (session, _) = app.sign_in_with_id_token(&provider, "acme").await;
    let (_, account) = app.get("/account", std::slice::from_ref(&session)).await;
    assert!(
        account.contains("Sign out everywhere else") && !account.contains("Sign out of"),
        "{account}"
    );
    // Asked all the same, it signs out here and goes home.
    let reply = sign_out_at_provider(&app, &[session]).await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location").as_deref(), Some("/"));
    assert!(reply.cookie("__Host-sign-out").is_none());
}

#[tokio::test]
async fn the_sign_out_form_from_another_site_is_refused() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let (session, _) = app.sign_in_with_id_token(&provider, "acme").await;
    let reply = app
        .call_with_headers(
            "sign_out_at_provider",
            &[],
            std::slice::from_ref(&session),
            Some("https://evil.example"),
            &[("accept", "text/html")],
        )
        .await;
    assert_eq!(reply.status, 403);
    let (_, account) = app.get("/account", &[session]).await;
    assert!(
        account.contains("Sign out of Acme ID too"),
        "still signed in: {account}"
    );
}
