//! Notices to staff (`porten_domain::notice`): one row per person and
//! timeline event, seen or not, and whether the person wants them by
//! e-mail too. A notice's mail is queued in the transaction that adds the
//! notice, and only when the notice is new, so a feed batch handled twice
//! sends nothing twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::notice::NoticeKind;
use porten_domain::{PublicId, UnitCode};

use crate::{NewMail, Result};

/// A notice to add, with the mail that carries it to someone who chose mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotice {
    pub user_id: i64,
    pub errand_id: i64,
    pub event_id: i64,
    pub kind: NoticeKind,
    pub at: DateTime<Utc>,
    pub mail: Option<NewMail>,
}

/// A notice as its person's workspace lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub at: DateTime<Utc>,
    pub seen: bool,
    pub errand: PublicId,
    pub registry_number: String,
}

/// Unseen notices are counted up to this many.
pub const UNSEEN_CAP: u32 = 100;

#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// Adds these notices, skipping any the person already has for that
    /// event, and queues the mail of each one added; how many were added.
    async fn add_notices(&self, notices: &[NewNotice], now: DateTime<Utc>) -> Result<usize>;
    /// A person's notices, unseen first, newest first within each.
    async fn notices(&self, user_id: i64, limit: u32) -> Result<Vec<Notice>>;
    /// How many notices the person has not seen, counted up to [`UNSEEN_CAP`].
    async fn unseen_notices(&self, user_id: i64) -> Result<u32>;
    /// Marks a person's notices seen: those of one errand, or all; how many.
    async fn mark_notices_seen(&self, user_id: i64, errand_id: Option<i64>, now: DateTime<Utc>) -> Result<u64>;
    /// Whether the person wants notices by e-mail too.
    async fn notify_by_email(&self, user_id: i64) -> Result<bool>;
    async fn set_notify_by_email(&self, user_id: i64, on: bool) -> Result<()>;
    /// The e-mail addresses of these people who want notices by e-mail.
    async fn notice_addresses(&self, user_ids: &[i64]) -> Result<Vec<(i64, String)>>;
    /// The enabled administrators of a unit (a breach escalates to them).
    async fn unit_admins(&self, unit: &UnitCode) -> Result<Vec<i64>>;
}

/// Expands to `impl NoticeStore` for a backend.
macro_rules! impl_notices {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use porten_domain::UnitCode;
            use porten_domain::notice::NoticeKind;
            use sqlx::Row;

            use $crate::codec::*;
            use $crate::notices::{NewNotice, Notice, UNSEEN_CAP};
            use $crate::{MailTag, Result, from_micros, micros};

            #[async_trait::async_trait]
            impl $crate::NoticeStore for $store {
                async fn add_notices(&self, notices: &[NewNotice], now: DateTime<Utc>) -> Result<usize> {
                    if notices.is_empty() {
                        return Ok(0);
                    }
                    let notices = notices.to_vec();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let mut added = 0;
                                for n in &notices {
                                    let id: Option<i64> = sqlx::query_scalar(
                                        "INSERT INTO notices (user_id, errand_id, event_id, kind, at) \
                                         VALUES ($1, $2, $3, $4, $5) \
                                         ON CONFLICT (user_id, event_id) DO NOTHING RETURNING id",
                                    )
                                    .bind(n.user_id)
                                    .bind(n.errand_id)
                                    .bind(n.event_id)
                                    .bind(n.kind.as_str())
                                    .bind(micros(n.at))
                                    .fetch_optional(&mut *c)
                                    .await?;
                                    if id.is_none() {
                                        continue;
                                    }
                                    added += 1;
                                    if let Some(mail) = &n.mail {
                                        mail_sql::insert_mail(c, mail, now, MailTag::default()).await?;
                                    }
                                }
                                Ok(added)
                            })
                        })
                        .await
                }

                async fn notices(&self, user_id: i64, limit: u32) -> Result<Vec<Notice>> {
                    let rows = sqlx::query(
                        "SELECT n.id, n.kind, n.at, n.seen_at, e.public_id, e.registry_unit, e.registry_year, \
                         e.registry_serial FROM notices n JOIN errands e ON e.id = n.errand_id \
                         WHERE n.user_id = $1 ORDER BY (n.seen_at IS NULL) DESC, n.at DESC, n.id DESC LIMIT $2",
                    )
                    .bind(user_id)
                    .bind(i64::from(limit))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let number = registry_number(
                                r.try_get("registry_unit")?,
                                r.try_get("registry_year")?,
                                r.try_get("registry_serial")?,
                            )?;
                            Ok(Notice {
                                id: r.try_get("id")?,
                                kind: parse_with(r.try_get("kind")?, NoticeKind::parse, "notice kind")?,
                                at: from_micros(r.try_get("at")?)?,
                                seen: r.try_get::<Option<i64>, _>("seen_at")?.is_some(),
                                errand: public_id(r.try_get("public_id")?)?,
                                registry_number: number.to_string(),
                            })
                        })
                        .collect()
                }

                async fn unseen_notices(&self, user_id: i64) -> Result<u32> {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM notices WHERE user_id = $1 AND seen_at IS NULL LIMIT $2) AS s",
                    )
                    .bind(user_id)
                    .bind(i64::from(UNSEEN_CAP))
                    .fetch_one(self.reader())
                    .await?;
                    u32::try_from(n).map_err(|_| corrupt("notice count"))
                }

                async fn mark_notices_seen(&self, user_id: i64, errand_id: Option<i64>, now: DateTime<Utc>) -> Result<u64> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let all = "UPDATE notices SET seen_at = $1 WHERE user_id = $2 AND seen_at IS NULL";
                                let done = match errand_id {
                                    None => sqlx::query(all).bind(micros(now)).bind(user_id).execute(&mut *c).await?,
                                    Some(errand) => {
                                        sqlx::query(sqlx::AssertSqlSafe(format!("{all} AND errand_id = $3")))
                                            .bind(micros(now))
                                            .bind(user_id)
                                            .bind(errand)
                                            .execute(&mut *c)
                                            .await?
                                    }
                                };
                                Ok(done.rows_affected())
                            })
                        })
                        .await
                }

                async fn notify_by_email(&self, user_id: i64) -> Result<bool> {
                    let on: Option<bool> = sqlx::query_scalar("SELECT notify_by_email FROM users WHERE id = $1")
                        .bind(user_id)
                        .fetch_optional(self.reader())
                        .await?;
                    Ok(on.unwrap_or(false))
                }

                async fn set_notify_by_email(&self, user_id: i64, on: bool) -> Result<()> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query("UPDATE users SET notify_by_email = $1 WHERE id = $2")
                                    .bind(on)
                                    .bind(user_id)
                                    .execute(&mut *c)
                                    .await?;
                                Ok(())
                            })
                        })
                        .await
                }

                async fn notice_addresses(&self, user_ids: &[i64]) -> Result<Vec<(i64, String)>> {
                    if user_ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT id, email FROM users WHERE email IS NOT NULL AND notify_by_email = ",
                    );
                    qb.push_bind(true).push(" AND disabled = ").push_bind(false).push(" AND id IN (");
                    let mut ids = qb.separated(", ");
                    for id in user_ids {
                        ids.push_bind(*id);
                    }
                    qb.push(") ORDER BY id");
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("email")?))).collect()
                }

                async fn unit_admins(&self, unit: &UnitCode) -> Result<Vec<i64>> {
                    Ok(sqlx::query_scalar(
                        "SELECT id FROM users WHERE disabled = $1 AND role = 'unit_admin' AND unit_code = $2 ORDER BY id",
                    )
                    .bind(false)
                    .bind(unit.as_str())
                    .fetch_all(self.reader())
                    .await?)
                }
            }
        };
    };
}
pub(crate) use impl_notices;
