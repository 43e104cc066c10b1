//! Portal statistics: article page views, the query log for editors and
//! the self-service events deflection is measured from. The node counts
//! them in memory and writes them in batches (`App::flush_portal_stats`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
pub use porten_domain::knowledge::{Deflection, LoggedSearch, QueryStat, SelfServiceEvent};

use crate::Result;

#[async_trait]
pub trait StatsStore: Send + Sync {
    /// Adds counted page views (buffered by the caller).
    async fn add_article_views(&self, views: &[(String, u64)]) -> Result<()>;
    async fn log_searches(&self, searches: &[LoggedSearch]) -> Result<()>;
    /// Queries since `since`, most searched first.
    async fn query_stats(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<QueryStat>>;
    async fn record_self_service(&self, events: &[SelfServiceEvent]) -> Result<()>;
    /// Deflection per page since `since`, most visited first.
    async fn deflection(&self, since: DateTime<Utc>) -> Result<Vec<Deflection>>;
    /// Forgets self-service events and logged searches older than `before`.
    async fn purge_self_service(&self, before: DateTime<Utc>) -> Result<u64>;
}

/// Rows per statement when statistics are written (five values a row stay
/// well under either backend's limit on bound values).
pub(crate) const ROWS_PER_INSERT: usize = 1000;

/// Expands to `impl StatsStore` for a backend.
macro_rules! impl_stats {
    ($store:ty, $db:ty, $row:ty) => {
        mod stats_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};

            use $crate::stats::*;
            use $crate::{Result, micros};

            #[async_trait::async_trait]
            impl $crate::StatsStore for $store {
                async fn add_article_views(&self, views: &[(String, u64)]) -> Result<()> {
                    let views = views.to_vec();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                for (slug, n) in &views {
                                    sqlx::query("UPDATE articles SET views = views + $1 WHERE slug = $2")
                                        .bind(*n as i64)
                                        .bind(slug)
                                        .execute(&mut *c)
                                        .await?;
                                }
                                Ok(())
                            })
                        })
                        .await
                }

                async fn log_searches(&self, searches: &[LoggedSearch]) -> Result<()> {
                    let searches = searches.to_vec();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                // Many rows per statement: one hand-off per chunk, not per search.
                                for chunk in searches.chunks(ROWS_PER_INSERT) {
                                    let mut qb = QueryBuilder::<$db>::new(
                                        "INSERT INTO search_queries (query, lang, results, clicked, created_at) ",
                                    );
                                    qb.push_values(chunk, |mut row, s| {
                                        row.push_bind(&s.query)
                                            .push_bind(&s.lang)
                                            .push_bind(s.results as i64)
                                            .push_bind(&s.clicked)
                                            .push_bind(micros(s.at));
                                    });
                                    // Row counts vary: not kept as prepared statements.
                                    qb.build().persistent(false).execute(&mut *c).await?;
                                }
                                Ok(())
                            })
                        })
                        .await
                }

                async fn query_stats(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<QueryStat>> {
                    let rows = sqlx::query(
                        "SELECT query, \
                         SUM(CASE WHEN clicked IS NULL THEN 1 ELSE 0 END) AS searches, \
                         SUM(CASE WHEN clicked IS NULL THEN 0 ELSE 1 END) AS clicks, \
                         MIN(CASE WHEN clicked IS NULL THEN results END) AS results \
                         FROM search_queries WHERE created_at >= $1 GROUP BY query \
                         HAVING SUM(CASE WHEN clicked IS NULL THEN 1 ELSE 0 END) > 0 \
                         ORDER BY searches DESC, query LIMIT $2",
                    )
                    .bind(micros(since))
                    .bind(limit as i64)
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(QueryStat {
                                query: r.try_get("query")?,
                                searches: r.try_get::<i64, _>("searches")?.max(0) as u64,
                                clicks: r.try_get::<i64, _>("clicks")?.max(0) as u64,
                                results: r.try_get::<Option<i64>, _>("results")?.unwrap_or(0).max(0) as u32,
                            })
                        })
                        .collect()
                }

                async fn record_self_service(&self, events: &[SelfServiceEvent]) -> Result<()> {
                    let events = events.to_vec();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                for chunk in events.chunks(ROWS_PER_INSERT) {
                                    let mut qb = QueryBuilder::<$db>::new(
                                        "INSERT INTO self_service_events (visitor, kind, doc, created_at) ",
                                    );
                                    qb.push_values(chunk, |mut row, e| {
                                        row.push_bind(&e.visitor)
                                            .push_bind(e.kind)
                                            .push_bind(&e.doc)
                                            .push_bind(micros(e.at));
                                    });
                                    // Row counts vary: not kept as prepared statements.
                                    qb.build().persistent(false).execute(&mut *c).await?;
                                }
                                Ok(())
                            })
                        })
                        .await
                }

                async fn deflection(&self, since: DateTime<Utc>) -> Result<Vec<Deflection>> {
                    let rows = sqlx::query(
                        "SELECT v.doc, COUNT(DISTINCT v.visitor) AS visitors, \
                         COUNT(DISTINCT h.visitor) AS helpful, \
                         COUNT(DISTINCT CASE WHEN NOT EXISTS (SELECT 1 FROM self_service_events c \
                           WHERE c.visitor = h.visitor AND c.kind = 'contact' AND c.created_at >= h.created_at \
                           AND c.created_at < h.created_at + 86400000000) THEN h.visitor END) AS deflected \
                         FROM self_service_events v LEFT JOIN self_service_events h \
                           ON h.visitor = v.visitor AND h.doc = v.doc AND h.kind = 'helpful' \
                         WHERE v.kind = 'view' AND v.doc IS NOT NULL AND v.created_at >= $1 \
                         GROUP BY v.doc ORDER BY visitors DESC, v.doc LIMIT 500",
                    )
                    .bind(micros(since))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let n = |c: &str| -> Result<u64> { Ok(r.try_get::<i64, _>(c)?.max(0) as u64) };
                            Ok(Deflection {
                                doc: r.try_get("doc")?,
                                visitors: n("visitors")?,
                                helpful: n("helpful")?,
                                deflected: n("deflected")?,
                            })
                        })
                        .collect()
                }

                async fn purge_self_service(&self, before: DateTime<Utc>) -> Result<u64> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let a = sqlx::query("DELETE FROM self_service_events WHERE created_at < $1")
                                    .bind(micros(before))
                                    .execute(&mut *c)
                                    .await?;
                                let b = sqlx::query("DELETE FROM search_queries WHERE created_at < $1")
                                    .bind(micros(before))
                                    .execute(&mut *c)
                                    .await?;
                                Ok(a.rows_affected() + b.rows_affected())
                            })
                        })
                        .await
                }
            }
        }
    };
}

pub(crate) use impl_stats;
