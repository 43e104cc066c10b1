//! Importing ACD interval exports and working with interval series.

use crate::ForecastError;
use crate::time::Timestamp;

/// Interval lengths the forecaster supports, in minutes.
pub const SUPPORTED_INTERVALS: [u32; 3] = [15, 30, 60];

/// One interval of an ACD (automatic call distributor) export.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AcdInterval {
    /// Start of the interval.
    pub start: Timestamp,
    /// Calls offered.
    pub offered: f64,
    /// Calls answered.
    pub answered: f64,
    /// Calls abandoned.
    pub abandoned: f64,
    /// Average handling time of the answered calls, seconds (0 when none).
    pub aht_seconds: f64,
}

/// A gap-free series of equally long intervals, in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalSeries {
    interval_minutes: u32,
    intervals: Vec<AcdInterval>,
    filled: usize,
    /// Per interval: whether it is left out of fitting and measuring
    /// ([`IntervalSeries::exclude`]).
    excluded: Vec<bool>,
}

const COLUMNS: [&str; 5] = ["interval_start", "offered", "answered", "abandoned", "aht_seconds"];

fn split_fields(line: &str, separator: char) -> Vec<&str> {
    line.split(separator)
        .map(|f| {
            let f = f.trim();
            f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(f).trim()
        })
        .collect()
}

fn parse_count(field: &str, column: &str, separator: char) -> Result<f64, String> {
    let text = if separator == ';' { field.replace(',', ".") } else { field.to_owned() };
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("column {column}: expected a number, zero or more, got {field:?}")),
    }
}

/// One data row of an ACD interval export, with the line it stands on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AcdRow {
    /// 1-based line number in the text.
    pub line: usize,
    /// The row's figures.
    pub interval: AcdInterval,
}

/// Parses the rows of an ACD interval export, as they stand: the one
/// parser of that format, for [`parse_acd_csv`] and for tools that take
/// each row on its own (`porten staffing --input`).
///
/// The header must name the columns `interval_start, offered, answered,
/// abandoned, aht_seconds` (any order, case-insensitive; other columns are
/// ignored; `;` with decimal commas is accepted too; a byte-order mark is
/// skipped). Blank lines are skipped. `interval_start` is a date and time
/// ([`Timestamp::parse`]); counts and handle times are numbers, zero or
/// more; an empty `aht_seconds` is allowed (as 0) when nothing was
/// answered.
///
/// Every problem is reported as [`ForecastError::Csv`] with its 1-based line
/// number, or [`ForecastError::EmptyInput`] when there is no header line.
pub fn parse_acd_rows(text: &str) -> Result<Vec<AcdRow>, ForecastError> {
    let err = |line: usize, message: String| ForecastError::Csv { line, message };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty());
    let (header_line, header) = lines.next().ok_or(ForecastError::EmptyInput)?;
    let header = header.trim_start_matches('\u{feff}');
    let separator = if !header.contains(',') && header.contains(';') { ';' } else { ',' };
    let names: Vec<String> = split_fields(header, separator).iter().map(|n| n.to_ascii_lowercase()).collect();
    let mut columns = [0usize; 5];
    for (slot, wanted) in columns.iter_mut().zip(COLUMNS) {
        *slot = names.iter().position(|n| n == wanted).ok_or_else(|| {
            err(header_line, format!("the header has no column {wanted:?} (expected {})", COLUMNS.join(",")))
        })?;
    }
    let mut rows = Vec::new();
    for (number, line) in lines {
        let fields = split_fields(line, separator);
        if fields.len() != names.len() {
            return Err(err(
                number,
                format!("expected {} fields like the header, found {}", names.len(), fields.len()),
            ));
        }
        let [start, offered, answered, abandoned, aht] = columns.map(|i| fields[i]);
        let start = Timestamp::parse(start).map_err(|e| err(number, format!("column interval_start: {e}")))?;
        let offered = parse_count(offered, "offered", separator).map_err(|e| err(number, e))?;
        let answered = parse_count(answered, "answered", separator).map_err(|e| err(number, e))?;
        let abandoned = parse_count(abandoned, "abandoned", separator).map_err(|e| err(number, e))?;
        let aht_seconds = if aht.is_empty() && answered == 0.0 {
            0.0
        } else {
            parse_count(aht, "aht_seconds", separator).map_err(|e| err(number, e))?
        };
        rows.push(AcdRow { line: number, interval: AcdInterval { start, offered, answered, abandoned, aht_seconds } });
    }
    Ok(rows)
}

/// Parses an ACD interval export into a series.
///
/// The rows are read by [`parse_acd_rows`]. They must be in time order and
/// start on interval boundaries. The interval length is
/// `interval_minutes`, or, if `None`, the shortest step between two rows; it
/// must be 15, 30 or 60 minutes. Missing intervals are filled with zero calls
/// (an export often leaves out empty intervals); their number is
/// [`IntervalSeries::filled`].
///
/// Every problem is reported as [`ForecastError::Csv`] with its 1-based line
/// number.
pub fn parse_acd_csv(text: &str, interval_minutes: Option<u32>) -> Result<IntervalSeries, ForecastError> {
    let err = |line: usize, message: String| ForecastError::Csv { line, message };
    let rows = parse_acd_rows(text)?;
    for pair in rows.windows(2) {
        let (prev, row) = (&pair[0], &pair[1]);
        let start = row.interval.start;
        if start.instant() <= prev.interval.start.instant() {
            let hint = if start.offset_minutes.is_none() {
                " (a local time without UTC offset repeats when daylight saving time ends; export with offsets)"
            } else {
                ""
            };
            return Err(err(
                row.line,
                format!("interval {start} does not come after {} on line {}{hint}", prev.interval.start, prev.line),
            ));
        }
    }
    let interval = match interval_minutes {
        Some(m) => m,
        None => rows
            .windows(2)
            .map(|w| w[1].interval.start.instant() - w[0].interval.start.instant())
            .min()
            .map_or(15, |m| m as u32),
    };
    if !SUPPORTED_INTERVALS.contains(&interval) {
        return Err(ForecastError::UnsupportedInterval(interval));
    }
    let step = i64::from(interval);
    let mut intervals = Vec::with_capacity(rows.len());
    let mut filled = 0;
    for (i, AcdRow { line, interval: row }) in rows.iter().enumerate() {
        if !row.start.minute_of_day().is_multiple_of(interval) {
            return Err(err(*line, format!("interval {} does not start on a {interval}-minute boundary", row.start)));
        }
        if i > 0 {
            let prev = &rows[i - 1].interval;
            let gap = row.start.instant() - prev.start.instant();
            if gap % step != 0 {
                return Err(err(
                    *line,
                    format!(
                        "interval {} is not a whole number of {interval}-minute steps after {}",
                        row.start, prev.start
                    ),
                ));
            }
            for k in 1..gap / step {
                // A filled interval keeps the earlier row's UTC offset.
                let start = prev.start.plus_minutes(k * step);
                intervals.push(AcdInterval { start, offered: 0.0, answered: 0.0, abandoned: 0.0, aht_seconds: 0.0 });
                filled += 1;
            }
        }
        intervals.push(*row);
    }
    let excluded = vec![false; intervals.len()];
    Ok(IntervalSeries { interval_minutes: interval, intervals, filled, excluded })
}

impl IntervalSeries {
    /// A series from intervals that are already gap-free and in order.
    pub fn new(interval_minutes: u32, intervals: Vec<AcdInterval>) -> Result<Self, ForecastError> {
        if !SUPPORTED_INTERVALS.contains(&interval_minutes) {
            return Err(ForecastError::UnsupportedInterval(interval_minutes));
        }
        let excluded = vec![false; intervals.len()];
        Ok(Self { interval_minutes, intervals, filled: 0, excluded })
    }

    /// Marks the intervals for which `is_exceptional` holds as saying nothing
    /// about ordinary demand (a public holiday, a closure, a telephony
    /// outage): the model neither learns from them nor is measured on them.
    /// Marks add up over calls.
    pub fn exclude(mut self, is_exceptional: impl Fn(&AcdInterval) -> bool) -> Self {
        for (flag, interval) in self.excluded.iter_mut().zip(&self.intervals) {
            *flag |= is_exceptional(interval);
        }
        self
    }

    /// Per interval, whether it is excluded ([`IntervalSeries::exclude`]).
    pub fn excluded(&self) -> &[bool] {
        &self.excluded
    }

    /// Interval length in minutes.
    pub fn interval_minutes(&self) -> u32 {
        self.interval_minutes
    }

    /// The intervals, in time order.
    pub fn intervals(&self) -> &[AcdInterval] {
        &self.intervals
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.intervals.len()
    }

    /// Whether there are no intervals.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// How many intervals were missing from the import and filled with zero
    /// calls.
    pub fn filled(&self) -> usize {
        self.filled
    }

    /// Intervals per week.
    pub fn week_len(&self) -> usize {
        (7 * 1440 / self.interval_minutes) as usize
    }

    /// Offered calls per interval.
    pub fn offered(&self) -> Vec<f64> {
        self.intervals.iter().map(|i| i.offered).collect()
    }

    /// Splits off the last `n` intervals (e.g. a held-out week).
    pub fn split_last(&self, n: usize) -> (Self, Self) {
        let cut = self.intervals.len().saturating_sub(n);
        let part = |range: std::ops::Range<usize>| Self {
            interval_minutes: self.interval_minutes,
            intervals: self.intervals[range.clone()].to_vec(),
            filled: 0,
            excluded: self.excluded[range].to_vec(),
        };
        (part(0..cut), part(cut..self.intervals.len()))
    }

    /// The same data in longer intervals (15 → 30 or 60, 30 → 60), grouped
    /// by local wall-clock time. Counts are summed; AHT is weighted by
    /// answered calls; a longer interval is excluded if any part of it was.
    pub fn aggregate(&self, minutes: u32) -> Result<Self, ForecastError> {
        if !SUPPORTED_INTERVALS.contains(&minutes) || !minutes.is_multiple_of(self.interval_minutes) {
            return Err(ForecastError::UnsupportedInterval(minutes));
        }
        let step = i64::from(minutes);
        let mut out: Vec<AcdInterval> = Vec::new();
        let mut excluded: Vec<bool> = Vec::new();
        let mut handled_seconds = 0.0;
        let mut key = None;
        for (i, &skip) in self.intervals.iter().zip(&self.excluded) {
            let k = (i.start.instant().div_euclid(step), i.start.local_minutes().div_euclid(step));
            if key != Some(k) {
                if let Some(last) = out.last_mut() {
                    last.aht_seconds = if last.answered > 0.0 { handled_seconds / last.answered } else { 0.0 };
                }
                key = Some(k);
                handled_seconds = 0.0;
                let offset = i.start.local_minutes().rem_euclid(step);
                out.push(AcdInterval {
                    start: i.start.plus_minutes(-offset),
                    offered: 0.0,
                    answered: 0.0,
                    abandoned: 0.0,
                    aht_seconds: 0.0,
                });
                excluded.push(false);
            }
            *excluded.last_mut().expect("pushed above") |= skip;
            let last = out.last_mut().expect("pushed above");
            last.offered += i.offered;
            last.answered += i.answered;
            last.abandoned += i.abandoned;
            handled_seconds += i.aht_seconds * i.answered;
        }
        if let Some(last) = out.last_mut() {
            last.aht_seconds = if last.answered > 0.0 { handled_seconds / last.answered } else { 0.0 };
        }
        Ok(Self { interval_minutes: minutes, intervals: out, filled: 0, excluded })
    }
}

/// The weekday × interval-of-day slot of `start`: `weekday · slots_per_day +
/// minute_of_day / interval`, 0 = Monday's first interval.
pub fn slot(start: &Timestamp, interval_minutes: u32) -> usize {
    let per_day = 1440 / interval_minutes;
    (u32::from(start.weekday()) * per_day + start.minute_of_day() / interval_minutes) as usize
}
