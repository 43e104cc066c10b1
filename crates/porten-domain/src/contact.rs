//! Contacts logged by the contact center (*kontaktlogg*).
//!
//! Every phone call, visit, e-mail or chat the contact center handles is
//! logged with its channel, what it was about (a service, general help, or
//! technical help with e-services and e-ID) and how it ended, but no personal
//! data: the log is statistics, the basis for dimensioning the contact
//! center and for measuring how contacts shift to e-services. A contact that
//! needs more than an answer becomes an errand, registered on its own.

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::{Channel, Violations};

/// The channels a contact can be logged for.
pub const LOGGED_CHANNELS: [Channel; 4] = [Channel::Phone, Channel::Visit, Channel::Email, Channel::Web];

/// Longest handle time that can be logged, minutes (a whole working day).
pub const MAX_HANDLE_MINUTES: u32 = 8 * 60;

/// How a logged contact ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactOutcome {
    /// Answered at first contact (*löst vid första kontakt*).
    Resolved,
    /// Referred to the responsible administration (*hänvisad*).
    Referred,
    /// An errand was registered (counted through the errand, not twice).
    Errand,
}

impl ContactOutcome {
    pub const ALL: [ContactOutcome; 3] = [Self::Resolved, Self::Referred, Self::Errand];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Referred => "referred",
            Self::Errand => "errand",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a contact counts as in volumes and channel shift.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactTopic {
    /// A question about one service of the catalogue (its code).
    Service(String),
    /// General information, not about one service.
    General,
    /// Technical help with an e-service or e-ID login (*teknisk support*).
    TechHelp,
}

impl ContactTopic {
    /// The code of the topic this is when no administrator made another:
    /// `general`, `tech_help` or `service:<code>` (the form's values).
    pub fn code(&self) -> String {
        match self {
            Self::Service(code) => format!("service:{code}"),
            Self::General => "general".into(),
            Self::TechHelp => "tech_help".into(),
        }
    }

    /// The inverse of [`ContactTopic::code`] for the classes themselves:
    /// `general`, `tech_help` or `service:<code>`.
    pub fn parse_class(s: &str) -> Option<Self> {
        match s {
            "general" => Some(Self::General),
            "tech_help" => Some(Self::TechHelp),
            s => s.strip_prefix("service:").filter(|c| !c.is_empty()).map(|c| Self::Service(c.to_owned())),
        }
    }
}

/// A topic of the contact log's managed taxonomy (*kontaktorsak*): what
/// agents choose from when they log a contact. The built-in topics are
/// `general`, `tech_help`, and one per service of the catalogue; an
/// administrator adds, renames, retires and merges them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicRecord {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    /// What its contacts count as in volumes and channel shift.
    pub counts_as: ContactTopic,
    /// No longer offered when a contact is logged; its history stays.
    pub retired: bool,
    /// The topic it was merged into, whose counts now include its history.
    pub merged_into: Option<String>,
}

/// The form that adds or renames a topic, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RawTopic {
    #[serde(default)]
    pub name_sv: String,
    #[serde(default)]
    pub name_en: String,
    /// `general`, `tech_help` or `service:<code>`.
    #[serde(default)]
    pub counts_as: String,
}

/// Longest topic name, characters.
pub const MAX_TOPIC_NAME: usize = 80;

impl RawTopic {
    /// The names, checked: Swedish required, English defaulting to it.
    pub fn names(&self, v: &mut Violations) -> Option<(String, String)> {
        let sv = v.text("name_sv", &self.name_sv, MAX_TOPIC_NAME)?;
        let en = v.optional_text("name_en", Some(&self.name_en), MAX_TOPIC_NAME).unwrap_or_else(|| sv.clone());
        Some((sv, en))
    }

    /// A new topic: its names, what it counts as (a service must exist),
    /// and a code made from the Swedish name (`topic:parkering`).
    pub fn parse_new(&self, service_exists: impl Fn(&str) -> bool) -> Result<TopicRecord, Violations> {
        let mut v = Violations::new();
        let names = self.names(&mut v);
        let counts_as = match ContactTopic::parse_class(self.counts_as.trim()) {
            Some(ContactTopic::Service(code)) if !service_exists(&code) => None,
            other => other,
        };
        if counts_as.is_none() {
            v.push("counts_as", "invalid", "general, tech_help or service:<code> of a service");
        }
        match (names, counts_as) {
            (Some((name_sv, name_en)), Some(counts_as)) if v.is_empty() => Ok(TopicRecord {
                code: format!("topic:{}", topic_slug(&name_sv)),
                name_sv,
                name_en,
                counts_as,
                retired: false,
                merged_into: None,
            }),
            _ => Err(v),
        }
    }
}

/// A code-safe form of a name: lower case ASCII letters and digits joined
/// by hyphens (å and ä become a, ö becomes o).
pub fn topic_slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'å' | 'ä' | 'à' | 'á' => 'a',
            'ö' | 'ø' | 'ó' => 'o',
            'é' | 'è' => 'e',
            'ü' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "amne".to_owned() } else { slug.chars().take(40).collect() }
}

/// The contact-log form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RawLoggedContact {
    pub channel: Option<String>,
    /// `general`, `tech_help` or `service:<code>`.
    pub topic: Option<String>,
    pub outcome: Option<String>,
    /// Whole minutes; empty when not timed.
    pub minutes: Option<String>,
    /// The registry number of the errand the contact concerned or led to.
    #[serde(default)]
    pub errand: Option<String>,
    /// The slug of the knowledge article that answered it on the spot.
    #[serde(default)]
    pub article: Option<String>,
}

/// What a logged contact is linked to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactLinks {
    pub errand: Option<crate::RegistryNumber>,
    pub article: Option<String>,
}

impl ContactLinks {
    /// The links as typed; an errand is required when the contact led to one.
    pub fn parse(raw: &RawLoggedContact) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let errand = match text(&raw.errand) {
            Some(n) => crate::RegistryNumber::parse_lenient(&n)
                .map_err(|_| v.push("errand", "invalid", "a registry number such as KC 2026/00012"))
                .ok(),
            None if raw.outcome.as_deref() == Some(ContactOutcome::Errand.as_str()) => {
                v.push("errand", "required", "give the registry number of the errand the contact led to");
                None
            }
            None => None,
        };
        // An article by its slug, or by its address as copied from the portal.
        let article =
            text(&raw.article).map(|a| a.rsplit("/kunskap/").next().unwrap_or(&a).trim_end_matches('/').to_owned());
        v.into_result(Self { errand, article })
    }
}

/// A validated logged contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedContact {
    pub channel: Channel,
    /// The topic chosen, by its code in the taxonomy ([`TopicRecord`]).
    pub topic_code: String,
    /// What the topic counts as.
    pub topic: ContactTopic,
    pub outcome: ContactOutcome,
    pub handle_seconds: Option<u32>,
}

impl LoggedContact {
    /// Validates the form; `topic_of` gives what an active topic of the
    /// taxonomy counts as, by its code. Collects every problem (`required`,
    /// `invalid`, `out_of_range`).
    pub fn parse(raw: &RawLoggedContact, topic_of: impl Fn(&str) -> Option<ContactTopic>) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let channel = match text(&raw.channel) {
            None => {
                v.push("channel", "required", "choose a channel");
                None
            }
            Some(s) => {
                let c = Channel::parse(&s).filter(|c| LOGGED_CHANNELS.contains(c));
                if c.is_none() {
                    v.push("channel", "invalid", "unknown channel");
                }
                c
            }
        };
        let topic = match text(&raw.topic).as_deref() {
            None => {
                v.push("topic", "required", "choose what the contact was about");
                None
            }
            Some(code) => match topic_of(code) {
                Some(class) => Some((code.to_owned(), class)),
                None => {
                    v.push("topic", "invalid", "unknown or retired topic");
                    None
                }
            },
        };
        let outcome = match text(&raw.outcome) {
            None => {
                v.push("outcome", "required", "choose how the contact ended");
                None
            }
            Some(s) => {
                let o = ContactOutcome::parse(&s);
                if o.is_none() {
                    v.push("outcome", "invalid", "unknown outcome");
                }
                o
            }
        };
        let handle_seconds = match text(&raw.minutes) {
            None => None,
            Some(s) => match s.parse::<u32>() {
                Ok(m) if (1..=MAX_HANDLE_MINUTES).contains(&m) => Some(m * 60),
                Ok(_) => {
                    v.push("minutes", "out_of_range", "must be between 1 and 480 minutes");
                    None
                }
                Err(_) => {
                    v.push("minutes", "invalid", "must be a whole number of minutes");
                    None
                }
            },
        };
        match (channel, topic, outcome) {
            (Some(channel), Some((topic_code, topic)), Some(outcome)) if v.is_empty() => {
                Ok(Self { channel, topic_code, topic, outcome, handle_seconds })
            }
            _ => Err(v),
        }
    }
}

/// A contact logged by the contact center (*kontaktlogg*), as stored. No
/// personal data about the person who made contact; the agent's id and the
/// times are personal data about the employee, used only to show each
/// agent their own latest entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactLogEntry {
    pub contact: LoggedContact,
    pub started_at: DateTime<Utc>,
    /// The user who logged it.
    pub agent_id: Option<i64>,
    /// The errand it concerned or led to (internal id).
    pub errand_id: Option<i64>,
    /// The knowledge article that answered it on the spot.
    pub article: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(channel: &str, topic: &str, outcome: &str, minutes: &str) -> RawLoggedContact {
        let s = |x: &str| Some(x.to_owned());
        RawLoggedContact {
            channel: s(channel),
            topic: s(topic),
            outcome: s(outcome),
            minutes: s(minutes),
            ..Default::default()
        }
    }

    #[test]
    fn a_contact_is_parsed_or_every_problem_named() {
        let known = |c: &str| {
            ["service:bygglov", "tech_help", "general"].contains(&c).then(|| ContactTopic::parse_class(c)).flatten()
        };
        let ok = LoggedContact::parse(&raw("phone", "service:bygglov", "resolved", " 4 "), known).unwrap();
        assert_eq!((ok.topic_code.as_str(), ok.topic), ("service:bygglov", ContactTopic::Service("bygglov".into())));
        assert_eq!((ok.channel, ok.outcome, ok.handle_seconds), (Channel::Phone, ContactOutcome::Resolved, Some(240)));
        let untimed = LoggedContact::parse(&raw("visit", "tech_help", "referred", ""), known).unwrap();
        assert_eq!((untimed.topic, untimed.handle_seconds), (ContactTopic::TechHelp, None));
        let bad = LoggedContact::parse(&raw("open311", "service:okänd", "maybe", "0"), known).unwrap_err();
        let got: Vec<_> = bad.0.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(
            got,
            [("channel", "invalid"), ("topic", "invalid"), ("outcome", "invalid"), ("minutes", "out_of_range")]
        );
        let empty = LoggedContact::parse(&RawLoggedContact::default(), known).unwrap_err();
        assert_eq!(empty.0.len(), 3, "channel, topic and outcome are required; minutes is not");
        let words = LoggedContact::parse(&raw("email", "general", "errand", "fem"), known).unwrap_err();
        assert_eq!(words.0[0].code, "invalid");
    }
}

#[cfg(test)]
mod topic_tests {
    use super::*;

    #[test]
    fn a_new_topic_gets_a_code_from_its_swedish_name_and_counts_as_a_class() {
        let raw = |sv: &str, en: &str, class: &str| RawTopic {
            name_sv: sv.into(),
            name_en: en.into(),
            counts_as: class.into(),
        };
        let exists = |c: &str| c == "parking-permit";
        let t = raw(" Parkering på gatan ", "", "service:parking-permit").parse_new(exists).unwrap();
        assert_eq!((t.code.as_str(), t.name_en.as_str()), ("topic:parkering-pa-gatan", "Parkering på gatan"));
        assert_eq!(t.counts_as, ContactTopic::Service("parking-permit".into()));
        assert_eq!(
            raw("Öppettider & hitta hit", "Hours", "general").parse_new(exists).unwrap().code,
            "topic:oppettider-hitta-hit"
        );
        let bad = raw("", "x", "service:unknown").parse_new(exists).unwrap_err();
        let got: Vec<_> = bad.0.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(got, [("name_sv", "required"), ("counts_as", "invalid")]);
        assert_eq!(topic_slug("???"), "amne", "a name of symbols still gets a code");
    }

    #[test]
    fn a_topic_class_reads_back_from_its_code() {
        for class in [ContactTopic::General, ContactTopic::TechHelp, ContactTopic::Service("pothole".into())] {
            assert_eq!(ContactTopic::parse_class(&class.code()), Some(class));
        }
        assert_eq!(ContactTopic::parse_class("service:"), None);
        assert_eq!(ContactTopic::parse_class("topic:parkering"), None);
    }
}
