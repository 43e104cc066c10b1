//! The planning form: what a planner types, validated into settings.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use porten_domain::calendar::BusinessCalendar;
use porten_domain::{Channel, Violations};
use porten_erlang::StaffingTarget;
use porten_forecast::Timestamp;

use crate::staffing::{StaffingGoal, StaffingRule};

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

    /// How an open interval of a live channel is staffed: the smallest
    /// number of agents meeting the goals, and at least
    /// [`OPEN_MINIMUM_AGENTS`](crate::OPEN_MINIMUM_AGENTS) (minimum
    /// staffing, see [`staff_interval`](crate::staff_interval)).
    pub fn open_interval_rule(&self) -> StaffingRule {
        StaffingRule {
            interval_seconds: f64::from(self.interval_minutes * 60),
            patience_seconds: self.patience_seconds,
            goal: StaffingGoal::Meet(self.target()),
            shrinkage: self.shrinkage,
            minimum_agents: crate::OPEN_MINIMUM_AGENTS,
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
pub(crate) fn is_closed_day(ts: &Timestamp, calendar: &BusinessCalendar) -> bool {
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
