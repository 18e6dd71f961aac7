//! SIGTERM lets a sign-in in flight finish: the server stops taking connections, answers the
//! requests it has, and exits cleanly.

mod support;

use std::{sync::Arc, time::Duration};

use support::{StandInProvider, TestApp};

/// Long enough that the signal surely lands while the provider is still answering.
const PROVIDER_DELAY: Duration = Duration::from_millis(1500);

#[tokio::test]
async fn sigterm_lets_a_sign_in_in_flight_finish_and_then_exits() {
    let provider = StandInProvider::start().await;
    let (app, mut server, _data) = TestApp::start_process(&provider, &[]).await;
    let app = Arc::new(app);

    let callback = app.begin().await;
    provider
        .answer_valid_sign_in_after(&callback.nonce, PROVIDER_DELAY)
        .await;
    let completing = {
        let app = app.clone();
        let callback_query = format!("code=c&state={}", callback.state);
        tokio::spawn(async move { app.complete(&callback, &callback_query).await })
    };
    // The server is now waiting for the provider's token response.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while provider.calls_to("/token").await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the token request never came"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.terminate().unwrap();

    let reply = completing.await.unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.session().is_some(), "the sign-in in flight got its session");
    let status = server.wait_for_exit(Duration::from_secs(20)).await.unwrap();
    assert!(status.success(), "exited with {status}");

    let pool = app.database.pool().await;
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1);
}
