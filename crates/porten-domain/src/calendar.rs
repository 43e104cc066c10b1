//! Swedish public holidays (*helgdagar*, Lag (1989:253) om allmänna
//! helgdagar) and the eves that are non-working days in practice
//! (*midsommarafton*, *julafton*, *nyårsafton*), computed without a table.
//! Used where the city is closed: a contact center does not staff them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

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
}
