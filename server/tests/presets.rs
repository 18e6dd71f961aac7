//! The presets (and one OAuth 2.0 provider configured by hand), end to end through HTTP
//! against wiremock stand-ins answering in each provider's documented shapes
//! (fixtures/profiles), with each one's quirks: Slack's workspace, Microsoft's tenants, Apple's
//! posted callback, signed client secret and notifications.

mod support;

use serde_json::Value;
use support::{TestApp, provider::CLIENT_SECRET};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, header_exists, method, path, query_param},
};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/profiles/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An app whose one provider is `preset`, every endpoint pointed at `stand_in`.
async fn app_with(preset: &str, stand_in: &MockServer, extra: &str) -> TestApp {
    let base = stand_in.uri();
    TestApp::spawn_from_config(&format!(
        r#"
        [[provider]]
        preset = "{preset}"
        client_id = "client-{preset}"
        client_secret = "{CLIENT_SECRET}"
        issuer = "{base}/issuer"
        authorization_url = "{base}/authorize"
        token_url = "{base}/token"
        userinfo_url = "{base}/me"
        {extra}
        "#
    ))
    .await
}

async fn calls_to(stand_in: &MockServer, route: &str) -> Vec<wiremock::Request> {
    let requests = stand_in.received_requests().await.unwrap_or_default();
    requests.into_iter().filter(|r| r.url.path() == route).collect()
}

/// Answers the code grant (asked with `token_method`) with `grant`, and the profile with `profile`.
async fn mount_sign_in(stand_in: &MockServer, token_method: &str, grant: Value, profile: Value) {
    Mock::given(method(token_method))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(grant))
        .mount(stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(profile))
        .mount(stand_in)
        .await;
}

/// Facebook's `appsecret_proof` of `token`: HMAC-SHA256 keyed with the app secret, in hex.
fn appsecret_proof(token: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(CLIENT_SECRET.as_bytes()).unwrap();
    mac.update(token.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn token_form(request: &wiremock::Request) -> String {
    String::from_utf8(request.body.clone()).unwrap()
}

#[tokio::test]
async fn github_signs_in_with_the_primary_verified_email() {
    let stand_in = MockServer::start().await;
    let app = app_with(
        "github",
        &stand_in,
        &format!("emails_url = \"{}/emails\"", stand_in.uri()),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "gho_standin", "scope": "read:user,user:email", "token_type": "bearer"
        })))
        .mount(&stand_in)
        .await;
    for (route, body) in [("/me", "github-user"), ("/emails", "github-user-emails")] {
        Mock::given(method("GET"))
            .and(path(route))
            .and(header("authorization", "Bearer gho_standin"))
            .and(header("x-github-api-version", "2022-11-28"))
            .and(header_exists("user-agent"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture(body)))
            .mount(&stand_in)
            .await;
    }
    let callback = app.begin_with("github", None).await;
    let params: std::collections::HashMap<_, _> =
        callback.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["scope"], "read:user user:email");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(!params.contains_key("nonce"), "no nonce without OpenID Connect");

    // GitHub adds RFC 9207 `iss`; the configured issuer is accepted.
    let iss = format!("{}/issuer", stand_in.uri());
    let query = format!("code=c&state={}&iss={}", callback.state, urlencode(&iss));
    let reply = app.complete(&callback, &query).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let profile = &reply.body["profile"];
    assert_eq!(profile["subject"], "583231");
    assert_eq!(profile["display_name"], "The Octocat");
    assert_eq!(profile["username"], "octocat");
    assert_eq!(profile["email"], "octocat@github.com");
    assert_eq!(profile["email_verified"], true);
    assert!(
        profile["raw_claims"]
            .as_str()
            .unwrap()
            .contains("MDQ6VXNlcjU4MzIzMQ==")
    );
    assert!(
        !reply.body.to_string().contains("gho_standin"),
        "no token reaches the browser"
    );
    let form = token_form(&calls_to(&stand_in, "/token").await[0]);
    assert!(
        form.contains("client_secret=") && form.contains("code_verifier="),
        "{form}"
    );

    let session = reply.session().expect("a session");
    let (_, html) = app.get("/", &[format!("__Host-session={session}")]).await;
    assert!(
        html.contains("The Octocat") && html.contains("583231"),
        "reload shows the profile"
    );
}

#[tokio::test]
async fn github_errors_in_a_200_answer_are_refused_before_any_profile_call() {
    let stand_in = MockServer::start().await;
    let app = app_with("github", &stand_in, "").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "error": "bad_verification_code",
            "error_description": "The code passed is incorrect or expired.",
            "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"
        })))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("github", None).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.body, "ProviderRefused");
    assert!(reply.session().is_none());
    assert!(calls_to(&stand_in, "/me").await.is_empty());
    assert!(
        !reply.body.to_string().contains("incorrect or expired"),
        "F3: not echoed"
    );
}

#[tokio::test]
async fn an_iss_that_is_not_the_presets_issuer_is_refused_before_the_token_call() {
    let stand_in = MockServer::start().await;
    let app = app_with("github", &stand_in, "").await;
    let callback = app.begin_with("github", None).await;
    let query = format!("code=c&state={}&iss=https%3A%2F%2Fevil.example", callback.state);
    let reply = app.complete(&callback, &query).await;
    assert_eq!(reply.body, "InvalidCallback");
    assert!(calls_to(&stand_in, "/token").await.is_empty());
}

#[tokio::test]
async fn x_uses_basic_auth_and_accepts_a_lowercase_type_and_string_lifetime() {
    let stand_in = MockServer::start().await;
    let app = app_with("x", &stand_in, "").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "bearer", "expires_in": "7200", "access_token": "x-at",
            "scope": "users.read tweet.read"
        })))
        .mount(&stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(query_param("user.fields", "profile_image_url"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("x-users-me-minimal")))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("x", None).await;
    let reply = app.finish(&callback).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["username"], "XDevelopers");
    assert_eq!(
        reply.body["profile"]["email"],
        Value::Null,
        "no email without users.email"
    );
    let token_call = &calls_to(&stand_in, "/token").await[0];
    let basic = token_call.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(basic.starts_with("Basic "), "{basic}");
    assert!(
        !token_form(token_call).contains(CLIENT_SECRET),
        "the secret goes only in the header"
    );
}

#[tokio::test]
async fn facebook_exchanges_by_get_and_proves_the_app_secret() {
    let stand_in = MockServer::start().await;
    let app = app_with("facebook", &stand_in, "").await;
    Mock::given(method("GET"))
        .and(path("/token"))
        .and(query_param("client_secret", CLIENT_SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "EAAstandin", "token_type": "bearer", "expires_in": 5183976
        })))
        .mount(&stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(query_param("fields", "id,name,email,picture.type(large)"))
        .and(header("authorization", "Bearer EAAstandin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("facebook-me")))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("facebook", None).await;
    let scope = callback
        .authorization_url
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .unwrap()
        .1;
    assert_eq!(scope, "public_profile,email");
    let reply = app.finish(&callback).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["email"], "ada@example.com");
    assert_eq!(
        reply.body["profile"]["email_verified"],
        Value::Null,
        "never assumed"
    );
    let me = &calls_to(&stand_in, "/me").await[0];
    let proof = me
        .url
        .query_pairs()
        .find(|(k, _)| k == "appsecret_proof")
        .unwrap()
        .1;
    assert_eq!(proof.len(), 64);
}

#[tokio::test]
async fn facebook_error_objects_are_refused() {
    let stand_in = MockServer::start().await;
    let app = app_with("facebook", &stand_in, "").await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": {"message": "This authorization code has expired.", "type": "OAuthException",
                      "code": 100, "fbtrace_id": "AbCdEf"}
        })))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("facebook", None).await;
    assert_eq!(app.finish(&callback).await.body, "ProviderRefused");
    assert!(calls_to(&stand_in, "/me").await.is_empty());
}

#[tokio::test]
async fn instagram_unwraps_the_grant_and_sends_no_pkce() {
    let stand_in = MockServer::start().await;
    let app = app_with("instagram", &stand_in, "").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"access_token": "IGQstandin", "user_id": 17841400123456789u64,
                      "permissions": "instagram_business_basic"}]
        })))
        .mount(&stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("instagram-me")))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("instagram", None).await;
    assert!(!callback.authorization_url.as_str().contains("code_challenge"));
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["username"], "ada.codes");
    assert_eq!(reply.body["profile"]["email"], Value::Null);
    let form = token_form(&calls_to(&stand_in, "/token").await[0]);
    assert!(
        form.contains("client_secret=") && !form.contains("code_verifier"),
        "{form}"
    );
}

#[tokio::test]
async fn a_profile_without_an_id_is_refused_and_no_session_is_made() {
    let stand_in = MockServer::start().await;
    let app = app_with("github", &stand_in, "").await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "t"})))
        .mount(&stand_in)
        .await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"login": "ghost"})))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("github", None).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.body, "VerificationFailed");
    assert!(reply.session().is_none());
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn a_hand_configured_oauth2_provider_maps_its_profile_by_field_paths() {
    let stand_in = MockServer::start().await;
    let base = stand_in.uri();
    let app = TestApp::spawn_from_config(&format!(
        r#"
        [[provider]]
        id = "discord"
        name = "Discord"
        client_id = "discord-client"
        client_secret = "{CLIENT_SECRET}"
        scopes = ["identify", "email"]
        authorization_url = "{base}/oauth2/authorize"
        token_url = "{base}/api/oauth2/token"
        userinfo_url = "{base}/api/v10/users/@me"
        token_auth = "post"
        [provider.fields]
        id = "id"
        name = "global_name"
        username = "username"
        email = "email"
        email_verified = "verified"
        avatar = "avatar"
        "#
    ))
    .await;
    Mock::given(method("POST"))
        .and(path("/api/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "discord-at", "token_type": "Bearer", "expires_in": 604800,
            "refresh_token": "discord-rt", "scope": "identify email"
        })))
        .mount(&stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v10/users/@me"))
        .and(header("authorization", "Bearer discord-at"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "80351110224678912", "username": "nelly", "global_name": "Nelly",
            "avatar": "8342729096ea3675442027381ff50dfe", "email": "nelly@discord.example",
            "verified": true
        })))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("discord", None).await;
    assert!(
        callback
            .authorization_url
            .as_str()
            .starts_with(&format!("{base}/oauth2/authorize?"))
    );
    let reply = app.finish(&callback).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let profile = &reply.body["profile"];
    assert_eq!(profile["subject"], "80351110224678912");
    assert_eq!(profile["display_name"], "Nelly");
    assert_eq!(profile["username"], "nelly");
    assert_eq!(profile["email_verified"], true);
    assert_eq!(profile["avatar_url"], Value::Null, "a hash is not a URL");
    let form = token_form(&calls_to(&stand_in, "/api/oauth2/token").await[0]);
    assert!(
        form.contains("client_id=discord-client") && form.contains("client_secret="),
        "{form}"
    );
    assert!(!reply.body.to_string().contains("discord-rt"));
}

/// After sign-in, the dashboard asks each preset's API with the kept token for what the
/// tutorials showed, in the shapes the providers document.
#[tokio::test]
async fn each_preset_is_asked_live_for_what_the_dashboard_shows() {
    let x_metrics = serde_json::json!({"data": {
        "id": "2244994945", "name": "X Dev", "username": "XDevelopers",
        "public_metrics": {"followers_count": 507902, "following_count": 1863, "tweet_count": 3561,
                           "listed_count": 1550, "like_count": 0}
    }});
    let cases = [
        // preset, token method, token answer, sign-in profile, live query, live answer, facts
        (
            "github",
            "POST",
            serde_json::json!({"access_token": "gho_live", "token_type": "bearer"}),
            fixture("github-user"),
            None,
            fixture("github-user"),
            serde_json::json!([
                ["Public repositories", "8"],
                ["Followers", "9999"],
                ["Following", "9"]
            ]),
        ),
        (
            "x",
            "POST",
            serde_json::json!({"access_token": "x-live", "token_type": "bearer", "expires_in": 7200}),
            fixture("x-users-me-minimal"),
            Some(("user.fields", "public_metrics")),
            x_metrics,
            serde_json::json!([["Followers", "507902"], ["Following", "1863"], ["Posts", "3561"]]),
        ),
        (
            "facebook",
            "GET",
            serde_json::json!({"access_token": "EAAlive", "token_type": "bearer", "expires_in": 5183976}),
            fixture("facebook-me"),
            Some(("fields", "name,email")),
            serde_json::json!({"name": "Ada Lovelace", "email": "ada@example.com", "id": "10158000000000000"}),
            serde_json::json!([["Name", "Ada Lovelace"], ["Email", "ada@example.com"]]),
        ),
        (
            "instagram",
            "POST",
            serde_json::json!({"data": [{"access_token": "IGQlive", "user_id": 17841400123456789u64,
                                         "permissions": "instagram_business_basic"}]}),
            fixture("instagram-me"),
            Some(("fields", "account_type,media_count")),
            serde_json::json!({"account_type": "BUSINESS", "media_count": 42, "id": "17841400123456789"}),
            serde_json::json!([["Account type", "BUSINESS"], ["Posts", "42"]]),
        ),
    ];
    for (preset, token_method, token_answer, profile, live_query, live_answer, facts) in cases {
        let stand_in = MockServer::start().await;
        let app = app_with(preset, &stand_in, "").await;
        mount_sign_in(&stand_in, token_method, token_answer, profile).await;
        if let Some((name, value)) = live_query {
            Mock::given(method("GET"))
                .and(path("/me"))
                .and(query_param(name, value))
                .respond_with(ResponseTemplate::new(200).set_body_json(live_answer))
                .with_priority(1)
                .mount(&stand_in)
                .await;
        }
        let callback = app.begin_with(preset, None).await;
        let reply = app.finish(&callback).await;
        assert_eq!(reply.status, 200, "{preset}: {}", reply.body);
        let session = format!("__Host-session={}", reply.session().unwrap());

        let live = app.call("load_provider_live", &[], &[session]).await;
        assert_eq!(live.status, 200, "{preset}: {}", live.body);
        assert_eq!(
            live.body[0]["live"],
            serde_json::json!({ "Facts": facts }),
            "{preset}"
        );
        let live_call = calls_to(&stand_in, "/me").await.pop().unwrap();
        let bearer = live_call
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            bearer.starts_with("Bearer ") && bearer.len() > 7,
            "{preset}: {bearer}"
        );
        if preset == "facebook" {
            assert!(
                live_call
                    .url
                    .query_pairs()
                    .any(|(k, v)| k == "appsecret_proof" && v.len() == 64)
            );
        }
    }
}

/// Disconnecting a preset's identity gives its grant back the way each provider documents:
/// GitHub's `DELETE /applications/{client_id}/grant`, X's and Discord's RFC 7009 endpoints,
/// Facebook's `DELETE /me/permissions`.
#[tokio::test]
async fn disconnecting_a_preset_revokes_its_grant_the_providers_way() {
    let cases = [
        (
            "github",
            "POST",
            "DELETE",
            "/applications/client-github/grant",
            204,
            serde_json::json!(null),
        ),
        (
            "x",
            "POST",
            "POST",
            "/2/oauth2/revoke",
            200,
            serde_json::json!({"revoked": true}),
        ),
        (
            "facebook",
            "GET",
            "DELETE",
            "/v25.0/me/permissions",
            200,
            serde_json::json!({"success": true}),
        ),
        (
            "discord",
            "POST",
            "POST",
            "/api/oauth2/token/revoke",
            200,
            serde_json::json!({}),
        ),
    ];
    let profiles = [
        ("github", fixture("github-user")),
        ("x", fixture("x-users-me-minimal")),
        ("facebook", fixture("facebook-me")),
        ("discord", fixture("discord-users-me")),
    ];
    for ((preset, token_method, revoke_method, revoke_path, status, answer), (_, profile)) in
        cases.into_iter().zip(profiles)
    {
        let acme = support::StandInProvider::start().await;
        let stand_in = MockServer::start().await;
        let base = stand_in.uri();
        let config = format!(
            r#"{acme_entry}
            [[provider]]
            preset = "{preset}"
            client_id = "client-{preset}"
            client_secret = "{CLIENT_SECRET}"
            authorization_url = "{base}/authorize"
            token_url = "{base}/token"
            userinfo_url = "{base}/me"
            revocation_url = "{base}{revoke_path}"
            "#,
            acme_entry = support::app::auth_config(&[("acme", &acme.issuer())]),
        );
        let app = TestApp::spawn_from_config(&config).await;
        let token = format!("{preset}-kept-access-token");
        let grant = serde_json::json!({"access_token": token, "token_type": "bearer"});
        mount_sign_in(&stand_in, token_method, grant, profile).await;
        let mut revoked = ResponseTemplate::new(status);
        if !answer.is_null() {
            revoked = revoked.set_body_json(answer);
        }
        Mock::given(method(revoke_method))
            .and(path(revoke_path))
            .respond_with(revoked)
            .mount(&stand_in)
            .await;

        let session = app.sign_in(&acme, "acme", "curl/8.5").await;
        let callback = app.begin_connect(preset, &session).await;
        let reply = app
            .finish_in(&callback, std::slice::from_ref(&session), "curl/8.5")
            .await;
        assert_eq!(reply.status, 200, "{preset}: {}", reply.body);
        let identity = app.identity_id(preset, &session).await;
        let reply = app
            .call("disconnect", &[("identity", &identity)], &[session])
            .await;
        assert_eq!(reply.status, 200, "{preset}: {}", reply.body);
        // Revoked in the background.
        let request = support::eventually("the revocation", || async {
            calls_to(&stand_in, revoke_path).await.pop()
        })
        .await;
        assert_eq!(request.method.as_str(), revoke_method, "{preset}");
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let basic = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("client-{preset}:{CLIENT_SECRET}")
            )
        );
        match preset {
            "github" => {
                assert_eq!(header("authorization"), basic);
                let body: Value = serde_json::from_slice(&request.body).unwrap();
                assert_eq!(body, serde_json::json!({ "access_token": token }));
            }
            "x" | "discord" => {
                assert_eq!(header("authorization"), basic);
                let form = token_form(&request);
                assert_eq!(form, format!("token={token}&token_type_hint=access_token"));
            }
            _ => {
                assert_eq!(header("authorization"), format!("Bearer {token}"));
                let proof = request.url.query_pairs().find(|(k, _)| k == "appsecret_proof");
                assert_eq!(proof.unwrap().1, appsecret_proof(&token));
            }
        }
    }
}

/// Mounts Instagram's sign-in: the code grant (an hour's token, wrapped in `data`), its trade
/// for a long-lived token that is about to expire, and the profile.
async fn instagram_sign_in_with_long_lived_token(stand_in: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"access_token": "IGQshort", "user_id": 17841400123456789u64,
                      "permissions": "instagram_business_basic"}]
        })))
        .mount(stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/access_token"))
        .and(query_param("grant_type", "ig_exchange_token"))
        .and(query_param("access_token", "IGQshort"))
        .and(query_param("client_secret", CLIENT_SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "IGQlong", "token_type": "bearer", "expires_in": 30
        })))
        .mount(stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("instagram-me")))
        .mount(stand_in)
        .await;
}

fn bearer_of(request: &wiremock::Request) -> String {
    request.headers["authorization"].to_str().unwrap().to_owned()
}

/// Instagram's hour-long token is traded at sign-in for a long-lived one, which is renewed with
/// itself (Instagram has no refresh tokens) when it nears its end.
#[tokio::test]
async fn instagram_trades_the_hours_token_for_a_long_lived_one_and_renews_it() {
    let stand_in = MockServer::start().await;
    let app = app_with("instagram", &stand_in, "").await;
    instagram_sign_in_with_long_lived_token(&stand_in).await;
    Mock::given(method("GET"))
        .and(path("/refresh_access_token"))
        .and(query_param("grant_type", "ig_refresh_token"))
        .and(query_param("access_token", "IGQlong"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "IGQrenewed", "token_type": "bearer", "expires_in": 5183944
        })))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("instagram", None).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Traded before anything else, so even the profile is read with the long-lived token.
    assert_eq!(calls_to(&stand_in, "/access_token").await.len(), 1);
    assert_eq!(bearer_of(&calls_to(&stand_in, "/me").await[0]), "Bearer IGQlong");
    let session = format!("__Host-session={}", reply.session().unwrap());

    for _ in 0..2 {
        let live = app
            .call("load_provider_live", &[], std::slice::from_ref(&session))
            .await;
        assert_eq!(live.status, 200, "{}", live.body);
        assert!(live.body[0]["live"]["Facts"].is_array(), "{}", live.body);
        let live_call = calls_to(&stand_in, "/me").await.pop().unwrap();
        assert_eq!(bearer_of(&live_call), "Bearer IGQrenewed");
    }
    // Renewed once: the renewed token lasts 60 days.
    assert_eq!(calls_to(&stand_in, "/refresh_access_token").await.len(), 1);
}

/// A long-lived token Instagram no longer renews (Graph error 190) asks the person to reconnect.
#[tokio::test]
async fn an_instagram_token_that_will_not_renew_asks_to_reconnect() {
    let stand_in = MockServer::start().await;
    let app = app_with("instagram", &stand_in, "").await;
    instagram_sign_in_with_long_lived_token(&stand_in).await;
    Mock::given(method("GET"))
        .and(path("/refresh_access_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": {"message": "Error validating access token: Session has expired.",
                      "type": "OAuthException", "code": 190, "fbtrace_id": "AuL2sStandIn"}
        })))
        .mount(&stand_in)
        .await;
    let callback = app.begin_with("instagram", None).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let session = format!("__Host-session={}", reply.session().unwrap());
    let live = app.call("load_provider_live", &[], &[session]).await;
    assert_eq!(live.status, 200, "{}", live.body);
    assert_eq!(live.body[0]["live"], "ReconnectNeeded");
}

#[tokio::test]
async fn discord_signs_in_with_pkce_basic_auth_and_its_iss_and_builds_the_avatar() {
    let stand_in = MockServer::start().await;
    let base = stand_in.uri();
    let app = TestApp::spawn_from_config(&format!(
        r#"
        [[provider]]
        preset = "discord"
        client_id = "client-discord"
        client_secret = "{CLIENT_SECRET}"
        issuer = "{base}/issuer"
        authorization_url = "{base}/oauth2/authorize"
        token_url = "{base}/api/oauth2/token"
        userinfo_url = "{base}/api/v10/users/@me"
        "#
    ))
    .await;
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("client-discord:{CLIENT_SECRET}")
        )
    );
    Mock::given(method("POST"))
        .and(path("/api/oauth2/token"))
        .and(header("authorization", basic.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "6qrZcUqja7812RVdnEKjpzOL4CvHBFG", "token_type": "Bearer",
            "expires_in": 604800, "refresh_token": "D43f5y0ahjqew82jZ4NViEr2YafMKhue",
            "scope": "identify email"
        })))
        .mount(&stand_in)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v10/users/@me"))
        .and(header("authorization", "Bearer 6qrZcUqja7812RVdnEKjpzOL4CvHBFG"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("discord-users-me")))
        .mount(&stand_in)
        .await;

    let callback = app.begin_with("discord", None).await;
    let params: std::collections::HashMap<_, _> =
        callback.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["scope"], "identify email");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["client_id"], "client-discord");

    // Another `iss` than the preset's is refused before the token call; its own is accepted.
    let wrong = format!(
        "code=c&state={}&iss={}",
        callback.state,
        urlencode("https://evil.test")
    );
    assert_eq!(app.complete(&callback, &wrong).await.status, 400);
    assert!(calls_to(&stand_in, "/api/oauth2/token").await.is_empty());

    let callback = app.begin_with("discord", None).await;
    let iss = format!("{base}/issuer");
    let query = format!("code=c&state={}&iss={}", callback.state, urlencode(&iss));
    let reply = app.complete(&callback, &query).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let profile = &reply.body["profile"];
    assert_eq!(profile["subject"], "80351110224678912");
    assert_eq!(profile["display_name"], "Nelly");
    assert_eq!(profile["username"], "nelly");
    assert_eq!(profile["email"], "nelly@discord.com");
    assert_eq!(profile["email_verified"], true);
    assert_eq!(
        profile["avatar_url"],
        format!("{base}/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png")
    );
    let form = token_form(&calls_to(&stand_in, "/api/oauth2/token").await[0]);
    assert!(
        form.contains("code_verifier=") && !form.contains("client_secret="),
        "{form}"
    );
}

/// An app whose one provider is the OpenID preset `preset`, its issuer a fresh stand-in.
async fn openid_preset(preset: &str) -> (support::StandInProvider, TestApp) {
    let provider = support::StandInProvider::start().await;
    let app = TestApp::spawn_from_config(&format!(
        "[[provider]]\npreset = \"{preset}\"\nclient_id = \"{}\"\nclient_secret = \"{CLIENT_SECRET}\"\nissuer = \"{}\"\n",
        support::provider::CLIENT_ID,
        provider.issuer()
    ))
    .await;
    (provider, app)
}

#[tokio::test]
async fn gitlab_signs_in_over_openid_connect_at_the_issuer_it_is_given() {
    let (provider, app) = openid_preset("gitlab").await;
    let callback = app.begin_with("gitlab", None).await;
    let params: std::collections::HashMap<_, _> =
        callback.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["scope"], "openid profile email");
    assert!(
        callback
            .authorization_url
            .as_str()
            .starts_with(&provider.issuer())
    );
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["provider_name"], "GitLab");
    assert_eq!(reply.body["profile"]["email_verified"], true);
    let (_, html) = app.get("/", &[]).await;
    assert!(
        html.contains("brand-gitlab") && html.contains("Sign in with GitLab"),
        "{html}"
    );
}

#[tokio::test]
async fn linkedin_sends_no_pkce_and_reads_its_string_email_verified() {
    use support::provider::{CLIENT_ID, SUBJECT};
    let (provider, app) = openid_preset("linkedin").await;
    let callback = app.begin_with("linkedin", None).await;
    let params: std::collections::HashMap<_, _> =
        callback.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["scope"], "openid profile email");
    assert!(!params.contains_key("code_challenge") && !params.contains_key("code_challenge_method"));
    let now = chrono::Utc::now().timestamp();
    let id_token = provider.sign_jwt(
        &serde_json::json!({"alg": "RS256", "kid": "test-key-1"}),
        &serde_json::json!({
            "iss": provider.issuer(), "sub": SUBJECT, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
            "nonce": callback.nonce, "name": "Ada Lovelace", "email": "ada@example.com",
            "email_verified": "true", "picture": format!("{}/ada.png", provider.issuer()),
        }),
        0,
    );
    provider.answer_token_request_with(id_token).await;
    provider
        .answer_userinfo_with(
            serde_json::json!({ "sub": SUBJECT, "email": "ada@example.com", "email_verified": true }),
        )
        .await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["email_verified"], true);
    assert_eq!(reply.body["profile"]["display_name"], "Ada Lovelace");
    let token_call = provider.last_call_to("/token").await.unwrap();
    let form = String::from_utf8(token_call.body).unwrap();
    assert!(!form.contains("code_verifier"), "{form}");
}

#[tokio::test]
async fn twitch_asks_for_the_address_by_a_claims_request_and_sends_no_pkce() {
    let (provider, app) = openid_preset("twitch").await;
    let callback = app.begin_with("twitch", None).await;
    let params: std::collections::HashMap<_, _> =
        callback.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["scope"], "openid user:read:email");
    assert!(!params.contains_key("code_challenge"));
    let claims: Value = serde_json::from_str(&params["claims"]).unwrap();
    for place in ["id_token", "userinfo"] {
        for claim in ["email", "email_verified", "picture", "preferred_username"] {
            assert!(
                claims[place].as_object().unwrap().contains_key(claim),
                "{place}.{claim}"
            );
        }
    }
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["provider_name"], "Twitch");
}

/// The claims of a JWT, unverified (for looking at what the app sent).
fn jwt_claims(jwt: &str) -> Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// An ID token of `claims` (beside `iss`, `aud`, `iat`, `exp` and `nonce`), as the stand-in signs.
fn id_token_with(provider: &support::StandInProvider, nonce: &str, iss: &str, claims: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut all = serde_json::json!({
        "iss": iss, "aud": support::provider::CLIENT_ID, "iat": now, "exp": now + 300, "nonce": nonce,
    });
    all.as_object_mut()
        .unwrap()
        .extend(claims.as_object().unwrap().clone());
    provider.sign_jwt(&serde_json::json!({"alg": "RS256", "kid": "test-key-1"}), &all, 0)
}

/// Google's ID token holds every profile claim Google has (its discovery lists no
/// `preferred_username`), so userinfo is not asked; an ID token that lacks one is completed
/// from userinfo as before, with its `sub` checked.
#[tokio::test]
async fn userinfo_is_asked_only_for_what_the_id_token_lacks() {
    use support::provider::SUBJECT;
    let provider = support::StandInProvider::start().await;
    let base = provider.issuer();
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/token"),
            "userinfo_endpoint": format!("{base}/userinfo"),
            "jwks_uri": format!("{base}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
        })))
        .with_priority(1)
        .mount(&provider.server)
        .await;
    let app = TestApp::spawn_from_config(&format!(
        "[[provider]]\npreset = \"google\"\nclient_id = \"{}\"\nclient_secret = \"{CLIENT_SECRET}\"\nissuer = \"{base}\"\n",
        support::provider::CLIENT_ID,
    ))
    .await;
    let profile = serde_json::json!({
        "sub": SUBJECT, "name": "Ada Lovelace", "email": "ada@example.com", "email_verified": true,
        "picture": "https://lh3.googleusercontent.com/a/ada",
    });

    let callback = app.begin_with("google", None).await;
    provider
        .answer_token_request_with(id_token_with(&provider, &callback.nonce, &base, profile.clone()))
        .await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["profile"]["display_name"], "Ada Lovelace",
        "{}",
        reply.body
    );
    assert_eq!(reply.body["profile"]["email_verified"], true);
    assert_eq!(
        reply.body["profile"]["avatar_url"],
        "https://lh3.googleusercontent.com/a/ada"
    );
    assert_eq!(provider.calls_to("/userinfo").await, 0);

    let mut without_picture = profile;
    without_picture.as_object_mut().unwrap().remove("picture");
    let callback = app.begin_with("google", None).await;
    provider
        .answer_token_request_with(id_token_with(&provider, &callback.nonce, &base, without_picture))
        .await;
    provider
        .answer_userinfo_with(
            serde_json::json!({"sub": "someone-else", "picture": "https://lh3.googleusercontent.com/a/x"}),
        )
        .await;
    let reply = app.finish(&callback).await;
    assert_eq!(
        reply.status, 400,
        "userinfo of another subject is refused: {}",
        reply.body
    );
    assert_eq!(provider.calls_to("/userinfo").await, 1);
}

#[tokio::test]
async fn slack_shows_the_workspace_and_refuses_its_ok_false_errors() {
    use support::provider::SUBJECT;
    let (provider, app) = openid_preset("slack").await;
    let callback = app.begin_with("slack", None).await;
    let params: std::collections::HashMap<_, _> =
        callback.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["scope"], "openid profile email");
    assert!(!params.contains_key("code_challenge"));
    let id_token = id_token_with(
        &provider,
        &callback.nonce,
        &provider.issuer(),
        serde_json::json!({
            "sub": SUBJECT, "https://slack.com/user_id": SUBJECT, "https://slack.com/team_id": "T0LOVELACE",
            "https://slack.com/team_name": "Lovelace Labs", "name": "Ada Lovelace",
            "email": "ada@example.com", "email_verified": true,
        }),
    );
    provider.answer_token_request_with(id_token).await;
    provider
        .answer_userinfo_with(serde_json::json!({ "sub": SUBJECT }))
        .await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["workspace"], "Lovelace Labs");
    let session = format!("__Host-session={}", reply.session().unwrap());
    let (_, html) = app.get("/", &[session]).await;
    assert!(
        html.contains(r#"<p class="workspace">Lovelace Labs</p>"#),
        "{html}"
    );

    // Slack answers a bad code with HTTP 200 and `ok: false`.
    let callback = app.begin_with("slack", None).await;
    provider
        .answer_token_request(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "ok": false, "error": "invalid_code" })),
        )
        .await;
    let reply = app.finish(&callback).await;
    assert_ne!(reply.status, 200, "{}", reply.body);
    assert!(reply.session().is_none());
}

mod microsoft {
    use serde_json::{Value, json};
    use wiremock::{
        Mock, ResponseTemplate,
        matchers::{method, path},
    };

    use super::{TestApp, id_token_with, support};

    pub const CONTOSO: &str = "4b0c2e6a-1f3d-4c5e-8a7b-9d1e2f3a4b5c";
    const FABRIKAM: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const PERSONAL: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
    const OID: &str = "00000000-0000-0000-66f3-3332eca7ea81";

    /// A stand-in answering as `login.microsoftonline.com` does under `/{tenant}/v2.0`: for
    /// `common` its discovery announces the issuer template.
    pub async fn start(tenant: &str, extra: &str) -> (support::StandInProvider, TestApp) {
        let provider = support::StandInProvider::start().await;
        let base = provider.issuer();
        let announced = match tenant {
            "common" | "organizations" | "consumers" => format!("{base}/{{tenantid}}/v2.0"),
            id => format!("{base}/{id}/v2.0"),
        };
        Mock::given(method("GET"))
            .and(path(format!("/{tenant}/v2.0/.well-known/openid-configuration")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": announced,
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "userinfo_endpoint": format!("{base}/userinfo"),
                "jwks_uri": format!("{base}/jwks"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            })))
            .mount(&provider.server)
            .await;
        let app = TestApp::spawn_from_config(&format!(
            "[[provider]]\npreset = \"microsoft\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\ntenant = \"{tenant}\"\nissuer = \"{base}/{tenant}/v2.0\"\n{extra}",
            support::provider::CLIENT_ID,
            support::provider::CLIENT_SECRET,
        ))
        .await;
        (provider, app)
    }

    /// Signs in with an ID token of directory `tid` claiming issuer `iss_tid`, and these claims.
    pub async fn sign_in(
        provider: &support::StandInProvider,
        app: &TestApp,
        tid: &str,
        iss_tid: &str,
        claims: Value,
    ) -> support::app::Reply {
        let callback = app.begin_with("microsoft", None).await;
        let mut all = json!({
            "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "tid": tid, "oid": OID,
            "name": "Ada Lovelace", "preferred_username": "ada@contoso.example", "email": "ada@example.com",
        });
        all.as_object_mut()
            .unwrap()
            .extend(claims.as_object().unwrap().clone());
        let iss = format!("{}/{iss_tid}/v2.0", provider.issuer());
        provider
            .answer_token_request_with(id_token_with(provider, &callback.nonce, &iss, all))
            .await;
        app.finish(&callback).await
    }

    #[tokio::test]
    async fn common_keys_the_identity_by_tenant_and_oid_and_trusts_only_a_vouched_email() {
        let (provider, app) = start("common", "").await;
        let reply = sign_in(&provider, &app, CONTOSO, CONTOSO, json!({ "xms_edov": true })).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["profile"]["subject"], OID);
        assert_eq!(reply.body["profile"]["provider_name"], "Microsoft");
        assert_eq!(reply.body["profile"]["email_verified"], true);
        assert_eq!(reply.body["profile"]["username"], Value::Null);
        // Graph's userinfo adds nothing, and is not asked.
        assert_eq!(provider.calls_to("/userinfo").await, 0);
        let form = String::from_utf8(provider.last_call_to("/token").await.unwrap().body).unwrap();
        assert!(form.contains("code_verifier="), "PKCE goes with the code: {form}");

        // A work account whose token does not vouch for the address.
        let reply = sign_in(
            &provider,
            &app,
            CONTOSO,
            CONTOSO,
            json!({ "sub": "another-pairwise-sub" }),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["profile"]["email_verified"], Value::Null);
        assert_eq!(
            reply.body["profile"]["subject"], OID,
            "the same person, whatever the sub"
        );

        // A personal account's address is Microsoft's own to verify.
        let reply = sign_in(&provider, &app, PERSONAL, PERSONAL, json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["profile"]["email_verified"], true);
    }

    #[tokio::test]
    async fn an_issuer_of_another_directory_than_the_tokens_own_is_refused() {
        let (provider, app) = start("common", "").await;
        let reply = sign_in(&provider, &app, CONTOSO, FABRIKAM, json!({})).await;
        assert_ne!(reply.status, 200, "{}", reply.body);
        assert!(reply.session().is_none());
        let reply = sign_in(&provider, &app, "not-a-tenant", "not-a-tenant", json!({})).await;
        assert_ne!(reply.status, 200, "{}", reply.body);
    }

    #[tokio::test]
    async fn allowed_tenants_and_the_tenant_setting_limit_who_signs_in() {
        let (provider, app) = start("common", &format!("allowed_tenants = [\"{CONTOSO}\"]\n")).await;
        let reply = sign_in(&provider, &app, FABRIKAM, FABRIKAM, json!({})).await;
        assert_ne!(reply.status, 200, "{}", reply.body);
        let reply = sign_in(&provider, &app, CONTOSO, CONTOSO, json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);

        let (provider, app) = start("organizations", "").await;
        let reply = sign_in(&provider, &app, PERSONAL, PERSONAL, json!({})).await;
        assert_ne!(
            reply.status, 200,
            "personal accounts are not organizations': {}",
            reply.body
        );

        let (provider, app) = start(CONTOSO, "").await;
        let reply = sign_in(&provider, &app, CONTOSO, CONTOSO, json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = sign_in(&provider, &app, FABRIKAM, FABRIKAM, json!({})).await;
        assert_ne!(reply.status, 200, "{}", reply.body);
    }
}

mod apple {
    use base64::{
        Engine,
        engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    };
    use ring::{
        rand::SystemRandom,
        signature::{
            ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
            UnparsedPublicKey,
        },
    };
    use serde_json::{Value, json};
    use wiremock::{
        Mock, ResponseTemplate,
        matchers::{method, path},
    };

    use super::{TestApp, id_token_with, jwt_claims, support};

    const SERVICES_ID: &str = support::provider::CLIENT_ID;
    const SUBJECT: &str = "001234.8a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d.1234";
    const RELAY: &str = "x7k2ab9q4z@privaterelay.appleid.com";

    pub struct Apple {
        pub provider: support::StandInProvider,
        pub app: TestApp,
        /// The public half of the developer's key, as Apple keeps it.
        pub public_key: Vec<u8>,
    }

    /// An app with the apple preset (and "acme", plain OpenID) pointed at a stand-in whose
    /// discovery is shaped as Apple's: no userinfo, the secret in the form, a revocation endpoint.
    pub async fn start() -> Apple {
        let provider = support::StandInProvider::start().await;
        let base = provider.issuer();
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": base,
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "revocation_endpoint": format!("{base}/revoke"),
                "jwks_uri": format!("{base}/jwks"),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "name"],
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            })))
            .with_priority(1)
            .mount(&provider.server)
            .await;
        let document =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            document.as_ref(),
            &SystemRandom::new(),
        )
        .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(document.as_ref())
        );
        let config = format!(
            "[[provider]]\npreset = \"apple\"\nclient_id = \"{SERVICES_ID}\"\nissuer = \"{base}\"\n\n{}",
            support::app::auth_config(&[("acme", &base)])
        );
        let app = TestApp::spawn_with_settings(
            &config,
            &[
                ("APPLE_TEAM_ID", "TEAM123456"),
                ("APPLE_KEY_ID", "KEY1234567"),
                ("APPLE_PRIVATE_KEY", &pem),
            ],
        )
        .await;
        Apple {
            provider,
            app,
            public_key: key.public_key().as_ref().to_vec(),
        }
    }

    impl Apple {
        /// Apple's form POST to the callback, from Apple's origin; returns status and Location.
        pub async fn post_callback(&self, provider_id: &str, form: &[(&str, &str)]) -> (u16, String) {
            let response = self
                .app
                .http
                .post(format!("{}/auth/callback/{provider_id}", self.app.origin))
                .header("origin", "https://appleid.apple.com")
                .header("sec-fetch-site", "cross-site")
                .form(form)
                .send()
                .await
                .unwrap();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (response.status().as_u16(), location)
        }

        /// A whole sign-in through the posted callback, with Apple's `user` field when given;
        /// returns the reply of the completion.
        pub async fn sign_in(&self, user: Option<&str>) -> support::app::Reply {
            let callback = self.app.begin_with("apple", None).await;
            let mut form = vec![("code", "c"), ("state", callback.state.as_str())];
            form.extend(user.map(|user| ("user", user)));
            let (status, location) = self.post_callback("apple", &form).await;
            assert_eq!(status, 303);
            let (path, query) = location.split_once('?').unwrap();
            assert_eq!(path, "/auth/callback/apple");
            let id_token = id_token_with(
                &self.provider,
                &callback.nonce,
                &self.provider.issuer(),
                json!({
                    "sub": SUBJECT, "email": RELAY, "email_verified": "true", "is_private_email": "true",
                    "auth_time": chrono::Utc::now().timestamp(), "nonce_supported": true,
                }),
            );
            self.provider.answer_token_request_with(id_token).await;
            self.app.complete(&callback, query).await
        }

        /// Apple's notification of `kind` for the signed-in person, as Apple signs it.
        pub fn notification(&self, kind: &str, jti: &str) -> String {
            let events = json!({ "type": kind, "sub": SUBJECT, "event_time": 1_700_000_000_000_i64, "email": RELAY, "is_private_email": "true" });
            self.provider.sign_jwt(
                &json!({"alg": "RS256", "kid": "test-key-1"}),
                &json!({
                    "iss": self.provider.issuer(), "aud": SERVICES_ID, "iat": chrono::Utc::now().timestamp(),
                    "jti": jti, "events": events.to_string(),
                }),
                0,
            )
        }

        pub async fn notify(&self, payload: &str) -> u16 {
            self.app
                .http
                .post(format!("{}/auth/notifications/apple", self.app.origin))
                .header("origin", "https://appleid.apple.com")
                .json(&json!({ "payload": payload }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    }

    #[tokio::test]
    async fn apple_posts_the_callback_once_with_the_name_and_the_binding_still_holds() {
        let apple = start().await;
        let callback = apple.app.begin_with("apple", None).await;
        let params: std::collections::HashMap<_, _> =
            callback.authorization_url.query_pairs().into_owned().collect();
        assert_eq!(params["scope"], "openid name email");
        assert_eq!(params["response_mode"], "form_post");
        assert!(!params.contains_key("code_challenge"));

        let user = r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"x7k2ab9q4z@privaterelay.appleid.com"}"#;
        let reply = apple.sign_in(Some(user)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["profile"]["display_name"], "Ada Lovelace");
        assert_eq!(reply.body["profile"]["email"], RELAY);
        assert_eq!(reply.body["profile"]["email_verified"], true);
        let session = format!("__Host-session={}", reply.session().unwrap());
        let (_, html) = apple.app.get("/", &[session]).await;
        assert!(html.contains("private relay"), "{html}");

        // The client secret: an ES256 JWT signed with the developer's key, for Apple's audience.
        let form = String::from_utf8(apple.provider.last_call_to("/token").await.unwrap().body).unwrap();
        let form: std::collections::HashMap<_, _> = url::form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(form["client_id"], SERVICES_ID);
        assert!(!form.contains_key("code_verifier"));
        let secret = &form["client_secret"];
        let claims = jwt_claims(secret);
        assert_eq!(claims["iss"], "TEAM123456");
        assert_eq!(claims["sub"], SERVICES_ID);
        assert_eq!(claims["aud"], apple.provider.issuer());
        let (signed, signature) = secret.rsplit_once('.').unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &apple.public_key)
            .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).unwrap())
            .expect("the secret verifies with the developer's public key");

        // Apple sends the name only the first time; it is kept.
        let reply = apple.sign_in(None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["profile"]["display_name"], "Ada Lovelace");
    }

    #[tokio::test]
    async fn a_posted_callback_proves_nothing_by_itself() {
        let apple = start().await;
        // Another browser's callback, or one forged: the POST hands over, the GET then refuses
        // it for want of the binding cookie, and no name is kept for an unknown state.
        let (status, location) = apple
            .post_callback(
                "apple",
                &[
                    ("code", "c"),
                    ("state", "forged"),
                    ("user", r#"{"name":{"firstName":"Mallory"}}"#),
                ],
            )
            .await;
        assert_eq!(status, 303);
        assert!(location.contains("state=forged"), "{location}");
        let callback = apple.app.begin_with("apple", None).await;
        let reply = apple
            .app
            .call(
                "complete_sign_in",
                &[
                    ("provider", "apple"),
                    ("callback_query", location.split_once('?').unwrap().1),
                    ("code_verifier", &callback.verifier),
                ],
                &[],
            )
            .await;
        assert_ne!(reply.status, 200, "{}", reply.body);
        assert!(reply.session().is_none());
        // A provider not in form_post mode never takes a POSTed callback.
        let (status, _) = apple
            .post_callback("acme", &[("code", "c"), ("state", &callback.state)])
            .await;
        assert_eq!(status, 405);
        let (status, _) = apple.post_callback("nobody", &[("code", "c")]).await;
        assert_eq!(status, 405);
        let (status, _) = apple
            .post_callback("apple", &[("state", "a"), ("state", "b")])
            .await;
        assert_eq!(status, 400);
    }

    #[tokio::test]
    async fn apples_notifications_are_verified_and_acted_on_once() {
        let apple = start().await;
        let reply = apple.sign_in(Some(r#"{"name":{"firstName":"Ada"}}"#)).await;
        let session = format!("__Host-session={}", reply.session().unwrap());

        let disabled = apple.notification("email-disabled", "jti-1");
        assert_eq!(apple.notify(&disabled).await, 200);
        assert_eq!(apple.notify(&disabled).await, 400, "a replay changes nothing");
        let profile = apple
            .app
            .call("load_home", &[], std::slice::from_ref(&session))
            .await;
        assert_eq!(profile.body["user"]["email_verified"], false, "{}", profile.body);
        assert_eq!(
            apple.notify(&apple.notification("email-enabled", "jti-2")).await,
            200
        );
        let profile = apple
            .app
            .call("load_home", &[], std::slice::from_ref(&session))
            .await;
        assert_eq!(profile.body["user"]["email_verified"], true);

        // Forged, for another app, or not Apple's at all: refused.
        assert_eq!(
            apple
                .notify(&support::provider::corrupt_signature(
                    &apple.notification("account-delete", "jti-3")
                ))
                .await,
            400
        );
        let mut for_another = jwt_claims(&apple.notification("account-delete", "jti-4"));
        for_another["aud"] = json!("com.example.other");
        let other = apple
            .provider
            .sign_jwt(&json!({"alg": "RS256", "kid": "test-key-1"}), &for_another, 0);
        assert_eq!(apple.notify(&other).await, 400);
        assert_eq!(apple.notify("not a jwt").await, 400);
        let status = apple
            .app
            .http
            .post(format!("{}/auth/notifications/acme", apple.app.origin))
            .json(&json!({"payload": disabled}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404);
        let profile = apple
            .app
            .call("load_home", &[], std::slice::from_ref(&session))
            .await;
        assert_eq!(profile.body["user"]["display_name"], "Ada", "nothing was deleted");

        // The person stops using Sign in with Apple here: the session ends, the grant goes.
        let pool = apple.app.database.pool().await;
        assert_eq!(
            support::database::count(&pool, "identities WHERE tokens IS NOT NULL").await,
            1
        );
        assert_eq!(
            apple
                .notify(&apple.notification("consent-revoked", "jti-5"))
                .await,
            200
        );
        let profile = apple.app.call("load_home", &[], &[session]).await;
        assert_eq!(profile.body["user"], Value::Null, "{}", profile.body);
        assert_eq!(
            support::database::count(&pool, "identities WHERE tokens IS NOT NULL").await,
            0
        );

        // They delete their Apple account: the identity, and the account it was the only way into, go.
        assert_eq!(
            apple.notify(&apple.notification("account-delete", "jti-6")).await,
            200
        );
        assert_eq!(support::database::count(&pool, "identities").await, 0);
        assert_eq!(support::database::count(&pool, "users").await, 0);
    }

    #[tokio::test]
    async fn a_missing_or_broken_apple_key_stops_the_start_naming_the_variable() {
        use server::providers::config;
        let entry = "[[provider]]\npreset = \"apple\"\nclient_id = \"com.example.web\"\n";
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let err = config::parse("auth.toml", entry, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("APPLE_TEAM_ID"), "{err}");
        let err = config::parse(
            "auth.toml",
            entry,
            env(&[("APPLE_TEAM_ID", "TEAM123456"), ("APPLE_KEY_ID", "KEY1234567")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("APPLE_PRIVATE_KEY"), "{err}");
        let err = config::parse(
            "auth.toml",
            entry,
            env(&[
                ("APPLE_TEAM_ID", "TEAM123456"),
                ("APPLE_KEY_ID", "KEY1234567"),
                (
                    "APPLE_PRIVATE_KEY",
                    "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
                ),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("APPLE_PRIVATE_KEY") && !err.contains("not a key"),
            "{err}"
        );
        let with_secret = format!("{entry}client_secret = \"s\"\n");
        let err = config::parse("auth.toml", &with_secret, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `client_secret`"), "{err}");
    }
}

mod facebook_data {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use hmac::{Hmac, Mac};
    use serde_json::{Value, json};
    use wiremock::MockServer;

    use super::{CLIENT_SECRET, TestApp, app_with, fixture, mount_sign_in, support};

    /// A `signed_request` as Facebook makes it, for `user_id`, issued `age` seconds ago.
    fn signed_request(user_id: &str, age: i64, secret: &str) -> String {
        let payload = json!({
            "algorithm": "HMAC-SHA256", "expires": 0,
            "issued_at": chrono::Utc::now().timestamp() - age, "user_id": user_id,
        });
        let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(payload.as_bytes());
        format!(
            "{}.{payload}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    async fn post(app: &TestApp, path: &str, signed: &str) -> (u16, Value) {
        let response = app
            .http
            .post(format!("{}{path}", app.origin))
            .header("origin", "https://www.facebook.com")
            .form(&[("signed_request", signed)])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Signs in with the facebook preset against `stand_in`; returns the session cookie and the
    /// person's app-scoped id.
    async fn sign_in(app: &TestApp, stand_in: &MockServer) -> (String, String) {
        let profile = fixture("facebook-me");
        let user_id = profile["id"].as_str().unwrap().to_owned();
        mount_sign_in(
            stand_in,
            "GET",
            json!({ "access_token": "EAAB-facebook-token", "token_type": "bearer", "expires_in": 5183944 }),
            profile,
        )
        .await;
        let callback = app.begin_with("facebook", None).await;
        let reply = app.finish(&callback).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        (format!("__Host-session={}", reply.session().unwrap()), user_id)
    }

    #[tokio::test]
    async fn facebooks_deletion_request_erases_the_person_and_says_where_to_check() {
        let stand_in = MockServer::start().await;
        let app = app_with("facebook", &stand_in, "").await;
        let (session, user_id) = sign_in(&app, &stand_in).await;

        // Forged, old, malformed, or for a provider that is not Facebook's: nothing changes.
        for bad in [
            signed_request(&user_id, 0, "not-the-app-secret"),
            signed_request(&user_id, 7200, CLIENT_SECRET),
            "garbage".to_owned(),
        ] {
            assert_eq!(post(&app, "/auth/data-deletion/facebook", &bad).await.0, 400);
        }
        let good = signed_request(&user_id, 0, CLIENT_SECRET);
        assert_eq!(post(&app, "/auth/data-deletion/elsewhere", &good).await.0, 404);
        let home = app.call("load_home", &[], std::slice::from_ref(&session)).await;
        assert_ne!(home.body["user"], Value::Null);

        let (status, answer) = post(&app, "/auth/data-deletion/facebook", &good).await;
        assert_eq!(status, 200, "{answer}");
        let code = answer["confirmation_code"].as_str().unwrap().to_owned();
        let url = url::Url::parse(answer["url"].as_str().unwrap()).unwrap();
        assert_eq!(url.path(), format!("/auth/data-deletion/status/{code}"));
        let home = app.call("load_home", &[], std::slice::from_ref(&session)).await;
        assert_eq!(
            home.body["user"],
            Value::Null,
            "the session ended with the account"
        );
        let pool = app.database.pool().await;
        assert_eq!(support::database::count(&pool, "users").await, 0);
        support::database::assert_holds_none(&app.database, &[&user_id]).await;

        // The status page says it is done; a replay finds the same deletion.
        let (status, page) = app.get(url.path(), &[]).await;
        assert_eq!(status, 200);
        assert!(page.contains("Done: the data was deleted"), "{page}");
        let (status, again) = post(&app, "/auth/data-deletion/facebook", &good).await;
        assert_eq!(
            (status, again["confirmation_code"].as_str()),
            (200, Some(code.as_str()))
        );
        let (status, page) = app
            .get("/auth/data-deletion/status/0123456789abcdef01234567", &[])
            .await;
        assert_eq!(status, 404);
        assert!(page.contains("No deletion request"), "{page}");
        let (status, _) = app.get("/auth/data-deletion/status/%3Cscript%3E", &[]).await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn facebooks_deauthorize_callback_drops_the_grant_only() {
        let stand_in = MockServer::start().await;
        let app = app_with("facebook", &stand_in, "").await;
        let (session, user_id) = sign_in(&app, &stand_in).await;
        let pool = app.database.pool().await;
        assert_eq!(
            support::database::count(&pool, "identities WHERE tokens IS NOT NULL").await,
            1
        );
        let forged = signed_request(&user_id, 0, "not-the-app-secret");
        assert_eq!(post(&app, "/auth/deauthorize/facebook", &forged).await.0, 400);
        assert_eq!(
            support::database::count(&pool, "identities WHERE tokens IS NOT NULL").await,
            1
        );
        let good = signed_request(&user_id, 0, CLIENT_SECRET);
        assert_eq!(post(&app, "/auth/deauthorize/facebook", &good).await.0, 200);
        assert_eq!(
            support::database::count(&pool, "identities WHERE tokens IS NOT NULL").await,
            0
        );
        assert_eq!(support::database::count(&pool, "identities").await, 1);
        let home = app.call("load_home", &[], std::slice::from_ref(&session)).await;
        assert_ne!(
            home.body["user"],
            Value::Null,
            "signing out is not what was asked"
        );
    }
}

#[path = "presets/google_risc.rs"]
mod google_risc;
