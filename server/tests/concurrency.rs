//! Sign-ins at the same moment: every one succeeds, and users, identities and sessions add up
//! exactly afterwards. Each sign-in is a full one (begin, the provider's redirect, complete)
//! against a real OpenID provider on loopback, from a loopback address of its own.

mod support;

use std::sync::Arc;

use bench::{
    load::{self, Population, Tally},
    provider::FastProvider,
    sign_in::{SignInDriver, client_from, loopback_source},
};
use support::TestApp;

const PROVIDER: &str = "load";

async fn count(pool: &sqlx::AnyPool, query: &str) -> i64 {
    sqlx::query_scalar(query).fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_at_the_same_moment_all_succeed_and_add_up() {
    let provider = FastProvider::start().await.unwrap();
    let app = TestApp::spawn_from_config(&provider.auth_config(PROVIDER)).await;
    let driver = SignInDriver {
        app_origin: app.origin.clone(),
        provider_id: PROVIDER.into(),
    };

    // 256 new people at once, then 256 sign-ins by 64 of them again, 64 at a time.
    let newcomers = Arc::new(Tally::default());
    load::closed_loop(&driver, Population::new_people(0), 256, 256, &newcomers).await;
    let returning = Arc::new(Tally::default());
    let population = Population {
        first: 0,
        returning: Some(64),
    };
    load::closed_loop(&driver, population, 256, 64, &returning).await;

    for (run, tally) in [("new people", &newcomers), ("returning people", &returning)] {
        let summary = tally.summary();
        assert_eq!(summary.failed, 0, "{run}: {:?}", summary.failures);
        assert_eq!(summary.completed, 256, "{run}");
    }
    let pool = app.database.pool().await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users").await, 256);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM identities").await, 256);
    assert_eq!(
        count(&pool, "SELECT COUNT(DISTINCT user_id) FROM identities").await,
        256
    );
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sessions").await, 512);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sign_in_transactions").await, 0);
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM sign_in_events WHERE outcome = 'signed-in'"
        )
        .await,
        512
    );
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sign_in_events").await, 512);
    pool.close().await;

    // Every session opens the account of the person who made it.
    let client = client_from(loopback_source(100_000)).unwrap();
    for signed_in in newcomers.signed_in().iter().chain(&returning.signed_in()) {
        driver.check_session(&client, signed_in).await.unwrap();
    }
}
