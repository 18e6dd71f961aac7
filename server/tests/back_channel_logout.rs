//! OpenID Connect Back-Channel Logout 1.0: the provider posts a signed logout token to
//! `/auth/backchannel-logout/{provider}`; a valid one ends the sessions it names (by `sid`, or
//! every session of the `sub`), and a token failing any check of section 2.6 is refused with
//! 400 and ends nothing.

mod support;

use openidconnect::{
    PrivateSigningKey,
    core::{CoreHmacKey, CoreJwsSigningAlgorithm},
};
use serde_json::{Value, json};
use support::{
    StandInProvider, TestApp,
    provider::{CLIENT_ID, CLIENT_SECRET, SUBJECT, corrupt_signature},
};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

fn now() -> i64 {
    server::domain::now()
}

/// Valid claims naming `SUBJECT`, with a fresh `jti`.
fn claims(provider: &StandInProvider) -> Value {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let jti = format!("jti-{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    json!({
        "iss": provider.issuer(), "aud": CLIENT_ID, "iat": now(), "exp": now() + 120, "jti": jti,
        "events": { EVENT: {} }, "sub": SUBJECT,
    })
}

fn with(mut claims: Value, changes: &[(&str, Option<Value>)]) -> Value {
    for (name, value) in changes {
        match value {
            Some(value) => claims[*name] = value.clone(),
            None => {
                claims.as_object_mut().unwrap().remove(*name);
            }
        }
    }
    claims
}

/// Posts `logout_token` as the provider does: server to server, no Origin, no cookie.
async fn post(app: &TestApp, provider_id: &str, token: &str) -> (u16, Value, Option<String>) {
    let response = app
        .http
        .post(format!("{}/auth/backchannel-logout/{provider_id}", app.origin))
        .form(&[("logout_token", token)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
    (status, body, cache)
}

/// Signs in with an ID token that carries `sid`; returns the session cookie.
async fn sign_in_with_sid(app: &TestApp, provider: &StandInProvider, sid: &str) -> String {
    let callback = app.begin().await;
    let id_token = provider.sign_jwt(
        &json!({"alg": "RS256", "kid": "test-key-1"}),
        &json!({
            "iss": provider.issuer(), "sub": SUBJECT, "aud": CLIENT_ID, "iat": now(), "exp": now() + 300,
            "nonce": callback.nonce, "sid": sid,
        }),
        0,
    );
    provider.answer_token_request_with(id_token).await;
    provider
        .answer_userinfo_with(json!({ "sub": SUBJECT, "preferred_username": "ada" }))
        .await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    format!("__Host-session={}", reply.session().unwrap())
}

async fn signed_in(app: &TestApp, session: &str) -> bool {
    app.call("load_account", &[], &[session.to_owned()]).await.status == 200
}

#[tokio::test]
async fn a_logout_token_naming_the_subject_ends_every_session_of_that_identity() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let first = app.sign_in(&provider, "acme", "curl/8.5").await;
    let second = app.sign_in(&provider, "acme", "curl/8.5").await;

    let (status, _, cache) = post(&app, "acme", &provider.sign_logout_token(&claims(&provider))).await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert!(!signed_in(&app, &first).await && !signed_in(&app, &second).await);
}

#[tokio::test]
async fn a_logout_token_naming_a_provider_session_ends_only_that_session() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let here = sign_in_with_sid(&app, &provider, "op-session-1").await;
    let elsewhere = sign_in_with_sid(&app, &provider, "op-session-2").await;

    let token = provider.sign_logout_token(&with(claims(&provider), &[("sid", Some(json!("op-session-1")))]));
    assert_eq!(post(&app, "acme", &token).await.0, 200);
    assert!(!signed_in(&app, &here).await);
    assert!(signed_in(&app, &elsewhere).await);
    // A sid alone, without sub, is enough.
    let token = provider.sign_logout_token(&with(
        claims(&provider),
        &[("sid", Some(json!("op-session-2"))), ("sub", None)],
    ));
    assert_eq!(post(&app, "acme", &token).await.0, 200);
    assert!(!signed_in(&app, &elsewhere).await);
}

#[tokio::test]
async fn logout_tokens_failing_any_check_are_refused_and_end_nothing() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let session = app.sign_in(&provider, "acme", "curl/8.5").await;
    let valid = || claims(&provider);
    let signed = |claims: Value| provider.sign_logout_token(&claims);
    let b64 = |value: &Value| {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    };
    let hmac_signed = {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let body = format!("{}.{}", b64(&json!({"alg": "HS256"})), b64(&valid()));
        let mac = CoreHmacKey::new(CLIENT_SECRET.as_bytes())
            .sign(&CoreJwsSigningAlgorithm::HmacSha256, body.as_bytes())
            .unwrap();
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(mac))
    };
    let in_an_hour = json!(now() + 3600);
    let an_hour_ago = json!(now() - 3600);
    // What is wrong, the reason given back, and the token.
    let hostile: Vec<(&str, &str, String)> = vec![
        (
            "a signature that does not verify",
            "signature",
            corrupt_signature(&signed(valid())),
        ),
        (
            "a key the provider does not publish",
            "signature",
            provider.sign_jwt(&json!({"alg": "RS256", "kid": "test-key-3"}), &valid(), 2),
        ),
        (
            "alg none",
            "algorithm",
            format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&valid())),
        ),
        ("HS256 with the client secret", "algorithm", hmac_signed),
        (
            "another issuer",
            "iss",
            signed(with(valid(), &[("iss", Some(json!("https://impostor.example")))])),
        ),
        (
            "another audience",
            "aud",
            signed(with(valid(), &[("aud", Some(json!(["someone-else"])))])),
        ),
        (
            "issued an hour ago",
            "iat",
            signed(with(valid(), &[("iat", Some(an_hour_ago.clone()))])),
        ),
        (
            "issued in the future",
            "iat",
            signed(with(valid(), &[("iat", Some(in_an_hour))])),
        ),
        ("no iat", "iat", signed(with(valid(), &[("iat", None)]))),
        (
            "expired",
            "exp",
            signed(with(valid(), &[("exp", Some(an_hour_ago))])),
        ),
        ("no exp", "exp", signed(with(valid(), &[("exp", None)]))),
        ("no jti", "jti", signed(with(valid(), &[("jti", None)]))),
        ("no events", "event", signed(with(valid(), &[("events", None)]))),
        (
            "another event",
            "event",
            signed(with(
                valid(),
                &[("events", Some(json!({"https://example.com/other": {}})))],
            )),
        ),
        (
            "the event not an object",
            "event",
            signed(with(valid(), &[("events", Some(json!({ EVENT: true })))])),
        ),
        (
            "a nonce",
            "nonce",
            signed(with(valid(), &[("nonce", Some(json!("n-0S6_WzA2Mj")))])),
        ),
        (
            "neither sub nor sid",
            "neither sub nor sid",
            signed(with(valid(), &[("sub", None)])),
        ),
        ("not a JWT", "not a signed JWT", "not-a-jwt".into()),
        (
            "four parts",
            "not a signed JWT",
            format!("{}.extra", signed(valid())),
        ),
    ];
    for (what, reason, token) in hostile {
        let (status, body, cache) = post(&app, "acme", &token).await;
        assert_eq!(status, 400, "{what}: {body}");
        let described = body["error_description"].as_str().unwrap_or_default();
        assert!(described.contains(reason), "{what}: {described}");
        assert_eq!(body["error"], "invalid_request", "{what}");
        assert_eq!(cache.as_deref(), Some("no-store"), "{what}");
        assert!(signed_in(&app, &session).await, "{what} ended the session");
    }

    // A replay of a token already acted on is refused.
    let token = signed(with(valid(), &[("sub", Some(json!("someone-else")))]));
    assert_eq!(post(&app, "acme", &token).await.0, 200);
    assert_eq!(post(&app, "acme", &token).await.0, 400);
    // No token, and an unknown provider.
    let missing = app
        .http
        .post(format!("{}/auth/backchannel-logout/acme", app.origin))
        .form(&[("other", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(post(&app, "nobody", &signed(valid())).await.0, 404);
    assert!(signed_in(&app, &session).await);
}
