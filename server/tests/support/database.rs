//! The database a test gets: a fresh SQLite file by default, or a fresh database on the
//! PostgreSQL server named by `TEST_POSTGRES_URL` when it is set. `make test` runs the suite
//! both ways, the second time inside `scripts/throwaway-postgres.sh`, which sets it.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyPool, Connection, Executor};

pub struct TestDatabase {
    pub url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn fresh() -> Self {
        match std::env::var("TEST_POSTGRES_URL") {
            Ok(server) => Self::fresh_postgres(&server).await,
            Err(_) => {
                let dir = tempfile::tempdir().unwrap();
                Self {
                    url: format!("sqlite://{}/app.db", dir.path().display()),
                    _sqlite_dir: Some(dir),
                }
            }
        }
    }

    async fn fresh_postgres(server: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(server)
            .await
            .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL {server} does not answer: {e}"));
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        admin.close().await.unwrap();
        let mut url = url::Url::parse(server).unwrap();
        url.set_path(&name);
        Self {
            url: url.into(),
            _sqlite_dir: None,
        }
    }

    /// Another handle on this same database, for a second app instance beside the first.
    pub fn shared(&self) -> Self {
        Self {
            url: self.url.clone(),
            _sqlite_dir: None,
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }

    /// A pool of its own on the database, for looking at or changing rows behind the app.
    pub async fn pool(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.url).await.unwrap()
    }
}

/// How many rows `table` holds.
pub async fn count(pool: &AnyPool, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
        .get("n")
}
