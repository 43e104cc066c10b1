//! End-to-end tests of `porten staffing` (the binary, as a user runs it).

// Reference values are pasted verbatim from bench/staffing/reference.py.

use std::io::Write as _;
use std::process::{Command, Output};

fn porten(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_porten"))
        .arg("staffing")
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("run porten")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[track_caller]
fn ok(args: &[&str]) -> String {
    let o = porten(args);
    assert!(o.status.success(), "porten staffing {args:?} failed: {}", stderr(&o));
    stdout(&o)
}

#[track_caller]
fn fails(args: &[&str]) -> String {
    let o = porten(args);
    assert!(!o.status.success(), "porten staffing {args:?} should fail: {}", stdout(&o));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    err
}

const TEXTBOOK: [&str; 8] =
    ["--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180", "--target-seconds", "20"];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    TEXTBOOK.iter().chain(extra).copied().collect()
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn f(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn textbook_example_json() {
    // 100 calls / 30 min, AHT 180 s, 80 % in 20 s -> 14 agents; 30 %
    // shrinkage -> 20 scheduled. Exact figures: bench/staffing/reference.py.
    let v = json(&ok(&with(&["--service-level", "0.8", "--shrinkage", "0.3", "--format", "json"])));
    assert_eq!(v["agents"], 14);
    assert_eq!(v["scheduled_agents"], 20);
    assert!((f(&v, "service_level") - 0.88835001917946688).abs() < 1e-9);
    assert!((f(&v, "asa_seconds") - 7.8359370117772429).abs() < 1e-6);
    assert!((f(&v, "occupancy") - 0.71428571428571429).abs() < 1e-12);
    assert!((f(&v, "p_wait") - 0.17413193359504984).abs() < 1e-9);
    assert!(v.get("abandon_rate").is_none() && v.get("service_level_answered").is_none());
}

#[test]
fn erlang_a_json_with_caps() {
    let v = json(&ok(&with(&["--service-level", "0.8", "--patience-seconds", "300", "--format", "json"])));
    assert_eq!(v["agents"], 13);
    for key in ["service_level", "asa_seconds", "occupancy", "p_wait", "abandon_rate", "service_level_answered"] {
        let x = f(&v, key);
        assert!(x.is_finite() && x >= 0.0, "{key}");
    }
    assert!(f(&v, "service_level_answered") >= f(&v, "service_level"));
    let capped = json(&ok(&with(&[
        "--service-level",
        "0.8",
        "--patience-seconds",
        "300",
        "--max-abandon",
        "0.005",
        "--max-occupancy",
        "0.85",
        "--max-asa-seconds",
        "10",
        "--format",
        "json",
    ])));
    assert!(capped["agents"].as_u64().unwrap() > 13);
    assert!(f(&capped, "abandon_rate") <= 0.005);
}

#[test]
fn evaluation_mode_reports_exactly_k_agents() {
    let v = json(&ok(&with(&["--agents", "13", "--shrinkage", "0.25", "--format", "json"])));
    assert_eq!(v["agents"], 13);
    assert_eq!(v["scheduled_agents"], 18);
    assert!((f(&v, "service_level") - 0.79559478841778312).abs() < 1e-9);
    assert!((f(&v, "asa_seconds") - 17.116227182189576).abs() < 1e-6);
}

#[test]
fn help_states_the_zero_contact_rule() {
    let help = ok(&["--help"]);
    assert!(help.contains("--minimum-agents"), "{help}");
    assert!(help.contains("0 offered calls gets --minimum-agents agents"), "{help}");
    assert!(help.contains("porten import acd"), "{help}");
}

#[test]
fn text_is_the_default_format() {
    let out = ok(&with(&["--service-level", "0.8"]));
    assert!(out.contains("Agents needed:") && out.contains("14"), "{out}");
    assert!(out.contains("88.8 %"), "{out}");
}

fn input_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

const INTERVALS: &str = "interval_start,offered,answered,abandoned,aht_seconds
2026-03-02T08:00:00+01:00,50,48,2,180
2026-03-02T08:15:00+01:00,0,0,0,
2026-03-02T08:30:00+01:00,120,110,10,240
";

#[test]
fn interval_file_to_csv_and_json_lines() {
    let file = input_file(INTERVALS);
    let path = file.path().to_str().unwrap();
    let common = [
        "--input",
        path,
        "--interval-minutes",
        "15",
        "--target-seconds",
        "20",
        "--service-level",
        "0.8",
        "--shrinkage",
        "0.3",
    ];
    let mut args = common.to_vec();
    args.extend(["--format", "csv"]);
    let csv = ok(&args);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("interval_start,offered,aht_seconds,offered_load,agents,scheduled_agents,"));
    // 50 calls / 15 min at 180 s = 10 E -> 14 agents, 20 scheduled.
    assert!(lines[1].starts_with("2026-03-02T08:00:00+01:00,50,180,10,14,20,"), "{}", lines[1]);
    assert!(lines[2].starts_with("2026-03-02T08:15:00+01:00,0,0,0,0,0,"), "{}", lines[2]);

    let mut args = common.to_vec();
    args.extend(["--format", "json", "--patience-seconds", "120"]);
    let out = ok(&args);
    let rows: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["interval_start"], "2026-03-02T08:00:00+01:00");
    assert!(rows[0]["abandon_rate"].is_number());
    assert_eq!(rows[1]["agents"], 0);
    assert!(rows[2]["agents"].as_u64().unwrap() > 14);

    // Minimum staffing, as the planning page staffs an interval in opening
    // hours: the empty interval gets one agent, the others what they need.
    let mut args = common.to_vec();
    args.extend(["--format", "json", "--minimum-agents", "1"]);
    let rows: Vec<serde_json::Value> = ok(&args).lines().map(json).collect();
    assert_eq!((rows[0]["agents"].as_u64(), rows[1]["agents"].as_u64()), (Some(14), Some(1)));
    assert_eq!(rows[1]["scheduled_agents"], 2);
    assert!(rows[1]["service_level"].is_null() && rows[1]["occupancy"] == 0.0);

    // Evaluation mode over a file.
    let out = ok(&[
        "--input",
        path,
        "--interval-minutes",
        "15",
        "--target-seconds",
        "20",
        "--agents",
        "14",
        "--format",
        "json",
    ]);
    assert!(out.lines().map(json).all(|r| r["agents"] == 14));
}

#[test]
fn malformed_row_is_an_error_naming_the_line() {
    let file = input_file(
        "interval_start,offered,answered,abandoned,aht_seconds\n\
         2026-03-02T08:00:00,50,48,2,180\n\
         2026-03-02T08:15:00,fifty,48,2,180\n",
    );
    let err = fails(&[
        "--input",
        file.path().to_str().unwrap(),
        "--interval-minutes",
        "15",
        "--target-seconds",
        "20",
        "--service-level",
        "0.8",
        "--format",
        "csv",
    ]);
    assert!(err.contains(":3:") && err.contains("offered"), "{err}");
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let err = fails(&with(&["--service-level", "80"]));
    assert!(err.contains("--service-level"), "{err}");
    let err = fails(&with(&["--service-level", "0.8", "--max-occupancy", "0"]));
    assert!(err.contains("--max-occupancy"), "{err}");
    let err = fails(&with(&["--service-level", "0.8", "--max-abandon", "0.05"]));
    assert!(err.contains("patience"), "{err}");
    let err = fails(&[
        "--calls",
        "-3",
        "--interval-minutes",
        "30",
        "--aht-seconds",
        "180",
        "--target-seconds",
        "20",
        "--service-level",
        "0.8",
    ]);
    assert!(err.contains("--calls"), "{err}");
    let err = fails(&[
        "--calls",
        "100",
        "--interval-minutes",
        "0",
        "--aht-seconds",
        "180",
        "--target-seconds",
        "20",
        "--service-level",
        "0.8",
    ]);
    assert!(err.contains("--interval-minutes"), "{err}");
    // Neither --service-level nor --agents; both; unknown format; missing file.
    fails(&TEXTBOOK);
    fails(&with(&["--service-level", "0.8", "--agents", "14"]));
    fails(&with(&["--service-level", "0.8", "--format", "xml"]));
    let err = fails(&[
        "--input",
        "/nonexistent/intervals.csv",
        "--interval-minutes",
        "15",
        "--target-seconds",
        "20",
        "--service-level",
        "0.8",
    ]);
    assert!(err.contains("/nonexistent/intervals.csv"), "{err}");
}
