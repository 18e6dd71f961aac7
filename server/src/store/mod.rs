//! Persistence: users and identities, sessions, sign-in transactions, and the audit trail.
//!
//! SQLite lets one connection write at a time. Writes therefore go through a pool of exactly
//! one connection, so concurrent sign-ins queue inside the process instead of polling the
//! file lock, and every write transaction begins with a write statement, so none ever has to
//! upgrade a read snapshot to a write lock (which SQLite refuses under contention with
//! `SQLITE_BUSY_SNAPSHOT`). Reads have their own connections, which WAL runs beside the writer.

pub mod audit;
pub mod cleanup;
pub mod sessions;
pub mod sign_ins;
pub mod transactions;
pub mod users;

use std::{str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// Another process holding the file lock (a backup, an operator's sqlite3 shell) is waited for
/// this long before a statement fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const READ_CONNECTIONS: u32 = 4;

#[derive(Clone)]
pub struct Database {
    writer: SqlitePool,
    reader: SqlitePool,
}

pub type Transaction = sqlx::Transaction<'static, sqlx::Sqlite>;

impl Database {
    /// Opens (creating if needed) the database at `url` and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        if let Some(dir) = sqlite_parent_dir(url) {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        // WAL with synchronous=NORMAL: a commit is in the log before it returns, so it
        // survives the process being killed; only a power cut may lose the last commits.
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // A connection is checked when it fails, not pinged before every use.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        // Each connection to an in-memory database is a database of its own.
        let reader = if url.contains(":memory:") {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READ_CONNECTIONS)
                .test_before_acquire(false)
                .connect_with(options.read_only(true))
                .await?
        };
        Ok(Self { writer, reader })
    }

    /// For statements that write, one at a time.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// For statements that only read.
    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// A write transaction. Its first statement must write (see the module comment).
    pub async fn begin_write(&self) -> Result<Transaction, sqlx::Error> {
        self.writer.begin().await
    }
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
}
