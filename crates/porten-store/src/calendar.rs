//! The business calendar (*verksamhetskalender*): the exceptions admins
//! decide to the computed Swedish holidays and eves.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use porten_domain::UnitCode;
use porten_domain::calendar::DayException;
use porten_domain::sla::ServiceHours;

use crate::Result;

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// The decided exceptions to the business calendar on days in
    /// `[from, to)`, by date.
    async fn day_exceptions(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayException>>;
    /// Records (or replaces) the exception for its day, decided by user `by`.
    async fn set_day_exception(&self, exception: &DayException, by: i64, at: DateTime<Utc>) -> Result<()>;
    /// Removes the exception for `date`; whether there was one.
    async fn delete_day_exception(&self, date: NaiveDate) -> Result<bool>;
    /// The units whose service hours were decided, with them (the others
    /// keep the city's office hours).
    async fn unit_hours(&self) -> Result<Vec<(UnitCode, ServiceHours)>>;
    /// Decides a unit's service hours, by user `by`.
    async fn set_unit_hours(&self, unit: &UnitCode, hours: &ServiceHours, by: i64, at: DateTime<Utc>) -> Result<()>;
    /// The active errands (of one unit, or all) by internal id: those
    /// whose clocks a changed calendar, service hours or target moves.
    async fn active_errand_ids(&self, unit: Option<&UnitCode>) -> Result<Vec<i64>>;
}

/// Expands to `impl CalendarStore` for a backend.
macro_rules! impl_calendar {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use porten_domain::UnitCode;
            use porten_domain::sla::ServiceHours;
            use sqlx::Row;

            use $crate::codec::*;
            use $crate::{micros, Result};

            #[async_trait::async_trait]
            impl $crate::CalendarStore for $store {
                async fn day_exceptions(
                    &self,
                    from: chrono::NaiveDate,
                    to: chrono::NaiveDate,
                ) -> Result<Vec<porten_domain::calendar::DayException>> {
                    let rows = sqlx::query("SELECT day, open, note FROM day_exceptions WHERE day >= $1 AND day < $2 ORDER BY day")
                        .bind(from.to_string())
                        .bind(to.to_string())
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            let day: String = r.try_get("day")?;
                            Ok(porten_domain::calendar::DayException {
                                date: day.parse().map_err(|_| corrupt("calendar day"))?,
                                open: r.try_get("open")?,
                                note: r.try_get("note")?,
                            })
                        })
                        .collect()
                }

                async fn set_day_exception(
                    &self,
                    e: &porten_domain::calendar::DayException,
                    by: i64,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    let e = e.clone();
                    self.writer().write(move |c| Box::pin(async move {
                        sqlx::query(
                            "INSERT INTO day_exceptions (day, open, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (day) DO UPDATE SET open = excluded.open, note = excluded.note, \
                             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        )
                        .bind(e.date.to_string())
                        .bind(e.open)
                        .bind(&e.note)
                        .bind(by)
                        .bind(micros(at))
                        .execute(&mut *c)
                        .await?;
                        Ok(())
                    })).await
                }

                async fn unit_hours(&self) -> Result<Vec<(UnitCode, ServiceHours)>> {
                    let rows = sqlx::query("SELECT unit_code, hours FROM unit_hours ORDER BY unit_code")
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| Ok((unit_code(r.try_get("unit_code")?)?, from_json(r.try_get("hours")?, "service hours")?)))
                        .collect()
                }

                async fn set_unit_hours(&self, unit: &UnitCode, hours: &ServiceHours, by: i64, at: DateTime<Utc>) -> Result<()> {
                    let (unit, hours) = (unit.to_string(), json(hours));
                    self.writer().write(move |c| Box::pin(async move {
                        sqlx::query(
                            "INSERT INTO unit_hours (unit_code, hours, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (unit_code) DO UPDATE SET hours = excluded.hours, \
                             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        )
                        .bind(&unit)
                        .bind(&hours)
                        .bind(by)
                        .bind(micros(at))
                        .execute(&mut *c)
                        .await?;
                        Ok(())
                    })).await
                }

                async fn active_errand_ids(&self, unit: Option<&UnitCode>) -> Result<Vec<i64>> {
                    let all = format!("SELECT id FROM errands WHERE lifecycle IN {}", $crate::assignment::ACTIVE_SQL);
                    Ok(match unit {
                        None => sqlx::query_scalar(sqlx::AssertSqlSafe(all)).fetch_all(self.reader()).await?,
                        Some(unit) => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("{all} AND unit_code = $1")))
                            .bind(unit.as_str())
                            .fetch_all(self.reader())
                            .await?,
                    })
                }

                async fn delete_day_exception(&self, date: chrono::NaiveDate) -> Result<bool> {
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query("DELETE FROM day_exceptions WHERE day = $1")
                            .bind(date.to_string())
                            .execute(&mut *c)
                            .await?;
                        Ok(done.rows_affected() > 0)
                    })).await
                }
            }
        };
    };
}

pub(crate) use impl_calendar;
