//! Crash safety: the server binary is killed with SIGKILL while it carries sign-ins. Started
//! again on the same database, every sign-in that had been answered with 200 still has a
//! working session, no row lost its parent, and an SQLite file passes its integrity check.

mod support;

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use bench::{
    load::{self, Population, Tally},
    provider::FastProvider,
    server_process::{ServerProcess, ServerSetup},
    sign_in::{SignInDriver, client_from, loopback_source},
};

const PROVIDER: &str = "load";
/// Sign-ins answered before the kill; enough that the kill lands among busy writes.
const ANSWERED_BEFORE_KILL: u64 = 120;
const CLIENTS: u32 = 32;

fn driver(server: &ServerProcess) -> SignInDriver {
    SignInDriver {
        app_origin: server.origin.clone(),
        provider_id: PROVIDER.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_answered_before_a_kill_survive_it_and_the_database_stays_sound() {
    let provider = FastProvider::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let database = support::database::TestDatabase::fresh().await;
    let config = provider.auth_config(PROVIDER);
    let setup = ServerSetup {
        binary: Path::new(env!("CARGO_BIN_EXE_server")),
        data_dir: data.path(),
        auth_config: &config,
        site_root: None,
        extra_env: &[("DATABASE_URL", &database.url)],
    };
    let server = ServerProcess::start(&setup).await.unwrap();

    let tally = Arc::new(Tally::default());
    let load = {
        let (driver, tally) = (driver(&server), tally.clone());
        tokio::spawn(async move {
            load::closed_loop(&driver, Population::new_people(0), u32::MAX, CLIENTS, &tally).await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while tally.summary().completed < ANSWERED_BEFORE_KILL {
        assert!(Instant::now() < deadline, "too slow: {:?}", tally.summary());
        assert!(!load.is_finished(), "the load stopped: {:?}", tally.summary());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill_hard();
    // Only sign-ins answered before the kill are in the tally: the server is gone now.
    let answered = tally.signed_in();
    load.abort();
    let _ = load.await;
    assert!(answered.len() as u64 >= ANSWERED_BEFORE_KILL);

    let server = ServerProcess::start(&setup).await.unwrap();
    let driver = driver(&server);
    let client = client_from(loopback_source(1_000_000)).unwrap();
    for signed_in in &answered {
        driver.check_session(&client, signed_in).await.unwrap();
    }
    // And the restarted server signs people in.
    driver
        .sign_in(loopback_source(2_000_000), "after-restart")
        .await
        .unwrap();
    drop(server);

    let pool = database.pool().await;
    if database.is_sqlite() {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    let orphans: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM sessions s LEFT JOIN identities i ON i.id = s.identity_id
                 WHERE i.id IS NULL)
              + (SELECT COUNT(*) FROM identities i LEFT JOIN users u ON u.id = i.user_id
                 WHERE u.id IS NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "rows without their parent");
    pool.close().await;
}
