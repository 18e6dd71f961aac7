//! Prometheus metrics, on their own address when one is set: sign-ins by provider and
//! outcome, provider call latency, and active sessions. (One test binary: the metrics
//! recorder is global to a process.)

mod support;

use std::time::{Duration, Instant};

use support::{StandInProvider, TestApp, app::auth_config};

#[tokio::test]
async fn metrics_count_sign_ins_provider_calls_and_active_sessions_on_their_own_address() {
    let provider = StandInProvider::start().await;
    let metrics_address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = TestApp::spawn_with_settings(
        &auth_config(&[("acme", &provider.issuer())]),
        &[
            ("METRICS_ADDR", &metrics_address.to_string()),
            ("METRICS_REFRESH_SECS", "1"),
        ],
    )
    .await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    assert_eq!(app.finish(&callback).await.status, 200);
    // The same callback again is refused: a failed sign-in.
    assert_ne!(app.finish(&callback).await.status, 200);

    let scrape = || async {
        reqwest::get(format!("http://{metrics_address}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let metrics = scrape().await;
        if metrics.lines().any(|line| line == "active_sessions 1") {
            break metrics;
        }
        assert!(Instant::now() < deadline, "{metrics}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        metrics.contains(r#"sign_ins_total{provider="acme",outcome="signed-in"} 1"#),
        "{metrics}"
    );
    let failures = metrics
        .lines()
        .filter(|line| line.starts_with(r#"sign_ins_total{provider="acme",outcome=""#))
        .filter(|line| !line.contains("signed-in"))
        .count();
    assert_eq!(failures, 1, "{metrics}");
    assert!(
        metrics.contains(r#"provider_request_duration_seconds_count{host="127.0.0.1"}"#),
        "{metrics}"
    );
    // The public address does not serve them.
    let (_, public) = app.get("/metrics", &[]).await;
    assert!(!public.contains("sign_ins_total"));
}
