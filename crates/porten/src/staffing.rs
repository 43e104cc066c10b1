//! `porten staffing`: how many agents a queue needs (*bemanning,
//! dimensionering*), from Erlang C or — with a mean patience — Erlang A.
//!
//! Three ways to use it:
//!
//! * **staffing**: `--calls N --interval-minutes M --aht-seconds S
//!   --target-seconds T --service-level P` gives the smallest number of
//!   agents that answers `P` of the offered calls within `T` seconds,
//!   optionally also meeting `--max-asa-seconds`, `--max-abandon` (needs
//!   `--patience-seconds`) and `--max-occupancy`; `--shrinkage` turns it into
//!   scheduled staff;
//! * **evaluation**: `--agents K` instead of `--service-level` reports the same
//!   figures for exactly `K` agents;
//! * **interval file**: `--input FILE.csv` with the ACD interval export
//!   (`interval_start,offered,answered,abandoned,aht_seconds`) does either of
//!   the above for every interval, as CSV or JSON lines.
//!
//! The mathematics lives in the `porten-erlang` crate.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use porten_erlang::{ErlangError, Metrics, Queue, StaffingTarget, scheduled_agents};
use serde::{Serialize, Serializer};

/// Output format of `porten staffing`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    #[default]
    Text,
    /// One JSON object (one per line with `--input`).
    Json,
    /// CSV with a header line.
    Csv,
}

/// Staff a contact-center queue with Erlang C, or Erlang A when a mean
/// patience is given.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  porten staffing --calls 100 --interval-minutes 30 --aht-seconds 180 --target-seconds 20 --service-level 0.8
  porten staffing --calls 100 --interval-minutes 30 --aht-seconds 180 --target-seconds 20 --agents 13 --format json
  porten staffing --calls 100 --interval-minutes 30 --aht-seconds 180 --target-seconds 20 --service-level 0.8 \\
                  --patience-seconds 120 --max-abandon 0.05 --shrinkage 0.3 --max-occupancy 0.85 --format json
  porten staffing --input intervals.csv --interval-minutes 15 --target-seconds 20 --service-level 0.8 --format csv

Input CSV header: interval_start,offered,answered,abandoned,aht_seconds
(columns in any order, extra columns ignored; ';' as separator with decimal commas also accepted).
An interval with 0 offered calls needs 0 agents; its per-call figures are empty/null.")]
pub struct StaffingArgs {
    /// Calls offered in the interval.
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        required_unless_present = "input",
        conflicts_with = "input"
    )]
    pub calls: Option<f64>,

    /// Length of the interval in minutes (e.g. 15, 30, 60).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub interval_minutes: f64,

    /// Average handling time in seconds (talk + hold + wrap-up).
    #[arg(
        long,
        value_name = "S",
        allow_negative_numbers = true,
        required_unless_present = "input",
        conflicts_with = "input"
    )]
    pub aht_seconds: Option<f64>,

    /// Answer-time target in seconds: the T in "P answered within T seconds".
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub target_seconds: f64,

    /// Service-level target as a fraction strictly between 0 and 1 (0.8 = 80 %).
    #[arg(
        long,
        value_name = "P",
        allow_negative_numbers = true,
        required_unless_present = "agents",
        conflicts_with = "agents"
    )]
    pub service_level: Option<f64>,

    /// Evaluate exactly K agents instead of searching for a staffing.
    #[arg(long, value_name = "K")]
    pub agents: Option<u32>,

    /// Mean caller patience in seconds; switches from Erlang C to Erlang A
    /// (callers abandon after an exponentially distributed patience).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub patience_seconds: Option<f64>,

    /// Cap on the fraction of callers who abandon (needs --patience-seconds).
    #[arg(long, value_name = "F", allow_negative_numbers = true, conflicts_with = "agents")]
    pub max_abandon: Option<f64>,

    /// Cap on the average speed of answer (mean wait of answered calls), seconds.
    #[arg(long, value_name = "S", allow_negative_numbers = true, conflicts_with = "agents")]
    pub max_asa_seconds: Option<f64>,

    /// Fraction of paid time not available for calls, in [0, 1);
    /// scheduled agents = ceil(agents / (1 - shrinkage)).
    #[arg(long, value_name = "F", default_value_t = 0.0, allow_negative_numbers = true)]
    pub shrinkage: f64,

    /// Cap on agent occupancy, in (0, 1].
    #[arg(long, value_name = "F", allow_negative_numbers = true, conflicts_with = "agents")]
    pub max_occupancy: Option<f64>,

    /// ACD interval CSV to staff interval by interval
    /// (header: interval_start,offered,answered,abandoned,aht_seconds).
    #[arg(long, value_name = "FILE.csv")]
    pub input: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Runs `porten staffing`, printing to standard output.
pub fn run(args: StaffingArgs) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    run_to(&args, &mut out)?;
    out.flush().context("writing the output")?;
    Ok(())
}

/// What is asked for, validated.
#[derive(Debug)]
struct Settings {
    interval_seconds: f64,
    target_seconds: f64,
    patience: Option<f64>,
    shrinkage: f64,
    /// `Some` when searching, `None` in evaluation mode.
    target: Option<StaffingTarget>,
    agents: Option<u32>,
    format: OutputFormat,
}

impl Settings {
    fn from_args(args: &StaffingArgs) -> Result<Self> {
        let interval_minutes = args.interval_minutes;
        if !(interval_minutes.is_finite() && interval_minutes > 0.0) {
            bail!("--interval-minutes must be a number of minutes greater than 0, got {interval_minutes}");
        }
        let target = args.service_level.map(|service_level| StaffingTarget {
            service_level,
            target_seconds: args.target_seconds,
            max_asa_seconds: args.max_asa_seconds,
            max_abandon: args.max_abandon,
            max_occupancy: args.max_occupancy,
        });
        if let Some(t) = &target {
            t.validate().map_err(flag_error)?;
            if t.max_abandon.is_some() && args.patience_seconds.is_none() {
                return Err(flag_error(ErlangError::AbandonCapWithoutPatience));
            }
        }
        let t = args.target_seconds;
        if !(t.is_finite() && t >= 0.0) {
            return Err(flag_error(ErlangError::InvalidTargetTime(t)));
        }
        if let Some(p) = args.patience_seconds
            && !(p.is_finite() && p > 0.0)
        {
            return Err(flag_error(ErlangError::InvalidPatience(p)));
        }
        scheduled_agents(0, args.shrinkage).map_err(flag_error)?;
        if args.agents == Some(0) {
            bail!("--agents must be at least 1");
        }
        Ok(Self {
            interval_seconds: interval_minutes * 60.0,
            target_seconds: t,
            patience: args.patience_seconds,
            shrinkage: args.shrinkage,
            target,
            agents: args.agents,
            format: args.format,
        })
    }

    fn model(&self) -> &'static str {
        if self.patience.is_some() { "erlang_a" } else { "erlang_c" }
    }

    /// Staffs or evaluates one interval.
    fn compute(&self, calls: f64, aht_seconds: f64) -> Result<Outcome, ErlangError> {
        if calls == 0.0 {
            // No traffic: nobody needed; per-call figures are undefined.
            let agents = self.agents.unwrap_or(0);
            return Ok(Outcome {
                offered_load: 0.0,
                agents,
                scheduled_agents: scheduled_agents(agents, self.shrinkage)?,
                metrics: None,
            });
        }
        let queue = Queue::from_interval(calls, self.interval_seconds, aht_seconds, self.patience)?;
        let metrics = match (&self.target, self.agents) {
            (Some(target), _) => queue.staff(target)?,
            (None, Some(agents)) => queue.evaluate(agents, self.target_seconds)?,
            (None, None) => unreachable!("clap requires --service-level or --agents"),
        };
        Ok(Outcome {
            offered_load: queue.offered_load(),
            agents: metrics.agents,
            scheduled_agents: scheduled_agents(metrics.agents, self.shrinkage)?,
            metrics: Some(metrics),
        })
    }
}

/// Turns a library error about an input into a message naming the flag.
fn flag_error(e: ErlangError) -> anyhow::Error {
    let flag = match e {
        ErlangError::InvalidArrivalRate(_) => "--calls",
        ErlangError::InvalidInterval(_) => "--interval-minutes",
        ErlangError::InvalidHandlingTime(_) => "--aht-seconds",
        ErlangError::InvalidPatience(_) => "--patience-seconds",
        ErlangError::InvalidTargetTime(_) => "--target-seconds",
        ErlangError::InvalidServiceLevel(_) => "--service-level",
        ErlangError::InvalidAsaTarget(_) => "--max-asa-seconds",
        ErlangError::InvalidAbandonCap(_) | ErlangError::AbandonCapWithoutPatience => "--max-abandon",
        ErlangError::InvalidOccupancyCap(_) | ErlangError::UnreachableOccupancyCap(_) => "--max-occupancy",
        ErlangError::InvalidShrinkage(_) => "--shrinkage",
        ErlangError::NoAgents | ErlangError::TooManyAgents { .. } => "--agents",
        _ => return anyhow::Error::new(e),
    };
    anyhow::anyhow!("invalid {flag}: {e}")
}

/// The result for one interval.
#[derive(Debug)]
struct Outcome {
    offered_load: f64,
    agents: u32,
    scheduled_agents: u32,
    /// `None` when no calls are offered.
    metrics: Option<Metrics>,
}

/// A figure in the output: left out (Erlang-A-only figures under Erlang C),
/// null/empty (undefined, e.g. ASA of an unstable queue or of an empty
/// interval) or a number.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Figure {
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

    fn is_omitted(&self) -> bool {
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

/// One output record, in output order.
#[derive(Debug, Serialize)]
struct Record<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_start: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offered: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aht_seconds: Option<f64>,
    model: &'static str,
    offered_load: f64,
    agents: u32,
    scheduled_agents: u32,
    service_level: Figure,
    asa_seconds: Figure,
    occupancy: Figure,
    p_wait: Figure,
    #[serde(skip_serializing_if = "Figure::is_omitted")]
    abandon_rate: Figure,
    #[serde(skip_serializing_if = "Figure::is_omitted")]
    service_level_answered: Figure,
}

impl<'a> Record<'a> {
    fn new(settings: &Settings, outcome: &Outcome) -> Self {
        let m = outcome.metrics.as_ref();
        let erlang_a = settings.patience.is_some();
        let only_a = |v: Option<f64>| if erlang_a { Figure::of(v) } else { Figure::Omitted };
        let occupancy = match m {
            Some(m) => Some(m.occupancy),
            None if outcome.agents > 0 => Some(0.0),
            None => None,
        };
        Self {
            interval_start: None,
            offered: None,
            aht_seconds: None,
            model: settings.model(),
            offered_load: outcome.offered_load,
            agents: outcome.agents,
            scheduled_agents: outcome.scheduled_agents,
            service_level: Figure::of(m.map(|m| m.service_level)),
            asa_seconds: Figure::of(m.map(|m| m.asa)),
            occupancy: Figure::of(occupancy),
            p_wait: Figure::of(m.map(|m| m.p_wait)),
            abandon_rate: only_a(m.map(|m| m.abandon_rate)),
            service_level_answered: only_a(m.map(|m| m.service_level_answered)),
        }
    }

    const CSV_COLUMNS: [&'static str; 12] = [
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

    fn csv_header(erlang_a: bool) -> String {
        let n = if erlang_a { 12 } else { 10 };
        Self::CSV_COLUMNS[..n].join(",")
    }

    fn csv_row(&self) -> String {
        let mut row = String::new();
        self.write_csv_row(&mut row);
        row
    }

    /// Appends the CSV fields (no newline) to `row` without allocating per field.
    fn write_csv_row(&self, row: &mut String) {
        let start = self.interval_start.unwrap_or("");
        if start.contains([',', '"', '\n', '\r']) {
            let _ = write!(row, "\"{}\"", start.replace('"', "\"\""));
        } else {
            row.push_str(start);
        }
        let optional = |row: &mut String, v: Option<f64>| {
            row.push(',');
            if let Some(v) = v {
                let _ = write!(row, "{v}");
            }
        };
        optional(row, self.offered);
        optional(row, self.aht_seconds);
        let _ = write!(row, ",{},{},{}", self.offered_load, self.agents, self.scheduled_agents);
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
}

fn run_to(args: &StaffingArgs, out: &mut dyn Write) -> Result<()> {
    let settings = Settings::from_args(args)?;
    match &args.input {
        Some(path) => run_file(&settings, path, out),
        None => {
            // clap guarantees both are present without --input.
            let calls = args.calls.context("--calls is required")?;
            let aht = args.aht_seconds.context("--aht-seconds is required")?;
            run_single(&settings, calls, aht, out)
        }
    }
}

fn run_single(settings: &Settings, calls: f64, aht: f64, out: &mut dyn Write) -> Result<()> {
    if !(calls.is_finite() && calls > 0.0) {
        bail!("invalid --calls: the number of calls must be a finite number greater than 0, got {calls}");
    }
    if !(aht.is_finite() && aht > 0.0) {
        return Err(flag_error(ErlangError::InvalidHandlingTime(aht)));
    }
    let outcome = settings.compute(calls, aht).map_err(flag_error)?;
    let record = Record::new(settings, &outcome);
    match settings.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &record)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            let erlang_a = settings.patience.is_some();
            let header = Record::csv_header(erlang_a);
            // Drop the interval columns, which are empty here.
            let skip = "interval_start,offered,aht_seconds,".len();
            writeln!(out, "{}", &header[skip..])?;
            let row = record.csv_row();
            writeln!(out, "{}", row.trim_start_matches(",,,"))?;
        }
        OutputFormat::Text => {
            write!(out, "{}", single_text(settings, calls, aht, &outcome))?;
        }
    }
    Ok(())
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

fn single_text(settings: &Settings, calls: f64, aht: f64, outcome: &Outcome) -> String {
    let mut s = String::new();
    let model = match settings.patience {
        Some(p) => format!("Erlang A (mean patience {p} s)"),
        None => "Erlang C (no abandonment)".to_owned(),
    };
    let _ = writeln!(s, "Model:                {model}");
    let _ = writeln!(
        s,
        "Offered load:         {:.3} Erlang ({calls} calls in {} min, AHT {aht} s)",
        outcome.offered_load,
        settings.interval_seconds / 60.0
    );
    let label = if settings.target.is_some() { "Agents needed:" } else { "Agents:" };
    let _ = writeln!(s, "{label:<22}{}", outcome.agents);
    let _ = writeln!(s, "Scheduled agents:     {} (shrinkage {})", outcome.scheduled_agents, pct(settings.shrinkage));
    if let Some(m) = &outcome.metrics {
        let of = if settings.patience.is_some() { " of offered calls" } else { "" };
        let _ = writeln!(
            s,
            "Service level:        {}{of} answered within {} s",
            pct(m.service_level),
            settings.target_seconds
        );
        if settings.patience.is_some() {
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

// ---------------------------------------------------------------------------
// Interval file
// ---------------------------------------------------------------------------

/// One parsed row of the ACD interval file.
#[derive(Debug, PartialEq)]
struct IntervalRow<'a> {
    interval_start: &'a str,
    offered: f64,
    aht_seconds: f64,
}

const REQUIRED_COLUMNS: [&str; 5] = ["interval_start", "offered", "answered", "abandoned", "aht_seconds"];

/// Column positions and separator, from the header line.
struct Layout {
    separator: char,
    columns: [usize; 5],
    width: usize,
}

fn split_fields(line: &str, separator: char) -> Vec<&str> {
    line.split(separator)
        .map(|f| {
            let f = f.trim();
            f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(f).trim()
        })
        .collect()
}

fn parse_header(header: &str) -> Result<Layout, String> {
    let header = header.trim_start_matches('\u{feff}');
    let separator = if !header.contains(',') && header.contains(';') { ';' } else { ',' };
    let names: Vec<String> = split_fields(header, separator).iter().map(|n| n.to_ascii_lowercase()).collect();
    let mut columns = [0; 5];
    for (slot, wanted) in columns.iter_mut().zip(REQUIRED_COLUMNS) {
        *slot = names
            .iter()
            .position(|n| n == wanted)
            .ok_or_else(|| format!("the header has no column {wanted:?} (expected {})", REQUIRED_COLUMNS.join(",")))?;
    }
    Ok(Layout { separator, columns, width: names.len() })
}

fn parse_number(field: &str, column: &str, separator: char) -> Result<f64, String> {
    let text = if separator == ';' { field.replace(',', ".") } else { field.to_owned() };
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("column {column}: expected a number, zero or more, got {field:?}")),
    }
}

fn parse_row<'a>(layout: &Layout, line: &'a str) -> Result<IntervalRow<'a>, String> {
    let fields = split_fields(line, layout.separator);
    if fields.len() != layout.width {
        return Err(format!("expected {} fields like the header, found {}", layout.width, fields.len()));
    }
    let [start, offered, answered, abandoned, aht] = layout.columns.map(|i| fields[i]);
    if start.is_empty() {
        return Err("column interval_start is empty".to_owned());
    }
    let offered = parse_number(offered, "offered", layout.separator)?;
    parse_number(answered, "answered", layout.separator)?;
    parse_number(abandoned, "abandoned", layout.separator)?;
    let aht_seconds = if offered == 0.0 && aht.is_empty() {
        0.0
    } else {
        let v = parse_number(aht, "aht_seconds", layout.separator)?;
        if v == 0.0 && offered > 0.0 {
            return Err(format!("column aht_seconds: must be greater than 0 when calls are offered, got {aht:?}"));
        }
        v
    };
    Ok(IntervalRow { interval_start: start, offered, aht_seconds })
}

fn run_file(settings: &Settings, path: &Path, out: &mut dyn Write) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    staff_intervals(settings, &text, &path.display().to_string(), out)
}

fn staff_intervals(settings: &Settings, text: &str, name: &str, out: &mut dyn Write) -> Result<()> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (header_line, header) = lines
        .by_ref()
        .find(|(_, l)| !l.trim().is_empty())
        .with_context(|| format!("{name}: the file is empty (expected a header line)"))?;
    let layout = parse_header(header).map_err(|e| anyhow::anyhow!("{name}:{header_line}: {e}"))?;
    let erlang_a = settings.patience.is_some();
    match settings.format {
        OutputFormat::Csv => writeln!(out, "{}", Record::csv_header(erlang_a))?,
        OutputFormat::Text => writeln!(out, "{}", text_table_header(erlang_a))?,
        OutputFormat::Json => {}
    }
    let mut row_buf = String::with_capacity(256);
    for (number, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let row = parse_row(&layout, line).map_err(|e| anyhow::anyhow!("{name}:{number}: {e}"))?;
        let outcome = settings
            .compute(row.offered, row.aht_seconds)
            .map_err(|e| anyhow::anyhow!("{name}:{number} (interval {}): {e}", row.interval_start))?;
        let mut record = Record::new(settings, &outcome);
        record.interval_start = Some(row.interval_start);
        record.offered = Some(row.offered);
        record.aht_seconds = Some(row.aht_seconds);
        match settings.format {
            OutputFormat::Csv => {
                row_buf.clear();
                record.write_csv_row(&mut row_buf);
                row_buf.push('\n');
                out.write_all(row_buf.as_bytes())?;
            }
            OutputFormat::Json => {
                serde_json::to_writer(&mut *out, &record)?;
                writeln!(out)?;
            }
            OutputFormat::Text => writeln!(out, "{}", text_table_row(&record))?,
        }
    }
    Ok(())
}

fn text_table_header(erlang_a: bool) -> String {
    let mut s = format!(
        "{:<25} {:>8} {:>7} {:>9} {:>7} {:>9} {:>7} {:>8} {:>7} {:>7}",
        "interval_start", "offered", "aht_s", "load_E", "agents", "scheduled", "SL", "ASA_s", "occ", "p_wait"
    );
    if erlang_a {
        let _ = write!(s, " {:>7} {:>7}", "aband", "SL_ans");
    }
    s
}

fn text_table_row(r: &Record<'_>) -> String {
    let p = |f: Figure| match f {
        Figure::Value(v) => pct(v),
        _ => "-".to_owned(),
    };
    let asa = match r.asa_seconds {
        Figure::Value(v) => format!("{v:.1}"),
        _ => "-".to_owned(),
    };
    let mut s = format!(
        "{:<25} {:>8} {:>7} {:>9.3} {:>7} {:>9} {:>7} {:>8} {:>7} {:>7}",
        r.interval_start.unwrap_or(""),
        r.offered.unwrap_or_default(),
        r.aht_seconds.unwrap_or_default(),
        r.offered_load,
        r.agents,
        r.scheduled_agents,
        p(r.service_level),
        asa,
        p(r.occupancy),
        p(r.p_wait)
    );
    if !r.abandon_rate.is_omitted() {
        let _ = write!(s, " {:>7} {:>7}", p(r.abandon_rate), p(r.service_level_answered));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        args: StaffingArgs,
    }

    fn run_args(argv: &[&str]) -> Result<String> {
        let cli = Cli::try_parse_from(std::iter::once("staffing").chain(argv.iter().copied()))?;
        let mut out = Vec::new();
        run_to(&cli.args, &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    const TEXTBOOK: [&str; 8] =
        ["--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180", "--target-seconds", "20"];

    fn with(extra: &[&'static str]) -> Vec<&'static str> {
        TEXTBOOK.iter().copied().chain(extra.iter().copied()).collect()
    }

    #[test]
    fn textbook_example_as_json() {
        let out = run_args(&with(&["--service-level", "0.8", "--shrinkage", "0.3", "--format", "json"])).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["agents"], 14);
        assert_eq!(v["scheduled_agents"], 20);
        assert_eq!(v["model"], "erlang_c");
        assert!((v["service_level"].as_f64().unwrap() - 0.888_350_019_179_466_9).abs() < 1e-9);
        assert!((v["p_wait"].as_f64().unwrap() - 0.174_131_933_595_049_84).abs() < 1e-9);
        assert!((v["occupancy"].as_f64().unwrap() - 10.0 / 14.0).abs() < 1e-12);
        assert!(v["asa_seconds"].as_f64().unwrap() > 7.8);
        assert!(v.get("abandon_rate").is_none());
    }

    #[test]
    fn erlang_a_json_has_abandonment() {
        let out =
            run_args(&with(&["--service-level", "0.8", "--patience-seconds", "300", "--format", "json"])).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["agents"], 13);
        assert_eq!(v["model"], "erlang_a");
        assert!(v["abandon_rate"].as_f64().unwrap() > 0.0);
        assert!(v["service_level_answered"].as_f64().unwrap() >= v["service_level"].as_f64().unwrap());
    }

    #[test]
    fn evaluation_mode() {
        let out = run_args(&with(&["--agents", "14", "--format", "json"])).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["agents"], 14);
        assert!((v["service_level"].as_f64().unwrap() - 0.888_350_019_179_466_9).abs() < 1e-9);
        // Unstable: ASA is null, not a number.
        let out = run_args(&with(&["--agents", "9", "--format", "json"])).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v["asa_seconds"].is_null());
        assert_eq!(v["service_level"], 0.0);
    }

    #[test]
    fn text_and_csv_formats() {
        let text = run_args(&with(&["--service-level", "0.8"])).unwrap();
        assert!(text.contains("Agents needed:        14"), "{text}");
        assert!(text.contains("88.8 %"), "{text}");
        let csv = run_args(&with(&["--service-level", "0.8", "--format", "csv"])).unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "offered_load,agents,scheduled_agents,service_level,asa_seconds,occupancy,p_wait"
        );
        assert!(lines.next().unwrap().starts_with("10,14,14,0.88835"));
    }

    #[test]
    fn bad_flags_are_clear_errors() {
        let e = run_args(&with(&["--service-level", "80"])).unwrap_err().to_string();
        assert!(e.contains("--service-level") && e.contains("strictly between 0 and 1"), "{e}");
        let e = run_args(&with(&["--service-level", "0.8", "--max-occupancy", "0"])).unwrap_err().to_string();
        assert!(e.contains("--max-occupancy") && e.contains("no staffing can meet"), "{e}");
        let e = run_args(&with(&["--service-level", "0.8", "--max-abandon", "0.05"])).unwrap_err().to_string();
        assert!(e.contains("--patience-seconds") || e.contains("patience"), "{e}");
        let e = run_args(&with(&["--service-level", "0.8", "--shrinkage", "1"])).unwrap_err().to_string();
        assert!(e.contains("--shrinkage"), "{e}");
        let mut argv = with(&["--service-level", "0.8"]);
        argv[1] = "-5";
        let e = run_args(&argv).unwrap_err().to_string();
        assert!(e.contains("--calls"), "{e}");
        let mut argv = with(&["--service-level", "0.8"]);
        argv[5] = "0";
        let e = run_args(&argv).unwrap_err().to_string();
        assert!(e.contains("--aht-seconds"), "{e}");
        // clap-level: both or neither of --service-level/--agents.
        assert!(run_args(&TEXTBOOK).is_err());
        assert!(run_args(&with(&["--service-level", "0.8", "--agents", "3"])).is_err());
    }

    fn file_settings(patience: Option<f64>, format: OutputFormat) -> Settings {
        Settings {
            interval_seconds: 900.0,
            target_seconds: 20.0,
            patience,
            shrinkage: 0.3,
            target: Some(StaffingTarget::new(0.8, 20.0)),
            agents: None,
            format,
        }
    }

    fn staff_text(settings: &Settings, text: &str) -> Result<String> {
        let mut out = Vec::new();
        staff_intervals(settings, text, "in.csv", &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    const FILE: &str = "interval_start,offered,answered,abandoned,aht_seconds\n\
        2026-03-02T08:00:00,50,48,2,180\n\
        \n\
        2026-03-02T08:15:00,0,0,0,\n\
        2026-03-02T08:30:00,120,110,10,240.5\n";

    #[test]
    fn interval_file_to_csv() {
        let out = staff_text(&file_settings(None, OutputFormat::Csv), FILE).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            "interval_start,offered,aht_seconds,offered_load,agents,scheduled_agents,service_level,asa_seconds,occupancy,p_wait"
        );
        assert!(lines[1].starts_with("2026-03-02T08:00:00,50,180,10,14,20,0.88835"), "{}", lines[1]);
        assert_eq!(lines[2], "2026-03-02T08:15:00,0,0,0,0,0,,,,");
        assert!(lines[3].starts_with("2026-03-02T08:30:00,120,240.5,"));
    }

    #[test]
    fn interval_file_to_json_lines() {
        let out = staff_text(&file_settings(Some(120.0), OutputFormat::Json), FILE).unwrap();
        let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["interval_start"], "2026-03-02T08:00:00");
        assert!(rows[0]["abandon_rate"].as_f64().is_some());
        assert_eq!(rows[1]["agents"], 0);
        assert!(rows[1]["service_level"].is_null() && rows[1]["abandon_rate"].is_null());
        let text = staff_text(&file_settings(Some(120.0), OutputFormat::Text), FILE).unwrap();
        assert_eq!(text.lines().count(), 4);
    }

    #[test]
    fn semicolon_files_with_decimal_commas() {
        let file = "\u{feff}Interval_Start;Offered;Answered;Abandoned;AHT_Seconds;Queue\n\
            2026-03-02 08:00;50;48;2;180,0;Kontaktcenter\n";
        let out = staff_text(&file_settings(None, OutputFormat::Csv), file).unwrap();
        assert!(out.lines().nth(1).unwrap().contains(",50,180,10,14,"), "{out}");
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let s = file_settings(None, OutputFormat::Csv);
        let cases = [
            (
                "interval_start,offered,answered,abandoned,aht_seconds\nx,1,1,0,180\ny,abc,1,0,180\n",
                "in.csv:3",
                "offered",
            ),
            ("interval_start,offered,answered,abandoned,aht_seconds\nx,1,1,0\n", "in.csv:2", "expected 5 fields"),
            (
                "interval_start,offered,answered,abandoned,aht_seconds\n\nx,1,1,0,180\nx,5,1,-1,180\n",
                "in.csv:4",
                "abandoned",
            ),
            ("interval_start,offered,answered,abandoned,aht_seconds\nx,1,1,0,0\n", "in.csv:2", "aht_seconds"),
            ("interval_start,offered,answered,abandoned,aht_seconds\n,1,1,0,10\n", "in.csv:2", "interval_start"),
            ("interval_start,offered,answered,aht_seconds\nx,1,1,180\n", "in.csv:1", "abandoned"),
            ("interval_start,offered,answered,abandoned,aht_seconds\nx,NaN,1,0,180\n", "in.csv:2", "offered"),
            ("", "in.csv", "empty"),
        ];
        for (text, at, what) in cases {
            let e = staff_text(&s, text).unwrap_err().to_string();
            assert!(e.starts_with(at) && e.contains(what), "{e}");
        }
    }

    #[test]
    fn infeasible_interval_names_its_line() {
        let s = file_settings(None, OutputFormat::Csv);
        let text = "interval_start,offered,answered,abandoned,aht_seconds\nx,1,1,0,180\nbig,1e12,0,0,1000\n";
        let e = staff_text(&s, text).unwrap_err().to_string();
        assert!(e.starts_with("in.csv:3 (interval big)") && e.contains("no staffing"), "{e}");
    }
}
