//! The measured history of one channel, bucketed in planning intervals,
//! and the window of weeks it covers.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use porten_domain::planning::ContactCount;
use porten_domain::time::{from_stockholm_local, to_stockholm};
use porten_forecast::Timestamp;

use crate::input::{HISTORY_WEEKS, MIN_WEEKS_FORECAST};

/// The contacts answered in one interval of the history and the handle
/// time they took.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Handled {
    pub answered: f64,
    /// Their handle seconds in all.
    pub handle_seconds: f64,
}

impl Handled {
    /// The average handle time, seconds (0 when nothing was answered).
    pub fn aht_seconds(&self) -> f64 {
        if self.answered > 0.0 { self.handle_seconds / self.answered } else { 0.0 }
    }
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
    /// Measured handle times per interval, if known.
    pub handled: Option<Vec<Handled>>,
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
        let mut handled = vec![Handled::default(); self.volume.len()];
        for (start, answered, aht, minutes) in measured {
            for (i, part) in self.covered(start, minutes) {
                handled[i].answered += answered * part;
                handled[i].handle_seconds += answered * aht * part;
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

    pub(crate) fn per_week(&self) -> usize {
        (7 * 24 * 60 / self.interval_minutes) as usize
    }
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

pub(crate) fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    from_stockholm_local(day.and_hms_opt(0, 0, 0).expect("midnight exists")).expect("Stockholm midnight exists")
}

pub(crate) fn timestamp(t: DateTime<Utc>) -> Timestamp {
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

/// A start in Stockholm local wall-clock time, to the minute: what a
/// planner reads. Shown as `YYYY-MM-DD HH:MM`; the hour after the autumn
/// change happens twice, so [`Timestamp`] (with its UTC offset) is the
/// unambiguous one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalStart {
    pub date: NaiveDate,
    pub hour: u8,
    pub minute: u8,
}

impl LocalStart {
    /// The local start of `ts`, a time this crate made from an instant.
    pub(crate) fn of(ts: &Timestamp) -> Self {
        let date = NaiveDate::from_ymd_opt(ts.year, ts.month.into(), ts.day.into())
            .expect("a timestamp made from an instant is a calendar date");
        Self { date, hour: ts.hour, minute: ts.minute }
    }

    /// The time of day, `HH:MM`.
    pub fn time(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }
}

impl std::fmt::Display for LocalStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:02}:{:02}", self.date, self.hour, self.minute)
    }
}

/// Compares with the shown form, `YYYY-MM-DD HH:MM`.
impl PartialEq<&str> for LocalStart {
    fn eq(&self, other: &&str) -> bool {
        let Some((date, time)) = other.split_once(' ') else { return false };
        let Some((hour, minute)) = time.split_once(':') else { return false };
        (date.len(), hour.len(), minute.len()) == (10, 2, 2)
            && date.parse() == Ok(self.date)
            && hour.parse() == Ok(self.hour)
            && minute.parse() == Ok(self.minute)
    }
}
