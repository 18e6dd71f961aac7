//! Providers without OpenID Connect (the presets, and one configured by hand), end to end
//! through HTTP against wiremock stand-ins answering in each provider's documented shapes
//! (fixtures/profiles).

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
    let wrong = format!("code=c&state={}&iss={}", callback.state, urlencode("https://evil.test"));
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
    assert!(form.contains("code_verifier=") && !form.contains("client_secret="), "{form}");
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
    assert!(callback.authorization_url.as_str().starts_with(&provider.issuer()));
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["provider_name"], "GitLab");
    assert_eq!(reply.body["profile"]["email_verified"], true);
    let (_, html) = app.get("/", &[]).await;
    assert!(html.contains("brand-gitlab") && html.contains("Sign in with GitLab"), "{html}");
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
        .answer_userinfo_with(serde_json::json!({ "sub": SUBJECT, "email": "ada@example.com", "email_verified": true }))
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
            assert!(claims[place].as_object().unwrap().contains_key(claim), "{place}.{claim}");
        }
    }
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["profile"]["provider_name"], "Twitch");
}
