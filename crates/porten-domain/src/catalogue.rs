//! Units (*förvaltningar*) and the service catalogue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::errand::Channel;
use crate::lifecycle::{Lifecycle, Viewer};
use crate::validation::Violations;

/// The short code of a unit, 2–5 upper-case ASCII letters (`UTF`, `KC`).
/// It is the first part of every registry number the unit issues.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a unit code is 2–5 upper-case letters A–Z")]
pub struct InvalidUnitCode;

impl UnitCode {
    pub fn parse(s: &str) -> Result<Self, InvalidUnitCode> {
        if (2..=5).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidUnitCode)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl From<UnitCode> for String {
    fn from(c: UnitCode) -> String {
        c.0
    }
}
impl TryFrom<String> for UnitCode {
    type Error = InvalidUnitCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UnitCode::parse(&s)
    }
}

/// An administration (*förvaltning*). The contact center is a unit too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub code: UnitCode,
    pub name_sv: String,
    pub name_en: String,
    /// True for the contact center (*kontaktcenter*), the first line for all channels.
    pub contact_center: bool,
    /// How new errands are handed to the unit's staff.
    #[serde(default)]
    pub routing: crate::assignment::Routing,
}

/// A skill (*kompetens*) a queue needs: the contact center's "e-tjänst
/// och e-legitimation" or "företag". Services name the skill their errands
/// need; each skill is a queue of the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skill {
    /// Lower-case kebab-case, e.g. `eservice-eid`.
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
}

/// Whether `code` is a code of the catalogue (services, skills): 1–64
/// characters a–z, 0–9 and `-`.
pub fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Skill {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        if !is_code(&self.code) {
            v.push("code", "invalid", "must be 1–64 characters a–z, 0–9 and -");
        }
        v.text("name_sv", &self.name_sv, 200);
        v.text("name_en", &self.name_en, 200);
        v.into_result(())
    }
}

/// Who a service is for; the portal groups its content by these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Resident,
    Parent,
    Pupil,
    Business,
    Senior,
}

impl Audience {
    pub const ALL: [Audience; 5] = [Self::Resident, Self::Parent, Self::Pupil, Self::Business, Self::Senior];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Parent => "parent",
            Self::Pupil => "pupil",
            Self::Business => "business",
            Self::Senior => "senior",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A catalogue service: a kind of errand the city handles, often with an
/// e-service (*e-tjänst*) for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// Stable lower-case kebab-case code, e.g. `street-light-fault`.
    pub code: String,
    pub unit: UnitCode,
    pub name_sv: String,
    pub name_en: String,
    pub description_sv: String,
    pub description_en: String,
    pub audiences: Vec<Audience>,
    pub channels: Vec<Channel>,
    /// The Open311 GeoReport v2 `service_code`, when the service takes fault reports.
    pub open311_code: Option<String>,
    /// Errands of this service are secret (*sekretess*) by default.
    pub confidential: bool,
    /// Its errands are public reports (street and park faults): Open311's
    /// public list of requests shows them, masked and without names.
    #[serde(default)]
    pub public_reports: bool,
    /// The service's own citizen words for lifecycle states (*Åtgärdas*),
    /// in Swedish and English, for the same states. They replace the
    /// default citizen words on every citizen surface; staff always see
    /// the staff words, so one queue reads alike across services.
    pub status_names_sv: BTreeMap<Lifecycle, String>,
    #[serde(default)]
    pub status_names_en: BTreeMap<Lifecycle, String>,
    /// Words citizens use for the service (*sökord*), for search.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// How long handling takes, in a sentence (*handläggningstid*).
    #[serde(default)]
    pub processing_time_sv: Option<String>,
    #[serde(default)]
    pub processing_time_en: Option<String>,
    /// Service-level targets in business hours; the resolution target is
    /// also the citizen's promise ("besked senast …").
    #[serde(default)]
    pub sla: Option<crate::sla::Sla>,
    /// The skill its errands need (a [`Skill`]'s code), for the skill queues.
    #[serde(default)]
    pub skill: Option<String>,
}

impl Service {
    /// The words `viewer` reads for `state` of this service's errands, `(sv, en)`.
    pub fn status_words(&self, state: Lifecycle, viewer: Viewer) -> (&str, &str) {
        let (sv, en) = state.words(viewer);
        match viewer {
            Viewer::Staff => (sv, en),
            Viewer::Citizen => (
                self.status_names_sv.get(&state).map_or(sv, String::as_str),
                self.status_names_en.get(&state).map_or(en, String::as_str),
            ),
        }
    }
}

/// The words `viewer` reads for `state`, `(sv, en)`: the service's own, if
/// the catalogue still has the service, else the defaults.
pub fn status_words(service: Option<&Service>, state: Lifecycle, viewer: Viewer) -> (&str, &str) {
    service.map_or_else(|| state.words(viewer), |s| s.status_words(state, viewer))
}

impl Service {
    /// Validates a service definition as a whole.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        if !is_code(&self.code) {
            v.push("code", "invalid", "must be 1–64 characters a–z, 0–9 and -");
        }
        if self.skill.as_deref().is_some_and(|s| !is_code(s)) {
            v.push("skill", "invalid", "must be a skill's code: 1–64 characters a–z, 0–9 and -");
        }
        v.text("name_sv", &self.name_sv, 200);
        v.text("name_en", &self.name_en, 200);
        if self.audiences.is_empty() {
            v.push("audiences", "required", "must name at least one audience");
        }
        if self.channels.is_empty() {
            v.push("channels", "required", "must name at least one channel");
        }
        // A service's own words replace the defaults everywhere or nowhere:
        // in both languages for the same states, resolving never read as closing.
        if self.status_names_sv.keys().ne(self.status_names_en.keys()) {
            v.push("status_names_en", "mismatch", "name the same states in Swedish and English");
        }
        let words = |s| self.status_words(s, Viewer::Citizen);
        let (resolved, closed) = (words(Lifecycle::Resolved), words(Lifecycle::Closed));
        if resolved.0 == closed.0 || resolved.1 == closed.1 {
            v.push("status_names_sv", "ambiguous", "resolved and closed must not share a word");
        }
        for name in self.status_names_sv.values().chain(self.status_names_en.values()) {
            v.text("status_names", name, 60);
        }
        if let Some(sla) = &self.sla {
            let all = std::iter::once(&sla.normal).chain(sla.by_priority.values());
            if all.clone().any(|t| {
                t.resolution_hours == 0 || t.first_response_hours.is_some_and(|f| f == 0 || f > t.resolution_hours)
            }) {
                v.push("sla", "invalid", "targets are positive hours, the first response no later than the resolution");
            }
            if !(1..=99).contains(&sla.warn_percent) {
                v.push("sla.warn_percent", "out_of_range", "must be between 1 and 99");
            }
        }
        v.into_result(())
    }
}
