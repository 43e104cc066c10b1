//! Swedish public holidays (*helgdagar*, Lag (1989:253) om allmänna
//! helgdagar) and the eves that are non-working days in practice
//! (*midsommarafton*, *julafton*, *nyårsafton*), computed without a table.
//! Used where the city is closed: a contact center does not staff them.
//! Administrators decide exceptions (*avvikelser*): julafton kept open, a
//! bridge day (*klämdag*) closed; [`BusinessCalendar`] combines the two.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

use crate::Violations;

/// The longest note on a decided day, in characters.
pub const MAX_NOTE_CHARS: usize = 200;
/// The years a day can be decided in.
pub const DECIDABLE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Easter Sunday of `year` (Gregorian calendar; the anonymous algorithm in
/// Meeus, *Astronomical Algorithms*, ch. 8).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// The first `weekday` on or after `from`.
fn first_on_or_after(from: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - from.weekday().num_days_from_monday()) % 7;
    from + Duration::days(i64::from(ahead))
}

/// The holiday or non-working eve on `date`, if any, as a key
/// (`christmas-eve`, `midsummer-day`, …; the UI's text files name them).
/// Sundays are not listed unless they are a named holiday.
pub fn swedish_holiday(date: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let fixed = match (m, d) {
        (1, 1) => Some("new-years-day"),
        (1, 6) => Some("epiphany"),
        (5, 1) => Some("may-day"),
        (6, 6) => Some("national-day"),
        (12, 24) => Some("christmas-eve"),
        (12, 25) => Some("christmas-day"),
        (12, 26) => Some("boxing-day"),
        (12, 31) => Some("new-years-eve"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let day = |month, day| NaiveDate::from_ymd_opt(y, month, day);
    let midsummer_day = first_on_or_after(day(6, 20)?, Weekday::Sat);
    let all_saints = first_on_or_after(day(10, 31)?, Weekday::Sat);
    let easter = easter_sunday(y)?;
    let moving = [
        (easter - Duration::days(2), "good-friday"),
        (easter, "easter-sunday"),
        (easter + Duration::days(1), "easter-monday"),
        (easter + Duration::days(39), "ascension-day"),
        (easter + Duration::days(49), "whit-sunday"),
        (midsummer_day - Duration::days(1), "midsummer-eve"),
        (midsummer_day, "midsummer-day"),
        (all_saints, "all-saints-day"),
    ];
    moving.into_iter().find(|(when, _)| *when == date).map(|(_, name)| name)
}

/// A day an administrator decided differently from the computed calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayException {
    pub date: NaiveDate,
    /// Open (on a holiday or eve) or closed (on an ordinary day).
    pub open: bool,
    /// Why, for colleagues and planners (may be empty).
    pub note: String,
}

/// A day exception as typed in a form: `date` as `YYYY-MM-DD`, `open` as
/// `open` or `closed`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct RawDayException {
    pub date: Option<String>,
    pub open: Option<String>,
    pub note: Option<String>,
}

impl DayException {
    /// Parses a typed exception; every problem is reported at once. Dates
    /// are limited to the years 2000–2100.
    pub fn parse(raw: &RawDayException) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let date = match raw.date.as_deref().map(str::trim) {
            None | Some("") => {
                v.push("date", "required", "must not be empty");
                None
            }
            Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) if DECIDABLE_YEARS.contains(&d.year()) => Some(d),
                _ => {
                    v.push("date", "invalid", "must be a date YYYY-MM-DD in the years 2000–2100");
                    None
                }
            },
        };
        let open = match raw.open.as_deref() {
            Some("open") => Some(true),
            Some("closed") => Some(false),
            _ => {
                v.push("open", "required", "must be open or closed");
                None
            }
        };
        let note = raw.note.as_deref().map(str::trim).unwrap_or("");
        if note.chars().count() > MAX_NOTE_CHARS {
            v.push("note", "too_long", format!("must be at most {MAX_NOTE_CHARS} characters"));
        }
        match (date, open) {
            (Some(date), Some(open)) => v.into_result(DayException { date, open, note: note.to_owned() }),
            _ => Err(v),
        }
    }
}

/// Why a day is closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closure {
    /// A public holiday or non-working eve ([`swedish_holiday`]'s key).
    Holiday(&'static str),
    /// Closed by an administrator's decision, with its note.
    Decided(String),
}

/// The business calendar (*verksamhetskalender*): the computed holidays and
/// eves, overridden day by day by the exceptions administrators decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BusinessCalendar {
    exceptions: BTreeMap<NaiveDate, DayException>,
}

impl BusinessCalendar {
    pub fn new(exceptions: impl IntoIterator<Item = DayException>) -> Self {
        Self { exceptions: exceptions.into_iter().map(|e| (e.date, e)).collect() }
    }

    /// Why `date` is closed, if it is: a decision wins over the computed
    /// holidays.
    pub fn closure(&self, date: NaiveDate) -> Option<Closure> {
        match self.exceptions.get(&date) {
            Some(e) if e.open => None,
            Some(e) => Some(Closure::Decided(e.note.clone())),
            None => swedish_holiday(date).map(Closure::Holiday),
        }
    }

    pub fn is_closed(&self, date: NaiveDate) -> bool {
        self.closure(date).is_some()
    }

    /// The holiday or eve on `date` that a decision keeps open, with the
    /// decision's note.
    pub fn kept_open(&self, date: NaiveDate) -> Option<(&'static str, &str)> {
        let decision = self.exceptions.get(&date).filter(|e| e.open)?;
        swedish_holiday(date).map(|holiday| (holiday, decision.note.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_matches_the_almanac() {
        // Easter Sundays per the Swedish almanac.
        for (y, m, d) in [(2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2038, 4, 25), (2285, 3, 22)] {
            assert_eq!(easter_sunday(y), Some(day(y, m, d)), "{y}");
        }
    }

    #[test]
    fn the_holidays_of_2026_are_known() {
        let holidays: Vec<(NaiveDate, &str)> = (0..365)
            .map(|i| day(2026, 1, 1) + Duration::days(i))
            .filter_map(|d| swedish_holiday(d).map(|n| (d, n)))
            .collect();
        let expected = [
            (day(2026, 1, 1), "new-years-day"),
            (day(2026, 1, 6), "epiphany"),
            (day(2026, 4, 3), "good-friday"),
            (day(2026, 4, 5), "easter-sunday"),
            (day(2026, 4, 6), "easter-monday"),
            (day(2026, 5, 1), "may-day"),
            (day(2026, 5, 14), "ascension-day"),
            (day(2026, 5, 24), "whit-sunday"),
            (day(2026, 6, 6), "national-day"),
            (day(2026, 6, 19), "midsummer-eve"),
            (day(2026, 6, 20), "midsummer-day"),
            (day(2026, 10, 31), "all-saints-day"),
            (day(2026, 12, 24), "christmas-eve"),
            (day(2026, 12, 25), "christmas-day"),
            (day(2026, 12, 26), "boxing-day"),
            (day(2026, 12, 31), "new-years-eve"),
        ];
        assert_eq!(holidays, expected);
        assert_eq!(swedish_holiday(day(2027, 6, 25)), Some("midsummer-eve"));
        assert_eq!(swedish_holiday(day(2027, 11, 6)), Some("all-saints-day"));
        assert_eq!(swedish_holiday(day(2026, 11, 30)), None);
    }

    #[test]
    fn decisions_override_the_computed_calendar() {
        let raw = |date: &str, open: &str, note: &str| RawDayException {
            date: Some(date.into()),
            open: Some(open.into()),
            note: Some(note.into()),
        };
        let open_eve = DayException::parse(&raw("2026-12-24", "open", " Öppet 8–12 ")).unwrap();
        assert_eq!((open_eve.open, open_eve.note.as_str()), (true, "Öppet 8–12"));
        let bridge = DayException::parse(&raw(" 2026-05-15 ", "closed", "")).unwrap();
        let calendar = BusinessCalendar::new([open_eve, bridge]);
        assert_eq!(calendar.closure(day(2026, 12, 24)), None, "julafton kept open");
        assert_eq!(calendar.kept_open(day(2026, 12, 24)), Some(("christmas-eve", "Öppet 8–12")));
        assert_eq!(calendar.kept_open(day(2026, 5, 15)), None, "closed, not kept open");
        assert_eq!(calendar.closure(day(2026, 5, 15)), Some(Closure::Decided(String::new())), "klämdag closed");
        assert_eq!(calendar.closure(day(2026, 12, 25)), Some(Closure::Holiday("christmas-day")));
        assert!(!calendar.is_closed(day(2026, 5, 18)));

        let bad = DayException::parse(&RawDayException {
            date: Some("2026-02-30".into()),
            open: Some("maybe".into()),
            note: Some("x".repeat(MAX_NOTE_CHARS + 1)),
        })
        .unwrap_err();
        let fields: Vec<(&str, &str)> = bad.0.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(fields, [("date", "invalid"), ("open", "required"), ("note", "too_long")]);
        let missing = DayException::parse(&RawDayException::default()).unwrap_err();
        assert_eq!(missing.0.iter().map(|v| v.code).collect::<Vec<_>>(), ["required", "required"]);
        assert!(DayException::parse(&raw("1999-12-31", "closed", "")).is_err());
    }
}
