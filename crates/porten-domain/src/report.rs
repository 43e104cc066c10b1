//! Supervisors' reports (*rapporter*, issue 20), the pure parts: the
//! filter as a supervisor types it, the age bands of the backlog, the
//! figures a report derives, and CSV fields.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};

use crate::errand::Channel;
use crate::time::{from_stockholm_local, to_stockholm};
use crate::{UnitCode, Violations};

/// The longest period a report covers (and the audit-log viewer).
pub const MAX_DAYS: i64 = 366;
/// The longest period an errand export covers: ten years, so that an
/// export is never capped in disguise.
pub const MAX_EXPORT_DAYS: i64 = 3660;
/// The period when none is given: the last four weeks, today included.
pub const DEFAULT_DAYS: i64 = 28;

/// A filter as typed (query parameters of `/staff/reports`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RawReportFilter {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub channel: String,
}

/// What a report counts: errands (and contacts) of a period of whole days
/// in Stockholm, `from` up to (not including) `to`, optionally of one unit,
/// service and channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The first and last day, as typed back into the form.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub unit: Option<UnitCode>,
    pub service: Option<String>,
    pub channel: Option<Channel>,
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    from_stockholm_local(day.and_hms_opt(0, 0, 0).expect("midnight exists")).expect("midnight is not in a DST gap")
}

impl ReportFilter {
    /// Reads a typed filter of at most `max_days` ([`MAX_DAYS`] for a
    /// report, [`MAX_EXPORT_DAYS`] for an export); `today` is the Stockholm
    /// date now. Every problem at once, as field violations.
    pub fn parse(raw: &RawReportFilter, today: NaiveDate, max_days: i64) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let mut day = |field: &str, s: &str, default: NaiveDate| match s.trim() {
            "" => default,
            s => NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| {
                v.push(field, "invalid", "a date as YYYY-MM-DD");
                default
            }),
        };
        let last_day = day("to", &raw.to, today);
        let first_day = day("from", &raw.from, last_day - Duration::days(DEFAULT_DAYS - 1));
        if first_day > last_day {
            v.push("from", "after_to", "the first day must not come after the last");
        } else if (last_day - first_day).num_days() >= max_days {
            v.push("from", "too_long", format!("at most {max_days} days"));
        }
        let unit = match raw.unit.trim() {
            "" => None,
            u => UnitCode::parse(u).map_err(|_| v.push("unit", "invalid", "no such unit")).ok(),
        };
        let service = match raw.service.trim() {
            "" => None,
            s if crate::catalogue::is_code(s) => Some(s.to_owned()),
            _ => {
                v.push("service", "invalid", "no such service");
                None
            }
        };
        let channel = match raw.channel.trim() {
            "" => None,
            c => Channel::parse(c).or_else(|| {
                v.push("channel", "invalid", "one of web, email, phone, visit, open311, api");
                None
            }),
        };
        v.into_result(())?;
        Ok(Self {
            from: day_start(first_day),
            to: day_start(last_day + Duration::days(1)),
            first_day,
            last_day,
            unit,
            service,
            channel,
        })
    }

    /// The filter in words, for the audit log: `2026-11-01–2026-11-28 unit=KC`.
    pub fn describe(&self) -> String {
        let mut s = format!("{}–{}", self.first_day, self.last_day);
        for (k, v) in [
            ("unit", self.unit.as_ref().map(|u| u.as_str().to_owned())),
            ("service", self.service.clone()),
            ("channel", self.channel.map(|c| c.as_str().to_owned())),
        ] {
            if let Some(v) = v {
                s.push_str(&format!(" {k}={v}"));
            }
        }
        s
    }

    /// The days of the period, first to last.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.first_day.iter_days().take_while(|d| *d <= self.last_day).collect()
    }
}

/// The age bands of the backlog, by the hours since registration: under a
/// day, 1–3 days, 3–7 days, 1–4 weeks, older.
pub const AGE_BANDS: [i64; 4] = [24, 72, 168, 720];

/// The band (0..=4) of an errand registered `hours` ago.
pub fn age_band(hours: i64) -> usize {
    AGE_BANDS.iter().position(|limit| hours < *limit).unwrap_or(AGE_BANDS.len())
}

/// The Stockholm day and hour of a UTC hour (hours since the epoch): the
/// buckets a report counts in, whole hours as Stockholm's offsets are.
pub fn local_day_hour(utc_hour: i64) -> Option<(NaiveDate, u32)> {
    let at = DateTime::<Utc>::from_timestamp(utc_hour.checked_mul(3600)?, 0)?;
    let local = to_stockholm(at);
    Some((local.date_naive(), local.hour()))
}

/// Monday 0 … Sunday 6 of a day.
pub fn weekday(day: NaiveDate) -> u32 {
    day.weekday().num_days_from_monday()
}

/// A share in per cent, or `None` of nothing.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// A CSV field: quoted when it holds the separator, a quote or a line
/// break, with quotes doubled (RFC 4180). A field that a spreadsheet would
/// read as a formula (`=`, `+`, `-`, `@` first) gets a leading apostrophe.
pub fn csv_field(value: &str, separator: char) -> String {
    let value = match value.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if value.contains([separator, '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(from: &str, to: &str) -> RawReportFilter {
        RawReportFilter { from: from.into(), to: to.into(), ..Default::default() }
    }

    #[test]
    fn a_period_is_whole_stockholm_days_with_the_last_four_weeks_by_default() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let f = ReportFilter::parse(&RawReportFilter::default(), today, MAX_DAYS).unwrap();
        assert_eq!((f.first_day.to_string(), f.last_day.to_string()), ("2026-11-10".into(), "2026-12-07".into()));
        assert_eq!(f.days().len(), 28);
        // Winter time: Stockholm midnight is 23:00 UTC the day before.
        assert_eq!(f.to.to_rfc3339(), "2026-12-07T23:00:00+00:00");
        let summer = ReportFilter::parse(&raw("2026-07-01", "2026-07-01"), today, MAX_DAYS).unwrap();
        assert_eq!(summer.from.to_rfc3339(), "2026-06-30T22:00:00+00:00");
        assert_eq!(summer.describe(), "2026-07-01–2026-07-01");
    }

    #[test]
    fn a_bad_filter_names_every_field() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let bad = RawReportFilter {
            from: "2026-13-01".into(),
            unit: "??".into(),
            service: "x y".into(),
            channel: "fax".into(),
            ..Default::default()
        };
        let v = ReportFilter::parse(&bad, today, MAX_DAYS).unwrap_err();
        let fields: Vec<_> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["from", "unit", "service", "channel"]);
        assert!(ReportFilter::parse(&raw("2026-12-08", "2026-12-07"), today, MAX_DAYS).is_err());
        assert!(ReportFilter::parse(&raw("2025-01-01", "2026-12-07"), today, MAX_DAYS).is_err(), "over a year");
        assert!(
            ReportFilter::parse(&raw("2023-01-01", "2026-12-07"), today, MAX_EXPORT_DAYS).is_ok(),
            "an export of years"
        );
    }

    #[test]
    fn bands_hours_and_fields() {
        assert_eq!([0, 23, 24, 71, 72, 200, 800].map(age_band), [0, 0, 1, 1, 2, 3, 4]);
        // 2026-12-07 23:00 UTC is 00:00 the 8th in Stockholm.
        let hour = DateTime::parse_from_rfc3339("2026-12-07T23:00:00Z").unwrap().timestamp() / 3600;
        assert_eq!(local_day_hour(hour), Some((NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(), 0)));
        assert_eq!(csv_field("Potthål; Sjögatan", ';'), "\"Potthål; Sjögatan\"");
        assert_eq!(csv_field("Potthål; Sjögatan", ','), "Potthål; Sjögatan");
        assert_eq!(csv_field("=HYPERLINK(\"x\")", ','), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(percent(1, 4), Some(25.0));
        assert_eq!(percent(0, 0), None);
    }
}
