//! Why a plan or a staffing could not be made.

use chrono::NaiveDate;
use porten_erlang::ErlangError;
use porten_forecast::ForecastError;

/// Why planning failed, with the numbers. The `Display` text is English,
/// for logs and the command line; pages translate the variants (and the
/// kind of [`ErlangError`] or [`ForecastError`] they carry) themselves.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanningError {
    /// The queueing mathematics refused: no staffing up to its limit meets
    /// the goals, or a figure it needs is out of range (for example a
    /// measured handle time of 0 seconds in an interval with contacts).
    #[error("{0}")]
    Staffing(#[from] ErlangError),
    /// The forecast could not be made from the history.
    #[error("{0}")]
    Forecast(#[from] ForecastError),
    /// The week to plan has already begun: a plan is for whole weeks ahead.
    #[error("the week of {week} has begun; a plan is made for a week ahead")]
    WeekHasBegun { week: NaiveDate },
}

impl PlanningError {
    /// The kind of failure as a stable code for pages to translate, as a
    /// violation's code is: `no-feasible-staffing`, `too-many-agents`,
    /// `handling-time`, `contacts`, `load`, `shrinkage`, `staffing` (any
    /// other staffing error), `not-enough-data`, `interval`, `forecast` (any
    /// other forecast error) or `week-begun`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Staffing(e) => match e {
                ErlangError::NoFeasibleStaffing { .. } => "no-feasible-staffing",
                ErlangError::TooManyAgents { .. } => "too-many-agents",
                ErlangError::InvalidHandlingTime(_) => "handling-time",
                ErlangError::InvalidArrivalRate(_) => "contacts",
                ErlangError::InvalidOfferedLoad(_) => "load",
                ErlangError::InvalidShrinkage(_) => "shrinkage",
                _ => "staffing",
            },
            Self::Forecast(e) => match e {
                ForecastError::NotEnoughData { .. } => "not-enough-data",
                ForecastError::UnsupportedInterval(_) => "interval",
                _ => "forecast",
            },
            Self::WeekHasBegun { .. } => "week-begun",
        }
    }

    /// The numbers a message about this failure names, by name (the week
    /// of [`PlanningError::WeekHasBegun`] is a date, not among them).
    pub fn numbers(&self) -> Vec<(&'static str, f64)> {
        match self {
            Self::Staffing(e) => match e {
                ErlangError::NoFeasibleStaffing { limit } => vec![("limit", f64::from(*limit))],
                ErlangError::TooManyAgents { agents, limit } => vec![("agents", *agents), ("limit", f64::from(*limit))],
                ErlangError::InvalidHandlingTime(v)
                | ErlangError::InvalidArrivalRate(v)
                | ErlangError::InvalidOfferedLoad(v)
                | ErlangError::InvalidShrinkage(v) => vec![("value", *v)],
                _ => vec![],
            },
            Self::Forecast(e) => match e {
                ForecastError::NotEnoughData { needed, got } => vec![("got", *got as f64), ("needed", *needed as f64)],
                ForecastError::UnsupportedInterval(m) => vec![("minutes", f64::from(*m))],
                _ => vec![],
            },
            Self::WeekHasBegun { .. } => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_numbers_name_the_kind() {
        let e = PlanningError::from(ErlangError::NoFeasibleStaffing { limit: 500 });
        assert_eq!((e.code(), e.numbers()), ("no-feasible-staffing", vec![("limit", 500.0)]));
        let e = PlanningError::from(ForecastError::NotEnoughData { needed: 336, got: 10 });
        assert_eq!((e.code(), e.numbers()), ("not-enough-data", vec![("got", 10.0), ("needed", 336.0)]));
        assert_eq!(PlanningError::from(ErlangError::NoAgents).code(), "staffing");
        assert_eq!(PlanningError::from(ForecastError::EmptyInput).code(), "forecast");
        let week = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            PlanningError::WeekHasBegun { week }.to_string(),
            "the week of 2026-11-30 has begun; a plan is made for a week ahead"
        );
    }
}
