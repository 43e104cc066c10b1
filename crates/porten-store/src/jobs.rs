//! Background jobs as rows with leases: the store side of the job runner.
//!
//! A node claims one due job at a time (`queued` with `run_at` passed, or
//! `running` with an expired lease: its node died) and holds it with a lease
//! it renews while the job runs. Finishing, failing or renewing checks the
//! lease owner, so a node that lost its lease cannot overwrite the work of
//! the node that took the job over.
//!
//! What differs per backend is the claim (see [`sqlite`] and [`postgres`]):
//! PostgreSQL skips rows other nodes hold with `FOR UPDATE SKIP LOCKED`;
//! SQLite needs no lock clause because the writer holds the database's
//! write lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its `run_at`.
    Queued,
    /// Claimed by a node, under a lease.
    Running,
    Done,
    /// Failed `max_attempts` times; waits for `porten jobs retry`.
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 4] = [Self::Queued, Self::Running, Self::Done, Self::Dead];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.as_str() == s)
    }
}

/// A job to enqueue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    /// Which handler runs it, e.g. `contacts.forget-agents`.
    pub kind: String,
    /// The handler's input, as JSON text. Never personal data in clear.
    pub payload: String,
    /// A job with a key exists at most once: enqueueing it again does nothing.
    pub unique_key: Option<String>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: u32,
}

/// A stored job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub unique_key: Option<String>,
    pub state: JobState,
    pub run_at: DateTime<Utc>,
    /// Claims so far, including the current one.
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// How a claimed job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobEnd {
    Done,
    /// Done for now; run it again at this time (a recurring job).
    Again(DateTime<Utc>),
    /// Failed; try again at this time.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Failed for good: parked as dead with its error.
    Dead {
        error: String,
    },
    /// Not run (this node has no handler for its kind, say during a rolling
    /// upgrade): queued again at this time without counting the attempt.
    Release {
        at: DateTime<Utc>,
    },
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Enqueues a job; `None` when a job with its unique key already exists.
    async fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> Result<Option<i64>>;
    /// Queues these jobs in one transaction, skipping those whose unique
    /// key exists; how many were queued.
    async fn enqueue_jobs(&self, jobs: &[NewJob], now: DateTime<Utc>) -> Result<usize>;
    /// Claims the oldest due job for `owner` until `lease_until`, counting an
    /// attempt. A running job whose lease has expired is due again.
    async fn claim_job(&self, owner: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<Option<Job>>;
    /// Like [`Self::claim_job`], for a job of one kind only (a process that
    /// runs nothing else, such as `porten mail-intake --imap`).
    async fn claim_job_of(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        kind: &str,
    ) -> Result<Option<Job>>;
    /// Extends the lease of a job `owner` still holds; false when it lost it.
    async fn renew_job_lease(&self, id: i64, owner: &str, lease_until: DateTime<Utc>) -> Result<bool>;
    /// Ends a job `owner` holds; false when it no longer held it.
    async fn end_job(&self, id: i64, owner: &str, end: &JobEnd, now: DateTime<Utc>) -> Result<bool>;
    /// Jobs, newest first.
    async fn list_jobs(&self, limit: u32) -> Result<Vec<Job>>;
    /// Queues a dead job again with its attempts reset; false when no dead job has that id.
    async fn retry_job(&self, id: i64, now: DateTime<Utc>) -> Result<bool>;
}

pub(crate) const JOB_COLUMNS: &str = "id, kind, payload, unique_key, state, run_at, attempts, max_attempts, last_error, \
     lease_owner, lease_until, updated_at";

/// The claim on SQLite: the writer already holds the write lock.
pub(crate) mod sqlite {
    pub const CLAIM: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3) \
                     OR (state = 'running' AND lease_until < $3) ORDER BY run_at, id LIMIT 1) \
         RETURNING ";
    pub const CLAIM_OF: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs WHERE kind = $4 AND ((state = 'queued' AND run_at <= $3) \
                     OR (state = 'running' AND lease_until < $3)) ORDER BY run_at, id LIMIT 1) \
         RETURNING ";
}

/// The claim on PostgreSQL: rows another node is claiming are skipped, not waited for.
pub(crate) mod postgres {
    pub const CLAIM: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3) \
                     OR (state = 'running' AND lease_until < $3) ORDER BY run_at, id LIMIT 1 \
                     FOR UPDATE SKIP LOCKED) \
         RETURNING ";
    pub const CLAIM_OF: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs WHERE kind = $4 AND ((state = 'queued' AND run_at <= $3) \
                     OR (state = 'running' AND lease_until < $3)) ORDER BY run_at, id LIMIT 1 \
                     FOR UPDATE SKIP LOCKED) \
         RETURNING ";
}

/// Expands to `impl JobStore` for a backend; `$dialect` is [`sqlite`] or [`postgres`].
macro_rules! impl_jobs {
    ($store:ty, $db:ty, $row:ty, $dialect:ident) => {
        /// The jobs SQL of this backend; `insert_job` lets another write
        /// enqueue a job in its own transaction (the mail outbox).
        pub(crate) mod job_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use $crate::codec::*;
            use $crate::jobs::JOB_COLUMNS;
            use $crate::jobs::$dialect::{CLAIM, CLAIM_OF};
            use $crate::{Job, JobEnd, JobState, NewJob, Result, from_micros, micros};

            fn job_row(r: &$row) -> Result<Job> {
                let count = |name: &str| -> Result<u32> {
                    u32::try_from(r.try_get::<i64, _>(name)?).map_err(|_| corrupt("job attempts"))
                };
                Ok(Job {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    payload: r.try_get("payload")?,
                    unique_key: r.try_get("unique_key")?,
                    state: parse_with(r.try_get("state")?, JobState::parse, "job state")?,
                    run_at: from_micros(r.try_get("run_at")?)?,
                    attempts: count("attempts")?,
                    max_attempts: count("max_attempts")?,
                    last_error: r.try_get("last_error")?,
                    lease_owner: r.try_get("lease_owner")?,
                    lease_until: r.try_get::<Option<i64>, _>("lease_until")?.map(from_micros).transpose()?,
                    updated_at: from_micros(r.try_get("updated_at")?)?,
                })
            }

            /// Enqueues a job on the writer's connection; `None` when its unique key exists.
            pub(crate) async fn insert_job(
                c: &mut <$db as sqlx::Database>::Connection,
                job: &NewJob,
                now: DateTime<Utc>,
            ) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO jobs (kind, payload, unique_key, state, run_at, attempts, \
                     max_attempts, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6, $6) \
                     ON CONFLICT (unique_key) DO NOTHING RETURNING id",
                )
                .bind(&job.kind)
                .bind(&job.payload)
                .bind(&job.unique_key)
                .bind(micros(job.run_at))
                .bind(i64::from(job.max_attempts))
                .bind(micros(now))
                .fetch_optional(&mut *c)
                .await?)
            }

            impl $store {
                /// Claims a due job by `claim` (CLAIM, or CLAIM_OF with its kind).
                async fn claim(
                    &self,
                    claim: &'static str,
                    owner: &str,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                    kind: Option<&str>,
                ) -> Result<Option<Job>> {
                    let (owner, kind) = (owner.to_owned(), kind.map(str::to_owned));
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let sql = format!("{claim}{JOB_COLUMNS}");
                                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                                    .bind(owner)
                                    .bind(micros(lease_until))
                                    .bind(micros(now));
                                if let Some(kind) = kind {
                                    query = query.bind(kind);
                                }
                                let row = query.fetch_optional(&mut *c).await?;
                                row.as_ref().map(job_row).transpose()
                            })
                        })
                        .await
                }
            }

            #[async_trait::async_trait]
            impl $crate::JobStore for $store {
                async fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> Result<Option<i64>> {
                    let job = job.clone();
                    self.writer().write(move |c| Box::pin(async move { insert_job(c, &job, now).await })).await
                }

                async fn enqueue_jobs(&self, jobs: &[NewJob], now: DateTime<Utc>) -> Result<usize> {
                    if jobs.is_empty() {
                        return Ok(0);
                    }
                    let jobs = jobs.to_vec();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let mut queued = 0;
                                for job in &jobs {
                                    queued += usize::from(insert_job(c, job, now).await?.is_some());
                                }
                                Ok(queued)
                            })
                        })
                        .await
                }

                async fn claim_job_of(
                    &self,
                    owner: &str,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                    kind: &str,
                ) -> Result<Option<Job>> {
                    self.claim(CLAIM_OF, owner, now, lease_until, Some(kind)).await
                }

                async fn claim_job(
                    &self,
                    owner: &str,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                ) -> Result<Option<Job>> {
                    self.claim(CLAIM, owner, now, lease_until, None).await
                }

                async fn renew_job_lease(&self, id: i64, owner: &str, lease_until: DateTime<Utc>) -> Result<bool> {
                    let owner = owner.to_owned();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "UPDATE jobs SET lease_until = $1 \
                                     WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
                                )
                                .bind(micros(lease_until))
                                .bind(id)
                                .bind(&owner)
                                .execute(&mut *c)
                                .await?;
                                Ok(done.rows_affected() == 1)
                            })
                        })
                        .await
                }

                async fn end_job(&self, id: i64, owner: &str, end: &JobEnd, now: DateTime<Utc>) -> Result<bool> {
                    let (owner, end) = (owner.to_owned(), end.clone());
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                // The attempts after this end: reset, kept, or the claim's taken back.
                                let (state, run_at, error, attempts) = match &end {
                                    JobEnd::Done => (JobState::Done, None, None, "attempts"),
                                    JobEnd::Again(at) => (JobState::Queued, Some(*at), None, "0"),
                                    JobEnd::Retry { error, at } => {
                                        (JobState::Queued, Some(*at), Some(error), "attempts")
                                    }
                                    JobEnd::Dead { error } => (JobState::Dead, None, Some(error), "attempts"),
                                    JobEnd::Release { at } => (JobState::Queued, Some(*at), None, "attempts - 1"),
                                };
                                let sql = format!(
                                    "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), last_error = $3, \
                                     attempts = {attempts}, lease_owner = NULL, lease_until = NULL, updated_at = $4 \
                                     WHERE id = $5 AND lease_owner = $6 AND state = 'running'"
                                );
                                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                                .bind(state.as_str())
                                .bind(run_at.map(micros))
                                .bind(error)
                                .bind(micros(now))
                                .bind(id)
                                .bind(&owner)
                                .execute(&mut *c)
                                .await?;
                                Ok(done.rows_affected() == 1)
                            })
                        })
                        .await
                }

                async fn list_jobs(&self, limit: u32) -> Result<Vec<Job>> {
                    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1");
                    let rows =
                        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(limit)).fetch_all(self.reader()).await?;
                    rows.iter().map(job_row).collect()
                }

                async fn retry_job(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1 \
                                     WHERE id = $2 AND state = 'dead'",
                                )
                                .bind(micros(now))
                                .bind(id)
                                .execute(&mut *c)
                                .await?;
                                Ok(done.rows_affected() == 1)
                            })
                        })
                        .await
                }
            }
        }
    };
}

pub(crate) use impl_jobs;
