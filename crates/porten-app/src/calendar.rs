//! The business calendar (*verksamhetskalender*): the computed Swedish
//! holidays and eves, with the exceptions administrators decide. Planning
//! closes what it closes, and the SLA clocks count it with each unit's
//! service hours (several intervals a day, decided per unit).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use porten_domain::calendar::{BusinessCalendar, DayException, RawDayException, swedish_holiday};
use porten_domain::sla::ServiceHours;
use porten_domain::{Actor, Role, UnitCode};

use crate::{App, AppError, Result};

/// Whether `role` may decide exceptions to the business calendar (one
/// calendar for the whole city; each decision is audited).
pub fn may_edit_calendar(role: Role) -> bool {
    matches!(role, Role::UnitAdmin | Role::SystemAdmin)
}

fn calendar_editor(actor: &Actor) -> Result<i64> {
    match actor {
        Actor::User { id, role, .. } if may_edit_calendar(*role) => Ok(*id),
        _ => Err(AppError::Forbidden),
    }
}

/// A day of a year's calendar that is not an ordinary working day by
/// default, or that has a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: NaiveDate,
    /// The computed holiday or eve (key), if any.
    pub holiday: Option<&'static str>,
    /// The decision for the day, if any.
    pub exception: Option<DayException>,
}

impl App {
    /// The business calendar over `[from, to)`: anyone inside the platform
    /// may use it, it holds no personal data.
    pub async fn business_calendar(&self, from: NaiveDate, to: NaiveDate) -> Result<BusinessCalendar> {
        Ok(BusinessCalendar::new(self.store.day_exceptions(from, to).await?))
    }

    /// The holidays, eves and decided days of `year`, by date, for
    /// calendar editors.
    pub async fn calendar_year(&self, actor: &Actor, year: i32) -> Result<Vec<CalendarDay>> {
        calendar_editor(actor)?;
        let (Some(first), Some(next)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year + 1, 1, 1))
        else {
            let mut v = porten_domain::Violations::new();
            v.push("year", "out_of_range", format!("no calendar for the year {year}"));
            return Err(AppError::Invalid(v));
        };
        let mut exceptions = self.store.day_exceptions(first, next).await?.into_iter().peekable();
        let mut days = Vec::new();
        let mut date = first;
        while date < next {
            let holiday = swedish_holiday(date);
            let exception = exceptions.next_if(|e| e.date == date);
            if holiday.is_some() || exception.is_some() {
                days.push(CalendarDay { date, holiday, exception });
            }
            date += Duration::days(1);
        }
        Ok(days)
    }

    /// Decides (or re-decides) one day. Bad input: [`AppError::Invalid`].
    pub async fn set_day_exception(&self, actor: &Actor, raw: &RawDayException) -> Result<DayException> {
        let by = calendar_editor(actor)?;
        let exception = DayException::parse(raw).map_err(AppError::Invalid)?;
        let decision = format!("{} {}", exception.date, if exception.open { "open" } else { "closed" });
        let write = self.store.set_day_exception(&exception, by, self.now());
        self.audited(actor, "calendar.decide", &decision, write).await?;
        self.queue_recompute(None).await?;
        Ok(exception)
    }

    /// Withdraws the decision for `date`, so the computed calendar applies
    /// again; whether there was one.
    pub async fn clear_day_exception(&self, actor: &Actor, date: NaiveDate) -> Result<bool> {
        calendar_editor(actor)?;
        let write = self.store.delete_day_exception(date);
        let withdrawn = self.audited(actor, "calendar.withdraw", &date.to_string(), write).await?;
        if withdrawn {
            self.queue_recompute(None).await?;
        }
        Ok(withdrawn)
    }

    /// The service hours of every unit, where decided (others keep the
    /// city's office hours, [`ServiceHours::default`]).
    pub async fn all_service_hours(&self) -> Result<HashMap<UnitCode, ServiceHours>> {
        Ok(self.store.unit_hours().await?.into_iter().collect())
    }

    /// A unit's service hours, which its SLA clocks count.
    pub async fn service_hours(&self, unit: &UnitCode) -> Result<ServiceHours> {
        Ok(self.all_service_hours().await?.remove(unit).unwrap_or_default())
    }

    /// Decides a unit's service hours from seven typed days, Monday first
    /// (`08:00–12:00, 13:00–16:30`; empty for closed): a unit admin for
    /// their own unit, a system admin for any. Audited; the unit's open
    /// errands' due times are recomputed. Bad input: [`AppError::Invalid`]
    /// with a violation per bad day (`hours-mon` …).
    pub async fn set_service_hours(&self, actor: &Actor, unit: &UnitCode, days: &[String; 7]) -> Result<ServiceHours> {
        let by = calendar_editor(actor)?;
        match actor {
            Actor::User { role: Role::UnitAdmin, unit: own, .. } if own.as_ref() != Some(unit) => {
                return Err(AppError::Forbidden);
            }
            _ => {}
        }
        if !self.store.list_units().await?.iter().any(|u| &u.code == unit) {
            return Err(AppError::NotFound);
        }
        let hours = ServiceHours::parse_week(days).map_err(AppError::Invalid)?;
        let write = self.store.set_unit_hours(unit, &hours, by, self.now());
        self.audited(actor, "calendar.hours", unit.as_str(), write).await?;
        self.queue_recompute(Some(unit)).await?;
        Ok(hours)
    }

    /// Queues the recomputing of open errands' due times (of one unit, or
    /// all) after their calendar, hours or targets changed.
    pub(crate) async fn queue_recompute(&self, unit: Option<&UnitCode>) -> Result<()> {
        let job = porten_store::NewJob {
            kind: crate::sla::RECOMPUTE_JOB.into(),
            payload: serde_json::json!({ "unit": unit.map(UnitCode::as_str) }).to_string(),
            unique_key: None,
            run_at: self.now(),
            max_attempts: crate::jobs::DEFAULT_MAX_ATTEMPTS,
        };
        self.store.enqueue_job(&job, self.now()).await?;
        Ok(())
    }
}
