//! The job runner: background work as rows in the database with leases.
//!
//! `porten serve` runs one [`JobRunner`] per node. It claims one due job at a
//! time, runs its handler in a task of its own, and renews the job's lease
//! every third of the lease while the handler runs. With several nodes a job
//! runs on one node at a time; when a node dies, its lease expires and
//! another node takes the job over (so handlers must be safe to run again:
//! idempotent). A node that cannot renew its lease stops the handler, since
//! another node may take the job over. A handler that fails or panics is
//! retried with exponential backoff; after `max_attempts` the job is parked
//! as dead with its error until `porten jobs retry` queues it again. A job
//! of a kind this node has no handler for (a newer node's, during a rolling
//! upgrade) is put back without counting the attempt. Leases compare the
//! nodes' clocks, so nodes need synchronised clocks (NTP), well within the
//! lease. The coming capabilities use it for retention, SLA timers, outbox
//! delivery, e-mail and search indexing.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use porten_domain::Actor;
use porten_store::{Job, JobEnd, NewJob};

use crate::{App, AppError, Result, require_admin};

/// Forgets who logged old contact-log entries; recurring every hour.
pub const FORGET_CONTACT_AGENTS: &str = "contacts.forget-agents";
/// Removes expired sessions; recurring every hour.
pub const PURGE_SESSIONS: &str = "sessions.purge-expired";
/// Removes expired e-service drafts and the files only they used; recurring every hour.
pub const PURGE_DRAFTS: &str = "eservices.purge-drafts";
/// The recurring jobs, each queued once per database.
pub const RECURRING: [&str; 4] = [FORGET_CONTACT_AGENTS, PURGE_SESSIONS, PURGE_DRAFTS, crate::feed::PRUNE];
/// A diagnostic job that proves the runner works on a deployment: it appends
/// `start <node> <job> <attempt>` to the file named by `log` in its payload,
/// waits while the file named by `hold_while` exists, then appends
/// `end <node> <job>`.
pub const PROBE: &str = "runner.probe";

/// Attempts before a job is parked as dead, unless it says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Default lease: a job whose node has been silent this long is taken over.
pub const DEFAULT_LEASE_SECONDS: u64 = 60;

/// How a handler's run ended well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finished {
    Done,
    /// Run again at this time (a recurring job).
    Again(DateTime<Utc>),
}

/// What a handler gets: the app, the job, and the node running it.
pub struct JobContext {
    pub app: App,
    pub job: Job,
    pub node: String,
}

type HandlerFuture = Pin<Box<dyn Future<Output = std::result::Result<Finished, String>> + Send>>;
type Handler = Arc<dyn Fn(JobContext) -> HandlerFuture + Send + Sync>;

/// Runs jobs on one node.
#[derive(Clone)]
pub struct JobRunner {
    app: App,
    node: String,
    lease: Duration,
    poll: StdDuration,
    handlers: HashMap<String, Handler>,
    /// Kinds that run often (feed consumers): logged at debug level, and
    /// queued with the recurring jobs.
    pub(crate) frequent: Vec<String>,
    /// The one kind this runner claims, if it runs nothing else.
    only: Option<String>,
}

/// Backoff before attempt `attempts + 1`: 10 s doubling, at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    Duration::seconds((10_i64 << attempts.saturating_sub(1).min(9)).min(3600))
}

impl JobRunner {
    /// A runner with the built-in handlers: contact-log retention (keeping
    /// who logged a contact for `keep_days`) and the probe.
    pub fn new(app: App, lease: StdDuration, keep_days: u32) -> Self {
        let node = format!("{}-{}", std::process::id(), hex(&crate::random_bytes::<4>()));
        let runner = Self {
            app,
            node,
            lease: Duration::from_std(lease).unwrap_or(Duration::seconds(DEFAULT_LEASE_SECONDS as i64)),
            poll: StdDuration::from_millis(500),
            handlers: HashMap::new(),
            frequent: Vec::new(),
            only: None,
        };
        runner
            .handle(FORGET_CONTACT_AGENTS, move |cx| async move {
                // Retention must never stop: a failure is tried again in
                // five minutes rather than counted towards a dead job.
                match cx.app.forget_old_contact_agents(keep_days).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(entries = n, keep_days, "forgot who logged old contacts"),
                    Err(e) => {
                        tracing::warn!(error = %e, "contact log retention failed; trying again in five minutes");
                        return Ok(Finished::Again(cx.app.now() + Duration::minutes(5)));
                    }
                }
                Ok(Finished::Again(cx.app.now() + Duration::hours(1)))
            })
            .handle(PURGE_SESSIONS, |cx| async move {
                match cx.app.purge_expired_sessions().await {
                    Ok(n) => tracing::debug!(sessions = n, "removed expired sessions"),
                    Err(e) => tracing::warn!(error = %e, "could not remove expired sessions; trying again in an hour"),
                }
                Ok(Finished::Again(cx.app.now() + Duration::hours(1)))
            })
            .handle(PURGE_DRAFTS, |cx| async move {
                match cx.app.store.purge_drafts(cx.app.now()).await {
                    Ok(n) => tracing::debug!(drafts = n, "removed expired drafts"),
                    Err(e) => tracing::warn!(error = %e, "could not remove expired drafts; trying again in an hour"),
                }
                // The space of removed drafts and files goes back to the file system.
                match cx.app.store.reclaim_space().await {
                    Ok(0) => {}
                    Ok(bytes) => tracing::info!(bytes, "database space reclaimed"),
                    Err(e) => tracing::warn!(error = %e, "could not reclaim database space; trying again in an hour"),
                }
                Ok(Finished::Again(cx.app.now() + Duration::hours(1)))
            })
            .handle(crate::feed::PRUNE, |cx| async move {
                match cx.app.prune_feed().await {
                    Ok(n) => tracing::debug!(changes = n, "pruned the errand feed"),
                    Err(e) => tracing::warn!(error = %e, "could not prune the errand feed; trying again in an hour"),
                }
                Ok(Finished::Again(cx.app.now() + Duration::hours(1)))
            })
            .handle(PROBE, probe)
            .handle(crate::sla::ALERT_JOB, crate::sla::alert_handler)
            .handle(crate::sla::RECOMPUTE_JOB, crate::sla::recompute_handler)
            .consume(crate::sla::CONSUMER, crate::sla::consume)
            .consume(crate::assignment::CONSUMER, crate::assignment::consume)
            .consume(crate::notices::CONSUMER, crate::notices::consume)
            .with_mail(None)
    }

    /// Delivers the mail outbox through this SMTP server (without one, mail
    /// waits in the outbox and its jobs retry).
    pub fn with_mail(self, settings: Option<crate::mail::SmtpSettings>) -> Self {
        self.handle(porten_store::MAIL_JOB, move |cx| crate::mail::send_job(settings.clone(), cx))
    }

    /// A runner that claims only jobs of `kind`, and runs them with
    /// `handler` (a process of its own, such as `porten mail-intake --imap`).
    /// The job is queued once per database (several processes may all ask).
    pub async fn only<F, Fut>(app: App, lease: StdDuration, kind: &str, handler: F) -> Result<Self>
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Finished, String>> + Send + 'static,
    {
        let job = NewJob {
            kind: kind.into(),
            payload: "{}".into(),
            unique_key: Some(kind.into()),
            run_at: app.now(),
            max_attempts: porten_store::MAIL_ATTEMPTS,
        };
        app.store.enqueue_job(&job, app.now()).await?;
        let mut runner = Self::new(app, lease, 0);
        runner.handlers.clear();
        runner.only = Some(kind.to_owned());
        Ok(runner.handle(kind, handler))
    }

    /// Adds (or replaces) the handler for a kind of job.
    pub fn handle<F, Fut>(mut self, kind: &str, handler: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Finished, String>> + Send + 'static,
    {
        self.handlers.insert(kind.to_owned(), Arc::new(move |cx| Box::pin(handler(cx))));
        self
    }

    /// This node's name in leases.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Queues the recurring jobs once per database (several nodes may all call it).
    pub async fn schedule_recurring(&self) -> Result<()> {
        for kind in RECURRING.iter().copied().chain(self.frequent.iter().map(String::as_str)) {
            let job = NewJob {
                kind: kind.into(),
                payload: "{}".into(),
                unique_key: Some(kind.into()),
                run_at: self.app.now(),
                max_attempts: DEFAULT_MAX_ATTEMPTS,
            };
            self.app.store.enqueue_job(&job, self.app.now()).await?;
        }
        Ok(())
    }

    /// Runs jobs for as long as the server runs.
    pub async fn run(self) {
        tracing::info!(node = %self.node, "job runner started");
        loop {
            match self.run_one().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "job runner could not reach the database"),
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Claims one due job and runs it; whether there was one.
    pub async fn run_one(&self) -> Result<bool> {
        let now = self.app.now();
        let claimed = match &self.only {
            Some(kind) => self.app.store.claim_job_of(&self.node, now, now + self.lease, kind).await?,
            None => self.app.store.claim_job(&self.node, now, now + self.lease).await?,
        };
        let Some(job) = claimed else {
            return Ok(false);
        };
        let (id, kind, attempts, max) = (job.id, job.kind.clone(), job.attempts, job.max_attempts);
        let quiet = self.frequent.contains(&kind);
        if !quiet {
            tracing::info!(job = id, kind = %kind, attempt = attempts, "job started");
        }
        let end = match self.handlers.get(&kind) {
            None => {
                tracing::warn!(job = id, kind = %kind, "no handler for this kind of job on this node; putting it back");
                JobEnd::Release { at: now + Duration::minutes(1) }
            }
            Some(_) if attempts > max => JobEnd::Dead { error: "its node stopped too often while running it".into() },
            Some(handler) => {
                let cx = JobContext { app: self.app.clone(), job, node: self.node.clone() };
                match self.with_lease(id, handler(cx)).await {
                    None => return Ok(true),
                    Some(Ok(Finished::Done)) => JobEnd::Done,
                    Some(Ok(Finished::Again(at))) => JobEnd::Again(at),
                    Some(Err(error)) if attempts >= max => JobEnd::Dead { error },
                    Some(Err(error)) => JobEnd::Retry { error, at: self.app.now() + backoff(attempts) },
                }
            }
        };
        match &end {
            JobEnd::Retry { error, .. } | JobEnd::Dead { error } => {
                tracing::warn!(job = id, kind = %kind, attempt = attempts, %error, "job failed")
            }
            JobEnd::Done | JobEnd::Again(_) if quiet => tracing::debug!(job = id, kind = %kind, "job finished"),
            JobEnd::Done | JobEnd::Again(_) => tracing::info!(job = id, kind = %kind, "job finished"),
            JobEnd::Release { .. } => {}
        }
        if !self.app.store.end_job(id, &self.node, &end, self.app.now()).await? {
            tracing::warn!(job = id, "job lease was lost while it ran; another node has taken it over");
        }
        Ok(true)
    }

    /// Runs the handler in a task of its own (a panic becomes an error)
    /// while renewing the lease every third of it. `None` when the lease was
    /// lost or could not be renewed in time: the handler is stopped, and the
    /// job is left to the node that takes it over.
    async fn with_lease(&self, id: i64, work: HandlerFuture) -> Option<std::result::Result<Finished, String>> {
        let period = (self.lease / 3).to_std().unwrap_or(StdDuration::from_secs(1)).max(StdDuration::from_millis(50));
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let mut task = tokio::spawn(work);
        let mut held_until = self.app.now() + self.lease;
        loop {
            tokio::select! {
                joined = &mut task => {
                    return Some(joined.unwrap_or_else(|e| Err(if e.is_panic() {
                        "the job panicked".to_owned()
                    } else {
                        "the job was cancelled".to_owned()
                    })));
                }
                _ = renew.tick() => {
                    let until = self.app.now() + self.lease;
                    match self.app.store.renew_job_lease(id, &self.node, until).await {
                        Ok(true) => held_until = until,
                        Ok(false) => {
                            tracing::warn!(job = id, "job lease lost; stopping the job");
                            task.abort();
                            return None;
                        }
                        Err(e) if self.app.now() >= held_until => {
                            tracing::warn!(job = id, error = %e, "job lease ran out unrenewed; stopping the job");
                            task.abort();
                            return None;
                        }
                        Err(e) => tracing::warn!(job = id, error = %e, "could not renew job lease"),
                    }
                }
            }
        }
    }
}

async fn probe(cx: JobContext) -> std::result::Result<Finished, String> {
    use std::io::Write;
    let payload: serde_json::Value = serde_json::from_str(&cx.job.payload).map_err(|e| e.to_string())?;
    let log = payload["log"].as_str().ok_or("the probe needs a log file")?.to_owned();
    let append = |line: String| -> std::result::Result<(), String> {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&log).map_err(|e| e.to_string())?;
        f.write_all(line.as_bytes()).map_err(|e| e.to_string())
    };
    append(format!("start {} {} {}\n", cx.node, cx.job.id, cx.job.attempts))?;
    if let Some(hold) = payload["hold_while"].as_str() {
        while std::path::Path::new(hold).exists() {
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    }
    append(format!("end {} {}\n", cx.node, cx.job.id))?;
    Ok(Finished::Done)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl App {
    /// Queues a job (Porten itself and system admins); its id, or `None`
    /// when a job with its unique key exists.
    pub async fn enqueue_job(&self, actor: &Actor, job: &NewJob) -> Result<Option<i64>> {
        require_admin(actor)?;
        Ok(self.store.enqueue_job(job, self.now()).await?)
    }

    /// The latest jobs with their state, attempts and last error.
    pub async fn jobs(&self, actor: &Actor, limit: u32) -> Result<Vec<Job>> {
        require_admin(actor)?;
        Ok(self.store.list_jobs(limit).await?)
    }

    /// Queues a dead job again; audited. Not found when no dead job has that id.
    pub async fn retry_job(&self, actor: &Actor, id: i64) -> Result<()> {
        require_admin(actor)?;
        let write = self.store.retry_job(id, self.now());
        if !self.audited(actor, "jobs.retry", &format!("job {id}"), write).await? {
            return Err(AppError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let secs: Vec<i64> = [1, 2, 3, 4, 9, 10, 30].map(|a| super::backoff(a).num_seconds()).to_vec();
        assert_eq!(secs, [10, 20, 40, 80, 2560, 3600, 3600]);
    }
}
