//! Persistence: users and identities, sessions, sign-in transactions, and the audit trail.
//!
//! One piece of code serves SQLite and PostgreSQL: statements are written in the SQL both
//! understand (`$1` parameters, `RETURNING`, `ON CONFLICT`) and run through sqlx's `Any`
//! driver, chosen at start by the scheme of `DATABASE_URL`. Only connecting and the
//! migrations (one folder per engine, same version numbers) differ.
//!
//! SQLite lets one connection write at a time. Writes therefore go through one connection,
//! which one task at a time holds, so concurrent sign-ins queue inside the process instead of
//! polling the file lock, and every write transaction begins with a write statement, so none
//! ever has to upgrade a read snapshot to a write lock (which SQLite refuses under contention
//! with `SQLITE_BUSY_SNAPSHOT`). Reads have their own connections, which WAL runs beside the
//! writer. PostgreSQL takes row locks, so there both roles share one pool of several
//! connections.

pub mod accounts;
pub mod apple_events;
pub mod audit;
pub mod back_channel;
pub mod cleanup;
pub mod deletion_requests;
pub mod erasure;
pub mod export;
pub mod identity_tokens;
pub mod security_events;
pub mod session_cache;
pub mod sessions;
pub mod sign_ins;
pub mod transactions;
pub mod users;

use std::{
    ops::{Deref, DerefMut},
    sync::Arc,
    time::Duration,
};

use sqlx::{
    Any, AnyConnection, AnyPool, Connection, Executor, any::AnyPoolOptions, migrate::Migrator,
    pool::PoolConnection,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

const SQLITE_READ_CONNECTIONS: u32 = 4;
const POSTGRES_CONNECTIONS: u32 = 16;
/// How long `/readyz` waits for the database before calling it unreachable.
const READY_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a write waits for SQLite's writing connection before it fails (as long as sqlx's
/// pools wait for a connection).
const WRITER_WAIT: Duration = Duration::from_secs(30);

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
    writer: Writer,
    reader: AnyPool,
}

/// Where writes go.
#[derive(Clone)]
enum Writer {
    /// SQLite's one writing connection. It is kept out of a pool because sqlx's pool pings each
    /// connection given back to it, and for SQLite a ping is one more hand-off to the
    /// connection's worker thread: three per sign-in.
    Sole(Arc<Mutex<AnyConnection>>),
    /// PostgreSQL's pool, which reads share (as does an in-memory SQLite database's one
    /// connection).
    Pool(AnyPool),
}

/// A connection that writes, held until dropped.
pub enum WriteConnection {
    Sole(OwnedMutexGuard<AnyConnection>),
    Pooled(PoolConnection<Any>),
}

impl Deref for WriteConnection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Self::Sole(connection) => connection,
            Self::Pooled(connection) => connection,
        }
    }
}

impl DerefMut for WriteConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Self::Sole(connection) => connection,
            Self::Pooled(connection) => connection,
        }
    }
}

impl WriteConnection {
    /// A write transaction. Its first statement must write (see the module comment).
    pub async fn begin(&mut self) -> Result<Transaction<'_>, sqlx::Error> {
        Connection::begin(&mut **self).await
    }
}

pub type Transaction<'c> = sqlx::Transaction<'c, Any>;

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
        // Each connection to an in-memory database is a database of its own, so there one
        // connection serves reads and writes.
        if url.contains(":memory:") {
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect(url)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            return Ok(Self {
                writer: Writer::Pool(pool.clone()),
                reader: pool,
            });
        }
        if let Some(dir) = sqlite_parent_dir(url) {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        // WAL with synchronous=NORMAL: a commit is in the log before it returns, so it
        // survives the process being killed; only a power cut may lose the last commits.
        // sqlx's SQLite defaults, which the URL keeps, turn foreign keys on and wait 5 s for
        // another process holding the file lock (a backup, an operator's sqlite3 shell).
        // secure_delete zeroes what is deleted, so an erased account leaves no copy in the file.
        let mut writer = AnyConnection::connect(&with_sqlite_mode(url, "rwc")).await?;
        writer
            .execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;")
            .await?;
        SQLITE_MIGRATIONS.run(&mut writer).await?;
        // A connection is checked when it fails, not pinged before every use.
        let reader = AnyPoolOptions::new()
            .max_connections(SQLITE_READ_CONNECTIONS)
            .test_before_acquire(false)
            .connect(&with_sqlite_mode(url, "ro"))
            .await?;
        Ok(Self {
            writer: Writer::Sole(Arc::new(Mutex::new(writer))),
            reader,
        })
    }

    async fn connect_postgres(url: &str) -> Result<Self, sqlx::Error> {
        let pool = AnyPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .test_before_acquire(false)
            .connect(url)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Self {
            writer: Writer::Pool(pool.clone()),
            reader: pool,
        })
    }

    /// A connection for statements that write. On SQLite, writes wait here for one another.
    pub async fn writer(&self) -> Result<WriteConnection, sqlx::Error> {
        match &self.writer {
            Writer::Sole(connection) => tokio::time::timeout(WRITER_WAIT, connection.clone().lock_owned())
                .await
                .map(WriteConnection::Sole)
                .map_err(|_| sqlx::Error::PoolTimedOut),
            Writer::Pool(pool) => pool.acquire().await.map(WriteConnection::Pooled),
        }
    }

    /// On an SQLite file, moves the write-ahead log into the file and empties it, so that
    /// pages written before an erasure stay in neither; elsewhere, nothing to do.
    pub async fn empty_write_ahead_log(&self) -> Result<(), sqlx::Error> {
        if let Writer::Sole(connection) = &self.writer {
            connection
                .lock()
                .await
                .execute("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(())
    }

    /// For statements that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
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
