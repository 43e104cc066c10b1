//! Dimensioning the contact center from measured volumes: the supervisor's
//! planning view.
//!
//! [`App::plan`] reads the measured contacts of one channel over the last
//! [`HISTORY_WEEKS`] weeks (registered errands plus logged contacts, or the
//! imported ACD statistics when the channel has them), builds a series of
//! 15-, 30- or 60-minute intervals in Stockholm local time, fits the weekly
//! Holt-Winters model of `porten-forecast`, measures it against the held-out
//! last week, forecasts a chosen week, staffs every open interval with Erlang
//! C or, given a patience, Erlang A (`porten-erlang`), and compares up to
//! [`MAX_SCENARIOS`] channel-shift scenarios side by side, each moving a
//! share of every service's contacts to e-services and self-help.
//!
//! Everything but the store reads is a pure function of its inputs
//! ([`build_plan`]), so it is tested without a database.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use porten_domain::calendar::{BusinessCalendar, Closure};
use porten_domain::time::{from_stockholm_local, to_stockholm};
use porten_domain::{Actor, Channel, Role, Violations};
use porten_erlang::{Queue, StaffingTarget, scheduled_agents};
use porten_forecast::{AcdInterval, IntervalSeries, Timestamp, backtest_last_week, fit};
use porten_store::{ContactCount, ServiceMix};

use crate::{App, AppError, Result};

/// Weeks of measured history the forecast is fitted to.
pub const HISTORY_WEEKS: i64 = 8;
/// How many weeks ahead a plan can be made for.
pub const WEEKS_AHEAD: usize = 6;
/// Channel-shift scenarios compared side by side with the baseline.
pub const MAX_SCENARIOS: usize = 3;
/// Interval lengths a plan can be made in, minutes.
pub const INTERVALS: [u32; 3] = [15, 30, 60];
/// Handle time used when none is typed and none has been measured, seconds.
pub const DEFAULT_AHT_SECONDS: f64 = 300.0;
/// Handle time of a contact once it arrives digitally, unless typed, seconds.
pub const DEFAULT_DIGITAL_AHT_SECONDS: f64 = 60.0;
/// The occupancy a backlog channel (e-mail, web forms) is planned at when
/// no cap is given: time for reading up, switching and follow-up.
pub const DEFAULT_BACKLOG_OCCUPANCY: f64 = 0.85;
/// Weeks the model needs to forecast at all, and to be backtested too.
pub const MIN_WEEKS_FORECAST: usize = 2;
pub const MIN_WEEKS_BACKTEST: usize = 3;
/// The key standing for contacts without a service (general questions and
/// technical help) in the service mix and in scenario field names.
pub const NO_SERVICE: &str = "_general";

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

/// The planning form as typed: field name → text. Absent fields take their
/// defaults; scenario shares are named `shift<k>-<service code>` (k = 1…3)
/// and digital handle times `digital-<service code>`, with [`NO_SERVICE`]
/// for contacts without a service.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct RawPlanningInput(pub BTreeMap<String, String>);

impl RawPlanningInput {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// Opening days of the planned channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenDays {
    /// Monday to Friday.
    Weekdays,
    /// Every day.
    All,
}

/// Validated planning settings.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanningInput {
    pub channel: Channel,
    /// Interval length, minutes (15, 30 or 60).
    pub interval_minutes: u32,
    /// Monday of the week to plan; `None`: the first week offered.
    pub week: Option<NaiveDate>,
    /// Share of contacts answered within `target_seconds`, in (0, 1).
    pub service_level: f64,
    pub target_seconds: f64,
    /// Average handle time of one contact, seconds; `None`: the measured one.
    pub aht_seconds: Option<f64>,
    /// Mean patience of callers, seconds; given, the plan uses Erlang A.
    pub patience_seconds: Option<f64>,
    /// Cap on the share of callers abandoning (needs a patience).
    pub max_abandon: Option<f64>,
    /// Cap on agent occupancy, in (0, 1].
    pub max_occupancy: Option<f64>,
    /// Share of paid time not available for contacts, in [0, 0.9].
    pub shrinkage: f64,
    /// Opening hours: from `opens` to `closes` o'clock, local time.
    pub opens: u32,
    pub closes: u32,
    pub days: OpenDays,
    /// Cost of one scheduled agent-hour, SEK.
    pub cost_per_hour: f64,
    /// Per scenario (index 0 = scenario 1): service key → share of its
    /// contacts moving to e-services and self-help, in [0, 1].
    pub scenarios: [BTreeMap<String, f64>; MAX_SCENARIOS],
    /// Service key → handle time of one shifted contact once it arrives
    /// digitally (an e-service errand still takes some staff time), seconds.
    pub digital_aht: BTreeMap<String, f64>,
}

impl Default for PlanningInput {
    fn default() -> Self {
        Self {
            channel: Channel::Phone,
            interval_minutes: 60,
            week: None,
            service_level: 0.8,
            target_seconds: 20.0,
            aht_seconds: None,
            patience_seconds: None,
            max_abandon: None,
            max_occupancy: None,
            shrinkage: 0.3,
            opens: 8,
            closes: 17,
            days: OpenDays::Weekdays,
            cost_per_hour: 450.0,
            scenarios: Default::default(),
            digital_aht: BTreeMap::new(),
        }
    }
}

impl PlanningInput {
    /// The digital handle time of a service's shifted contacts.
    pub fn digital_aht_of(&self, key: &str) -> f64 {
        self.digital_aht.get(key).copied().unwrap_or(DEFAULT_DIGITAL_AHT_SECONDS)
    }

    /// Whether scenario `k` (0-based) moves anything.
    pub fn scenario_is_set(&self, k: usize) -> bool {
        self.scenarios[k].values().any(|s| *s > 0.0)
    }

    fn target(&self) -> StaffingTarget {
        StaffingTarget {
            max_abandon: self.max_abandon,
            max_occupancy: self.max_occupancy,
            ..StaffingTarget::new(self.service_level, self.target_seconds)
        }
    }

    /// Whether the channel is open in the interval starting at local `ts`:
    /// inside the opening hours on an open day that is not a public holiday
    /// or a non-working eve.
    pub fn is_open(&self, ts: &Timestamp, calendar: &BusinessCalendar) -> bool {
        let day_ok = self.days == OpenDays::All || ts.weekday() < 5;
        !is_closed_day(ts, calendar) && day_ok && (self.opens * 60..self.closes * 60).contains(&ts.minute_of_day())
    }
}

/// Whether `ts` falls on a day the business calendar keeps closed (a
/// public holiday or eve, or a decided closure).
fn is_closed_day(ts: &Timestamp, calendar: &BusinessCalendar) -> bool {
    NaiveDate::from_ymd_opt(ts.year, ts.month.into(), ts.day.into()).is_some_and(|d| calendar.is_closed(d))
}

/// A decimal number as typed: decimal point or comma, optional surrounding space.
fn number(text: &str) -> Option<f64> {
    let v: f64 = text.trim().replace(',', ".").parse().ok()?;
    v.is_finite().then_some(v)
}

/// The Mondays a plan made on local date `today` can be for: the week that
/// starts on or after today, and the weeks after it.
pub fn plannable_weeks(today: NaiveDate) -> Vec<NaiveDate> {
    let first = today + Duration::days(i64::from((7 - today.weekday().num_days_from_monday()) % 7));
    (0..WEEKS_AHEAD as i64).map(|w| first + Duration::weeks(w)).collect()
}

/// Collects violations while reading fields of a [`RawPlanningInput`].
struct Reader<'a> {
    raw: &'a RawPlanningInput,
    v: Violations,
}

impl Reader<'_> {
    /// A number in range: absent is `default`, empty is `required`.
    fn number(&mut self, name: &str, default: f64, ok: impl Fn(f64) -> bool) -> f64 {
        match self.raw.get(name) {
            None => default,
            Some(s) if s.trim().is_empty() => {
                self.v.push(name, "required", "must not be empty");
                default
            }
            Some(s) => self.parse(name, s, &ok).unwrap_or(default),
        }
    }

    /// An optional number: absent or empty is `None`.
    fn optional(&mut self, name: &str, ok: impl Fn(f64) -> bool) -> Option<f64> {
        match self.raw.get(name) {
            None => None,
            Some(s) if s.trim().is_empty() => None,
            Some(s) => self.parse(name, s, &ok),
        }
    }

    fn parse(&mut self, name: &str, s: &str, ok: &dyn Fn(f64) -> bool) -> Option<f64> {
        match number(s) {
            None => {
                self.v.push(name, "invalid", "must be a number");
                None
            }
            Some(x) if !ok(x) => {
                self.v.push(name, "out_of_range", "is out of range");
                None
            }
            Some(x) => Some(x),
        }
    }

    /// One of `options` (by its text), absent is `default`.
    fn choice<T: Copy>(&mut self, name: &str, default: T, options: &[(&str, T)]) -> T {
        match self.raw.get(name).map(str::trim) {
            None | Some("") => default,
            Some(s) => options.iter().find(|(text, _)| *text == s).map(|(_, t)| *t).unwrap_or_else(|| {
                self.v.push(name, "invalid", "is not one of the options");
                default
            }),
        }
    }
}

impl PlanningInput {
    /// Validates the form for a plan made on local date `today`, collecting
    /// every problem. Field names in the violations are the form's field
    /// names; the code is `required`, `invalid` (not a number, not one of the
    /// options) or `out_of_range`. Scenario fields for a service `known`
    /// does not accept (not in the channel's mix) are ignored, so they can
    /// neither change the plan nor flood the error summary.
    pub fn parse(raw: &RawPlanningInput, today: NaiveDate, known: impl Fn(&str) -> bool) -> Result<Self, Violations> {
        let d = Self::default();
        let mut r = Reader { raw, v: Violations::new() };
        let channels: Vec<(&str, Channel)> = PLANNING_CHANNELS.iter().map(|c| (c.as_str(), *c)).collect();
        let channel = r.choice("channel", d.channel, &channels);
        let intervals = [("15", 15), ("30", 30), ("60", 60)];
        let interval_minutes = r.choice("interval", d.interval_minutes, &intervals);
        let weeks: Vec<(String, NaiveDate)> = plannable_weeks(today).into_iter().map(|m| (m.to_string(), m)).collect();
        let week_options: Vec<(&str, Option<NaiveDate>)> = weeks.iter().map(|(s, m)| (s.as_str(), Some(*m))).collect();
        let week = r.choice("week", None, &week_options);
        let service_level = r.number("service_level", d.service_level, |x| x > 0.0 && x < 1.0);
        let target_seconds = r.number("target_seconds", d.target_seconds, |x| (0.0..=3600.0).contains(&x));
        let aht_seconds = r.optional("aht_seconds", |x| (1.0..=7200.0).contains(&x));
        let patience_seconds = r.optional("patience_seconds", |x| x > 0.0 && x <= 7200.0);
        let max_abandon = r.optional("max_abandon", |x| x > 0.0 && x <= 1.0);
        let max_occupancy = r.optional("max_occupancy", |x| x > 0.0 && x <= 1.0);
        // Only a missing patience, not a mistyped one, makes the cap unusable.
        let no_patience = raw.get("patience_seconds").is_none_or(|p| p.trim().is_empty());
        if max_abandon.is_some() && no_patience {
            r.v.push("max_abandon", "requires_patience", "an abandonment cap needs the callers' patience");
        }
        let shrinkage = r.number("shrinkage", d.shrinkage, |x| (0.0..=0.9).contains(&x));
        let hours: Vec<(String, u32)> = (0..=24).map(|h| (h.to_string(), h)).collect();
        let hour_options: Vec<(&str, u32)> = hours.iter().map(|(s, h)| (s.as_str(), *h)).collect();
        let opens = r.choice("opens", d.opens, &hour_options[..24]);
        let closes = r.choice("closes", d.closes, &hour_options[1..]);
        if closes <= opens {
            r.v.push("closes", "out_of_range", "must be after the opening hour");
        }
        let days = r.choice("days", d.days, &[("weekdays", OpenDays::Weekdays), ("all", OpenDays::All)]);
        let cost_per_hour = r.number("cost_per_hour", d.cost_per_hour, |x| (0.0..=100_000.0).contains(&x));
        let mut scenarios: [BTreeMap<String, f64>; MAX_SCENARIOS] = Default::default();
        let mut digital_aht = BTreeMap::new();
        for name in raw.0.keys() {
            if let Some(key) = name.strip_prefix("digital-") {
                if known(key)
                    && let Some(x) = r.optional(name, |x| (0.0..=7200.0).contains(&x))
                {
                    digital_aht.insert(key.to_owned(), x);
                }
                continue;
            }
            for (k, shares) in scenarios.iter_mut().enumerate() {
                if let Some(key) = name.strip_prefix(&format!("shift{}-", k + 1))
                    && known(key)
                    && let Some(x) = r.optional(name, |x| (0.0..=1.0).contains(&x))
                {
                    shares.insert(key.to_owned(), x);
                }
            }
        }
        r.v.into_result(Self {
            channel,
            interval_minutes,
            week,
            service_level,
            target_seconds,
            aht_seconds,
            patience_seconds,
            max_abandon,
            max_occupancy,
            shrinkage,
            opens,
            closes,
            days,
            cost_per_hour,
            scenarios,
            digital_aht,
        })
    }
}

/// How one interval is staffed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Staffing {
    /// Agents needed on the line, before shrinkage.
    pub agents: u32,
    /// The agents the week's hours count: `agents` on a live channel; on a
    /// backlog channel the workload ÷ the occupancy cap, unrounded, since
    /// the work of a quiet interval is part of someone's time, not a person.
    pub agent_equivalents: f64,
    /// Agents to schedule after shrinkage.
    pub scheduled: u32,
    /// Achieved service level (among all offered contacts); `None` for a
    /// backlog channel, where contacts do not wait on the line.
    pub service_level: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub occupancy: f64,
    /// Share of callers abandoning (Erlang A only).
    pub abandon_rate: Option<f64>,
}

impl Staffing {
    /// People on duty and scheduled, as a planner reads them: whole people
    /// on a live channel, the unrounded need on a backlog channel (a quiet
    /// interval's mail is part of someone's time), with the decimals to show.
    pub fn heads(&self, live: bool, shrinkage: f64) -> (f64, f64, usize) {
        if live {
            (f64::from(self.agents), f64::from(self.scheduled), 0)
        } else {
            (self.agent_equivalents, self.agent_equivalents / (1.0 - shrinkage), 2)
        }
    }
}

/// One interval of the planned week.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffedInterval {
    /// Local start (Stockholm), `YYYY-MM-DD HH:MM`.
    pub local_start: String,
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
    /// Per set scenario: forecast contacts left in the channel, and their staffing.
    pub scenarios: Vec<(f64, Option<Staffing>)>,
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

/// One service's part of the channel's contacts.
#[derive(Clone, Debug, PartialEq)]
pub struct MixShare {
    /// Service code, or [`NO_SERVICE`].
    pub key: String,
    pub contacts: u64,
    /// Share of the channel's contacts, in [0, 1].
    pub share: f64,
}

/// The model measured against the held-out last week.
#[derive(Clone, Debug, PartialEq)]
pub struct BacktestView {
    /// Per interval of the held-out week: (local start, actual, forecast).
    pub points: Vec<(String, f64, f64)>,
    /// Per day: (date `YYYY-MM-DD`, weekday, actual, forecast).
    pub days: Vec<(String, u8, f64, f64)>,
    /// `None` when undefined (no interval with contacts).
    pub mape: Option<f64>,
    pub wape: Option<f64>,
    /// WAPE of "same interval last week", for comparison.
    pub naive_wape: Option<f64>,
}

/// A planned week, staffed.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    pub intervals: Vec<StaffedInterval>,
    /// Forecast contacts by weekday (0 = Monday) × hour.
    pub heatmap: [[f64; 24]; 7],
    /// The baseline first, then each set scenario.
    pub totals: Vec<ScenarioTotals>,
    /// The days the business calendar keeps closed in the planned week, and why.
    pub holidays: Vec<(NaiveDate, Closure)>,
    /// Holidays and eves in the planned week that a decision keeps open:
    /// (day, holiday key, the decision's note).
    pub kept_open: Vec<(NaiveDate, &'static str, String)>,
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

/// Where the handle time the plan uses comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AhtSource {
    Typed,
    /// Measured in imported ACD statistics.
    Acd,
    /// Measured in the contact log.
    Log,
    /// Nothing measured: [`DEFAULT_AHT_SECONDS`].
    Default,
}

/// The measured history of one channel, in intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// `[from, to)`, a whole number of weeks.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub interval_minutes: u32,
    /// Contacts in the planned channel per interval.
    pub volume: Vec<f64>,
    /// Whether the interval had a contact in any channel (the platform was in use).
    pub active: Vec<bool>,
    /// Measured per interval, if known: (answered contacts, their handle
    /// seconds in all).
    pub handled: Option<Vec<(f64, f64)>>,
}

impl History {
    /// Buckets contact counts (any channel) and the planned channel's
    /// volumes (`(start, contacts, minutes covered)`, spread evenly over the
    /// intervals they cover) over `[from, to)`.
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        interval_minutes: u32,
        activity: &[ContactCount],
        volumes: impl IntoIterator<Item = (DateTime<Utc>, f64, u32)>,
    ) -> Self {
        let n = usize::try_from((to - from).num_minutes() / i64::from(interval_minutes)).unwrap_or(0);
        let mut history =
            Self { from, to, interval_minutes, volume: vec![0.0; n], active: vec![false; n], handled: None };
        for c in activity {
            if let Some(i) = history.index(c.bucket_start) {
                history.active[i] |= c.count > 0;
            }
        }
        for (start, contacts, minutes) in volumes {
            for (i, part) in history.covered(start, minutes) {
                history.volume[i] += contacts * part;
                history.active[i] |= contacts > 0.0;
            }
        }
        history
    }

    /// Adds measured handle times, `(start, answered contacts, their average
    /// handle seconds, minutes covered)`, spread like the volumes: the plan
    /// then uses each interval's own handle time profile.
    pub fn with_handle_times(mut self, measured: impl IntoIterator<Item = (DateTime<Utc>, f64, f64, u32)>) -> Self {
        let mut handled = vec![(0.0, 0.0); self.volume.len()];
        for (start, answered, aht, minutes) in measured {
            for (i, part) in self.covered(start, minutes) {
                handled[i].0 += answered * part;
                handled[i].1 += answered * aht * part;
            }
        }
        self.handled = Some(handled);
        self
    }

    /// The interval holding instant `t`, if inside the history.
    fn index(&self, t: DateTime<Utc>) -> Option<usize> {
        let i = (t - self.from).num_minutes().div_euclid(i64::from(self.interval_minutes));
        usize::try_from(i).ok().filter(|i| *i < self.volume.len())
    }

    /// The intervals a measurement of `minutes` from `start` covers, each
    /// with its share of it.
    fn covered(&self, start: DateTime<Utc>, minutes: u32) -> Vec<(usize, f64)> {
        let parts = minutes.div_ceil(self.interval_minutes).max(1);
        (0..parts)
            .filter_map(|p| self.index(start + Duration::minutes(i64::from(p * self.interval_minutes))))
            .map(|i| (i, 1.0 / f64::from(parts)))
            .collect()
    }

    fn per_week(&self) -> usize {
        (7 * 24 * 60 / self.interval_minutes) as usize
    }
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

/// Local midnight (Stockholm) starting the day of `now`, as a UTC instant.
pub fn start_of_local_day(now: DateTime<Utc>) -> DateTime<Utc> {
    local_midnight(to_stockholm(now).date_naive())
}

/// The window of history a plan made at `now` reads: the last
/// [`HISTORY_WEEKS`] weeks up to local midnight today.
pub fn history_window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let to = start_of_local_day(now);
    (to - Duration::hours(HISTORY_WEEKS * 24 * 7), to)
}

/// Where the platform's own history of a channel starts: the window's
/// `from`, or, when contact logging began after the window's first day, the
/// first whole week after the first logged contact (before it only errands
/// were counted, too few), as long as that leaves [`MIN_WEEKS_FORECAST`]
/// weeks. A first contact on the first day (the center opens in the
/// morning) means logging covered the whole window.
pub fn logged_history_start(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    first_logged: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let week = Duration::hours(24 * 7);
    let Some(first) = first_logged.filter(|f| *f >= from + Duration::days(1)) else {
        return from;
    };
    let (into, per_week) = ((first - from).num_minutes(), week.num_minutes());
    let start = from + week * ((into + per_week - 1) / per_week) as i32;
    if to - start >= week * MIN_WEEKS_FORECAST as i32 { start } else { from }
}

fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    from_stockholm_local(day.and_hms_opt(0, 0, 0).expect("midnight exists")).expect("Stockholm midnight exists")
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

/// Staffs `calls` contacts offered in one open interval. An open line has
/// at least one agent, even when no contact is forecast.
fn staff(calls: f64, aht_seconds: f64, input: &PlanningInput) -> Result<Staffing, String> {
    let scheduled = |agents| scheduled_agents(agents, input.shrinkage).map_err(|e| e.to_string());
    if calls < 1e-6 {
        let abandon_rate = input.patience_seconds.map(|_| 0.0);
        return Ok(Staffing {
            agents: 1,
            agent_equivalents: 1.0,
            scheduled: scheduled(1)?,
            service_level: Some(1.0),
            asa_seconds: Some(0.0),
            occupancy: 0.0,
            abandon_rate,
        });
    }
    let interval_seconds = f64::from(input.interval_minutes * 60);
    let queue = Queue::from_interval(calls, interval_seconds, aht_seconds, input.patience_seconds)
        .map_err(|e| e.to_string())?;
    let m = queue.staff(&input.target()).map_err(|e| e.to_string())?;
    Ok(Staffing {
        agents: m.agents,
        agent_equivalents: f64::from(m.agents),
        scheduled: scheduled(m.agents)?,
        service_level: Some(m.service_level),
        asa_seconds: Some(m.asa),
        occupancy: m.occupancy,
        abandon_rate: input.patience_seconds.map(|_| m.abandon_rate),
    })
}

/// Staffing for a backlog channel (e-mail, web forms): `work_seconds` of
/// handling in the interval at no more than the occupancy cap (default
/// [`DEFAULT_BACKLOG_OCCUPANCY`]); no queue, so no minimum of one agent.
fn staff_backlog(work_seconds: f64, input: &PlanningInput) -> Result<Staffing, String> {
    let load = work_seconds / f64::from(input.interval_minutes * 60);
    let cap = input.max_occupancy.unwrap_or(DEFAULT_BACKLOG_OCCUPANCY);
    // A hair of tolerance so an exact multiple is not rounded up by float noise.
    let agents = (load / cap - 1e-9).ceil().max(0.0) as u32;
    Ok(Staffing {
        agents,
        agent_equivalents: load / cap,
        scheduled: scheduled_agents(agents, input.shrinkage).map_err(|e| e.to_string())?,
        service_level: None,
        asa_seconds: None,
        occupancy: if agents > 0 { load / f64::from(agents) } else { 0.0 },
        abandon_rate: None,
    })
}

fn fraction(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The channel's service mix as shares.
pub fn mix_shares(mix: &[ServiceMix]) -> Vec<MixShare> {
    let total: u64 = mix.iter().map(|m| m.contacts).sum();
    let mut out: Vec<MixShare> = Vec::new();
    for m in mix.iter().filter(|m| m.contacts > 0) {
        let key = m.service_code.clone().unwrap_or_else(|| NO_SERVICE.to_owned());
        out.push(MixShare { key, contacts: m.contacts, share: m.contacts as f64 / total as f64 });
    }
    out
}

/// The handle time to plan with: typed, else measured (ACD first), else the default.
pub fn choose_aht(typed: Option<f64>, acd: Option<f64>, log: Option<f64>) -> (f64, AhtSource) {
    match (typed, acd, log) {
        (Some(t), _, _) => (t, AhtSource::Typed),
        (None, Some(a), _) => (a, AhtSource::Acd),
        (None, None, Some(l)) => (l, AhtSource::Log),
        (None, None, None) => (DEFAULT_AHT_SECONDS, AhtSource::Default),
    }
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
) -> Result<Plan, String> {
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
                Some(h) => (h[i].0, if h[i].0 > 0.0 { h[i].1 / h[i].0 } else { 0.0 }),
                None => (n, aht_seconds),
            };
            AcdInterval { start, offered: n, answered, abandoned: 0.0, aht_seconds: aht }
        })
        .collect();
    // Closed days in the history say nothing about an ordinary week.
    let series = IntervalSeries::new(history.interval_minutes, intervals)
        .map_err(|e| e.to_string())?
        .exclude(|i| is_closed_day(&i.start, calendar));
    let model = fit(&series, None).map_err(|e| e.to_string())?;

    // The baseline, then each set scenario: (number, share of the channel's
    // contacts it moves, staff seconds the moved contacts take per contact).
    let scenarios: Vec<(usize, f64, f64)> = std::iter::once((0, 0.0, 0.0))
        .chain((0..MAX_SCENARIOS).filter(|k| input.scenario_is_set(*k)).map(|k| {
            let (moved, seconds) = mix.iter().fold((0.0, 0.0), |(moved, seconds), m| {
                let share = m.share * input.scenarios[k].get(&m.key).copied().unwrap_or(0.0);
                (moved + share, seconds + share * input.digital_aht_of(&m.key))
            });
            (k + 1, moved, seconds)
        }))
        .collect();
    let mut totals: Vec<ScenarioTotals> = scenarios
        .iter()
        .map(|(number, moved_share, _)| ScenarioTotals {
            number: *number,
            moved_share: *moved_share,
            ..ScenarioTotals::default()
        })
        .collect();
    let hours_per_interval = f64::from(history.interval_minutes) / 60.0;
    let (week_from, week_to) = (local_midnight(week), local_midnight(week + Duration::weeks(1)));
    let ahead = (week_from - history.to).num_minutes() / i64::from(history.interval_minutes);
    let mut heatmap = [[0.0; 24]; 7];
    let mut staffed = Vec::new();
    let h0 = usize::try_from(ahead).map_err(|_| "the week to plan has begun".to_owned())?;
    // (forecast, handle time, open) for every interval of the week.
    let mut points = Vec::new();
    let mut t = week_from;
    while t < week_to {
        let point = model.forecast_at(h0 + points.len() + 1, timestamp(t));
        let aht = if profile.is_some() { point.aht_seconds } else { aht_seconds };
        points.push((point, aht, input.is_open(&point.start, calendar)));
        t += step;
    }
    // The contacts a scenario moves: those in opening hours on a live
    // channel (the rest are not served), all of them on a backlog channel.
    let live = input.channel.is_live();
    let moved_base: f64 = points.iter().filter(|p| p.2 || !live).map(|p| p.0.offered).sum();
    // A backlog channel's work arriving while closed is done in opening
    // hours, spread evenly: per scenario, the work each open interval takes on.
    let open_count = points.iter().filter(|p| p.2).count().max(1) as f64;
    let closed_work: f64 = points.iter().filter(|p| !p.2).map(|p| p.0.offered * p.1).sum();
    let carried: Vec<f64> = totals.iter().map(|s| closed_work * (1.0 - s.moved_share) / open_count).collect();
    for (point, aht, open) in points {
        let calls = point.offered;
        let weekday = point.start.weekday();
        heatmap[usize::from(weekday)][usize::from(point.start.hour)] += calls;
        let mut row = StaffedInterval {
            local_start: local_label(&point.start),
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
                    let (_, scheduled, _) = s.heads(live, input.shrinkage);
                    totals.peak_scheduled = totals.peak_scheduled.max(scheduled.ceil() as u32);
                }
                None => totals.calls_closed += left,
            }
            if i == 0 {
                row.staffing = staffing;
            } else {
                row.scenarios.push((left, staffing));
            }
        }
        staffed.push(row);
    }
    for (totals, (_, _, seconds)) in totals.iter_mut().zip(&scenarios) {
        totals.digital_hours = moved_base * seconds / 3600.0 / (1.0 - input.shrinkage);
        totals.cost_sek = (totals.scheduled_hours + totals.digital_hours) * input.cost_per_hour;
    }
    let backtest = if weeks >= MIN_WEEKS_BACKTEST {
        let bt = backtest_last_week(&series, None).map_err(|e| e.to_string())?;
        let held_out = &series.intervals()[series.len() - per_week..];
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
    let days = (0..7).map(|d| week + Duration::days(d));
    let holidays = days.clone().filter_map(|d| calendar.closure(d).map(|c| (d, c))).collect();
    let kept_open =
        days.filter_map(|d| calendar.kept_open(d).map(|(holiday, note)| (d, holiday, note.to_owned()))).collect();
    Ok(plan(PlanOutcome::Ready(Box::new(Forecast {
        intervals: staffed,
        heatmap,
        totals,
        holidays,
        kept_open,
        backtest,
    }))))
}

/// How a CSV file separates fields and writes decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvStyle {
    /// Commas and decimal points (RFC 4180, most tools).
    Plain,
    /// Semicolons and decimal commas, as a spreadsheet with Swedish settings
    /// reads it.
    Swedish,
}

/// The staffing table as CSV: one row per interval of the planned week
/// (`interval_start` in ISO 8601 with its UTC offset), header line first; a
/// block of columns per set scenario. No field holds a separator.
pub fn staffing_csv(plan: &Plan, style: CsvStyle) -> String {
    let (live, shrinkage) = (plan.input.channel.is_live(), plan.input.shrinkage);
    let (separator, decimal) = match style {
        CsvStyle::Plain => (",", '.'),
        CsvStyle::Swedish => (";", ','),
    };
    let num = |x: f64, decimals: usize| format!("{x:.decimals$}").replace('.', &decimal.to_string());
    let opt = |x: Option<f64>, decimals: usize| x.map(|x| num(x, decimals)).unwrap_or_default();
    let mut header: Vec<String> = [
        "interval_start",
        "weekday",
        "hour",
        "open",
        "forecast_contacts",
        "aht_seconds",
        "agents",
        "scheduled_agents",
        "service_level",
        "asa_seconds",
        "occupancy",
        "abandon_rate",
    ]
    .map(str::to_owned)
    .into();
    let mut rows = Vec::new();
    if let PlanOutcome::Ready(f) = &plan.outcome {
        for t in &f.totals[1..] {
            let k = t.number;
            header.extend([
                format!("scenario{k}_contacts"),
                format!("scenario{k}_agents"),
                format!("scenario{k}_scheduled_agents"),
            ]);
        }
        for r in &f.intervals {
            let mut row =
                vec![r.start.to_string(), (r.weekday + 1).to_string(), r.hour.to_string(), r.open.to_string()];
            row.extend([num(r.calls, 2), num(r.aht_seconds, 0)]);
            match &r.staffing {
                Some(s) => row.extend({
                    let (agents, scheduled, decimals) = s.heads(live, shrinkage);
                    [num(agents, decimals), num(scheduled, decimals)]
                }),
                None => row.extend(["0", "0"].map(str::to_owned)),
            }
            match &r.staffing {
                Some(s) => row.extend([
                    opt(s.service_level, 4),
                    opt(s.asa_seconds, 1),
                    num(s.occupancy, 4),
                    opt(s.abandon_rate, 4),
                ]),
                None => row.extend(["", "", "", ""].map(str::to_owned)),
            }
            for (calls, s) in &r.scenarios {
                let (agents, scheduled, decimals) = s.map(|s| s.heads(live, shrinkage)).unwrap_or((0.0, 0.0, 0));
                row.extend([num(*calls, 2), num(agents, decimals), num(scheduled, decimals)]);
            }
            rows.push(row);
        }
    }
    std::iter::once(header).chain(rows).map(|fields| fields.join(separator) + "\n").collect()
}

/// Average handle time over imported intervals, weighted by answered contacts.
pub fn measured_aht(intervals: &[porten_store::AcdInterval]) -> Option<f64> {
    let answered: f64 = intervals.iter().map(|i| i.answered).sum();
    (answered > 0.0).then(|| intervals.iter().map(|i| i.aht_seconds * i.answered).sum::<f64>() / answered)
}

/// Average handle time of the logged contacts that were timed.
pub fn logged_aht(mix: &[ServiceMix]) -> Option<f64> {
    let timed: u64 = mix.iter().map(|m| m.timed).sum();
    (timed > 0).then(|| mix.iter().map(|m| m.handle_seconds).sum::<f64>() / timed as f64)
}

impl App {
    /// The measured service mix of one channel over the planning history,
    /// for planners only.
    pub async fn planning_mix(&self, actor: &Actor, channel: Channel) -> Result<Vec<MixShare>> {
        if !actor_may_plan(actor) {
            return Err(AppError::Forbidden);
        }
        let (from, to) = history_window(self.now());
        Ok(mix_shares(&self.store.contact_mix(channel, from, to).await?))
    }

    /// The planning view at this moment for contact-center agents and
    /// administrators (others: [`AppError::Forbidden`]). Reads counts and
    /// statistics only, no personal data, so no audit entry is written.
    pub async fn plan(&self, actor: &Actor, input: PlanningInput) -> Result<Plan> {
        if !actor_may_plan(actor) {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        let (from, to) = history_window(now);
        let minutes = input.interval_minutes;
        let acd = self.store.acd_intervals(input.channel, from, to).await?;
        let mix = self.store.contact_mix(input.channel, from, to).await?;
        let (history, source) = if acd.is_empty() {
            // On the line and at the desk most contacts are logged, not
            // registered; e-mail and web are recorded as errands anyway.
            let first_logged = match input.channel.is_live() {
                true => self.store.first_logged_contact(input.channel).await?,
                false => None,
            };
            let from = logged_history_start(from, to, first_logged);
            let counts = self.store.contact_counts(from, to, minutes).await?;
            let own = counts.iter().filter(|c| c.channel == input.channel);
            let volumes: Vec<_> = own.map(|c| (c.bucket_start, c.count as f64, minutes)).collect();
            (History::new(from, to, minutes, &counts, volumes), ContactSource::Platform)
        } else {
            // The statistics alone say since when the channel has been
            // measured: weeks before the first import are not zero calls.
            let volumes = acd.iter().map(|i| (i.start, i.offered, i.minutes));
            let handled = acd.iter().map(|i| (i.start, i.answered, i.aht_seconds, i.minutes));
            (History::new(from, to, minutes, &[], volumes).with_handle_times(handled), ContactSource::Acd)
        };
        let aht = choose_aht(input.aht_seconds, measured_aht(&acd), logged_aht(&mix));
        let today = to_stockholm(now).date_naive();
        let week = input.week.unwrap_or_else(|| plannable_weeks(today)[0]);
        let first_day = to_stockholm(from).date_naive();
        let calendar = self.business_calendar(first_day, week + Duration::weeks(1)).await?;
        let mut plan =
            build_plan(input, &history, mix_shares(&mix), aht, week, &calendar).map_err(AppError::Rejected)?;
        plan.source = source;
        Ok(plan)
    }
}

#[cfg(test)]
mod tests;
