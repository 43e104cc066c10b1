//! The plan: a forecast week, staffed interval by interval, with the
//! channel-shift scenarios beside it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use porten_domain::calendar::{BusinessCalendar, Closure};
use porten_forecast::{AcdInterval, ForecastPoint, IntervalSeries, Timestamp, backtest_last_week, fit};

use crate::PlanningError;
use crate::history::{History, LocalStart, local_midnight, timestamp};
use crate::input::{MAX_SCENARIOS, MIN_WEEKS_BACKTEST, MIN_WEEKS_FORECAST, PlanningInput, is_closed_day};
use crate::mix::{AhtSource, MixShare};
use crate::staffing::{Staffing, staff, staff_backlog};

/// One interval of the planned week.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffedInterval {
    /// Local start (Stockholm).
    pub local_start: LocalStart,
    /// The same with its UTC offset, ISO 8601: unambiguous in the autumn
    /// hour that happens twice.
    pub start: Timestamp,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub hour: u8,
    /// Inside opening hours.
    pub open: bool,
    /// Forecast contacts.
    pub calls: f64,
    /// The handle time planned with in this interval, seconds.
    pub aht_seconds: f64,
    /// `None` outside opening hours.
    pub staffing: Option<Staffing>,
    /// Per set scenario, in the order of [`Forecast::totals`] after the baseline.
    pub scenarios: Vec<ScenarioInterval>,
}

/// One interval under one scenario.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScenarioInterval {
    /// Forecast contacts left in the channel.
    pub calls: f64,
    /// `None` outside opening hours.
    pub staffing: Option<Staffing>,
}

/// Totals of the baseline or of one scenario over the planned week.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScenarioTotals {
    /// 0 = baseline, k = scenario k.
    pub number: usize,
    /// Share of the channel's contacts moved away.
    pub moved_share: f64,
    /// Forecast contacts left in the channel.
    pub calls: f64,
    /// Of those, forecast outside opening hours (not staffed).
    pub calls_closed: f64,
    /// Agent-hours on the line.
    pub agent_hours: f64,
    /// Paid hours to schedule: agent-hours ÷ (1 − shrinkage), summed over
    /// the week before rounding (a single interval's head count is rounded
    /// up, the week's hours are not, or every quiet interval would add a
    /// whole extra person).
    pub scheduled_hours: f64,
    /// Most agents scheduled in one interval.
    pub peak_scheduled: u32,
    /// Scheduled hours for handling the moved contacts digitally (no queue,
    /// so workload ÷ (1 − shrinkage)): those in opening hours on a live
    /// channel, all of them on a backlog channel.
    pub digital_hours: f64,
    /// (Scheduled + digital hours) × cost per hour, SEK.
    pub cost_sek: f64,
}

/// What a scenario does to the hours to schedule, against the baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Saving {
    /// Fewer hours in all (scheduled plus digital): this many.
    Fewer(f64),
    /// More hours in all: this many.
    More(f64),
    /// Under a tenth of an hour either way (what one decimal shows).
    None,
}

impl ScenarioTotals {
    /// The hours this scenario saves against `baseline`, counting the
    /// digital work it adds.
    pub fn saving_against(&self, baseline: &ScenarioTotals) -> Saving {
        let hours = baseline.scheduled_hours - self.scheduled_hours - self.digital_hours;
        match hours {
            h if h >= 0.05 => Saving::Fewer(h),
            h if h <= -0.05 => Saving::More(-h),
            _ => Saving::None,
        }
    }
}

/// The model measured against the held-out last week.
#[derive(Clone, Debug, PartialEq)]
pub struct BacktestView {
    /// Per interval of the held-out week.
    pub points: Vec<BacktestPoint>,
    /// Per day of the held-out week.
    pub days: Vec<BacktestDay>,
    /// `None` when undefined (no interval with contacts).
    pub mape: Option<f64>,
    pub wape: Option<f64>,
    /// WAPE of "same interval last week", for comparison.
    pub naive_wape: Option<f64>,
}

/// One interval of the held-out week: contacts measured and forecast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BacktestPoint {
    pub local_start: LocalStart,
    pub actual: f64,
    pub forecast: f64,
}

/// One day of the held-out week: contacts measured and forecast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BacktestDay {
    pub date: NaiveDate,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub actual: f64,
    pub forecast: f64,
    /// Its intervals among [`BacktestView::points`]: `point_count` from
    /// `first_point` (a day has 23 or 25 hours when the clocks change).
    pub first_point: usize,
    pub point_count: usize,
}

/// A day of the planned week the business calendar keeps closed, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosedDay {
    pub date: NaiveDate,
    pub closure: Closure,
}

/// A holiday or eve of the planned week that a decision keeps open.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptOpenDay {
    pub date: NaiveDate,
    /// The holiday's key (`christmas-eve`, …).
    pub holiday: &'static str,
    /// The decision's note.
    pub note: String,
}

/// Forecast contacts by weekday × hour of the planned week.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    /// `contacts[weekday][hour]`, weekday 0 = Monday.
    pub contacts: [[f64; 24]; 7],
}

impl Heatmap {
    /// The largest value.
    pub fn max(&self) -> f64 {
        self.contacts.iter().flatten().copied().fold(0.0, f64::max)
    }

    /// The busiest hour: the first of the largest values.
    pub fn peak(&self) -> HeatmapCell {
        let mut peak = HeatmapCell { weekday: 0, hour: 0, contacts: self.contacts[0][0] };
        for (weekday, row) in self.contacts.iter().enumerate() {
            for (hour, contacts) in row.iter().enumerate() {
                if *contacts > peak.contacts {
                    peak = HeatmapCell { weekday: weekday as u8, hour: hour as u8, contacts: *contacts };
                }
            }
        }
        peak
    }
}

/// One weekday × hour of a [`Heatmap`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeatmapCell {
    pub weekday: u8,
    pub hour: u8,
    pub contacts: f64,
}

/// A planned week, staffed.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    pub intervals: Vec<StaffedInterval>,
    /// Forecast contacts by weekday × hour.
    pub heatmap: Heatmap,
    /// The baseline first, then each set scenario.
    pub totals: Vec<ScenarioTotals>,
    /// The days the business calendar keeps closed in the planned week, and why.
    pub holidays: Vec<ClosedDay>,
    /// Holidays and eves in the planned week that a decision keeps open.
    pub kept_open: Vec<KeptOpenDay>,
    /// `None` when the history is too short to hold out a week.
    pub backtest: Option<BacktestView>,
}

/// What a plan could be made from.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanOutcome {
    /// No contacts in the channel over the whole history.
    NoContacts,
    /// Fewer whole weeks of history than the model needs.
    TooLittleHistory {
        weeks: usize,
        needed: usize,
    },
    Ready(Box<Forecast>),
}

/// Where the measured volumes of the planned channel come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactSource {
    /// Errands registered through the channel and contacts logged by the
    /// contact center.
    Platform,
    /// Imported ACD statistics (`porten import acd`), which count every
    /// offered contact, answered or not.
    Acd,
}

/// The planning view.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub input: PlanningInput,
    pub source: ContactSource,
    /// The handle time planned with, and where it comes from.
    pub aht_seconds: f64,
    pub aht_source: AhtSource,
    /// The planned week's Monday.
    pub week: NaiveDate,
    /// The history used: `[history_from, history_to)`.
    pub history_from: DateTime<Utc>,
    pub history_to: DateTime<Utc>,
    /// Whole weeks of history the model was fitted to.
    pub weeks: usize,
    /// Contacts in the channel over that history.
    pub contacts: u64,
    /// The channel's contacts by service, most first.
    pub mix: Vec<MixShare>,
    pub outcome: PlanOutcome,
}

fn fraction(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// A scenario's channel shift (number 0: the baseline, which moves nothing).
struct Shift {
    number: usize,
    /// Share of the channel's contacts it moves.
    moved_share: f64,
    /// Staff seconds the moved contacts take, per contact of the channel.
    digital_seconds: f64,
}

/// One interval of the planned week before staffing.
struct WeekPoint {
    point: ForecastPoint,
    /// The handle time planned with, seconds.
    aht_seconds: f64,
    /// Inside opening hours.
    open: bool,
}

/// Makes the plan for the week starting on local Monday `week` from the
/// measured `history`. Pure. Leading weeks without any contact in any
/// channel (before the platform was in use) are left out of the history;
/// days the business `calendar` keeps closed are left out of fitting and of
/// the backtest, and are not staffed in the planned week.
pub fn build_plan(
    input: PlanningInput,
    history: &History,
    mix: Vec<MixShare>,
    (aht_seconds, aht_source): (f64, AhtSource),
    week: NaiveDate,
    calendar: &BusinessCalendar,
) -> Result<Plan, PlanningError> {
    let per_week = history.per_week();
    let total_weeks = history.volume.len() / per_week;
    let first_active_week = (0..total_weeks)
        .find(|w| history.active[w * per_week..(w + 1) * per_week].iter().any(|a| *a))
        .unwrap_or(total_weeks);
    let weeks = total_weeks - first_active_week;
    let skip = history.volume.len() - weeks * per_week;
    let step = Duration::minutes(i64::from(history.interval_minutes));
    let history_from = history.from + step * skip as i32;
    let contacts = history.volume[skip..].iter().sum::<f64>().round() as u64;
    let plan = |outcome| Plan {
        input: input.clone(),
        source: ContactSource::Platform,
        aht_seconds,
        aht_source,
        week,
        history_from,
        history_to: history.to,
        weeks,
        contacts,
        mix: mix.clone(),
        outcome,
    };
    if contacts == 0 {
        return Ok(plan(PlanOutcome::NoContacts));
    }
    if weeks < MIN_WEEKS_FORECAST {
        return Ok(plan(PlanOutcome::TooLittleHistory { weeks, needed: MIN_WEEKS_FORECAST }));
    }
    // Measured handle times give each interval its own (the model's
    // weekday × interval profile); otherwise one handle time for all.
    let profile = history.handled.as_ref().filter(|_| aht_source == AhtSource::Acd);
    let intervals: Vec<AcdInterval> = (skip..history.volume.len())
        .map(|i| {
            let n = history.volume[i];
            let start = timestamp(history.from + step * i as i32);
            let (answered, aht) = match profile {
                Some(h) => (h[i].answered, h[i].aht_seconds()),
                None => (n, aht_seconds),
            };
            AcdInterval { start, offered: n, answered, abandoned: 0.0, aht_seconds: aht }
        })
        .collect();
    // Closed days in the history say nothing about an ordinary week.
    let series =
        IntervalSeries::new(history.interval_minutes, intervals)?.exclude(|i| is_closed_day(&i.start, calendar));
    let model = fit(&series, None)?;

    // The baseline, then each set scenario.
    let baseline = Shift { number: 0, moved_share: 0.0, digital_seconds: 0.0 };
    let scenarios: Vec<Shift> = std::iter::once(baseline)
        .chain((0..MAX_SCENARIOS).filter(|k| input.scenario_is_set(*k)).map(|k| {
            let mut shift = Shift { number: k + 1, moved_share: 0.0, digital_seconds: 0.0 };
            for m in &mix {
                let share = m.share * input.scenarios[k].get(&m.key).copied().unwrap_or(0.0);
                shift.moved_share += share;
                shift.digital_seconds += share * input.digital_aht_of(&m.key);
            }
            shift
        }))
        .collect();
    let mut totals: Vec<ScenarioTotals> = scenarios
        .iter()
        .map(|s| ScenarioTotals { number: s.number, moved_share: s.moved_share, ..ScenarioTotals::default() })
        .collect();
    let hours_per_interval = f64::from(history.interval_minutes) / 60.0;
    let (week_from, week_to) = (local_midnight(week), local_midnight(week + Duration::weeks(1)));
    let ahead = (week_from - history.to).num_minutes() / i64::from(history.interval_minutes);
    let mut heatmap = Heatmap::default();
    let mut staffed = Vec::new();
    let h0 = usize::try_from(ahead).map_err(|_| PlanningError::WeekHasBegun { week })?;
    let mut points: Vec<WeekPoint> = Vec::new();
    let mut t = week_from;
    while t < week_to {
        let point = model.forecast_at(h0 + points.len() + 1, timestamp(t));
        let aht_seconds = if profile.is_some() { point.aht_seconds } else { aht_seconds };
        points.push(WeekPoint { point, aht_seconds, open: input.is_open(&point.start, calendar) });
        t += step;
    }
    // The contacts a scenario moves: those in opening hours on a live
    // channel (the rest are not served), all of them on a backlog channel.
    let live = input.channel.is_live();
    let moved_base: f64 = points.iter().filter(|p| p.open || !live).map(|p| p.point.offered).sum();
    // A backlog channel's work arriving while closed is done in opening
    // hours, spread evenly: per scenario, the work each open interval takes on.
    let open_count = points.iter().filter(|p| p.open).count().max(1) as f64;
    let closed_work: f64 = points.iter().filter(|p| !p.open).map(|p| p.point.offered * p.aht_seconds).sum();
    let carried: Vec<f64> = totals.iter().map(|s| closed_work * (1.0 - s.moved_share) / open_count).collect();
    for WeekPoint { point, aht_seconds: aht, open } in points {
        let calls = point.offered;
        let weekday = point.start.weekday();
        heatmap.contacts[usize::from(weekday)][usize::from(point.start.hour)] += calls;
        let mut row = StaffedInterval {
            local_start: LocalStart::of(&point.start),
            start: point.start,
            weekday,
            hour: point.start.hour,
            open,
            calls,
            aht_seconds: aht,
            staffing: None,
            scenarios: Vec::new(),
        };
        for (i, totals) in totals.iter_mut().enumerate() {
            let left = calls * (1.0 - totals.moved_share);
            let staffing = match (open, live) {
                (false, _) => None,
                (true, true) => Some(staff(left, aht, &input)?),
                (true, false) => Some(staff_backlog(left * aht + carried[i], &input)?),
            };
            totals.calls += left;
            match staffing {
                Some(s) => {
                    totals.agent_hours += s.agent_equivalents * hours_per_interval;
                    totals.scheduled_hours += s.agent_equivalents * hours_per_interval / (1.0 - input.shrinkage);
                    let scheduled = s.heads(live, input.shrinkage).scheduled;
                    totals.peak_scheduled = totals.peak_scheduled.max(scheduled.ceil() as u32);
                }
                None => totals.calls_closed += left,
            }
            if i == 0 {
                row.staffing = staffing;
            } else {
                row.scenarios.push(ScenarioInterval { calls: left, staffing });
            }
        }
        staffed.push(row);
    }
    for (totals, shift) in totals.iter_mut().zip(&scenarios) {
        totals.digital_hours = moved_base * shift.digital_seconds / 3600.0 / (1.0 - input.shrinkage);
        totals.cost_sek = (totals.scheduled_hours + totals.digital_hours) * input.cost_per_hour;
    }
    let backtest = if weeks >= MIN_WEEKS_BACKTEST {
        let bt = backtest_last_week(&series, None)?;
        let held_out = &series.intervals()[series.len() - per_week..];
        let points: Vec<BacktestPoint> = held_out
            .iter()
            .zip(&bt.forecast)
            .map(|(i, f)| BacktestPoint {
                local_start: LocalStart::of(&i.start),
                actual: i.offered,
                forecast: f.offered,
            })
            .collect();
        let mut days: Vec<BacktestDay> = Vec::new();
        for (i, p) in points.iter().enumerate() {
            match days.last_mut() {
                Some(d) if d.date == p.local_start.date => {
                    d.actual += p.actual;
                    d.forecast += p.forecast;
                    d.point_count += 1;
                }
                _ => days.push(BacktestDay {
                    date: p.local_start.date,
                    weekday: p.local_start.date.weekday().num_days_from_monday() as u8,
                    actual: p.actual,
                    forecast: p.forecast,
                    first_point: i,
                    point_count: 1,
                }),
            }
        }
        Some(BacktestView {
            points,
            days,
            mape: fraction(bt.accuracy.mape),
            wape: fraction(bt.accuracy.wape),
            naive_wape: fraction(bt.naive_accuracy.wape),
        })
    } else {
        None
    };
    let days = (0..7).map(|d| week + Duration::days(d));
    let holidays =
        days.clone().filter_map(|date| calendar.closure(date).map(|closure| ClosedDay { date, closure })).collect();
    let kept_open = days
        .filter_map(|date| {
            calendar.kept_open(date).map(|(holiday, note)| KeptOpenDay { date, holiday, note: note.to_owned() })
        })
        .collect();
    Ok(plan(PlanOutcome::Ready(Box::new(Forecast {
        intervals: staffed,
        heatmap,
        totals,
        holidays,
        kept_open,
        backtest,
    }))))
}
