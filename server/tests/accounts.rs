//! After sign-in: protected pages, one account with several providers, and the sessions a
//! person can see and end.

mod support;

use serde_json::Value;

use support::{StandInProvider, TestApp, database::count};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// An app with two providers, "acme" and "beta", each its own stand-in. Both stand-ins sign
/// in the same subject, but under different issuers: two different identities.
async fn app_with_two_providers() -> (TestApp, StandInProvider, StandInProvider) {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]).await;
    (app, acme, beta)
}

async fn account(app: &TestApp, session: &str) -> support::app::Reply {
    app.call("load_account", &[], &[session.to_owned()]).await
}

fn connected_providers(account: &Value) -> Vec<String> {
    account["connected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provider_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Users, identities and sessions, in that order.
async fn counts(app: &TestApp) -> (i64, i64, i64) {
    let pool = app.database.pool().await;
    (
        count(&pool, "users").await,
        count(&pool, "identities").await,
        count(&pool, "sessions").await,
    )
}

async fn get(app: &TestApp, path: &str, cookies: &[String]) -> reqwest::Response {
    let mut request = app
        .http
        .get(format!("{}{path}", app.origin))
        .header("accept", "text/html");
    if !cookies.is_empty() {
        request = request.header("cookie", cookies.join("; "));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_protected_page_sends_a_signed_out_visitor_to_sign_in_and_back_to_it() {
    let (app, acme, _beta) = app_with_two_providers().await;
    for (page, target) in [
        ("/dashboard?tab=x", "/?return_to=%2Fdashboard%3Ftab%3Dx"),
        ("/account", "/?return_to=%2Faccount"),
    ] {
        let response = get(&app, page, &[]).await;
        assert_eq!(response.status(), 303, "{page}");
        assert_eq!(response.headers()["location"], target, "{page}");
        // A cookie for no live session is the same as none.
        let forged = get(
            &app,
            page,
            &["__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()],
        )
        .await;
        assert_eq!(forged.status(), 303, "{page}");
    }

    // The sign-in page passes the target on; the sign-in ends there, query included.
    let callback = app.begin_with("acme", Some("/dashboard?tab=x")).await;
    acme.answer_valid_sign_in(&callback.nonce).await;
    let signed_in = app.finish_in(&callback, &[], FIREFOX).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert_eq!(signed_in.body["return_to"], "/dashboard?tab=x");
    let session = format!("__Host-session={}", signed_in.session().unwrap());
    for page in ["/dashboard?tab=x", "/account"] {
        let response = get(&app, page, std::slice::from_ref(&session)).await;
        assert_eq!(response.status(), 200, "{page}");
        let html = response.text().await.unwrap();
        assert!(html.contains("ada"), "{page} shows who is signed in");
    }
}

#[tokio::test]
async fn account_calls_without_a_session_are_refused_with_401() {
    let (app, _acme, _beta) = app_with_two_providers().await;
    for (function, form) in [
        ("load_account", vec![]),
        (
            "begin_connect",
            vec![("provider", "beta"), ("code_challenge", support::app::CHALLENGE)],
        ),
        ("disconnect", vec![("identity", "1")]),
        ("sign_out_elsewhere", vec![]),
    ] {
        let reply = app.call(function, &form, &[]).await;
        assert_eq!(reply.status, 401, "{function}: {}", reply.body);
        assert_eq!(reply.body, "SignInRequired");
    }
}

#[tokio::test]
async fn a_connected_provider_joins_the_same_account_and_signs_in_to_it_later() {
    let (app, acme, beta) = app_with_two_providers().await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;

    let connect = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&connect.nonce).await;
    let connected = app
        .finish_in(&connect, std::slice::from_ref(&session), FIREFOX)
        .await;
    assert_eq!(connected.status, 200, "{}", connected.body);
    assert_eq!(connected.body["return_to"], "/account");
    assert_eq!(
        connected.session(),
        None,
        "a connect keeps the session it was made in"
    );
    assert_eq!(counts(&app).await, (1, 2, 1));

    let account = account(&app, &session).await;
    assert_eq!(connected_providers(&account.body), ["acme", "beta"]);
    assert!(account.body["connectable"].as_array().unwrap().is_empty());

    // Later, in another browser, beta alone opens the same account.
    let beta_session = app.sign_in(&beta, "beta", CHROME).await;
    let seen_from_beta = self::account(&app, &beta_session).await;
    assert_eq!(connected_providers(&seen_from_beta.body), ["acme", "beta"]);
    assert_eq!(counts(&app).await, (1, 2, 2));
}

#[tokio::test]
async fn an_identity_of_another_account_is_refused_and_nothing_changes() {
    let (app, acme, beta) = app_with_two_providers().await;
    let _first_person = app.sign_in(&acme, "acme", FIREFOX).await;
    let second_person = app.sign_in(&beta, "beta", CHROME).await;
    let before = counts(&app).await;
    assert_eq!(before, (2, 2, 2));

    let connect = app.begin_connect("acme", &second_person).await;
    acme.answer_valid_sign_in(&connect.nonce).await;
    let refused = app
        .finish_in(&connect, std::slice::from_ref(&second_person), CHROME)
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.get("IdentityTaken").is_some(), "{}", refused.body);
    assert_eq!(counts(&app).await, before);
    let account = account(&app, &second_person).await;
    assert_eq!(connected_providers(&account.body), ["beta"]);
}

#[tokio::test]
async fn identities_with_the_same_verified_email_are_never_merged() {
    let (app, acme, beta) = app_with_two_providers().await;
    for (provider, id) in [(&acme, "acme"), (&beta, "beta")] {
        let callback = app.begin_with(id, None).await;
        provider
            .answer_token_request_with(provider.sign(&provider.valid_id_token(&callback.nonce)))
            .await;
        provider
            .answer_userinfo_with(serde_json::json!({
                "sub": support::provider::SUBJECT,
                "email": "ada@example.com",
                "email_verified": true,
            }))
            .await;
        assert_eq!(app.finish_in(&callback, &[], FIREFOX).await.status, 200);
    }
    let (users, identities, _) = counts(&app).await;
    assert_eq!((users, identities), (2, 2));
}

#[tokio::test]
async fn a_connect_finished_after_sign_out_or_in_another_session_is_refused() {
    let (app, acme, beta) = app_with_two_providers().await;

    // Signed out between the start and the callback: the cookie is gone, or, if the browser
    // still sends it, its session is.
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    let connect = app.begin_connect("beta", &session).await;
    app.call("sign_out", &[], std::slice::from_ref(&session)).await;
    let without = app.finish_in(&connect, &[], FIREFOX).await;
    assert_eq!(without.status, 401, "{}", without.body);
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    let connect = app.begin_connect("beta", &session).await;
    app.call("sign_out", &[], std::slice::from_ref(&session)).await;
    let with_ended = app
        .finish_in(&connect, std::slice::from_ref(&session), FIREFOX)
        .await;
    assert_eq!(with_ended.status, 401, "{}", with_ended.body);

    // Begun in one session, finished in another of the same account.
    let asking = app.sign_in(&acme, "acme", FIREFOX).await;
    let other = app.sign_in(&acme, "acme", CHROME).await;
    let connect = app.begin_connect("beta", &asking).await;
    let elsewhere = app.finish_in(&connect, &[other], CHROME).await;
    assert_eq!(elsewhere.status, 400, "{}", elsewhere.body);
    assert_eq!(elsewhere.body, "InvalidCallback");

    // None of them reached the provider, and the account still has one identity.
    assert_eq!(beta.calls_to("/token").await, 0);
    let (users, identities, _) = counts(&app).await;
    assert_eq!((users, identities), (1, 1));
}

#[tokio::test]
async fn a_connect_whose_session_ended_while_at_the_provider_is_refused() {
    let (app, acme, beta) = app_with_two_providers().await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    let connect = app.begin_connect("beta", &session).await;
    // Ended from another device, while the cookie stays in this browser.
    let pool = app.database.pool().await;
    sqlx::query("DELETE FROM sessions").execute(&pool).await.unwrap();
    beta.answer_valid_sign_in(&connect.nonce).await;
    let refused = app
        .finish_in(&connect, std::slice::from_ref(&session), FIREFOX)
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(count(&pool, "identities").await, 1);
}

#[tokio::test]
async fn disconnect_removes_an_identity_but_never_the_last() {
    let (app, acme, beta) = app_with_two_providers().await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    let connect = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&connect.nonce).await;
    assert_eq!(
        app.finish_in(&connect, std::slice::from_ref(&session), FIREFOX)
            .await
            .status,
        200
    );

    let ids = |account: &Value| -> Vec<(String, String)> {
        account["connected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["provider_id"].as_str().unwrap().to_owned(), c["id"].to_string()))
            .collect()
    };
    let before = ids(&account(&app, &session).await.body);
    let (_, acme_id) = before.iter().find(|(p, _)| p == "acme").unwrap().clone();
    let (_, beta_id) = before.iter().find(|(p, _)| p == "beta").unwrap().clone();

    let pool = app.database.pool().await;
    sqlx::query("UPDATE identities SET email = 'ada@beta.example' WHERE provider_id = 'beta'")
        .execute(&pool)
        .await
        .unwrap();
    // The session was started with acme; it outlives acme's disconnection.
    let done = app
        .call(
            "disconnect",
            &[("identity", &acme_id)],
            std::slice::from_ref(&session),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let after = account(&app, &session).await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(connected_providers(&after.body), ["beta"]);
    assert_eq!(after.body["connectable"][0]["id"], "acme");
    assert_eq!(
        after.body["profile"]["email"], "ada@beta.example",
        "the address of a connected provider"
    );

    let last = app
        .call(
            "disconnect",
            &[("identity", &beta_id)],
            std::slice::from_ref(&session),
        )
        .await;
    assert_eq!(last.status, 409, "{}", last.body);
    assert_eq!(last.body, "LastIdentity");
    assert_eq!(connected_providers(&account(&app, &session).await.body), ["beta"]);
}

#[tokio::test]
async fn another_accounts_identity_cannot_be_disconnected() {
    let (app, acme, beta) = app_with_two_providers().await;
    let first_person = app.sign_in(&acme, "acme", FIREFOX).await;
    let second_person = app.sign_in(&beta, "beta", CHROME).await;
    let first_identity = account(&app, &first_person).await.body["connected"][0]["id"].to_string();

    let refused = app
        .call(
            "disconnect",
            &[("identity", &first_identity)],
            std::slice::from_ref(&second_person),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(counts(&app).await, (2, 2, 2));
    assert_eq!(
        connected_providers(&account(&app, &first_person).await.body),
        ["acme"]
    );
}

#[tokio::test]
async fn the_sessions_list_names_each_browser_and_sign_out_everywhere_else_ends_the_others() {
    let (app, acme, _beta) = app_with_two_providers().await;
    let here = app.sign_in(&acme, "acme", FIREFOX).await;
    let there = app.sign_in(&acme, "acme", CHROME).await;

    let listed = account(&app, &here).await;
    let sessions = listed.body["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{}", listed.body);
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["browser"], "Firefox on Linux");
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["browser"], "Chrome on Windows");
    assert!(other["started_at"].as_str().unwrap().ends_with(" UTC"));

    let ended = app
        .call("sign_out_elsewhere", &[], std::slice::from_ref(&here))
        .await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(account(&app, &there).await.status, 401);
    let still = account(&app, &here).await;
    assert_eq!(still.status, 200);
    assert_eq!(still.body["sessions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_form_post_without_javascript_is_answered_with_303_to_the_account_page() {
    let (app, acme, _beta) = app_with_two_providers().await;
    let here = app.sign_in(&acme, "acme", FIREFOX).await;
    let _there = app.sign_in(&acme, "acme", CHROME).await;
    let reply = app
        .call_with_headers(
            "sign_out_elsewhere",
            &[],
            std::slice::from_ref(&here),
            Some(&app.origin),
            &[("accept", "text/html,application/xhtml+xml")],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location").as_deref(), Some("/account"));
}

#[tokio::test]
async fn deleting_the_account_erases_the_person_and_gives_every_grant_back() {
    let (app, acme, beta) = app_with_two_providers().await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    let connect = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&connect.nonce).await;
    let connected = app
        .finish_in(&connect, std::slice::from_ref(&session), FIREFOX)
        .await;
    assert_eq!(connected.status, 200, "{}", connected.body);
    let elsewhere = app.sign_in(&acme, "acme", CHROME).await;
    assert_eq!(counts(&app).await, (1, 2, 2));

    // Without the confirmation the form sends, nothing happens.
    let refused = app
        .call(
            "delete_account",
            &[("confirm", "yes")],
            std::slice::from_ref(&session),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let signed_out = app
        .call("delete_account", &[("confirm", "delete my account")], &[])
        .await;
    assert_eq!(signed_out.status, 401, "{}", signed_out.body);
    assert_eq!(counts(&app).await, (1, 2, 2));

    let deleted = app
        .call(
            "delete_account",
            &[("confirm", "delete my account")],
            std::slice::from_ref(&session),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(counts(&app).await, (0, 0, 0));
    for cookie in [&session, &elsewhere] {
        let home = app.call("load_home", &[], std::slice::from_ref(cookie)).await;
        assert_eq!(
            home.body["user"],
            Value::Null,
            "every session of the account ended"
        );
    }
    let pool = app.database.pool().await;
    assert_eq!(
        count(&pool, "sign_in_events").await,
        1,
        "only the anonymous line is left"
    );
    assert_eq!(
        count(
            &pool,
            "sign_in_events WHERE outcome = 'account-deleted' AND user_id IS NULL"
        )
        .await,
        1
    );
    support::database::assert_holds_none(
        &app.database,
        &["Ada Lovelace", "ada@example.com", support::provider::SUBJECT],
    )
    .await;

    // Each kept grant is given back, after the deletion, without holding it up.
    for provider in [&acme, &beta] {
        let mut waited = 0;
        while provider.calls_to("/revoke").await == 0 {
            assert!(waited < 100, "the grant was never revoked");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            waited += 1;
        }
    }
    // Signing in again starts a new, empty account.
    let again = app.sign_in(&acme, "acme", FIREFOX).await;
    let account = account(&app, &again).await;
    assert_eq!(connected_providers(&account.body), ["acme"]);
}

#[tokio::test]
async fn a_person_downloads_what_is_kept_about_them_and_no_token() {
    let (app, acme, beta) = app_with_two_providers().await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    let connect = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&connect.nonce).await;
    app.finish_in(&connect, std::slice::from_ref(&session), FIREFOX)
        .await;

    let response = get(&app, "/account/data.json", std::slice::from_ref(&session)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = response.text().await.unwrap();
    for secret in [
        "stand-in-access-token",
        "stand-in-refresh-token",
        session.split('=').nth(1).unwrap(),
    ] {
        assert!(!text.contains(secret), "the download holds {secret}");
    }
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["account"]["display_name"], "Ada Lovelace");
    assert_eq!(data["account"]["email"], "ada@example.com");
    let identities = data["identities"].as_array().unwrap();
    let providers: Vec<_> = identities
        .iter()
        .map(|i| i["provider_id"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["acme", "beta"]);
    assert_eq!(identities[0]["subject"], support::provider::SUBJECT);
    assert_eq!(identities[0]["issuer"], acme.issuer());
    assert_eq!(data["sessions"][0]["browser"], "Firefox on Linux");
    let outcomes: Vec<_> = data["sign_in_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["signed-in", "connected"]);

    // Only the signed-in person's own, and only to them.
    assert_eq!(get(&app, "/account/data.json", &[]).await.status(), 401);
    let forged = "__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned();
    assert_eq!(get(&app, "/account/data.json", &[forged]).await.status(), 401);
}

#[tokio::test]
async fn the_history_shows_the_latest_events_with_the_browser_and_only_the_network() {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let app = TestApp::spawn_with_settings(
        &support::app::auth_config(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]),
        &[("TRUSTED_PROXIES", "127.0.0.1/32")],
    )
    .await;
    let from = |address: &'static str| [("user-agent", FIREFOX), ("x-forwarded-for", address)];
    let callback = app.begin_with("acme", None).await;
    acme.answer_valid_sign_in(&callback.nonce).await;
    let query = format!("code=c&state={}", callback.state);
    let signed_in = app
        .call_with_headers(
            "complete_sign_in",
            &[
                ("provider", "acme"),
                ("callback_query", &query),
                ("code_verifier", &callback.verifier),
            ],
            std::slice::from_ref(&callback.binding_cookie),
            Some(&app.origin),
            &from("203.0.113.77"),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let session = format!("__Host-session={}", signed_in.session().unwrap());
    let connect = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&connect.nonce).await;
    app.finish_in(&connect, std::slice::from_ref(&session), CHROME)
        .await;
    let beta_identity = app.identity_id("beta", &session).await;
    let disconnected = app
        .call_with_headers(
            "disconnect",
            &[("identity", &beta_identity)],
            std::slice::from_ref(&session),
            Some(&app.origin),
            &from("2001:db8:1:2::5"),
        )
        .await;
    assert_eq!(disconnected.status, 200, "{}", disconnected.body);
    app.call("sign_out_elsewhere", &[], std::slice::from_ref(&session))
        .await;

    let history = account(&app, &session).await.body["history"].clone();
    let line = |i: usize| {
        let entry = &history[i];
        (
            entry["event"].as_str().unwrap().to_owned(),
            entry["provider_name"].as_str().unwrap().to_owned(),
            entry["browser"].as_str().unwrap_or_default().to_owned(),
            entry["network"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let expected = [
        (
            "Signed out everywhere else",
            "Acme ID",
            "Unknown browser",
            "127.0.0.0/24",
        ),
        ("Disconnected", "beta ID", "Firefox on Linux", "2001:db8:1::/48"),
        ("Connected", "beta ID", "Chrome on Windows", "127.0.0.0/24"),
        ("Signed in", "Acme ID", "Firefox on Linux", "203.0.113.0/24"),
    ];
    assert_eq!(history.as_array().unwrap().len(), expected.len(), "{history}");
    for (i, (event, provider, browser, network)) in expected.into_iter().enumerate() {
        assert_eq!(
            line(i),
            (event.into(), provider.into(), browser.into(), network.into()),
            "{history}"
        );
    }
    support::database::assert_holds_none(&app.database, &["203.0.113.77", "2001:db8:1:2::5"]).await;

    // Only the latest twenty.
    for _ in 0..20 {
        app.call("sign_out_elsewhere", &[], std::slice::from_ref(&session))
            .await;
    }
    let history = account(&app, &session).await.body["history"].clone();
    assert_eq!(history.as_array().unwrap().len(), 20);
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["event"] == "Signed out everywhere else")
    );
}

/// The person deletes their account on `deleting` while a sign-in of theirs on `signing_in`
/// (another browser) waits for the provider's token endpoint. The sign-in succeeds; whichever
/// commits last wins whole: a fresh account holding nothing of the deleted one, or nothing.
async fn delete_while_signing_in(signing_in: &TestApp, deleting: &TestApp, acme: &StandInProvider) {
    let session = signing_in.sign_in(acme, "acme", FIREFOX).await;
    let callback = signing_in.begin_with("acme", None).await;
    acme.answer_valid_sign_in_after(&callback.nonce, std::time::Duration::from_millis(300))
        .await;
    let token_requests = acme.calls_to("/token").await;

    let sign_in = signing_in.finish_in(&callback, &[], CHROME);
    let delete = async {
        support::eventually("the token request", || async {
            (acme.calls_to("/token").await > token_requests).then_some(())
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
    let (signed_in, deleted) = tokio::join!(sign_in, delete);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);

    let old = signing_in
        .call("load_home", &[], std::slice::from_ref(&session))
        .await;
    assert_eq!(
        old.body["user"],
        Value::Null,
        "the deleted account's session ended"
    );
    let new = format!("__Host-session={}", signed_in.session().unwrap());
    let page = account(signing_in, &new).await;
    if page.status == 200 {
        // The sign-in committed after the deletion: a new account, with no line of the old.
        assert_eq!(counts(signing_in).await, (1, 1, 1));
        let history: Vec<_> = page.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["event"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(history, ["Signed in"], "{}", page.body);
    } else {
        // It committed first, and the deletion took its session too.
        assert_eq!(page.status, 401, "{}", page.body);
        assert_eq!(counts(signing_in).await, (0, 0, 0));
    }
    let pool = signing_in.database.pool().await;
    assert_eq!(
        count(&pool, "identities WHERE user_id NOT IN (SELECT id FROM users)").await,
        0
    );
}

#[tokio::test]
async fn a_deletion_racing_a_sign_in_of_the_same_person_leaves_no_half_account() {
    let acme = StandInProvider::start().await;
    let app = TestApp::spawn(&acme.issuer()).await;
    delete_while_signing_in(&app, &app, &acme).await;
}

#[tokio::test]
async fn a_deletion_on_one_instance_racing_a_sign_in_on_another_leaves_no_half_account() {
    let acme = StandInProvider::start().await;
    let first = TestApp::spawn(&acme.issuer()).await;
    let config = support::app::auth_config(&[("acme", &acme.issuer())]);
    let second = TestApp::spawn_on(first.database.shared(), &config, &[]).await;
    delete_while_signing_in(&first, &second, &acme).await;
}
