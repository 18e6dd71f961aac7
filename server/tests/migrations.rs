//! The schema changes through migrations that keep what people have: a database made with the
//! schema of before accounts (migrations up to 0003) and filled in is opened by today's server,
//! and its users, identities, sessions and sign-ins under way are all still there and work.

mod support;

use sqlx::{AnyPool, Row, migrate::Migrator};

use server::domain::SessionId;
use support::{StandInProvider, TestApp, app::auth_config, database::TestDatabase, provider::SUBJECT};

/// The last migration of the schema before accounts.
const BEFORE_ACCOUNTS: &str = "0004";
const SESSION_TOKEN: &str = "S3ss10nT0kenFromBeforeAccounts-0123456789ab";
const NOW: i64 = 1_900_000_000;

#[tokio::test]
async fn a_database_from_before_accounts_keeps_its_users_identities_and_sessions() {
    let provider = StandInProvider::start().await;
    let database = TestDatabase::fresh().await;
    let pool = old_schema(&database).await;

    let user_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (display_name, email, avatar_url, created_at, updated_at)
         VALUES ('Ada Lovelace', 'ada@example.com', 'https://avatars.example/ada.png', $1, $1) RETURNING id",
    )
    .bind(NOW - 3600)
    .fetch_one(&pool)
    .await
    .unwrap();
    let identity_id: i64 = sqlx::query_scalar(
        "INSERT INTO identities (user_id, provider_id, issuer, subject, username, email, created_at, last_sign_in_at)
         VALUES ($1, 'acme', $2, $3, 'ada', 'ada@example.com', $4, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(provider.issuer())
    .bind(SUBJECT)
    .bind(NOW - 3600)
    .fetch_one(&pool)
    .await
    .unwrap();
    let session = SessionId::from_untrusted(SESSION_TOKEN).unwrap();
    let seconds_ago = chrono::Utc::now().timestamp() - 60;
    sqlx::query(
        "INSERT INTO sessions (id_digest, user_id, identity_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(session.digest())
    .bind(user_id)
    .bind(identity_id)
    .bind(seconds_ago)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sign_in_transactions (id_digest, provider_id, issuer, state, code_challenge, return_to, created_at)
         VALUES ('a-digest', 'acme', $1, 'a-state', 'a-challenge', '/', $2)",
    )
    .bind(provider.issuer())
    .bind(seconds_ago)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let app = TestApp::spawn_on(database, &auth_config(&[("acme", &provider.issuer())]), &[]).await;

    // The session from before still opens the account, now with the account page's view.
    let cookie = format!("__Host-session={SESSION_TOKEN}");
    let account = app.call("load_account", &[], std::slice::from_ref(&cookie)).await;
    assert_eq!(account.status, 200, "{}", account.body);
    assert_eq!(account.body["profile"]["display_name"], "Ada Lovelace");
    assert_eq!(account.body["profile"]["email"], "ada@example.com");
    assert_eq!(account.body["connected"][0]["provider_id"], "acme");
    assert_eq!(account.body["connected"][0]["label"], "ada");
    assert_eq!(account.body["sessions"][0]["browser"], "Unknown browser");
    assert_eq!(account.body["sessions"][0]["current"], true);

    let pool = app.database.pool().await;
    let transaction = sqlx::query("SELECT state, link_session FROM sign_in_transactions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(transaction.get::<String, _>("state"), "a-state");
    assert_eq!(transaction.get::<Option<String>, _>("link_session"), None);

    // Signing in again with the old identity opens the same account.
    let again = app.sign_in(&provider, "acme", "curl/8.5").await;
    let reopened = app.call("load_account", &[], &[again]).await;
    assert_eq!(reopened.body["connected"].as_array().unwrap().len(), 1);
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 1);
    assert_eq!(reopened.body["sessions"].as_array().unwrap().len(), 2);
}

/// `database` as the migrations before accounts left it: they are copied unchanged (same
/// names, same checksums) to a folder of their own and applied.
async fn old_schema(database: &TestDatabase) -> AnyPool {
    let engine = if database.is_sqlite() { "sqlite" } else { "postgres" };
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&all).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().as_ref() < BEFORE_ACCOUNTS {
            std::fs::copy(entry.path(), old.path().join(entry.file_name())).unwrap();
        }
    }
    sqlx::any::install_default_drivers();
    let url = if database.is_sqlite() {
        format!("{}?mode=rwc", database.url)
    } else {
        database.url.clone()
    };
    let pool = AnyPool::connect(&url).await.unwrap();
    Migrator::new(old.path()).await.unwrap().run(&pool).await.unwrap();
    let browser_column = sqlx::query("SELECT browser FROM sessions").fetch_all(&pool).await;
    assert!(browser_column.is_err(), "the schema before accounts has no browser column");
    pool
}
