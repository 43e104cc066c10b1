//! SQLite backend: one file, WAL mode, `synchronous=FULL`.
//!
//! All writes go through the group-commit writer on a single connection;
//! each batch starts with `BEGIN IMMEDIATE`, which takes SQLite's write lock
//! up front. Other processes on the same file wait on the lock (busy timeout)
//! instead of failing, so registry serials stay gapless across processes too.
//! Reads use a separate pool and run concurrently with the writer thanks to WAL.
//!
//! Direct commands (see [`crate::writer`]) run on a second write connection
//! on a thread of its own ([`spawn_direct`]), statement after statement,
//! with no hand-off between them.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// SQLITE_BUSY, including its extended codes.
fn is_busy(e: &dyn sqlx::error::DatabaseError) -> bool {
    e.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5)
}

/// How long a write waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

use crate::writer::{DirectOp, DirectRunner, Reply, Writer, fail_all};
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
            .auto_vacuum(SqliteAutoVacuum::Incremental)
            .busy_timeout(BUSY_TIMEOUT);
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
        // A database the direct connection cannot open as a plain file (in
        // memory, say) is written through sqlx alone.
        let direct = spawn_direct(options.get_filename())
            .inspect_err(|e| tracing::warn!(error = %e, "no direct write connection; all writes go through sqlx"))
            .ok();
        let writer = Writer::spawn(pool.clone(), "BEGIN IMMEDIATE", Self::attach, direct);
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

    /// Frees the pages deleted rows left behind (incremental auto-vacuum).
    async fn reclaim(&self) -> crate::Result<u64> {
        let pages = |sql: &'static str| async move {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&self.reader).await?;
            Ok::<_, sqlx::Error>(n)
        };
        let (size, before) = (pages("PRAGMA page_size").await?, pages("PRAGMA page_count").await?);
        sqlx::query("PRAGMA incremental_vacuum").execute(&self.pool).await?;
        let after = pages("PRAGMA page_count").await?;
        Ok(u64::try_from((before - after).max(0) * size).unwrap_or(0))
    }

    /// No statistics on SQLite: measured at a million errands, its planner
    /// plans the queues as well without them, and with them it reads the
    /// whole table to list closed errands newest first (280 ms instead of
    /// 0.1). The queues' indexes are made so that the plan without
    /// statistics is the right one (migration 0018).
    async fn analyze(&self) -> crate::Result<()> {
        Ok(())
    }

    /// A file made before incremental auto-vacuum was turned on keeps its
    /// free pages for good; switching it over takes one full `VACUUM`. Done
    /// once, after the migrations; a process that finds another doing it
    /// (the file busy) leaves it to that one.
    async fn use_incremental_vacuum(&self) -> crate::Result<()> {
        let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum").fetch_one(&self.pool).await?;
        if mode == 2 {
            return Ok(());
        }
        sqlx::query("PRAGMA auto_vacuum = INCREMENTAL").execute(&self.pool).await?;
        match sqlx::query("VACUUM").execute(&self.pool).await {
            Err(sqlx::Error::Database(e)) if is_busy(e.as_ref()) => {
                tracing::info!("another process is vacuuming the database; leaving it to that one");
                Ok(())
            }
            other => other.map(drop).map_err(Into::into),
        }
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
                other => {
                    other?;
                    return self.use_incremental_vacuum().await;
                }
            }
        }
    }
}

/// Starts the thread that commits direct commands, on a connection of its
/// own to the file (`synchronous=FULL`, foreign keys on, the same busy
/// timeout), and answers the writer's runner for it. Its statements stay
/// prepared from batch to batch. The writer task commits one batch at a
/// time, of either kind, so this connection and the sqlx write connection
/// never wait for each other; other processes wait on the file's lock.
fn spawn_direct(path: &std::path::Path) -> Result<DirectRunner> {
    let open = {
        let path = path.to_owned();
        move || -> Result<rusqlite::Connection> {
            use rusqlite::OpenFlags;
            let conn = rusqlite::Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", true)?;
            conn.set_prepared_statement_cache_capacity(64);
            Ok(conn)
        }
    };
    let mut conn = Some(open()?);
    let (jobs, rx) = std::sync::mpsc::channel::<(Vec<(DirectOp, Reply)>, tokio::sync::oneshot::Sender<()>)>();
    std::thread::Builder::new()
        .name("porten-sqlite-writer".into())
        .spawn(move || {
            for (batch, done) in rx {
                // A connection left in doubt (a panic, a failed rollback) is
                // closed, releasing any lock it held, and opened again for
                // the next batch.
                if conn.is_none() {
                    conn =
                        open().inspect_err(|e| tracing::error!(error = %e, "opening the SQLite write connection")).ok();
                }
                match &conn {
                    Some(c) => {
                        if !run_direct(c, batch) {
                            conn = None;
                        }
                    }
                    None => fail_all(
                        batch.into_iter().map(|(_, reply)| reply),
                        &StoreError::BatchFailed("the write connection could not be opened".into()),
                    ),
                }
                let _ = done.send(());
            }
        })
        .map_err(sqlx::Error::Io)?;
    Ok(std::sync::Arc::new(move |batch| {
        let (done, finished) = tokio::sync::oneshot::channel();
        let sent = jobs.send((batch, done));
        Box::pin(async move {
            match sent {
                Ok(()) => {
                    let _ = finished.await;
                }
                Err(std::sync::mpsc::SendError((batch, _))) => {
                    fail_all(batch.into_iter().map(|(_, reply)| reply), &StoreError::WriterGone)
                }
            }
        })
    }))
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
crate::load::impl_load!(SqliteStore, sqlx::Sqlite);
crate::assignment::impl_assignment!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::calendar::impl_calendar!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::planning::impl_planning!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::audit::impl_audit!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::jobs::impl_jobs!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, sqlite);
crate::mail::impl_mail!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::intake::impl_intake!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::reports::impl_reports!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::open311::impl_open311!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::notices::impl_notices!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::eservices::impl_eservices!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::knowledge::impl_knowledge!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, sqlite);
crate::stats::impl_stats!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
crate::feed::impl_feed!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, sqlite);
