//! A staffed interval as `porten staffing` reports it: one record, written
//! as JSON (through serde), CSV or text.

use std::fmt::Write as _;

use porten_forecast::Timestamp;
use serde::{Serialize, Serializer};

use crate::staffing::{IntervalStaffing, StaffingGoal, StaffingRule};

/// A figure in a record: left out (Erlang-A-only figures under Erlang C),
/// null/empty (undefined, e.g. ASA of an unstable queue or of an interval
/// without calls) or a number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Figure {
    Omitted,
    Null,
    Value(f64),
}

impl Figure {
    fn of(v: Option<f64>) -> Self {
        match v {
            Some(v) if v.is_finite() => Self::Value(v),
            _ => Self::Null,
        }
    }

    pub fn is_omitted(&self) -> bool {
        *self == Self::Omitted
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(v) => s.serialize_f64(*v),
            _ => s.serialize_none(),
        }
    }
}

fn display<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(t),
        None => s.serialize_none(),
    }
}

/// The model a rule staffs with, as records name it.
pub fn model_name(rule: &StaffingRule) -> &'static str {
    if rule.patience_seconds.is_some() { "erlang_a" } else { "erlang_c" }
}

/// One staffed interval, fields in output order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StaffingRecord {
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "display")]
    pub interval_start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aht_seconds: Option<f64>,
    pub model: &'static str,
    pub offered_load: f64,
    pub agents: u32,
    pub scheduled_agents: u32,
    pub service_level: Figure,
    pub asa_seconds: Figure,
    pub occupancy: Figure,
    pub p_wait: Figure,
    #[serde(skip_serializing_if = "Figure::is_omitted")]
    pub abandon_rate: Figure,
    #[serde(skip_serializing_if = "Figure::is_omitted")]
    pub service_level_answered: Figure,
}

/// The CSV columns, the last two for Erlang A only.
pub const CSV_COLUMNS: [&str; 12] = [
    "interval_start",
    "offered",
    "aht_seconds",
    "offered_load",
    "agents",
    "scheduled_agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "p_wait",
    "abandon_rate",
    "service_level_answered",
];

/// The columns that describe the interval rather than its staffing.
pub const INTERVAL_COLUMNS: usize = 3;

impl StaffingRecord {
    /// The record of `staffing` by `rule`, without interval columns. An
    /// interval without calls has no per-call figures; its occupancy is 0
    /// when someone is on duty.
    pub fn new(rule: &StaffingRule, staffing: &IntervalStaffing) -> Self {
        let m = staffing.metrics.as_ref();
        let erlang_a = rule.patience_seconds.is_some();
        let only_a = |v: Option<f64>| if erlang_a { Figure::of(v) } else { Figure::Omitted };
        let occupancy = match m {
            Some(m) => Some(m.occupancy),
            None if staffing.agents > 0 => Some(0.0),
            None => None,
        };
        Self {
            interval_start: None,
            offered: None,
            aht_seconds: None,
            model: model_name(rule),
            offered_load: staffing.offered_load,
            agents: staffing.agents,
            scheduled_agents: staffing.scheduled,
            service_level: Figure::of(m.map(|m| m.service_level)),
            asa_seconds: Figure::of(m.map(|m| m.asa)),
            occupancy: Figure::of(occupancy),
            p_wait: Figure::of(m.map(|m| m.p_wait)),
            abandon_rate: only_a(m.map(|m| m.abandon_rate)),
            service_level_answered: only_a(m.map(|m| m.service_level_answered)),
        }
    }

    /// The same, for the interval starting at `start` with `offered` calls
    /// of `aht_seconds`.
    pub fn for_interval(self, start: Timestamp, offered: f64, aht_seconds: f64) -> Self {
        Self { interval_start: Some(start), offered: Some(offered), aht_seconds: Some(aht_seconds), ..self }
    }

    /// The CSV header: every column, or without the interval columns.
    pub fn csv_header(erlang_a: bool, with_interval: bool) -> String {
        let n = if erlang_a { 12 } else { 10 };
        let from = if with_interval { 0 } else { INTERVAL_COLUMNS };
        CSV_COLUMNS[from..n].join(",")
    }

    /// Appends the CSV fields (no newline) to `row` without allocating per
    /// field; the interval columns only when the record has an interval.
    pub fn write_csv_row(&self, row: &mut String) {
        if let Some(start) = &self.interval_start {
            let _ = write!(row, "{start}");
            let optional = |row: &mut String, v: Option<f64>| {
                row.push(',');
                if let Some(v) = v {
                    let _ = write!(row, "{v}");
                }
            };
            optional(row, self.offered);
            optional(row, self.aht_seconds);
            row.push(',');
        }
        let _ = write!(row, "{},{},{}", self.offered_load, self.agents, self.scheduled_agents);
        let figures = [
            self.service_level,
            self.asa_seconds,
            self.occupancy,
            self.p_wait,
            self.abandon_rate,
            self.service_level_answered,
        ];
        for f in figures.into_iter().filter(|f| !f.is_omitted()) {
            row.push(',');
            if let Figure::Value(v) = f {
                let _ = write!(row, "{v}");
            }
        }
    }

    /// The CSV fields, no newline.
    pub fn csv_row(&self) -> String {
        let mut row = String::new();
        self.write_csv_row(&mut row);
        row
    }

    /// The header of the text table of intervals.
    pub fn text_table_header(erlang_a: bool) -> String {
        let mut s = format!(
            "{:<25} {:>8} {:>7} {:>9} {:>7} {:>9} {:>7} {:>8} {:>7} {:>7}",
            "interval_start", "offered", "aht_s", "load_E", "agents", "scheduled", "SL", "ASA_s", "occ", "p_wait"
        );
        if erlang_a {
            let _ = write!(s, " {:>7} {:>7}", "aband", "SL_ans");
        }
        s
    }

    /// One row of the text table of intervals.
    pub fn text_table_row(&self) -> String {
        let p = |f: Figure| match f {
            Figure::Value(v) => pct(v),
            _ => "-".to_owned(),
        };
        let asa = match self.asa_seconds {
            Figure::Value(v) => format!("{v:.1}"),
            _ => "-".to_owned(),
        };
        let start = self.interval_start.map(|t| t.to_string()).unwrap_or_default();
        let mut s = format!(
            "{:<25} {:>8} {:>7} {:>9.3} {:>7} {:>9} {:>7} {:>8} {:>7} {:>7}",
            start,
            self.offered.unwrap_or_default(),
            self.aht_seconds.unwrap_or_default(),
            self.offered_load,
            self.agents,
            self.scheduled_agents,
            p(self.service_level),
            asa,
            p(self.occupancy),
            p(self.p_wait)
        );
        if !self.abandon_rate.is_omitted() {
            let _ = write!(s, " {:>7} {:>7}", p(self.abandon_rate), p(self.service_level_answered));
        }
        s
    }
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// A single staffing in words: `calls` offered calls of `aht_seconds` each,
/// staffed by `rule`.
pub fn staffing_summary(rule: &StaffingRule, calls: f64, aht_seconds: f64, staffing: &IntervalStaffing) -> String {
    let mut s = String::new();
    let model = match rule.patience_seconds {
        Some(p) => format!("Erlang A (mean patience {p} s)"),
        None => "Erlang C (no abandonment)".to_owned(),
    };
    let _ = writeln!(s, "Model:                {model}");
    let _ = writeln!(
        s,
        "Offered load:         {:.3} Erlang ({calls} calls in {} min, AHT {aht_seconds} s)",
        staffing.offered_load,
        rule.interval_seconds / 60.0
    );
    let (label, target_seconds) = match rule.goal {
        StaffingGoal::Meet(target) => ("Agents needed:", target.target_seconds),
        StaffingGoal::Evaluate { target_seconds, .. } => ("Agents:", target_seconds),
    };
    let _ = writeln!(s, "{label:<22}{}", staffing.agents);
    let _ = writeln!(s, "Scheduled agents:     {} (shrinkage {})", staffing.scheduled, pct(rule.shrinkage));
    if let Some(m) = &staffing.metrics {
        let erlang_a = rule.patience_seconds.is_some();
        let of = if erlang_a { " of offered calls" } else { "" };
        let _ = writeln!(s, "Service level:        {}{of} answered within {target_seconds} s", pct(m.service_level));
        if erlang_a {
            let _ = writeln!(s, "  among answered:     {}", pct(m.service_level_answered));
            let _ = writeln!(s, "Abandoned:            {}", pct(m.abandon_rate));
        }
        let asa = if m.asa.is_finite() {
            format!("{:.1} s", m.asa)
        } else {
            "unbounded (fewer agents than the offered load)".to_owned()
        };
        let _ = writeln!(s, "ASA:                  {asa}");
        let _ = writeln!(s, "Occupancy:            {}", pct(m.occupancy));
        let _ = writeln!(s, "Probability of wait:  {}", pct(m.p_wait));
    }
    s
}
