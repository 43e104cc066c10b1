//! The group-commit writer: every write command of a store goes through it.
//!
//! Commands that arrive while a batch is being committed wait in a queue;
//! the writer then takes up to [`MAX_BATCH`] of them and runs them in one
//! transaction with one commit (one fsync on SQLite, one WAL flush on
//! PostgreSQL). Each command runs inside its own savepoint, so a command that
//! fails — validation, conflict, access, a constraint — is rolled back alone
//! (a registry serial it took goes back to the counter) and the others
//! commit. Nobody is answered before the batch's commit; a commit that fails
//! fails every command of the batch.
//!
//! The batch is bounded by size, and by waiting time in the simplest way:
//! the writer never waits for more commands. A lone client's command is
//! committed at once, and under load the queue that builds up during one
//! commit becomes the next batch.
//!
//! Failure handling:
//! - A command that panics breaks its batch: the batch is rolled back, every
//!   command in it gets an error, and the connection is closed rather than
//!   returned to the pool, so no transaction is ever left open.
//! - A command that loses a deadlock or a serialization conflict with
//!   another node (PostgreSQL `40P01`/`40001`) has been rolled back to its
//!   savepoint; it is sent again, up to [`RETRIES`] times. Commands are
//!   cloneable closures for that reason.
//!
//! Most commands are async closures over sqlx's connection. On SQLite every
//! statement through sqlx is a hand-off to the connection's worker thread and
//! back, and under load those hand-offs, not SQLite, limit the writer. So the
//! hottest command, registration, can also be a *direct* command
//! ([`Writer::write_direct`]): a plain function over a rusqlite connection,
//! which SQLite's store runs with the whole batch — `BEGIN IMMEDIATE`, the
//! savepoints, `COMMIT` — on a write connection with a thread of its own
//! (`crate::sqlite`). Commands of both kinds that arrive together are
//! committed in order, each run of one kind in its own transaction.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use sqlx::pool::PoolConnection;
use sqlx::{Database, Executor, Pool};
use tokio::sync::{mpsc, oneshot};

use crate::{AuditEntry, Result, StoreError};

/// The most commands committed together.
pub const MAX_BATCH: usize = 256;
/// How often a command that lost a deadlock is sent again.
pub const RETRIES: usize = 3;

/// A boxed future borrowing the writer's connection.
pub type BoxFut<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A write the backend attaches to another in the same savepoint: the audit
/// entry of [`with_audit`], the mail of [`with_mail`].
pub type AttachedWrite<DB> =
    Box<dyn for<'c> FnOnce(&'c mut <DB as Database>::Connection) -> BoxFut<'c, Result<()>> + Send>;

/// What a write can carry along into its savepoint.
#[derive(Clone, Debug)]
pub enum Attached {
    Audit(AuditEntry),
    /// A mail for the outbox, queued at this time.
    Mail(crate::NewMail, chrono::DateTime<chrono::Utc>),
    /// An external actor's idempotency key for the errand registered by
    /// the write (by its public id), kept at this time.
    Idempotency {
        api_key_id: i64,
        key: String,
        errand: String,
        at: chrono::DateTime<chrono::Utc>,
    },
}

tokio::task_local! {
    static ATTACHED: std::cell::RefCell<Option<Attached>>;
}

/// Runs `write` (one store write method) so that `entry` is written in the
/// same savepoint as its write, after it and only if it succeeds: the write
/// and its audit entry commit together or not at all. A write that answers
/// `false` (nothing matched, as when revoking a key that is not active)
/// leaves no entry, and so does a refused merge of contact topics.
pub async fn with_audit<F: Future>(entry: AuditEntry, write: F) -> F::Output {
    ATTACHED.scope(std::cell::RefCell::new(Some(Attached::Audit(entry))), write).await
}

/// Runs `write` (a registration of the errand `errand`) so that the
/// actor's idempotency key is kept for it in the same savepoint. A key the
/// actor used before fails the whole write as [`StoreError::Duplicate`]
/// (`"idempotency key"`): nothing is registered twice, even when two
/// retries race.
pub async fn with_idempotency<F: Future>(
    api_key_id: i64,
    key: &str,
    errand: porten_domain::PublicId,
    at: chrono::DateTime<chrono::Utc>,
    write: F,
) -> F::Output {
    let attached = Attached::Idempotency { api_key_id, key: key.to_owned(), errand: errand.to_string(), at };
    ATTACHED.scope(std::cell::RefCell::new(Some(attached)), write).await
}

/// Runs `write` so that `mail` is queued in the outbox (with its delivery
/// job) in the same savepoint, after the write and only if it succeeds, as
/// [`with_audit`] does for audit entries.
pub async fn with_mail<F: Future>(mail: crate::NewMail, at: chrono::DateTime<chrono::Utc>, write: F) -> F::Output {
    ATTACHED.scope(std::cell::RefCell::new(Some(Attached::Mail(mail, at))), write).await
}

pub(crate) type Outcome = Result<Box<dyn Any + Send>>;
type Op<DB> = Box<dyn for<'c> FnOnce(&'c mut <DB as Database>::Connection) -> BoxFut<'c, Outcome> + Send>;
/// Where a command's outcome goes once its batch has committed.
pub(crate) type Reply = oneshot::Sender<Outcome>;

/// A direct command: a plain function over SQLite's connection.
pub(crate) type DirectOp = Box<dyn FnOnce(&rusqlite::Connection) -> Outcome + Send>;

/// Commits a run of direct commands; only SQLite's store has one.
pub(crate) type DirectRunner = std::sync::Arc<dyn Fn(Vec<(DirectOp, Reply)>) -> BoxFut<'static, ()> + Send + Sync>;

enum Work<DB: Database> {
    Async(Op<DB>),
    Direct(DirectOp),
}

struct Pending<DB: Database> {
    work: Work<DB>,
    reply: Reply,
}

/// The handle the store keeps; cheap to clone. The writer task stops when
/// every handle is gone.
pub struct Writer<DB: Database> {
    queue: mpsc::UnboundedSender<Pending<DB>>,
    attach: fn(Attached) -> AttachedWrite<DB>,
    direct: bool,
}

impl<DB: Database> Clone for Writer<DB> {
    fn clone(&self) -> Self {
        Self { queue: self.queue.clone(), attach: self.attach, direct: self.direct }
    }
}

impl<DB> Writer<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Starts the writer task on the current Tokio runtime. `begin` is the
    /// statement that opens a write transaction (`BEGIN IMMEDIATE` on SQLite);
    /// `attach` writes what a write carries along (an audit entry, a mail) on the backend;
    /// `direct` commits direct commands, where the backend has them.
    pub(crate) fn spawn(
        pool: Pool<DB>,
        begin: &'static str,
        attach: fn(Attached) -> AttachedWrite<DB>,
        direct: Option<DirectRunner>,
    ) -> Self {
        let (queue, rx) = mpsc::unbounded_channel();
        let has_direct = direct.is_some();
        tokio::spawn(run(pool, begin, direct, rx));
        Self { queue, attach, direct: has_direct }
    }

    /// Runs `op` in the next batch and returns its outcome after the batch
    /// has committed.
    pub async fn write<T, F>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut DB::Connection) -> BoxFut<'c, Result<T>> + Clone + Send + 'static,
    {
        let carried = ATTACHED.try_with(|a| a.borrow_mut().take()).ok().flatten();
        let mut tries = 0;
        loop {
            tries += 1;
            let op = op.clone();
            let attached = carried.clone().map(self.attach);
            let (reply, answer) = oneshot::channel();
            let op: Op<DB> = Box::new(move |conn| {
                Box::pin(async move {
                    let value = op(&mut *conn).await?;
                    // A write that answers `false`, or a refused merge,
                    // changed nothing: no entry.
                    let any = &value as &dyn Any;
                    let refused =
                        matches!(any.downcast_ref::<std::result::Result<u64, crate::MergeRefused>>(), Some(Err(_)));
                    let changed = any.downcast_ref::<bool>() != Some(&false) && !refused;
                    if let Some(write_attached) = attached.filter(|_| changed) {
                        write_attached(conn).await?;
                    }
                    Ok(Box::new(value) as Box<dyn Any + Send>)
                })
            });
            self.queue.send(Pending { work: Work::Async(op), reply }).map_err(|_| StoreError::WriterGone)?;
            match answer.await.map_err(|_| StoreError::WriterGone)? {
                Err(StoreError::Database(e)) if lost_to_another_node(&e) && tries <= RETRIES => {
                    tracing::warn!(error = %e, tries, "write lost a deadlock or conflict; sending it again");
                }
                outcome => return Ok(*outcome?.downcast::<T>().expect("the writer answers with the op's own type")),
            }
        }
    }

    /// Runs `op` as a direct command (SQLite) in the next batch and returns
    /// its outcome after the batch has committed. A direct command carries
    /// nothing along: inside [`with_audit`] or [`with_mail`] use [`Self::write`].
    pub(crate) async fn write_direct<T, F>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T> + Send + 'static,
    {
        if !self.takes_direct() {
            return Err(StoreError::Unsupported("a direct write here"));
        }
        let (reply, answer) = oneshot::channel();
        let op: DirectOp = Box::new(move |conn| op(conn).map(|v| Box::new(v) as Box<dyn Any + Send>));
        self.queue.send(Pending { work: Work::Direct(op), reply }).map_err(|_| StoreError::WriterGone)?;
        let outcome = answer.await.map_err(|_| StoreError::WriterGone)??;
        Ok(*outcome.downcast::<T>().expect("the writer answers with the op's own type"))
    }

    /// Whether a direct command can be used here: the writer runs them
    /// (SQLite's does, when its direct connection opened) and nothing is
    /// carried along ([`with_audit`], [`with_mail`] need [`Self::write`]).
    pub(crate) fn takes_direct(&self) -> bool {
        self.direct && !ATTACHED.try_with(|a| a.borrow().is_some()).unwrap_or(false)
    }

    /// Whether the writer task has stopped.
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }
}

/// PostgreSQL's deadlock and serialization-failure codes: the command was
/// chosen to give way and can simply run again.
fn lost_to_another_node(e: &sqlx::Error) -> bool {
    e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "40P01" || c == "40001")
}

/// Polls a future, turning a panic into an error.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = std::result::Result<F::Output, ()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

/// The writer's connection for one batch. Unless the batch ended with a
/// commit or a rollback, the connection is closed on drop instead of going
/// back to the pool with a transaction open (a panic, a cancelled task).
struct BatchConnection<DB: Database> {
    conn: PoolConnection<DB>,
    ended: bool,
}

impl<DB: Database> Drop for BatchConnection<DB> {
    fn drop(&mut self) {
        if !self.ended {
            self.conn.close_on_drop();
        }
    }
}

async fn run<DB>(
    pool: Pool<DB>,
    begin: &'static str,
    direct: Option<DirectRunner>,
    mut rx: mpsc::UnboundedReceiver<Pending<DB>>,
) where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let (mut ops, mut directs) = (Vec::new(), Vec::new());
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        tracing::trace!(commands = batch.len(), "write batch");
        // In order: each run of one kind of command is committed together.
        for Pending { work, reply } in batch {
            match work {
                Work::Async(op) => {
                    if let Some(commit) = direct.as_ref().filter(|_| !directs.is_empty()) {
                        commit(std::mem::take(&mut directs)).await;
                    }
                    ops.push((op, reply));
                }
                Work::Direct(op) => {
                    if !ops.is_empty() {
                        commit_batch(&pool, begin, std::mem::take(&mut ops)).await;
                    }
                    directs.push((op, reply));
                }
            }
        }
        if !ops.is_empty() {
            commit_batch(&pool, begin, std::mem::take(&mut ops)).await;
        }
        if let Some(commit) = direct.as_ref().filter(|_| !directs.is_empty()) {
            commit(std::mem::take(&mut directs)).await;
        }
    }
}

async fn exec<DB>(conn: &mut DB::Connection, sql: &'static str) -> Result<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    sqlx::raw_sql(sql).execute(conn).await?;
    Ok(())
}

async fn commit_batch<DB>(pool: &Pool<DB>, begin: &'static str, batch: Vec<(Op<DB>, Reply)>)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => return fail_all(batch.into_iter().map(|(_, reply)| reply), &e.into()),
    };
    let mut conn = BatchConnection { conn, ended: false };
    if let Err(e) = exec::<DB>(&mut conn.conn, begin).await {
        return fail_all(batch.into_iter().map(|(_, reply)| reply), &e);
    }
    if batch.len() == 1 {
        let (op, reply) = batch.into_iter().next().expect("one command");
        return commit_one(conn, op, reply).await;
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut broken: Option<StoreError> = None;
    let mut panicked = false;
    // Whether a savepoint is open that no command has used yet.
    let mut savepoint_open = false;
    for (op, reply) in batch {
        // A caller that stopped waiting (a client gone) was never answered:
        // its write is dropped rather than run unseen.
        if reply.is_closed() {
            continue;
        }
        if broken.is_some() {
            answers.push((reply, Err(StoreError::BatchFailed("an earlier command broke the batch".into()))));
            continue;
        }
        // A command's savepoint is opened when the previous command's is
        // released (one round trip for both), or here for the first.
        if !savepoint_open && let Err(e) = exec::<DB>(&mut conn.conn, "SAVEPOINT command").await {
            broken = Some(e);
            answers.push((reply, Err(StoreError::BatchFailed("could not start the command".into()))));
            continue;
        }
        savepoint_open = false;
        let outcome = match CatchUnwind(op(&mut conn.conn)).await {
            Ok(outcome) => outcome,
            Err(()) => {
                tracing::error!("a write command panicked; its batch is rolled back");
                panicked = true;
                broken = Some(StoreError::BatchFailed("a command panicked".into()));
                answers.push((reply, Err(StoreError::BatchFailed("the command panicked".into()))));
                continue;
            }
        };
        let end = if outcome.is_ok() {
            // One round trip ends this command and opens the next one's savepoint.
            let next = "RELEASE SAVEPOINT command; SAVEPOINT command";
            exec::<DB>(&mut conn.conn, next).await.map(|()| savepoint_open = true)
        } else {
            match exec::<DB>(&mut conn.conn, "ROLLBACK TO SAVEPOINT command").await {
                Ok(()) => exec::<DB>(&mut conn.conn, "RELEASE SAVEPOINT command").await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = end {
            broken = Some(e);
        }
        answers.push((reply, outcome));
    }
    let committed = match broken {
        Some(e) => Err(e),
        // A savepoint opened for a next command that never came commits as empty.
        None => exec::<DB>(&mut conn.conn, "COMMIT").await,
    };
    match committed {
        Ok(()) => {
            conn.ended = true;
            for (reply, outcome) in answers {
                let _ = reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, commands = answers.len(), "write batch failed; rolling back");
            // A connection whose command panicked or whose rollback fails is in
            // an unknown state: it is closed (not `ended`) rather than reused.
            conn.ended = exec::<DB>(&mut conn.conn, "ROLLBACK").await.is_ok() && !panicked;
            fail_all(answers.into_iter().map(|(reply, _)| reply), &e);
        }
    }
}

/// A batch of one needs no savepoint: the transaction is the command's own,
/// committed when it succeeds and rolled back when it fails.
async fn commit_one<DB>(mut conn: BatchConnection<DB>, op: Op<DB>, reply: Reply)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let outcome = match CatchUnwind(op(&mut conn.conn)).await {
        Ok(outcome) => outcome,
        Err(()) => {
            tracing::error!("a write command panicked; it is rolled back");
            let _ = exec::<DB>(&mut conn.conn, "ROLLBACK").await;
            let _ = reply.send(Err(StoreError::BatchFailed("the command panicked".into())));
            return; // not `ended`: the connection is closed
        }
    };
    let end = if outcome.is_ok() { "COMMIT" } else { "ROLLBACK" };
    match exec::<DB>(&mut conn.conn, end).await {
        Ok(()) => {
            conn.ended = true;
            let _ = reply.send(outcome);
        }
        Err(e) => {
            tracing::error!(error = %e, "write failed at {end}");
            conn.ended = exec::<DB>(&mut conn.conn, "ROLLBACK").await.is_ok();
            let _ = reply.send(Err(StoreError::BatchFailed(e.to_string())));
        }
    }
}

pub(crate) fn fail_all(replies: impl Iterator<Item = Reply>, cause: &StoreError) {
    for reply in replies {
        let _ = reply.send(Err(StoreError::BatchFailed(cause.to_string())));
    }
}
