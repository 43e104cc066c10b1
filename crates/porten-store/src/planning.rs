//! What planning measures (*dimensionering*): contacts per interval and
//! channel (errands plus logged contacts that did not become one), the
//! service mix with handle times, and imported ACD interval statistics.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::Channel;

use crate::{AcdInterval, ContactCount, Result, ServiceMix};

#[async_trait]
pub trait PlanningStore: Send + Sync {
    /// Contacts in `[from, to)` (see [`ContactCount`]: errands plus logged
    /// contacts that did not become one), counted per channel and per bucket
    /// of `bucket_minutes` (at least 1; buckets are aligned to the Unix epoch,
    /// so 60 gives whole UTC hours). Ordered by bucket, then channel; empty
    /// buckets are left out. Counts only: no personal data is read.
    async fn contact_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket_minutes: u32,
    ) -> Result<Vec<ContactCount>>;
    /// Contacts per channel and service over `[from, to)` (see [`ServiceMix`]),
    /// most contacts first, contacts without a service last among equals.
    async fn contact_mix(&self, channel: Channel, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<ServiceMix>>;
    /// Stores imported ACD intervals in one transaction; an interval already
    /// stored for the same channel and start is replaced. Returns how many.
    async fn import_acd(&self, intervals: &[AcdInterval]) -> Result<u64>;
    /// Imported ACD intervals of a channel starting in `[from, to)`, in time order.
    async fn acd_intervals(&self, channel: Channel, from: DateTime<Utc>, to: DateTime<Utc>)
    -> Result<Vec<AcdInterval>>;
}

/// Expands to `impl PlanningStore` for a backend.
macro_rules! impl_planning {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use $crate::codec::*;
            use $crate::{from_micros, micros, AcdInterval, ContactCount, Result, ServiceMix};

            #[async_trait::async_trait]
            impl $crate::PlanningStore for $store {
                async fn contact_counts(
                    &self,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                    bucket_minutes: u32,
                ) -> Result<Vec<ContactCount>> {
                    let bucket = i64::from(bucket_minutes.max(1)) * 60_000_000;
                    // Errands, plus logged contacts that did not become one.
                    let rows = sqlx::query(
                        "SELECT CAST((t / $1) * $1 AS BIGINT) AS bucket, channel, COUNT(*) AS n FROM ( \
                           SELECT created_at AS t, channel FROM errands WHERE created_at >= $2 AND created_at < $3 \
                           UNION ALL \
                           SELECT started_at AS t, channel FROM contact_log \
                           WHERE started_at >= $2 AND started_at < $3 AND outcome <> 'errand' \
                         ) c GROUP BY 1, 2 ORDER BY 1, 2",
                    )
                    .bind(bucket)
                    .bind(micros(from))
                    .bind(micros(to))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ContactCount {
                                bucket_start: from_micros(r.try_get("bucket")?)?,
                                channel: channel(r.try_get("channel")?)?,
                                count: u64::try_from(r.try_get::<i64, _>("n")?).map_err(|_| corrupt("count"))?,
                            })
                        })
                        .collect()
                }

                async fn contact_mix(
                    &self,
                    channel_: porten_domain::Channel,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                ) -> Result<Vec<ServiceMix>> {
                    let rows = sqlx::query(
                        "SELECT service_code, CAST(SUM(counted) AS BIGINT) AS n, COUNT(handle_seconds) AS timed, \
                           CAST(COALESCE(SUM(handle_seconds), 0) AS DOUBLE PRECISION) AS seconds FROM ( \
                           SELECT service_code, 1 AS counted, CAST(NULL AS BIGINT) AS handle_seconds FROM errands \
                           WHERE channel = $1 AND created_at >= $2 AND created_at < $3 \
                           UNION ALL \
                           SELECT service_code, CASE WHEN outcome = 'errand' THEN 0 ELSE 1 END, handle_seconds \
                           FROM contact_log WHERE channel = $1 AND started_at >= $2 AND started_at < $3 \
                         ) c GROUP BY service_code ORDER BY n DESC, service_code IS NULL, service_code",
                    )
                    .bind(channel_.as_str())
                    .bind(micros(from))
                    .bind(micros(to))
                    .fetch_all(self.reader())
                    .await?;
                    // A logged contact that became an errand is counted through
                    // the errand, but its handle time still measures the work.
                    let mut mix: Vec<ServiceMix> = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let count = |name: &str| -> Result<u64> {
                            u64::try_from(r.try_get::<i64, _>(name)?).map_err(|_| corrupt("count"))
                        };
                        mix.push(ServiceMix {
                            service_code: r.try_get("service_code")?,
                            contacts: count("n")?,
                            timed: count("timed")?,
                            handle_seconds: r.try_get("seconds")?,
                        });
                    }
                    Ok(mix)
                }

                async fn import_acd(&self, intervals: &[AcdInterval]) -> Result<u64> {
                    let intervals = intervals.to_vec();
                    self.writer().write(move |c| Box::pin(async move {
                        for i in &intervals {
                            sqlx::query(
                                "INSERT INTO acd_intervals (channel, start_at, minutes, offered, answered, abandoned, aht_seconds) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                                 ON CONFLICT (channel, start_at) DO UPDATE SET minutes = excluded.minutes, \
                                 offered = excluded.offered, answered = excluded.answered, abandoned = excluded.abandoned, \
                                 aht_seconds = excluded.aht_seconds",
                            )
                            .bind(i.channel.as_str())
                            .bind(micros(i.start))
                            .bind(i64::from(i.minutes))
                            .bind(i.offered)
                            .bind(i.answered)
                            .bind(i.abandoned)
                            .bind(i.aht_seconds)
                            .execute(&mut *c)
                            .await?;
                        }
                        Ok(intervals.len() as u64)
                    })).await
                }

                async fn acd_intervals(
                    &self,
                    channel_: porten_domain::Channel,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                ) -> Result<Vec<AcdInterval>> {
                    let rows = sqlx::query(
                        "SELECT channel, start_at, minutes, offered, answered, abandoned, aht_seconds FROM acd_intervals \
                         WHERE channel = $1 AND start_at >= $2 AND start_at < $3 ORDER BY start_at",
                    )
                    .bind(channel_.as_str())
                    .bind(micros(from))
                    .bind(micros(to))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(AcdInterval {
                                channel: channel(r.try_get("channel")?)?,
                                start: from_micros(r.try_get("start_at")?)?,
                                minutes: u32::try_from(r.try_get::<i64, _>("minutes")?).map_err(|_| corrupt("minutes"))?,
                                offered: r.try_get("offered")?,
                                answered: r.try_get("answered")?,
                                abandoned: r.try_get("abandoned")?,
                                aht_seconds: r.try_get("aht_seconds")?,
                            })
                        })
                        .collect()
                }
            }
        };
    };
}

pub(crate) use impl_planning;
