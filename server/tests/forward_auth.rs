//! Forward auth through HTTP: the check and its headers, the way in (`/auth/start`) and out
//! (`/auth/sign-out`) with their `rd` rules, the `[access]` policy at sign-in and at every
//! check, and how soon an ended session stops passing the check.

mod support;

use reqwest::header::{CACHE_CONTROL, COOKIE, LOCATION, ORIGIN};
use serde_json::{Value, json};
use sqlx::Row;
use support::{
    StandInProvider, TestApp,
    app::auth_config,
    eventually,
    provider::{CLIENT_ID, CLIENT_SECRET, SUBJECT},
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

const APP_HOSTS: &[(&str, &str)] = &[("ALLOWED_REDIRECT_HOSTS", "app.example.test, *.corp.example")];

/// The check's answer: status, the identity headers it set (lower-case names), and whether
/// it forbade caching.
async fn check(app: &TestApp, cookie: Option<&str>) -> (u16, Vec<(String, String)>) {
    let mut request = app.http.get(format!("{}/auth/check", app.origin));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(
        response.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "every check answer forbids caching"
    );
    let identity = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-auth-request-"))
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    (response.status().as_u16(), identity)
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// A GET that is not followed: status and `Location`.
async fn visit(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, Option<String>, String) {
    let mut request = app.http.get(format!("{}{path}", app.origin));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap())
}

async fn signed_in(settings: &[(&str, &str)]) -> (TestApp, StandInProvider, String) {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn_with_settings(&auth_config(&[("acme", &provider.issuer())]), settings).await;
    let session = app.sign_in(&provider, "acme", "test").await;
    (app, provider, session)
}

#[tokio::test]
async fn the_check_names_a_signed_in_person_and_nobody_else() {
    let (app, _provider, session) = signed_in(&[]).await;

    assert_eq!(check(&app, None).await.0, 401);
    assert_eq!(check(&app, Some("__Host-session=not-a-session")).await.0, 401);
    assert_eq!(check(&app, Some(&format!("{session}x"))).await.0, 401);

    let (status, headers) = check(&app, Some(&session)).await;
    assert_eq!(status, 202);
    assert!(header_of(&headers, "x-auth-request-user").unwrap().parse::<i64>().is_ok());
    assert_eq!(header_of(&headers, "x-auth-request-email"), Some("ada@example.com"));
    assert_eq!(header_of(&headers, "x-auth-request-preferred-username"), Some("ada"));
    assert_eq!(header_of(&headers, "x-auth-request-provider"), Some("acme"));
    assert_eq!(
        header_of(&headers, "x-auth-request-access-token"),
        None,
        "the provider's token is passed on only when asked"
    );

    // Signing out here ends it at once, whatever the check remembered.
    let reply = app.call("sign_out", &[], std::slice::from_ref(&session)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(check(&app, Some(&session)).await.0, 401);
}

#[tokio::test]
async fn an_unverified_email_is_never_named() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    let session = format!("__Host-session={}", reply.session().unwrap());
    // The stand-in marks ada's address verified; unmark it in the store, as a provider would.
    let pool = app.database.pool().await;
    sqlx::query("UPDATE identities SET email_verified = $1")
        .bind(false)
        .execute(&pool)
        .await
        .unwrap();
    let (status, headers) = eventually("the check reads the store again", || async {
        let answer = check(&app, Some(&session)).await;
        header_of(&answer.1, "x-auth-request-email").is_none().then_some(answer)
    })
    .await;
    assert_eq!(status, 202);
    assert_eq!(header_of(&headers, "x-auth-request-provider"), Some("acme"));
}

#[tokio::test]
async fn the_provider_token_is_passed_on_when_asked() {
    let (app, _provider, session) = signed_in(&[("PASS_ACCESS_TOKEN", "true")]).await;
    let (status, headers) = check(&app, Some(&session)).await;
    assert_eq!(status, 202);
    assert_eq!(
        header_of(&headers, "x-auth-request-access-token"),
        Some("stand-in-access-token")
    );
}

#[tokio::test]
async fn start_sends_signed_out_browsers_through_sign_in_and_back() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn_with_settings(&auth_config(&[("acme", &provider.issuer())]), APP_HOSTS).await;
    let wanted = "https://app.example.test/private/page?x=1";

    let (status, location, _) = visit(&app, &format!("/auth/start?rd={}", encode(wanted)), None).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("/?return_to={}", encode(wanted)).as_str()));

    // The sign-in page's forms carry it on; the sign-in ends on exactly that URL.
    let callback = app.begin_with("acme", Some(wanted)).await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["return_to"], wanted);
    let session = format!("__Host-session={}", reply.session().unwrap());

    // Signed in: straight on.
    let (status, location, _) = visit(&app, &format!("/auth/start?rd={}", encode(wanted)), Some(&session)).await;
    assert_eq!((status, location.as_deref()), (303, Some(wanted)));
}

#[tokio::test]
async fn rd_never_leads_anywhere_but_here_or_an_allowed_host() {
    let (app, _provider, session) = signed_in(APP_HOSTS).await;
    for evil in [
        "https://evil.test/",
        "//evil.test/",
        "https://app.example.test@evil.test/",
        "https://corp.example/",
        "https://evilcorp.example/",
        "http://app.example.test/",
        "https:\\\\evil.test",
        "/\\evil.test",
        "javascript:alert(1)",
    ] {
        let (status, location, _) = visit(&app, &format!("/auth/start?rd={}", encode(evil)), Some(&session)).await;
        assert_eq!((status, location.as_deref()), (303, Some("/")), "{evil}");
        let (status, location, _) = visit(&app, &format!("/auth/start?rd={}", encode(evil)), None).await;
        assert_eq!((status, location.as_deref()), (303, Some("/?return_to=%2F")), "{evil}");
        // A sign-in asked to return there returns home.
        let reply = app.try_begin_with("acme", Some(evil)).await;
        assert_eq!(reply.status, 200);
    }
    let (status, location, _) = visit(&app, "/auth/start?rd=https://wiki.corp.example/a", Some(&session)).await;
    assert_eq!((status, location.as_deref()), (303, Some("https://wiki.corp.example/a")));
    let (status, location, _) = visit(&app, "/auth/start", Some(&session)).await;
    assert_eq!((status, location.as_deref()), (303, Some("/")));
}

#[tokio::test]
async fn an_rd_written_unencoded_by_the_proxy_comes_back_whole() {
    let (app, _provider, session) = signed_in(APP_HOSTS).await;
    // As nginx writes it: `rd=$scheme://$http_host$request_uri`, nothing encoded.
    let wanted = "https://app.example.test/a%20b/page?x=1&y=2+3";
    let (status, location, _) = visit(&app, &format!("/auth/start?rd={wanted}"), Some(&session)).await;
    assert_eq!((status, location.as_deref()), (303, Some(wanted)));
    let (status, location, _) = visit(&app, &format!("/auth/start?rd={wanted}"), None).await;
    assert_eq!(status, 303);
    assert_eq!(location.unwrap(), format!("/?return_to={}", encode(wanted)));
}

#[tokio::test]
async fn proxies_that_pass_refusals_on_can_ask_for_a_redirect_to_sign_in() {
    /// The check as Traefik or Caddy ask it, about `https://{host}/private/page?x=1`.
    async fn ask(app: &TestApp, cookie: Option<&str>, host: &str) -> reqwest::Response {
        let mut request = app
            .http
            .get(format!("{}/auth/check?redirect=true", app.origin))
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", host)
            .header("x-forwarded-uri", "/private/page?x=1");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    let (app, _provider, session) = signed_in(APP_HOSTS).await;
    let refused = ask(&app, None, "app.example.test").await;
    assert_eq!(refused.status(), 302);
    assert_eq!(
        refused.headers()[LOCATION],
        format!(
            "{}/auth/start?rd={}",
            app.origin,
            encode("https://app.example.test/private/page?x=1")
        )
        .as_str()
    );
    let elsewhere = ask(&app, None, "evil.test").await;
    assert_eq!(elsewhere.headers()[LOCATION], format!("{}/auth/start?rd=%2F", app.origin).as_str());
    assert_eq!(ask(&app, Some(&session), "app.example.test").await.status(), 202);
    // Without asking, the check keeps to what nginx's auth_request understands.
    assert_eq!(check(&app, None).await.0, 401);
}

#[tokio::test]
async fn signing_out_from_a_protected_app_takes_one_guarded_post() {
    let (app, _provider, session) = signed_in(APP_HOSTS).await;
    let rd = "https://app.example.test/";
    let (status, _, html) = visit(&app, &format!("/auth/sign-out?rd={}", encode(rd)), Some(&session)).await;
    assert_eq!(status, 200);
    assert!(html.contains(">Sign out</button>") && html.contains(&format!("value=\"{rd}\"")), "{html}");
    assert_eq!(check(&app, Some(&session)).await.0, 202, "showing the page signs nobody out");

    let post = |origin: &'static str| {
        app.http
            .post(format!("{}/auth/sign-out", app.origin))
            .header(COOKIE, &session)
            .header(ORIGIN, origin)
            .form(&[("rd", rd)])
            .send()
    };
    let refused = post("https://app.example.test").await.unwrap();
    assert_eq!(refused.status(), 403, "a sibling app's page cannot sign anyone out");
    assert_eq!(check(&app, Some(&session)).await.0, 202);

    let same_site = app
        .http
        .post(format!("{}/auth/sign-out", app.origin))
        .header(COOKIE, &session)
        .header(ORIGIN, &app.origin)
        .form(&[("rd", rd)])
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 303);
    assert_eq!(same_site.headers()[LOCATION], rd);
    let cleared = same_site.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.starts_with("__Host-session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(check(&app, Some(&session)).await.0, 401);
}

/// `[access]` letting in only grace, while the stand-in signs in ada.
fn grace_only(issuer: &str) -> String {
    format!("{}[access]\nemails = [\"grace@example.com\"]\n", auth_config(&[("acme", issuer)]))
}

#[tokio::test]
async fn the_policy_refuses_at_sign_in_with_no_session_and_a_record() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn_from_config(&grace_only(&provider.issuer())).await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app.finish(&callback).await;

    assert_eq!(reply.status, 403);
    assert_eq!(reply.body, json!({ "NotAllowed": "ada@example.com at Acme ID" }));
    assert_eq!(reply.session(), None, "no session is made");
    let pool = app.database.pool().await;
    assert_eq!(support::database::count(&pool, "sessions").await, 0);
    let outcomes: Vec<String> = sqlx::query("SELECT outcome FROM sign_in_events")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("outcome"))
        .collect();
    assert_eq!(outcomes, ["refused-by-policy"]);
}

#[tokio::test]
async fn a_tightened_policy_refuses_at_the_next_check() {
    let provider = StandInProvider::start().await;
    let open = TestApp::spawn(&provider.issuer()).await;
    let session = open.sign_in(&provider, "acme", "test").await;
    assert_eq!(check(&open, Some(&session)).await.0, 202);

    // The same store, restarted with a policy ada does not pass.
    let strict = TestApp::spawn_on(open.database.shared(), &grace_only(&provider.issuer()), &[]).await;
    assert_eq!(check(&strict, Some(&session)).await.0, 403);
    let (status, _, html) = visit(&strict, "/auth/start?rd=/", Some(&session)).await;
    assert_eq!(status, 403);
    assert!(html.contains("role=\"alert\"") && html.contains("ada@example.com"), "{html}");
}

#[tokio::test]
async fn another_instance_sees_a_sign_out_within_the_cache_lifetime() {
    let provider = StandInProvider::start().await;
    let first = TestApp::spawn(&provider.issuer()).await;
    let second = TestApp::spawn_on(first.database.shared(), &auth_config(&[("acme", &provider.issuer())]), &[]).await;
    let session = first.sign_in(&provider, "acme", "test").await;
    assert_eq!(check(&second, Some(&session)).await.0, 202);

    let reply = first.call("sign_out", &[], std::slice::from_ref(&session)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(check(&first, Some(&session)).await.0, 401, "at once where it happened");
    let seen = std::time::Instant::now();
    eventually("the other instance refuses the ended session", || async {
        (check(&second, Some(&session)).await.0 == 401).then_some(())
    })
    .await;
    assert!(seen.elapsed() <= std::time::Duration::from_secs(3), "{:?}", seen.elapsed());
}

#[tokio::test]
async fn signing_out_everywhere_else_ends_the_others_at_the_check_at_once() {
    let (app, provider, first) = signed_in(&[]).await;
    let second = app.sign_in(&provider, "acme", "other").await;
    assert_eq!(check(&app, Some(&first)).await.0, 202);
    let reply = app.call("sign_out_elsewhere", &[], std::slice::from_ref(&second)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(check(&app, Some(&first)).await.0, 401);
    assert_eq!(check(&app, Some(&second)).await.0, 202);
}

/// An app whose one provider is the GitHub preset at a stand-in, with `[access]` naming
/// `groups`.
async fn github_app(stand_in: &MockServer, groups: &str) -> TestApp {
    let base = stand_in.uri();
    TestApp::spawn_from_config(&format!(
        r#"
        [[provider]]
        preset = "github"
        client_id = "client-github"
        client_secret = "{CLIENT_SECRET}"
        issuer = "{base}/issuer"
        authorization_url = "{base}/authorize"
        token_url = "{base}/token"
        userinfo_url = "{base}/user"
        emails_url = "{base}/user/emails"

        [access]
        github_organizations = [{groups}]
        "#
    ))
    .await
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/profiles/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn mount_github(stand_in: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "gho_standin", "scope": "read:org,read:user,user:email", "token_type": "bearer"
        })))
        .mount(stand_in)
        .await;
    for (route, body) in [
        ("/user", "github-user"),
        ("/user/emails", "github-user-emails"),
        ("/user/orgs", "github-user-orgs"),
        ("/user/teams", "github-user-teams"),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .and(header("authorization", "Bearer gho_standin"))
            .and(header("x-github-api-version", "2022-11-28"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture(body)))
            .mount(stand_in)
            .await;
    }
}

async fn github_sign_in(app: &TestApp) -> support::app::Reply {
    let callback = app.begin_with("github", None).await;
    let params: std::collections::HashMap<_, _> = callback.authorization_url.query_pairs().into_owned().collect();
    assert_eq!(params["scope"], "read:user user:email read:org", "the policy needs read:org");
    app.finish(&callback).await
}

async fn calls_to(stand_in: &MockServer, route: &str) -> usize {
    let requests = stand_in.received_requests().await.unwrap_or_default();
    requests.iter().filter(|r| r.url.path() == route).count()
}

#[tokio::test]
async fn a_github_team_member_enters_and_github_is_asked_once_a_while() {
    let stand_in = MockServer::start().await;
    mount_github(&stand_in).await;
    let app = github_app(&stand_in, "\"other-org\", \"Octo-Org/Justice-League\"").await;
    let reply = github_sign_in(&app).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let session = format!("__Host-session={}", reply.session().unwrap());
    for _ in 0..3 {
        let (status, headers) = check(&app, Some(&session)).await;
        assert_eq!(status, 202);
        assert_eq!(header_of(&headers, "x-auth-request-preferred-username"), Some("octocat"));
    }
    assert_eq!(calls_to(&stand_in, "/user/teams").await, 1, "the answer is believed for a while");
}

#[tokio::test]
async fn someone_outside_the_github_organizations_is_refused() {
    let stand_in = MockServer::start().await;
    mount_github(&stand_in).await;
    let app = github_app(&stand_in, "\"octo-org/other-team\", \"elsewhere\"").await;
    let reply = github_sign_in(&app).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.body, json!({ "NotAllowed": "octocat@github.com at GitHub" }));
}

#[tokio::test]
async fn an_invalid_access_table_stops_the_start_naming_its_key() {
    let provider = StandInProvider::start().await;
    for (table, key) in [
        ("emails = [\"nobody\"]", "emails"),
        ("providers = [\"nope\"]", "providers"),
        ("members = [\"ada\"]", "members"),
    ] {
        let config = format!("{}[access]\n{table}\n", auth_config(&[("acme", &provider.issuer())]));
        let providers = server::providers::config::parse("auth.toml", &config, |_| None).unwrap();
        let error = server::access::AccessPolicy::parse("auth.toml", &config)
            .map_err(|e| e.to_string())
            .and_then(|access| server::startup::AuthConfig::new(providers, access).map(|_| ()).map_err(|e| e.to_string()))
            .expect_err(table);
        assert!(error.contains(key), "{table}: {error}");
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs in at the Google preset (pointed at the stand-in) with an ID token whose `hd` is
/// `hosted_domain`; returns the reply.
async fn google_sign_in(app: &TestApp, provider: &StandInProvider, hosted_domain: &str) -> support::app::Reply {
    let callback = app.begin_with("google", None).await;
    let id_token = provider.sign_jwt(
        &json!({"alg": "RS256", "kid": "test-key-1"}),
        &json!({
            "iss": provider.issuer(), "sub": SUBJECT, "aud": CLIENT_ID, "iat": now(), "exp": now() + 300,
            "nonce": callback.nonce, "email": "ada@school.example", "email_verified": true, "hd": hosted_domain,
        }),
        0,
    );
    provider.answer_token_request_with(id_token).await;
    provider.answer_userinfo_with(json!({ "sub": SUBJECT, "email": "ada@school.example" })).await;
    app.finish(&callback).await
}

#[tokio::test]
async fn a_google_workspace_domain_lets_its_people_in() {
    let provider = StandInProvider::start().await;
    let config = format!(
        "[[provider]]\npreset = \"google\"\nissuer = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\n\
         [access]\ngoogle_hosted_domains = [\"school.example\"]\n",
        provider.issuer()
    );
    let app = TestApp::spawn_from_config(&config).await;
    let reply = google_sign_in(&app, &provider, "school.example").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let session = format!("__Host-session={}", reply.session().unwrap());
    assert_eq!(check(&app, Some(&session)).await.0, 202, "the stored hd passes the check too");

    let reply = google_sign_in(&app, &provider, "elsewhere.example").await;
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[tokio::test]
async fn a_back_channel_logout_ends_the_session_at_the_check_at_once() {
    let (app, provider, session) = signed_in(&[]).await;
    assert_eq!(check(&app, Some(&session)).await.0, 202);
    let logout = provider.sign_logout_token(&json!({
        "iss": provider.issuer(), "aud": CLIENT_ID, "iat": now(), "exp": now() + 120,
        "jti": "forward-auth-logout", "sub": SUBJECT,
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    }));
    let response = app
        .http
        .post(format!("{}/auth/backchannel-logout/acme", app.origin))
        .form(&[("logout_token", logout)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(check(&app, Some(&session)).await.0, 401);
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_github_that_cannot_answer_refuses() {
    let stand_in = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user/teams"))
        .respond_with(ResponseTemplate::new(502))
        .with_priority(1)
        .mount(&stand_in)
        .await;
    mount_github(&stand_in).await;
    let app = github_app(&stand_in, "\"octo-org/justice-league\"").await;
    let reply = github_sign_in(&app).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[tokio::test]
async fn an_unverified_address_in_a_listed_domain_is_refused() {
    let provider = StandInProvider::start().await;
    let config = format!("{}[access]\nemail_domains = [\"example.com\"]\n", auth_config(&[("acme", &provider.issuer())]));
    let app = TestApp::spawn_from_config(&config).await;
    let callback = app.begin().await;
    let id_token = provider.sign_jwt(
        &json!({"alg": "RS256", "kid": "test-key-1"}),
        &json!({
            "iss": provider.issuer(), "sub": SUBJECT, "aud": CLIENT_ID, "iat": now(), "exp": now() + 300,
            "nonce": callback.nonce, "email": "ada@example.com", "email_verified": false,
        }),
        0,
    );
    provider.answer_token_request_with(id_token).await;
    provider.answer_userinfo_with(json!({ "sub": SUBJECT })).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.session(), None);
}

#[tokio::test]
async fn a_session_whose_provider_left_the_configuration_passes_no_policy() {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let both = TestApp::spawn_with(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]).await;
    let session = both.sign_in(&beta, "beta", "test").await;
    assert_eq!(check(&both, Some(&session)).await.0, 202);

    let without_beta = auth_config(&[("acme", &acme.issuer())]);
    let open = TestApp::spawn_on(both.database.shared(), &without_beta, &[]).await;
    assert_eq!(check(&open, Some(&session)).await.0, 202, "no policy: the session still counts");
    let strict = TestApp::spawn_on(
        both.database.shared(),
        &format!("{without_beta}[access]\nemails = [\"ada@example.com\"]\n"),
        &[],
    )
    .await;
    assert_eq!(check(&strict, Some(&session)).await.0, 403);
}

#[tokio::test]
async fn a_disconnect_is_seen_by_the_check_at_once() {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]).await;
    let session = app.sign_in(&acme, "acme", "test").await;
    let connect = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&connect.nonce).await;
    let reply = app.finish_in(&connect, std::slice::from_ref(&session), "test").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (_, headers) = check(&app, Some(&session)).await;
    assert_eq!(header_of(&headers, "x-auth-request-provider"), Some("acme"));

    let acme_identity = app.identity_id("acme", &session).await;
    let reply = app.call("disconnect", &[("identity", &acme_identity)], std::slice::from_ref(&session)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (status, headers) = check(&app, Some(&session)).await;
    assert_eq!(status, 202);
    assert_eq!(header_of(&headers, "x-auth-request-provider"), Some("beta"), "at once, not after the cache lifetime");
}
