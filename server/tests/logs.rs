//! After a full sign-in, nothing secret is in the logs (F4), even at debug level.

mod support;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use support::{StandInProvider, TestApp, provider::CLIENT_SECRET};

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

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("signed in"), "the capture works: {text}");
    let id_token_signature = id_token.rsplit('.').next().unwrap();
    for (what, secret) in [
        ("authorization code", code),
        ("PKCE verifier", callback.verifier.as_str()),
        ("state", callback.state.as_str()),
        ("nonce", callback.nonce.as_str()),
        ("access token", "stand-in-access-token"),
        ("ID token", id_token_signature),
        ("client secret", CLIENT_SECRET),
        ("session id", session.as_str()),
    ] {
        assert!(!text.contains(secret), "the logs contain the {what}");
    }
}
