//! The planning page's form: its fieldsets and controls, the channel-shift
//! rows per service, and the error messages of its fields.

use super::*;

pub(super) struct Opt {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) selected: bool,
}

/// A form control: a text input when `options` is empty, else a select.
pub(super) struct Control {
    pub(super) id: String,
    pub(super) label: String,
    pub(super) hint: String,
    pub(super) value: String,
    pub(super) options: Vec<Opt>,
    /// The message shown by the field when its value is wrong (empty: none).
    pub(super) error: String,
}

pub(super) struct Fieldset {
    pub(super) legend: String,
    pub(super) controls: Vec<Control>,
}

/// One service's row of the channel-shift table: a share input per
/// scenario and the digital handle time.
pub(super) struct ShiftRow {
    pub(super) name: String,
    pub(super) share: String,
    pub(super) inputs: Vec<Control>,
}

/// The value a number field shows: what was typed, else the setting.
pub(super) fn shown(raw: &RawPlanningInput, lang: Lang, id: &str, value: Option<f64>) -> String {
    match raw.get(id) {
        Some(typed) => typed.to_owned(),
        None => value.map(|v| plain(lang, v)).unwrap_or_default(),
    }
}

pub(super) struct FormContext<'a> {
    pub(super) t: &'a Tr,
    pub(super) raw: &'a RawPlanningInput,
    pub(super) errors: &'a Violations,
}

impl FormContext<'_> {
    fn error(&self, id: &str) -> String {
        self.errors.0.iter().find(|v| v.field == id).map(|v| error_message(self.t, id, v.code)).unwrap_or_default()
    }

    fn text(&self, id: &str, value: Option<f64>) -> Control {
        Control {
            id: id.to_owned(),
            label: self.t.get(&format!("planning-{id}")),
            hint: self.t.get(&format!("planning-{id}-hint")),
            value: shown(self.raw, self.t.lang, id, value),
            options: Vec::new(),
            error: self.error(id),
        }
    }

    fn select(&self, id: &str, current: &str, options: Vec<(String, String)>) -> Control {
        let chosen = self.raw.get(id).unwrap_or(current).to_owned();
        Control {
            id: id.to_owned(),
            label: self.t.get(&format!("planning-{id}")),
            hint: self.t.get(&format!("planning-{id}-hint")),
            value: chosen.clone(),
            options: options
                .into_iter()
                .map(|(value, label)| Opt { selected: value == chosen, value, label })
                .collect(),
            error: self.error(id),
        }
    }
}

pub(super) fn week_label(t: &Tr, monday: NaiveDate) -> String {
    let sunday = monday + Duration::days(6);
    t.with(
        "planning-week-option",
        &[("week", monday.iso_week().week().to_string()), ("from", monday.to_string()), ("to", sunday.to_string())],
    )
}

pub(super) fn fieldsets(cx: &FormContext, input: &PlanningInput, today: NaiveDate, week: NaiveDate) -> Vec<Fieldset> {
    let t = cx.t;
    let channels =
        PLANNING_CHANNELS.iter().map(|c| (c.as_str().to_owned(), t.get(&format!("channel-{}", c.as_str())))).collect();
    let intervals = [15, 30, 60].iter().map(|m| (m.to_string(), t.with1("planning-minutes", "n", m.to_string())));
    let weeks = plannable_weeks(today).into_iter().map(|m| (m.to_string(), week_label(t, m))).collect();
    let hours = |range: std::ops::RangeInclusive<u32>| range.map(|h| (h.to_string(), format!("{h:02}:00"))).collect();
    let days = ["weekdays", "all"].iter().map(|d| ((*d).to_owned(), t.get(&format!("planning-days-{d}")))).collect();
    let days_now = match input.days {
        OpenDays::Weekdays => "weekdays",
        OpenDays::All => "all",
    };
    vec![
        Fieldset {
            legend: t.get("planning-legend-what"),
            controls: vec![
                cx.select("channel", input.channel.as_str(), channels),
                cx.select("week", &week.to_string(), weeks),
                cx.select("interval", &input.interval_minutes.to_string(), intervals.collect()),
            ],
        },
        Fieldset {
            legend: t.get("planning-legend-hours"),
            controls: vec![
                cx.select("opens", &input.opens.to_string(), hours(0..=23)),
                cx.select("closes", &input.closes.to_string(), hours(1..=24)),
                cx.select("days", days_now, days),
            ],
        },
        Fieldset {
            legend: t.get("planning-legend-goal"),
            controls: vec![
                cx.text("service_level", Some(input.service_level)),
                cx.text("target_seconds", Some(input.target_seconds)),
                cx.text("patience_seconds", input.patience_seconds),
                cx.text("max_abandon", input.max_abandon),
                cx.text("max_occupancy", input.max_occupancy),
            ],
        },
        Fieldset {
            legend: t.get("planning-legend-resources"),
            controls: vec![
                cx.text("aht_seconds", input.aht_seconds),
                cx.text("shrinkage", Some(input.shrinkage)),
                cx.text("cost_per_hour", Some(input.cost_per_hour)),
            ],
        },
    ]
}

/// A service's name in both languages.
pub(super) struct ServiceName {
    pub(super) sv: String,
    pub(super) en: String,
}

/// Service code → its names.
pub(super) type ServiceNames = BTreeMap<String, ServiceName>;

/// The name of a mix key in the page's language.
pub(super) fn service_name(t: &Tr, names: &ServiceNames, key: &str) -> String {
    if key == NO_SERVICE {
        return t.get("planning-no-service");
    }
    match names.get(key) {
        Some(name) => (if t.lang == Lang::Sv { &name.sv } else { &name.en }).clone(),
        None => key.to_owned(),
    }
}

pub(super) fn shift_rows(
    cx: &FormContext,
    input: &PlanningInput,
    mix: &[MixShare],
    names: &ServiceNames,
) -> Vec<ShiftRow> {
    let t = cx.t;
    mix.iter()
        .map(|m| {
            let name = service_name(t, names, &m.key);
            let mut inputs: Vec<Control> = (0..MAX_SCENARIOS)
                .map(|k| {
                    let id = format!("shift{}-{}", k + 1, m.key);
                    let value = input.scenarios[k].get(&m.key).copied();
                    Control {
                        label: t.with(
                            "planning-shift-label",
                            &[("scenario", (k + 1).to_string()), ("service", name.clone())],
                        ),
                        hint: String::new(),
                        value: shown(cx.raw, t.lang, &id, value),
                        options: Vec::new(),
                        error: cx.error(&id),
                        id,
                    }
                })
                .collect();
            let id = format!("digital-{}", m.key);
            inputs.push(Control {
                label: t.with1("planning-digital-label", "service", name.clone()),
                hint: String::new(),
                value: shown(cx.raw, t.lang, &id, Some(input.digital_aht_of(&m.key))),
                options: Vec::new(),
                error: cx.error(&id),
                id,
            });
            ShiftRow { name, share: percent(t.lang, m.share, 1), inputs }
        })
        .collect()
}

/// The error summary's message for a field (scenario fields share one).
pub(super) fn error_message(t: &Tr, field: &str, code: &str) -> String {
    if field.starts_with("shift") {
        return t.get("planning-error-shift");
    }
    if field.starts_with("digital-") {
        return t.get("planning-error-digital");
    }
    match (field, code) {
        ("max_abandon", "requires_patience") => return t.get("planning-error-max_abandon-patience"),
        ("closes", "invalid") => return t.get("planning-error-closes-choice"),
        _ => {}
    }
    t.get(&format!("planning-error-{field}"))
}
