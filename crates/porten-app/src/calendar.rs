//! The business calendar (*verksamhetskalender*): the computed Swedish
//! holidays and eves, with the exceptions administrators decide. Planning
//! closes what it closes; the SLA clock is to use the same calendar.

use chrono::{Duration, NaiveDate};
use porten_domain::calendar::{BusinessCalendar, DayException, RawDayException, swedish_holiday};
use porten_domain::{Actor, Role};

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
        Ok(exception)
    }

    /// Withdraws the decision for `date`, so the computed calendar applies
    /// again; whether there was one.
    pub async fn clear_day_exception(&self, actor: &Actor, date: NaiveDate) -> Result<bool> {
        calendar_editor(actor)?;
        let write = self.store.delete_day_exception(date);
        self.audited(actor, "calendar.withdraw", &date.to_string(), write).await
    }
}
