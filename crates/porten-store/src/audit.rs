//! The audit trail (*loggning av åtkomst*): who read or did what, when, to
//! which errand, and why where a purpose is required. Entries are only ever
//! appended: on their own ([`AuditStore::record_audit`], for reads), or
//! together with the write they describe ([`crate::with_audit`]), in its
//! transaction, so that a write never commits without its entry.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// An audit entry: who read or did what with which errand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// E.g. `errand.read`.
    pub action: String,
    pub errand_id: Option<i64>,
    pub purpose: Option<String>,
}

/// Which entries the audit-log viewer shows, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Entries by this user (their id).
    pub actor_id: Option<i64>,
    /// Entries about this errand (its row id).
    pub errand_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries older than this entry id (the next page).
    pub before: Option<i64>,
    pub limit: u32,
}

/// An entry as the viewer lists it: its id (for paging) and the registry
/// number of its errand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub entry: AuditEntry,
    pub registry_number: Option<String>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<()>;
    /// Records several entries in one statement (a search's hits).
    async fn record_audits(&self, entries: &[AuditEntry]) -> Result<()>;
    async fn audit_for_errand(&self, errand_id: i64) -> Result<Vec<AuditEntry>>;
    /// The entries a query selects, newest first.
    async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditRow>>;
}

/// Expands to `impl AuditStore` for a backend.
macro_rules! impl_audit {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use sqlx::Row;

            use $crate::{AuditEntry, Result, from_micros, micros};

            impl $store {
                /// The insert the writer attaches to a write made inside
                /// [`crate::with_audit`] (an audit entry) or
                /// [`crate::writer::with_mail`] (a mail and its job).
                pub(crate) fn attach(a: $crate::writer::Attached) -> $crate::writer::AttachedWrite<$db> {
                    match a {
                        $crate::writer::Attached::Audit(e) => {
                            Box::new(move |c| Box::pin(async move { insert_audit(c, &e).await }))
                        }
                        $crate::writer::Attached::Mail(m, at) => Box::new(move |c| {
                            Box::pin(
                                async move { mail_sql::insert_mail(c, &m, at, Default::default()).await.map(|_| ()) },
                            )
                        }),
                        $crate::writer::Attached::Idempotency { api_key_id, key, errand, at } => Box::new(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO idempotency_keys (api_key_id, key, errand_id, created_at) \
                                     SELECT $1, $2, id, $3 FROM errands WHERE public_id = $4",
                                )
                                .bind(api_key_id)
                                .bind(key)
                                .bind(micros(at))
                                .bind(errand)
                                .execute(&mut *c)
                                .await
                                .map_err(|e| $crate::codec::duplicate(e, "idempotency key"))?;
                                Ok(())
                            })
                        }),
                    }
                }
            }

            async fn insert_audit(c: &mut <$db as sqlx::Database>::Connection, e: &AuditEntry) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, errand_id, purpose) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(micros(e.at))
                .bind(&e.actor_kind)
                .bind(e.actor_id)
                .bind(&e.actor_name)
                .bind(&e.action)
                .bind(e.errand_id)
                .bind(&e.purpose)
                .execute(&mut *c)
                .await?;
                Ok(())
            }

            fn audit_row(row: &$row) -> Result<AuditEntry> {
                Ok(AuditEntry {
                    at: from_micros(row.try_get("at")?)?,
                    actor_kind: row.try_get("actor_kind")?,
                    actor_id: row.try_get("actor_id")?,
                    actor_name: row.try_get("actor_name")?,
                    action: row.try_get("action")?,
                    errand_id: row.try_get("errand_id")?,
                    purpose: row.try_get("purpose")?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::AuditStore for $store {
                async fn record_audit(&self, e: &AuditEntry) -> Result<()> {
                    let e = e.clone();
                    self.writer().write(move |c| Box::pin(async move { insert_audit(c, &e).await })).await
                }

                async fn record_audits(&self, entries: &[AuditEntry]) -> Result<()> {
                    if entries.is_empty() {
                        return Ok(());
                    }
                    let entries = entries.to_vec();
                    self.writer().write(move |c| Box::pin(async move {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, errand_id, purpose) ",
                        );
                        qb.push_values(&entries, |mut row, e| {
                            row.push_bind(micros(e.at))
                                .push_bind(e.actor_kind.clone())
                                .push_bind(e.actor_id)
                                .push_bind(e.actor_name.clone())
                                .push_bind(e.action.clone())
                                .push_bind(e.errand_id)
                                .push_bind(e.purpose.clone());
                        });
                        qb.build().execute(&mut *c).await?;
                        Ok(())
                    })).await
                }

                async fn search_audit(&self, q: &$crate::AuditQuery) -> Result<Vec<$crate::AuditRow>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT a.*, e.registry_unit, e.registry_year, e.registry_serial FROM audit_log a \
                         LEFT JOIN errands e ON e.id = a.errand_id WHERE 1 = 1",
                    );
                    if let Some(id) = q.actor_id {
                        qb.push(" AND a.actor_kind = 'user' AND a.actor_id = ").push_bind(id);
                    }
                    if let Some(id) = q.errand_id {
                        qb.push(" AND a.errand_id = ").push_bind(id);
                    }
                    if let Some(from) = q.from {
                        qb.push(" AND a.at >= ").push_bind(micros(from));
                    }
                    if let Some(to) = q.to {
                        qb.push(" AND a.at < ").push_bind(micros(to));
                    }
                    if let Some(before) = q.before {
                        qb.push(" AND a.id < ").push_bind(before);
                    }
                    qb.push(" ORDER BY a.id DESC LIMIT ").push_bind(i64::from(q.limit));
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    rows.iter()
                        .map(|r| {
                            let unit: Option<String> = r.try_get("registry_unit")?;
                            let registry_number = match unit {
                                Some(unit) => Some(
                                    $crate::codec::registry_number(
                                        &unit,
                                        r.try_get("registry_year")?,
                                        r.try_get("registry_serial")?,
                                    )?
                                    .to_string(),
                                ),
                                None => None,
                            };
                            Ok($crate::AuditRow { id: r.try_get("id")?, entry: audit_row(r)?, registry_number })
                        })
                        .collect()
                }

                async fn audit_for_errand(&self, errand_id: i64) -> Result<Vec<AuditEntry>> {
                    let rows = sqlx::query("SELECT * FROM audit_log WHERE errand_id = $1 ORDER BY id")
                        .bind(errand_id)
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter().map(audit_row).collect()
                }
            }
        };
    };
}

pub(crate) use impl_audit;
