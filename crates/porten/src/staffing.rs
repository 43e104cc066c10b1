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
//! The staffing itself — the one staffing function with its zero-contact
//! rule, and the records printed — is `porten-planning`
//! ([`porten_planning::staff_interval`], [`StaffingRecord`]); the interval
//! file is read by `porten-forecast`'s ACD parser
//! ([`porten_forecast::parse_acd_rows`]), the same one `porten import acd`
//! uses. This module only turns flags into a [`StaffingRule`] and writes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use porten_erlang::{ErlangError, StaffingTarget, scheduled_agents};
use porten_forecast::{ForecastError, parse_acd_rows};
use porten_planning::{PlanningError, StaffingGoal, StaffingRecord, StaffingRule, staff_interval, staffing_summary};

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
(columns in any order, extra columns ignored; ';' as separator with decimal commas also accepted;
interval_start is a date and time such as 2026-03-02T08:15:00+01:00 or 2026-03-02 08:15).
The same format and parser as `porten import acd`.

Zero contacts: an interval with 0 offered calls gets --minimum-agents agents (default 0: this
command knows no opening hours); its per-call figures are empty/null. The planning page staffs an
interval inside opening hours with at least 1 agent (--minimum-agents 1) and one outside with 0.")]
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

    /// Agents an interval gets even with no calls: 0 for a standalone
    /// computation, 1 for an interval inside opening hours (as the planning
    /// page staffs them).
    #[arg(long, value_name = "K", default_value_t = 0, conflicts_with = "agents")]
    pub minimum_agents: u32,

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
    rule: StaffingRule,
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
        let goal = match (target, args.agents) {
            (_, Some(0)) => bail!("--agents must be at least 1"),
            (Some(target), _) => StaffingGoal::Meet(target),
            (None, Some(agents)) => StaffingGoal::Evaluate { agents, target_seconds: t },
            (None, None) => bail!("--service-level or --agents is required"),
        };
        let rule = StaffingRule {
            interval_seconds: interval_minutes * 60.0,
            patience_seconds: args.patience_seconds,
            goal,
            shrinkage: args.shrinkage,
            minimum_agents: args.minimum_agents,
        };
        Ok(Self { rule, format: args.format })
    }

    fn erlang_a(&self) -> bool {
        self.rule.patience_seconds.is_some()
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

/// A staffing error of the single computation, naming the flag it is about.
fn single_error(e: PlanningError) -> anyhow::Error {
    match e {
        PlanningError::Staffing(e) => flag_error(e),
        other => anyhow::Error::new(other),
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
    let staffing = staff_interval(calls, aht, &settings.rule).map_err(single_error)?;
    let record = StaffingRecord::new(&settings.rule, &staffing);
    match settings.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &record)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => {
            writeln!(out, "{}", StaffingRecord::csv_header(settings.erlang_a(), false))?;
            writeln!(out, "{}", record.csv_row())?;
        }
        OutputFormat::Text => write!(out, "{}", staffing_summary(&settings.rule, calls, aht, &staffing))?,
    }
    Ok(())
}

fn run_file(settings: &Settings, path: &Path, out: &mut dyn Write) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    staff_intervals(settings, &text, &path.display().to_string(), out)
}

/// Staffs every row of an ACD interval file as it stands, in file order.
fn staff_intervals(settings: &Settings, text: &str, name: &str, out: &mut dyn Write) -> Result<()> {
    let rows = parse_acd_rows(text).map_err(|e| match e {
        ForecastError::Csv { line, message } => anyhow::anyhow!("{name}:{line}: {message}"),
        other => anyhow::anyhow!("{name}: {other}"),
    })?;
    match settings.format {
        OutputFormat::Csv => writeln!(out, "{}", StaffingRecord::csv_header(settings.erlang_a(), true))?,
        OutputFormat::Text => writeln!(out, "{}", StaffingRecord::text_table_header(settings.erlang_a()))?,
        OutputFormat::Json => {}
    }
    let mut row_buf = String::with_capacity(256);
    for row in rows {
        let (line, i) = (row.line, row.interval);
        if i.offered > 0.0 && i.aht_seconds == 0.0 {
            bail!("{name}:{line}: column aht_seconds: must be greater than 0 when calls are offered");
        }
        let staffing = staff_interval(i.offered, i.aht_seconds, &settings.rule)
            .map_err(|e| anyhow::anyhow!("{name}:{line} (interval {}): {e}", i.start))?;
        let record = StaffingRecord::new(&settings.rule, &staffing).for_interval(i.start, i.offered, i.aht_seconds);
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
            OutputFormat::Text => writeln!(out, "{}", record.text_table_row())?,
        }
    }
    Ok(())
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
        let rule = StaffingRule {
            interval_seconds: 900.0,
            patience_seconds: patience,
            goal: StaffingGoal::Meet(StaffingTarget::new(0.8, 20.0)),
            shrinkage: 0.3,
            minimum_agents: 0,
        };
        Settings { rule, format }
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
                "interval_start,offered,answered,abandoned,aht_seconds\n2026-03-02 08:00,1,1,0,180\n2026-03-02 08:15,abc,1,0,180\n",
                "in.csv:3",
                "offered",
            ),
            (
                "interval_start,offered,answered,abandoned,aht_seconds\n2026-03-02 08:00,1,1,0\n",
                "in.csv:2",
                "expected 5 fields",
            ),
            (
                "interval_start,offered,answered,abandoned,aht_seconds\n\n2026-03-02 08:00,1,1,0,180\n2026-03-02 08:15,5,1,-1,180\n",
                "in.csv:4",
                "abandoned",
            ),
            (
                "interval_start,offered,answered,abandoned,aht_seconds\n2026-03-02 08:00,1,1,0,0\n",
                "in.csv:2",
                "aht_seconds",
            ),
            ("interval_start,offered,answered,abandoned,aht_seconds\n,1,1,0,10\n", "in.csv:2", "interval_start"),
            ("interval_start,offered,answered,abandoned,aht_seconds\nx,1,1,0,180\n", "in.csv:2", "interval_start"),
            ("interval_start,offered,answered,aht_seconds\n2026-03-02 08:00,1,1,180\n", "in.csv:1", "abandoned"),
            (
                "interval_start,offered,answered,abandoned,aht_seconds\n2026-03-02 08:00,NaN,1,0,180\n",
                "in.csv:2",
                "offered",
            ),
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
        let text = "interval_start,offered,answered,abandoned,aht_seconds\n2026-03-02 08:00,1,1,0,180\n2026-03-02 08:15,1e12,0,0,1000\n";
        let e = staff_text(&s, text).unwrap_err().to_string();
        assert!(e.starts_with("in.csv:3 (interval 2026-03-02T08:15:00)") && e.contains("no staffing"), "{e}");
    }
}
