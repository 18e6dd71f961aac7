//! The server deletes expired sign-in transactions and sessions, and audit events older than
//! `AUDIT_RETENTION_DAYS` (90 by default), on its own, and nothing else.

mod support;

use std::time::{Duration, Instant};

use support::{StandInProvider, TestApp};

async fn count(pool: &sqlx::AnyPool, query: &str) -> i64 {
    sqlx::query_scalar(query).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn expired_transactions_and_sessions_are_deleted_by_the_server_on_its_own() {
    let provider = StandInProvider::start().await;
    let config = format!(
        "[[provider]]\nid = \"acme\"\nname = \"Acme ID\"\nissuer = \"{}\"\n\
         client_id = \"{}\"\nclient_secret = \"{}\"\n",
        provider.issuer(),
        support::provider::CLIENT_ID,
        support::provider::CLIENT_SECRET
    );
    let app = TestApp::spawn_with_settings(&config, &[("CLEANUP_INTERVAL_SECS", "1")]).await;
    let callback = app.begin().await;
    provider.answer_valid_sign_in(&callback.nonce).await;
    let live_session = app.finish(&callback).await.session().unwrap();
    let pending = app.begin().await;

    // Beside the live session and the pending sign-in: more expired rows than one batch
    // deletes, of each kind of expiry.
    let pool = app.database.pool().await;
    let now = chrono::Utc::now().timestamp();
    let (user_id, identity_id): (i64, i64) = sqlx::query_as("SELECT user_id, identity_id FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    for i in 0..1200 {
        let (created, last_seen) = match i % 3 {
            0 => (now - 15 * 24 * 3600, now - 60), // older than the absolute limit
            1 => (now - 4 * 24 * 3600, now - 4 * 24 * 3600), // idle too long
            _ => (now - 3600, now - 3 * 24 * 3600 - 1), // idle just over the limit
        };
        sqlx::query(
            "INSERT INTO sessions (id_digest, user_id, identity_id, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(format!("expired-session-{i}"))
        .bind(user_id)
        .bind(identity_id)
        .bind(created)
        .bind(last_seen)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO sign_in_transactions (id_digest, provider_id, issuer, state, code_challenge,
               return_to, created_at) VALUES ($1, 'acme', 'x', 's', 'c', '/', $2)",
        )
        .bind(format!("expired-transaction-{i}"))
        .bind(now - 601 - i)
        .execute(&pool)
        .await
        .unwrap();
    }

    // Audit events past the default 90 days, and one just within them.
    for (i, age_days) in [91, 200, 400, 89].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO sign_in_events (at, provider_id, user_id, outcome, browser, network)
             VALUES ($1, 'acme', $2, 'signed-in', 'Firefox on Linux', $3)",
        )
        .bind(now - age_days * 24 * 3600)
        .bind(user_id)
        .bind(format!("198.51.{i}.0/24"))
        .execute(&pool)
        .await
        .unwrap();
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sessions = count(&pool, "SELECT COUNT(*) FROM sessions").await;
        let transactions = count(&pool, "SELECT COUNT(*) FROM sign_in_transactions").await;
        let events = count(&pool, "SELECT COUNT(*) FROM sign_in_events").await;
        if sessions == 1 && transactions == 1 && events == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {sessions} sessions, {transactions} transactions and {events} audit events"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kept: String = sqlx::query_scalar("SELECT network FROM sign_in_events WHERE network LIKE '198.51.%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, "198.51.3.0/24", "the event within 90 days stays");
    pool.close().await;

    // What was left is what still works.
    let (_, html) = app.get("/", &[format!("__Host-session={live_session}")]).await;
    assert!(html.contains("Sign out"), "the live session was deleted");
    provider.answer_valid_sign_in(&pending.nonce).await;
    assert_eq!(app.finish(&pending).await.status, 200);
}
