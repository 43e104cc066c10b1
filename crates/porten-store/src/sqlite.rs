//! SQLite backend: one file, WAL mode, `synchronous=FULL`.
//!
//! All writes go through the group-commit writer on a single connection;
//! each batch starts with `BEGIN IMMEDIATE`, which takes SQLite's write lock
//! up front. Other processes on the same file wait on the lock (busy timeout)
//! instead of failing, so registry serials stay gapless across processes too.
//! Reads use a separate pool and run concurrently with the writer thanks to WAL.
//!
//! Direct commands (see [`crate::writer`]) run on the writer's connection
//! itself: [`commit_direct`] locks it away from sqlx's worker thread and runs
//! the batch here, statement after statement, with no hand-off between them.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// SQLITE_BUSY, including its extended codes.
fn is_busy(e: &dyn sqlx::error::DatabaseError) -> bool {
    e.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5)
}

use crate::writer::{BoxFut, DirectOp, Reply, Writer, fail_all};
use crate::{Result, StoreError};

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
        let writer = Writer::spawn(pool.clone(), "BEGIN IMMEDIATE", Self::attach, Some(commit_direct));
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

/// Commits a batch of direct commands as the writer's batches are committed
/// (a savepoint per command, so a failing one is rolled back alone; answers
/// only after the commit). The connection moves to a blocking thread, which
/// locks it away from sqlx's worker thread and runs the whole batch.
fn commit_direct(pool: SqlitePool, batch: Vec<(DirectOp, Reply)>) -> BoxFut<'static, ()> {
    Box::pin(async move {
        let mut conn = match pool.acquire().await {
            Ok(conn) => conn,
            Err(e) => return fail_all(batch.into_iter().map(|(_, reply)| reply), &e.into()),
        };
        let runtime = tokio::runtime::Handle::current();
        let ran = tokio::task::spawn_blocking(move || {
            let sound = match runtime.block_on(conn.lock_handle()) {
                // SAFETY: the handle is locked for this thread, so sqlx's worker
                // thread does not touch the connection until the guard drops, and
                // a `Connection` made from a handle does not close it; every
                // statement it prepared is finalized when it drops, before the guard.
                Ok(mut handle) => match unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) } {
                    Ok(direct) => run_direct(&direct, batch),
                    Err(e) => {
                        fail_all(batch.into_iter().map(|(_, reply)| reply), &e.into());
                        true
                    }
                },
                Err(e) => {
                    fail_all(batch.into_iter().map(|(_, reply)| reply), &e.into());
                    true
                }
            };
            if !sound {
                conn.close_on_drop();
            }
        });
        // A panic outside the commands themselves (they are caught) drops the
        // replies, which the callers see as the writer gone.
        if let Err(e) = ran.await {
            tracing::error!(error = %e, "a direct write batch failed");
        }
    })
}

/// Runs a batch on the connection; answers whether the connection is fit
/// to be used again (not after a panic or a failed rollback).
fn run_direct(conn: &rusqlite::Connection, batch: Vec<(DirectOp, Reply)>) -> bool {
    let exec = |sql: &str| -> Result<()> { Ok(conn.prepare_cached(sql)?.execute([]).map(drop)?) };
    if let Err(e) = exec("BEGIN IMMEDIATE") {
        fail_all(batch.into_iter().map(|(_, reply)| reply), &e);
        return true;
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut broken: Option<StoreError> = None;
    let mut panicked = false;
    for (op, reply) in batch {
        // A caller that stopped waiting is never answered: its write is dropped.
        if reply.is_closed() {
            continue;
        }
        if broken.is_some() {
            answers.push((reply, Err(StoreError::BatchFailed("an earlier command broke the batch".into()))));
            continue;
        }
        if let Err(e) = exec("SAVEPOINT command") {
            broken = Some(e);
            answers.push((reply, Err(StoreError::BatchFailed("could not start the command".into()))));
            continue;
        }
        let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| op(conn))) {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::error!("a write command panicked; its batch is rolled back");
                panicked = true;
                broken = Some(StoreError::BatchFailed("a command panicked".into()));
                answers.push((reply, Err(StoreError::BatchFailed("the command panicked".into()))));
                continue;
            }
        };
        let end = match outcome {
            Ok(_) => exec("RELEASE SAVEPOINT command"),
            Err(_) => exec("ROLLBACK TO SAVEPOINT command").and_then(|()| exec("RELEASE SAVEPOINT command")),
        };
        if let Err(e) = end {
            broken = Some(e);
        }
        answers.push((reply, outcome));
    }
    let committed = match broken {
        Some(e) => Err(e),
        None => exec("COMMIT"),
    };
    match committed {
        Ok(()) => {
            for (reply, outcome) in answers {
                let _ = reply.send(outcome);
            }
            true
        }
        Err(e) => {
            tracing::error!(error = %e, commands = answers.len(), "write batch failed; rolling back");
            let rolled_back = exec("ROLLBACK").is_ok();
            fail_all(answers.into_iter().map(|(reply, _)| reply), &e);
            rolled_back && !panicked
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
