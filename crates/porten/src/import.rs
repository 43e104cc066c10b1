//! `porten import`: data from other systems.
//!
//! `porten import acd --channel phone FILE.csv` reads an ACD interval export
//! (`interval_start,offered,answered,abandoned,aht_seconds`; see
//! `porten_forecast::parse_acd_csv` for the accepted forms) and stores it, so
//! the planning page can forecast from every offered call rather than only
//! from the calls that became errands. Times without a UTC offset are read as
//! Stockholm wall-clock time. Importing a period again replaces it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use porten_app::App;
use porten_domain::Channel;
use porten_domain::planning::AcdInterval;
use porten_forecast::Timestamp;

/// Converts an interval start to an instant: its own offset if it has one,
/// otherwise Stockholm local time.
pub fn instant(t: &Timestamp) -> Result<DateTime<Utc>> {
    let naive = NaiveDate::from_ymd_opt(t.year, u32::from(t.month), u32::from(t.day))
        .and_then(|d| d.and_hms_opt(u32::from(t.hour), u32::from(t.minute), 0))
        .with_context(|| format!("{t} is not a valid time"))?;
    match t.offset_minutes {
        Some(offset) => Ok((naive - chrono::Duration::minutes(i64::from(offset))).and_utc()),
        None => porten_domain::time::from_stockholm_local(naive)
            .with_context(|| format!("{t} does not exist in Stockholm (the hour skipped when summer time starts)")),
    }
}

/// Reads, validates and stores an ACD export; returns the number of intervals stored.
pub async fn acd(app: &App, channel: &str, file: &Path, interval_minutes: Option<u32>) -> Result<u64> {
    let Some(channel) = Channel::parse(channel)
        .filter(|c| matches!(c, Channel::Phone | Channel::Visit | Channel::Email | Channel::Web))
    else {
        bail!("--channel must be phone, visit, email or web");
    };
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let series = porten_forecast::parse_acd_csv(&text, interval_minutes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let minutes = series.interval_minutes();
    let intervals = series
        .intervals()
        .iter()
        .map(|i| {
            Ok(AcdInterval {
                channel,
                start: instant(&i.start)?,
                minutes,
                offered: i.offered,
                answered: i.answered,
                abandoned: i.abandoned,
                aht_seconds: i.aht_seconds,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let actor = porten_domain::Actor::System { name: "porten import acd".into() };
    Ok(app.import_acd(&actor, &intervals).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_starts_become_instants() {
        let t = Timestamp::parse("2026-03-02 08:15").unwrap();
        assert_eq!(instant(&t).unwrap().to_rfc3339(), "2026-03-02T07:15:00+00:00", "Stockholm winter time");
        let t = Timestamp::parse("2026-07-02T08:15+02:00").unwrap();
        assert_eq!(instant(&t).unwrap().to_rfc3339(), "2026-07-02T06:15:00+00:00");
        let gap = Timestamp::parse("2026-03-29 02:15").unwrap();
        assert!(instant(&gap).is_err(), "02:15 does not exist on the day summer time starts");
    }
}
