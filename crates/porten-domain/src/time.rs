//! Swedish local time (Europe/Stockholm) without a time-zone database.
//!
//! Sweden follows the EU summer-time rule (since 1996): CEST (UTC+2) from
//! 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
//! October, CET (UTC+1) otherwise. Porten stores UTC and converts with this
//! rule for display and for calendar questions such as "which year is this
//! registration in".

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .expect("valid date");
    let last = first_next.pred_opt().expect("valid date");
    let back = last.weekday().num_days_from_sunday();
    last - chrono::Duration::days(i64::from(back))
}

/// The UTC offset Stockholm uses at instant `t`.
pub fn stockholm_offset(t: DateTime<Utc>) -> FixedOffset {
    let year = t.year();
    let start = Utc.from_utc_datetime(&last_sunday(year, 3).and_hms_opt(1, 0, 0).expect("valid"));
    let end = Utc.from_utc_datetime(&last_sunday(year, 10).and_hms_opt(1, 0, 0).expect("valid"));
    let hours = if t >= start && t < end { 2 } else { 1 };
    FixedOffset::east_opt(hours * 3600).expect("valid offset")
}

/// `t` as Stockholm local time.
pub fn to_stockholm(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&stockholm_offset(t))
}

/// The calendar year in Stockholm at instant `t`; registry numbers use it.
pub fn stockholm_year(t: DateTime<Utc>) -> i32 {
    to_stockholm(t).year()
}

/// The instant of a Stockholm wall-clock time. In the autumn hour that
/// happens twice the first (summer-time) instant is chosen; a time in the
/// spring hour that does not exist gives `None`.
pub fn from_stockholm_local(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    [2, 1].into_iter().find_map(|hours| {
        let utc = Utc.from_utc_datetime(&(local - chrono::Duration::hours(hours)));
        (stockholm_offset(utc).local_minus_utc() == i32::try_from(hours * 3600).ok()?).then_some(utc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn summer_time_switches_at_one_utc_on_last_sundays() {
        // 2026: summer time from 29 March to 25 October.
        assert_eq!(stockholm_offset(utc(2026, 3, 29, 0, 59)).local_minus_utc(), 3600);
        assert_eq!(stockholm_offset(utc(2026, 3, 29, 1, 0)).local_minus_utc(), 7200);
        assert_eq!(stockholm_offset(utc(2026, 10, 25, 0, 59)).local_minus_utc(), 7200);
        assert_eq!(stockholm_offset(utc(2026, 10, 25, 1, 0)).local_minus_utc(), 3600);
        assert_eq!(stockholm_offset(utc(2027, 3, 28, 1, 0)).local_minus_utc(), 7200);
    }

    #[test]
    fn local_times_map_back_to_instants_across_daylight_saving() {
        let local =
            |d: u32, m: u32, h: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap().and_hms_opt(h, 30, 0).unwrap();
        assert_eq!(from_stockholm_local(local(15, 1, 12)), Some(utc(2026, 1, 15, 11, 30)));
        assert_eq!(from_stockholm_local(local(15, 7, 12)), Some(utc(2026, 7, 15, 10, 30)));
        assert_eq!(from_stockholm_local(local(29, 3, 2)), None, "02:30 does not exist on 29 March 2026");
        assert_eq!(from_stockholm_local(local(25, 10, 2)), Some(utc(2026, 10, 25, 0, 30)), "the first 02:30");
        for t in [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30), utc(2026, 10, 25, 1, 30), utc(2026, 12, 31, 23, 0)]
        {
            let back = from_stockholm_local(to_stockholm(t).naive_local()).unwrap();
            assert_eq!(to_stockholm(back).naive_local(), to_stockholm(t).naive_local());
        }
    }

    #[test]
    fn new_year_comes_an_hour_early_in_utc() {
        assert_eq!(stockholm_year(utc(2026, 12, 31, 22, 59)), 2026);
        assert_eq!(stockholm_year(utc(2026, 12, 31, 23, 0)), 2027);
        assert_eq!(to_stockholm(utc(2026, 7, 1, 10, 0)).format("%H:%M").to_string(), "12:00");
    }
}
