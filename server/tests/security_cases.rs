//! Cases of ../shared/SECURITY.md against the stand-in provider, named by case id so that one
//! case runs with `cargo test -p server <id>_` (see docs/security.md for the whole map).

mod support;

use serde_json::json;
use support::{
    StandInProvider, TestApp,
    app::Reply,
    app_and_provider,
    provider::{DiscoveryOptions, IdTokenSpec, SUBJECT},
};
use wiremock::ResponseTemplate;

/// One sign-in whose ID token is `valid_id_token` changed by `tweak`.
async fn sign_in_with_id_token(tweak: impl FnOnce(&mut IdTokenSpec)) -> (Reply, StandInProvider) {
    let (app, provider) = app_and_provider().await;
    provider.answer_userinfo_with(json!({ "sub": SUBJECT })).await;
    let callback = app.begin().await;
    let mut spec = provider.valid_id_token(&callback.nonce);
    tweak(&mut spec);
    provider.answer_token_request_with(provider.sign(&spec)).await;
    let reply = app.finish(&callback).await;
    (reply, provider)
}

async fn assert_id_token_refused(tweak: impl FnOnce(&mut IdTokenSpec)) {
    let (reply, provider) = sign_in_with_id_token(tweak).await;
    assert_eq!(reply.body, json!("VerificationFailed"));
    assert_eq!(reply.session(), None);
    assert_eq!(
        provider.calls_to("/userinfo").await,
        0,
        "userinfo called after a bad ID token"
    );
}

#[tokio::test]
async fn a5_a_callback_on_another_providers_path_is_refused() {
    let acme = StandInProvider::start().await;
    let other = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("other", &other.issuer())]).await;
    let mut callback = app.begin().await;
    callback.provider = "other".into();

    let reply = app.finish(&callback).await;

    assert_eq!(reply.body, json!("InvalidCallback"));
    assert_eq!(acme.calls_to("/token").await + other.calls_to("/token").await, 0);
}

#[tokio::test]
async fn a6_when_the_provider_sends_iss_it_must_be_there_and_right() {
    let provider = StandInProvider::start_with(DiscoveryOptions {
        iss_parameter_supported: true,
        ..Default::default()
    })
    .await;
    let app = TestApp::spawn(&provider.issuer()).await;
    for bad_iss in ["", "&iss=http%3A%2F%2F127.0.0.1%3A1"] {
        let callback = app.begin().await;
        let reply = app
            .complete(&callback, &format!("code=c&state={}{bad_iss}", callback.state))
            .await;
        assert_eq!(reply.body, json!("InvalidCallback"), "iss {bad_iss:?}");
    }
    assert_eq!(provider.calls_to("/token").await, 0);

    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let iss: String = url::form_urlencoded::byte_serialize(provider.issuer().as_bytes()).collect();
    let reply = app
        .complete(&callback, &format!("code=c&state={}&iss={iss}", callback.state))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn a7_an_expired_transaction_is_refused_and_cleared() {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    let pool = app.database.pool().await;
    sqlx::query("UPDATE sign_in_transactions SET created_at = created_at - 601")
        .execute(&pool)
        .await
        .unwrap();
    let query = format!("code=c&state={}", callback.state);

    assert_eq!(app.complete(&callback, &query).await.body, json!("Expired"));
    assert_eq!(
        app.complete(&callback, &query).await.body,
        json!("InvalidCallback")
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_transactions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    pool.close().await;
    assert_eq!(provider.calls_to("/token").await, 0);
}

#[tokio::test]
async fn b2_another_audience_beside_ours_is_refused() {
    assert_id_token_refused(|spec| spec.extra_audience = Some("someone-else".into())).await;
}

#[tokio::test]
async fn b5_an_expired_id_token_is_refused() {
    // Issued 7 minutes ago, so `iat` is recent enough, but it expired 2 minutes ago.
    assert_id_token_refused(|spec| spec.issued_minutes_ago = 7).await;
}

#[tokio::test]
async fn b7_an_id_token_without_a_nonce_is_refused() {
    assert_id_token_refused(|spec| spec.nonce = None).await;
}

#[tokio::test]
async fn b12_a_discovery_document_for_another_issuer_disables_the_provider() {
    let provider = StandInProvider::start_with(DiscoveryOptions {
        claimed_issuer: Some("http://127.0.0.1:1/impostor".into()),
        ..Default::default()
    })
    .await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let reply = app.try_begin().await;
    assert_eq!(reply.body, json!({ "ProviderUnavailable": "Acme ID" }));
    assert_eq!(provider.calls_to("/authorize").await, 0);
}

#[tokio::test]
async fn d3_the_session_id_changes_at_sign_in_and_the_old_one_ends() {
    let (app, provider) = app_and_provider().await;
    let first = app.begin().await;
    provider.answer_valid_sign_in(&first.nonce).await;
    let old = app.finish(&first).await.session().unwrap();
    let old_cookie = format!("__Host-session={old}");

    let second = app.begin().await;
    provider
        .answer_token_request_with(provider.sign(&provider.valid_id_token(&second.nonce)))
        .await;
    let reply = app
        .call(
            "complete_sign_in",
            &[
                ("provider", "acme"),
                ("callback_query", &format!("code=c&state={}", second.state)),
                ("code_verifier", &second.verifier),
            ],
            &[second.binding_cookie.clone(), old_cookie.clone()],
        )
        .await;

    let new = reply.session().unwrap();
    assert_ne!(new, old);
    let (_, html) = app.get("/", &[old_cookie]).await;
    assert!(
        html.contains("Sign in with Acme ID"),
        "the old session still works"
    );
}

#[tokio::test]
async fn g3_token_endpoint_failures_are_refused_before_userinfo() {
    let failures = [
        ResponseTemplate::new(500).set_body_string("internal error"),
        ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"),
        ResponseTemplate::new(200).set_body_json(json!({ "error": "invalid_grant" })),
        ResponseTemplate::new(200).set_body_json(json!({ "token_type": "Bearer", "id_token": "x.y.z" })),
    ];
    for failure in failures {
        let (app, provider) = app_and_provider().await;
        provider.answer_userinfo_with(json!({ "sub": SUBJECT })).await;
        provider.answer_token_request(failure).await;
        let callback = app.begin().await;
        let reply = app.finish(&callback).await;
        assert_eq!(reply.body, json!("ProviderRefused"));
        assert_eq!(provider.calls_to("/userinfo").await, 0);
    }
}

#[tokio::test]
async fn g3_token_type_in_any_case_and_expires_in_as_a_string_are_accepted() {
    for (token_type, expires_in) in [("bearer", json!("3600")), ("BEARER", json!(3600))] {
        let (app, provider) = app_and_provider().await;
        provider.answer_userinfo_with(json!({ "sub": SUBJECT })).await;
        let callback = app.begin().await;
        let id_token = provider.sign(&provider.valid_id_token(&callback.nonce));
        let body = json!({
            "access_token": "a", "token_type": token_type, "expires_in": expires_in, "id_token": id_token
        });
        provider
            .answer_token_request(ResponseTemplate::new(200).set_body_json(body))
            .await;
        let reply = app.finish(&callback).await;
        assert_eq!(reply.status, 200, "{token_type}: {}", reply.body);
        assert!(reply.session().is_some());
    }
}

#[tokio::test]
async fn g3_a_token_endpoint_that_hangs_is_given_up_on() {
    let (app, provider) = app_and_provider().await;
    // Longer than the provider client's 10-second bound.
    provider
        .answer_token_request(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30)))
        .await;
    let callback = app.begin().await;
    let started = std::time::Instant::now();
    let reply = app.finish(&callback).await;
    assert_eq!(reply.body, json!("ProviderRefused"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(provider.calls_to("/userinfo").await, 0);
}

#[tokio::test]
async fn g3_a_token_response_without_an_id_token_is_refused() {
    let (app, provider) = app_and_provider().await;
    provider
        .answer_token_request(
            ResponseTemplate::new(200).set_body_json(json!({ "access_token": "a", "token_type": "Bearer" })),
        )
        .await;
    let callback = app.begin().await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.body, json!("ProviderRefused"));
    assert_eq!(reply.session(), None);
}

#[tokio::test]
async fn h2_an_id_token_from_an_earlier_sign_in_is_refused() {
    let (app, provider) = app_and_provider().await;
    let earlier = app.begin().await;
    let earlier_token = provider.sign(&provider.valid_id_token(&earlier.nonce));
    let later = app.begin().await;
    provider.answer_token_request_with(earlier_token).await;

    let reply = app.finish(&later).await;

    assert_eq!(reply.body, json!("VerificationFailed"));
    assert_eq!(reply.session(), None);
}

#[tokio::test]
async fn b1_an_id_token_from_another_issuer_is_refused() {
    assert_id_token_refused(|spec| spec.issuer = Some("http://127.0.0.1:1/impostor".into())).await;
}

#[tokio::test]
async fn b2_an_authorized_party_other_than_us_is_refused() {
    assert_id_token_refused(|spec| spec.authorized_party = Some("someone-else".into())).await;
}

#[tokio::test]
async fn b11_the_same_email_at_two_providers_makes_two_users() {
    let acme = StandInProvider::start().await;
    let other = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("other", &other.issuer())]).await;
    for (id, provider) in [("acme", &acme), ("other", &other)] {
        let callback = app.begin_with(id, None).await;
        // Both providers say the same verified email and even the same subject.
        provider.answer_valid_sign_in(&callback.nonce).await;
        let done = app.finish(&callback).await;
        assert_eq!(done.status, 200, "{}", done.body);
    }
    let pool = app.database.pool().await;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    let identities: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM identities")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((users, identities), (2, 2));
    pool.close().await;
}

#[tokio::test]
async fn c2_c3_the_return_path_is_kept_only_when_same_origin_and_comes_from_the_transaction() {
    let (app, provider) = app_and_provider().await;
    for (requested, expected) in [
        ("/account", "/account"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
    ] {
        let callback = app.begin_with("acme", Some(requested)).await;
        // The return path never travels through the provider.
        let url = callback.authorization_url.as_str();
        assert!(!url.contains("account") && !url.contains("evil"));
        provider.answer_valid_sign_in(&callback.nonce).await;
        let query = format!("code=c&state={}&return_to=%2F%2Fevil.example", callback.state);
        let done = app.complete(&callback, &query).await;
        assert_eq!(done.body["return_to"], expected, "for {requested}");
    }
}

#[tokio::test]
async fn c5_a_form_post_with_a_foreign_referer_is_refused_before_any_redirect() {
    let (app, _provider) = app_and_provider().await;
    let response = app
        .http
        .post(format!("{}/api/sign_out", app.origin))
        .header("accept", "text/html")
        .header("referer", "https://evil.example/page")
        .header("origin", "https://evil.example")
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn e1_e4_e5_state_changing_functions_refuse_cross_site_posts_and_gets_and_allow_no_cors() {
    let (app, _provider) = app_and_provider().await;
    for function in ["begin_sign_in", "complete_sign_in", "sign_out"] {
        let reply = app
            .call_with_origin(function, &[], &[], Some("https://evil.example"))
            .await;
        assert_eq!(reply.status, 403, "{function}");
        let (status, _) = app.get(&format!("/api/{function}"), &[]).await;
        assert_ne!(status, 200, "{function} answers GET");
    }
    let reply = app.call("load_home", &[], &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn b4_an_unsigned_id_token_is_refused() {
    assert_id_token_refused(|spec| spec.signer = support::provider::Signer::Unsigned).await;
}

#[tokio::test]
async fn b8_without_a_kid_the_single_key_is_used() {
    let (reply, _provider) =
        sign_in_with_id_token(|spec| spec.signer = support::provider::Signer::RsaWithoutKeyId).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn b8_without_a_kid_and_several_keys_there_is_an_answer_not_a_panic() {
    let (app, provider) = app_and_provider().await;
    provider.answer_userinfo_with(json!({ "sub": SUBJECT })).await;
    provider.rotate_keys().await;
    let callback = app.begin().await;
    let mut spec = provider.valid_id_token(&callback.nonce);
    spec.signer = support::provider::Signer::RsaWithoutKeyId;
    provider.answer_token_request_with(provider.sign(&spec)).await;
    let reply = app.finish(&callback).await;
    assert!(
        reply.status == 200 || reply.body == json!("VerificationFailed"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn g4_a_malformed_key_set_fails_closed() {
    let provider = StandInProvider::start_with(DiscoveryOptions {
        malformed_jwks: true,
        ..Default::default()
    })
    .await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let reply = app.try_begin().await;
    assert_eq!(reply.body, json!({ "ProviderUnavailable": "Acme ID" }));
}

#[tokio::test]
async fn g5_userinfo_errors_and_non_json_fail_closed() {
    for answer in [
        ResponseTemplate::new(401).set_body_json(json!({ "error": "invalid_token" })),
        ResponseTemplate::new(200).set_body_raw("<html>not json</html>", "text/html"),
    ] {
        let (app, provider) = app_and_provider().await;
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path("/userinfo"))
            .respond_with(answer)
            .mount(&provider.server)
            .await;
        let callback = app.begin().await;
        provider
            .answer_token_request_with(provider.sign(&provider.valid_id_token(&callback.nonce)))
            .await;
        let reply = app.finish(&callback).await;
        assert_eq!(reply.body, json!("ProviderRefused"));
        assert_eq!(reply.session(), None);
    }
}

/// Signs in, ages the session's `column` by `age` seconds, and expects it to be over.
async fn assert_session_ends_when_aged(column: &str, age: i64) {
    let (app, provider) = app_and_provider().await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    let cookie = format!("__Host-session={}", reply.session().unwrap());
    let pool = app.database.pool().await;
    sqlx::query(&format!("UPDATE sessions SET {column} = {column} - {age}"))
        .execute(&pool)
        .await
        .unwrap();

    let (_, html) = app.get("/", &[cookie]).await;

    assert!(
        html.contains("Sign in with Acme ID"),
        "{column} too old still signs in"
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    pool.close().await;
}

#[tokio::test]
async fn d5_an_idle_session_ends_on_the_server() {
    assert_session_ends_when_aged("last_seen_at", 3 * 24 * 3600 + 1).await;
}

#[tokio::test]
async fn d5_an_old_session_ends_on_the_server() {
    assert_session_ends_when_aged("created_at", 14 * 24 * 3600 + 1).await;
}

#[tokio::test]
async fn c6_a_userinfo_redirect_is_not_followed() {
    let (app, provider) = app_and_provider().await;
    let elsewhere = format!("{}/elsewhere", provider.issuer());
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/userinfo"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", elsewhere.as_str()))
        .mount(&provider.server)
        .await;
    let callback = app.begin().await;
    provider
        .answer_token_request_with(provider.sign(&provider.valid_id_token(&callback.nonce)))
        .await;

    let reply = app.finish(&callback).await;

    assert_eq!(reply.body, json!("ProviderRefused"));
    assert_eq!(provider.calls_to("/elsewhere").await, 0);
}

#[tokio::test]
async fn c6_a_jwks_redirect_is_not_followed_and_g4_an_unreachable_jwks_fails_closed() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    for options in [
        DiscoveryOptions {
            redirecting_jwks: true,
            ..Default::default()
        },
        DiscoveryOptions {
            jwks_uri: Some(format!("http://{closed}/jwks")),
            ..Default::default()
        },
    ] {
        let provider = StandInProvider::start_with(options).await;
        let app = TestApp::spawn(&provider.issuer()).await;
        let reply = app.try_begin().await;
        assert_eq!(reply.body, json!({ "ProviderUnavailable": "Acme ID" }));
        assert_eq!(provider.calls_to("/elsewhere").await, 0);
    }
}

#[tokio::test]
async fn g2_oversized_or_broken_callback_parameters_are_refused_without_a_token_request() {
    let (app, provider) = app_and_provider().await;
    for query in [
        format!("code={}&state=x", "a".repeat(10 * 1024)),
        "code=%FF%FE&state=x".to_owned(),
    ] {
        let callback = app.begin().await;
        let reply = app.complete(&callback, &query).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert!(reply.body.get("BadRequest").is_some(), "{}", reply.body);
    }
    assert_eq!(provider.calls_to("/token").await, 0);
}
