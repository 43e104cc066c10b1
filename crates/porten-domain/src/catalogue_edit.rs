//! Units and services as an administrator edits them in the browser
//! (issue 20): the forms as typed, checked and applied onto what the
//! catalogue holds, so that what a form does not show is kept.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::assignment::{Routing, Strategy};
use crate::catalogue::{Service, Unit, UnitCode};
use crate::errand::Priority;
use crate::sla::{Sla, Targets};
use crate::validation::Violations;

/// Most business hours a target may name (about five working years).
pub const MAX_TARGET_HOURS: u32 = 10_000;

/// The most active errands per person a unit may set.
pub const MAX_OPEN_CAP: u32 = 1_000;

/// The service form as typed. SLA fields are hours per priority:
/// `sla_<priority>_first` and `sla_<priority>_resolution`; an empty normal
/// resolution target means the service has no SLA.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RawServiceEdit {
    #[serde(default)]
    pub name_sv: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub description_sv: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub processing_time_sv: String,
    #[serde(default)]
    pub processing_time_en: String,
    #[serde(default)]
    pub unit: String,
    /// A skill's code, or empty for none.
    #[serde(default)]
    pub skill: String,
    #[serde(default)]
    pub warn_percent: String,
    /// `on` when its errands are public reports in Open311's list (only a
    /// service with an Open311 code can be).
    #[serde(default)]
    pub public_reports: String,
    /// Hours by field name (`sla_normal_first`, …).
    #[serde(flatten)]
    pub targets: BTreeMap<String, String>,
}

fn target_field(priority: Priority, which: &str) -> String {
    format!("sla_{}_{which}", priority.as_str())
}

impl RawServiceEdit {
    /// The form filled in with what the catalogue holds.
    pub fn from_service(s: &Service) -> Self {
        let mut targets = BTreeMap::new();
        if let Some(sla) = &s.sla {
            let mut put = |p: Priority, t: &Targets| {
                targets.insert(target_field(p, "resolution"), t.resolution_hours.to_string());
                if let Some(first) = t.first_response_hours {
                    targets.insert(target_field(p, "first"), first.to_string());
                }
            };
            put(Priority::Normal, &sla.normal);
            for (p, t) in &sla.by_priority {
                put(*p, t);
            }
        }
        Self {
            name_sv: s.name_sv.clone(),
            name_en: s.name_en.clone(),
            description_sv: s.description_sv.clone(),
            description_en: s.description_en.clone(),
            processing_time_sv: s.processing_time_sv.clone().unwrap_or_default(),
            processing_time_en: s.processing_time_en.clone().unwrap_or_default(),
            unit: s.unit.as_str().to_owned(),
            skill: s.skill.clone().unwrap_or_default(),
            warn_percent: s.sla.as_ref().map(|x| x.warn_percent.to_string()).unwrap_or_default(),
            public_reports: if s.public_reports { "on".into() } else { String::new() },
            targets,
        }
    }

    /// What was typed into one SLA field.
    pub fn target(&self, priority: Priority, which: &str) -> &str {
        self.targets.get(&target_field(priority, which)).map_or("", |s| s.trim())
    }

    /// `base` with the form applied: the unit and skill must exist
    /// (`unit_exists`, `skill_exists`); every problem is named.
    pub fn apply(
        &self,
        base: &Service,
        unit_exists: impl Fn(&str) -> bool,
        skill_exists: impl Fn(&str) -> bool,
    ) -> Result<Service, Violations> {
        let mut v = Violations::new();
        let mut s = base.clone();
        s.name_sv = v.text("name_sv", &self.name_sv, 200).unwrap_or_default();
        s.name_en = v.text("name_en", &self.name_en, 200).unwrap_or_default();
        s.description_sv = v.text("description_sv", &self.description_sv, 2_000).unwrap_or_default();
        s.description_en = v.text("description_en", &self.description_en, 2_000).unwrap_or_default();
        s.processing_time_sv = v.optional_text("processing_time_sv", Some(&self.processing_time_sv), 300);
        s.processing_time_en = v.optional_text("processing_time_en", Some(&self.processing_time_en), 300);
        match UnitCode::parse(self.unit.trim()) {
            Ok(u) if unit_exists(u.as_str()) => s.unit = u,
            _ => v.push("unit", "unknown", "choose a unit"),
        }
        s.skill = match self.skill.trim() {
            "" => None,
            code if skill_exists(code) => Some(code.to_owned()),
            _ => {
                v.push("skill", "unknown", "choose a skill or none");
                None
            }
        };
        s.public_reports = self.public_reports == "on" && base.open311_code.is_some();
        s.sla = self.sla(base.sla.as_ref(), &mut v);
        if v.is_empty() {
            s.validate()?;
        }
        v.into_result(s)
    }

    fn sla(&self, base: Option<&Sla>, v: &mut Violations) -> Option<Sla> {
        let hours = |v: &mut Violations, p: Priority, which: &str| -> Option<u32> {
            let field = target_field(p, which);
            match self.target(p, which) {
                "" => None,
                typed => match typed.parse::<u32>() {
                    Ok(h) if (1..=MAX_TARGET_HOURS).contains(&h) => Some(h),
                    _ => {
                        v.push(&field, "invalid", format!("whole hours from 1 to {MAX_TARGET_HOURS}"));
                        None
                    }
                },
            }
        };
        let mut targets = BTreeMap::new();
        for p in Priority::ALL {
            let first = hours(v, p, "first");
            match (hours(v, p, "resolution"), first) {
                (Some(resolution), _) => {
                    if first.is_some_and(|f| f > resolution) {
                        v.push(target_field(p, "first"), "too_late", "the first answer comes before the resolution");
                    }
                    targets.insert(p, Targets { first_response_hours: first, resolution_hours: resolution });
                }
                // Typed but not a number is already named; only an empty one is missing.
                (None, Some(_)) if self.target(p, "resolution").is_empty() => {
                    v.push(target_field(p, "resolution"), "required", "a resolution target");
                }
                (None, _) => {}
            }
        }
        let normal = match targets.remove(&Priority::Normal) {
            Some(normal) => normal,
            None if targets.is_empty() => return None,
            None if !self.target(Priority::Normal, "resolution").is_empty() => return None,
            None => {
                v.push(target_field(Priority::Normal, "resolution"), "required", "the normal target comes first");
                return None;
            }
        };
        let warn_percent = match self.warn_percent.trim() {
            "" => base.map_or(75, |b| b.warn_percent),
            typed => match typed.parse::<u8>() {
                Ok(p) if (1..=99).contains(&p) => p,
                _ => {
                    v.push("warn_percent", "invalid", "a percentage from 1 to 99");
                    75
                }
            },
        };
        Some(Sla { normal, by_priority: targets, warn_percent })
    }
}

/// The unit form as typed: names and how errands are handed out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RawUnitEdit {
    #[serde(default)]
    pub name_sv: String,
    #[serde(default)]
    pub name_en: String,
    /// `manual`, `round_robin` or `fewest_open`.
    #[serde(default)]
    pub strategy: String,
    /// Active errands per person before new ones wait; empty for no cap.
    #[serde(default)]
    pub max_open: String,
}

impl RawUnitEdit {
    /// `base` with the form applied; every problem named.
    pub fn apply(&self, base: &Unit) -> Result<Unit, Violations> {
        let mut v = Violations::new();
        let mut u = base.clone();
        u.name_sv = v.text("name_sv", &self.name_sv, 200).unwrap_or_default();
        u.name_en = v.text("name_en", &self.name_en, 200).unwrap_or_default();
        let strategy = Strategy::ALL.into_iter().find(|s| s.as_str() == self.strategy.trim());
        if strategy.is_none() {
            v.push("strategy", "invalid", "manual, round_robin or fewest_open");
        }
        let max_open = match self.max_open.trim() {
            "" => None,
            typed => match typed.parse::<u32>() {
                Ok(n) if (1..=MAX_OPEN_CAP).contains(&n) => Some(n),
                _ => {
                    v.push("max_open", "invalid", format!("a whole number from 1 to {MAX_OPEN_CAP}, or empty"));
                    None
                }
            },
        };
        u.routing = Routing { strategy: strategy.unwrap_or_default(), max_open };
        v.into_result(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Audience;
    use crate::errand::Channel;

    fn service() -> Service {
        Service {
            code: "pothole".into(),
            unit: UnitCode::parse("TK").unwrap(),
            name_sv: "Hål i gatan".into(),
            name_en: "Pothole".into(),
            description_sv: "Anmäl hål.".into(),
            description_en: "Report a pothole.".into(),
            audiences: vec![Audience::Resident],
            channels: vec![Channel::Web],
            open311_code: Some("pothole".into()),
            public_reports: false,
            confidential: false,
            status_names_sv: BTreeMap::new(),
            status_names_en: BTreeMap::new(),
            keywords: vec!["potthål".into()],
            processing_time_sv: None,
            processing_time_en: None,
            sla: Some(Sla {
                normal: Targets { first_response_hours: Some(8), resolution_hours: 40 },
                by_priority: BTreeMap::from([(
                    Priority::Urgent,
                    Targets { first_response_hours: None, resolution_hours: 4 },
                )]),
                warn_percent: 80,
            }),
            skill: None,
        }
    }

    #[test]
    fn a_service_form_round_trips_and_keeps_what_it_does_not_show() {
        let base = service();
        let raw = RawServiceEdit::from_service(&base);
        assert_eq!((raw.target(Priority::Normal, "first"), raw.target(Priority::Urgent, "resolution")), ("8", "4"));
        let same = raw.apply(&base, |_| true, |_| true).unwrap();
        assert_eq!(same, base, "an unchanged form changes nothing");

        let mut changed = raw.clone();
        changed.name_sv = " Potthål ".into();
        changed.targets.insert("sla_high_resolution".into(), "16".into());
        changed.targets.remove("sla_urgent_resolution");
        let s = changed.apply(&base, |_| true, |_| true).unwrap();
        assert_eq!(s.name_sv, "Potthål");
        let sla = s.sla.unwrap();
        assert_eq!(sla.by_priority.keys().copied().collect::<Vec<_>>(), [Priority::High]);
        assert_eq!(
            (sla.warn_percent, s.keywords, s.open311_code.as_deref()),
            (80, vec!["potthål".to_owned()], Some("pothole"))
        );

        let mut public = raw.clone();
        public.public_reports = "on".into();
        assert!(public.apply(&base, |_| true, |_| true).unwrap().public_reports, "its errands listed in Open311");
        let without_code = Service { open311_code: None, ..base.clone() };
        assert!(!public.apply(&without_code, |_| true, |_| true).unwrap().public_reports, "only with an Open311 code");

        let mut none = raw;
        none.targets.clear();
        assert_eq!(none.apply(&base, |_| true, |_| true).unwrap().sla, None, "no targets, no SLA");
    }

    #[test]
    fn a_bad_service_form_names_every_problem() {
        let base = service();
        let mut raw = RawServiceEdit::from_service(&base);
        raw.name_en = " ".into();
        raw.unit = "XX".into();
        raw.skill = "okänd".into();
        raw.warn_percent = "100".into();
        raw.targets.insert("sla_normal_first".into(), "50".into());
        raw.targets.insert("sla_low_first".into(), "2".into());
        raw.targets.insert("sla_high_resolution".into(), "tre".into());
        let v = raw.apply(&base, |u| u == "TK", |_| false).unwrap_err();
        let got: Vec<_> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            got,
            [
                ("name_en", "required"),
                ("unit", "unknown"),
                ("skill", "unknown"),
                ("sla_low_resolution", "required"),
                ("sla_normal_first", "too_late"),
                ("sla_high_resolution", "invalid"),
                ("warn_percent", "invalid"),
            ]
        );
        raw = RawServiceEdit::from_service(&base);
        raw.targets.remove("sla_normal_resolution");
        raw.targets.remove("sla_normal_first");
        let v = raw.apply(&base, |_| true, |_| true).unwrap_err();
        assert_eq!(v.0[0].field, "sla_normal_resolution", "a priority's target needs the normal one");
    }

    #[test]
    fn a_target_typed_wrong_is_named_once() {
        let base = service();
        let mut raw = RawServiceEdit::from_service(&base);
        raw.targets.insert("sla_low_first".into(), "2".into());
        raw.targets.insert("sla_low_resolution".into(), "x".into());
        raw.targets.insert("sla_normal_resolution".into(), "fyrtio".into());
        let v = raw.apply(&base, |_| true, |_| true).unwrap_err();
        let got: Vec<_> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(got, [("sla_low_resolution", "invalid"), ("sla_normal_resolution", "invalid")]);
    }

    #[test]
    fn a_unit_form_sets_names_and_routing() {
        let base = Unit {
            code: UnitCode::parse("KC").unwrap(),
            name_sv: "Kontaktcenter".into(),
            name_en: "Contact centre".into(),
            contact_center: true,
            routing: Routing::default(),
        };
        let raw = |strategy: &str, max: &str| RawUnitEdit {
            name_sv: "Kontaktcenter".into(),
            name_en: "Contact center".into(),
            strategy: strategy.into(),
            max_open: max.into(),
        };
        let u = raw("round_robin", "15").apply(&base).unwrap();
        assert_eq!(
            (u.name_en.as_str(), u.routing),
            ("Contact center", Routing { strategy: Strategy::RoundRobin, max_open: Some(15) })
        );
        assert!(u.contact_center, "kept");
        let v = raw("lottery", "0").apply(&base).unwrap_err();
        assert_eq!(v.0.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["strategy", "max_open"]);
    }
}
