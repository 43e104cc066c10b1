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

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(&self, entry: &AuditEntry) -> Result<()>;
    async fn audit_for_errand(&self, errand_id: i64) -> Result<Vec<AuditEntry>>;
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
