//! What operators rely on: health and readiness endpoints, the client address behind trusted
//! reverse proxies (and only behind them), and request ids.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{StandInProvider, TestApp, app::CHALLENGE, app::auth_config};

async fn begin_from(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    app.call_with_headers(
        "begin_sign_in",
        &[("provider", "acme"), ("code_challenge", CHALLENGE)],
        &[],
        Some(&app.origin),
        headers,
    )
    .await
    .status
}

/// An app with one stand-in provider, "acme", and these settings.
async fn app_with(settings: &[(&str, &str)]) -> (TestApp, StandInProvider) {
    let provider = StandInProvider::start().await;
    let app = TestApp::spawn_with_settings(&auth_config(&[("acme", &provider.issuer())]), settings).await;
    (app, provider)
}

#[tokio::test]
async fn healthz_answers_and_readyz_reports_the_database_and_each_provider() {
    let provider = StandInProvider::start().await;
    // A provider whose discovery document is missing.
    let broken = wiremock::MockServer::start().await;
    let config = auth_config(&[("acme", &provider.issuer()), ("broken", &broken.uri())]);
    let app = TestApp::spawn_from_config(&config).await;

    assert_eq!(app.get("/healthz", &[]).await, (200, "ok\n".to_owned()));

    // Discovery runs in the background from the start; wait for both outcomes.
    let deadline = Instant::now() + Duration::from_secs(10);
    let report = loop {
        let (status, body) = app.get("/readyz", &[]).await;
        assert_eq!(status, 200, "{body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        let statuses: Vec<&str> = report["providers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["status"].as_str().unwrap())
            .collect();
        if statuses == ["ready", "failing"] {
            break report;
        }
        assert!(Instant::now() < deadline, "{report}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(report["ready"], json!(true));
    assert_eq!(report["database"], json!("reachable"));
    assert_eq!(report["providers"][0], json!({ "id": "acme", "status": "ready" }));
    assert_eq!(report["providers"][1]["id"], json!("broken"));
    assert!(
        report["providers"][1]["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
}

#[tokio::test]
async fn health_and_readiness_are_not_rate_limited() {
    let (app, _provider) = app_with(&[("SIGN_IN_RATE_BURST", "1")]).await;
    assert_eq!(begin_from(&app, &[]).await, 200);
    assert_eq!(begin_from(&app, &[]).await, 429);
    for _ in 0..5 {
        assert_eq!(app.get("/healthz", &[]).await.0, 200);
        assert_eq!(app.get("/readyz", &[]).await.0, 200);
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let (app, _provider) = app_with(&[("SIGN_IN_RATE_BURST", "2"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let visitor_a = [("x-forwarded-for", "198.51.100.7")];
    // What a client wrote itself is left of what the proxy appended, and is not believed.
    let visitor_b = [("x-forwarded-for", "198.51.100.7, 203.0.113.20")];
    assert_eq!(begin_from(&app, &visitor_a).await, 200);
    assert_eq!(begin_from(&app, &visitor_a).await, 200);
    assert_eq!(begin_from(&app, &visitor_a).await, 429);
    assert_eq!(begin_from(&app, &visitor_b).await, 200);
    assert_eq!(begin_from(&app, &visitor_b).await, 200);
    assert_eq!(begin_from(&app, &visitor_b).await, 429);
}

#[tokio::test]
async fn a_forged_forwarded_address_from_an_untrusted_peer_changes_nothing() {
    // A proxy is trusted, but not the address these requests come from.
    let (app, _provider) = app_with(&[("SIGN_IN_RATE_BURST", "2"), ("TRUSTED_PROXIES", "10.0.0.0/8")]).await;
    assert_eq!(
        begin_from(&app, &[("x-forwarded-for", "198.51.100.1")]).await,
        200
    );
    assert_eq!(
        begin_from(&app, &[("x-forwarded-for", "198.51.100.2")]).await,
        200
    );
    assert_eq!(
        begin_from(&app, &[("x-forwarded-for", "198.51.100.3")]).await,
        429
    );
    assert_eq!(begin_from(&app, &[("forwarded", "for=198.51.100.4")]).await, 429);
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_plain_upstream_id_is_kept() {
    let (app, _provider) = support::app_and_provider().await;
    let client = &app.http;
    let fresh = client
        .get(format!("{}/healthz", app.origin))
        .send()
        .await
        .unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 24, "{id}");
    let kept = client
        .get(format!("{}/", app.origin))
        .header("x-request-id", "edge-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "edge-7f3a");
    let replaced = client
        .get(format!("{}/", app.origin))
        .header("x-request-id", "two words")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "two words");
}

#[tokio::test]
async fn json_logs_carry_the_request_id_of_the_request_they_were_written_in() {
    let provider = StandInProvider::start().await;
    let (app, server, data) = TestApp::start_process(&provider, &[("LOG_FORMAT", "json")]).await;
    // A callback without its binding cookie is refused, and the refusal is logged.
    let reply = app
        .call_with_headers(
            "complete_sign_in",
            &[
                ("provider", "acme"),
                ("callback_query", "code=c&state=s"),
                ("code_verifier", "v"),
            ],
            &[],
            Some(&app.origin),
            &[("x-request-id", "trace-me-7")],
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    drop(server);

    let log = std::fs::read_to_string(
        data.path()
            .read_dir()
            .unwrap()
            .find_map(|entry| {
                let path = entry.unwrap().path();
                path.extension().is_some_and(|e| e == "log").then_some(path)
            })
            .unwrap(),
    )
    .unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let refusal = lines
        .iter()
        .find(|line| line["fields"]["message"] == "sign-in refused")
        .unwrap_or_else(|| panic!("no refusal logged: {log}"));
    assert_eq!(refusal["span"]["request_id"], "trace-me-7", "{refusal}");
    assert_eq!(refusal["span"]["path"], "/api/complete_sign_in", "{refusal}");
    assert_eq!(refusal["span"]["client"], "127.0.0.1", "{refusal}");
}
