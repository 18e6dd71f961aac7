//! Google's Cross-Account Protection: security event tokens pushed to
//! `/auth/security-events/google`, checked against the keys of a RISC configuration document
//! shaped as Google's (an issuer with a trailing slash, the keys at `jwks_uri`), and acted on.

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use super::{TestApp, support};

const SUBJECT: &str = support::provider::SUBJECT;

struct Google {
    provider: support::StandInProvider,
    app: TestApp,
}

/// An app with the google preset (and "acme", plain OpenID) at a stand-in that also publishes a
/// RISC configuration.
async fn start() -> Google {
    let provider = support::StandInProvider::start().await;
    let base = provider.issuer();
    Mock::given(method("GET"))
        .and(path("/.well-known/risc-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": format!("{base}/"),
            "jwks_uri": format!("{base}/jwks"),
            "delivery_methods_supported": ["https://schemas.openid.net/secevent/risc/delivery-method/push"],
            "configuration_endpoint": format!("{base}/v1beta/stream"),
            "verification_endpoint": format!("{base}/v1beta/stream:verify"),
        })))
        .mount(&provider.server)
        .await;
    let app = TestApp::spawn_from_config(&format!(
        "[[provider]]\npreset = \"google\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\nissuer = \"{base}\"\n\n{}",
        support::provider::CLIENT_ID,
        support::provider::CLIENT_SECRET,
        support::app::auth_config(&[("acme", &base)])
    ))
    .await;
    Google { provider, app }
}

impl Google {
    fn claims(&self, event: &str, details: Value, jti: &str) -> Value {
        let mut details = details;
        details["subject"] =
            json!({"subject_type": "iss-sub", "iss": format!("{}/", self.provider.issuer()), "sub": SUBJECT});
        json!({
            "iss": format!("{}/", self.provider.issuer()),
            "aud": support::provider::CLIENT_ID,
            "iat": chrono::Utc::now().timestamp(),
            "jti": jti,
            "events": { event: details },
        })
    }

    fn sign(&self, claims: &Value) -> String {
        self.provider.sign_jwt(
            &json!({"alg": "RS256", "kid": "test-key-1", "typ": "secevent+jwt"}),
            claims,
            0,
        )
    }

    /// A token of `event` (the last part of a RISC or OAuth event type) for the person.
    fn token(&self, event: &str, details: Value, jti: &str) -> String {
        let family = if event.starts_with("token") {
            "oauth"
        } else {
            "risc"
        };
        let uri = format!("https://schemas.openid.net/secevent/{family}/event-type/{event}");
        self.sign(&self.claims(&uri, details, jti))
    }

    async fn push_to(&self, provider_id: &str, token: &str) -> (u16, Value) {
        let response = self
            .app
            .http
            .post(format!("{}/auth/security-events/{provider_id}", self.app.origin))
            .header("content-type", "application/secevent+jwt")
            .header("accept", "application/json")
            .body(token.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn push(&self, token: &str) -> (u16, Value) {
        self.push_to("google", token).await
    }

    async fn signed_in(&self, session: &str) -> bool {
        let home = self.app.call("load_home", &[], &[session.to_owned()]).await;
        home.body["user"] != Value::Null
    }

    async fn history(&self, session: &str) -> Vec<String> {
        let account = self.app.call("load_account", &[], &[session.to_owned()]).await;
        assert_eq!(account.status, 200, "{}", account.body);
        account.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["event"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn forged_replayed_and_foreign_tokens_change_nothing() {
    let google = start().await;
    let session = google.app.sign_in(&google.provider, "google", "Firefox").await;
    let revoke = |jti: &str| google.token("sessions-revoked", json!({}), jti);

    let forged = support::provider::corrupt_signature(&revoke("forged"));
    assert_eq!(
        google.push(&forged).await,
        (
            400,
            json!({"err": "invalid_key", "description": "signature does not verify with the provider's keys"})
        )
    );
    let other_key = google.provider.sign_jwt(
        &json!({"alg": "RS256", "kid": "test-key-2"}),
        &google.claims(
            "https://schemas.openid.net/secevent/risc/event-type/sessions-revoked",
            json!({}),
            "k2",
        ),
        1,
    );
    assert_eq!(google.push(&other_key).await.1["err"], "invalid_key");
    let mut for_another = google.claims(
        "https://schemas.openid.net/secevent/risc/event-type/sessions-revoked",
        json!({}),
        "aud",
    );
    for_another["aud"] = json!("another-client.apps.googleusercontent.com");
    assert_eq!(
        google.push(&google.sign(&for_another)).await.1["err"],
        "invalid_audience"
    );
    // The OpenID issuer is not the RISC issuer (Google's has a trailing slash).
    let mut other_issuer = google.claims(
        "https://schemas.openid.net/secevent/risc/event-type/sessions-revoked",
        json!({}),
        "iss",
    );
    other_issuer["iss"] = json!(google.provider.issuer());
    assert_eq!(
        google.push(&google.sign(&other_issuer)).await.1["err"],
        "invalid_issuer"
    );
    let mut old = google.claims(
        "https://schemas.openid.net/secevent/risc/event-type/sessions-revoked",
        json!({}),
        "old",
    );
    old["iat"] = json!(chrono::Utc::now().timestamp() - 2 * 24 * 3600);
    assert_eq!(google.push(&google.sign(&old)).await.0, 400);
    let mut foreign_subject = google.claims(
        "https://schemas.openid.net/secevent/risc/event-type/sessions-revoked",
        json!({}),
        "sub",
    );
    foreign_subject["events"]["https://schemas.openid.net/secevent/risc/event-type/sessions-revoked"]["subject"]
        ["iss"] = json!("https://evil.example/");
    assert_eq!(google.push(&google.sign(&foreign_subject)).await.0, 400);
    assert_eq!(google.push("not a token").await.0, 400);
    assert_eq!(
        google.push_to("acme", &revoke("acme")).await.0,
        404,
        "acme is not Google"
    );
    assert!(
        google.signed_in(&session).await,
        "no refused token ended the session"
    );

    // A token once: Google's redelivery is accepted and changes nothing more.
    let once = revoke("once");
    assert_eq!(google.push(&once).await.0, 202);
    assert!(!google.signed_in(&session).await);
    let again = google.app.sign_in(&google.provider, "google", "Firefox").await;
    assert_eq!(google.push(&once).await.0, 202);
    assert!(
        google.signed_in(&again).await,
        "a redelivered token ends no new session"
    );
    let history = google.history(&again).await;
    assert_eq!(
        history.iter().filter(|e| e.starts_with("Sessions ended")).count(),
        1,
        "{history:?}"
    );

    // The stream's verification token is answered and acts on no one.
    assert_eq!(
        google
            .push(&google.token("verification", json!({"state": "check-1"}), "v"))
            .await
            .0,
        202
    );
    assert!(google.signed_in(&again).await);
}

#[tokio::test]
async fn a_hijacked_account_is_signed_out_and_refused_until_google_enables_it() {
    let google = start().await;
    let through_google = google.app.sign_in(&google.provider, "google", "Firefox").await;

    let (status, _) = google
        .push(&google.token("account-disabled", json!({"reason": "hijacking"}), "d1"))
        .await;
    assert_eq!(status, 202);
    assert!(!google.signed_in(&through_google).await);

    let callback = google.app.begin_with("google", None).await;
    google.provider.answer_valid_sign_in(&callback.nonce).await;
    let refused = google.app.finish(&callback).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.session().is_none());
    assert!(refused.body.to_string().contains("Suspended"), "{}", refused.body);

    assert_eq!(
        google
            .push(&google.token("account-enabled", json!({}), "e1"))
            .await
            .0,
        202
    );
    let session = google.app.sign_in(&google.provider, "google", "Firefox").await;
    let history = google.history(&session).await;
    for expected in [
        "The provider reported the account disabled; sign-in with it paused",
        "Sign-in refused: the provider reported the account disabled",
        "The provider reported the account enabled again",
    ] {
        assert!(
            history.iter().any(|e| e == expected),
            "{expected:?} not in {history:?}"
        );
    }

    // Bulk-account suspicion is written down, and nothing more.
    assert_eq!(
        google
            .push(&google.token("account-disabled", json!({"reason": "bulk-account"}), "d2"))
            .await
            .0,
        202
    );
    assert!(google.signed_in(&session).await);
}

#[tokio::test]
async fn revoked_access_drops_the_grant_and_a_purged_account_is_erased() {
    let google = start().await;
    let session = google.app.sign_in(&google.provider, "google", "Firefox").await;
    let pool = google.app.database.pool().await;
    assert_eq!(
        support::database::count(&pool, "identities WHERE tokens IS NOT NULL").await,
        1
    );

    assert_eq!(
        google
            .push(&google.token("tokens-revoked", json!({}), "t1"))
            .await
            .0,
        202
    );
    assert!(!google.signed_in(&session).await);
    assert_eq!(
        support::database::count(&pool, "identities WHERE tokens IS NOT NULL").await,
        0
    );
    assert_eq!(
        support::database::count(&pool, "identities").await,
        1,
        "the identity stays"
    );

    google.app.sign_in(&google.provider, "google", "Firefox").await;
    assert_eq!(
        google
            .push(&google.token("account-purged", json!({}), "p1"))
            .await
            .0,
        202
    );
    assert_eq!(support::database::count(&pool, "identities").await, 0);
    assert_eq!(support::database::count(&pool, "users").await, 0);
    support::database::assert_holds_none(&google.app.database, &[SUBJECT]).await;
}
