//! # porten-forecast
//!
//! Forecasting contact-center call volumes per interval: import of ACD
//! interval exports ([`parse_acd_rows`], [`parse_acd_csv`]), a weekday × interval-of-day profile
//! with level and trend by weekly seasonal Holt-Winters ([`fit`],
//! [`Model::forecast`]) over 15-, 30- or 60-minute intervals, and forecast
//! accuracy (MAPE, WAPE) against a held-out week ([`backtest_last_week`]).
//! The forecast offered calls and AHT per interval are what
//! `porten-erlang` staffs. Pure and dependency-free.
//!
//! ```
//! use porten_forecast::{parse_acd_csv, backtest_last_week};
//! # let mut csv = String::from("interval_start,offered,answered,abandoned,aht_seconds\n");
//! # for i in 0..3 * 7 * 24 {
//! #     let (d, h) = (i / 24, i % 24);
//! #     let calls = if (8..17).contains(&h) { 40 + (d % 7) * 2 } else { 2 };
//! #     csv += &format!("2026-03-{:02}T{h:02}:00:00,{calls},{calls},0,300\n", 2 + d);
//! # }
//! let series = parse_acd_csv(&csv, Some(60))?;
//! let result = backtest_last_week(&series, None)?;
//! assert!(result.accuracy.wape < 0.05);
//! # Ok::<(), porten_forecast::ForecastError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod acd;
mod holt_winters;
mod time;

use std::fmt;

pub use acd::{AcdInterval, AcdRow, IntervalSeries, SUPPORTED_INTERVALS, parse_acd_csv, parse_acd_rows, slot};
pub use holt_winters::{ForecastPoint, Model, Params, fit};
pub use time::Timestamp;

/// What can go wrong.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ForecastError {
    /// The input had no header line.
    EmptyInput,
    /// A line of the CSV input is malformed.
    Csv {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Only 15-, 30- and 60-minute intervals are supported (and aggregation
    /// only to a multiple of the current length).
    UnsupportedInterval(u32),
    /// Holt-Winters needs at least two full weeks to initialise (three for a
    /// backtest: two to fit, one held out).
    NotEnoughData {
        /// Intervals needed.
        needed: usize,
        /// Intervals given.
        got: usize,
    },
    /// A smoothing parameter is outside [0, 1].
    InvalidParameter(&'static str, f64),
    /// Actuals and forecast differ in length.
    LengthMismatch {
        /// Number of actual values.
        actual: usize,
        /// Number of forecast values.
        forecast: usize,
    },
}

impl fmt::Display for ForecastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyInput => write!(f, "the input is empty (expected a header line)"),
            Self::Csv { line, message } => write!(f, "line {line}: {message}"),
            Self::UnsupportedInterval(m) => {
                write!(f, "{m}-minute intervals are not supported (use 15, 30 or 60)")
            }
            Self::NotEnoughData { needed, got } => {
                write!(f, "{got} intervals are not enough: at least {needed} are needed")
            }
            Self::InvalidParameter(name, v) => write!(f, "{name} must be between 0 and 1, got {v}"),
            Self::LengthMismatch { actual, forecast } => {
                write!(f, "{actual} actual values but {forecast} forecast values")
            }
        }
    }
}

impl std::error::Error for ForecastError {}

/// Forecast accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accuracy {
    /// Mean absolute percentage error, as a fraction (0.12 = 12 %), over the
    /// intervals with actual calls (intervals with none are skipped, as the
    /// percentage is undefined there); `NaN` if there are none.
    pub mape: f64,
    /// Weighted absolute percentage error `Σ|actual − forecast| / Σ actual`,
    /// as a fraction; robust to quiet intervals, the usual headline figure
    /// for interval forecasts. `NaN` if there were no calls at all.
    pub wape: f64,
    /// Number of intervals compared.
    pub intervals: usize,
}

/// MAPE and WAPE of `forecast` against `actual` (same length).
pub fn accuracy(actual: &[f64], forecast: &[f64]) -> Result<Accuracy, ForecastError> {
    if actual.len() != forecast.len() {
        return Err(ForecastError::LengthMismatch { actual: actual.len(), forecast: forecast.len() });
    }
    let (mut ape, mut n, mut abs_err, mut total) = (0.0, 0usize, 0.0, 0.0);
    for (a, f) in actual.iter().zip(forecast) {
        let e = (a - f).abs();
        abs_err += e;
        total += a.abs();
        if *a != 0.0 {
            ape += e / a.abs();
            n += 1;
        }
    }
    Ok(Accuracy {
        mape: if n > 0 { ape / n as f64 } else { f64::NAN },
        wape: if total > 0.0 { abs_err / total } else { f64::NAN },
        intervals: actual.len(),
    })
}

/// The outcome of [`backtest_last_week`].
#[derive(Clone, Debug, PartialEq)]
pub struct Backtest {
    /// The model fitted to all but the last week.
    pub model: Model,
    /// The forecast for the held-out week.
    pub forecast: Vec<ForecastPoint>,
    /// The held-out week's offered calls.
    pub actual: Vec<f64>,
    /// Accuracy of the forecast on the held-out week.
    pub accuracy: Accuracy,
    /// Accuracy of the seasonal-naive forecast ("same interval last week")
    /// on the same week, as a baseline.
    pub naive_accuracy: Accuracy,
}

/// Holds out the last week of `series`, fits on the rest (needs at least
/// three weeks in all) and measures the forecast against the held-out week,
/// leaving out its excluded intervals and those whose week-before twin (the
/// naive forecast) was excluded.
pub fn backtest_last_week(series: &IntervalSeries, params: Option<Params>) -> Result<Backtest, ForecastError> {
    let m = series.week_len();
    if series.len() < 3 * m {
        return Err(ForecastError::NotEnoughData { needed: 3 * m, got: series.len() });
    }
    let (train, test) = series.split_last(m);
    let model = fit(&train, params)?;
    // The held-out intervals carry their true local starts, so a
    // daylight-saving change inside the week keeps each hour's profile.
    let forecast: Vec<ForecastPoint> =
        test.intervals().iter().enumerate().map(|(i, iv)| model.forecast_at(i + 1, iv.start)).collect();
    let actual = test.offered();
    let train_offered = train.offered();
    let naive_all = &train_offered[train_offered.len() - m..];
    let naive_excluded = &train.excluded()[train.len() - m..];
    // (actual, forecast, naive) of the intervals measured: neither the
    // interval nor the one the naive forecast copies was excluded.
    let (mut measured, mut predicted, mut naive) = (Vec::new(), Vec::new(), Vec::new());
    for (i, skip) in test.excluded().iter().enumerate() {
        if !skip && !naive_excluded[i] {
            measured.push(actual[i]);
            predicted.push(forecast[i].offered);
            naive.push(naive_all[i]);
        }
    }
    let accuracy = accuracy(&measured, &predicted)?;
    let naive_accuracy = self::accuracy(&measured, &naive)?;
    Ok(Backtest { model, forecast, actual, accuracy, naive_accuracy })
}
