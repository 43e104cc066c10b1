//! The errand change feed: one change per write to an errand (registration,
//! a command, a submission, a citizen's reply), appended in the savepoint of
//! the write, read by consumers in commit order through cursors of their own.
//!
//! A position is `(txid, seq)`. On SQLite `txid` is always 0 and `seq` comes
//! from `AUTOINCREMENT`: the one writer assigns numbers in commit order, and
//! a number is never reused. On PostgreSQL `seq` is taken at insert, so
//! numbers do not follow commits; each row records its transaction id, and a
//! reader only reads rows of transactions older than the oldest one still in
//! flight ([`postgres::VISIBLE`]). Rows so read are final: no transaction
//! that could add a row before them is still running. Two transactions that
//! overlap are read in the order of their ids, which may differ from the
//! order of their commits; changes to one errand carry its version, which
//! the row lock makes follow the commits.
//!
//! Durable consumers keep their cursor in `feed_consumers`; node-local ones
//! (a search index on each node) keep theirs themselves. Pruning removes
//! changes older than a retention period that every durable consumer has
//! passed, and raises the *floor*: a node-local consumer whose cursor is
//! below it has missed changes and must rebuild.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::PublicId;

use crate::Result;

/// A place in the feed: every change at or before it has been read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedPosition {
    /// The writing transaction's id (PostgreSQL); 0 on SQLite.
    pub txid: i64,
    pub seq: i64,
}

impl FeedPosition {
    /// Text form, for an index's commit payload or a log line.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.txid, self.seq)
    }
    pub fn decode(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('.')?;
        Some(Self { txid: a.parse().ok()?, seq: b.parse().ok()? })
    }
}

/// One write to an errand, as the feed has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrandChange {
    pub position: FeedPosition,
    pub errand_id: i64,
    pub public_id: PublicId,
    /// The errand's version after the write (1 at registration).
    pub version: i64,
    /// What happened first in the write: the timeline event's type
    /// (`registered`, `message`, `status_changed`, …).
    pub kind: String,
    pub at: DateTime<Utc>,
}

/// What a durable consumer has reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerPosition {
    pub name: String,
    pub position: FeedPosition,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait FeedStore: Send + Sync {
    /// Changes after `after` that are final, in feed order, at most `limit`.
    async fn errand_changes(&self, after: FeedPosition, limit: u32) -> Result<Vec<ErrandChange>>;
    /// A position at or before every change not yet final: a consumer that
    /// starts here after reading the current state of every errand misses
    /// nothing (it may see a change again, which a consumer must bear).
    async fn feed_head(&self) -> Result<FeedPosition>;
    /// The highest position pruned so far.
    async fn feed_floor(&self) -> Result<FeedPosition>;
    /// The time of the first change after `after`, final or not: how far a
    /// consumer at `after` lags.
    async fn first_pending_at(&self, after: FeedPosition) -> Result<Option<DateTime<Utc>>>;
    /// A durable consumer's saved cursor.
    async fn consumer_position(&self, name: &str) -> Result<Option<FeedPosition>>;
    /// Every durable consumer's cursor.
    async fn consumer_positions(&self) -> Result<Vec<ConsumerPosition>>;
    /// Saves a durable consumer's cursor. A cursor never moves back: saving
    /// a position before the saved one leaves it (a node that lost its
    /// lease cannot undo the work of the node that took over).
    async fn save_consumer_position(&self, name: &str, position: FeedPosition, now: DateTime<Utc>) -> Result<()>;
    /// Removes changes before `before` that every durable consumer has
    /// passed, and raises the floor to the highest one removed. The count.
    async fn prune_errand_changes(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Seconds since the oldest transaction in the cluster that holds back
    /// the feed began (PostgreSQL); `None` on SQLite or when there is none.
    async fn oldest_transaction_seconds(&self) -> Result<Option<f64>>;
}

/// The statement that appends a change; the writer's savepoint holds it.
/// A change row holds no more than it must (the errand's public id is read
/// by joining), and has no index beyond its key: it is written with every
/// errand write, read in order, and pruned by a scan once an hour.
pub(crate) const INSERT_CHANGE: &str =
    "INSERT INTO errand_changes (errand_id, version, kind, at) VALUES ($1, $2, $3, $4)";

/// SQLite: every committed row is final (one writer), and no transaction
/// of another client can hold the feed back.
pub(crate) mod sqlite {
    /// SQLite has no data-modifying `WITH`; its statements cost no round trip.
    pub const EVENT_WITH_CHANGE: Option<&str> = None;
    pub const VISIBLE: &str = "";
    /// `txid` is always 0: the key's range alone, in key order.
    pub const AFTER: &str = "(c.txid >= $1 AND c.seq > $2)";
    pub const ORDER: &str = "c.seq";
    /// The newest number handed out, never below the floor (a feed pruned
    /// empty has no rows, but its numbers are not reused).
    pub const HEAD: &str = "SELECT CAST(0 AS BIGINT), MAX(COALESCE((SELECT MAX(seq) FROM errand_changes), 0), \
         (SELECT seq FROM feed_floor WHERE id = 1))";
    pub const OLDEST_TRANSACTION: Option<&str> = None;
}

/// PostgreSQL: only rows of transactions older than the oldest in flight.
pub(crate) mod postgres {
    /// A timeline event and the write's change in one statement: on
    /// PostgreSQL every statement is a round trip on the writer's connection,
    /// which bounds how fast errands are registered. Parameters: those of
    /// `INSERT_EVENT`, then the errand's version.
    pub const EVENT_WITH_CHANGE: Option<&str> = Some(
        "WITH event AS (INSERT INTO timeline (errand_id, at, actor_kind, actor_id, actor_name, kind, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)) \
         INSERT INTO errand_changes (errand_id, version, kind, at) VALUES ($1, $8, $6, $2)",
    );
    pub const VISIBLE: &str = " AND c.txid < CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)";
    /// A row comparison, so the (txid, seq) index serves it as a range.
    pub const AFTER: &str = "(c.txid, c.seq) > ($1, $2)";
    pub const ORDER: &str = "c.txid, c.seq";
    /// After a restore from `pg_dump` into another cluster, rows, cursors
    /// and the floor may carry transaction ids this cluster has not reached
    /// (ids are per cluster). Those rows are all final: they move to txid 0,
    /// before every change this cluster writes, keeping their order by seq.
    pub const REBASE: [&str; 3] = [
        "UPDATE errand_changes SET txid = 0 \
         WHERE txid >= CAST(CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT) AS BIGINT)",
        "UPDATE feed_consumers SET txid = 0 \
         WHERE txid >= CAST(CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT) AS BIGINT)",
        "UPDATE feed_floor SET txid = 0 \
         WHERE txid >= CAST(CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT) AS BIGINT)",
    ];
    /// Every row of a transaction below the oldest in flight is final, so
    /// (xmin, 0) lies at or before every change still to become final.
    pub const HEAD: &str =
        "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT), CAST(0 AS BIGINT)";
    /// Transactions with an id hold back the snapshot's xmin.
    pub const OLDEST_TRANSACTION: Option<&str> = Some(
        "SELECT CAST(EXTRACT(EPOCH FROM (clock_timestamp() - MIN(xact_start))) AS DOUBLE PRECISION) \
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL",
    );
}

/// Expands to `impl FeedStore` for a backend.
macro_rules! impl_feed {
    ($store:ty, $db:ty, $row:ty, $dialect:ident) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use $crate::codec::public_id;
            // Every statement names the feed's table `c`, as these fragments do.
            use $crate::feed::$dialect::{AFTER, HEAD, OLDEST_TRANSACTION, ORDER, VISIBLE};
            use $crate::feed::{ConsumerPosition, ErrandChange, FeedPosition};
            use $crate::{Result, from_micros, micros};


            fn position(r: &$row, txid: &str, seq: &str) -> Result<FeedPosition> {
                Ok(FeedPosition { txid: r.try_get(txid)?, seq: r.try_get(seq)? })
            }

            #[async_trait::async_trait]
            impl $crate::FeedStore for $store {
                async fn errand_changes(&self, after: FeedPosition, limit: u32) -> Result<Vec<ErrandChange>> {
                    // An errand is never deleted while its changes are kept.
                    let sql = format!(
                        "SELECT c.seq, c.txid, c.errand_id, e.public_id, c.version, c.kind, c.at \
                         FROM errand_changes c JOIN errands e ON e.id = c.errand_id \
                         WHERE {AFTER}{VISIBLE} ORDER BY {ORDER} LIMIT $3"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(after.txid)
                        .bind(after.seq)
                        .bind(i64::from(limit.max(1)))
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ErrandChange {
                                position: position(r, "txid", "seq")?,
                                errand_id: r.try_get("errand_id")?,
                                public_id: public_id(r.try_get("public_id")?)?,
                                version: r.try_get("version")?,
                                kind: r.try_get("kind")?,
                                at: from_micros(r.try_get("at")?)?,
                            })
                        })
                        .collect()
                }

                async fn feed_head(&self) -> Result<FeedPosition> {
                    let (txid, seq): (i64, i64) = sqlx::query_as(HEAD).fetch_one(self.reader()).await?;
                    Ok(FeedPosition { txid, seq })
                }

                async fn feed_floor(&self) -> Result<FeedPosition> {
                    let (txid, seq): (i64, i64) =
                        sqlx::query_as("SELECT txid, seq FROM feed_floor WHERE id = 1").fetch_one(self.reader()).await?;
                    Ok(FeedPosition { txid, seq })
                }

                async fn first_pending_at(&self, after: FeedPosition) -> Result<Option<DateTime<Utc>>> {
                    let sql = format!("SELECT c.at FROM errand_changes c WHERE {AFTER} ORDER BY {ORDER} LIMIT 1");
                    let at: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .bind(after.txid)
                        .bind(after.seq)
                        .fetch_optional(self.reader())
                        .await?;
                    at.map(from_micros).transpose()
                }

                async fn consumer_position(&self, name: &str) -> Result<Option<FeedPosition>> {
                    let row = sqlx::query("SELECT txid, seq FROM feed_consumers WHERE name = $1")
                        .bind(name)
                        .fetch_optional(self.reader())
                        .await?;
                    row.map(|r| position(&r, "txid", "seq")).transpose()
                }

                async fn consumer_positions(&self) -> Result<Vec<ConsumerPosition>> {
                    let rows = sqlx::query("SELECT name, txid, seq, updated_at FROM feed_consumers ORDER BY name")
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ConsumerPosition {
                                name: r.try_get("name")?,
                                position: position(r, "txid", "seq")?,
                                updated_at: from_micros(r.try_get("updated_at")?)?,
                            })
                        })
                        .collect()
                }

                async fn save_consumer_position(
                    &self,
                    name: &str,
                    to: FeedPosition,
                    now: DateTime<Utc>,
                ) -> Result<()> {
                    let name = name.to_owned();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO feed_consumers (name, txid, seq, updated_at) VALUES ($1, $2, $3, $4) \
                                     ON CONFLICT (name) DO UPDATE SET txid = excluded.txid, seq = excluded.seq, \
                                     updated_at = excluded.updated_at \
                                     WHERE excluded.txid > feed_consumers.txid \
                                        OR (excluded.txid = feed_consumers.txid AND excluded.seq >= feed_consumers.seq)",
                                )
                                .bind(name)
                                .bind(to.txid)
                                .bind(to.seq)
                                .bind(micros(now))
                                .execute(&mut *c)
                                .await?;
                                Ok(())
                            })
                        })
                        .await
                }

                async fn prune_errand_changes(&self, before: DateTime<Utc>) -> Result<u64> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                // Passed by every durable consumer, and final.
                                let prunable = format!(
                                    "c.at < $1{VISIBLE} AND NOT EXISTS (SELECT 1 FROM feed_consumers f \
                                     WHERE c.txid > f.txid OR (c.txid = f.txid AND c.seq > f.seq))"
                                );
                                let top = sqlx::query(sqlx::AssertSqlSafe(format!(
                                    "SELECT c.txid, c.seq FROM errand_changes c WHERE {prunable} \
                                     ORDER BY c.txid DESC, c.seq DESC LIMIT 1"
                                )))
                                .bind(micros(before))
                                .fetch_optional(&mut *c)
                                .await?;
                                let Some(top) = top else { return Ok(0) };
                                let top = position(&top, "txid", "seq")?;
                                let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                                    "DELETE FROM errand_changes AS c WHERE {prunable} AND {AFTER_NOT}"
                                )))
                                .bind(micros(before))
                                .bind(top.txid)
                                .bind(top.seq)
                                .execute(&mut *c)
                                .await?;
                                sqlx::query(
                                    "UPDATE feed_floor SET txid = $1, seq = $2 \
                                     WHERE id = 1 AND ($1 > txid OR ($1 = txid AND $2 > seq))",
                                )
                                .bind(top.txid)
                                .bind(top.seq)
                                .execute(&mut *c)
                                .await?;
                                Ok(done.rows_affected())
                            })
                        })
                        .await
                }

                async fn oldest_transaction_seconds(&self) -> Result<Option<f64>> {
                    let Some(sql) = OLDEST_TRANSACTION else { return Ok(None) };
                    Ok(sqlx::query_scalar(sql).fetch_one(self.reader()).await?)
                }
            }

            /// Rows at or before the highest pruned: what the floor covers.
            const AFTER_NOT: &str = "(c.txid < $2 OR (c.txid = $2 AND c.seq <= $3))";
        };
    };
}

pub(crate) use impl_feed;
