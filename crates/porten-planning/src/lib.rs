//! # porten-planning
//!
//! Dimensioning the contact center, as pure functions: the supervisor's
//! planning view and the staffing that `porten staffing` prints.
//!
//! A plan ([`build_plan`]) takes the measured contacts of one channel over
//! the last [`HISTORY_WEEKS`] weeks ([`History`]: registered errands plus
//! logged contacts, or imported ACD statistics), in 15-, 30- or 60-minute
//! intervals in Stockholm local time, fits the weekly Holt-Winters model of
//! `porten-forecast`, measures it against the held-out last week, forecasts
//! a chosen week, staffs every open interval with Erlang C or, given a
//! patience, Erlang A (`porten-erlang`), and compares up to
//! [`MAX_SCENARIOS`] channel-shift scenarios side by side, each moving a
//! share of every service's contacts to e-services and self-help.
//!
//! Every interval is staffed by one function, [`staff_interval`], which
//! also holds the zero-contact rule: an interval without contacts gets the
//! minimum staffing its caller states — one person inside opening hours
//! ([`OPEN_MINIMUM_AGENTS`]), nobody outside them or in a standalone
//! computation.
//!
//! **Pure:** no I/O, no database, no clock (callers pass `now`), no
//! randomness. The store's rows come in as the `porten_domain::planning`
//! types.

#![forbid(unsafe_code)]

mod error;
mod export;
mod history;
mod input;
mod mix;
mod plan;
mod record;
mod staffing;

pub use error::PlanningError;
pub use export::{CsvStyle, staffing_csv};
pub use history::{Handled, History, LocalStart, history_window, logged_history_start, start_of_local_day};
pub use input::{
    DEFAULT_AHT_SECONDS, DEFAULT_BACKLOG_OCCUPANCY, DEFAULT_DIGITAL_AHT_SECONDS, HISTORY_WEEKS, INTERVALS,
    MAX_SCENARIOS, MIN_WEEKS_BACKTEST, MIN_WEEKS_FORECAST, NO_SERVICE, OpenDays, PLANNING_CHANNELS, PlanningInput,
    RawPlanningInput, WEEKS_AHEAD, plannable_weeks,
};
pub use mix::{AhtSource, MixShare, choose_aht, logged_aht, measured_aht, mix_shares};
pub use plan::{
    BacktestDay, BacktestPoint, BacktestView, ClosedDay, ContactSource, Forecast, Heatmap, HeatmapCell, KeptOpenDay,
    Plan, PlanOutcome, Saving, ScenarioInterval, ScenarioTotals, StaffedInterval, build_plan,
};
/// The kinds of error a [`PlanningError`] carries.
pub use porten_erlang::ErlangError;
pub use porten_forecast::ForecastError;
pub use record::{CSV_COLUMNS, Figure, StaffingRecord, model_name, staffing_summary};
pub use staffing::{
    Heads, IntervalStaffing, NO_CONTACTS_BELOW, OPEN_MINIMUM_AGENTS, Staffing, StaffingGoal, StaffingRule,
    staff_interval,
};

#[cfg(test)]
mod tests;
