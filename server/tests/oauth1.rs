//! X's legacy OAuth 1.0a flow against a wiremock stand-in, including SECURITY.md case A8.

mod support;

use support::{StandInProvider, TestApp, app::VERIFIER, provider::CLIENT_SECRET};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param},
};

struct Flow {
    app: TestApp,
    stand_in: MockServer,
    /// An OpenID provider beside X, to connect a second identity.
    acme: StandInProvider,
    binding_cookie: String,
    request_token: String,
}

async fn start(request_token_answer: &str) -> Result<Flow, support::app::Reply> {
    let stand_in = MockServer::start().await;
    let base = stand_in.uri();
    let acme = StandInProvider::start().await;
    let app = TestApp::spawn_from_config(&format!(
        r#"{acme_entry}
        [[provider]]
        preset = "x"
        protocol = "oauth1"
        client_id = "consumer-key"
        client_secret = "{CLIENT_SECRET}"
        request_token_url = "{base}/oauth/request_token"
        authorization_url = "{base}/oauth/authenticate"
        token_url = "{base}/oauth/access_token"
        userinfo_url = "{base}/1.1/account/verify_credentials.json"
        "#,
        acme_entry = support::app::auth_config(&[("acme", &acme.issuer())]),
    ))
    .await;
    Mock::given(method("POST"))
        .and(path("/oauth/request_token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            request_token_answer.to_owned(),
            "application/x-www-form-urlencoded",
        ))
        .mount(&stand_in)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "oauth_token=6253282-access&oauth_token_secret=access-secret&user_id=6253282&screen_name=TwitterAPI",
            "application/x-www-form-urlencoded",
        ))
        .mount(&stand_in)
        .await;
    let profile = std::fs::read_to_string(format!(
        "{}/tests/fixtures/profiles/x-verify-credentials.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    Mock::given(method("GET"))
        .and(path("/1.1/account/verify_credentials.json"))
        .and(query_param("include_email", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(profile, "application/json"))
        .mount(&stand_in)
        .await;

    let reply = app.try_begin_with("x", None).await;
    if reply.status != 200 {
        return Err(reply);
    }
    let url = url::Url::parse(reply.body["authorization_url"].as_str().unwrap()).unwrap();
    let request_token = url
        .query_pairs()
        .find(|(k, _)| k == "oauth_token")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        reply.body["state"],
        request_token.as_str(),
        "the browser keys its verifier on it"
    );
    let binding_cookie = format!("__Host-sign-in={}", reply.cookie("__Host-sign-in").unwrap());
    Ok(Flow {
        app,
        stand_in,
        acme,
        binding_cookie,
        request_token,
    })
}

const CONFIRMED: &str =
    "oauth_token=request-token-1&oauth_token_secret=request-secret&oauth_callback_confirmed=true";

impl Flow {
    async fn callback(&self, query: &str) -> support::app::Reply {
        self.app
            .call(
                "complete_sign_in",
                &[
                    ("provider", "x"),
                    ("callback_query", query),
                    ("code_verifier", VERIFIER),
                ],
                std::slice::from_ref(&self.binding_cookie),
            )
            .await
    }

    async fn authorization(&self, route: &str) -> Vec<String> {
        let requests = self.stand_in.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .filter(|r| r.url.path() == route)
            .map(|r| {
                r.headers
                    .get("authorization")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }
}

#[tokio::test]
async fn the_three_legged_flow_signs_in_with_signed_requests() {
    let flow = start(CONFIRMED).await.unwrap();
    let request_auth = &flow.authorization("/oauth/request_token").await[0];
    assert!(request_auth.starts_with("OAuth "), "{request_auth}");
    assert!(request_auth.contains(r#"oauth_signature_method="HMAC-SHA1""#));
    assert!(
        request_auth.contains("oauth_callback=\"http%3A%2F%2F127.0.0.1"),
        "{request_auth}"
    );
    assert!(!request_auth.contains(CLIENT_SECRET));

    let query = format!("oauth_token={}&oauth_verifier=verifier-1", flow.request_token);
    let reply = flow.callback(&query).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let profile = &reply.body["profile"];
    assert_eq!(profile["subject"], "6253282");
    assert_eq!(profile["username"], "TwitterAPI");
    assert_eq!(profile["email_verified"], true);
    assert!(!reply.body.to_string().contains("access-secret"));
    let access_auth = &flow.authorization("/oauth/access_token").await[0];
    assert!(
        access_auth.contains(r#"oauth_verifier="verifier-1""#),
        "{access_auth}"
    );
    assert!(
        access_auth.contains(r#"oauth_token="request-token-1""#),
        "{access_auth}"
    );
    let profile_auth = &flow.authorization("/1.1/account/verify_credentials.json").await[0];
    assert!(
        profile_auth.contains(r#"oauth_token="6253282-access""#),
        "{profile_auth}"
    );
}

#[tokio::test]
async fn the_dashboard_asks_x_live_with_the_kept_credentials_signed() {
    let flow = start(CONFIRMED).await.unwrap();
    let query = format!("oauth_token={}&oauth_verifier=verifier-1", flow.request_token);
    let reply = flow.callback(&query).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let session = format!("__Host-session={}", reply.session().unwrap());

    let live = flow.app.call("load_provider_live", &[], &[session]).await;
    assert_eq!(live.status, 200, "{}", live.body);
    assert_eq!(
        live.body[0]["live"]["Facts"][0],
        serde_json::json!(["Followers", "6133636"]),
        "{}",
        live.body
    );
    // Signed with the access credentials kept from the sign-in, never sent in clear.
    let signed = flow.authorization("/1.1/account/verify_credentials.json").await;
    let live_auth = signed.last().unwrap();
    assert!(
        live_auth.contains(r#"oauth_token="6253282-access""#),
        "{live_auth}"
    );
    assert!(live_auth.contains("oauth_signature="), "{live_auth}");
    assert!(!live_auth.contains("access-secret"));
}

#[tokio::test]
async fn a8_a_different_oauth_token_is_refused_before_the_exchange() {
    let flow = start(CONFIRMED).await.unwrap();
    let reply = flow
        .callback("oauth_token=someone-elses-token&oauth_verifier=v")
        .await;
    assert_eq!(reply.body, "InvalidCallback");
    assert!(reply.session().is_none());
    assert!(flow.authorization("/oauth/access_token").await.is_empty());
}

#[tokio::test]
async fn a8_a_missing_oauth_verifier_is_refused_before_the_exchange() {
    let flow = start(CONFIRMED).await.unwrap();
    let reply = flow
        .callback(&format!("oauth_token={}", flow.request_token))
        .await;
    assert_eq!(reply.body, "InvalidCallback");
    assert!(flow.authorization("/oauth/access_token").await.is_empty());
}

#[tokio::test]
async fn refusing_at_x_ends_on_the_cancelled_view() {
    let flow = start(CONFIRMED).await.unwrap();
    let reply = flow.callback(&format!("denied={}", flow.request_token)).await;
    assert_eq!(reply.body, "AccessDenied");
    assert!(flow.authorization("/oauth/access_token").await.is_empty());
}

#[tokio::test]
async fn an_unconfirmed_callback_stops_the_sign_in_at_the_start() {
    let reply = start("oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=false")
        .await
        .err()
        .expect("begin must fail");
    assert_eq!(reply.body["ProviderUnavailable"], "X", "{}", reply.body);
    assert!(
        reply.cookie("__Host-sign-in").is_none(),
        "no half-made transaction"
    );
}

const INVALIDATE: &str = "/1.1/oauth/invalidate_token";

/// Disconnecting X (OAuth 1.0a) gives its access token back with `oauth/invalidate_token`,
/// signed with the kept credentials.
#[tokio::test]
async fn disconnecting_x_invalidates_its_access_token() {
    let flow = start(CONFIRMED).await.unwrap();
    Mock::given(method("POST"))
        .and(path(INVALIDATE))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "6253282-access"})),
        )
        .mount(&flow.stand_in)
        .await;
    let query = format!("oauth_token={}&oauth_verifier=verifier-1", flow.request_token);
    let reply = flow.callback(&query).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let session = format!("__Host-session={}", reply.session().unwrap());
    let callback = flow.app.begin_connect("acme", &session).await;
    flow.acme.answer_valid_sign_in(&callback.nonce).await;
    let reply = flow
        .app
        .finish_in(&callback, std::slice::from_ref(&session), "curl/8.5")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let identity = flow.app.identity_id("x", &session).await;
    assert!(
        flow.authorization(INVALIDATE).await.is_empty(),
        "nothing before the disconnect"
    );
    let reply = flow
        .app
        .call("disconnect", &[("identity", &identity)], &[session])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Given back in the background.
    let request = support::eventually("the invalidation", || async {
        let requests = flow.stand_in.received_requests().await.unwrap_or_default();
        requests.into_iter().find(|r| r.url.path() == INVALIDATE)
    })
    .await;
    assert_eq!(request.method.as_str(), "POST");
    let signed = request.headers["authorization"].to_str().unwrap();
    assert!(signed.contains(r#"oauth_token="6253282-access""#), "{signed}");
    assert!(
        signed.contains(r#"oauth_consumer_key="consumer-key""#),
        "{signed}"
    );
    assert!(signed.contains("oauth_signature="), "{signed}");
}
