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
