//! Additive Holt-Winters with a weekly season of weekday × interval-of-day
//! slots.

use crate::ForecastError;
use crate::acd::{IntervalSeries, slot};
use crate::time::Timestamp;

/// Smoothing parameters, each in [0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Level smoothing α.
    pub alpha: f64,
    /// Trend smoothing β.
    pub beta: f64,
    /// Seasonal smoothing γ.
    pub gamma: f64,
}

impl Params {
    fn validate(&self) -> Result<(), ForecastError> {
        for (name, v) in [("alpha", self.alpha), ("beta", self.beta), ("gamma", self.gamma)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(ForecastError::InvalidParameter(name, v));
            }
        }
        Ok(())
    }
}

/// A fitted model: the state after the last observed interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The parameters used.
    pub params: Params,
    /// Level (calls per interval, seasonally adjusted).
    pub level: f64,
    /// Trend (change of the level per interval).
    pub trend: f64,
    /// Seasonal terms by slot ([`slot`]): the weekday × interval profile as
    /// deviations from the level, in calls per interval.
    pub seasonal: Vec<f64>,
    /// AHT profile by slot (seconds, weighted by answered calls over the
    /// training data; the overall AHT where a slot had no answered calls).
    pub aht_profile: Vec<f64>,
    /// Sum of squared one-step-ahead errors over the training data.
    pub sse: f64,
    interval_minutes: u32,
    last_start: Timestamp,
}

/// One forecast interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ForecastPoint {
    /// Interval start (wall clock; the UTC offset of the last observed
    /// interval is kept, so daylight-saving changes in the horizon are not
    /// modelled).
    pub start: Timestamp,
    /// Forecast offered calls (never negative).
    pub offered: f64,
    /// Forecast AHT in seconds, from the AHT profile.
    pub aht_seconds: f64,
}

/// The initial state from the first two weeks: trend from the difference of
/// the weekly means, level and seasonal terms with that trend removed, so
/// an exactly linear-plus-weekly series is reproduced exactly. An excluded
/// interval takes the nearest kept value of its slot in a later week (or
/// else the week before), moved back by the trend measured on the slots kept
/// in both weeks: Christmas and New Year, a week apart, leave no hole.
fn initial_state(y: &[f64], excluded: &[bool], slots: &[usize], m: usize) -> (f64, f64, Vec<f64>) {
    let pairs: Vec<f64> = (0..m).filter(|&t| !excluded[t] && !excluded[t + m]).map(|t| y[t + m] - y[t]).collect();
    let step_trend = if pairs.is_empty() { 0.0 } else { pairs.iter().sum::<f64>() / pairs.len() as f64 / m as f64 };
    let filled = |t: usize| -> f64 {
        let later = (t..y.len()).step_by(m).find(|&u| !excluded[u]);
        let earlier = t.checked_sub(m).filter(|&u| !excluded[u]);
        match later.or(earlier) {
            Some(u) => y[u] - step_trend * (u as f64 - t as f64),
            None => y[t],
        }
    };
    let y: Vec<f64> = (0..2 * m).map(filled).collect();
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let (w1, w2) = (mean(&y[..m]), mean(&y[m..2 * m]));
    let trend = (w2 - w1) / m as f64;
    let centre = (m as f64 - 1.0) / 2.0;
    let mut seasonal = vec![0.0; m];
    let mut count = vec![0u32; m];
    for (week, week_mean) in [(0, w1), (1, w2)] {
        for i in 0..m {
            let t = week * m + i;
            seasonal[slots[t]] += y[t] - (week_mean + trend * (i as f64 - centre));
            count[slots[t]] += 1;
        }
    }
    for (s, c) in seasonal.iter_mut().zip(&count) {
        if *c > 0 {
            *s /= f64::from(*c);
        }
    }
    // Level one step before the first interval.
    let level = w1 - trend * (centre + 1.0);
    (level, trend, seasonal)
}

/// Runs the recursions over `y`; returns the final state and the SSE. An
/// excluded interval is treated as missing: the state moves on by the trend
/// and learns nothing (no error, no update of the season).
fn run(y: &[f64], excluded: &[bool], slots: &[usize], m: usize, p: Params) -> (f64, f64, Vec<f64>, f64) {
    let (mut level, mut trend, mut seasonal) = initial_state(y, excluded, slots, m);
    let mut sse = 0.0;
    for ((&obs, &k), &skip) in y.iter().zip(slots).zip(excluded) {
        if skip {
            level += trend;
            continue;
        }
        let predicted = level + trend + seasonal[k];
        let e = obs - predicted;
        sse += e * e;
        let new_level = p.alpha * (obs - seasonal[k]) + (1.0 - p.alpha) * (level + trend);
        trend = p.beta * (new_level - level) + (1.0 - p.beta) * trend;
        seasonal[k] = p.gamma * (obs - new_level) + (1.0 - p.gamma) * seasonal[k];
        level = new_level;
    }
    (level, trend, seasonal, sse)
}

const ALPHAS: [f64; 6] = [0.01, 0.03, 0.1, 0.2, 0.35, 0.5];
const BETAS: [f64; 4] = [0.0, 0.001, 0.01, 0.05];
const GAMMAS: [f64; 6] = [0.01, 0.03, 0.1, 0.2, 0.35, 0.5];

/// Fits additive Holt-Winters with a weekly season to the offered calls of
/// `series` (Holt 1957; Winters 1960; Hyndman & Athanasopoulos, *Forecasting:
/// Principles and Practice*, 3rd ed., ch. 8):
///
/// ```text
/// ŷ(t)  = ℓ(t−1) + b(t−1) + s(slot(t))
/// ℓ(t)  = α·(y(t) − s(slot(t))) + (1−α)·(ℓ(t−1) + b(t−1))
/// b(t)  = β·(ℓ(t) − ℓ(t−1)) + (1−β)·b(t−1)
/// s(k)  ← γ·(y(t) − ℓ(t)) + (1−γ)·s(k)
/// ```
///
/// The season is indexed by the weekday × interval-of-day slot of the local
/// interval start (not by position), so weeks with daylight-saving changes
/// stay aligned. Additive (not multiplicative) seasonality copes with night
/// intervals of zero calls. Excluded intervals ([`IntervalSeries::exclude`])
/// are treated as missing observations. With `params = None` α, β, γ are chosen by a
/// grid search minimising the one-step-ahead squared error. Needs at least
/// two full weeks.
pub fn fit(series: &IntervalSeries, params: Option<Params>) -> Result<Model, ForecastError> {
    let m = series.week_len();
    let y = series.offered();
    if y.len() < 2 * m {
        return Err(ForecastError::NotEnoughData { needed: 2 * m, got: y.len() });
    }
    let interval = series.interval_minutes();
    let slots: Vec<usize> = series.intervals().iter().map(|i| slot(&i.start, interval)).collect();
    let excluded = series.excluded();
    let params = match params {
        Some(p) => {
            p.validate()?;
            p
        }
        None => {
            let mut best = (f64::INFINITY, Params { alpha: 0.1, beta: 0.0, gamma: 0.1 });
            for &alpha in &ALPHAS {
                for &beta in &BETAS {
                    for &gamma in &GAMMAS {
                        let p = Params { alpha, beta, gamma };
                        let sse = run(&y, excluded, &slots, m, p).3;
                        if sse < best.0 {
                            best = (sse, p);
                        }
                    }
                }
            }
            best.1
        }
    };
    let (level, trend, seasonal, sse) = run(&y, excluded, &slots, m, params);
    // AHT profile, weighted by answered calls.
    let mut handled = vec![0.0; m];
    let mut answered = vec![0.0; m];
    let kept = series.intervals().iter().zip(&slots).zip(excluded).filter(|(_, skip)| !**skip);
    for ((i, &k), _) in kept {
        handled[k] += i.aht_seconds * i.answered;
        answered[k] += i.answered;
    }
    let total_answered: f64 = answered.iter().sum();
    let overall = if total_answered > 0.0 { handled.iter().sum::<f64>() / total_answered } else { 0.0 };
    let aht_profile = handled.iter().zip(&answered).map(|(h, a)| if *a > 0.0 { h / a } else { overall }).collect();
    let last_start = series.intervals().last().expect("at least two weeks").start;
    Ok(Model { params, level, trend, seasonal, aht_profile, sse, interval_minutes: interval, last_start })
}

impl Model {
    /// Forecasts the `horizon` intervals after the training data:
    /// `ℓ + h·b + s(slot)`, clamped at zero. Interval starts keep the UTC
    /// offset of the last training interval; across a daylight-saving change
    /// use [`Model::forecast_at`] with the true local starts.
    pub fn forecast(&self, horizon: usize) -> Vec<ForecastPoint> {
        (1..=horizon)
            .map(|h| self.forecast_at(h, self.last_start.plus_minutes(h as i64 * i64::from(self.interval_minutes))))
            .collect()
    }

    /// The forecast for the interval `h` steps after the training data
    /// (h ≥ 1), starting at local time `start`: the trend counts the steps,
    /// the season is the weekday × interval slot of `start`, so a caller that
    /// knows the time zone labels and profiles the hours after a
    /// daylight-saving change correctly.
    pub fn forecast_at(&self, h: usize, start: Timestamp) -> ForecastPoint {
        let k = slot(&start, self.interval_minutes);
        let offered = (self.level + h as f64 * self.trend + self.seasonal[k]).max(0.0);
        ForecastPoint { start, offered, aht_seconds: self.aht_profile[k] }
    }
}
