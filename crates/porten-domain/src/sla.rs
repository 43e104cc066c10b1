//! Service-level targets (SLA) counted in business hours, and the legal
//! clock of förvaltningslagen beside them.
//!
//! The SLA clock is a ledger of segments derived from the errand's
//! timeline ([`clock_segments`]): it runs from registration, pauses while
//! the errand waits for the citizen, resumes on their reply, and stops
//! when the errand is resolved or closed. Business time is counted on a
//! [`WorkTime`]: a unit's service hours per weekday (several intervals a
//! day, e.g. around lunch) on the business calendar's open days, in
//! Stockholm local time, so a due time is right across weekends, Easter
//! and the daylight-saving changes. A changed target, priority or calendar
//! recomputes every open errand exactly, since nothing but the timeline is
//! kept.
//!
//! The legal clock never pauses: under förvaltningslagen 12 § the party
//! may, six months after the errand began, demand a decision, which must
//! then come within four weeks; 11 § requires telling the party when a
//! decision will be significantly delayed.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::errand::{Direction, EventKind, Priority};
use crate::lifecycle::Lifecycle;
use crate::time::{from_stockholm_local, to_stockholm};

/// A unit's service hours: open intervals per weekday (Monday first), in
/// Stockholm local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceHours {
    pub week: [Vec<(NaiveTime, NaiveTime)>; 7],
}

impl Default for ServiceHours {
    /// The city's office hours: Monday to Friday 08:00–16:30.
    fn default() -> Self {
        let day = vec![(hm(8, 0), hm(16, 30))];
        Self { week: [day.clone(), day.clone(), day.clone(), day.clone(), day, Vec::new(), Vec::new()] }
    }
}

/// The weekdays as field names, Monday first (`hours-mon` … `hours-sun`).
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl ServiceHours {
    /// One day's hours as typed: intervals such as `08:00–12:00, 13:00–16:30`
    /// (a hyphen or an en dash, `8.00` or `8` as well as `08:00`), in order
    /// and apart; empty, `stängt` or `closed` for none.
    pub fn parse_day(s: &str) -> Result<Vec<(NaiveTime, NaiveTime)>, &'static str> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("stängt") || s.eq_ignore_ascii_case("closed") {
            return Ok(Vec::new());
        }
        let time = |t: &str| -> Option<NaiveTime> {
            let t = t.trim().replace('.', ":");
            let (h, m) = t.split_once(':').unwrap_or((&t, "0"));
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            if h == 24 && m == 0 { NaiveTime::from_hms_opt(23, 59, 59) } else { NaiveTime::from_hms_opt(h, m, 0) }
        };
        let mut day: Vec<(NaiveTime, NaiveTime)> = Vec::new();
        for part in s.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part.split_once(['–', '-', '—']).ok_or("format")?;
            let (a, b) = (time(a).ok_or("format")?, time(b).ok_or("format")?);
            if a >= b || day.last().is_some_and(|(_, end)| *end > a) {
                return Err("order");
            }
            day.push((a, b));
        }
        Ok(day)
    }

    /// One day's hours as [`ServiceHours::parse_day`] reads them; empty when closed.
    pub fn format_day(day: &[(NaiveTime, NaiveTime)]) -> String {
        let t = |t: &NaiveTime| if *t == hm_s(23, 59, 59) { "24:00".to_owned() } else { t.format("%H:%M").to_string() };
        day.iter().map(|(a, b)| format!("{}–{}", t(a), t(b))).collect::<Vec<_>>().join(", ")
    }

    /// The week from seven typed days, Monday first; each bad day is a
    /// violation of `hours-{day}`, and a week must have some open hours.
    pub fn parse_week(days: &[String; 7]) -> Result<ServiceHours, crate::Violations> {
        let mut v = crate::Violations::new();
        let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
        for (i, typed) in days.iter().enumerate() {
            match Self::parse_day(typed) {
                Ok(day) => week[i] = day,
                Err("order") => {
                    v.push(format!("hours-{}", WEEKDAYS[i]), "order", "the intervals must be in order and apart")
                }
                Err(_) => {
                    v.push(format!("hours-{}", WEEKDAYS[i]), "format", "write the hours as 08:00–12:00, 13:00–16:30")
                }
            }
        }
        if v.is_empty() && week.iter().all(Vec::is_empty) {
            v.push("hours-mon", "closed_week", "a unit must be open some time in the week");
        }
        if v.is_empty() { Ok(ServiceHours { week }) } else { Err(v) }
    }
}

fn hm_s(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).expect("valid time")
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

/// Business time: service hours on the business calendar's open days.
#[derive(Clone, Copy, Debug)]
pub struct WorkTime<'a> {
    pub hours: &'a ServiceHours,
    pub calendar: &'a BusinessCalendar,
}

/// How far ahead a due time is looked for (a target beyond it has no due time).
const MAX_DAYS: i64 = 3 * 366;

impl WorkTime<'_> {
    /// The open intervals of `date`, as instants.
    fn open_on(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.calendar.is_closed(date) {
            return Vec::new();
        }
        let weekday = date.weekday().num_days_from_monday() as usize;
        self.hours.week[weekday]
            .iter()
            .filter_map(|(a, b)| {
                Some((from_stockholm_local(date.and_time(*a))?, from_stockholm_local(date.and_time(*b))?))
            })
            .filter(|(a, b)| a < b)
            .collect()
    }

    /// Business seconds between `from` and `to` (zero if `to` is not later).
    pub fn seconds_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut total = 0;
        let mut date = to_stockholm(from).date_naive();
        let last = to_stockholm(to).date_naive();
        while date <= last {
            for (a, b) in self.open_on(date) {
                let (a, b) = (a.max(from), b.min(to));
                if a < b {
                    total += (b - a).num_seconds();
                }
            }
            date = date.succ_opt().expect("date in range");
        }
        total
    }

    /// The instant `seconds` of business time after `from`; `None` if that
    /// is more than three years ahead (a calendar with no open hours).
    pub fn after(&self, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        let mut left = seconds.max(0);
        let start = to_stockholm(from).date_naive();
        for offset in 0..MAX_DAYS {
            let date = start + Duration::days(offset);
            for (a, b) in self.open_on(date) {
                let a = a.max(from);
                if a >= b {
                    continue;
                }
                let available = (b - a).num_seconds();
                if left <= available {
                    return Some(a + Duration::seconds(left));
                }
                left -= available;
            }
        }
        None
    }
}

/// Targets for one priority, in business hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// Until the first answer to the citizen (a message from the city).
    pub first_response_hours: Option<u32>,
    /// Until the errand is resolved; also the citizen's promise.
    pub resolution_hours: u32,
}

/// A service's SLA: targets by priority, with `normal` for any priority
/// not named, and the share of a target at which a warning comes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    pub normal: Targets,
    #[serde(default)]
    pub by_priority: BTreeMap<Priority, Targets>,
    /// Percent of the target after which the errand is breaching soon.
    #[serde(default = "default_warn_percent")]
    pub warn_percent: u8,
}

fn default_warn_percent() -> u8 {
    75
}

impl Sla {
    pub fn targets(&self, priority: Priority) -> Targets {
        self.by_priority.get(&priority).copied().unwrap_or(self.normal)
    }
}

/// Whether the clock ran or stood still in a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Running,
    /// Waiting for the citizen: the clock stands still.
    Paused,
}

/// One interval of an errand's SLA clock, with what started it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub clock: Clock,
    pub from: DateTime<Utc>,
    /// `None` while it lasts.
    pub to: Option<DateTime<Utc>>,
    /// What began it: `registered`, `waiting_for_citizen`, `resumed`, `reopened`.
    pub reason: &'static str,
}

/// The clock's segments from an errand's timeline (events in order).
pub fn clock_segments<'a>(
    created_at: DateTime<Utc>,
    events: impl IntoIterator<Item = (DateTime<Utc>, &'a EventKind)>,
) -> Vec<Segment> {
    let mut segments = vec![Segment { clock: Clock::Running, from: created_at, to: None, reason: "registered" }];
    for (at, kind) in events {
        let EventKind::StatusChanged { from, to, .. } = kind else { continue };
        let next = match (from, to) {
            (_, Lifecycle::WaitingForCitizen) => Some((Clock::Paused, "waiting_for_citizen")),
            (Lifecycle::WaitingForCitizen, to) if to.is_active() => Some((Clock::Running, "resumed")),
            (from, to) if !from.is_active() && to.is_active() => Some((Clock::Running, "reopened")),
            (_, to) if !to.is_active() => None,
            _ => continue,
        };
        if let Some(open) = segments.last_mut().filter(|s| s.to.is_none()) {
            open.to = Some(at);
        }
        if let Some((clock, reason)) = next {
            segments.push(Segment { clock, from: at, to: None, reason });
        }
    }
    segments
}

/// An SLA alert (*larm*) on the resolution clock: it passed the service's
/// warning share of the target, or the target itself (a breach, which
/// escalates to the unit's administrators).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    Warning,
    Breached,
}

impl Alert {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Breached => "breached",
        }
    }
}

/// Where an errand stands against a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// When the target is (or was) reached on the running clock; `None`
    /// while paused or stopped short of it.
    pub at: Option<DateTime<Utc>>,
    /// Business seconds used so far, and the target's.
    pub used: i64,
    pub target: i64,
}

impl Due {
    /// Past the warning share of the target (and not yet past the target).
    pub fn warning(&self, warn_percent: u8) -> bool {
        self.used * 100 >= self.target * i64::from(warn_percent) && !self.breached()
    }
    pub fn breached(&self) -> bool {
        self.used >= self.target
    }
}

/// The due time of a target of `hours` business hours on the clock's
/// running segments, as at `now`.
pub fn due(segments: &[Segment], hours: u32, work: WorkTime<'_>, now: DateTime<Utc>) -> Due {
    due_in(segments, i64::from(hours) * 3600, work, now)
}

/// [`due`] for a target in business seconds (a warning's share of a target).
pub fn due_in(segments: &[Segment], target: i64, work: WorkTime<'_>, now: DateTime<Utc>) -> Due {
    let mut used = 0;
    let mut at = None;
    for s in segments.iter().filter(|s| s.clock == Clock::Running) {
        let end = s.to.unwrap_or(now).max(s.from);
        let here = work.seconds_between(s.from, end);
        if at.is_none() && (used + here >= target || s.to.is_none()) {
            at = work.after(s.from, target - used);
        }
        used += here;
    }
    // A clock that stopped short of the target has no due time.
    if used < target && segments.last().is_some_and(|s| s.clock != Clock::Running || s.to.is_some()) {
        at = None;
    }
    Due { at, used, target }
}

/// When the first answer to the citizen came: the first message from the city.
pub fn first_response<'a>(events: impl IntoIterator<Item = (DateTime<Utc>, &'a EventKind)>) -> Option<DateTime<Utc>> {
    events
        .into_iter()
        .find_map(|(at, e)| matches!(e, EventKind::Message { direction: Direction::Out, .. }).then_some(at))
}

/// The legal clock of förvaltningslagen for an errand begun at `started`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegalClock {
    /// Six months after the start: the party may demand a decision (12 §).
    pub demand_possible: DateTime<Utc>,
    /// When staff are warned, a month before (time to tell the party under 11 §).
    pub warn_from: DateTime<Utc>,
}

/// How long after a demand (12 §) the decision must come.
pub const DECISION_AFTER_DEMAND: Duration = Duration::weeks(4);

impl LegalClock {
    /// Months are counted on Stockholm's calendar, so the time of day
    /// stays put across daylight saving.
    pub fn of(started: DateTime<Utc>) -> LegalClock {
        let local = to_stockholm(started).naive_local();
        let after = |months| {
            local
                .checked_add_months(Months::new(months))
                .and_then(|l| from_stockholm_local(l).or_else(|| from_stockholm_local(l + Duration::hours(1))))
                .unwrap_or(started)
        };
        LegalClock { demand_possible: after(6), warn_from: after(5) }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::calendar::DayException;

    /// Stockholm local time as an instant.
    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        from_stockholm_local(NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()).unwrap()
    }

    fn status(from: Lifecycle, to: Lifecycle) -> EventKind {
        EventKind::StatusChanged { from, to, reason: None }
    }

    #[test]
    fn a_target_counts_office_hours_across_a_weekend() {
        let (hours, calendar) = (ServiceHours::default(), BusinessCalendar::default());
        let work = WorkTime { hours: &hours, calendar: &calendar };
        // Friday 13 November 2026 at 15:00 plus 8 business hours: 1.5 h on
        // Friday, 6.5 h on Monday from 08:00, so Monday at 14:30.
        let friday = local(2026, 11, 13, 15, 0);
        assert_eq!(work.after(friday, 8 * 3600), Some(local(2026, 11, 16, 14, 30)));
        assert_eq!(work.seconds_between(friday, local(2026, 11, 16, 14, 30)), 8 * 3600);
        // Registered on Saturday: the clock starts on Monday at 08:00.
        assert_eq!(work.after(local(2026, 11, 14, 11, 0), 0), Some(local(2026, 11, 16, 8, 0)));
    }

    #[test]
    fn easter_and_decided_days_are_closed() {
        let hours = ServiceHours::default();
        let calendar = BusinessCalendar::default();
        let work = WorkTime { hours: &hours, calendar: &calendar };
        // Easter Sunday 2027 is 28 March. From Maundy Thursday 25 March at
        // 16:00, 1 hour: half an hour that day, then Good Friday and Easter
        // Monday are holidays, so Tuesday 30 March at 08:30.
        assert_eq!(work.after(local(2027, 3, 25, 16, 0), 3600), Some(local(2027, 3, 30, 8, 30)));
        // A bridge day the city decided to close moves it a day further.
        let bridge =
            DayException { date: NaiveDate::from_ymd_opt(2027, 3, 30).unwrap(), open: false, note: String::new() };
        let calendar = BusinessCalendar::new([bridge]);
        let work = WorkTime { hours: &hours, calendar: &calendar };
        assert_eq!(work.after(local(2027, 3, 25, 16, 0), 3600), Some(local(2027, 3, 31, 8, 30)));
    }

    #[test]
    fn a_lunch_break_and_daylight_saving_are_counted_in_local_time() {
        let mut hours = ServiceHours::default();
        hours.week[0] = vec![(hm(8, 0), hm(12, 0)), (hm(13, 0), hm(16, 0))];
        let calendar = BusinessCalendar::default();
        let work = WorkTime { hours: &hours, calendar: &calendar };
        // Monday 30 March 2026, the first day of summer time: 11:00 plus 2 h
        // is 14:00 local (the lunch hour does not count).
        assert_eq!(work.after(local(2026, 3, 30, 11, 0), 2 * 3600), Some(local(2026, 3, 30, 14, 0)));
        assert_eq!(local(2026, 3, 30, 14, 0), Utc.with_ymd_and_hms(2026, 3, 30, 12, 0, 0).unwrap());
        assert_eq!(work.seconds_between(local(2026, 3, 30, 7, 0), local(2026, 3, 30, 18, 0)), 7 * 3600);
    }

    #[test]
    fn typed_service_hours_read_several_intervals_a_day_and_say_what_is_wrong() {
        let lunch = vec![(hm(8, 0), hm(12, 0)), (hm(13, 0), hm(16, 30))];
        assert_eq!(ServiceHours::parse_day("08:00–12:00, 13:00–16:30"), Ok(lunch.clone()));
        assert_eq!(ServiceHours::parse_day(" 8-12; 13.00-16.30 "), Ok(lunch.clone()));
        assert_eq!(ServiceHours::format_day(&lunch), "08:00–12:00, 13:00–16:30");
        assert_eq!(ServiceHours::parse_day("Stängt"), Ok(Vec::new()));
        assert_eq!(ServiceHours::parse_day("0-24"), Ok(vec![(hm(0, 0), hm_s(23, 59, 59))]));
        assert_eq!(ServiceHours::format_day(&ServiceHours::parse_day("0-24").unwrap()), "00:00–24:00");
        assert_eq!(ServiceHours::parse_day("nio till fem"), Err("format"));
        assert_eq!(ServiceHours::parse_day("08:00-25:00"), Err("format"));
        assert_eq!(ServiceHours::parse_day("13:00-16:00, 08:00-12:00"), Err("order"));
        assert_eq!(ServiceHours::parse_day("08:00-12:30, 12:00-16:00"), Err("order"));
        assert_eq!(ServiceHours::parse_day("16:00-08:00"), Err("order"));

        let mut days: [String; 7] = Default::default();
        days[0] = "08:00–12:00, 13:00–16:30".into();
        days[4] = "08:00–15:00".into();
        let week = ServiceHours::parse_week(&days).unwrap();
        assert_eq!((week.week[0].clone(), week.week[4].len(), week.week[5].len()), (lunch, 1, 0));
        days[2] = "efter lunch".into();
        days[3] = "12-10".into();
        let v = ServiceHours::parse_week(&days).unwrap_err();
        let fields: Vec<_> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(fields, [("hours-wed", "format"), ("hours-thu", "order")]);
        let closed = ServiceHours::parse_week(&Default::default()).unwrap_err();
        assert_eq!(closed.0[0].code, "closed_week");
    }

    #[test]
    fn the_clock_pauses_while_the_errand_waits_for_the_citizen() {
        let (hours, calendar) = (ServiceHours::default(), BusinessCalendar::default());
        let work = WorkTime { hours: &hours, calendar: &calendar };
        let created = local(2026, 11, 16, 8, 0); // Monday
        let waiting = status(Lifecycle::InProgress, Lifecycle::WaitingForCitizen);
        let reply = status(Lifecycle::WaitingForCitizen, Lifecycle::InProgress);
        let events = [(local(2026, 11, 16, 10, 0), &waiting), (local(2026, 11, 18, 8, 0), &reply)];
        let segments = clock_segments(created, events);
        let reasons: Vec<_> = segments.iter().map(|s| (s.clock, s.reason)).collect();
        assert_eq!(
            reasons,
            [(Clock::Running, "registered"), (Clock::Paused, "waiting_for_citizen"), (Clock::Running, "resumed")]
        );
        // 16 business hours: 2 h on Monday, paused Tuesday, then 14 h from
        // Wednesday 08:00: 8.5 h on Wednesday, 5.5 h on Thursday, 13:30.
        let now = local(2026, 11, 18, 9, 0);
        let d = due(&segments, 16, work, now);
        assert_eq!(d.at, Some(local(2026, 11, 19, 13, 30)));
        assert_eq!((d.used, d.breached(), d.warning(75)), (3 * 3600, false, false));
        // While paused there is no due time, and the used time stands still.
        let paused = clock_segments(created, events[..1].iter().copied());
        let d = due(&paused, 16, work, local(2026, 11, 20, 9, 0));
        assert_eq!((d.at, d.used), (None, 2 * 3600));
    }

    #[test]
    fn a_breach_keeps_the_time_it_happened_and_a_resolved_errand_stops() {
        let (hours, calendar) = (ServiceHours::default(), BusinessCalendar::default());
        let work = WorkTime { hours: &hours, calendar: &calendar };
        let created = local(2026, 11, 16, 8, 0);
        let segments = clock_segments(created, []);
        let d = due(&segments, 4, work, local(2026, 11, 17, 9, 0));
        assert_eq!((d.at, d.breached()), (Some(local(2026, 11, 16, 12, 0)), true));
        let resolved = status(Lifecycle::InProgress, Lifecycle::Resolved);
        let stopped = clock_segments(created, [(local(2026, 11, 16, 9, 0), &resolved)]);
        let d = due(&stopped, 4, work, local(2026, 11, 20, 9, 0));
        assert_eq!((d.at, d.used, d.breached()), (None, 3600, false));
        let reopen = status(Lifecycle::Resolved, Lifecycle::Open);
        let events = [(local(2026, 11, 16, 9, 0), &resolved), (local(2026, 11, 16, 11, 0), &reopen)];
        let again = clock_segments(created, events);
        assert_eq!(again.last().map(|s| s.reason), Some("reopened"));
        assert_eq!(due(&again, 4, work, local(2026, 11, 16, 11, 0)).at, Some(local(2026, 11, 16, 14, 0)));
    }

    #[test]
    fn the_legal_clock_is_six_calendar_months_and_never_pauses() {
        // From summer time into winter time: the wall-clock time stays.
        let clock = LegalClock::of(local(2026, 8, 31, 10, 0));
        assert_eq!(clock.demand_possible, local(2027, 2, 28, 10, 0));
        assert_eq!(clock.warn_from, local(2027, 1, 31, 10, 0));
        assert_eq!(LegalClock::of(local(2026, 11, 3, 10, 0)).demand_possible, local(2027, 5, 3, 10, 0));
    }

    #[test]
    fn targets_by_priority_fall_back_to_normal() {
        let sla = Sla {
            normal: Targets { first_response_hours: Some(8), resolution_hours: 40 },
            by_priority: BTreeMap::from([(
                Priority::Urgent,
                Targets { first_response_hours: Some(1), resolution_hours: 8 },
            )]),
            warn_percent: 75,
        };
        assert_eq!(sla.targets(Priority::Urgent).resolution_hours, 8);
        assert_eq!(sla.targets(Priority::High).resolution_hours, 40);
    }
}
