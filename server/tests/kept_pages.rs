//! Signed-in pages asked again are sent as kept (`web::kept_pages::signed_in`): each time with
//! a new nonce, only to the session they were rendered for, and never once what they show has
//! changed.

mod support;

use support::{StandInProvider, TestApp};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const PAGES: [&str; 3] = ["/", "/dashboard", "/account"];

/// A page as the browser holding `session` gets it: its body, and the nonce its policy names.
async fn page(app: &TestApp, path: &str, session: &str) -> (String, String) {
    let response = app
        .http
        .get(format!("{}{path}", app.origin))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let nonce = support::policy_nonce(&response);
    let body = response.text().await.unwrap();
    assert!(body.contains(&nonce), "{path}: the page uses its policy's nonce");
    (body, nonce)
}

async fn app_with_two_providers() -> (TestApp, StandInProvider, StandInProvider) {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]).await;
    (app, acme, beta)
}

#[tokio::test]
async fn a_page_asked_again_is_the_same_page_with_a_new_nonce() {
    let (app, acme, _beta) = app_with_two_providers().await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    for path in PAGES {
        let (first, first_nonce) = page(&app, path, &session).await;
        let (again, again_nonce) = page(&app, path, &session).await;
        assert_ne!(first_nonce, again_nonce, "{path}: a nonce is never sent twice");
        assert!(!again.contains(&first_nonce), "{path}");
        assert_eq!(
            first.replace(&first_nonce, "NONCE"),
            again.replace(&again_nonce, "NONCE"),
            "{path}: nothing but the nonce differs"
        );
    }
    // A query changes what a page shows: such a page is rendered for its request, never kept.
    let (with_error, _) = page(&app, "/account?account_error=last-identity", &session).await;
    assert!(
        with_error.contains("This is the only way you can sign in"),
        "{with_error}"
    );
}

#[tokio::test]
async fn a_kept_page_shows_every_change_at_once_and_only_to_its_own_session() {
    let (app, acme, beta) = app_with_two_providers().await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;
    for path in PAGES {
        page(&app, path, &session).await;
    }
    let (account, _) = page(&app, "/account", &session).await;
    assert!(!account.contains("Chrome"), "one session, in Firefox");

    // Another session of the same account, and a provider connected to it.
    let elsewhere = app.sign_in(&acme, "acme", CHROME).await;
    let connect = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&connect.nonce).await;
    let connected = app
        .finish_in(&connect, std::slice::from_ref(&session), FIREFOX)
        .await;
    assert_eq!(connected.status, 200, "{}", connected.body);
    let (account, _) = page(&app, "/account", &session).await;
    assert!(account.contains("Chrome"), "the new session is listed");
    assert!(
        account.contains("Disconnect beta ID"),
        "the new provider is listed"
    );
    let (dashboard, _) = page(&app, "/dashboard", &session).await;
    assert!(
        dashboard.contains("beta ID"),
        "the dashboard lists the new provider"
    );

    // Someone else, signed in with beta alone, sees their own pages.
    let someone_else = app.sign_in(&beta, "beta", CHROME).await;
    let (theirs, _) = page(&app, "/", &someone_else).await;
    assert!(
        theirs.contains("beta ID") && !theirs.contains("Acme ID"),
        "{theirs}"
    );
    let (mine, _) = page(&app, "/", &elsewhere).await;
    assert!(mine.contains("Acme ID") && !mine.contains("beta ID"), "{mine}");

    // Signed out: the kept page is not sent to the old cookie.
    app.call("sign_out", &[], std::slice::from_ref(&session)).await;
    let (home, _) = page(&app, "/", &session).await;
    assert!(!home.contains("Sign out"), "signed out: {home}");
    let (status, _) = app.get("/account", std::slice::from_ref(&session)).await;
    assert_eq!(status, 303, "the account page sends the old cookie to sign in");
}

#[tokio::test]
async fn a_kept_page_is_not_sent_once_its_session_ended_on_another_instance() {
    let acme = StandInProvider::start().await;
    let first = TestApp::spawn(&acme.issuer()).await;
    let config = support::app::auth_config(&[("acme", &acme.issuer())]);
    let second = TestApp::spawn_on(first.database.shared(), &config, &[]).await;
    let session = first.sign_in(&acme, "acme", FIREFOX).await;
    for path in PAGES {
        page(&second, path, &session).await;
        page(&second, path, &session).await;
    }

    first.call("sign_out", &[], std::slice::from_ref(&session)).await;
    let (home, _) = page(&second, "/", &session).await;
    assert!(
        !home.contains("Sign out"),
        "signed out on the other instance: {home}"
    );
    for path in ["/dashboard", "/account"] {
        let (status, _) = second.get(path, std::slice::from_ref(&session)).await;
        assert_eq!(status, 303, "{path} sends the ended session to sign in");
    }
}
