//! After a full sign-in, nothing secret is in the logs (F4), even at debug level.

mod support;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use support::{StandInProvider, TestApp, provider::CLIENT_SECRET};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_sign_in_logs_no_code_token_verifier_or_secret() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let provider = StandInProvider::start().await;
    let app = TestApp::spawn(&provider.issuer()).await;
    let callback = app.begin().await;
    let id_token = provider.sign(&provider.valid_id_token(&callback.nonce));
    provider.answer_token_request_with(id_token.clone()).await;
    provider
        .answer_userinfo_with(serde_json::json!({ "sub": support::provider::SUBJECT }))
        .await;
    let code = "log-check-authorization-code";
    let reply = app
        .complete(&callback, &format!("code={code}&state={}", callback.state))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let session = reply.cookie("__Host-session").unwrap();

    // Facebook sends the secret and the code in a GET query: the URL must not be logged either.
    let facebook = MockServer::start().await;
    let base = facebook.uri();
    let facebook_app = TestApp::spawn_from_config(&format!(
        r#"
        [[provider]]
        preset = "facebook"
        client_id = "fb"
        client_secret = "{CLIENT_SECRET}"
        token_url = "{base}/token"
        userinfo_url = "{base}/me"
        "#
    ))
    .await;
    Mock::given(path("/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "fb-access-token"})),
        )
        .mount(&facebook)
        .await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "10158"})))
        .mount(&facebook)
        .await;
    let facebook_callback = facebook_app.begin_with("facebook", None).await;
    let facebook_code = "facebook-authorization-code";
    let reply = facebook_app
        .complete(
            &facebook_callback,
            &format!("code={facebook_code}&state={}", facebook_callback.state),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Nor when the request fails: its error names no URL, whose query holds them. Nothing
    // listens on the port of a listener just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable_app = TestApp::spawn_from_config(&format!(
        r#"
        [[provider]]
        preset = "facebook"
        client_id = "fb"
        client_secret = "{CLIENT_SECRET}"
        token_url = "http://{closed}/token"
        userinfo_url = "{base}/me"
        "#
    ))
    .await;
    let failing_callback = unreachable_app.begin_with("facebook", None).await;
    let failing_code = "facebook-code-of-a-failed-request";
    let reply = unreachable_app
        .complete(
            &failing_callback,
            &format!("code={failing_code}&state={}", failing_callback.state),
        )
        .await;
    assert_ne!(reply.status, 200, "{}", reply.body);

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("Connection refused"), "the failure is logged: {text}");
    assert!(text.contains("signed in"), "the capture works: {text}");
    let id_token_signature = id_token.rsplit('.').next().unwrap();
    for (what, secret) in [
        ("authorization code", code),
        ("PKCE verifier", callback.verifier.as_str()),
        ("state", callback.state.as_str()),
        ("nonce", callback.nonce.as_str()),
        ("access token", "stand-in-access-token"),
        ("refresh token", "stand-in-refresh-token"),
        ("ID token", id_token_signature),
        ("client secret", CLIENT_SECRET),
        ("session id", session.as_str()),
        ("Facebook authorization code", facebook_code),
        ("Facebook access token", "fb-access-token"),
        ("code of the failed request", failing_code),
    ] {
        assert!(!text.contains(secret), "the logs contain the {what}");
    }
}
