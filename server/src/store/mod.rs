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
//!
//! SQLite's connections are kept out of sqlx's pool: the pool pings each connection given back
//! to it, and for SQLite a ping is one more hand-off to the connection's worker thread, as
//! costly as the statement it follows.

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
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use sqlx::{
    Any, AnyConnection, AnyPool, Connection, Executor, any::AnyPoolOptions, migrate::Migrator,
    pool::PoolConnection,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

const SQLITE_READ_CONNECTIONS: usize = 4;
const POSTGRES_CONNECTIONS: u32 = 16;
/// How long `/readyz` waits for the database before calling it unreachable.
const READY_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a statement waits for one of SQLite's connections before it fails (as long as
/// sqlx's pools wait for a connection).
const CONNECTION_WAIT: Duration = Duration::from_secs(30);

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
    reader: Reader,
}

/// Where writes go.
#[derive(Clone)]
enum Writer {
    /// SQLite's one writing connection.
    Sole(Arc<Mutex<AnyConnection>>),
    /// PostgreSQL's pool, which reads share (as does an in-memory SQLite database's one
    /// connection).
    Pool(AnyPool),
}

/// Where reads go.
#[derive(Clone)]
enum Reader {
    /// SQLite's read-only connections; a read takes a free one, or waits for the next in turn.
    Sole {
        connections: Arc<[Arc<Mutex<AnyConnection>>]>,
        turn: Arc<AtomicUsize>,
    },
    Pool(AnyPool),
}

/// A connection held until dropped.
pub enum HeldConnection {
    Sole(OwnedMutexGuard<AnyConnection>),
    Pooled(PoolConnection<Any>),
}

impl Deref for HeldConnection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Self::Sole(connection) => connection,
            Self::Pooled(connection) => connection,
        }
    }
}

impl DerefMut for HeldConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Self::Sole(connection) => connection,
            Self::Pooled(connection) => connection,
        }
    }
}

impl HeldConnection {
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
                reader: Reader::Pool(pool),
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
        let mut connections = Vec::with_capacity(SQLITE_READ_CONNECTIONS);
        for _ in 0..SQLITE_READ_CONNECTIONS {
            let reader = AnyConnection::connect(&with_sqlite_mode(url, "ro")).await?;
            connections.push(Arc::new(Mutex::new(reader)));
        }
        Ok(Self {
            writer: Writer::Sole(Arc::new(Mutex::new(writer))),
            reader: Reader::Sole {
                connections: connections.into(),
                turn: Arc::default(),
            },
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
            reader: Reader::Pool(pool),
        })
    }

    /// A connection for statements that write. On SQLite, writes wait here for one another.
    pub async fn writer(&self) -> Result<HeldConnection, sqlx::Error> {
        match &self.writer {
            Writer::Sole(connection) => held(connection).await,
            Writer::Pool(pool) => pool.acquire().await.map(HeldConnection::Pooled),
        }
    }

    /// A connection for statements that only read.
    pub async fn reader(&self) -> Result<HeldConnection, sqlx::Error> {
        match &self.reader {
            Reader::Sole { connections, turn } => {
                let free = connections
                    .iter()
                    .find_map(|connection| connection.clone().try_lock_owned().ok());
                match free {
                    Some(connection) => Ok(HeldConnection::Sole(connection)),
                    None => {
                        let next = turn.fetch_add(1, Ordering::Relaxed) % connections.len();
                        held(&connections[next]).await
                    }
                }
            }
            Reader::Pool(pool) => pool.acquire().await.map(HeldConnection::Pooled),
        }
    }

    /// Closes the pools (PostgreSQL's, an in-memory database's), after which their statements
    /// fail; SQLite's file connections close when the last clone of this is dropped.
    pub async fn close(&self) {
        if let Reader::Pool(pool) = &self.reader {
            pool.close().await;
        }
        if let Writer::Pool(pool) = &self.writer {
            pool.close().await;
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

    /// Whether the database answers a query within a second.
    pub async fn is_reachable(&self) -> bool {
        let ping = async { sqlx::query("SELECT 1").execute(&mut *self.reader().await?).await };
        matches!(tokio::time::timeout(READY_TIMEOUT, ping).await, Ok(Ok(_)))
    }
}

/// `connection`, once no other task holds it.
async fn held(connection: &Arc<Mutex<AnyConnection>>) -> Result<HeldConnection, sqlx::Error> {
    tokio::time::timeout(CONNECTION_WAIT, connection.clone().lock_owned())
        .await
        .map(HeldConnection::Sole)
        .map_err(|_| sqlx::Error::PoolTimedOut)
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
