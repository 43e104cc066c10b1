//! The report's figures: for each section a bar chart (SVG, with a title
//! and a description) and tables holding the same figures.

use std::collections::BTreeMap;

use porten_app::reports::Report;
use porten_domain::report::{AGE_BANDS, local_day_hour, percent};
use porten_domain::{Channel, Lifecycle};

use super::Choice;
use crate::i18n::Tr;
use crate::planning::num;

/// One bar of a chart, in the SVG's coordinates.
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    /// The label under it.
    pub label: String,
    pub label_x: u32,
}

/// A bar chart: its text alternative and bars.
pub struct Chart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub bars: Vec<Bar>,
}

/// A table: caption, column heads, and rows led by a row head.
pub struct Table {
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

/// A section of the report.
pub struct Figure {
    pub id: String,
    pub heading: String,
    pub lead: String,
    pub chart: Option<Chart>,
    pub tables: Vec<Table>,
}

const CHART_HEIGHT: u32 = 160;
const CHART_TOP: u32 = 10;

/// Bars for `values`, scaled to the chart's height, spread over 680 px.
fn chart(id: &str, title: String, desc: String, values: &[(String, u64)]) -> Option<Chart> {
    let max = values.iter().map(|(_, v)| *v).max().filter(|m| *m > 0)?;
    let slot = (680 / values.len().max(1) as u32).max(4);
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let h = ((*v as f64 / max as f64) * f64::from(CHART_HEIGHT)).round() as u32;
            let x = 40 + i as u32 * slot;
            // Every label when they fit, else every seventh.
            let label = if values.len() <= 14 || i % 7 == 0 { label.clone() } else { String::new() };
            Bar { x, y: CHART_TOP + CHART_HEIGHT - h, w: (slot * 3 / 4).max(2), h, label, label_x: x + slot * 3 / 8 }
        })
        .collect();
    Some(Chart { id: id.into(), title, desc, bars })
}

fn n(t: &Tr, x: u64) -> String {
    num(t.lang, x as f64, 0)
}

fn share(t: &Tr, part: u64, whole: u64) -> String {
    percent(part, whole).map_or_else(|| "–".into(), |p| format!("{} %", num(t.lang, p, 0)))
}

fn band_names(t: &Tr) -> Vec<String> {
    (0..=AGE_BANDS.len()).map(|b| t.get(&format!("reports-band-{b}"))).collect()
}

fn backlog(t: &Tr, r: &Report) -> Figure {
    let bands = band_names(t);
    let states = [Lifecycle::New, Lifecycle::Open, Lifecycle::InProgress, Lifecycle::WaitingForCitizen];
    let mut by_state = vec![vec![0u64; bands.len()]; states.len()];
    let mut unassigned = vec![0u64; bands.len()];
    let mut units: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for c in &r.backlog {
        if let Some(i) = states.iter().position(|s| s.as_str() == c.lifecycle) {
            by_state[i][c.band] += c.count;
        }
        if c.unassigned {
            unassigned[c.band] += c.count;
        }
        let u = units.entry(c.unit.as_str()).or_default();
        u.0 += c.count;
        u.1 += if c.unassigned { c.count } else { 0 };
    }
    let totals: Vec<u64> = (0..bands.len()).map(|b| by_state.iter().map(|row| row[b]).sum()).collect();
    let all: u64 = totals.iter().sum();
    let with_total = |row: &[u64]| row.iter().map(|x| n(t, *x)).chain([n(t, row.iter().sum())]).collect::<Vec<_>>();
    let mut rows: Vec<(String, Vec<String>)> =
        states.iter().zip(&by_state).map(|(s, row)| (t.staff_status(*s).to_owned(), with_total(row))).collect();
    rows.push((t.get("reports-total"), with_total(&totals)));
    rows.push((t.get("reports-unassigned"), with_total(&unassigned)));
    let mut head = vec![t.get("reports-col-state")];
    head.extend(bands.iter().cloned());
    head.push(t.get("reports-total"));
    let values: Vec<(String, u64)> = bands.iter().cloned().zip(totals.iter().copied()).collect();
    let desc = bands.iter().zip(&totals).map(|(b, v)| format!("{b}: {}", n(t, *v))).collect::<Vec<_>>().join(", ");
    Figure {
        id: "backlog".into(),
        heading: t.get("reports-backlog"),
        lead: t.count("reports-backlog-lead", "count", all),
        chart: chart("backlog-chart", t.get("reports-backlog-chart"), desc, &values),
        tables: vec![
            Table { caption: t.get("reports-backlog-by-age"), head, rows },
            Table {
                caption: t.get("reports-backlog-by-unit"),
                head: vec![t.get("reports-col-unit"), t.get("reports-active"), t.get("reports-unassigned")],
                rows: units.into_iter().map(|(u, (a, un))| (u.to_owned(), vec![n(t, a), n(t, un)])).collect(),
            },
        ],
    }
}

fn volume(t: &Tr, r: &Report) -> Figure {
    let days = r.filter.days();
    let channels: Vec<Channel> =
        Channel::ALL.into_iter().filter(|c| r.volume.iter().any(|v| v.channel == c.as_str())).collect();
    let mut errands: BTreeMap<(chrono::NaiveDate, usize), u64> = BTreeMap::new();
    let mut contacts: BTreeMap<(chrono::NaiveDate, usize), u64> = BTreeMap::new();
    let mut hours = vec![(0u64, 0u64); 24];
    for v in &r.volume {
        let (Some((day, hour)), Some(c)) =
            (local_day_hour(v.hour), channels.iter().position(|c| c.as_str() == v.channel))
        else {
            continue;
        };
        *errands.entry((day, c)).or_default() += v.errands;
        *contacts.entry((day, c)).or_default() += v.contacts;
        hours[hour as usize].0 += v.errands;
        hours[hour as usize].1 += v.contacts;
    }
    let mut head = vec![t.get("reports-col-day")];
    head.extend(channels.iter().map(|c| t.get(&format!("channel-{}", c.as_str()))));
    let per_day = |cells: &BTreeMap<(chrono::NaiveDate, usize), u64>| -> Vec<(String, Vec<String>)> {
        days.iter()
            .map(|d| (d.to_string(), (0..channels.len()).map(|c| n(t, *cells.get(&(*d, c)).unwrap_or(&0))).collect()))
            .collect()
    };
    let day_totals: Vec<(String, u64)> = days
        .iter()
        .map(|d| {
            let sum = (0..channels.len())
                .map(|c| errands.get(&(*d, c)).unwrap_or(&0) + contacts.get(&(*d, c)).unwrap_or(&0))
                .sum();
            (d.format("%d/%m").to_string(), sum)
        })
        .collect();
    let busiest =
        day_totals.iter().max_by_key(|(_, v)| *v).map(|(d, v)| format!("{d}: {}", n(t, *v))).unwrap_or_default();
    Figure {
        id: "volume".into(),
        heading: t.get("reports-volume"),
        lead: t.get("reports-volume-lead"),
        chart: chart(
            "volume-chart",
            t.get("reports-volume-chart"),
            t.with1("reports-volume-desc", "busiest", busiest),
            &day_totals,
        ),
        tables: vec![
            Table { caption: t.get("reports-errands-by-day"), head: head.clone(), rows: per_day(&errands) },
            Table { caption: t.get("reports-contacts-by-day"), head, rows: per_day(&contacts) },
            Table {
                caption: t.get("reports-by-hour"),
                head: vec![t.get("reports-col-hour"), t.get("reports-errands"), t.get("reports-contacts")],
                rows: hours
                    .iter()
                    .enumerate()
                    .map(|(h, (e, c))| (format!("{h:02}–{:02}", h + 1), vec![n(t, *e), n(t, *c)]))
                    .collect(),
            },
        ],
    }
}

fn first_contact(t: &Tr, r: &Report) -> Figure {
    let contacts: u64 = r.contact_outcomes.iter().map(|(_, n)| n).sum();
    let on_spot = r.contact_outcomes.iter().find(|(o, _)| o == "resolved").map_or(0, |(_, n)| *n);
    let resolved: u64 = r.resolutions.iter().map(|(x, _)| x.resolved).sum();
    let first: u64 = r.resolutions.iter().map(|(x, _)| x.first_reply).sum();
    Figure {
        id: "fcr".into(),
        heading: t.get("reports-fcr"),
        lead: t.get("reports-fcr-lead"),
        chart: None,
        tables: vec![Table {
            caption: t.get("reports-fcr"),
            head: vec![
                t.get("reports-col-what"),
                t.get("reports-col-of"),
                t.get("reports-col-count"),
                t.get("reports-col-share"),
            ],
            rows: vec![
                (t.get("reports-fcr-contacts"), vec![n(t, contacts), n(t, on_spot), share(t, on_spot, contacts)]),
                (t.get("reports-fcr-errands"), vec![n(t, resolved), n(t, first), share(t, first, resolved)]),
            ],
        }],
    }
}

fn sla(t: &Tr, r: &Report, services: &[Choice]) -> Figure {
    let name = |code: &str| services.iter().find(|s| s.value == code).map_or(code.to_owned(), |s| s.label.clone());
    let rows = r
        .resolutions
        .iter()
        .map(|(x, has_sla)| {
            let (within, rate) = match has_sla {
                true => (
                    n(t, x.resolved - x.breached.min(x.resolved)),
                    share(t, x.resolved - x.breached.min(x.resolved), x.resolved),
                ),
                false => ("–".into(), t.get("reports-no-target")),
            };
            let days = x.handle_seconds as f64 / x.resolved.max(1) as f64 / 86_400.0;
            (name(&x.service), vec![n(t, x.resolved), within, rate, num(t.lang, days, 1)])
        })
        .collect();
    Figure {
        id: "sla".into(),
        heading: t.get("reports-sla"),
        lead: t.get("reports-sla-lead"),
        chart: None,
        tables: vec![Table {
            caption: t.get("reports-sla"),
            head: vec![
                t.get("reports-col-service"),
                t.get("reports-col-resolved"),
                t.get("reports-col-within"),
                t.get("reports-col-share"),
                t.get("reports-col-days"),
            ],
            rows,
        }],
    }
}

fn self_service(t: &Tr, r: &Report) -> Figure {
    let (visitors, helpful, deflected) = r.self_service;
    let phone: u64 = r.volume.iter().filter(|v| v.channel == "phone").map(|v| v.contacts).sum();
    Figure {
        id: "self-service".into(),
        heading: t.get("reports-self-service"),
        lead: t.get("reports-self-service-lead"),
        chart: None,
        tables: vec![Table {
            caption: t.get("reports-self-service"),
            head: vec![t.get("reports-col-what"), t.get("reports-col-count")],
            rows: vec![
                (t.get("reports-visitors"), vec![n(t, visitors)]),
                (t.get("reports-helpful"), vec![n(t, helpful)]),
                (t.get("reports-deflected"), vec![n(t, deflected)]),
                (t.get("reports-phone"), vec![n(t, phone)]),
            ],
        }],
    }
}

/// The report's sections, in order.
pub(super) fn figures(t: &Tr, r: &Report, services: &[Choice]) -> Vec<Figure> {
    vec![backlog(t, r), volume(t, r), first_contact(t, r), sla(t, r, services), self_service(t, r)]
}
