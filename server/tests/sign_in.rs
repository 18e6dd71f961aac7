//! The sign-in flow end to end through HTTP, against a stand-in provider on loopback.

mod support;

use serde_json::json;
use support::{TestApp, app_and_provider, provider::corrupt_signature};
use wiremock::ResponseTemplate;

#[tokio::test]
async fn a_valid_sign_in_creates_a_session_and_shows_the_profile() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;

    let reply = app
        .complete(&callback, &format!("code=good-code&state={}", callback.state))
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["display_name"], "Ada Lovelace");
    assert_eq!(reply.body["profile"]["email"], "ada@example.com");
    assert_eq!(reply.body["profile"]["email_verified"], true);
    assert_eq!(reply.body["profile"]["username"], "ada");
    assert_eq!(reply.body["return_to"], "/");
    // No token of any kind goes to the browser.
    assert!(!reply.body.to_string().contains("stand-in-access-token"));
    assert!(!reply.body.to_string().contains("eyJ"));

    // The code went to the token endpoint with the verifier and HTTP Basic client credentials.
    let token_request = provider.last_call_to("/token").await.unwrap();
    let form = String::from_utf8(token_request.body.clone()).unwrap();
    assert!(
        form.contains("code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "{form}"
    );
    assert!(form.contains("grant_type=authorization_code"), "{form}");
    assert!(!form.contains(support::provider::CLIENT_SECRET));
    assert!(
        token_request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );

    let session = reply.session().expect("a session cookie is set");
    let (status, html) = app.get("/", &[format!("__Host-session={session}")]).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ada Lovelace") && html.contains("Sign out"),
        "{html}"
    );
    assert!(!html.contains("stand-in-access-token"));
}

#[tokio::test]
async fn the_authorization_url_carries_pkce_state_nonce_and_the_configured_redirect() {
    let (app, _provider) = app_and_provider().await;
    let first = app.begin().await;
    let second = app.begin().await;
    let params: std::collections::HashMap<_, _> =
        first.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["code_challenge"], support::app::CHALLENGE);
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(
        params["redirect_uri"],
        format!("{}/auth/callback/acme", app.origin)
    );
    assert_eq!(params["client_id"], support::provider::CLIENT_ID);
    assert!(first.state.len() >= 22 && first.nonce.len() >= 22);
    assert_ne!(first.state, second.state);
    assert_ne!(first.nonce, second.nonce);
    assert!(
        !first
            .authorization_url
            .as_str()
            .contains(support::provider::CLIENT_SECRET)
    );
}

#[tokio::test]
async fn a_token_endpoint_error_is_refused_without_a_session() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    provider
        .answer_token_request(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "secret provider detail"
        })))
        .await;

    let reply = app
        .complete(&callback, &format!("code=bad&state={}", callback.state))
        .await;

    assert_eq!(reply.status, 502);
    assert_eq!(reply.body, json!("ProviderRefused"));
    assert!(!reply.body.to_string().contains("secret provider detail"));
    assert_eq!(reply.session(), None);
    assert_eq!(provider.calls_to("/userinfo").await, 0);
}

#[tokio::test]
async fn an_id_token_with_a_bad_signature_is_refused_before_userinfo() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    let token = provider.sign(&provider.valid_id_token(&callback.nonce));
    provider
        .answer_token_request_with(corrupt_signature(&token))
        .await;
    provider
        .answer_userinfo_with(json!({ "sub": support::provider::SUBJECT }))
        .await;

    let reply = app.finish(&callback).await;

    assert_eq!(reply.body, json!("VerificationFailed"));
    assert_eq!(reply.session(), None);
    assert_eq!(provider.calls_to("/userinfo").await, 0);
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    provider
        .answer_token_request_with(provider.sign(&provider.valid_id_token("some-other-nonce")))
        .await;

    let reply = app.finish(&callback).await;

    assert_eq!(reply.body, json!("VerificationFailed"));
    assert_eq!(reply.session(), None);
    assert_eq!(provider.calls_to("/userinfo").await, 0);
}

#[tokio::test]
async fn an_id_token_for_another_audience_or_issued_long_ago_is_refused() {
    for tweak in [
        (|spec: &mut support::provider::IdTokenSpec| spec.audience = "someone-else".into()) as fn(&mut _),
        |spec| spec.issued_minutes_ago = 30,
        |spec| spec.subject = "x".repeat(256),
    ] {
        let (app, provider) = app_and_provider().await;
        let callback = app.begin().await;
        let mut spec = provider.valid_id_token(&callback.nonce);
        tweak(&mut spec);
        provider.answer_token_request_with(provider.sign(&spec)).await;

        let reply = app.finish(&callback).await;

        assert_eq!(reply.body, json!("VerificationFailed"));
        assert_eq!(reply.session(), None);
    }
}

#[tokio::test]
async fn userinfo_for_another_subject_is_refused_and_nothing_is_stored() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    provider
        .answer_token_request_with(provider.sign(&provider.valid_id_token(&callback.nonce)))
        .await;
    provider
        .answer_userinfo_with(json!({ "sub": "someone-else", "name": "Mallory" }))
        .await;

    let reply = app.finish(&callback).await;

    assert_eq!(reply.body, json!("VerificationFailed"));
    assert_eq!(reply.session(), None);
}

#[tokio::test]
async fn a_verifier_that_does_not_match_the_challenge_never_reaches_the_token_endpoint() {
    let (app, provider) = app_and_provider().await;
    let mut callback = app.begin().await;
    callback.verifier = "a".repeat(43);

    let reply = app.finish(&callback).await;

    assert_eq!(reply.body, json!("InvalidCallback"));
    assert_eq!(provider.calls_to("/token").await, 0);
}

#[tokio::test]
async fn wrong_missing_empty_or_repeated_state_is_refused() {
    let (app, provider) = app_and_provider().await;
    for query in [
        "code=c&state=wrong".to_owned(),
        "code=c".to_owned(),
        "code=c&state=".to_owned(),
    ] {
        let callback = app.begin().await;
        let reply = app.complete(&callback, &query).await;
        assert_eq!(reply.body, json!("InvalidCallback"), "{query}");
    }
    let callback = app.begin().await;
    let twice = format!("code=c&state={0}&state={0}", callback.state);
    let reply = app.complete(&callback, &twice).await;
    assert_eq!(reply.status, 400);
    assert_eq!(provider.calls_to("/token").await, 0);
}

#[tokio::test]
async fn a_callback_without_the_browsers_binding_cookie_is_refused() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    let query = format!("code=c&state={}", callback.state);
    let reply = app
        .call(
            "complete_sign_in",
            &[
                ("provider", "acme"),
                ("callback_query", &query),
                ("code_verifier", &callback.verifier),
            ],
            &[],
        )
        .await;
    assert_eq!(reply.body, json!("InvalidCallback"));
    assert_eq!(provider.calls_to("/token").await, 0);
}

#[tokio::test]
async fn a_callback_is_single_use() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let query = format!("code=c&state={}", callback.state);

    assert_eq!(app.complete(&callback, &query).await.status, 200);
    let replay = app.complete(&callback, &query).await;

    assert_eq!(replay.body, json!("InvalidCallback"));
    assert_eq!(replay.session(), None);
    assert_eq!(provider.calls_to("/token").await, 1);
}

#[tokio::test]
async fn a_denied_consent_is_reported_as_such_without_a_token_request() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    let query = format!(
        "error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state={}",
        callback.state
    );
    let reply = app.complete(&callback, &query).await;
    assert_eq!(reply.body, json!("AccessDenied"));
    assert!(!reply.body.to_string().contains("script"));
    assert_eq!(provider.calls_to("/token").await, 0);
}

#[tokio::test]
async fn an_unreachable_provider_gives_a_clear_error() {
    // Bind and drop a listener, so the port is closed.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let app = TestApp::spawn(&format!("http://{closed}")).await;
    let reply = app.try_begin().await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.body, json!({ "ProviderUnavailable": "Acme ID" }));
}

#[tokio::test]
async fn server_functions_refuse_cross_site_calls() {
    let (app, provider) = app_and_provider().await;
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let reply = app
            .call_with_origin(
                "begin_sign_in",
                &[("provider", "acme"), ("code_challenge", support::app::CHALLENGE)],
                &[],
                origin,
            )
            .await;
        assert_eq!(reply.status, 403, "{origin:?}");
        assert_eq!(reply.body, json!("CrossSite"));
    }
    let (status, _) = app.get("/api/sign_out", &[]).await;
    assert_ne!(status, 200);
    assert_eq!(provider.calls_to("/authorize").await, 0);
}

#[tokio::test]
async fn sign_out_ends_the_server_side_session() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    let cookie = format!("__Host-session={}", reply.session().unwrap());

    let out = app.call("sign_out", &[], std::slice::from_ref(&cookie)).await;
    assert_eq!(out.status, 200);
    assert_eq!(out.cookie("__Host-session").as_deref(), Some(""));

    let (_, html) = app.get("/", &[cookie]).await;
    assert!(html.contains("Sign in with Acme ID"), "{html}");
    assert!(!html.contains("Ada Lovelace"));
}

#[tokio::test]
async fn a_forged_session_cookie_shows_the_signed_out_page() {
    let (app, _provider) = app_and_provider().await;
    for forged in [
        "__Host-session=forged",
        "__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let (status, html) = app.get("/", &[forged.to_owned()]).await;
        assert_eq!(status, 200);
        assert!(html.contains("Sign in with Acme ID"));
    }
}

#[tokio::test]
async fn sign_in_calls_are_rate_limited_per_address_with_retry_after() {
    let (app, _provider) = app_and_provider().await;
    let mut refused = None;
    for _ in 0..40 {
        let reply = app.try_begin().await;
        if reply.status == 429 {
            refused = Some(reply);
            break;
        }
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let refused = refused.expect("40 calls in a burst are not all accepted");
    assert_eq!(refused.body, json!("RateLimited"));
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    // Pages are not limited.
    assert_eq!(app.get("/", &[]).await.0, 200);
}

/// Pages go out compressed to a browser that accepts it; server-function answers do not, as
/// compressing a few hundred bytes of JSON costs more than it saves.
#[tokio::test]
async fn pages_are_compressed_and_server_function_answers_are_not() {
    let (app, _provider) = app_and_provider().await;
    let page = app
        .http
        .get(format!("{}/", app.origin))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-encoding"], "br");
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let compressed = page.bytes().await.unwrap();
    let (_, plain) = app.get("/", &[]).await;
    assert!(plain.contains("Sign in with Acme ID"));
    assert!(compressed.len() * 2 < plain.len(), "{} of {}", compressed.len(), plain.len());

    let answer = app
        .http
        .post(format!("{}/api/begin_sign_in", app.origin))
        .header("accept-encoding", "br, gzip")
        .header("origin", &app.origin)
        .form(&[("provider", "acme"), ("code_challenge", support::app::CHALLENGE)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("content-encoding").is_none());
}
