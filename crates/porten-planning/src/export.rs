//! The staffing table of a plan as CSV.

use crate::plan::{Plan, PlanOutcome};
use crate::staffing::Heads;

/// How a CSV file separates fields and writes decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvStyle {
    /// Commas and decimal points (RFC 4180, most tools).
    Plain,
    /// Semicolons and decimal commas, as a spreadsheet with Swedish settings
    /// reads it.
    Swedish,
}

/// The staffing table as CSV: one row per interval of the planned week
/// (`interval_start` in ISO 8601 with its UTC offset), header line first; a
/// block of columns per set scenario. No field holds a separator.
pub fn staffing_csv(plan: &Plan, style: CsvStyle) -> String {
    let (live, shrinkage) = (plan.input.channel.is_live(), plan.input.shrinkage);
    let (separator, decimal) = match style {
        CsvStyle::Plain => (",", '.'),
        CsvStyle::Swedish => (";", ','),
    };
    let num = |x: f64, decimals: usize| format!("{x:.decimals$}").replace('.', &decimal.to_string());
    let opt = |x: Option<f64>, decimals: usize| x.map(|x| num(x, decimals)).unwrap_or_default();
    let mut header: Vec<String> = [
        "interval_start",
        "weekday",
        "hour",
        "open",
        "forecast_contacts",
        "aht_seconds",
        "agents",
        "scheduled_agents",
        "service_level",
        "asa_seconds",
        "occupancy",
        "abandon_rate",
    ]
    .map(str::to_owned)
    .into();
    let mut rows = Vec::new();
    if let PlanOutcome::Ready(f) = &plan.outcome {
        for t in &f.totals[1..] {
            let k = t.number;
            header.extend([
                format!("scenario{k}_contacts"),
                format!("scenario{k}_agents"),
                format!("scenario{k}_scheduled_agents"),
            ]);
        }
        for r in &f.intervals {
            let mut row =
                vec![r.start.to_string(), (r.weekday + 1).to_string(), r.hour.to_string(), r.open.to_string()];
            row.extend([num(r.calls, 2), num(r.aht_seconds, 0)]);
            match &r.staffing {
                Some(s) => row.extend({
                    let heads = s.heads(live, shrinkage);
                    [num(heads.on_duty, heads.decimals), num(heads.scheduled, heads.decimals)]
                }),
                None => row.extend(["0", "0"].map(str::to_owned)),
            }
            match &r.staffing {
                Some(s) => row.extend([
                    opt(s.service_level, 4),
                    opt(s.asa_seconds, 1),
                    num(s.occupancy, 4),
                    opt(s.abandon_rate, 4),
                ]),
                None => row.extend(["", "", "", ""].map(str::to_owned)),
            }
            for scenario in &r.scenarios {
                let heads = scenario.staffing.map_or(Heads::NONE, |s| s.heads(live, shrinkage));
                row.extend([
                    num(scenario.calls, 2),
                    num(heads.on_duty, heads.decimals),
                    num(heads.scheduled, heads.decimals),
                ]);
            }
            rows.push(row);
        }
    }
    std::iter::once(header).chain(rows).map(|fields| fields.join(separator) + "\n").collect()
}
