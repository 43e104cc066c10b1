//! E-service definitions (*e-tjänster*): a declarative form per service,
//! one file each, in steps of typed fields with texts in Swedish and English.
//!
//! A definition is read from its raw form ([`RawDefinition`], what a file
//! holds) by [`Definition::parse`], which reports every problem at once with
//! the path of the field (`steps[1].fields[0].show_if.field`). A definition
//! carries a version: an errand keeps the version it was submitted with.
//! [`Definition::check_answers`] checks a citizen's answers against it, and
//! [`Definition::open311_attributes`] describes it as an Open311 service
//! definition.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::errand::PartyRole;
use crate::personnummer::{OrganisationNumber, PersonalIdentityNumber};
use crate::validation::Violations;

/// A text in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub sv: String,
    pub en: String,
}

/// The kinds of field an e-service can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Number,
    Date,
    Email,
    Phone,
    /// Personnummer or samordningsnummer, with check digit.
    Personnummer,
    Organisationsnummer,
    /// A street address as text (optionally with coordinates in a separate field).
    Address,
    /// A point as latitude and longitude in WGS 84 ("62.3908, 17.3069").
    Coordinates,
    SingleChoice,
    MultipleChoice,
    /// A box to tick, e.g. consent; required means it must be ticked.
    Checkbox,
    File,
}

impl FieldKind {
    /// The Open311 GeoReport v2 `datatype` of an attribute of this kind.
    pub fn open311_datatype(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Date => "datetime",
            Self::Textarea => "text",
            Self::SingleChoice | Self::Checkbox => "singlevaluelist",
            Self::MultipleChoice => "multivaluelist",
            Self::Text
            | Self::Email
            | Self::Phone
            | Self::Personnummer
            | Self::Organisationsnummer
            | Self::Address
            | Self::Coordinates => "string",
            Self::File => "string",
        }
    }

    fn has_options(self) -> bool {
        matches!(self, Self::SingleChoice | Self::MultipleChoice)
    }
}

/// One choice of a single- or multiple-choice field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// Shows a field only when an earlier field has this answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub equals: String,
}

/// A field as a definition file writes it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    pub name: String,
    pub kind: FieldKind,
    pub label: Text,
    pub help: Option<Text>,
    #[serde(default)]
    pub required: bool,
    pub show_if: Option<Condition>,
    #[serde(default)]
    pub options: Vec<Choice>,
    /// Longest answer, in characters (text kinds).
    pub max_length: Option<usize>,
    /// For a personnummer field: the role of the party it gives the
    /// errand (`concerned` when left out: *berörd*), and the field holding
    /// that person's name.
    pub party_role: Option<String>,
    pub party_name_field: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: String,
    pub title: Text,
    pub fields: Vec<RawField>,
}

/// A definition as its file holds it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefinition {
    pub service_code: String,
    pub version: u32,
    pub title: Text,
    pub intro: Text,
    /// The fields whose answers make the errand's title ("Potthål –
    /// Sjögatan 14"); by default the form's title and the first address.
    #[serde(default)]
    pub title_fields: Vec<String>,
    pub steps: Vec<RawStep>,
}

/// A checked field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    pub label: Text,
    pub help: Option<Text>,
    pub required: bool,
    pub show_if: Option<Condition>,
    pub options: Vec<Choice>,
    pub max_length: usize,
    /// For a personnummer field: the party its answer makes of the person
    /// (a personnummer is kept once, in a party, never in the answers).
    pub party: Option<PartyOf>,
}

/// The party a personnummer field gives the errand: its role, and the
/// field whose answer is the person's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyOf {
    pub role: PartyRole,
    pub name_field: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub title: Text,
    pub fields: Vec<Field>,
}

/// A checked e-service definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub service_code: String,
    pub version: u32,
    pub title: Text,
    pub intro: Text,
    /// See [`RawDefinition::title_fields`].
    pub title_fields: Vec<String>,
    pub steps: Vec<Step>,
}

/// Longest text answer when a field sets no limit.
pub const DEFAULT_MAX_LENGTH: usize = 2_000;
/// Longest answer any field may allow.
pub const MAX_LENGTH: usize = 20_000;

/// A citizen's answers by field name; a multiple choice may have several.
pub type Answers = BTreeMap<String, Vec<String>>;

/// One Open311 GeoReport v2 service-definition attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Open311Attribute {
    pub variable: bool,
    pub code: String,
    pub datatype: &'static str,
    pub required: bool,
    pub datatype_description: String,
    pub order: usize,
    pub description: String,
    /// `(key, name)` of each value of a list.
    pub values: Vec<(String, String)>,
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_text(v: &mut Violations, path: &str, text: &Text) {
    for (lang, t) in [("sv", &text.sv), ("en", &text.en)] {
        if t.trim().is_empty() {
            v.push(format!("{path}.{lang}"), "required", "must not be empty");
        }
    }
}

impl Definition {
    /// An answer as a reader sees it: a choice's label (Swedish or
    /// English) instead of its code; other answers as given.
    pub fn answer_text(&self, field: &str, answer: &str, english: bool) -> String {
        let Some(f) = self.fields().find(|f| f.name == field && f.kind.has_options()) else {
            return answer.to_owned();
        };
        answer
            .split(", ")
            .map(|code| match f.options.iter().find(|o| o.value == code) {
                Some(o) if english => o.label.en.as_str(),
                Some(o) => o.label.sv.as_str(),
                None => code,
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The title of an errand submitted with these answers: the answers of
    /// [`Definition::title_fields`] (choices by their Swedish label), or
    /// the form's title and the first address given, joined by " – ".
    pub fn errand_title(&self, answers: &Answers) -> String {
        let answer = |name: &str| {
            answers.get(name).filter(|a| !a.is_empty()).map(|a| self.answer_text(name, &a.join(", "), false))
        };
        let parts: Vec<String> = if self.title_fields.is_empty() {
            let address = self.fields().find(|f| f.kind == FieldKind::Address).and_then(|f| answer(&f.name));
            std::iter::once(self.title.sv.clone()).chain(address).collect()
        } else {
            self.title_fields.iter().filter_map(|n| answer(n)).collect()
        };
        let title = parts.join(" – ");
        let title = if title.trim().is_empty() { self.title.sv.clone() } else { title };
        title.chars().take(crate::errand::MAX_TITLE).collect()
    }

    /// Where an errand submitted with these answers is: the first address
    /// answer, and the first coordinates answer (both only when shown).
    pub fn location(&self, answers: &Answers) -> Option<crate::Location> {
        let first = |kind: FieldKind| {
            self.fields()
                .filter(|f| f.kind == kind && self.shown(f, answers))
                .find_map(|f| answers.get(&f.name).and_then(|a| a.first()).filter(|a| !a.trim().is_empty()))
        };
        let address = first(FieldKind::Address).map(|a| a.trim().chars().take(crate::location::MAX_ADDRESS).collect());
        let point = first(FieldKind::Coordinates).and_then(|c| crate::location::parse_coordinates(c));
        (address.is_some() || point.is_some()).then_some(crate::Location { address, point, place_ref: None })
    }

    /// Checks a definition, reporting every problem with the path of its field.
    pub fn parse(raw: RawDefinition) -> Result<Definition, Violations> {
        let mut v = Violations::new();
        if !valid_name(&raw.service_code.replace('-', "_")) {
            v.push("service_code", "invalid", "a service code is lower-case letters, digits and dashes");
        }
        if raw.version == 0 {
            v.push("version", "invalid", "versions start at 1");
        }
        check_text(&mut v, "title", &raw.title);
        check_text(&mut v, "intro", &raw.intro);
        if raw.steps.is_empty() {
            v.push("steps", "required", "a definition needs at least one step");
        }
        // Field name → kind and choices, of the fields seen so far.
        let mut earlier: BTreeMap<&str, (FieldKind, BTreeSet<&str>)> = BTreeMap::new();
        let mut step_ids = BTreeSet::new();
        for (s, step) in raw.steps.iter().enumerate() {
            let at = format!("steps[{s}]");
            if !valid_name(&step.id) {
                v.push(format!("{at}.id"), "invalid", "an id is lower-case letters, digits and underscores");
            } else if !step_ids.insert(step.id.as_str()) {
                v.push(format!("{at}.id"), "duplicate", "another step has this id");
            }
            check_text(&mut v, &format!("{at}.title"), &step.title);
            if step.fields.is_empty() {
                v.push(format!("{at}.fields"), "required", "a step needs at least one field");
            }
            for (f, field) in step.fields.iter().enumerate() {
                let at = format!("{at}.fields[{f}]");
                if !valid_name(&field.name) {
                    v.push(format!("{at}.name"), "invalid", "a name is lower-case letters, digits and underscores");
                } else if earlier.contains_key(field.name.as_str()) {
                    v.push(format!("{at}.name"), "duplicate", "another field has this name");
                }
                check_text(&mut v, &format!("{at}.label"), &field.label);
                if let Some(help) = &field.help {
                    check_text(&mut v, &format!("{at}.help"), help);
                }
                let values: BTreeSet<&str> = field.options.iter().map(|c| c.value.as_str()).collect();
                match (field.kind.has_options(), field.options.is_empty()) {
                    (true, true) => v.push(format!("{at}.options"), "required", "a choice needs options"),
                    (false, false) => v.push(format!("{at}.options"), "invalid", "only choices have options"),
                    _ => {}
                }
                if values.len() != field.options.len() {
                    v.push(format!("{at}.options"), "duplicate", "two options have the same value");
                }
                for (o, option) in field.options.iter().enumerate() {
                    check_text(&mut v, &format!("{at}.options[{o}].label"), &option.label);
                }
                if field.max_length.is_some_and(|m| m == 0 || m > MAX_LENGTH) {
                    v.push(format!("{at}.max_length"), "invalid", format!("must be 1 to {MAX_LENGTH}"));
                }
                let is_personnummer = field.kind == FieldKind::Personnummer;
                if field.party_role.as_deref().is_some_and(|r| PartyRole::parse(r).is_none()) {
                    v.push(
                        format!("{at}.party_role"),
                        "invalid",
                        "a party role: applicant, reporter, contact or concerned",
                    );
                }
                if !is_personnummer && (field.party_role.is_some() || field.party_name_field.is_some()) {
                    v.push(format!("{at}.party_role"), "invalid", "only a personnummer field gives a party");
                }
                if let Some(name) = &field.party_name_field
                    && !earlier.contains_key(name.as_str())
                {
                    v.push(format!("{at}.party_name_field"), "unknown", "must name a field that comes earlier");
                }
                if let Some(cond) = &field.show_if {
                    match earlier.get(cond.field.as_str()) {
                        None => {
                            v.push(format!("{at}.show_if.field"), "unknown", "must name a field that comes earlier")
                        }
                        Some((kind, choices)) if kind.has_options() && !choices.contains(cond.equals.as_str()) => {
                            v.push(format!("{at}.show_if.equals"), "unknown", "is not one of that field's options")
                        }
                        Some(_) => {}
                    }
                }
                earlier.insert(&field.name, (field.kind, values));
            }
        }
        for (i, name) in raw.title_fields.iter().enumerate() {
            if !earlier.contains_key(name.as_str()) {
                v.push(format!("title_fields[{i}]"), "unknown", "names no field of this definition");
            }
        }
        v.into_result(())?;
        Ok(Definition {
            service_code: raw.service_code,
            version: raw.version,
            title: raw.title,
            intro: raw.intro,
            title_fields: raw.title_fields,
            steps: raw
                .steps
                .into_iter()
                .map(|s| Step {
                    id: s.id,
                    title: s.title,
                    fields: s
                        .fields
                        .into_iter()
                        .map(|f| Field {
                            party: (f.kind == FieldKind::Personnummer).then(|| PartyOf {
                                role: f
                                    .party_role
                                    .as_deref()
                                    .and_then(PartyRole::parse)
                                    .unwrap_or(PartyRole::Concerned),
                                name_field: f.party_name_field,
                            }),
                            max_length: f.max_length.unwrap_or(DEFAULT_MAX_LENGTH),
                            name: f.name,
                            kind: f.kind,
                            label: f.label,
                            help: f.help,
                            required: f.required,
                            show_if: f.show_if,
                            options: f.options,
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.steps.iter().flat_map(|s| &s.fields)
    }

    /// Whether `field` is shown for these answers (its condition holds).
    pub fn shown(&self, field: &Field, answers: &Answers) -> bool {
        field.show_if.as_ref().is_none_or(|c| answers.get(&c.field).is_some_and(|a| a.contains(&c.equals)))
    }

    /// Checks the answers to the fields of `step` (all steps when `None`),
    /// reporting every problem by field name. Hidden fields are not checked;
    /// files are checked where they are uploaded. Messages never echo an
    /// answer, which may be personal data.
    pub fn check_answers(&self, answers: &Answers, step: Option<&str>) -> Result<(), Violations> {
        let mut v = Violations::new();
        let steps = self.steps.iter().filter(|s| step.is_none_or(|id| s.id == id));
        for field in steps.flat_map(|s| &s.fields).filter(|f| self.shown(f, answers)) {
            let given: Vec<&str> = answers
                .get(&field.name)
                .map(|a| a.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            let name = field.name.as_str();
            if given.is_empty() {
                if field.required {
                    v.push(name, "required", "must be answered");
                }
                continue;
            }
            if given.len() > 1 && field.kind != FieldKind::MultipleChoice {
                v.push(name, "invalid", "takes one answer");
                continue;
            }
            for answer in given {
                if answer.chars().count() > field.max_length {
                    v.push(name, "too_long", format!("must be at most {} characters", field.max_length));
                    continue;
                }
                let ok = match field.kind {
                    FieldKind::Number => answer.replace(',', ".").parse::<f64>().is_ok_and(f64::is_finite),
                    FieldKind::Date => NaiveDate::parse_from_str(answer, "%Y-%m-%d").is_ok(),
                    FieldKind::Email => crate::errand::is_plausible_email(answer) && answer.len() <= 254,
                    FieldKind::Phone => {
                        let digits = answer.chars().filter(char::is_ascii_digit).count();
                        (7..=15).contains(&digits) && answer.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
                    }
                    FieldKind::Personnummer => PersonalIdentityNumber::parse(answer).is_ok(),
                    FieldKind::Organisationsnummer => OrganisationNumber::parse(answer).is_ok(),
                    FieldKind::SingleChoice | FieldKind::MultipleChoice => {
                        field.options.iter().any(|o| o.value == answer)
                    }
                    FieldKind::Checkbox => answer == "yes",
                    FieldKind::Coordinates => crate::location::parse_coordinates(answer).is_some(),
                    FieldKind::Text | FieldKind::Textarea | FieldKind::Address | FieldKind::File => true,
                };
                if !ok {
                    v.push(name, "invalid", format!("is not a valid {}", field.kind.describe()));
                }
            }
        }
        v.into_result(())
    }

    /// The definition as Open311 service-definition attributes: every field
    /// but files becomes one, in order, with the Swedish texts.
    pub fn open311_attributes(&self) -> Vec<Open311Attribute> {
        self.fields()
            .filter(|f| f.kind != FieldKind::File)
            .enumerate()
            .map(|(i, f)| Open311Attribute {
                variable: true,
                code: f.name.clone(),
                datatype: f.kind.open311_datatype(),
                required: f.required && f.show_if.is_none(),
                datatype_description: f.help.as_ref().map(|h| h.sv.clone()).unwrap_or_default(),
                order: i + 1,
                description: f.label.sv.clone(),
                values: match f.kind {
                    FieldKind::Checkbox => vec![("yes".into(), "Ja".into())],
                    _ => f.options.iter().map(|o| (o.value.clone(), o.label.sv.clone())).collect(),
                },
            })
            .collect()
    }
}

impl FieldKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Date => "date (YYYY-MM-DD)",
            Self::Email => "e-mail address",
            Self::Phone => "phone number",
            Self::Personnummer => "personnummer or samordningsnummer",
            Self::Organisationsnummer => "organisationsnummer",
            Self::SingleChoice | Self::MultipleChoice => "choice",
            Self::Checkbox => "confirmation",
            Self::Coordinates => "latitude and longitude (WGS 84)",
            Self::Text | Self::Textarea | Self::Address | Self::File => "answer",
        }
    }
}

/// An uploaded file as a draft or an errand refers to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The e-service field it answers.
    pub field: String,
    /// The name it had on the citizen's computer (shown, never trusted).
    pub name: String,
    pub sha256: String,
    /// Found from the content, not the name.
    pub media_type: String,
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Text {
        Text { sv: format!("{s} (sv)"), en: format!("{s} (en)") }
    }

    fn field(name: &str, kind: FieldKind) -> RawField {
        RawField {
            name: name.into(),
            kind,
            label: text(name),
            help: None,
            required: true,
            show_if: None,
            options: vec![],
            max_length: None,
            party_role: None,
            party_name_field: None,
        }
    }

    #[test]
    fn an_errand_title_is_built_from_answers_with_choice_labels() {
        let mut raw = definition();
        let d = Definition::parse(raw.clone()).unwrap();
        let answers: Answers = [("has_sibling".to_owned(), vec!["yes".to_owned()])].into();
        assert_eq!(d.errand_title(&answers), "Förskoleplats (sv)", "no address: the form's title");
        assert_eq!(d.answer_text("has_sibling", "yes", true), "Ja (en)");
        assert_eq!(d.answer_text("has_sibling", "maybe", true), "maybe", "an unknown code stays");
        raw.title_fields = vec!["has_sibling".into(), "start".into()];
        let d = Definition::parse(raw.clone()).unwrap();
        let answers: Answers =
            [("has_sibling".to_owned(), vec!["no".to_owned()]), ("start".to_owned(), vec!["2027-08-01".to_owned()])]
                .into();
        assert_eq!(d.errand_title(&answers), "Nej (sv) – 2027-08-01");
        raw.title_fields = vec!["nothing".into()];
        assert_eq!(Definition::parse(raw).unwrap_err().0[0].field, "title_fields[0]");
    }

    #[test]
    fn the_first_address_and_coordinates_answers_are_the_errands_location() {
        let mut raw = definition();
        let mut place = field("place", FieldKind::Address);
        place.show_if = Some(Condition { field: "has_sibling".into(), equals: "yes".into() });
        raw.steps[1].fields.extend([place, field("where", FieldKind::Address), field("point", FieldKind::Coordinates)]);
        let d = Definition::parse(raw).unwrap();
        let given = answers(&[("place", "Dold gata 1"), ("where", " Sjögatan 14 "), ("point", "62,3908 17,3069")]);
        let location = d.location(&given).unwrap();
        assert_eq!(location.address.as_deref(), Some("Sjögatan 14"), "a hidden field's answer does not count");
        assert_eq!(location.point, Some(crate::Point { lat: 62.3908, long: 17.3069 }));
        assert_eq!(d.location(&answers(&[("has_sibling", "no")])), None, "no place given");
        let bad = d.check_answers(&answers(&[("point", "nära busshållplatsen")]), Some("family")).unwrap_err();
        assert!(bad.0.iter().any(|f| f.field == "point" && f.code == "invalid"), "{bad:?}");
    }

    fn definition() -> RawDefinition {
        let mut has_sibling = field("has_sibling", FieldKind::SingleChoice);
        has_sibling.options =
            vec![Choice { value: "yes".into(), label: text("Ja") }, Choice { value: "no".into(), label: text("Nej") }];
        let mut sibling = field("sibling_school", FieldKind::Text);
        sibling.show_if = Some(Condition { field: "has_sibling".into(), equals: "yes".into() });
        RawDefinition {
            service_code: "preschool-place".into(),
            version: 2,
            title: text("Förskoleplats"),
            intro: text("Ansök"),
            title_fields: Vec::new(),
            steps: vec![
                RawStep {
                    id: "child".into(),
                    title: text("Barnet"),
                    fields: vec![field("child_pnr", FieldKind::Personnummer), field("start", FieldKind::Date)],
                },
                RawStep {
                    id: "family".into(),
                    title: text("Familjen"),
                    fields: vec![has_sibling, sibling, field("email", FieldKind::Email)],
                },
            ],
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()])).collect()
    }

    #[test]
    fn every_problem_in_a_definition_is_named_by_its_path() {
        let mut raw = definition();
        raw.version = 0;
        raw.steps[1].fields[1].show_if = Some(Condition { field: "later_field".into(), equals: "x".into() });
        raw.steps[1].fields[0].options[1].value = "yes".into();
        raw.steps[0].fields[1].name = "child_pnr".into();
        raw.steps[1].title.en = " ".into();
        let v = Definition::parse(raw).unwrap_err();
        let paths: Vec<(&str, &str)> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            paths,
            [
                ("version", "invalid"),
                ("steps[0].fields[1].name", "duplicate"),
                ("steps[1].title.en", "required"),
                ("steps[1].fields[0].options", "duplicate"),
                ("steps[1].fields[1].show_if.field", "unknown"),
            ]
        );
    }

    #[test]
    fn answers_are_checked_by_kind_and_hidden_fields_are_skipped() {
        let d = Definition::parse(definition()).unwrap();
        let ok = answers(&[
            ("child_pnr", "20200312-2385"),
            ("start", "2027-01-10"),
            ("has_sibling", "no"),
            ("email", "anna@example.se"),
        ]);
        assert_eq!(d.check_answers(&ok, None), Ok(()), "the sibling question is hidden, so not required");
        let bad = answers(&[
            ("child_pnr", "20200312-2386"),
            ("start", "10/1 2027"),
            ("has_sibling", "yes"),
            ("email", "anna"),
        ]);
        let v = d.check_answers(&bad, None).unwrap_err();
        let got: Vec<(&str, &str)> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            got,
            [("child_pnr", "invalid"), ("start", "invalid"), ("sibling_school", "required"), ("email", "invalid")]
        );
        assert!(v.0.iter().all(|f| !f.message.contains("2386")), "no answer is echoed");
        assert_eq!(d.check_answers(&bad, Some("child")).unwrap_err().0.len(), 2, "one step at a time");
    }

    #[test]
    fn a_definition_maps_onto_open311_attributes() {
        let d = Definition::parse(definition()).unwrap();
        let attrs = d.open311_attributes();
        let codes: Vec<(&str, &str, bool)> = attrs.iter().map(|a| (a.code.as_str(), a.datatype, a.required)).collect();
        assert_eq!(
            codes,
            [
                ("child_pnr", "string", true),
                ("start", "datetime", true),
                ("has_sibling", "singlevaluelist", true),
                ("sibling_school", "string", false),
                ("email", "string", true),
            ]
        );
        assert_eq!(
            attrs[2].values,
            [("yes".to_owned(), "Ja (sv)".to_owned()), ("no".to_owned(), "Nej (sv)".to_owned())]
        );
        assert_eq!(attrs.iter().map(|a| a.order).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    }
}
