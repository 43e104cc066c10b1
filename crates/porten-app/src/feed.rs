//! The errand change feed's consumers (see `porten_store::FeedStore`).
//!
//! - A *durable* consumer keeps its cursor in the database and runs as a
//!   recurring job ([`JobRunner::consume`]): under the job's lease one node
//!   at a time reads a batch, handles it and saves the cursor, so a node that
//!   dies is taken over where it stopped. A batch handled but not yet saved
//!   is handled again by the next node: handlers must bear a change twice.
//! - A *node-local* consumer keeps its position itself, as the staff errand
//!   index does ([`crate::errand_search`]).
//!
//! [`PRUNE`] removes changes older than the retention period that every
//! durable consumer has passed.

use std::future::Future;
use std::sync::Arc;

use chrono::Duration;
use porten_store::ErrandChange;

use crate::jobs::{Finished, JobRunner};
use crate::{App, Result, require_admin};

/// Removes delivered changes past retention; recurring every hour.
pub const PRUNE: &str = "feed.prune";
/// How long delivered changes are kept.
pub const RETENTION_DAYS: i64 = 7;
/// Changes read per batch.
const BATCH: u32 = 500;

/// The job kind of a durable consumer.
pub fn job_kind(consumer: &str) -> String {
    format!("feed.consume.{consumer}")
}

/// How far the feed's consumers lag, for `/metrics`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedStatus {
    /// Per durable consumer: its name and the age in seconds of the oldest
    /// change it has not handled (0 when it is current).
    pub consumers: Vec<(String, f64)>,
    /// This node's errand index: the age of its oldest unread change
    /// (before its first round, of the oldest change kept).
    pub errand_index_lag_seconds: f64,
    /// PostgreSQL: the age of the oldest transaction holding the feed back.
    pub oldest_transaction_seconds: Option<f64>,
}

impl App {
    /// Reads the next batch for a durable consumer from its saved cursor,
    /// hands it to `handle`, and saves the cursor after it. The number handled.
    pub async fn consume_feed<F, Fut>(&self, consumer: &str, handle: F) -> Result<usize>
    where
        F: FnOnce(App, Vec<ErrandChange>) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        // A consumer starts at the floor: what was pruned before it was
        // known is gone. One behind the floor (which pruning never does to
        // a saved cursor) lost changes: said loudly, then carried on.
        let floor = self.store.feed_floor().await?;
        let from = match self.store.consumer_position(consumer).await? {
            None => floor,
            Some(at) if at < floor => {
                tracing::error!(
                    consumer,
                    "a durable consumer was behind the pruned part of the feed; changes were lost"
                );
                floor
            }
            Some(at) => at,
        };
        let batch = self.store.errand_changes(from, BATCH).await?;
        let Some(last) = batch.last().map(|c| c.position) else { return Ok(0) };
        let n = batch.len();
        handle(self.clone(), batch).await?;
        self.store.save_consumer_position(consumer, last, self.now()).await?;
        Ok(n)
    }

    /// Prunes delivered changes older than the retention period.
    pub async fn prune_feed(&self) -> Result<u64> {
        Ok(self.store.prune_errand_changes(self.now() - Duration::days(RETENTION_DAYS)).await?)
    }

    /// The feed's lag, for operators (system admins and Porten itself).
    pub async fn feed_status(&self, actor: &porten_domain::Actor) -> Result<FeedStatus> {
        require_admin(actor)?;
        let now = self.now();
        let age = |at: Option<chrono::DateTime<chrono::Utc>>| {
            at.map_or(0.0, |at| (now - at).num_milliseconds().max(0) as f64 / 1000.0)
        };
        let mut consumers = Vec::new();
        for c in self.store.consumer_positions().await? {
            consumers.push((c.name, age(self.store.first_pending_at(c.position).await?)));
        }
        // Where the last round ended: not waiting for a round in progress.
        let reached = *self.errand_search.reached.lock().unwrap_or_else(|e| e.into_inner());
        let from = match reached {
            Some(at) => at,
            None => self.store.feed_floor().await?,
        };
        let errand_index_lag_seconds = age(self.store.first_pending_at(from).await?);
        Ok(FeedStatus {
            consumers,
            errand_index_lag_seconds,
            oldest_transaction_seconds: self.store.oldest_transaction_seconds().await?,
        })
    }
}

type Consumer =
    Arc<dyn Fn(App, Vec<ErrandChange>) -> std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send + Sync>;

impl JobRunner {
    /// Runs `handle` as the durable consumer `name`: a recurring job that,
    /// under its lease, handles batches until the feed is read, then looks
    /// again a second later. [`JobRunner::schedule_recurring`] queues it.
    pub fn consume<F, Fut>(mut self, name: &str, handle: F) -> Self
    where
        F: Fn(App, Vec<ErrandChange>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        let handle: Consumer = Arc::new(move |app, batch| Box::pin(handle(app, batch)));
        let name = name.to_owned();
        self.frequent.push(job_kind(&name));
        self.handle(&job_kind(&name), move |cx| {
            let (handle, name) = (handle.clone(), name.clone());
            async move {
                loop {
                    let h = handle.clone();
                    match cx.app.consume_feed(&name, move |app, batch| h(app, batch)).await {
                        Ok(0) => break,
                        Ok(n) => tracing::debug!(consumer = %name, changes = n, "feed consumer handled a batch"),
                        // Never parked as dead: a dead consumer would hold
                        // back pruning for good. Tried again in a minute.
                        Err(e) => {
                            tracing::warn!(consumer = %name, error = %e, "a feed consumer failed; trying again in a minute");
                            return Ok(Finished::Again(cx.app.now() + Duration::minutes(1)));
                        }
                    }
                }
                Ok(Finished::Again(cx.app.now() + Duration::seconds(1)))
            }
        })
    }
}
