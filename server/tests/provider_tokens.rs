//! What a provider grants with a sign-in is kept with the identity, sealed with `TOKEN_KEYS` and
//! bound to that identity: no token text reaches the database, a sealed value copied into
//! another identity's row does not open, and a malformed key list stops the server at start.

mod support;

use secrecy::ExposeSecret;
use server::tokens::{TokenKeys, keys::OpenError};
use sqlx::Row;
use support::{
    StandInProvider, TestApp,
    app::TOKEN_KEYS,
    provider::{SUBJECT, corrupt_signature},
};

const ACCESS_TOKEN: &str = "stand-in-access-token";
const REFRESH_TOKEN: &str = "stand-in-refresh-token";

struct StoredIdentity {
    issuer: String,
    tokens: Option<String>,
    tokens_expire_at: Option<i64>,
}

async fn stored_identities(app: &TestApp) -> Vec<StoredIdentity> {
    let pool = app.database.pool().await;
    sqlx::query("SELECT issuer, tokens, tokens_expire_at FROM identities ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|row| StoredIdentity {
            issuer: row.get("issuer"),
            tokens: row.get("tokens"),
            tokens_expire_at: row.get("tokens_expire_at"),
        })
        .collect()
}

#[tokio::test]
async fn a_sign_in_keeps_what_the_provider_granted_sealed_for_its_identity() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let (_, id_token) = app.sign_in_with_id_token(&provider, "acme").await;

    let [stored] = &stored_identities(&app).await[..] else {
        panic!("one identity")
    };
    let sealed = stored.tokens.as_deref().expect("the tokens are kept");
    let tokens = TokenKeys::parse(TOKEN_KEYS)
        .unwrap()
        .open(&stored.issuer, SUBJECT, sealed)
        .unwrap();
    assert_eq!(tokens.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(tokens.refresh_token.unwrap().expose_secret(), REFRESH_TOKEN);
    assert_eq!(tokens.id_token.unwrap().expose_secret(), id_token);
    // The stand-in grants an hour; the expiry is also kept in clear for refreshes to find.
    let expires_at = tokens.expires_at.expect("an expiry");
    let in_an_hour = server::domain::now() + 3600;
    assert!(
        (in_an_hour - 60..=in_an_hour).contains(&expires_at),
        "{expires_at}"
    );
    assert_eq!(stored.tokens_expire_at, Some(expires_at));

    // A later sign-in replaces the grant.
    app.sign_in_with_id_token(&provider, "acme").await;
    let [again] = &stored_identities(&app).await[..] else {
        panic!("still one identity")
    };
    assert_ne!(again.tokens.as_deref(), Some(sealed));
}

#[tokio::test]
async fn no_token_text_is_in_the_database() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let (_, id_token) = app.sign_in_with_id_token(&provider, "acme").await;
    // An ID token's signature is unique to it; its header and claims are not secret.
    let id_token_signature = id_token.rsplit('.').next().unwrap().to_owned();
    let secrets = [ACCESS_TOKEN, REFRESH_TOKEN, id_token_signature.as_str()];

    support::database::assert_holds_none(&app.database, &secrets).await;
}

#[tokio::test]
async fn sealed_tokens_copied_into_another_identitys_row_do_not_open() {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]).await;
    app.sign_in_with_id_token(&acme, "acme").await;
    app.sign_in_with_id_token(&beta, "beta").await;
    let stored = stored_identities(&app).await;
    let (acme_row, beta_row) = (&stored[0], &stored[1]);
    let keys = TokenKeys::parse(TOKEN_KEYS).unwrap();
    let acme_sealed = acme_row.tokens.as_deref().unwrap();
    assert!(keys.open(&acme_row.issuer, SUBJECT, acme_sealed).is_ok());

    // Beta's row, holding acme's sealed tokens: they do not open as beta's.
    let pool = app.database.pool().await;
    sqlx::query("UPDATE identities SET tokens = $1 WHERE issuer = $2")
        .bind(acme_sealed)
        .bind(&beta_row.issuer)
        .execute(&pool)
        .await
        .unwrap();
    let moved = stored_identities(&app).await.remove(1);
    assert_eq!(
        keys.open(&moved.issuer, SUBJECT, moved.tokens.as_deref().unwrap())
            .err(),
        Some(OpenError::Refused)
    );
}

#[tokio::test]
async fn without_token_keys_sign_in_works_and_keeps_no_token() {
    let provider = StandInProvider::start().await;
    let config = support::app::auth_config(&[("acme", &provider.issuer())]);
    let app = TestApp::spawn_with_settings(&config, &[("TOKEN_KEYS", "")]).await;
    app.sign_in_with_id_token(&provider, "acme").await;
    let [stored] = &stored_identities(&app).await[..] else {
        panic!("one identity")
    };
    assert_eq!(stored.tokens, None);
    assert_eq!(stored.tokens_expire_at, None);
}

#[tokio::test]
async fn a_refused_sign_in_keeps_nothing() {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let callback = app.begin().await;
    let forged = corrupt_signature(&provider.sign(&provider.valid_id_token(&callback.nonce)));
    provider.answer_token_request_with(forged).await;
    let reply = app.finish(&callback).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(stored_identities(&app).await.is_empty());
}

#[tokio::test]
async fn disconnecting_an_identity_revokes_its_grant_at_the_provider() {
    let acme = StandInProvider::start().await;
    let beta = StandInProvider::start().await;
    let app = TestApp::spawn_with(&[("acme", &acme.issuer()), ("beta", &beta.issuer())]).await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/revoke"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&acme.server)
        .await;
    let session = app.sign_in(&acme, "acme", "curl/8.5").await;
    let callback = app.begin_connect("beta", &session).await;
    beta.answer_valid_sign_in(&callback.nonce).await;
    let reply = app
        .finish_in(&callback, std::slice::from_ref(&session), "curl/8.5")
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let acme_identity = app.identity_id("acme", &session).await;

    let reply = app
        .call("disconnect", &[("identity", &acme_identity)], &[session])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Revoked in the background.
    let revocation = support::eventually("the revocation", || acme.last_call_to("/revoke")).await;
    let form = String::from_utf8(revocation.body.clone()).unwrap();
    assert!(form.contains(&format!("token={REFRESH_TOKEN}")), "{form}");
    assert!(form.contains("token_type_hint=refresh_token"), "{form}");
    let auth = revocation.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(auth.starts_with("Basic "), "{auth}");
    // The other provider's grant is untouched.
    assert!(beta.last_call_to("/revoke").await.is_none());
}
