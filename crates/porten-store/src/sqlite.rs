//! SQLite backend: one file, WAL mode, `synchronous=FULL`.
//!
//! All writes go through the group-commit writer on a single connection;
//! each batch starts with `BEGIN IMMEDIATE`, which takes SQLite's write lock
//! up front. Other processes on the same file wait on the lock (busy timeout)
//! instead of failing, so registry serials stay gapless across processes too.
//! Reads use a separate pool and run concurrently with the writer thanks to WAL.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// SQLITE_BUSY, including its extended codes.
fn is_busy(e: &dyn sqlx::error::DatabaseError) -> bool {
    e.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5)
}

use crate::writer::Writer;

pub struct SqliteStore {
    /// The one write connection, used by the writer task and migrations.
    pool: SqlitePool,
    writer: Writer<sqlx::Sqlite>,
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
        // Switching a new file to WAL needs a lock that SQLite does not wait
        // for with the busy timeout, so a second process creating the same file
        // at the same moment can get SQLITE_BUSY here. Retry that briefly.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::connect(&options).await {
                Err(sqlx::Error::Database(e)) if is_busy(e.as_ref()) && attempt < 20 => {
                    tokio::time::sleep(Duration::from_millis(25 * attempt)).await;
                }
                other => return other.map_err(Into::into),
            }
        }
    }

    async fn connect(options: &SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        // A local file's connection cannot go stale: no ping before each use.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let writer = Writer::spawn(pool.clone(), "BEGIN IMMEDIATE", Self::attach);
        Ok(Self { pool, writer, reader })
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn writer(&self) -> &Writer<sqlx::Sqlite> {
        &self.writer
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

    /// sqlx takes no migration lock on SQLite, so when several processes
    /// start on a new file together one may try a migration another is
    /// applying. The loser's migration rolls back; it tries again after the
    /// winner has committed and finds it applied. With several migrations
    /// the race can repeat, so it retries a few times with a growing pause
    /// (about 5 s in all) before it gives up with the error.
    async fn run_migrations(&self) -> crate::Result<()> {
        let migrator = sqlx::migrate!("./migrations/sqlite");
        let mut attempt = 0;
        loop {
            attempt += 1;
            match migrator.run(&self.pool).await {
                Err(_) if attempt < 20 => tokio::time::sleep(Duration::from_millis(25 * attempt)).await,
                other => return Ok(other?),
            }
        }
    }
}

crate::ops::impl_ops!(SqliteStore, crate::Backend::Sqlite);
crate::catalogue::impl_catalogue!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::errands::impl_errands!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, sqlite);
crate::identity::impl_identity!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::contacts::impl_contacts!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::calendar::impl_calendar!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::planning::impl_planning!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::audit::impl_audit!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::jobs::impl_jobs!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, sqlite);
crate::mail::impl_mail!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::eservices::impl_eservices!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::knowledge::impl_knowledge!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, sqlite);
