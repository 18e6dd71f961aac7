//! Acting as the person after sign-in: the dashboard asks each connected provider live with the
//! kept grant, refreshed when due by exactly one token request however many pages ask at once
//! (in one instance or across two on one database), and a refused refresh asks the person to
//! reconnect instead of failing the page.

mod support;

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use server::tokens::TokenKeys;
use sqlx::Row;
use support::{StandInProvider, TestApp, app::TOKEN_KEYS, provider::SUBJECT};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_string_contains, header, method, path},
};

/// Signs in with a grant that is already due for a refresh (30 seconds left); returns the
/// session cookie.
async fn sign_in_with_a_grant_about_to_expire(app: &TestApp, provider: &StandInProvider) -> String {
    let callback = app.begin().await;
    let id_token = provider.sign(&provider.valid_id_token(&callback.nonce));
    provider
        .answer_token_request(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "first-access-token",
            "refresh_token": "first-refresh-token",
            "token_type": "Bearer",
            "expires_in": 30,
            "id_token": id_token,
        })))
        .await;
    answer_userinfo_for(provider, "first-access-token", "Ada Lovelace").await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    format!("__Host-session={}", reply.session().unwrap())
}

/// Userinfo answers only requests with this access token.
async fn answer_userinfo_for(provider: &StandInProvider, access_token: &str, name: &str) {
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .and(header("authorization", format!("Bearer {access_token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sub": SUBJECT, "name": name, "email": "ada@example.com", "locale": "en-GB"
        })))
        .mount(&provider.server)
        .await;
}

/// The token endpoint answers refresh requests with `answer`, slowly enough that every
/// concurrent page is waiting while the first refresh is in flight.
async fn answer_refreshes_with(provider: &StandInProvider, answer: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(answer.set_delay(std::time::Duration::from_millis(300)))
        .with_priority(1)
        .mount(&provider.server)
        .await;
}

async fn refresh_requests(provider: &StandInProvider) -> Vec<String> {
    provider
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/token")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .filter(|body| body.contains("grant_type=refresh_token"))
        .collect()
}

fn rotated_grant() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": "second-access-token",
        "refresh_token": "second-refresh-token",
        "token_type": "Bearer",
        "expires_in": 3600,
    }))
}

async fn live_views(app: &TestApp, session: &str) -> Value {
    let reply = app.call("load_provider_live", &[], &[session.to_owned()]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

fn expect_facts(views: &Value) {
    assert_eq!(
        views[0]["live"],
        json!({"Facts": [["Name", "Ada Lovelace"], ["Email", "ada@example.com"], ["Locale", "en-GB"]]}),
        "{views}"
    );
}

/// The kept refresh token, opened.
async fn kept_refresh_token(app: &TestApp) -> String {
    let pool = app.database.pool().await;
    let row = sqlx::query("SELECT issuer, tokens FROM identities")
        .fetch_one(&pool)
        .await
        .unwrap();
    let tokens = TokenKeys::parse(TOKEN_KEYS)
        .unwrap()
        .open(row.get("issuer"), SUBJECT, row.get::<&str, _>("tokens"))
        .unwrap();
    tokens.refresh_token.unwrap().expose_secret().to_owned()
}

#[tokio::test]
async fn fifty_pages_at_once_needing_a_refresh_cause_one_token_request() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let session = sign_in_with_a_grant_about_to_expire(&app, &provider).await;
    answer_refreshes_with(&provider, rotated_grant()).await;
    answer_userinfo_for(&provider, "second-access-token", "Ada Lovelace").await;

    let pages = (0..50).map(|_| live_views(&app, &session));
    for views in futures::future::join_all(pages).await {
        expect_facts(&views);
    }

    let refreshes = refresh_requests(&provider).await;
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert!(
        refreshes[0].contains("refresh_token=first-refresh-token"),
        "{}",
        refreshes[0]
    );
    // The rotated refresh token replaced the old one.
    assert_eq!(kept_refresh_token(&app).await, "second-refresh-token");
    // And the new grant is good for an hour: no more refreshes.
    expect_facts(&live_views(&app, &session).await);
    assert_eq!(refresh_requests(&provider).await.len(), 1);
}

#[tokio::test]
async fn two_instances_on_one_database_refresh_once_between_them() {
    let provider = StandInProvider::start().await;
    let first = TestApp::spawn(&provider.issuer()).await;
    let config = support::app::auth_config(&[("acme", &provider.issuer())]);
    let second = TestApp::spawn_on(first.database.shared(), &config, &[]).await;
    let session = sign_in_with_a_grant_about_to_expire(&first, &provider).await;
    answer_refreshes_with(&provider, rotated_grant()).await;
    answer_userinfo_for(&provider, "second-access-token", "Ada Lovelace").await;

    let pages = (0..20).flat_map(|_| [live_views(&first, &session), live_views(&second, &session)]);
    for views in futures::future::join_all(pages).await {
        expect_facts(&views);
    }
    assert_eq!(refresh_requests(&provider).await.len(), 1);
}

#[tokio::test]
async fn a_refused_refresh_asks_the_person_to_reconnect_and_a_new_connect_clears_it() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let session = sign_in_with_a_grant_about_to_expire(&app, &provider).await;
    answer_refreshes_with(
        &provider,
        ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"})),
    )
    .await;

    let views = live_views(&app, &session).await;
    assert_eq!(views[0]["live"], "ReconnectNeeded", "{views}");
    // The pages still render, and say what to do.
    let (status, dashboard) = app.get("/dashboard", std::slice::from_ref(&session)).await;
    assert_eq!(status, 200);
    assert!(dashboard.contains("no longer accepts this app"), "{dashboard}");
    let account = app
        .call("load_account", &[], std::slice::from_ref(&session))
        .await;
    assert_eq!(
        account.body["connected"][0]["reconnect_needed"], true,
        "{}",
        account.body
    );
    let (_, page) = app.get("/account", std::slice::from_ref(&session)).await;
    assert!(page.contains("Reconnect Acme ID"), "{page}");
    // The refused grant is not asked for again.
    assert_eq!(live_views(&app, &session).await[0]["live"], "ReconnectNeeded");
    assert_eq!(refresh_requests(&provider).await.len(), 1);

    // Reconnecting brings a new grant and clears the mark.
    let callback = app.begin_connect("acme", &session).await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let reply = app
        .finish_in(&callback, std::slice::from_ref(&session), "curl/8.5")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let account = app
        .call("load_account", &[], std::slice::from_ref(&session))
        .await;
    assert_eq!(
        account.body["connected"][0]["reconnect_needed"], false,
        "{}",
        account.body
    );
}

#[tokio::test]
async fn a_provider_that_fails_the_live_call_leaves_the_page_working() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let session = app.sign_in(&provider, "acme", "curl/8.5").await;
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(1)
        .mount(&provider.server)
        .await;
    assert_eq!(live_views(&app, &session).await[0]["live"], "Unavailable");
    assert_eq!(live_views(&app, &session).await[0]["as_of"], Value::Null);
    let calls = provider.calls_to("/userinfo").await;
    let (status, dashboard) = app.get("/dashboard", std::slice::from_ref(&session)).await;
    assert_eq!(status, 200);
    assert!(dashboard.contains("could not be reached just now"), "{dashboard}");
    assert_eq!(
        provider.calls_to("/userinfo").await,
        calls + 1,
        "a failure is asked again"
    );
}

/// What a provider said is shown again for a minute, saying when it was said; a failure is
/// not kept, so the next load asks again.
#[tokio::test]
async fn reloading_the_dashboard_within_a_minute_asks_the_provider_once() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let session = sign_in_with_a_grant_about_to_expire(&app, &provider).await;
    answer_refreshes_with(&provider, rotated_grant()).await;
    answer_userinfo_for(&provider, "second-access-token", "Ada Lovelace").await;
    let userinfo_calls = provider.calls_to("/userinfo").await;

    let first = live_views(&app, &session).await;
    expect_facts(&first);
    let as_of = first[0]["as_of"]
        .as_str()
        .expect("the time the provider said it")
        .to_owned();
    assert!(as_of.ends_with(" UTC"), "{as_of}");
    for _ in 0..3 {
        let again = live_views(&app, &session).await;
        expect_facts(&again);
        assert_eq!(again[0]["as_of"], as_of.as_str());
    }
    let (status, dashboard) = app.get("/dashboard", std::slice::from_ref(&session)).await;
    assert_eq!(status, 200);
    assert!(dashboard.contains(&format!("As of {as_of}")), "{dashboard}");
    assert_eq!(provider.calls_to("/userinfo").await, userinfo_calls + 1);
}

#[tokio::test]
async fn without_kept_grants_the_dashboard_says_so() {
    let provider = StandInProvider::start().await;
    let config = support::app::auth_config(&[("acme", &provider.issuer())]);
    let app = TestApp::spawn_with_settings(&config, &[("TOKEN_KEYS", "")]).await;
    let session = app.sign_in(&provider, "acme", "curl/8.5").await;
    assert_eq!(live_views(&app, &session).await[0]["live"], "NothingKept");
}

#[tokio::test]
async fn live_views_need_a_session() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let reply = app.call("load_provider_live", &[], &[]).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
}

/// The tokens the stand-in was asked to revoke.
async fn revoked_tokens(provider: &StandInProvider) -> Vec<String> {
    provider
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/revoke")
        .filter_map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(name, _)| name == "token")
                .map(|(_, token)| token.into_owned())
        })
        .collect()
}

/// The account is deleted on `deleting` while `refreshing` waits for the provider's new grant:
/// nothing of the grant stays in the database, and the grant the provider issued last (the one
/// in flight, or the one stored just before the deletion) is given back.
async fn delete_during_a_refresh(refreshing: &TestApp, deleting: &TestApp, provider: &StandInProvider) {
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&provider.server)
        .await;
    let session = sign_in_with_a_grant_about_to_expire(refreshing, provider).await;
    answer_refreshes_with(provider, rotated_grant()).await;
    answer_userinfo_for(provider, "second-access-token", "Ada Lovelace").await;

    let live = refreshing.call("load_provider_live", &[], std::slice::from_ref(&session));
    let delete = async {
        support::eventually("the refresh request", || async {
            (refresh_requests(provider).await.len() == 1).then_some(())
        })
        .await;
        deleting
            .call(
                "delete_account",
                &[("confirm", "delete my account")],
                std::slice::from_ref(&session),
            )
            .await
    };
    let (live, deleted) = tokio::join!(live, delete);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(
        live.status, 200,
        "the page in flight still answers: {}",
        live.body
    );

    let pool = refreshing.database.pool().await;
    for table in ["users", "identities", "sessions"] {
        assert_eq!(support::database::count(&pool, table).await, 0, "{table}");
    }
    support::eventually("the refreshed grant given back", || async {
        revoked_tokens(provider)
            .await
            .contains(&"second-refresh-token".to_owned())
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_deletion_while_a_refresh_is_in_flight_keeps_nothing_and_gives_the_new_grant_back() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    delete_during_a_refresh(&app, &app, &provider).await;
}

#[tokio::test]
async fn a_deletion_on_one_instance_while_another_refreshes_keeps_nothing() {
    let provider = StandInProvider::start().await;
    let first = TestApp::spawn(&provider.issuer()).await;
    let config = support::app::auth_config(&[("acme", &provider.issuer())]);
    let second = TestApp::spawn_on(first.database.shared(), &config, &[]).await;
    delete_during_a_refresh(&first, &second, &provider).await;
}
