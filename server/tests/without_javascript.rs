//! Every button works before the wasm has loaded and with JavaScript off: each is a plain
//! form the server answers with a 303. For such a sign-in the server makes the PKCE pair and
//! keeps the verifier, and the callback page completes it while it renders, with every check
//! of the browser's path.

mod support;

use reqwest::{Response, header};
use url::Url;

use support::{StandInProvider, TestApp};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// What a browser sends when a form on the page is submitted.
async fn submit(app: &TestApp, path: &str, form: &[(&str, &str)], cookies: &[String]) -> Response {
    let mut request = app
        .http
        .post(format!("{}{path}", app.origin))
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::ORIGIN, &app.origin)
        .header(header::USER_AGENT, FIREFOX)
        .form(form);
    if !cookies.is_empty() {
        request = request.header(header::COOKIE, cookies.join("; "));
    }
    request.send().await.unwrap()
}

async fn open(app: &TestApp, path_and_query: &str, cookies: &[String]) -> Response {
    let mut request = app
        .http
        .get(format!("{}{path_and_query}", app.origin))
        .header(header::ACCEPT, "text/html");
    if !cookies.is_empty() {
        request = request.header(header::COOKIE, cookies.join("; "));
    }
    request.send().await.unwrap()
}

fn location(response: &Response) -> String {
    response.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

/// `name=value` of the cookie the response sets, empty when it clears it.
fn cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

fn param(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Submits "Sign in with acme" and returns the provider URL and the binding cookie.
async fn start(app: &TestApp, form: &[(&str, &str)], cookies: &[String]) -> (Url, String) {
    let started = submit(app, "/api/start_sign_in", form, cookies).await;
    assert_eq!(started.status(), 303);
    let binding = cookie(&started, "__Host-sign-in").expect("a binding cookie");
    (Url::parse(&location(&started)).unwrap(), binding)
}

#[tokio::test]
async fn a_plain_form_signs_in_and_out() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;

    let (authorization, binding) = start(
        &app,
        &[("provider", "acme"), ("return_to", "/dashboard?tab=x")],
        &[],
    )
    .await;
    assert!(
        authorization.as_str().starts_with(&provider.issuer()),
        "{authorization}"
    );
    assert_eq!(param(&authorization, "code_challenge_method"), "S256");
    let challenge = param(&authorization, "code_challenge");
    assert_eq!(challenge.len(), 43);

    provider
        .answer_valid_sign_in(&param(&authorization, "nonce"))
        .await;
    let callback = format!(
        "/auth/callback/acme?code=c&state={}",
        param(&authorization, "state")
    );
    let finished = open(&app, &callback, std::slice::from_ref(&binding)).await;
    assert_eq!(finished.status(), 303, "{:?}", finished.text().await);
    assert_eq!(location(&finished), "/dashboard?tab=x");
    let session = cookie(&finished, "__Host-session").expect("a session cookie");
    assert_eq!(
        cookie(&finished, "__Host-sign-in").as_deref(),
        Some("__Host-sign-in=")
    );

    // The server sent its own verifier, the one behind the challenge the provider saw.
    let token_request = provider.last_call_to("/token").await.unwrap();
    let sent: Vec<(String, String)> = url::form_urlencoded::parse(&token_request.body)
        .into_owned()
        .collect();
    let verifier = &sent.iter().find(|(k, _)| k == "code_verifier").unwrap().1;
    assert_eq!(app::pkce::challenge_s256(verifier), challenge);

    let dashboard = open(&app, "/dashboard?tab=x", std::slice::from_ref(&session)).await;
    assert_eq!(dashboard.status(), 200);
    assert!(dashboard.text().await.unwrap().contains("ada"));

    let signed_out = submit(&app, "/api/sign_out", &[], std::slice::from_ref(&session)).await;
    assert_eq!(signed_out.status(), 303);
    assert_eq!(location(&signed_out), "/");
    assert_eq!(open(&app, "/dashboard", &[session]).await.status(), 303);
}

#[tokio::test]
async fn a_callback_whose_verifier_the_browser_keeps_is_left_to_the_browser() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let callback = app.begin().await;
    let page = open(
        &app,
        &format!("/auth/callback/acme?code=c&state={}", callback.state),
        std::slice::from_ref(&callback.binding_cookie),
    )
    .await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Signing you in"));
    // Untouched: the browser finishes it with its verifier.
    provider.answer_valid_sign_in(&callback.nonce).await;
    assert_eq!(app.finish(&callback).await.status, 200);
}

#[tokio::test]
async fn a_refused_callback_shows_why_and_signs_no_one_in() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let (authorization, binding) = start(&app, &[("provider", "acme")], &[]).await;
    provider
        .answer_valid_sign_in(&param(&authorization, "nonce"))
        .await;

    let forged = open(
        &app,
        "/auth/callback/acme?code=c&state=forged",
        std::slice::from_ref(&binding),
    )
    .await;
    assert_eq!(forged.status(), 400);
    assert!(cookie(&forged, "__Host-session").is_none());
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("This sign-in link is not valid here")
    );
    // Single use: the right state now finds no transaction.
    let callback = format!(
        "/auth/callback/acme?code=c&state={}",
        param(&authorization, "state")
    );
    let replayed = open(&app, &callback, &[binding]).await;
    assert_ne!(replayed.status(), 303);
    assert!(cookie(&replayed, "__Host-session").is_none());
    assert_eq!(provider.calls_to("/token").await, 0);
}

#[tokio::test]
async fn a_form_that_cannot_go_to_the_provider_lands_on_the_sign_in_page_with_the_reason() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let unknown = submit(&app, "/api/start_sign_in", &[("provider", "nobody")], &[]).await;
    assert_eq!(unknown.status(), 303);
    let page = location(&unknown);
    assert_eq!(page, "/?sign_in_error=unknown-provider&provider=nobody");
    let html = open(&app, &page, &[]).await.text().await.unwrap();
    assert!(
        html.contains("That sign-in option is not available here."),
        "{html}"
    );

    let not_signed_in = submit(&app, "/api/start_connect", &[("provider", "acme")], &[]).await;
    assert_eq!(
        location(&not_signed_in),
        "/?sign_in_error=sign-in-required&provider=acme"
    );
}

#[tokio::test]
async fn a_plain_form_connects_another_provider() {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]).await;
    let session = app.sign_in(&acme, "acme", FIREFOX).await;

    let started = submit(
        &app,
        "/api/start_connect",
        &[("provider", "beta")],
        std::slice::from_ref(&session),
    )
    .await;
    assert_eq!(started.status(), 303);
    let authorization = Url::parse(&location(&started)).unwrap();
    assert!(authorization.as_str().starts_with(&beta.issuer()));
    let binding = cookie(&started, "__Host-sign-in").unwrap();
    beta.answer_valid_sign_in(&param(&authorization, "nonce")).await;
    let callback = format!(
        "/auth/callback/beta?code=c&state={}",
        param(&authorization, "state")
    );
    let finished = open(&app, &callback, &[binding, session.clone()]).await;
    assert_eq!(finished.status(), 303);
    assert_eq!(location(&finished), "/account");
    assert!(
        cookie(&finished, "__Host-session").is_none(),
        "the session stays as it was"
    );

    let account = app.call("load_account", &[], &[session]).await;
    assert_eq!(account.body["connected"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn plain_forms_from_another_site_are_refused() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let response = app
        .http
        .post(format!("{}/api/start_sign_in", app.origin))
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, "http://evil.example")
        .form(&[("provider", "acme")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(cookie(&response, "__Host-sign-in").is_none());
}

#[tokio::test]
async fn a_refused_account_form_comes_back_to_the_account_page_saying_why() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let session = app.sign_in(&provider, "acme", FIREFOX).await;
    let only = app
        .call("load_account", &[], std::slice::from_ref(&session))
        .await
        .body["connected"][0]["id"]
        .to_string();

    let refused = submit(
        &app,
        "/api/disconnect",
        &[("identity", &only)],
        std::slice::from_ref(&session),
    )
    .await;
    assert_eq!(refused.status(), 303);
    let page = location(&refused);
    assert_eq!(page, "/account?account_error=last-identity");
    let html = open(&app, &page, &[session]).await.text().await.unwrap();
    assert!(html.contains("This is the only way you can sign in"), "{html}");
}

/// The nonce a page's policy names, and the page with every use of it replaced by `NONCE`.
async fn page_and_nonce(response: Response) -> (String, String) {
    let nonce = support::policy_nonce(&response);
    let html = response.text().await.unwrap();
    (html.replace(&nonce, "NONCE"), nonce)
}

#[tokio::test]
async fn the_signed_out_sign_in_page_is_the_same_page_with_a_fresh_nonce_each_time() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let (first, first_nonce) = page_and_nonce(open(&app, "/", &[]).await).await;
    let (second, second_nonce) = page_and_nonce(open(&app, "/", &[]).await).await;
    assert_ne!(first_nonce, second_nonce);
    assert_eq!(first, second);
    assert!(
        second.contains("<script type=\"module\" nonce=\"NONCE\">"),
        "{second}"
    );
    assert!(second.contains("acme"), "{second}");
    // Compressed for a browser that accepts it, as every page is.
    let compressed = app
        .http
        .get(format!("{}/", app.origin))
        .header(header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()[header::CONTENT_ENCODING], "br");
    assert!(compressed.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    assert_eq!(compressed.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    // A query, or a session, is rendered for its request.
    let html = open(&app, "/?sign_in_error=unknown-provider&provider=nobody", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("That sign-in option is not available here."),
        "{html}"
    );
    let session = app.sign_in(&provider, "acme", FIREFOX).await;
    let (signed_in, _) = page_and_nonce(open(&app, "/", &[session]).await).await;
    assert!(signed_in.contains("Sign out"), "{signed_in}");
    let (after, _) = page_and_nonce(open(&app, "/", &[]).await).await;
    assert_eq!(after, first);
}
