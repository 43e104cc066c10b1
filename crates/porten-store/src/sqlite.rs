//! SQLite backend: one file, WAL mode, `synchronous=FULL`.
//!
//! All writes go through a single writer connection and start with
//! `BEGIN IMMEDIATE`, which takes SQLite's write lock up front. Other
//! processes on the same file wait on the lock (busy timeout) instead of
//! failing, so registry serials stay gapless across processes too. Reads use
//! a separate pool and run concurrently with the writer thanks to WAL.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file named by a `sqlite://` URL.
    pub async fn open(url: &str) -> crate::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        let reader = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        Ok(Self { writer, reader })
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    async fn begin_write(&self) -> crate::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// `VACUUM INTO` writes a transactionally consistent, compacted copy; it
    /// refuses to overwrite an existing file.
    async fn backup_to(&self, target: &std::path::Path) -> crate::Result<()> {
        if target.exists() {
            return Err(crate::StoreError::Duplicate("backup file"));
        }
        let path = target.to_str().ok_or(crate::StoreError::Unsupported("backup paths must be UTF-8"))?;
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.reader).await?;
        Ok(())
    }

    /// sqlx takes no lock for SQLite migrations, so two processes starting on
    /// a fresh file can both try to apply the first migration; the one that
    /// loses the write lock fails. Running again then finds it applied.
    async fn run_migrations(&self) -> crate::Result<()> {
        let migrator = sqlx::migrate!("./migrations/sqlite");
        if migrator.run(&self.writer).await.is_err() {
            migrator.run(&self.writer).await?;
        }
        Ok(())
    }
}

crate::sql::impl_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, Backend::Sqlite, for_update = "");
