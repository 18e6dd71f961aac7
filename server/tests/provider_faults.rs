//! A provider that rotates keys, signs with the wrong key or algorithm, redirects, or sends
//! too much: each is handled, and nothing after a failed step is sent to the provider.

mod support;

use serde_json::json;
use support::{
    StandInProvider, TestApp,
    app::Reply,
    app_and_provider,
    provider::{SUBJECT, Signer},
};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

/// One sign-in whose ID token is signed by `signer`.
async fn sign_in_signed_by(app: &TestApp, provider: &StandInProvider, signer: Signer) -> Reply {
    let callback = app.begin().await;
    let mut spec = provider.valid_id_token(&callback.nonce);
    spec.signer = signer;
    provider.answer_token_request_with(provider.sign(&spec)).await;
    app.finish(&callback).await
}

#[tokio::test]
async fn a_rotated_signing_key_is_found_with_one_refetch() {
    let (app, provider) = app_and_provider().await;
    provider.answer_userinfo_with(json!({ "sub": SUBJECT })).await;
    let callback = app.begin().await;
    let fetched_before = provider.calls_to("/jwks").await;
    provider.rotate_keys().await;
    let mut spec = provider.valid_id_token(&callback.nonce);
    spec.signer = Signer::Rsa(1);
    provider.answer_token_request_with(provider.sign(&spec)).await;

    let reply = app.finish(&callback).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(provider.calls_to("/jwks").await, fetched_before + 1);
}

#[tokio::test]
async fn an_unknown_key_is_refused_after_one_refetch_and_refetches_are_rate_limited() {
    let (app, provider) = app_and_provider().await;
    provider.answer_userinfo_with(json!({ "sub": SUBJECT })).await;
    // Let the start-up discovery finish, so only refetches are counted below.
    app.begin().await;
    let fetched_before = provider.calls_to("/jwks").await;

    let first = sign_in_signed_by(&app, &provider, Signer::Rsa(2)).await;
    let second = sign_in_signed_by(&app, &provider, Signer::Rsa(2)).await;

    assert_eq!(first.body, json!("VerificationFailed"));
    assert_eq!(second.body, json!("VerificationFailed"));
    assert_eq!(provider.calls_to("/jwks").await, fetched_before + 1);
    assert_eq!(provider.calls_to("/userinfo").await, 0);
}

#[tokio::test]
async fn an_hs256_id_token_is_refused_even_when_the_provider_advertises_it() {
    let (app, provider) = app_and_provider().await;
    let reply = sign_in_signed_by(&app, &provider, Signer::HmacWithClientSecret).await;
    assert_eq!(reply.body, json!("VerificationFailed"));
    assert_eq!(provider.calls_to("/userinfo").await, 0);
}

#[tokio::test]
async fn an_oversized_userinfo_response_is_refused() {
    let (app, provider) = app_and_provider().await;
    let padding = "x".repeat(server::provider_http::MAX_RESPONSE_BYTES);
    provider
        .answer_userinfo_with(json!({ "sub": SUBJECT, "name": padding }))
        .await;

    let reply = sign_in_signed_by(&app, &provider, Signer::Rsa(0)).await;

    assert_eq!(reply.status, 502);
    assert_eq!(reply.body, json!("ProviderRefused"));
    assert_eq!(reply.cookie("__Host-session").filter(|v| !v.is_empty()), None);
}

#[tokio::test]
async fn a_token_endpoint_redirect_is_not_followed() {
    let (app, provider) = app_and_provider().await;
    let elsewhere = format!("{}/elsewhere", provider.issuer());
    provider
        .answer_token_request(ResponseTemplate::new(302).insert_header("Location", elsewhere.as_str()))
        .await;
    Mock::given(method("POST"))
        .and(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&provider.server)
        .await;
    let callback = app.begin().await;

    let reply = app.finish(&callback).await;

    assert_eq!(reply.body, json!("ProviderRefused"));
    assert_eq!(provider.calls_to("/elsewhere").await, 0);
}
