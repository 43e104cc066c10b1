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

/// What a contact was about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactTopic {
    /// A question about one service of the catalogue (its code).
    Service(String),
    /// General information, not about one service.
    General,
    /// Technical help with an e-service or e-ID login (*teknisk support*).
    TechHelp,
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
    pub topic: ContactTopic,
    pub outcome: ContactOutcome,
    pub handle_seconds: Option<u32>,
}

impl LoggedContact {
    /// Validates the form; `service_exists` says whether a service code is in
    /// the catalogue. Collects every problem (`required`, `invalid`,
    /// `out_of_range`).
    pub fn parse(raw: &RawLoggedContact, service_exists: impl Fn(&str) -> bool) -> Result<Self, Violations> {
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
            Some("general") => Some(ContactTopic::General),
            Some("tech_help") => Some(ContactTopic::TechHelp),
            Some(s) => match s.strip_prefix("service:") {
                Some(code) if service_exists(code) => Some(ContactTopic::Service(code.to_owned())),
                _ => {
                    v.push("topic", "invalid", "unknown service");
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
            (Some(channel), Some(topic), Some(outcome)) if v.is_empty() => {
                Ok(Self { channel, topic, outcome, handle_seconds })
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
        let known = |c: &str| c == "bygglov";
        let ok = LoggedContact::parse(&raw("phone", "service:bygglov", "resolved", " 4 "), known).unwrap();
        assert_eq!(ok.topic, ContactTopic::Service("bygglov".into()));
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
