//! Minimal civil date-time handling (std only): ISO 8601 interval starts
//! with an optional UTC offset, weekdays and minute arithmetic.

use std::fmt;

/// An interval start: local wall-clock time to the minute, with the UTC
/// offset if the export gave one (`+01:00` in winter, `+02:00` in summer for
/// Sweden).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Calendar year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of month, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Offset from UTC in minutes, if known.
    pub offset_minutes: Option<i16>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn number(s: &str, what: &str) -> Result<u32, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what}: expected digits, got {s:?}"));
    }
    s.parse().map_err(|_| format!("{what}: {s:?} is out of range"))
}

impl Timestamp {
    /// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]`. Seconds, if
    /// present, must be zero: interval starts fall on whole minutes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let s = text.trim();
        let bad = || format!("expected a date and time like 2026-03-02T08:15:00+01:00, got {text:?}");
        if s.len() < 16 || !s.is_char_boundary(10) || !s.is_char_boundary(16) {
            return Err(bad());
        }
        let (date, rest) = s.split_at(10);
        let sep = rest.as_bytes()[0];
        if sep != b'T' && sep != b' ' {
            return Err(bad());
        }
        let mut parts = date.split('-');
        let (Some(y), Some(mo), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        if y.len() != 4 || mo.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let year = number(y, "year")? as i32;
        let month = number(mo, "month")? as u8;
        let day = number(d, "day")? as u8;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(format!("{date} is not a calendar date"));
        }
        let time = &rest[1..];
        // Split off the offset: 'Z' or the first '+'/'-' after the time.
        let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
            Some(i) => (&time[..i], Some(&time[i..])),
            None => (time, None),
        };
        let fields: Vec<&str> = clock.split(':').collect();
        if !(2..=3).contains(&fields.len()) || fields[0].len() != 2 || fields[1].len() != 2 {
            return Err(bad());
        }
        let hour = number(fields[0], "hour")?;
        let minute = number(fields[1], "minute")?;
        if hour > 23 || minute > 59 {
            return Err(format!("{clock} is not a time of day"));
        }
        if let Some(sec) = fields.get(2) {
            let whole = sec.split('.').next().unwrap_or("");
            let seconds = number(whole, "second")?;
            let fraction_zero = sec.split('.').nth(1).is_none_or(|f| f.bytes().all(|b| b == b'0'));
            if seconds != 0 || !fraction_zero {
                return Err(format!("an interval must start on a whole minute, got {text:?}"));
            }
        }
        let offset_minutes = match offset {
            None => None,
            Some("Z" | "z") => Some(0),
            Some(o) => {
                let sign: i32 = if o.starts_with('-') { -1 } else { 1 };
                let digits: String = o[1..].chars().filter(|c| *c != ':').collect();
                if digits.len() != 4 {
                    return Err(format!("offset: expected ±HH:MM, got {o:?}"));
                }
                let h = number(&digits[..2], "offset")?;
                let m = number(&digits[2..], "offset")?;
                if h > 18 || m > 59 {
                    return Err(format!("offset {o:?} is out of range"));
                }
                Some((sign * (h as i32 * 60 + m as i32)) as i16)
            }
        };
        Ok(Self { year, month, day, hour: hour as u8, minute: minute as u8, offset_minutes })
    }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    pub fn weekday(&self) -> u8 {
        // 1970-01-01 was a Thursday (3).
        (days_from_civil(self.year, self.month, self.day) + 3).rem_euclid(7) as u8
    }

    /// Minutes since local midnight.
    pub fn minute_of_day(&self) -> u32 {
        u32::from(self.hour) * 60 + u32::from(self.minute)
    }

    /// Local wall-clock minutes since 1970-01-01T00:00.
    pub fn local_minutes(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 1440 + i64::from(self.minute_of_day())
    }

    /// Minutes since 1970-01-01T00:00Z; without an offset the wall clock is
    /// taken as is.
    pub fn instant(&self) -> i64 {
        self.local_minutes() - i64::from(self.offset_minutes.unwrap_or(0))
    }

    /// The same offset, `minutes` later on the wall clock.
    pub fn plus_minutes(&self, minutes: i64) -> Self {
        let total = self.local_minutes() + minutes;
        let (year, month, day) = civil_from_days(total.div_euclid(1440));
        let m = total.rem_euclid(1440);
        Self { year, month, day, hour: (m / 60) as u8, minute: (m % 60) as u8, offset_minutes: self.offset_minutes }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}T{:02}:{:02}:00", self.year, self.month, self.day, self.hour, self.minute)?;
        if let Some(o) = self.offset_minutes {
            let sign = if o < 0 { '-' } else { '+' };
            let o = o.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", o / 60, o % 60)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_weekdays() {
        for days in -800_000..800_000i64 {
            if days % 997 != 0 {
                continue;
            }
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // 2025-01-01 was a Wednesday, 2024-02-29 a Thursday, 2026-03-02 a Monday.
        assert_eq!(Timestamp::parse("2025-01-01T00:00").unwrap().weekday(), 2);
        assert_eq!(Timestamp::parse("2024-02-29 12:00").unwrap().weekday(), 3);
        assert_eq!(Timestamp::parse("2026-03-02T08:15:00+01:00").unwrap().weekday(), 0);
    }

    #[test]
    fn parse_and_display() {
        let t = Timestamp::parse("2026-03-29T03:15:00+02:00").unwrap();
        assert_eq!(t.offset_minutes, Some(120));
        assert_eq!(t.to_string(), "2026-03-29T03:15:00+02:00");
        assert_eq!(Timestamp::parse("2026-03-29T01:45Z").unwrap().to_string(), "2026-03-29T01:45:00+00:00");
        assert_eq!(t.instant(), Timestamp::parse("2026-03-29T01:15Z").unwrap().instant());
        assert_eq!(
            Timestamp::parse("2025-12-31T23:45:00").unwrap().plus_minutes(30).to_string(),
            "2026-01-01T00:15:00"
        );
        for bad in [
            "2025-02-29T00:00",
            "2025-13-01T00:00",
            "2025-01-01T24:00",
            "2025-01-01T08:15:30",
            "2025-01-01",
            "01/02/2025 08:00",
            "2025-01-01T08:15+1",
            "2025-01-01T0a:15",
            "2025-01-01Tö8:15",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
