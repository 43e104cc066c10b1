//! Import, Holt-Winters and accuracy on synthetic ACD data.

use porten_forecast::{
    AcdInterval, ForecastError, IntervalSeries, Params, Timestamp, accuracy, backtest_last_week, fit, parse_acd_csv,
    slot,
};

const HEADER: &str = "interval_start,offered,answered,abandoned,aht_seconds\n";

/// A deterministic generator (Numerical Recipes LCG).
struct Lcg(u32);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (f64::from(self.0) + 0.5) / 4_294_967_296.0
    }

    /// A Poisson draw: Knuth's method for small means, a rounded normal
    /// (Box–Muller) for large ones.
    fn poisson(&mut self, mean: f64) -> f64 {
        if mean < 30.0 {
            let limit = (-mean).exp();
            let (mut k, mut p) = (0.0, self.uniform());
            while p > limit {
                k += 1.0;
                p *= self.uniform();
            }
            k
        } else {
            let z = (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos();
            (mean + mean.sqrt() * z).round().max(0.0)
        }
    }
}

/// Expected calls in an interval: weekday × time-of-day profile, growing 1 %
/// a week.
fn expected(t: &Timestamp, week: f64) -> f64 {
    let h = f64::from(t.minute_of_day()) / 60.0;
    let day = (-(h - 10.0).powi(2) / 6.0).exp() + 0.7 * (-(h - 14.0).powi(2) / 5.0).exp();
    let weekday = [1.2, 1.0, 0.95, 0.95, 0.8, 0.25, 0.2][t.weekday() as usize];
    (1.0 + 0.01 * week) * (1.0 + 60.0 * day * weekday)
}

/// `weeks` weeks of 15-minute intervals from Monday 2026-01-05, as CSV.
/// Calls are Poisson around the expected value, times `1 ± noise` uniform
/// day-to-day variation.
fn synthetic_csv(weeks: usize, noise: f64) -> String {
    let mut rng = Lcg(42);
    let start = Timestamp::parse("2026-01-05T00:00:00+01:00").unwrap();
    let mut csv = String::from(HEADER);
    for i in 0..weeks * 672 {
        let t = start.plus_minutes(15 * i as i64);
        let mean = expected(&t, i as f64 / 672.0);
        let factor = 1.0 + noise * (2.0 * rng.uniform() - 1.0);
        let offered = rng.poisson(mean * factor);
        let abandoned = (offered * 0.05).floor();
        let aht = 280.0 + 40.0 * f64::from(t.weekday() == 0);
        csv += &format!("{t},{offered},{},{abandoned},{aht}\n", offered - abandoned);
    }
    csv
}

#[test]
fn parses_an_export_and_fills_gaps() {
    let csv = format!(
        "{HEADER}2026-03-02T08:00:00+01:00,10,9,1,300\n\
         2026-03-02T08:15:00+01:00,12,12,0,240\n\
         \n\
         2026-03-02T09:00:00+01:00,5,5,0,200\n"
    );
    let s = parse_acd_csv(&csv, None).unwrap();
    assert_eq!(s.interval_minutes(), 15);
    assert_eq!(s.len(), 5);
    assert_eq!(s.filled(), 2);
    assert_eq!(s.offered(), vec![10.0, 12.0, 0.0, 0.0, 5.0]);
    assert_eq!(s.intervals()[2].start.to_string(), "2026-03-02T08:30:00+01:00");
    assert_eq!(s.week_len(), 672);
}

#[test]
fn daylight_saving_time_with_offsets() {
    // Sweden, 2026-03-29: 02:00 CET becomes 03:00 CEST. With offsets the
    // series is continuous; slots follow the local clock.
    let csv = format!(
        "{HEADER}2026-03-29T01:30:00+01:00,1,1,0,300\n\
         2026-03-29T01:45:00+01:00,1,1,0,300\n\
         2026-03-29T03:00:00+02:00,2,2,0,300\n"
    );
    let s = parse_acd_csv(&csv, Some(15)).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.filled(), 0);
    assert_eq!(slot(&s.intervals()[2].start, 15), 6 * 96 + 12);
    // Without offsets, the repeated hour in October is reported clearly.
    let csv = format!(
        "{HEADER}2026-10-25 02:45,1,1,0,300\n\
         2026-10-25 02:00,1,1,0,300\n"
    );
    let e = parse_acd_csv(&csv, Some(15)).unwrap_err();
    assert!(matches!(&e, ForecastError::Csv { line: 3, message } if message.contains("daylight saving")), "{e}");
}

#[test]
fn semicolon_exports_with_decimal_commas() {
    let csv = "\u{feff}Interval_Start;Offered;Answered;Abandoned;AHT_Seconds;Queue\n\
               2026-03-02 08:00;10;9;1;245,5;Kontaktcenter\n\
               2026-03-02 08:30;0;0;0;;Kontaktcenter\n";
    let s = parse_acd_csv(csv, None).unwrap();
    assert_eq!(s.interval_minutes(), 30);
    assert_eq!(s.intervals()[0].aht_seconds, 245.5);
    assert_eq!(s.intervals()[1].aht_seconds, 0.0);
}

#[test]
fn malformed_input_names_the_line() {
    let cases = [
        ("2026-03-02T08:00,10,9,1,300\n2026-03-02T08:15,x,9,1,300\n", 3, "offered"),
        ("2026-03-02T08:00,10,9,1\n", 2, "expected 5 fields"),
        ("2026-02-30T08:00,10,9,1,300\n", 2, "not a calendar date"),
        ("2026-03-02T08:00,10,9,-1,300\n", 2, "abandoned"),
        ("2026-03-02T08:00,10,9,1,300\n2026-03-02T07:45,10,9,1,300\n", 3, "does not come after"),
        ("2026-03-02T08:00,10,9,1,300\n2026-03-02T08:00,10,9,1,300\n", 3, "does not come after"),
        ("2026-03-02T08:00,10,9,1,300\n2026-03-02T08:10,10,9,1,300\n2026-03-02T08:25,1,1,0,1\n", 3, "boundary"),
        ("2026-03-02T08:00,10,9,1,300\n2026-03-02T08:15,10,9,1,\n", 3, "aht_seconds"),
        ("2026-03-02T08:00:30,10,9,1,300\n", 2, "whole minute"),
    ];
    for (rows, line, what) in cases {
        let csv = format!("{HEADER}{rows}");
        match parse_acd_csv(&csv, Some(15)) {
            Err(ForecastError::Csv { line: l, message }) => {
                assert_eq!(l, line, "{message}");
                assert!(message.contains(what), "{message}");
            }
            other => panic!("{rows}: {other:?}"),
        }
    }
    let e = parse_acd_csv("interval_start,offered,answered,aht_seconds\n", None).unwrap_err();
    assert!(matches!(&e, ForecastError::Csv { line: 1, message } if message.contains("abandoned")));
    assert_eq!(e.to_string().split(':').next(), Some("line 1"));
    assert_eq!(parse_acd_csv("\n\n", None), Err(ForecastError::EmptyInput));
    let five = format!("{HEADER}2026-03-02T08:00,1,1,0,1\n2026-03-02T08:05,1,1,0,1\n");
    assert_eq!(parse_acd_csv(&five, None), Err(ForecastError::UnsupportedInterval(5)));
}

#[test]
fn aggregates_to_hours() {
    let s = parse_acd_csv(&synthetic_csv(3, 0.1), Some(15)).unwrap();
    let h = s.aggregate(60).unwrap();
    assert_eq!(h.len(), s.len() / 4);
    assert_eq!(h.interval_minutes(), 60);
    let total = |x: &IntervalSeries| x.offered().iter().sum::<f64>();
    assert_eq!(total(&h), total(&s));
    let first: Vec<&AcdInterval> = s.intervals()[36..40].iter().collect(); // 09:00–09:45
    let hour = &h.intervals()[9];
    assert_eq!(hour.start.to_string(), "2026-01-05T09:00:00+01:00");
    assert_eq!(hour.offered, first.iter().map(|i| i.offered).sum::<f64>());
    let handled: f64 = first.iter().map(|i| i.aht_seconds * i.answered).sum();
    assert!((hour.aht_seconds - handled / hour.answered).abs() < 1e-9);
    assert_eq!(h.aggregate(30), Err(ForecastError::UnsupportedInterval(30)));
    assert_eq!(s.aggregate(45), Err(ForecastError::UnsupportedInterval(45)));
}

#[test]
fn exact_on_a_noise_free_linear_weekly_series() {
    // y(t) = 100 + 0.01·t + weekly pattern: Holt-Winters reproduces it
    // exactly for any parameters (the initialisation removes the trend).
    let start = Timestamp::parse("2026-01-07T00:00:00+01:00").unwrap(); // a Wednesday
    let pattern = |k: usize| 30.0 * ((k as f64) * 0.7).sin() + 10.0 * ((k % 96) as f64 / 10.0).cos();
    let value = |i: usize| 100.0 + 0.01 * i as f64 + pattern(slot(&start.plus_minutes(15 * i as i64), 15));
    let intervals: Vec<AcdInterval> = (0..4 * 672)
        .map(|i| AcdInterval {
            start: start.plus_minutes(15 * i as i64),
            offered: value(i),
            answered: 0.0,
            abandoned: 0.0,
            aht_seconds: 0.0,
        })
        .collect();
    let series = IntervalSeries::new(15, intervals).unwrap();
    // Zero-mean weekly pattern is not required: seasonal terms absorb it.
    for p in [Params { alpha: 0.3, beta: 0.1, gamma: 0.2 }, Params { alpha: 0.0, beta: 0.0, gamma: 0.0 }] {
        let model = fit(&series, Some(p)).unwrap();
        assert!(model.sse < 1e-12, "{}", model.sse);
        for (h, point) in model.forecast(672).iter().enumerate() {
            let want = value(4 * 672 + h);
            assert!((point.offered - want).abs() < 1e-8, "{h}: {} vs {want}", point.offered);
        }
    }
}

#[test]
fn excluded_holidays_teach_the_model_nothing() {
    // The noise-free series of the test above over five weeks, with
    // holidays (no calls all day) on the first two Thursdays, a week apart
    // like Christmas and New Year, and on the third Wednesday, and a closed
    // Friday afternoon in the last week. Excluded, they leave the model
    // exact; counted as demand, they throw it off.
    let start = Timestamp::parse("2026-01-05T00:00:00+01:00").unwrap(); // a Monday
    let pattern = |k: usize| 40.0 + 30.0 * ((k as f64) * 0.7).sin();
    let value = |i: usize| 100.0 + 0.01 * i as f64 + pattern(slot(&start.plus_minutes(15 * i as i64), 15));
    let thursday = |week: usize| week * 672 + 3 * 96..week * 672 + 4 * 96;
    let holiday = |i: usize| {
        thursday(0).contains(&i)
            || thursday(1).contains(&i)
            || (2 * 672 + 2 * 96..2 * 672 + 3 * 96).contains(&i)
            || (4 * 672 + 4 * 96 + 52..4 * 672 + 5 * 96).contains(&i)
    };
    let intervals: Vec<AcdInterval> = (0..5 * 672)
        .map(|i| AcdInterval {
            start: start.plus_minutes(15 * i as i64),
            offered: if holiday(i) { 0.0 } else { value(i) },
            answered: 0.0,
            abandoned: 0.0,
            aht_seconds: 0.0,
        })
        .collect();
    let first = intervals[0].start;
    let series = IntervalSeries::new(15, intervals).unwrap();
    let index = |t: &Timestamp| ((t.instant() - first.instant()) / 15) as usize;
    let marked = series.clone().exclude(|i| holiday(index(&i.start)));
    assert_eq!(marked.excluded().iter().filter(|x| **x).count(), 3 * 96 + 44);
    let p = Params { alpha: 0.3, beta: 0.1, gamma: 0.2 };

    let model = fit(&marked, Some(p)).unwrap();
    assert!(model.sse < 1e-12, "{}", model.sse);
    let wednesday = 5 * 672 + 2 * 96 + 40;
    let point = model.forecast(672)[wednesday - 5 * 672];
    assert!((point.offered - value(wednesday)).abs() < 1e-8, "{} vs {}", point.offered, value(wednesday));
    let unmarked = fit(&series, Some(p)).unwrap();
    let off = unmarked.forecast(672)[wednesday - 5 * 672].offered - value(wednesday);
    assert!(unmarked.sse > 1e5 && off.abs() > 1.0, "{} {off}", unmarked.sse);

    // The backtest measures the held-out week without its closed afternoon,
    // and the hourly series keeps the marks.
    let b = backtest_last_week(&marked, Some(p)).unwrap();
    assert_eq!(b.accuracy.intervals, 672 - 44);
    assert!(b.accuracy.wape < 1e-12, "{:?}", b.accuracy);
    let hourly = marked.aggregate(60).unwrap();
    assert_eq!(hourly.excluded().iter().filter(|x| **x).count(), 3 * 24 + 11);
}

#[test]
fn backtest_beats_the_seasonal_naive_forecast() {
    // Six weeks of Poisson calls with ±10 % extra noise; the last week is
    // held out.
    let series = parse_acd_csv(&synthetic_csv(6, 0.1), None).unwrap();
    for minutes in [15, 30, 60] {
        let s = if minutes == 15 { series.clone() } else { series.aggregate(minutes).unwrap() };
        let b = backtest_last_week(&s, None).unwrap();
        eprintln!(
            "{minutes} min: WAPE {:.3} (naive {:.3}), MAPE {:.3} (naive {:.3}), params {:?}",
            b.accuracy.wape, b.naive_accuracy.wape, b.accuracy.mape, b.naive_accuracy.mape, b.model.params
        );
        assert_eq!(b.forecast.len(), s.week_len());
        assert_eq!(b.accuracy.intervals, s.week_len());
        // Poisson noise alone costs about 0.8/√(calls per interval) of WAPE.
        let limit = match minutes {
            15 => 0.22,
            30 => 0.16,
            _ => 0.12,
        };
        assert!(b.accuracy.wape < limit, "{minutes} min: {:?}", b.accuracy);
        assert!(b.accuracy.wape < b.naive_accuracy.wape, "{minutes} min: {:?} vs {:?}", b.accuracy, b.naive_accuracy);
        assert!(b.accuracy.mape.is_finite());
        // The forecast covers the week right after the training data.
        assert_eq!(b.forecast[0].start, s.intervals()[s.len() - s.week_len()].start);
        // AHT profile: Mondays are longer.
        let monday = b.forecast.iter().find(|p| p.start.weekday() == 0 && p.start.hour == 10).unwrap();
        assert!((monday.aht_seconds - 320.0).abs() < 1e-9, "{}", monday.aht_seconds);
    }
}

#[test]
fn accuracy_measures() {
    // |errors| 2, 1, 5 over actual 10, 0, 20: WAPE 8/30; MAPE over the two
    // intervals with calls (2/10 + 5/20)/2.
    let a = accuracy(&[10.0, 0.0, 20.0], &[12.0, 1.0, 15.0]).unwrap();
    assert!((a.wape - 8.0 / 30.0).abs() < 1e-15);
    assert!((a.mape - 0.225).abs() < 1e-15);
    assert_eq!(a.intervals, 3);
    assert!(accuracy(&[0.0], &[1.0]).unwrap().wape.is_nan());
    assert_eq!(accuracy(&[1.0], &[]), Err(ForecastError::LengthMismatch { actual: 1, forecast: 0 }));
}

#[test]
fn errors_for_too_little_data_and_bad_parameters() {
    let s = parse_acd_csv(&synthetic_csv(1, 0.0), None).unwrap();
    assert_eq!(fit(&s, None).unwrap_err(), ForecastError::NotEnoughData { needed: 1344, got: 672 });
    let s = parse_acd_csv(&synthetic_csv(2, 0.0), None).unwrap();
    assert!(matches!(backtest_last_week(&s, None), Err(ForecastError::NotEnoughData { needed: 2016, .. })));
    let bad = Params { alpha: 1.5, beta: 0.0, gamma: 0.1 };
    assert_eq!(fit(&s, Some(bad)).unwrap_err(), ForecastError::InvalidParameter("alpha", 1.5));
}

#[test]
fn rows_are_read_as_they_stand() {
    // The row layer neither fills gaps nor checks order or boundaries; the
    // series does.
    let text = "interval_start;offered;answered;abandoned;aht_seconds\n\
        2026-03-02 08:45;0;0;0;\n\
        \n\
        2026-03-02 08:07;2;2;0;180,5\n";
    let rows = porten_forecast::parse_acd_rows(text).unwrap();
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    assert_eq!((rows[0].interval.offered, rows[0].interval.aht_seconds), (0.0, 0.0));
    assert_eq!((rows[1].interval.start.minute, rows[1].interval.aht_seconds), (7, 180.5));
    let err = parse_acd_csv(text, Some(15)).unwrap_err();
    assert!(matches!(err, ForecastError::Csv { line: 4, .. }), "{err}");
}
