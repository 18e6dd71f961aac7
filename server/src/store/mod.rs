//! Persistence: users and identities, sessions, sign-in transactions, and the audit trail.
//!
//! One piece of code serves SQLite and PostgreSQL: statements are written in the SQL both
//! understand (`$1` parameters, `RETURNING`, `ON CONFLICT`) and run through sqlx's `Any`
//! driver, chosen at start by the scheme of `DATABASE_URL`. Only connecting and the
//! migrations (one folder per engine, same version numbers) differ.
//!
//! SQLite lets one connection write at a time. Writes therefore go through a pool of exactly
//! one connection, so concurrent sign-ins queue inside the process instead of polling the
//! file lock, and every write transaction begins with a write statement, so none ever has to
//! upgrade a read snapshot to a write lock (which SQLite refuses under contention with
//! `SQLITE_BUSY_SNAPSHOT`). Reads have their own connections, which WAL runs beside the writer.
//! PostgreSQL takes row locks, so there both roles share one pool of several connections.

pub mod accounts;
pub mod audit;
pub mod back_channel;
pub mod cleanup;
pub mod identity_tokens;
pub mod sessions;
pub mod sign_ins;
pub mod transactions;
pub mod users;

use std::time::Duration;

use sqlx::{AnyPool, Executor, any::AnyPoolOptions, migrate::Migrator};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

const SQLITE_READ_CONNECTIONS: u32 = 4;
const POSTGRES_CONNECTIONS: u32 = 16;
/// How long `/readyz` waits for the database before calling it unreachable.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a `DATABASE_URL` names, by its scheme.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split(':').next()?;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Database {
    writer: AnyPool,
    reader: AnyPool,
}

pub type Transaction = sqlx::Transaction<'static, sqlx::Any>;

impl Database {
    /// Opens the database at `url` (an SQLite file is created with its folder if needed) and
    /// applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        match Engine::of_url(url) {
            Some(Engine::Sqlite) => Self::connect_sqlite(url).await,
            Some(Engine::Postgres) => Self::connect_postgres(url).await,
            None => Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite: or postgres://".into(),
            )),
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, sqlx::Error> {
        if let Some(dir) = sqlite_parent_dir(url) {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        // Each connection to an in-memory database is a database of its own.
        let in_memory = url.contains(":memory:");
        // WAL with synchronous=NORMAL: a commit is in the log before it returns, so it
        // survives the process being killed; only a power cut may lose the last commits.
        // sqlx's SQLite defaults, which the URL keeps, turn foreign keys on and wait 5 s for
        // another process holding the file lock (a backup, an operator's sqlite3 shell).
        // A connection is checked when it fails, not pinged before every use.
        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection
                        .execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
                        .await
                        .map(drop)
                })
            })
            .connect(&if in_memory {
                url.to_owned()
            } else {
                with_sqlite_mode(url, "rwc")
            })
            .await?;
        SQLITE_MIGRATIONS.run(&writer).await?;
        let reader = if in_memory {
            writer.clone()
        } else {
            AnyPoolOptions::new()
                .max_connections(SQLITE_READ_CONNECTIONS)
                .test_before_acquire(false)
                .connect(&with_sqlite_mode(url, "ro"))
                .await?
        };
        Ok(Self { writer, reader })
    }

    async fn connect_postgres(url: &str) -> Result<Self, sqlx::Error> {
        let pool = AnyPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .test_before_acquire(false)
            .connect(url)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Self {
            writer: pool.clone(),
            reader: pool,
        })
    }

    /// For statements that write.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// For statements that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// A write transaction. Its first statement must write (see the module comment).
    pub async fn begin_write(&self) -> Result<Transaction, sqlx::Error> {
        self.writer.begin().await
    }

    /// Whether the database answers a query within a second.
    pub async fn is_reachable(&self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&self.reader);
        matches!(tokio::time::timeout(READY_TIMEOUT, ping).await, Ok(Ok(_)))
    }
}

/// An SQLite URL with its `mode` parameter (`rwc`: read, write and create; `ro`: read only)
/// set to `mode`, whatever it said before.
fn with_sqlite_mode(url: &str, mode: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parameters: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("mode="))
        .collect();
    let mode = format!("mode={mode}");
    parameters.push(&mode);
    format!("{base}?{}", parameters.join("&"))
}

/// A flag as both engines return it: a boolean from PostgreSQL, 0 or 1 from SQLite.
fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<bool>, sqlx::Error> {
    use sqlx::Row;
    row.try_get::<Option<bool>, _>(column).or_else(|_| {
        row.try_get::<Option<i64>, _>(column)
            .map(|number| number.map(|n| n != 0))
    })
}

/// The folder of an SQLite file URL such as `sqlite://data/app.db`, so it can be created.
fn sqlite_parent_dir(url: &str) -> Option<&std::path::Path> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_folder_of_a_database_file() {
        assert_eq!(
            sqlite_parent_dir("sqlite://data/app.db"),
            Some(std::path::Path::new("data"))
        );
        assert_eq!(sqlite_parent_dir("sqlite:app.db?mode=rwc"), None);
        assert_eq!(sqlite_parent_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_parent_dir("postgres://x"), None);
    }

    #[test]
    fn sets_the_sqlite_open_mode() {
        assert_eq!(
            with_sqlite_mode("sqlite://data/app.db", "ro"),
            "sqlite://data/app.db?mode=ro"
        );
        assert_eq!(
            with_sqlite_mode("sqlite://app.db?cache=shared&mode=rw", "rwc"),
            "sqlite://app.db?cache=shared&mode=rwc"
        );
    }

    #[test]
    fn the_url_scheme_chooses_the_engine() {
        assert_eq!(Engine::of_url("sqlite://data/app.db"), Some(Engine::Sqlite));
        assert_eq!(Engine::of_url("sqlite::memory:"), Some(Engine::Sqlite));
        assert_eq!(
            Engine::of_url("postgres://u@localhost/app"),
            Some(Engine::Postgres)
        );
        assert_eq!(
            Engine::of_url("postgresql://u@localhost/app"),
            Some(Engine::Postgres)
        );
        assert_eq!(Engine::of_url("mysql://u@localhost/app"), None);
        assert_eq!(Engine::of_url("data/app.db"), None);
    }
}
