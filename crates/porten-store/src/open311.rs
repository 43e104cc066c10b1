//! Open311's public list of requests (issue 21): errands of the services
//! marked as public reports, never a confidential one, without their
//! parties. Newest first, in pages.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::{Errand, PublicId};

use crate::Result;

/// Which public reports to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicQuery {
    /// By public id: overrides every other filter (the spec's rule).
    pub ids: Vec<PublicId>,
    /// Catalogue service codes; empty means every public-report service.
    pub services: Vec<String>,
    /// Registered at or after `from` and before `to`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `Some(true)` for active errands only, `Some(false)` for finished ones.
    pub open: Option<bool>,
    pub limit: u32,
    pub offset: u32,
}

/// A status change of a public report (an Open311 service request update).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUpdate {
    /// The timeline event's id.
    pub id: i64,
    pub errand: PublicId,
    pub service_code: String,
    pub at: DateTime<Utc>,
    pub to: porten_domain::Lifecycle,
}

/// A public report: the errand without parties, and its due time.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicReport {
    pub errand: Errand,
    pub due_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait Open311Store: Send + Sync {
    /// The public reports the query selects, newest first.
    async fn public_reports(&self, query: &PublicQuery) -> Result<Vec<PublicReport>>;
    /// The status changes of public reports at or after `from` and before
    /// `to`, oldest first, at most `limit`.
    async fn public_updates(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: u32) -> Result<Vec<PublicUpdate>>;
    /// The errand an external actor registered with this idempotency key
    /// (see [`crate::writer::with_idempotency`]).
    async fn idempotent_errand(&self, api_key_id: i64, key: &str) -> Result<Option<PublicId>>;
}

/// Expands to `impl Open311Store` for a backend.
macro_rules! impl_open311 {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use sqlx::{QueryBuilder, Row};

            use $crate::assignment::ACTIVE_SQL;
            use $crate::codec::ERRAND_COLUMNS;
            use $crate::open311::{PublicQuery, PublicReport};
            use $crate::{Result, from_micros, micros};

            #[async_trait::async_trait]
            impl $crate::open311::Open311Store for $store {
                async fn public_reports(&self, q: &PublicQuery) -> Result<Vec<PublicReport>> {
                    let mut qb = QueryBuilder::<$db>::new(format!(
                        "SELECT {ERRAND_COLUMNS}, due_at FROM errands WHERE NOT confidential \
                         AND service_code IN (SELECT code FROM services WHERE public_reports AND NOT confidential)"
                    ));
                    if q.ids.is_empty() {
                        qb.push(" AND created_at >= ").push_bind(micros(q.from));
                        qb.push(" AND created_at < ").push_bind(micros(q.to));
                        if !q.services.is_empty() {
                            qb.push(" AND service_code IN (");
                            let mut list = qb.separated(", ");
                            for code in &q.services {
                                list.push_bind(code.clone());
                            }
                            qb.push(")");
                        }
                        match q.open {
                            Some(true) => qb.push(format!(" AND lifecycle IN {ACTIVE_SQL}")),
                            Some(false) => qb.push(format!(" AND lifecycle NOT IN {ACTIVE_SQL}")),
                            None => &mut qb,
                        };
                    } else {
                        qb.push(" AND public_id IN (");
                        let mut list = qb.separated(", ");
                        for id in &q.ids {
                            list.push_bind(id.to_string());
                        }
                        qb.push(")");
                    }
                    qb.push(" ORDER BY created_at DESC, id DESC LIMIT ")
                        .push_bind(i64::from(q.limit))
                        .push(" OFFSET ")
                        .push_bind(i64::from(q.offset));
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    rows.iter()
                        .map(|r: &$row| {
                            Ok(PublicReport {
                                errand: errand_sql::errand_row(r)?,
                                due_at: r.try_get::<Option<i64>, _>("due_at")?.map(from_micros).transpose()?,
                            })
                        })
                        .collect()
                }

                async fn public_updates(
                    &self,
                    from: chrono::DateTime<chrono::Utc>,
                    to: chrono::DateTime<chrono::Utc>,
                    limit: u32,
                ) -> Result<Vec<$crate::open311::PublicUpdate>> {
                    let rows = sqlx::query(
                        "SELECT t.id, t.at, t.kind, t.data, e.public_id, e.service_code FROM timeline t \
                         JOIN errands e ON e.id = t.errand_id \
                         WHERE t.kind = 'status_changed' AND t.at >= $1 AND t.at < $2 AND NOT e.confidential \
                         AND e.service_code IN (SELECT code FROM services WHERE public_reports AND NOT confidential) \
                         ORDER BY t.at, t.id LIMIT $3",
                    )
                    .bind(micros(from))
                    .bind(micros(to))
                    .bind(i64::from(limit))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .filter_map(|r: &$row| {
                            let update = (|| {
                                let kind = $crate::codec::event(r.try_get("kind")?, r.try_get("data")?)?;
                                let porten_domain::EventKind::StatusChanged { to, .. } = kind else { return Ok(None) };
                                Ok::<_, $crate::StoreError>(Some($crate::open311::PublicUpdate {
                                    id: r.try_get("id")?,
                                    errand: $crate::codec::public_id(r.try_get("public_id")?)?,
                                    service_code: r.try_get("service_code")?,
                                    at: from_micros(r.try_get("at")?)?,
                                    to,
                                }))
                            })();
                            update.transpose()
                        })
                        .collect()
                }

                async fn idempotent_errand(&self, api_key_id: i64, key: &str) -> Result<Option<porten_domain::PublicId>> {
                    let id: Option<String> = sqlx::query_scalar(
                        "SELECT e.public_id FROM idempotency_keys k JOIN errands e ON e.id = k.errand_id \
                         WHERE k.api_key_id = $1 AND k.key = $2",
                    )
                    .bind(api_key_id)
                    .bind(key)
                    .fetch_optional(self.reader())
                    .await?;
                    id.map(|id| $crate::codec::public_id(&id)).transpose()
                }
            }
        };
    };
}

pub(crate) use impl_open311;
