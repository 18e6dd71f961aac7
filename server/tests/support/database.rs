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

/// Fails naming the place when any of `needles` is anywhere in `database`: on SQLite, its file
/// and write-ahead log byte for byte; on PostgreSQL, whose files belong to its server, every
/// row of every table as text.
pub async fn assert_holds_none(database: &TestDatabase, needles: &[&str]) {
    if database.is_sqlite() {
        let file = database.url.strip_prefix("sqlite://").unwrap();
        let folder = std::path::Path::new(file).parent().unwrap();
        let mut scanned = 0;
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with("app.db") {
                let bytes = std::fs::read(&path).unwrap();
                scanned += bytes.len();
                for needle in needles {
                    assert!(
                        !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                        "{} holds {needle}",
                        path.display()
                    );
                }
            }
        }
        assert!(scanned > 0, "the database files were read");
    } else {
        let pool = database.pool().await;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(tables.iter().any(|t| t == "identities"), "{tables:?}");
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            for row in rows {
                for needle in needles {
                    assert!(!row.contains(needle), "{table} holds {needle}");
                }
            }
        }
    }
}
