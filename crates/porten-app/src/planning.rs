//! Dimensioning the contact center from measured volumes: the supervisor's
//! planning view.
//!
//! [`App::plan`] reads the contacts registered per hour over the last
//! [`HISTORY_WEEKS`] weeks (from the store, as counts only), builds an hourly
//! series in Stockholm local time, forecasts the coming week with the weekly
//! Holt-Winters model of `porten-forecast`, measures that model against the
//! held-out last week, staffs every forecast hour with Erlang C
//! (`porten-erlang`) and compares it with a channel-shift scenario in which a
//! share of the contacts moves to e-services and self-help.
//!
//! Everything but the store read is a pure function of its inputs
//! ([`build_plan`]), so it is tested without a database.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use porten_domain::time::{stockholm_offset, to_stockholm};
use porten_domain::{Actor, Channel, Role, Violations};
use porten_erlang::{Queue, StaffingTarget, scheduled_agents};
use porten_forecast::{AcdInterval, IntervalSeries, Timestamp, backtest_last_week, fit};
use porten_store::ContactCount;

use crate::{App, AppError, Result};

/// Weeks of measured history the forecast is fitted to.
pub const HISTORY_WEEKS: i64 = 8;
/// Planning interval length in minutes.
pub const INTERVAL_MINUTES: u32 = 60;
const HOURS_PER_WEEK: usize = 7 * 24;
/// Weeks the model needs to forecast at all, and to be backtested too.
pub const MIN_WEEKS_FORECAST: usize = 2;
pub const MIN_WEEKS_BACKTEST: usize = 3;

/// The channels a plan can be made for (contacts that a person handles).
pub const PLANNING_CHANNELS: [Channel; 4] = [Channel::Phone, Channel::Visit, Channel::Web, Channel::Email];

/// Whether `role` may open the planning view: contact-center agents and
/// administrators, not case officers or citizens.
pub fn may_plan(role: Role) -> bool {
    matches!(role, Role::Agent | Role::UnitAdmin | Role::SystemAdmin)
}

fn actor_may_plan(actor: &Actor) -> bool {
    match actor {
        Actor::User { role, .. } => may_plan(*role),
        Actor::System { .. } => true,
        Actor::ApiKey { .. } => false,
    }
}

/// The planning form as typed: every field optional text (absent means the
/// default).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RawPlanningInput {
    pub channel: Option<String>,
    pub service_level: Option<String>,
    pub target_seconds: Option<String>,
    pub aht_seconds: Option<String>,
    pub shrinkage: Option<String>,
    pub shift: Option<String>,
    pub digital_aht_seconds: Option<String>,
    pub cost_per_hour: Option<String>,
}

/// Validated planning settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanningInput {
    pub channel: Channel,
    /// Share of contacts answered within `target_seconds`, in (0, 1).
    pub service_level: f64,
    pub target_seconds: f64,
    /// Average handle time of one contact, seconds.
    pub aht_seconds: f64,
    /// Share of paid time not available for contacts, in [0, 0.9].
    pub shrinkage: f64,
    /// Share of the channel's contacts moving to e-services and self-help in
    /// the scenario, in [0, 0.9].
    pub shift: f64,
    /// Handling time of one shifted contact once it arrives digitally (an
    /// e-service errand still needs some staff time), seconds.
    pub digital_aht_seconds: f64,
    /// Cost of one scheduled agent-hour, SEK.
    pub cost_per_hour: f64,
}

impl Default for PlanningInput {
    fn default() -> Self {
        Self {
            channel: Channel::Phone,
            service_level: 0.8,
            target_seconds: 20.0,
            aht_seconds: 300.0,
            shrinkage: 0.3,
            shift: 0.0,
            digital_aht_seconds: 60.0,
            cost_per_hour: 450.0,
        }
    }
}

/// A decimal number as typed: decimal point or comma, optional surrounding space.
fn number(text: &str) -> Option<f64> {
    let v: f64 = text.trim().replace(',', ".").parse().ok()?;
    v.is_finite().then_some(v)
}

impl PlanningInput {
    /// Validates the form, collecting every problem. Field names in the
    /// violations are the form's field names; the code is `required`,
    /// `invalid` (not a number or unknown channel) or `out_of_range`.
    pub fn parse(raw: &RawPlanningInput) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let d = Self::default();
        let channel = match raw.channel.as_deref().map(str::trim) {
            None | Some("") => d.channel,
            Some(s) => match Channel::parse(s).filter(|c| PLANNING_CHANNELS.contains(c)) {
                Some(c) => c,
                None => {
                    v.push("channel", "invalid", "unknown channel");
                    d.channel
                }
            },
        };
        let mut field = |name: &str, value: &Option<String>, default: f64, ok: &dyn Fn(f64) -> bool| -> f64 {
            match value.as_deref() {
                None => default,
                Some(s) if s.trim().is_empty() => {
                    v.push(name, "required", "must not be empty");
                    default
                }
                Some(s) => match number(s) {
                    None => {
                        v.push(name, "invalid", "must be a number");
                        default
                    }
                    Some(x) if !ok(x) => {
                        v.push(name, "out_of_range", "is out of range");
                        default
                    }
                    Some(x) => x,
                },
            }
        };
        let service_level = field("service_level", &raw.service_level, d.service_level, &|x| x > 0.0 && x < 1.0);
        let target_seconds =
            field("target_seconds", &raw.target_seconds, d.target_seconds, &|x| (0.0..=3600.0).contains(&x));
        let aht_seconds = field("aht_seconds", &raw.aht_seconds, d.aht_seconds, &|x| (1.0..=7200.0).contains(&x));
        let shrinkage = field("shrinkage", &raw.shrinkage, d.shrinkage, &|x| (0.0..=0.9).contains(&x));
        let shift = field("shift", &raw.shift, d.shift, &|x| (0.0..=0.9).contains(&x));
        let digital_aht_seconds = field("digital_aht_seconds", &raw.digital_aht_seconds, d.digital_aht_seconds, &|x| {
            (0.0..=7200.0).contains(&x)
        });
        let cost_per_hour =
            field("cost_per_hour", &raw.cost_per_hour, d.cost_per_hour, &|x| (0.0..=100_000.0).contains(&x));
        v.into_result(Self {
            channel,
            service_level,
            target_seconds,
            aht_seconds,
            shrinkage,
            shift,
            digital_aht_seconds,
            cost_per_hour,
        })
    }
}

/// One staffed hour of the forecast week.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffedInterval {
    /// Local start (Stockholm), `YYYY-MM-DD HH:MM`.
    pub local_start: String,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub hour: u8,
    /// Forecast contacts.
    pub calls: f64,
    /// Agents needed on the line (Erlang C), before shrinkage.
    pub agents: u32,
    /// Agents to schedule after shrinkage.
    pub scheduled: u32,
    /// The same after the channel shift.
    pub calls_after: f64,
    pub agents_after: u32,
    pub scheduled_after: u32,
}

/// Totals of one scenario over the forecast week.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScenarioTotals {
    pub calls: f64,
    /// Agent-hours on the line.
    pub agent_hours: f64,
    /// Scheduled agent-hours (after shrinkage).
    pub scheduled_hours: f64,
    /// Scheduled hours for handling the shifted contacts digitally (no
    /// queue, so workload ÷ (1 − shrinkage)); zero without a shift.
    pub digital_hours: f64,
    /// (Scheduled + digital hours) × cost per hour, SEK.
    pub cost_sek: f64,
}

/// The model measured against the held-out last week.
#[derive(Clone, Debug, PartialEq)]
pub struct BacktestView {
    /// Per hour of the held-out week: (local start, actual, forecast).
    pub points: Vec<(String, f64, f64)>,
    /// Per day: (date `YYYY-MM-DD`, weekday, actual, forecast).
    pub days: Vec<(String, u8, f64, f64)>,
    /// `None` when undefined (no hour with contacts).
    pub mape: Option<f64>,
    pub wape: Option<f64>,
    /// WAPE of "same hour last week", for comparison.
    pub naive_wape: Option<f64>,
}

/// A forecast week, staffed.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    pub intervals: Vec<StaffedInterval>,
    /// Forecast contacts by weekday (0 = Monday) × hour.
    pub heatmap: [[f64; 24]; 7],
    pub before: ScenarioTotals,
    pub after: ScenarioTotals,
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
    /// Errands registered through the channel.
    Errands,
    /// Imported ACD statistics (`porten import acd`), which count every
    /// offered contact, not only those that became errands.
    Acd,
}

/// The planning view.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub input: PlanningInput,
    pub source: ContactSource,
    /// Average handle time measured in the imported statistics (weighted by
    /// answered contacts), shown so the planner can use it.
    pub measured_aht_seconds: Option<f64>,
    /// The history used: `[history_from, history_to)`.
    pub history_from: DateTime<Utc>,
    pub history_to: DateTime<Utc>,
    /// Whole weeks of history the model was fitted to.
    pub weeks: usize,
    /// Contacts in the channel over that history.
    pub contacts: u64,
    pub outcome: PlanOutcome,
}

/// Local midnight (Stockholm) starting the day of `now`, as a UTC instant.
pub fn start_of_local_day(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = to_stockholm(now).date_naive().and_hms_opt(0, 0, 0).expect("midnight exists");
    // The offset at midnight can differ from now's on a switch day; one refinement settles it.
    let guess = Utc.from_utc_datetime(&local) - Duration::seconds(i64::from(stockholm_offset(now).local_minus_utc()));
    Utc.from_utc_datetime(&local) - Duration::seconds(i64::from(stockholm_offset(guess).local_minus_utc()))
}

/// The window of history a plan made at `now` reads: the last
/// [`HISTORY_WEEKS`] weeks up to local midnight today.
pub fn history_window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let to = start_of_local_day(now);
    (to - Duration::hours(HISTORY_WEEKS * 24 * 7), to)
}

fn timestamp(t: DateTime<Utc>) -> Timestamp {
    let local = to_stockholm(t);
    Timestamp {
        year: local.year(),
        month: local.month() as u8,
        day: local.day() as u8,
        hour: local.hour() as u8,
        minute: local.minute() as u8,
        offset_minutes: Some((local.offset().local_minus_utc() / 60) as i16),
    }
}

fn local_label(ts: &Timestamp) -> String {
    format!("{:04}-{:02}-{:02} {:02}:{:02}", ts.year, ts.month, ts.day, ts.hour, ts.minute)
}

/// Staffs `calls` contacts in one hour: (agents, scheduled). No contacts need nobody.
fn staff_hour(calls: f64, input: &PlanningInput) -> Result<(u32, u32), String> {
    if calls < 1e-9 {
        return Ok((0, 0));
    }
    let target = StaffingTarget::new(input.service_level, input.target_seconds);
    let queue = Queue::from_interval(calls, f64::from(INTERVAL_MINUTES * 60), input.aht_seconds, None)
        .map_err(|e| e.to_string())?;
    let agents = queue.staff(&target).map_err(|e| e.to_string())?.agents;
    Ok((agents, scheduled_agents(agents, input.shrinkage).map_err(|e| e.to_string())?))
}

fn fraction(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Makes the plan from hourly contact counts (all channels, as the store
/// returns them) over `[from, to)`, a whole number of weeks of whole hours.
/// Pure. Leading weeks without any contact in any channel (before the
/// platform was in use) are left out of the history.
pub fn build_plan(
    input: PlanningInput,
    counts: &[ContactCount],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Plan, String> {
    let hours = usize::try_from((to - from).num_hours()).unwrap_or(0);
    let index = |t: DateTime<Utc>| usize::try_from((t - from).num_hours()).ok().filter(|i| *i < hours);
    let mut channel_counts = vec![0.0; hours];
    let mut any_counts = vec![0u64; hours];
    for c in counts {
        let Some(i) = index(c.bucket_start) else { continue };
        any_counts[i] += c.count;
        if c.channel == input.channel {
            channel_counts[i] += c.count as f64;
        }
    }
    let total_weeks = hours / HOURS_PER_WEEK;
    let first_active_week = (0..total_weeks)
        .find(|w| any_counts[w * HOURS_PER_WEEK..(w + 1) * HOURS_PER_WEEK].iter().any(|n| *n > 0))
        .unwrap_or(total_weeks);
    let weeks = total_weeks - first_active_week;
    let skip = hours - weeks * HOURS_PER_WEEK;
    let history_from = from + Duration::hours(skip as i64);
    let contacts = channel_counts[skip..].iter().sum::<f64>() as u64;
    let plan = |outcome| Plan {
        input,
        source: ContactSource::Errands,
        measured_aht_seconds: None,
        history_from,
        history_to: to,
        weeks,
        contacts,
        outcome,
    };
    if contacts == 0 {
        return Ok(plan(PlanOutcome::NoContacts));
    }
    if weeks < MIN_WEEKS_FORECAST {
        return Ok(plan(PlanOutcome::TooLittleHistory { weeks, needed: MIN_WEEKS_FORECAST }));
    }
    let intervals: Vec<AcdInterval> = (skip..hours)
        .map(|i| {
            let n = channel_counts[i];
            AcdInterval {
                start: timestamp(from + Duration::hours(i as i64)),
                offered: n,
                answered: n,
                abandoned: 0.0,
                aht_seconds: input.aht_seconds,
            }
        })
        .collect();
    let series = IntervalSeries::new(INTERVAL_MINUTES, intervals).map_err(|e| e.to_string())?;
    let model = fit(&series, None).map_err(|e| e.to_string())?;
    let mut heatmap = [[0.0; 24]; 7];
    let mut before = ScenarioTotals::default();
    let mut after = ScenarioTotals::default();
    let hours_per_interval = f64::from(INTERVAL_MINUTES) / 60.0;
    let mut staffed = Vec::with_capacity(HOURS_PER_WEEK);
    for point in model.forecast(HOURS_PER_WEEK) {
        let calls = point.offered;
        let calls_after = calls * (1.0 - input.shift);
        let (agents, scheduled) = staff_hour(calls, &input)?;
        let (agents_after, scheduled_after) = staff_hour(calls_after, &input)?;
        let weekday = point.start.weekday();
        let hour = point.start.hour;
        heatmap[usize::from(weekday)][usize::from(hour)] += calls;
        for (totals, calls, agents, scheduled) in
            [(&mut before, calls, agents, scheduled), (&mut after, calls_after, agents_after, scheduled_after)]
        {
            totals.calls += calls;
            totals.agent_hours += f64::from(agents) * hours_per_interval;
            totals.scheduled_hours += f64::from(scheduled) * hours_per_interval;
        }
        staffed.push(StaffedInterval {
            local_start: local_label(&point.start),
            weekday,
            hour,
            calls,
            agents,
            scheduled,
            calls_after,
            agents_after,
            scheduled_after,
        });
    }
    let shifted = before.calls - after.calls;
    after.digital_hours = shifted * input.digital_aht_seconds / 3600.0 / (1.0 - input.shrinkage);
    before.cost_sek = before.scheduled_hours * input.cost_per_hour;
    after.cost_sek = (after.scheduled_hours + after.digital_hours) * input.cost_per_hour;
    let backtest = if weeks >= MIN_WEEKS_BACKTEST {
        let bt = backtest_last_week(&series, None).map_err(|e| e.to_string())?;
        let held_out = &series.intervals()[series.len() - HOURS_PER_WEEK..];
        let points: Vec<(String, f64, f64)> =
            held_out.iter().zip(&bt.forecast).map(|(i, f)| (local_label(&i.start), i.offered, f.offered)).collect();
        let mut days: Vec<(String, u8, f64, f64)> = Vec::new();
        for (i, f) in held_out.iter().zip(&bt.forecast) {
            let date = local_label(&i.start)[..10].to_owned();
            match days.last_mut() {
                Some(d) if d.0 == date => {
                    d.2 += i.offered;
                    d.3 += f.offered;
                }
                _ => days.push((date, i.start.weekday(), i.offered, f.offered)),
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
    Ok(plan(PlanOutcome::Ready(Box::new(Forecast { intervals: staffed, heatmap, before, after, backtest }))))
}

/// The staffing table as CSV (one row per forecast hour, decimal point,
/// header line first).
pub fn staffing_csv(plan: &Plan) -> String {
    let mut out = String::from(
        "interval_start,weekday,hour,forecast_contacts,agents,scheduled_agents,\
         forecast_contacts_after_shift,agents_after_shift,scheduled_agents_after_shift\n",
    );
    if let PlanOutcome::Ready(f) = &plan.outcome {
        for r in &f.intervals {
            out += &format!(
                "{},{},{},{:.2},{},{},{:.2},{},{}\n",
                r.local_start,
                r.weekday + 1,
                r.hour,
                r.calls,
                r.agents,
                r.scheduled,
                r.calls_after,
                r.agents_after,
                r.scheduled_after
            );
        }
    }
    out
}

/// Imported ACD intervals as offered contacts per hour (rounded), in the
/// shape the errand counts have, so one planning path serves both sources.
pub fn acd_hourly(intervals: &[porten_store::AcdInterval]) -> Vec<ContactCount> {
    let mut hours: std::collections::BTreeMap<DateTime<Utc>, f64> = std::collections::BTreeMap::new();
    for i in intervals {
        let hour = Utc.timestamp_opt(i.start.timestamp().div_euclid(3600) * 3600, 0).single().unwrap_or(i.start);
        *hours.entry(hour).or_default() += i.offered;
    }
    hours
        .into_iter()
        .filter(|(_, n)| *n >= 0.5)
        .map(|(bucket_start, n)| ContactCount { bucket_start, channel: intervals[0].channel, count: n.round() as u64 })
        .collect()
}

/// Average handle time over imported intervals, weighted by answered contacts.
pub fn measured_aht(intervals: &[porten_store::AcdInterval]) -> Option<f64> {
    let answered: f64 = intervals.iter().map(|i| i.answered).sum();
    (answered > 0.0).then(|| intervals.iter().map(|i| i.aht_seconds * i.answered).sum::<f64>() / answered)
}

impl App {
    /// The planning view at this moment for contact-center agents and
    /// administrators (others: [`AppError::Forbidden`]). Reads contact
    /// counts only, so no audit entry is written.
    pub async fn plan(&self, actor: &Actor, input: PlanningInput) -> Result<Plan> {
        if !actor_may_plan(actor) {
            return Err(AppError::Forbidden);
        }
        let (from, to) = history_window(self.now());
        let mut counts = self.store.contact_counts(from, to, INTERVAL_MINUTES).await?;
        let acd = self.store.acd_intervals(input.channel, from, to).await?;
        let source = if acd.is_empty() {
            ContactSource::Errands
        } else {
            counts.retain(|c| c.channel != input.channel);
            counts.extend(acd_hourly(&acd));
            ContactSource::Acd
        };
        let mut plan = build_plan(input, &counts, from, to).map_err(AppError::Rejected)?;
        plan.source = source;
        plan.measured_aht_seconds = measured_aht(&acd);
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawPlanningInput {
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        RawPlanningInput {
            channel: get("channel"),
            service_level: get("service_level"),
            target_seconds: get("target_seconds"),
            aht_seconds: get("aht_seconds"),
            shrinkage: get("shrinkage"),
            shift: get("shift"),
            digital_aht_seconds: get("digital_aht_seconds"),
            cost_per_hour: get("cost_per_hour"),
        }
    }

    #[test]
    fn parse_defaults_and_collects_every_problem() {
        assert_eq!(PlanningInput::parse(&RawPlanningInput::default()).unwrap(), PlanningInput::default());
        let ok =
            PlanningInput::parse(&raw(&[("channel", "visit"), ("service_level", "0,9"), ("shift", " 0.25 ")])).unwrap();
        assert_eq!((ok.channel, ok.service_level, ok.shift), (Channel::Visit, 0.9, 0.25));
        let bad = PlanningInput::parse(&raw(&[
            ("channel", "open311"),
            ("service_level", "1"),
            ("target_seconds", "abc"),
            ("aht_seconds", ""),
            ("shrinkage", "0.95"),
            ("shift", "-0.1"),
            ("cost_per_hour", "NaN"),
        ]))
        .unwrap_err();
        let got: Vec<(&str, &str)> = bad.0.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(
            got,
            [
                ("channel", "invalid"),
                ("service_level", "out_of_range"),
                ("target_seconds", "invalid"),
                ("aht_seconds", "required"),
                ("shrinkage", "out_of_range"),
                ("shift", "out_of_range"),
                ("cost_per_hour", "invalid"),
            ]
        );
    }

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn the_window_ends_at_local_midnight() {
        // 26 November 2026 is winter time (UTC+1): midnight is 23:00 UTC the day before.
        let (from, to) = history_window(Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap());
        assert_eq!(to, utc(2026, 11, 25, 23));
        assert_eq!(to - from, Duration::weeks(8));
        // Summer time (UTC+2), shortly after local midnight.
        assert_eq!(start_of_local_day(Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap()), utc(2026, 7, 1, 22));
    }

    /// Office-hours phone traffic: `per_hour` contacts 08–16 on weekdays, 1 at noon on weekends.
    fn office_counts(from: DateTime<Utc>, weeks: i64, per_hour: u64) -> Vec<ContactCount> {
        let mut out = Vec::new();
        for h in 0..weeks * 168 {
            let t = from + Duration::hours(h);
            let local = to_stockholm(t);
            let weekend = local.weekday().num_days_from_monday() >= 5;
            let count = match (weekend, local.hour()) {
                (false, 8..=15) => per_hour,
                (true, 12) => 1,
                _ => 0,
            };
            if count > 0 {
                out.push(ContactCount { bucket_start: t, channel: Channel::Phone, count });
                out.push(ContactCount { bucket_start: t, channel: Channel::Web, count: 2 });
            }
        }
        out
    }

    #[test]
    fn a_regular_week_is_forecast_backtested_and_staffed() {
        let (from, to) = history_window(Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap());
        let counts = office_counts(from, 8, 12);
        let input = PlanningInput { shift: 0.5, ..PlanningInput::default() };
        let plan = build_plan(input, &counts, from, to).unwrap();
        assert_eq!(plan.weeks, 8);
        let PlanOutcome::Ready(f) = &plan.outcome else { panic!("{:?}", plan.outcome) };
        assert_eq!(f.intervals.len(), 168);
        // Thursday 5 March 2026, 09:00 local.
        let nine = f.intervals.iter().find(|r| r.local_start == "2026-03-05 09:00").unwrap();
        assert_eq!((nine.weekday, nine.hour), (3, 9));
        assert!((nine.calls - 12.0).abs() < 0.5, "{}", nine.calls);
        // 12 calls of 300 s in an hour: 1 Erlang; 80 % in 20 s needs 3 agents; 30 % shrinkage: 5.
        let expected = staff_hour(nine.calls, &input).unwrap();
        assert_eq!((nine.agents, nine.scheduled), expected);
        assert_eq!((nine.agents, nine.scheduled), (3, 5));
        let night = f.intervals.iter().find(|r| r.local_start == "2026-03-05 03:00").unwrap();
        assert_eq!((night.agents, night.scheduled), (0, 0));
        assert!(f.after.calls < f.before.calls && f.after.cost_sek < f.before.cost_sek);
        assert_eq!(f.before.cost_sek, f.before.scheduled_hours * 450.0);
        // The shifted half still costs 60 s of staff time each, scheduled after shrinkage.
        let shifted = f.before.calls - f.after.calls;
        assert!((f.after.digital_hours - shifted * 60.0 / 3600.0 / 0.7).abs() < 1e-9);
        assert!((f.after.cost_sek - (f.after.scheduled_hours + f.after.digital_hours) * 450.0).abs() < 1e-6);
        assert_eq!(f.before.digital_hours, 0.0);
        assert!((f.heatmap[3][9] - nine.calls).abs() < 1e-9);
        let bt = f.backtest.as_ref().expect("eight weeks allow a backtest");
        assert_eq!(bt.points.len(), 168);
        assert_eq!(bt.days.len(), 7);
        assert!(bt.wape.unwrap() < 0.05, "{:?}", bt.wape);
        let csv = staffing_csv(&plan);
        assert_eq!(csv.lines().count(), 169);
        assert!(csv.contains("\n2026-03-05 09:00,4,9,"), "{csv}");
    }

    #[test]
    fn sparse_history_is_explained_not_failed() {
        let (from, to) = history_window(Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap());
        let empty = build_plan(PlanningInput::default(), &[], from, to).unwrap();
        assert_eq!((&empty.outcome, empty.weeks, empty.contacts), (&PlanOutcome::NoContacts, 0, 0));
        // Only the last week has contacts: not enough to forecast.
        let recent = office_counts(to - Duration::weeks(1), 1, 3);
        let short = build_plan(PlanningInput::default(), &recent, from, to).unwrap();
        assert_eq!(short.outcome, PlanOutcome::TooLittleHistory { weeks: 1, needed: 2 });
        assert_eq!(short.history_from, to - Duration::weeks(1));
        // Two weeks: a forecast, but no week to hold out.
        let two = office_counts(to - Duration::weeks(2), 2, 3);
        let PlanOutcome::Ready(f) = build_plan(PlanningInput::default(), &two, from, to).unwrap().outcome else {
            panic!("two weeks are enough to forecast")
        };
        assert!(f.backtest.is_none());
        // Web only: no phone contacts at all.
        let web_only: Vec<ContactCount> = recent.into_iter().filter(|c| c.channel == Channel::Web).collect();
        assert_eq!(build_plan(PlanningInput::default(), &web_only, from, to).unwrap().outcome, PlanOutcome::NoContacts);
        assert_eq!(staffing_csv(&empty).lines().count(), 1);
    }

    #[test]
    fn only_planners_may_plan() {
        for (role, ok) in [
            (Role::Citizen, false),
            (Role::Agent, true),
            (Role::CaseOfficer, false),
            (Role::UnitAdmin, true),
            (Role::SystemAdmin, true),
        ] {
            assert_eq!(may_plan(role), ok, "{role:?}");
        }
        assert!(!actor_may_plan(&Actor::ApiKey { id: 1, name: "k".into(), scopes: vec![] }));
    }
}

#[cfg(test)]
mod acd_tests {
    use super::*;

    #[test]
    fn acd_quarter_hours_add_up_to_hourly_counts() {
        let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
        let q = |h, m, offered| porten_store::AcdInterval {
            channel: Channel::Phone,
            start: at(h, m),
            minutes: 15,
            offered,
            answered: offered,
            abandoned: 0.0,
            aht_seconds: 300.0,
        };
        let hourly = acd_hourly(&[q(8, 0, 3.0), q(8, 15, 4.0), q(8, 45, 2.0), q(9, 0, 0.0), q(10, 30, 6.0)]);
        let pairs: Vec<_> = hourly.iter().map(|c| (c.bucket_start, c.count)).collect();
        assert_eq!(pairs, vec![(at(8, 0), 9), (at(10, 0), 6)], "empty hours are left out, like errand counts");
        let mut long = q(11, 0, 1.0);
        long.aht_seconds = 600.0;
        // (3·300 + 4·300 + 2·300 + 6·300 + 1·600) / 16 = 318.75
        let all = [q(8, 0, 3.0), q(8, 15, 4.0), q(8, 45, 2.0), q(9, 0, 0.0), q(10, 30, 6.0), long];
        assert_eq!(measured_aht(&all), Some(318.75));
        assert_eq!(measured_aht(&[q(9, 0, 0.0)]), None, "nothing answered, nothing measured");
    }
}
