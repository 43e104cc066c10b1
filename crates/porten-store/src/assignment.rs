//! Automatic assignment (*fördelning*): staff availability, and what the
//! unit's strategy chooses from (`porten_domain::assignment`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::assignment::Candidate;
use porten_domain::{PublicId, UnitCode};

use crate::Result;

/// The lifecycle states of an active errand, as SQL (kept in step with
/// `Lifecycle::ACTIVE` and the partial indexes of migration 0015).
pub(crate) const ACTIVE_SQL: &str = "('new', 'open', 'in_progress', 'waiting_for_citizen')";

#[async_trait]
pub trait AssignmentStore: Send + Sync {
    /// Records that a staff member is present (taking errands) or away.
    async fn set_presence(&self, user_id: i64, present: bool, now: DateTime<Utc>) -> Result<()>;
    /// Whether a staff member is present; away until they say otherwise.
    async fn is_present(&self, user_id: i64) -> Result<bool>;
    /// Who the unit's errands can be handed to (its enabled agents and case
    /// officers), with their availability and active errands, by user id.
    async fn routing_candidates(&self, unit: &UnitCode) -> Result<Vec<Candidate>>;
    /// The unit's active errands nobody holds, most urgent and oldest first:
    /// the queue automatic assignment hands out.
    async fn waiting_errands(&self, unit: &UnitCode, limit: u32) -> Result<Vec<PublicId>>;
    /// Records when these people were last handed an errand automatically.
    async fn note_assigned(&self, user_ids: &[i64], at: DateTime<Utc>) -> Result<()>;
}

/// Expands to `impl AssignmentStore` for a backend.
macro_rules! impl_assignment {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use porten_domain::assignment::Candidate;
            use porten_domain::{PublicId, UnitCode};
            use sqlx::Row;

            use $crate::assignment::ACTIVE_SQL;
            use $crate::codec::*;
            use $crate::{Result, from_micros, micros};

            #[async_trait::async_trait]
            impl $crate::AssignmentStore for $store {
                async fn set_presence(&self, user_id: i64, present: bool, now: DateTime<Utc>) -> Result<()> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO staff_presence (user_id, present, since) VALUES ($1, $2, $3) \
                                     ON CONFLICT (user_id) DO UPDATE SET present = excluded.present, since = excluded.since",
                                )
                                .bind(user_id)
                                .bind(present)
                                .bind(micros(now))
                                .execute(&mut *c)
                                .await?;
                                Ok(())
                            })
                        })
                        .await
                }

                async fn is_present(&self, user_id: i64) -> Result<bool> {
                    let present: Option<bool> =
                        sqlx::query_scalar("SELECT present FROM staff_presence WHERE user_id = $1")
                            .bind(user_id)
                            .fetch_optional(self.reader())
                            .await?;
                    Ok(present.unwrap_or(false))
                }

                async fn routing_candidates(&self, unit: &UnitCode) -> Result<Vec<Candidate>> {
                    let sql = format!(
                        "SELECT u.id, p.present, p.last_assigned_at, \
                         (SELECT COUNT(*) FROM errands e WHERE e.assignee_id = u.id AND e.lifecycle IN {ACTIVE_SQL}) AS open \
                         FROM users u LEFT JOIN staff_presence p ON p.user_id = u.id \
                         WHERE u.disabled = FALSE AND u.unit_code = $1 AND u.role IN ('agent', 'case_officer') ORDER BY u.id"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(unit.as_str()).fetch_all(self.reader()).await?;
                    rows.iter()
                        .map(|r| {
                            let open: i64 = r.try_get("open")?;
                            Ok(Candidate {
                                user_id: r.try_get("id")?,
                                present: r.try_get::<Option<bool>, _>("present")?.unwrap_or(false),
                                open: u32::try_from(open).map_err(|_| corrupt("open errands"))?,
                                last_assigned: r
                                    .try_get::<Option<i64>, _>("last_assigned_at")?
                                    .map(from_micros)
                                    .transpose()?,
                            })
                        })
                        .collect()
                }

                async fn waiting_errands(&self, unit: &UnitCode, limit: u32) -> Result<Vec<PublicId>> {
                    let sql = format!(
                        "SELECT public_id FROM errands WHERE unit_code = $1 AND assignee_id IS NULL \
                         AND lifecycle IN {ACTIVE_SQL} ORDER BY urgency, created_at, id LIMIT $2"
                    );
                    let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .bind(unit.as_str())
                        .bind(i64::from(limit))
                        .fetch_all(self.reader())
                        .await?;
                    ids.iter().map(|s| public_id(s)).collect()
                }

                async fn note_assigned(&self, user_ids: &[i64], at: DateTime<Utc>) -> Result<()> {
                    let user_ids = user_ids.to_vec();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                for id in user_ids {
                                    sqlx::query("UPDATE staff_presence SET last_assigned_at = $1 WHERE user_id = $2")
                                        .bind(micros(at))
                                        .bind(id)
                                        .execute(&mut *c)
                                        .await?;
                                }
                                Ok(())
                            })
                        })
                        .await
                }
            }
        };
    };
}
pub(crate) use impl_assignment;
