//! Plans made from histories built in memory: no store, no clock.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use porten_domain::Channel;
use porten_domain::calendar::{BusinessCalendar, Closure, DayException};
use porten_domain::planning::{AcdInterval, ContactCount, ServiceMix};
use porten_domain::time::to_stockholm;

use crate::history::Handled;
use crate::staffing::staff;
use crate::*;

fn raw(pairs: &[(&str, &str)]) -> RawPlanningInput {
    RawPlanningInput(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

const TODAY: (i32, u32, u32) = (2026, 11, 26);

fn today() -> NaiveDate {
    day(TODAY.0, TODAY.1, TODAY.2)
}

#[test]
fn parse_defaults_and_collects_every_problem() {
    assert_eq!(
        PlanningInput::parse(&RawPlanningInput::default(), today(), |_| true).unwrap(),
        PlanningInput::default()
    );
    let ok = PlanningInput::parse(
        &raw(&[
            ("channel", "visit"),
            ("interval", "15"),
            ("week", "2026-12-07"),
            ("service_level", "0,9"),
            ("aht_seconds", ""),
            ("patience_seconds", "120"),
            ("max_abandon", "0,05"),
            ("opens", "9"),
            ("closes", "16"),
            ("days", "all"),
            ("shift2-bygglov", " 0.25 "),
            ("shift1-bygglov", ""),
            ("digital-bygglov", "90"),
            ("shift1-gone", "0.5"),
            ("digital-gone", "no"),
        ]),
        today(),
        |key| key != "gone",
    )
    .unwrap();
    assert_eq!((ok.channel, ok.interval_minutes, ok.week), (Channel::Visit, 15, Some(day(2026, 12, 7))));
    assert_eq!((ok.service_level, ok.aht_seconds, ok.patience_seconds), (0.9, None, Some(120.0)));
    assert_eq!((ok.max_abandon, ok.opens, ok.closes, ok.days), (Some(0.05), 9, 16, OpenDays::All));
    assert_eq!(ok.scenarios[1].get("bygglov"), Some(&0.25));
    assert!(ok.scenarios[0].is_empty(), "an empty share is no share");
    assert!(!ok.scenario_is_set(0) && ok.scenario_is_set(1));
    assert_eq!((ok.digital_aht_of("bygglov"), ok.digital_aht_of("other")), (90.0, DEFAULT_DIGITAL_AHT_SECONDS));
    assert!(!ok.scenarios[0].contains_key("gone"), "fields of services outside the mix are ignored");

    let bad = PlanningInput::parse(
        &raw(&[
            ("channel", "open311"),
            ("interval", "20"),
            ("week", "2026-11-23"),
            ("service_level", "1"),
            ("target_seconds", "abc"),
            ("shrinkage", ""),
            ("max_abandon", "0.1"),
            ("opens", "18"),
            ("closes", "9"),
            ("cost_per_hour", "NaN"),
            ("shift3-bygglov", "1.5"),
            ("digital-bygglov", "snabbt"),
        ]),
        today(),
        |_| true,
    )
    .unwrap_err();
    let mut got: Vec<(&str, &str)> = bad.0.iter().map(|v| (v.field.as_str(), v.code)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("channel", "invalid"),
            ("closes", "out_of_range"),
            ("cost_per_hour", "invalid"),
            ("digital-bygglov", "invalid"),
            ("interval", "invalid"),
            ("max_abandon", "requires_patience"),
            ("service_level", "out_of_range"),
            ("shift3-bygglov", "out_of_range"),
            ("shrinkage", "required"),
            ("target_seconds", "invalid"),
            ("week", "invalid"),
        ]
    );
}

#[test]
fn weeks_are_offered_from_the_next_monday_or_today() {
    let weeks = plannable_weeks(today()); // a Thursday
    assert_eq!(weeks.len(), WEEKS_AHEAD);
    assert_eq!((weeks[0], weeks[5]), (day(2026, 11, 30), day(2027, 1, 4)));
    assert_eq!(plannable_weeks(day(2026, 11, 30))[0], day(2026, 11, 30), "on a Monday, this week");
}

#[test]
fn the_window_ends_at_local_midnight() {
    // 26 November 2026 is winter time (UTC+1): midnight is 23:00 UTC the day before.
    let (from, to) = history_window(Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap());
    assert_eq!(to, utc(2026, 11, 25, 23));
    assert_eq!(to - from, Duration::weeks(8));
    // Summer time (UTC+2), shortly after local midnight.
    assert_eq!(start_of_local_day(Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap()), utc(2026, 7, 1, 22));
}

/// Office-hours phone traffic in local time: `per_hour` contacts 08–16 on
/// weekdays, 1 at noon on weekends; web contacts alongside.
fn office_counts(from: DateTime<Utc>, weeks: i64, per_hour: u64) -> Vec<ContactCount> {
    let mut out = Vec::new();
    for h in 0..weeks * 168 + 1 {
        let t = from + Duration::hours(h);
        let local = to_stockholm(t);
        let weekend = local.weekday().num_days_from_monday() >= 5;
        let count = match (weekend, local.hour()) {
            (false, 8..=15) => per_hour,
            (true, 12) => 1,
            _ => 0,
        };
        if count > 0 {
            out.push(ContactCount { bucket_start: t, channel: Channel::Phone, count });
            out.push(ContactCount { bucket_start: t, channel: Channel::Web, count: 2 });
        }
    }
    out
}

fn history(from: DateTime<Utc>, to: DateTime<Utc>, minutes: u32, counts: &[ContactCount]) -> History {
    let phone = counts.iter().filter(|c| c.channel == Channel::Phone).map(|c| (c.bucket_start, c.count as f64, 60));
    History::new(from, to, minutes, counts, phone)
}

fn plan_at(now: DateTime<Utc>, input: PlanningInput, mix: Vec<MixShare>, week: NaiveDate) -> Plan {
    let (from, to) = history_window(now);
    let counts = office_counts(from, 8, 12);
    let h = history(from, to, input.interval_minutes, &counts);
    let aht = choose_aht(input.aht_seconds, None, None);
    build_plan(input, &h, mix, aht, week, &BusinessCalendar::default()).unwrap()
}

fn ready(plan: &Plan) -> &Forecast {
    match &plan.outcome {
        PlanOutcome::Ready(f) => f,
        other => panic!("{other:?}"),
    }
}

fn at<'a>(f: &'a Forecast, label: &str) -> &'a StaffedInterval {
    f.intervals.iter().find(|r| r.local_start == label).unwrap_or_else(|| panic!("no interval {label}"))
}

#[test]
fn a_regular_week_is_forecast_backtested_and_staffed_in_opening_hours() {
    let now = Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap();
    let plan = plan_at(now, PlanningInput::default(), vec![], day(2026, 3, 9));
    assert_eq!((plan.weeks, plan.aht_seconds, plan.aht_source), (8, 300.0, AhtSource::Default));
    let f = ready(&plan);
    assert_eq!(f.intervals.len(), 168);
    assert_eq!(f.intervals[0].local_start, "2026-03-09 00:00");
    // Thursday 12 March 2026, 09:00 local.
    let nine = at(f, "2026-03-12 09:00");
    assert_eq!((nine.weekday, nine.hour, nine.open), (3, 9, true));
    assert!((nine.calls - 12.0).abs() < 0.5, "{}", nine.calls);
    // 12 calls of 300 s in an hour: 1 Erlang; 80 % in 20 s needs 3 agents; 30 % shrinkage: 5.
    let s = nine.staffing.unwrap();
    assert_eq!((s.agents, s.scheduled), (3, 5));
    assert!(s.service_level.unwrap() >= 0.8 && s.asa_seconds.unwrap() > 0.0 && s.abandon_rate.is_none());
    // Open but quiet: one agent. Closed at night and at the weekend: nobody, and the weekend call is reported.
    assert_eq!(at(f, "2026-03-12 16:00").staffing.map(|s| s.agents), Some(1));
    assert_eq!(at(f, "2026-03-12 03:00").staffing, None);
    let saturday_noon = at(f, "2026-03-14 12:00");
    assert!(!saturday_noon.open && saturday_noon.calls > 0.5);
    let base = &f.totals[0];
    assert_eq!(f.totals.len(), 1, "no scenario set");
    assert!((base.calls_closed - 2.0).abs() < 0.5, "{}", base.calls_closed);
    let agent_hours: f64 = f.intervals.iter().filter_map(|r| r.staffing).map(|s| f64::from(s.agents)).sum();
    assert_eq!(base.agent_hours, agent_hours);
    // The week's paid hours are agent-hours ÷ (1 − 30 %), not a sum of rounded-up head counts.
    assert!((base.scheduled_hours - agent_hours / 0.7).abs() < 1e-9, "{}", base.scheduled_hours);
    let rounded: f64 = f.intervals.iter().filter_map(|r| r.staffing).map(|s| f64::from(s.scheduled)).sum();
    assert!(base.scheduled_hours < rounded);
    assert_eq!(base.cost_sek, base.scheduled_hours * 450.0);
    assert_eq!(base.peak_scheduled, 5);
    assert!((f.heatmap.contacts[3][9] - nine.calls).abs() < 1e-9);
    let bt = f.backtest.as_ref().expect("eight weeks allow a backtest");
    assert_eq!((bt.points.len(), bt.days.len()), (168, 7));
    assert!(bt.wape.unwrap() < 0.05, "{:?}", bt.wape);
    let csv = staffing_csv(&plan, CsvStyle::Plain);
    assert_eq!(csv.lines().count(), 169);
    assert!(csv.contains("\n2026-03-12T09:00:00+01:00,4,9,true,12."), "{csv}");
    assert!(csv.contains("\n2026-03-12T03:00:00+01:00,4,3,false,0.00,300,0,0,,,,\n"), "{csv}");
    let (sl, asa, occupancy) = (s.service_level.unwrap(), s.asa_seconds.unwrap(), s.occupancy);
    let figures = format!(",300,3,5,{sl:.4},{asa:.1},{occupancy:.4},\n");
    assert!(
        csv.lines().any(|l| l.starts_with("2026-03-12T09:00:00") && (l.to_owned() + "\n").ends_with(&figures)),
        "{csv}"
    );
    let swedish = staffing_csv(&plan, CsvStyle::Swedish);
    assert!(swedish.starts_with("interval_start;weekday;hour;open;forecast_contacts;"));
    let figures = figures.replace(',', ";").replace('.', ",");
    assert!(
        swedish.lines().any(|l| l.starts_with("2026-03-12T09:00:00") && (l.to_owned() + "\n").ends_with(&figures)),
        "{swedish}"
    );
}

#[test]
fn scenarios_move_each_services_share_and_are_compared_side_by_side() {
    let now = Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap();
    let mix = mix_shares(&[
        ServiceMix { service_code: Some("bygglov".into()), contacts: 300, timed: 0, handle_seconds: 0.0 },
        ServiceMix { service_code: None, contacts: 100, timed: 0, handle_seconds: 0.0 },
    ]);
    assert_eq!((mix[0].share, mix[1].key.as_str(), mix[1].share), (0.75, NO_SERVICE, 0.25));
    let mut input = PlanningInput::default();
    input.scenarios[0].insert("bygglov".into(), 0.4); // moves 0.75 · 0.4 = 30 %
    input.scenarios[2].insert(NO_SERVICE.into(), 1.0); // moves 25 %
    input.scenarios[2].insert("bygglov".into(), 0.0);
    input.digital_aht.insert(NO_SERVICE.into(), 0.0); // self-help: no staff time
    let plan = plan_at(now, input, mix, day(2026, 3, 9));
    let f = ready(&plan);
    let numbers: Vec<usize> = f.totals.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [0, 1, 3], "scenario 2 is not set");
    let (base, one, three) = (&f.totals[0], &f.totals[1], &f.totals[2]);
    assert!((one.moved_share - 0.3).abs() < 1e-12 && (three.moved_share - 0.25).abs() < 1e-12);
    assert!((one.calls - base.calls * 0.7).abs() < 1e-6);
    assert!(one.scheduled_hours < base.scheduled_hours && one.cost_sek < base.cost_sek);
    // Contacts moved from opening hours still take 60 s each of staff time, scheduled after
    // shrinkage; self-help takes none.
    let open_calls = base.calls - base.calls_closed;
    assert!(base.calls_closed > 1.0);
    assert!((one.digital_hours - open_calls * 0.3 * 60.0 / 3600.0 / 0.7).abs() < 1e-9);
    assert_eq!(three.digital_hours, 0.0);
    assert!((one.cost_sek - (one.scheduled_hours + one.digital_hours) * 450.0).abs() < 1e-6);
    let nine = at(f, "2026-03-12 09:00");
    assert_eq!(nine.scenarios.len(), 2);
    assert!((nine.scenarios[0].calls - nine.calls * 0.7).abs() < 1e-9);
    let csv = staffing_csv(&plan, CsvStyle::Plain);
    assert!(csv.lines().next().unwrap().ends_with(",scenario3_contacts,scenario3_agents,scenario3_scheduled_agents"));
}

#[test]
fn backlog_channels_are_staffed_by_workload_not_as_a_queue() {
    // E-mail at the same volumes as the phone week above: no answer-time
    // queue, so the week's hours are the work (contacts × 300 s) at 85 %
    // occupancy, including the weekend's mail, done in opening hours.
    let now = Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap();
    let input = PlanningInput { channel: Channel::Email, ..PlanningInput::default() };
    let plan = plan_at(now, input, vec![], day(2026, 3, 9));
    let f = ready(&plan);
    let all_calls: f64 = f.intervals.iter().map(|r| r.calls).sum();
    let base = &f.totals[0];
    let work_hours = all_calls * 300.0 / 3600.0;
    assert!((base.agent_hours - work_hours / DEFAULT_BACKLOG_OCCUPANCY).abs() < 1e-6, "{}", base.agent_hours);
    assert!((base.scheduled_hours - base.agent_hours / 0.7).abs() < 1e-6);
    // 12 mails an hour are one agent's hour of work: at most 85 % busy, two on duty.
    let nine = at(f, "2026-03-12 09:00").staffing.unwrap();
    assert_eq!((nine.agents, nine.service_level, nine.asa_seconds, nine.abandon_rate), (2, None, None, None));
    assert!(nine.occupancy <= DEFAULT_BACKLOG_OCCUPANCY);
    // Far fewer paid hours than queueing the same contacts like calls.
    let phone = plan_at(now, PlanningInput::default(), vec![], day(2026, 3, 9));
    assert!(base.scheduled_hours < 0.8 * ready(&phone).totals[0].scheduled_hours);
    let csv = staffing_csv(&plan, CsvStyle::Plain);
    assert!(csv.contains("\n2026-03-12T09:00:00+01:00,4,9,true,12."), "{csv}");
    // The CSV (and the page) show the need unrounded: (3600 s + the weekend's 600 s spread over 45 open
    // hours) ÷ 3600 s ÷ 85 % = 1.18 people on duty, 1.69 scheduled.
    assert!(
        csv.lines().any(|l| l.starts_with("2026-03-12T09:00:00+01:00") && l.contains(",300,1.18,1.69,,,")),
        "{csv}"
    );
    assert_eq!(base.peak_scheduled, 2, "the busiest interval needs two people scheduled");
}

#[test]
fn quarter_hours_and_erlang_a_are_planned() {
    let now = Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap();
    let quarters = PlanningInput { interval_minutes: 15, ..PlanningInput::default() };
    let plan = plan_at(now, quarters.clone(), vec![], day(2026, 3, 9));
    let f = ready(&plan);
    assert_eq!(f.intervals.len(), 672);
    let q = at(f, "2026-03-12 09:15");
    // An hour's 12 calls were spread over its quarters: 3 per quarter.
    assert!((q.calls - 3.0).abs() < 0.2, "{}", q.calls);
    assert_eq!(staff(q.calls, 300.0, &quarters).unwrap(), q.staffing.unwrap());
    assert_eq!(f.backtest.as_ref().unwrap().points.len(), 672);

    let patient = PlanningInput { patience_seconds: Some(60.0), max_abandon: Some(0.05), ..PlanningInput::default() };
    let plan_a = plan_at(now, patient, vec![], day(2026, 3, 9));
    let a = at(ready(&plan_a), "2026-03-12 09:00").staffing.unwrap();
    let c = at(ready(&plan_at(now, PlanningInput::default(), vec![], day(2026, 3, 9))), "2026-03-12 09:00").staffing;
    let abandon = a.abandon_rate.expect("Erlang A reports abandonment");
    assert!(abandon <= 0.05 && a.service_level.unwrap() >= 0.8);
    assert!(a.agents <= c.unwrap().agents, "abandoning callers never need more agents");
}

#[test]
fn hours_after_a_daylight_saving_change_keep_their_local_profile() {
    // Planned on Monday 26 October 2026, the day after summer time ended:
    // eight weeks of summer-time history, a winter-time week ahead.
    let now = Utc.with_ymd_and_hms(2026, 10, 26, 10, 0, 0).unwrap();
    let f = plan_at(now, PlanningInput::default(), vec![], day(2026, 10, 26)).outcome;
    let PlanOutcome::Ready(f) = f else { panic!() };
    assert!(at(&f, "2026-10-26 08:00").calls > 11.0, "opening hour, local time");
    assert!(at(&f, "2026-10-26 15:00").calls > 11.0);
    assert!(at(&f, "2026-10-26 07:00").calls < 1.0 && at(&f, "2026-10-26 16:00").calls < 1.0);
    // The week with the change itself has a 25-hour Sunday, with 02:00 twice.
    let before = Utc.with_ymd_and_hms(2026, 10, 19, 10, 0, 0).unwrap();
    let g = plan_at(before, PlanningInput::default(), vec![], day(2026, 10, 19)).outcome;
    let PlanOutcome::Ready(g) = g else { panic!() };
    assert_eq!(g.intervals.len(), 169);
    assert_eq!(g.intervals.iter().filter(|r| r.local_start == "2026-10-25 02:00").count(), 2);
    assert_eq!(g.intervals.last().unwrap().local_start, "2026-10-25 23:00");
    let csv = staffing_csv(&plan_at(before, PlanningInput::default(), vec![], day(2026, 10, 19)), CsvStyle::Plain);
    assert!(csv.contains("\n2026-10-25T02:00:00+02:00,7,2,") && csv.contains("\n2026-10-25T02:00:00+01:00,7,2,"));
    // And spring's 23-hour Sunday has no 02:00.
    let spring = Utc.with_ymd_and_hms(2026, 3, 23, 10, 0, 0).unwrap();
    let PlanOutcome::Ready(s) = plan_at(spring, PlanningInput::default(), vec![], day(2026, 3, 23)).outcome else {
        panic!()
    };
    assert_eq!(s.intervals.len(), 167);
    assert!(s.intervals.iter().all(|r| r.local_start != "2026-03-29 02:00"));
}

#[test]
fn a_held_out_week_with_a_daylight_saving_change_is_measured_in_local_time() {
    // Planned on Wednesday 28 October 2026: the held-out week, 21–27 October, has the change.
    let now = Utc.with_ymd_and_hms(2026, 10, 28, 10, 0, 0).unwrap();
    let PlanOutcome::Ready(f) = plan_at(now, PlanningInput::default(), vec![], day(2026, 11, 2)).outcome else {
        panic!()
    };
    let bt = f.backtest.unwrap();
    assert!(bt.wape.unwrap() < 0.05, "off by an hour after the change: {:?}", bt.wape);
    let monday_eight = bt.points.iter().find(|p| p.local_start == "2026-10-26 08:00").unwrap();
    assert!(monday_eight.actual > 11.0 && monday_eight.forecast > 11.0, "{monday_eight:?}");
}

#[test]
fn public_holidays_are_closed() {
    // Planned on 14 December 2026 for the week of Christmas: 24–26 December are closed.
    let now = Utc.with_ymd_and_hms(2026, 12, 14, 10, 0, 0).unwrap();
    let f = plan_at(now, PlanningInput::default(), vec![], day(2026, 12, 21)).outcome;
    let PlanOutcome::Ready(f) = f else { panic!() };
    let names: Vec<&Closure> = f.holidays.iter().map(|h| &h.closure).collect();
    assert_eq!(
        names,
        [&Closure::Holiday("christmas-eve"), &Closure::Holiday("christmas-day"), &Closure::Holiday("boxing-day")]
    );
    let open_days: Vec<String> =
        f.intervals.iter().filter(|r| r.open && r.hour == 9).map(|r| r.local_start.date.to_string()).collect();
    assert_eq!(open_days, ["2026-12-21", "2026-12-22", "2026-12-23"]);
    // The contacts forecast for Christmas Eve are reported as outside opening hours, not staffed.
    assert!(at(&f, "2026-12-24 09:00").staffing.is_none() && at(&f, "2026-12-24 09:00").calls > 10.0);
    assert!(f.totals[0].calls_closed > 80.0, "{}", f.totals[0].calls_closed);

    // Administrators decided to keep julafton open and close the 23rd.
    let (from, to) = history_window(now);
    let counts = office_counts(from, 8, 12);
    let h = history(from, to, 60, &counts);
    let decided = |d, open| DayException { date: day(2026, 12, d), open, note: "Beslut".into() };
    let calendar = BusinessCalendar::new([decided(24, true), decided(23, false)]);
    let aht = (300.0, AhtSource::Default);
    let plan = build_plan(PlanningInput::default(), &h, vec![], aht, day(2026, 12, 21), &calendar).unwrap();
    let f = ready(&plan);
    let open_days: Vec<String> =
        f.intervals.iter().filter(|r| r.open && r.hour == 9).map(|r| r.local_start.date.to_string()).collect();
    assert_eq!(open_days, ["2026-12-21", "2026-12-22", "2026-12-24"]);
    assert_eq!(f.holidays[0], ClosedDay { date: day(2026, 12, 23), closure: Closure::Decided("Beslut".into()) });
    assert_eq!(
        f.kept_open,
        [KeptOpenDay { date: day(2026, 12, 24), holiday: "christmas-eve", note: "Beslut".to_owned() }]
    );
}

#[test]
fn holidays_in_the_history_do_not_lower_the_forecast() {
    // Planned on 11 January 2027: the history holds Christmas, New Year and
    // Epiphany (Wednesday 6 January, in the held-out week), with no calls.
    let now = Utc.with_ymd_and_hms(2027, 1, 11, 10, 0, 0).unwrap();
    let (from, to) = history_window(now);
    let counts: Vec<ContactCount> = office_counts(from, 8, 12)
        .into_iter()
        .filter(|c| porten_domain::calendar::swedish_holiday(to_stockholm(c.bucket_start).date_naive()).is_none())
        .collect();
    let h = history(from, to, 60, &counts);
    let plan = build_plan(
        PlanningInput::default(),
        &h,
        vec![],
        (300.0, AhtSource::Default),
        day(2027, 1, 18),
        &BusinessCalendar::default(),
    )
    .unwrap();
    let f = ready(&plan);
    for label in ["2027-01-20 09:00", "2027-01-21 09:00", "2027-01-22 09:00"] {
        assert!((at(f, label).calls - 12.0).abs() < 0.5, "{label}: {}", at(f, label).calls);
    }
    // The held-out week is measured without its holiday.
    let bt = f.backtest.as_ref().unwrap();
    assert!(bt.wape.unwrap() < 0.05, "{:?}", bt.wape);
}

#[test]
fn sparse_history_is_explained_not_failed() {
    let (from, to) = history_window(Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap());
    let week = day(2026, 3, 9);
    let aht = (300.0, AhtSource::Default);
    let input = PlanningInput::default;
    let empty =
        build_plan(input(), &history(from, to, 60, &[]), vec![], aht, week, &BusinessCalendar::default()).unwrap();
    assert_eq!((&empty.outcome, empty.weeks, empty.contacts), (&PlanOutcome::NoContacts, 0, 0));
    // Only the last week has contacts: not enough to forecast.
    let recent = office_counts(to - Duration::weeks(1), 1, 3);
    let short =
        build_plan(input(), &history(from, to, 60, &recent), vec![], aht, week, &BusinessCalendar::default()).unwrap();
    assert_eq!(short.outcome, PlanOutcome::TooLittleHistory { weeks: 1, needed: 2 });
    assert_eq!(short.history_from, to - Duration::weeks(1));
    // Two weeks: a forecast, but no week to hold out.
    let two = office_counts(to - Duration::weeks(2), 2, 3);
    let plan =
        build_plan(input(), &history(from, to, 60, &two), vec![], aht, week, &BusinessCalendar::default()).unwrap();
    assert!(ready(&plan).backtest.is_none());
    // Web only: no phone contacts at all.
    let web_only: Vec<ContactCount> = recent.into_iter().filter(|c| c.channel == Channel::Web).collect();
    let none = build_plan(input(), &history(from, to, 60, &web_only), vec![], aht, week, &BusinessCalendar::default())
        .unwrap();
    assert_eq!(none.outcome, PlanOutcome::NoContacts);
    assert_eq!(staffing_csv(&empty, CsvStyle::Plain).lines().count(), 1);
}

#[test]
fn the_history_starts_when_contact_logging_began() {
    let (from, to) = history_window(utc(2026, 11, 26, 10));
    let week = Duration::hours(168);
    assert_eq!(logged_history_start(from, to, None), from, "nothing logged: errands alone");
    assert_eq!(logged_history_start(from, to, Some(from - week)), from, "logged all along");
    assert_eq!(logged_history_start(from, to, Some(from)), from);
    assert_eq!(logged_history_start(from, to, Some(from + Duration::hours(10))), from, "from the first morning");
    // Logging began a minute into the third week: the whole weeks after it.
    assert_eq!(logged_history_start(from, to, Some(from + week * 2 + Duration::minutes(1))), from + week * 3);
    assert_eq!(logged_history_start(from, to, Some(to - week * 2)), to - week * 2);
    // Too recent to forecast from: the whole window, errands and all.
    assert_eq!(logged_history_start(from, to, Some(to - week * 2 + Duration::minutes(1))), from);
    assert_eq!(logged_history_start(from, to, Some(to + week)), from);
}

#[test]
fn imported_intervals_fill_the_planning_intervals_they_cover() {
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
    // An hour-long export row spreads over quarters; quarter rows add up to hours.
    let quarters = History::new(at(8, 0), at(10, 0), 15, &[], [(at(8, 0), 8.0, 60), (at(9, 30), 2.0, 15)]);
    assert_eq!(quarters.volume, [2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 2.0, 0.0]);
    assert_eq!(quarters.active.iter().filter(|a| **a).count(), 5);
    let hours = History::new(at(8, 0), at(10, 0), 60, &[], [(at(8, 15), 3.0, 15), (at(8, 45), 4.0, 15)]);
    assert_eq!(hours.volume, [7.0, 0.0]);
    let outside = History::new(at(8, 0), at(9, 0), 60, &[], [(at(7, 45), 3.0, 15), (at(9, 0), 1.0, 15)]);
    assert_eq!(outside.volume, [0.0], "rows outside the window are left out");
    // Handle times spread the same way: answered contacts and their handle seconds.
    let timed = History::new(at(8, 0), at(9, 0), 30, &[], []).with_handle_times([(at(8, 0), 4.0, 300.0, 60)]);
    let half = Handled { answered: 2.0, handle_seconds: 600.0 };
    assert_eq!(timed.handled, Some(vec![half, half]));
}

#[test]
fn the_handle_time_is_typed_measured_or_the_default() {
    let q = |offered: f64, aht: f64| AcdInterval {
        channel: Channel::Phone,
        start: utc(2026, 3, 2, 8),
        minutes: 15,
        offered,
        answered: offered,
        abandoned: 0.0,
        aht_seconds: aht,
    };
    // (3·300 + 1·600) / 4 = 375
    assert_eq!(measured_aht(&[q(3.0, 300.0), q(1.0, 600.0), q(0.0, 900.0)]), Some(375.0));
    assert_eq!(measured_aht(&[q(0.0, 300.0)]), None, "nothing answered, nothing measured");
    let mix = [
        ServiceMix { service_code: Some("a".into()), contacts: 10, timed: 2, handle_seconds: 500.0 },
        ServiceMix { service_code: None, contacts: 5, timed: 3, handle_seconds: 700.0 },
    ];
    assert_eq!(logged_aht(&mix), Some(240.0));
    assert_eq!(logged_aht(&mix[..0]), None);
    assert_eq!(choose_aht(Some(200.0), Some(375.0), Some(240.0)), (200.0, AhtSource::Typed));
    assert_eq!(choose_aht(None, Some(375.0), Some(240.0)), (375.0, AhtSource::Acd));
    assert_eq!(choose_aht(None, None, Some(240.0)), (240.0, AhtSource::Log));
    assert_eq!(choose_aht(None, None, None), (DEFAULT_AHT_SECONDS, AhtSource::Default));
}

#[test]
fn a_saving_counts_the_digital_hours_and_ignores_less_than_a_tenth() {
    let totals = |scheduled_hours: f64, digital_hours: f64| ScenarioTotals {
        number: 1,
        moved_share: 0.2,
        calls: 0.0,
        calls_closed: 0.0,
        agent_hours: 0.0,
        scheduled_hours,
        peak_scheduled: 0,
        digital_hours,
        cost_sek: 0.0,
    };
    let base = totals(100.0, 0.0);
    assert_eq!(totals(90.0, 4.0).saving_against(&base), Saving::Fewer(6.0));
    assert_eq!(totals(90.0, 12.0).saving_against(&base), Saving::More(2.0));
    assert_eq!(totals(99.0, 0.96).saving_against(&base), Saving::None, "0.04 h shows as 0.0");
}
